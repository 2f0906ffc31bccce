import type { CrmSyncFailure } from '../../domain/crm-sync-pause';
import type { TenantId } from '../../domain/model';
import type { CrmInstallation, CrmInstallations } from '../../ports/crm-installations';
import type { SqlClient } from './sql-client';

type InstallationRow = {
  tenant_id: TenantId;
  crm: string;
  account_id: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  expires_ms: number | null;
  scopes: string[];
  installed_by: string | null;
  paused_until: string | null;
  sync_paused_reason: string | null;
  sync_failure: Omit<CrmSyncFailure, 'until' | 'reason'> | string | null;
  instance_url: string | null;
  launch_secret_enc: string | null;
};

const INSTALLATION_COLUMNS = `tenant_id, crm, account_id, access_token_enc, refresh_token_enc,
  (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms, scopes, installed_by,
  to_char(sync_paused_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS paused_until, sync_paused_reason,
  sync_failure, instance_url, launch_secret_enc`;

function toInstallation(row: InstallationRow): CrmInstallation {
  return {
    tenant: row.tenant_id,
    crm: row.crm,
    accountId: row.account_id,
    accessTokenEnc: row.access_token_enc,
    refreshTokenEnc: row.refresh_token_enc,
    expiresAt: row.expires_ms === null ? null : new Date(Number(row.expires_ms)),
    scopes: row.scopes,
    installedBy: row.installed_by,
    instanceUrl: row.instance_url,
    launchSecretEnc: row.launch_secret_enc,
    syncPause: syncFailureOf(row),
  };
}

/** The typed sync state of a row: its kind, code, count and scopes, its next attempt and message. */
function syncFailureOf(row: InstallationRow): CrmSyncFailure | null {
  if (row.paused_until === null || row.sync_failure === null) return null;
  const stored = typeof row.sync_failure === 'string' ? JSON.parse(row.sync_failure) : row.sync_failure;
  const failure = stored as Omit<CrmSyncFailure, 'until' | 'reason'>;
  return {
    kind: failure.kind,
    code: failure.code,
    count: failure.count,
    until: row.paused_until,
    reason: row.sync_paused_reason ?? '',
    scopes: failure.scopes,
  };
}

export function crmInstallations(client: SqlClient): CrmInstallations {
  return {
    async saveCrmInstallation(installation) {
      await client.query(
        `INSERT INTO crm_installations (tenant_id, crm, account_id, access_token_enc, refresh_token_enc,
                                        expires_at, scopes, installed_by, instance_url, launch_secret_enc)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6::float8 / 1000), $7::text[], $8, $9, $10)
         ON CONFLICT (crm, account_id) DO UPDATE
           SET tenant_id = EXCLUDED.tenant_id, access_token_enc = EXCLUDED.access_token_enc,
               refresh_token_enc = EXCLUDED.refresh_token_enc, expires_at = EXCLUDED.expires_at,
               scopes = EXCLUDED.scopes, installed_by = COALESCE(EXCLUDED.installed_by, crm_installations.installed_by),
               instance_url = COALESCE(EXCLUDED.instance_url, crm_installations.instance_url),
               launch_secret_enc = COALESCE(EXCLUDED.launch_secret_enc, crm_installations.launch_secret_enc),
               -- New credentials end a "reconnect needed" pause.
               sync_paused_until = CASE
                 WHEN EXCLUDED.access_token_enc IS DISTINCT FROM crm_installations.access_token_enc
                  AND crm_installations.sync_failure->>'kind' IN ('reconnect', 'missing_scopes') THEN NULL
                 ELSE crm_installations.sync_paused_until END,
               updated_at = now()`,
        [
          installation.tenant,
          installation.crm,
          installation.accountId,
          installation.accessTokenEnc,
          installation.refreshTokenEnc,
          installation.expiresAt === null ? null : installation.expiresAt.getTime(),
          installation.scopes,
          installation.installedBy,
          installation.instanceUrl ?? null,
          installation.launchSecretEnc ?? null,
        ],
      );
    },

    async getCrmInstallation(crm, accountId) {
      const [row] = await client.query<InstallationRow>(
        `SELECT ${INSTALLATION_COLUMNS} FROM crm_installations WHERE crm = $1 AND account_id = $2`,
        [crm, accountId],
      );
      return row === undefined ? undefined : toInstallation(row);
    },

    async getCrmInstallationForTenant(tenant, crm) {
      const [row] = await client.query<InstallationRow>(
        `SELECT ${INSTALLATION_COLUMNS} FROM crm_installations WHERE tenant_id = $1 AND crm = $2`,
        [tenant, crm],
      );
      return row === undefined ? undefined : toInstallation(row);
    },

    async listCrmInstallations(crm) {
      const rows = await client.query<InstallationRow>(
        `SELECT ${INSTALLATION_COLUMNS} FROM crm_installations WHERE crm = $1 ORDER BY tenant_id`,
        [crm],
      );
      return rows.map(toInstallation);
    },

    async setCrmSyncPause(tenant, crm, pause) {
      await client.query(
        `UPDATE crm_installations
            SET sync_paused_until = $3::timestamptz, sync_paused_reason = $4, sync_failure = $5::jsonb, updated_at = now()
          WHERE tenant_id = $1 AND crm = $2`,
        [
          tenant,
          crm,
          pause?.until ?? null,
          pause?.reason ?? null,
          pause === null
            ? null
            : JSON.stringify({
                kind: pause.kind,
                code: pause.code,
                count: pause.count,
                scopes: pause.scopes,
              }),
        ],
      );
    },

    async useLaunchNonce(tenant, nonce, expiresAt, now) {
      await client.query(
        'DELETE FROM launch_nonces WHERE tenant_id = $1 AND expires_at < to_timestamp($2::float8 / 1000)',
        [tenant, now.getTime()],
      );
      // The primary key decides between concurrent first uses: exactly one insert gets its row back.
      const inserted = await client.query(
        `INSERT INTO launch_nonces (tenant_id, nonce, expires_at)
         VALUES ($1, $2, to_timestamp($3::float8 / 1000))
         ON CONFLICT (tenant_id, nonce) DO NOTHING
         RETURNING nonce`,
        [tenant, nonce, expiresAt.getTime()],
      );
      return inserted.length === 1;
    },

    async useInstallState(crm, nonce, expiresAt, now) {
      await client.query('DELETE FROM install_states WHERE expires_at < to_timestamp($1::float8 / 1000)', [
        now.getTime(),
      ]);
      // The primary key decides between concurrent callbacks: exactly one insert gets its row back.
      const inserted = await client.query(
        `INSERT INTO install_states (crm, nonce, expires_at)
         VALUES ($1, $2, to_timestamp($3::float8 / 1000))
         ON CONFLICT (crm, nonce) DO NOTHING
         RETURNING nonce`,
        [crm, nonce, expiresAt.getTime()],
      );
      return inserted.length === 1;
    },
  };
}
