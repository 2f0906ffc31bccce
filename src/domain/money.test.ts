import fc from 'fast-check';
import {
  addMinor,
  MoneyRangeError,
  multiplyMinor,
  currencyExponent,
  formatMinorAsDecimal,
  formatMoney,
  parseMajorAmount,
  type CurrencyCode,
} from './money';

const c = (code: string) => code as CurrencyCode;

describe('currency exponents', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
  ])('%s has %i decimals', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it('does not know made-up codes', () => {
    expect(currencyExponent('XYZ')).toBeUndefined();
    expect(currencyExponent('usd')).toBeUndefined();
  });
});

describe('parseMajorAmount', () => {
  it.each([
    ['1234.56', 'USD', 123456],
    ['1234.5', 'USD', 123450],
    ['1234', 'USD', 123400],
    ['0.01', 'USD', 1],
    ['0', 'USD', 0],
    ['007.10', 'EUR', 710],
    ['1500', 'JPY', 1500],
    ['12.345', 'KWD', 12345],
    ['12.3', 'KWD', 12300],
    ['90071992547409.91', 'USD', 9007199254740991],
  ])('%s %s → %i minor units', (text, currency, minor) => {
    expect(parseMajorAmount(text, c(currency))).toEqual({ ok: true, minor });
  });

  it.each([
    ['1.234', 'USD', 'USD has 2 decimals'],
    ['1500.5', 'JPY', 'JPY has 0 decimals'],
    ['1.2345', 'KWD', 'KWD has 3 decimals'],
    ['-5.00', 'USD', 'must not be negative'],
    ['1,000.00', 'USD', 'expected a decimal number'],
    ['1e3', 'USD', 'expected a decimal number'],
    ['', 'USD', 'expected a decimal number'],
    ['12.', 'USD', 'expected a decimal number'],
    ['10', 'XYZ', 'unknown currency XYZ'],
    ['90071992547409.92', 'USD', 'too large'],
  ])('rejects %s %s', (text, currency, message) => {
    const result = parseMajorAmount(text, c(currency));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });

  it('round-trips with formatMinorAsDecimal for every exponent', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'JPY', 'KWD', 'CLF'),
        fc.integer({ min: 0, max: 2 ** 50 }),
        (code, minor) => {
          const text = formatMinorAsDecimal(minor, c(code));
          expect(parseMajorAmount(text, c(code))).toEqual({ ok: true, minor });
        },
      ),
    );
  });
});

describe('formatting', () => {
  it('formats minor units by exponent', () => {
    expect(formatMinorAsDecimal(5, c('USD'))).toBe('0.05');
    expect(formatMinorAsDecimal(-123456, c('USD'))).toBe('-1234.56');
    expect(formatMinorAsDecimal(1500, c('JPY'))).toBe('1500');
    expect(formatMinorAsDecimal(12345, c('KWD'))).toBe('12.345');
  });

  it('writes amounts for people with grouping and the code', () => {
    expect(formatMoney(420000, c('USD'))).toBe('USD 4,200.00');
    expect(formatMoney(123456789, c('JPY'))).toBe('JPY 123,456,789');
    expect(formatMoney(-1234567, c('KWD'))).toBe('KWD -1,234.567');
  });
});

describe('sums of minor units stay exact or are refused', () => {
  const MAX = 9007199254740991; // 2^53 − 1

  it('adds exactly up to 2^53 − 1, both ways', () => {
    expect(addMinor(MAX - 2, 2)).toBe(MAX);
    expect(addMinor(-MAX + 2, -2)).toBe(-MAX);
    expect(multiplyMinor(3, 3002399751580330)).toBe(9007199254740990);
  });

  it('refuses a total beyond it, naming the exact total a double would have rounded', () => {
    // As doubles, MAX + 2 is 9007199254740992: one minor unit lost without a word.
    expect(() => addMinor(MAX, 2)).toThrow(MoneyRangeError);
    expect(() => addMinor(MAX, 2)).toThrow('9007199254740993');
    expect(() => addMinor(-MAX, -2)).toThrow('-9007199254740993');
    expect(() => multiplyMinor(4503599627370497, 2)).toThrow('9007199254740994');
  });
});
