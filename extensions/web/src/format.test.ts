import { describe, expect, it } from 'vitest';
import { addDays, currencyDigits, DASH, formatDays, formatMinor, formatShare } from './format';

describe('money in minor units', () => {
  it.each([
    ['USD', 123456, '$1,234.56'],
    ['JPY', 123456, '¥123,456'],
    ['KWD', 123456, 'KWD 123.456'],
    ['EUR', 5, '€0.05'],
  ])('formats %s %i as %s', (currency, minor, text) => {
    expect(formatMinor(minor, currency, 'en-US').replace(/\u00a0/g, ' ')).toBe(text);
  });

  it('knows the exponent of each currency', () => {
    expect([
      currencyDigits('JPY'),
      currencyDigits('KRW'),
      currencyDigits('BHD'),
      currencyDigits('GBP'),
    ]).toEqual([0, 0, 3, 2]);
  });

  it('uses the locale', () => {
    expect(formatMinor(123456, 'EUR', 'de-DE').replace(/\u00a0/g, ' ')).toBe('1.234,56 €');
  });

  it('shows a dash for what could not be computed', () => {
    expect(formatMinor(null, 'USD')).toBe(DASH);
    expect(formatShare(null)).toBe(DASH);
    expect(formatDays(undefined)).toBe(DASH);
  });
});

describe('dates', () => {
  it('adds calendar days across month ends', () => {
    expect(addDays('2026-11-27', 14)).toBe('2026-12-11');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});
