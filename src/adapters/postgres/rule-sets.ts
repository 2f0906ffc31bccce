import type { AuditEvent, CollectionsStore, RuleSetVersion } from '../../ports/store';
import type { SqlClient, SqlSession } from './sql-client';

type VersionRow = {
  version: number;
  body: string;
  created_at: string;
  created_by: string;
  note: string | null;
  active: boolean;
};

const SELECT_VERSIONS = `
  SELECT v.version, v.body::text AS body, to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
         v.created_by, v.note,
         v.version = (SELECT version FROM rule_set_versions a WHERE a.tenant_id = v.tenant_id AND a.activated_at IS NOT NULL
                      ORDER BY a.activated_at DESC, a.version DESC LIMIT 1) AS active
    FROM rule_set_versions v WHERE v.tenant_id = $1`;

function toVersion(row: VersionRow): RuleSetVersion {
  return {
    version: row.version,
    body: JSON.parse(row.body) as unknown,
    createdAt: row.created_at,
    createdBy: row.created_by,
    note: row.note,
    active: row.active === true,
  };
}

async function audit(
  tx: SqlSession,
  tenant: string,
  kind: string,
  subject: string,
  actor: string,
  payload: object,
) {
  await tx.query(
    `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`,
    [tenant, kind, subject, actor, JSON.stringify(payload)],
  );
}

type RuleSetMethods = Pick<
  CollectionsStore,
  | 'activateNewRuleSet'
  | 'reactivateRuleSet'
  | 'listRuleSetVersions'
  | 'getRuleSetVersion'
  | 'getActiveRuleSet'
  | 'listEvents'
>;

/** Versions are immutable: activation only stamps activated_at, and every change is audited. */
export function ruleSets(client: SqlClient): RuleSetMethods {
  const getVersion = async (db: SqlSession, tenant: string, version: number) => {
    const [row] = await db.query<VersionRow>(`${SELECT_VERSIONS} AND v.version = $2`, [tenant, version]);
    return row === undefined ? undefined : toVersion(row);
  };
  return {
    async activateNewRuleSet(tenant, body, actor, note) {
      return client.transaction(async (tx) => {
        // One writer at a time per tenant, so two activations cannot take the same version number.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rule-sets:${tenant}`]);
        const [next] = await tx.query<{ version: number }>(
          'SELECT coalesce(max(version), 0) + 1 AS version FROM rule_set_versions WHERE tenant_id = $1',
          [tenant],
        );
        const version = next?.version ?? 1;
        await tx.query(
          `INSERT INTO rule_set_versions (tenant_id, version, body, created_by, note, activated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, clock_timestamp())`,
          [tenant, version, JSON.stringify(body), actor, note],
        );
        await audit(tx, tenant, 'rule_set_activated', `rule-set:${version}`, actor, { version, note });
        const stored = await getVersion(tx, tenant, version);
        if (stored === undefined) throw new Error('activated rule set version vanished');
        return stored;
      });
    },

    async reactivateRuleSet(tenant, version, actor, note) {
      return client.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rule-sets:${tenant}`]);
        const updated = await tx.query(
          `UPDATE rule_set_versions SET activated_at = clock_timestamp() WHERE tenant_id = $1 AND version = $2 RETURNING version`,
          [tenant, version],
        );
        if (updated.length === 0) return undefined;
        await audit(tx, tenant, 'rule_set_rolled_back', `rule-set:${version}`, actor, { version, note });
        return getVersion(tx, tenant, version);
      });
    },

    async listRuleSetVersions(tenant) {
      const rows = await client.query<VersionRow>(`${SELECT_VERSIONS} ORDER BY v.version`, [tenant]);
      return rows.map(toVersion);
    },

    getRuleSetVersion: (tenant, version) => getVersion(client, tenant, version),

    async getActiveRuleSet(tenant) {
      const rows = await client.query<VersionRow>(`${SELECT_VERSIONS} ORDER BY v.version`, [tenant]);
      const active = rows.find((row) => row.active === true);
      return active === undefined ? undefined : toVersion(active);
    },

    async listEvents(tenant, filter = {}) {
      const rows = await client.query<{
        id: number;
        occurred_at: string;
        kind: string;
        subject: string | null;
        actor: string;
        payload: string;
      }>(
        `SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, kind, subject,
                actor, payload::text AS payload
           FROM collection_events
          WHERE tenant_id = $1 AND ($2::text IS NULL OR subject = $2)
          ORDER BY id DESC LIMIT $3`,
        [tenant, filter.subject ?? null, filter.limit ?? 100],
      );
      return rows.map((row): AuditEvent => ({
        id: row.id,
        occurredAt: row.occurred_at,
        kind: row.kind,
        subject: row.subject,
        actor: row.actor,
        payload: JSON.parse(row.payload) as unknown,
      }));
    },
  };
}
