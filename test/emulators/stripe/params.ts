/**
 * Stripe's form encoding (`a[b][0]=x`, as the SDK sends both in query strings and POST bodies), parsed
 * into nested objects and arrays, plus the validation helpers the routes share.
 */

export type ParamValue = string | ParamValue[] | ParamObject;
export interface ParamObject {
  [key: string]: ParamValue;
}

/** An error answered with Stripe's error body (`{error: {type, code?, message, param?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: {
      type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error';
      message: string;
      code?: string;
      param?: string;
      doc_url?: string;
    },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): ApiError {
  return new ApiError(status, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}` } : {}),
    ...(param ? { param } : {}),
  });
}

function keySegments(key: string): string[] {
  const open = key.indexOf('[');
  if (open < 0) return [key];
  const segments = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  pattern.lastIndex = open;
  for (let match = pattern.exec(key); match; match = pattern.exec(key)) segments.push(match[1] ?? '');
  return segments;
}

/** Objects whose keys are all array indices (`0`, `1`, …) become arrays, recursively. */
function arraysFromIndices(value: ParamValue): ParamValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = arraysFromIndices(value[key] as ParamValue);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((key) => value[key] as ParamValue);
  }
  return value;
}

/** Parses `application/x-www-form-urlencoded` text with Stripe's bracket notation. */
export function parseForm(text: string): ParamObject {
  const root: ParamObject = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const segments = keySegments(rawKey);
    let node: ParamObject = root;
    for (let index = 0; index < segments.length; index += 1) {
      let segment = segments[index] as string;
      const last = index === segments.length - 1;
      if (segment === '') segment = String(Object.keys(node).length);
      if (last) {
        node[segment] = value;
      } else {
        const existing = node[segment];
        if (existing === undefined || typeof existing === 'string' || Array.isArray(existing)) {
          const child: ParamObject = {};
          node[segment] = child;
          node = child;
        } else {
          node = existing;
        }
      }
    }
  }
  return arraysFromIndices(root) as ParamObject;
}

export function stringParam(params: ParamObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalidRequest(`Invalid string: ${name} must be a string`, name, 'parameter_invalid_string_empty');
  return value;
}

export function integerOf(value: string, param: string): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw invalidRequest(`Invalid integer: ${value}`, param, 'parameter_invalid_integer');
  return Number(value);
}

export function stringArrayParam(params: ParamObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw invalidRequest(`Invalid array: ${name} must be an array of strings`, name);
}

export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** `created=123` or `created[gte]=…&created[lt]=…` → a predicate on a timestamp. */
export function rangeParam(
  params: ParamObject,
  name: string,
): ((value: number | null) => boolean) | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    const exact = integerOf(raw, name);
    return (value) => value === exact;
  }
  if (Array.isArray(raw)) throw invalidRequest(`Invalid ${name}: must be an integer or a hash`, name);
  const range: Range = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'gt' && key !== 'gte' && key !== 'lt' && key !== 'lte') {
      throw invalidRequest(
        `Received unknown parameter: ${name}[${key}]`,
        `${name}[${key}]`,
        'parameter_unknown',
      );
    }
    if (typeof value !== 'string')
      throw invalidRequest(`Invalid integer: ${name}[${key}]`, `${name}[${key}]`);
    range[key] = integerOf(value, `${name}[${key}]`);
  }
  return (value) =>
    value !== null &&
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte);
}

export function rejectUnknown(params: ParamObject, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(params)) {
    if (!allowed.has(key))
      throw invalidRequest(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
  }
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  param: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param);
  }
  return value as T;
}
