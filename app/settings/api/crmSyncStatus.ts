/** `GET /api/v1/crm-sync-status`: each connected CRM and whether its sync runs, and if not, why. */
export type CrmSyncState =
  | { kind: 'running' }
  | { kind: 'missing_scopes'; until: string; scopes: string[] }
  | { kind: 'reconnect'; until: string; reason: string }
  | { kind: 'limit'; until: string; reason: string };

export type CrmConnection = { crm: 'hubspot' | 'salesforce'; state: CrmSyncState };

export type CrmSyncStatusResponse = { ok: true; connections: CrmConnection[] };
