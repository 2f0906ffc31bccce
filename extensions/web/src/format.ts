/**
 * Numbers, money and dates in the browser's locale. Money is integer minor units with the ISO 4217
 * exponent of its currency; amounts in different currencies are never added.
 */
export const DASH = '—';

const ZERO_DECIMALS = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const THREE_DECIMALS = new Set('BHD IQD JOD KWD LYD OMR TND'.split(' '));

export function currencyDigits(currency: string): number {
  if (ZERO_DECIMALS.has(currency)) return 0;
  if (THREE_DECIMALS.has(currency)) return 3;
  if (currency === 'CLF' || currency === 'UYW') return 4;
  return 2;
}

export function browserLocale(): string {
  if (typeof navigator === 'undefined') return 'en-US';
  return navigator.languages?.[0] ?? navigator.language ?? 'en-US';
}

function safeNumberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(locale, options);
  } catch {
    // An unknown currency code: show the code with the plain number.
    const { style: _style, currency: _currency, currencyDisplay: _display, ...rest } = options;
    return new Intl.NumberFormat(locale, rest);
  }
}

export function minorToMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency);
}

export function formatMinor(
  minor: number | null | undefined,
  currency: string,
  locale = browserLocale(),
): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return DASH;
  const digits = currencyDigits(currency);
  return safeNumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minorToMajor(minor, currency));
}

/** Short amounts for chart axes and bar labels ("$1.2M"). */
export function formatMinorCompact(minor: number, currency: string, locale = browserLocale()): string {
  return safeNumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(minorToMajor(minor, currency));
}

export function formatNumber(value: number | null | undefined, digits = 0, locale = browserLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(
    value,
  );
}

/** A share between 0 and 1 as a percentage. */
export function formatShare(value: number | null | undefined, locale = browserLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

export function formatDays(value: number | null | undefined, locale = browserLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const number = formatNumber(value, 1, locale);
  return `${number} ${Math.abs(value) === 1 ? 'day' : 'days'}`;
}

function calendarDate(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return undefined;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** A calendar date (YYYY-MM-DD) as the locale writes it; no time zone drift. */
export function formatDate(value: string | null | undefined, locale = browserLocale()): string {
  if (value === null || value === undefined) return DASH;
  const date = calendarDate(value);
  if (date === undefined) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

export function formatMonth(value: string, locale = browserLocale()): string {
  const date = calendarDate(value);
  if (date === undefined) return value;
  return new Intl.DateTimeFormat(locale, { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(date);
}

export function formatInstant(value: string, locale = browserLocale()): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** YYYY-MM-DD plus `days`, in calendar arithmetic. */
export function addDays(value: string, days: number): string {
  const date = calendarDate(value) ?? new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Today in the browser's time zone as YYYY-MM-DD. */
export function localToday(now = new Date()): string {
  const month = String(now.getMonth() + 1).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, '0');
  return `${now.getFullYear()}-${month}-${day}`;
}

export function humanize(value: string): string {
  const spaced = value.replace(/[_-]+/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
