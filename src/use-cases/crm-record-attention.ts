import { actionFor, type IntegrationErrorCode } from '../ports/crm-gateway';

/**
 * Syncs in a row that may send a record the CRM refused with a code nobody has classified: it may be
 * passing, so it is sent again a few times, then left for a person.
 */
export const UNKNOWN_FAILURE_ATTEMPTS = 3;

/**
 * A refused record needs a person (and is not sent again until its content changes) once the refusal
 * is known to be permanent, or an unknown refusal came back `UNKNOWN_FAILURE_ATTEMPTS` times. Temporary
 * refusals (a locked row, a 5xx) are not counted: the next sync sends them again.
 */
export function needsAttention(failure: { code: IntegrationErrorCode; attempts: number }): boolean {
  const action = actionFor(failure.code);
  if (action === 'retry' || action === 'pause_until_tomorrow') return false;
  if (failure.code === 'unknown') return failure.attempts >= UNKNOWN_FAILURE_ATTEMPTS;
  return true;
}

/** Refusals worth counting: every one the next sync would not simply send again. */
export function countsAsRefusal(code: IntegrationErrorCode): boolean {
  const action = actionFor(code);
  return action !== 'retry' && action !== 'pause_until_tomorrow';
}
