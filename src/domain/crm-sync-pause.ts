/**
 * Why a tenant's CRM sync is not running: a typed state shared by both CRMs. The store keeps it per
 * installation; every reader (doctor, /metrics, the settings page, the CLI) reads these fields, never
 * a message's wording.
 */

/** What a person, or time, has to do before the sync runs again. */
export type CrmSyncFailureKind =
  /** A limit (the CRM's daily limit, our share of it, repeated 429s): it lifts by itself at `until`. */
  | 'limit'
  /** Credentials refused: waits for someone to reconnect (new credentials end it at once). */
  | 'reconnect'
  /** A call refused for scopes the installation lacks: tried again now and then, and ended by a reinstall. */
  | 'missing_scopes';

/** The CRM's own failure, in the closed set both gateways map to. */
export type CrmSyncFailureCode = 'daily_limit' | 'rate_limited' | 'unauthorized' | 'missing_permission';

export type CrmSyncFailure = {
  kind: CrmSyncFailureKind;
  code: CrmSyncFailureCode;
  /** Syncs in a row that ended with this code (1 the first time). */
  count: number;
  /** The next attempt (ISO time); `WAITS_FOR_A_PERSON` when only a reconnect ends it. */
  until: string;
  /** What happened, in the CRM's words where it gave any. */
  reason: string;
  /** The scopes the CRM named as missing (`missing_scopes` only; empty otherwise). */
  scopes: string[];
};

/** The next attempt of a failure that only a person ends. */
export const WAITS_FOR_A_PERSON = '9999-12-31T00:00:00Z';

/**
 * A sync refused for missing scopes is tried again after this long: an admin may have granted them
 * meanwhile, and a reinstall ends the pause at once.
 */
export const MISSING_SCOPES_RETRY_MS = 60 * 60 * 1000;
/** After this many refusals in a row (a day of hourly tries) it waits for a reinstall instead. */
export const MISSING_SCOPES_MAX_TRIES = 24;

/** A failure that repeats the previous one counts on from it; any other starts at 1. */
function countAfter(previous: CrmSyncFailure | null, code: CrmSyncFailureCode): number {
  return previous !== null && previous.code === code ? previous.count + 1 : 1;
}

export function limitFailure(
  code: 'daily_limit' | 'rate_limited',
  reason: string,
  until: string,
  previous: CrmSyncFailure | null,
): CrmSyncFailure {
  return { kind: 'limit', code, count: countAfter(previous, code), until, reason, scopes: [] };
}

export function reconnectFailure(reason: string, previous: CrmSyncFailure | null): CrmSyncFailure {
  return {
    kind: 'reconnect',
    code: 'unauthorized',
    count: countAfter(previous, 'unauthorized'),
    until: WAITS_FOR_A_PERSON,
    reason,
    scopes: [],
  };
}

/** Retried hourly, `MISSING_SCOPES_MAX_TRIES` times; then only a reinstall ends it. */
export function missingScopesFailure(
  scopes: readonly string[],
  reason: string,
  now: number,
  previous: CrmSyncFailure | null,
): CrmSyncFailure {
  const count = countAfter(previous, 'missing_permission');
  return {
    kind: 'missing_scopes',
    code: 'missing_permission',
    count,
    until:
      count >= MISSING_SCOPES_MAX_TRIES
        ? WAITS_FOR_A_PERSON
        : new Date(now + MISSING_SCOPES_RETRY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    reason,
    scopes: [...new Set(scopes)].sort(),
  };
}

/** True when only a person (a reconnect or a reinstall) ends the failure. */
export function waitsForAPerson(failure: CrmSyncFailure): boolean {
  return failure.until === WAITS_FOR_A_PERSON;
}

/** The view the settings page and /metrics show (kept as it was before the state was typed). */
export type CrmSyncPauseState =
  | { kind: 'missing_scopes'; until: string; scopes: string[] }
  | { kind: 'reconnect'; until: string; reason: string }
  | { kind: 'limit'; until: string; reason: string };

export function crmSyncPauseState(failure: CrmSyncFailure): CrmSyncPauseState {
  if (failure.kind === 'missing_scopes')
    return { kind: 'missing_scopes', until: failure.until, scopes: failure.scopes };
  return { kind: failure.kind, until: failure.until, reason: failure.reason };
}
