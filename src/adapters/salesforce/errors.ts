import { IntegrationError, type IntegrationErrorCode } from '../../ports/crm-gateway';

/** REQUEST_LIMIT_EXCEEDED: Salesforce's allocation is a rolling 24 h; look again in a quarter hour. */
export const REQUEST_LIMIT_BACKOFF_MS = 15 * 60 * 1000;
/** REQUEST_LIMIT_EXCEEDED for too many requests at once: other clients finish within seconds. */
export const CONCURRENT_LIMIT_BACKOFF_MS = 5000;

const CODES: Readonly<Record<string, IntegrationErrorCode>> = {
  INVALID_SESSION_ID: 'unauthorized',
  invalid_grant: 'unauthorized',
  REQUEST_LIMIT_EXCEEDED: 'daily_limit',
  UNABLE_TO_LOCK_ROW: 'temporary',
  SERVER_UNAVAILABLE: 'temporary',
  INSUFFICIENT_ACCESS: 'missing_permission',
  INSUFFICIENT_ACCESS_OR_READONLY: 'missing_permission',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'missing_permission',
  API_DISABLED_FOR_ORG: 'missing_permission',
  API_CURRENTLY_DISABLED: 'missing_permission',
  // Field-level security: the field is read-only for the integration user.
  INVALID_FIELD_FOR_INSERT_UPDATE: 'missing_permission',
  INVALID_OPERATION_WITH_EXPIRED_PASSWORD: 'unauthorized',
  invalid_client_id: 'unauthorized',
  invalid_client: 'unauthorized',
  inactive_user: 'unauthorized',
  inactive_org: 'unauthorized',
  INACTIVE_OWNER_OR_USER: 'invalid',
  FIELD_INTEGRITY_EXCEPTION: 'invalid',
  NOT_FOUND: 'not_found',
  ENTITY_IS_DELETED: 'not_found',
  INVALID_CROSS_REFERENCE_KEY: 'not_found',
  MALFORMED_ID: 'invalid',
  INVALID_FIELD: 'invalid',
  INVALID_TYPE: 'invalid',
  MALFORMED_QUERY: 'invalid',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'invalid',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'invalid',
  DUPLICATE_VALUE: 'invalid',
  STRING_TOO_LONG: 'invalid',
  REQUIRED_FIELD_MISSING: 'invalid',
  JSON_PARSER_ERROR: 'invalid',
};

/**
 * A Salesforce error code (from a per-record result or a thrown jsforce error) and the HTTP status it
 * came with → the closed set. A code outside the table is `unknown` unless the status says more: only
 * 5xx, and a failure with neither code nor status (the connection), are worth repeating as such.
 */
export function codeOf(errorCode: string | undefined, status?: number): IntegrationErrorCode {
  if (errorCode !== undefined) {
    const known = CODES[errorCode];
    if (known !== undefined) return known;
    const http = /^ERROR_HTTP_(\d{3})$/.exec(errorCode);
    if (http !== null) return codeOf(undefined, Number(http[1]));
  }
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'missing_permission';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 409 || status === 415 || status === 422) return 'invalid';
  if (status === 429) return 'rate_limited';
  if (status !== undefined && status >= 500) return 'temporary';
  if (status === undefined && errorCode === undefined) return 'temporary';
  return 'unknown';
}

/** The org's daily API usage from the last `Sforce-Limit-Info` header. */
export type ApiUsage = { used: number; limit: number };

/** What came back with the failed request: its HTTP status, and the org's usage as last reported. */
export type FailedResponse = { status?: number; usage?: ApiUsage };

/**
 * REQUEST_LIMIT_EXCEEDED is both the daily allocation ("TotalRequests Limit exceeded.") and the
 * concurrent-request limit ("ConcurrentRequests (Concurrent API Requests) Limit exceeded.", or the
 * long-running form "ConcurrentPerOrgLongTxn"): the first pauses the sync, the second waits seconds.
 */
function requestLimitKind(message: string, usage: ApiUsage | undefined): 'daily' | 'concurrent' {
  if (/TotalRequests/i.test(message)) return 'daily';
  if (/Concurrent/i.test(message)) return 'concurrent';
  return usage !== undefined && usage.used < usage.limit ? 'concurrent' : 'daily';
}

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'EAI_AGAIN']);

/** jsforce's errors (HTTP, per-call JSON errors, network) → IntegrationError. */
export function toIntegrationError(error: unknown, response: FailedResponse = {}): IntegrationError {
  if (error instanceof IntegrationError) return error;
  const e = (error ?? {}) as {
    errorCode?: unknown;
    name?: unknown;
    code?: unknown;
    message?: unknown;
    statusCode?: unknown;
    cause?: { code?: unknown };
  };
  const message = typeof e.message === 'string' ? e.message : 'Salesforce request failed';
  const errorCode =
    typeof e.errorCode === 'string' ? e.errorCode : typeof e.name === 'string' ? e.name : undefined;
  const network = [e.code, e.cause?.code].some((code) => typeof code === 'string' && NETWORK.has(code));
  // jsforce wraps a failed session refresh in a plain Error: the credentials need a person.
  const refreshFailed = /^Unable to refresh session/.test(message);
  const status = typeof e.statusCode === 'number' ? e.statusCode : response.status;
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED' && requestLimitKind(message, response.usage) === 'concurrent')
    return new IntegrationError('salesforce', 'rate_limited', message, CONCURRENT_LIMIT_BACKOFF_MS);
  const code = refreshFailed ? 'unauthorized' : network ? 'temporary' : codeOf(errorCode, status);
  return new IntegrationError(
    'salesforce',
    code === 'unknown' && /socket|network|timed? ?out|ECONN/i.test(message) ? 'temporary' : code,
    message,
    code === 'daily_limit' ? REQUEST_LIMIT_BACKOFF_MS : undefined,
  );
}
