import { actionFor } from '../../ports/crm-gateway';
import { codeOf, toIntegrationError } from './errors';

/** jsforce's HttpApiError: the code in `name` and `errorCode`, no HTTP status. */
function jsforceError(errorCode: string, message = 'failed'): Error {
  const error = new Error(message) as Error & { errorCode: string };
  error.name = errorCode;
  error.errorCode = errorCode;
  return error;
}

describe('Salesforce error classification', () => {
  it.each([
    ['INVALID_FIELD_FOR_INSERT_UPDATE', 'reconnect'],
    ['INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'reconnect'],
    ['API_CURRENTLY_DISABLED', 'reconnect'],
    ['INVALID_OPERATION_WITH_EXPIRED_PASSWORD', 'reconnect'],
    ['invalid_client_id', 'reconnect'],
    ['inactive_user', 'reconnect'],
    ['INACTIVE_OWNER_OR_USER', 'skip_record'],
    ['FIELD_INTEGRITY_EXCEPTION', 'skip_record'],
  ])('%s is permanent: %s, never retried', (code, action) => {
    expect(actionFor(codeOf(code))).toBe(action);
    expect(actionFor(toIntegrationError(jsforceError(code)).code)).toBe(action);
  });

  it('an unknown code is unknown, not temporary, unless its HTTP status says otherwise', () => {
    expect(codeOf('SOMETHING_NEW')).toBe('unknown');
    expect(toIntegrationError(jsforceError('SOMETHING_NEW')).code).toBe('unknown');
    expect(toIntegrationError(jsforceError('SOMETHING_NEW'), { status: 503 }).code).toBe('temporary');
    expect(toIntegrationError(jsforceError('SOMETHING_NEW'), { status: 400 }).code).toBe('invalid');
    expect(toIntegrationError(jsforceError('SOMETHING_NEW'), { status: 403 }).code).toBe(
      'missing_permission',
    );
    expect(toIntegrationError(jsforceError('ERROR_HTTP_502')).code).toBe('temporary');
  });

  it('a dropped connection (no code, no status) stays temporary', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toIntegrationError(reset).code).toBe('temporary');
    expect(codeOf(undefined)).toBe('temporary');
  });

  it('REQUEST_LIMIT_EXCEEDED: the daily allocation pauses, the concurrent limit waits seconds', () => {
    const daily = toIntegrationError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
    expect(daily.code).toBe('daily_limit');
    expect(daily.retryAfterMs).toBe(15 * 60 * 1000);

    const concurrent = toIntegrationError(
      jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.'),
    );
    expect(concurrent.code).toBe('rate_limited');
    expect(concurrent.retryAfterMs).toBe(5000);

    const longRunning = toIntegrationError(
      jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
    );
    expect(longRunning.code).toBe('rate_limited');
  });

  it('REQUEST_LIMIT_EXCEEDED without a telling message follows the usage header', () => {
    const unclear = jsforceError('REQUEST_LIMIT_EXCEEDED', 'Limit exceeded.');
    expect(toIntegrationError(unclear, { usage: { used: 120, limit: 1000 } }).code).toBe('rate_limited');
    expect(toIntegrationError(unclear, { usage: { used: 1000, limit: 1000 } }).code).toBe('daily_limit');
    expect(toIntegrationError(unclear).code).toBe('daily_limit');
  });
});
