import { quoteValue } from './text';

/**
 * Money is carried as integer minor units with the ISO 4217 exponent of its currency.
 * Amounts in different currencies are never added: every sum is keyed by currency.
 */
export type CurrencyCode = string & { readonly __brand: 'CurrencyCode' };

/** ISO 4217 active codes and their minor-unit exponents. */
const EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  ...Object.fromEntries(
    (
      'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF ' +
      'CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF ' +
      'IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR ' +
      'MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD ' +
      'SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ' +
      'ZAR ZMW ZWG'
    )
      .split(' ')
      .map((code) => [code, 2]),
  ),
  ...Object.fromEntries(
    'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((code) => [code, 0]),
  ),
  ...Object.fromEntries('BHD IQD JOD KWD LYD OMR TND'.split(' ').map((code) => [code, 3])),
  CLF: 4,
  UYW: 4,
});

export function currencyExponent(code: string): number | undefined {
  return EXPONENTS[code];
}

export function isCurrencyCode(code: string): code is CurrencyCode {
  return EXPONENTS[code] !== undefined;
}

export type ParseAmountResult = { ok: true; minor: number } | { ok: false; message: string };

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Converts a decimal string in major units ("1234.5") to integer minor units, exactly (no floats).
 * Rejects signs, exponents, thousands separators, more decimals than the currency has, and
 * values beyond Number.MAX_SAFE_INTEGER minor units.
 */
export function parseMajorAmount(text: string, currency: CurrencyCode): ParseAmountResult {
  const exponent = EXPONENTS[currency];
  if (exponent === undefined) return { ok: false, message: `unknown currency ${currency}` };
  const trimmed = text.trim();
  if (trimmed.startsWith('-'))
    return { ok: false, message: `amount must not be negative, got ${quoteValue(text)}` };
  const match = DECIMAL.exec(trimmed);
  if (!match)
    return { ok: false, message: `expected a decimal number like 1234.56, got ${quoteValue(text)}` };
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) {
    return {
      ok: false,
      message: `${currency} has ${exponent} decimal${exponent === 1 ? '' : 's'}, got ${quoteValue(text)}`,
    };
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) {
    return {
      ok: false,
      message: `amount is too large: ${quoteValue(text)} is more than ${Number.MAX_SAFE_INTEGER} minor units`,
    };
  }
  return { ok: true, minor };
}

/**
 * A sum of money that a double cannot hold exactly (beyond ±(2^53 − 1) minor units). Thrown instead of
 * a total that is silently off by some minor units.
 */
export class MoneyRangeError extends RangeError {
  constructor(readonly exactValue: string) {
    super(
      `a money total of ${exactValue} minor units is beyond ±${Number.MAX_SAFE_INTEGER}, the largest ` +
        'amount this program sums exactly',
    );
    this.name = 'MoneyRangeError';
  }
}

/** a + b for amounts in minor units, exact or a MoneyRangeError naming the exact total. */
export function addMinor(a: number, b: number): number {
  const sum = a + b;
  if (Number.isSafeInteger(sum)) return sum;
  if (!Number.isInteger(a) || !Number.isInteger(b)) throw new RangeError(`not minor units: ${a} + ${b}`);
  throw new MoneyRangeError((BigInt(a) + BigInt(b)).toString());
}

/** a × n for an amount in minor units and a whole quantity, exact or a MoneyRangeError. */
export function multiplyMinor(a: number, n: number): number {
  const product = a * n;
  if (Number.isSafeInteger(product)) return product;
  if (!Number.isInteger(a) || !Number.isInteger(n)) throw new RangeError(`not minor units: ${a} × ${n}`);
  throw new MoneyRangeError((BigInt(a) * BigInt(n)).toString());
}

/** Formats minor units as a plain decimal string in major units ("4200.00"), exact. */
export function formatMinorAsDecimal(minor: number, currency: CurrencyCode): string {
  const exponent = EXPONENTS[currency] ?? 2;
  const negative = minor < 0;
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** "USD 4,200.00": the form used in sentences shown to people. */
export function formatMoney(minor: number, currency: CurrencyCode): string {
  const plain = formatMinorAsDecimal(minor, currency);
  const [whole = '0', fraction] = plain.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
