import fc from 'fast-check';
import {
  addDays,
  addMonths,
  daysBetween,
  fromDayNumber,
  isCalendarDate,
  toDayNumber,
  type CalendarDate,
} from './dates';

const d = (text: string) => text as CalendarDate;

describe('calendar dates', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '1970-01-01'])('accepts %s', (text) => {
    expect(isCalendarDate(text)).toBe(true);
  });

  it.each([
    '2023-02-29',
    '1900-02-29',
    '2026-13-01',
    '2026-04-31',
    '2026-1-01',
    '26-01-01',
    '2026-01-01T00:00',
    '',
  ])('rejects %s', (text) => {
    expect(isCalendarDate(text)).toBe(false);
  });

  it('counts days across leap days and year ends', () => {
    expect(toDayNumber(d('1970-01-01'))).toBe(0);
    expect(daysBetween(d('2028-02-28'), d('2028-03-01'))).toBe(2);
    expect(daysBetween(d('2027-02-28'), d('2027-03-01'))).toBe(1);
    expect(daysBetween(d('2025-12-31'), d('2026-01-01'))).toBe(1);
    expect(daysBetween(d('2026-03-01'), d('2026-01-01'))).toBe(-59);
    expect(addDays(d('2028-02-28'), 1)).toBe('2028-02-29');
  });

  it('agrees with the UTC calendar for every day number in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -25567, max: 376199 }), (dayNumber) => {
        const expected = new Date(dayNumber * 86400000).toISOString().slice(0, 10);
        expect(fromDayNumber(dayNumber)).toBe(expected);
        expect(toDayNumber(d(expected))).toBe(dayNumber);
      }),
    );
  });

  it('adds months clamping to the end of the month', () => {
    expect(addMonths(d('2026-01-31'), 1)).toBe('2026-02-28');
    expect(addMonths(d('2028-01-31'), 1)).toBe('2028-02-29');
    expect(addMonths(d('2026-11-15'), 3)).toBe('2027-02-15');
    expect(addMonths(d('2026-03-31'), -1)).toBe('2026-02-28');
  });
});
