/**
 * Why a tenant's CRM sync is paused. The store keeps a pause as an end and a reason; the reason is
 * written and read only here, so every reader (doctor, /metrics, the settings page) sees the same state.
 */
export type CrmSyncPauseState =
  | { kind: 'missing_scopes'; until: string; scopes: string[] }
  | { kind: 'reconnect'; until: string; reason: string }
  | { kind: 'limit'; until: string; reason: string };

export type StoredSyncPause = { until: string; reason: string };

const RECONNECT = 'reconnect needed: ';
const MISSING_SCOPES = 'missing scopes ';

/**
 * A sync refused for missing scopes is tried again after this long: an admin may have granted them
 * meanwhile, and a reinstall ends the pause at once. It never waits for ever.
 */
export const MISSING_SCOPES_RETRY_MS = 60 * 60 * 1000;

export function missingScopesPause(scopes: readonly string[], until: string): StoredSyncPause {
  const names = [...new Set(scopes)].sort();
  return { until, reason: `${RECONNECT}${MISSING_SCOPES}${names.join(', ')}` };
}

export function reconnectPause(reason: string, until: string): StoredSyncPause {
  return { until, reason: `${RECONNECT}${reason}` };
}

export function crmSyncPauseState(pause: StoredSyncPause): CrmSyncPauseState {
  if (!pause.reason.startsWith(RECONNECT)) return { kind: 'limit', until: pause.until, reason: pause.reason };
  const rest = pause.reason.slice(RECONNECT.length);
  if (rest.startsWith(MISSING_SCOPES)) {
    const scopes = rest
      .slice(MISSING_SCOPES.length)
      .split(',')
      .map((scope) => scope.trim())
      .filter((scope) => scope !== '');
    return { kind: 'missing_scopes', until: pause.until, scopes };
  }
  return { kind: 'reconnect', until: pause.until, reason: rest };
}
