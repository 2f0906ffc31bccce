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

/** A kind of versioned, audited configuration: escalation rule sets and payment-term guardrails. */
type PolicyTable = {
  table: 'rule_set_versions' | 'term_guardrail_versions';
  /** Audit subjects are `${subject}:${version}`. */
  subject: string;
  activatedEvent: string;
  rolledBackEvent: string;
  /** Whether the account cards show what this policy decides (the rule set's next step does). */
  shownOnCards: boolean;
};

const RULE_SETS: PolicyTable = {
  table: 'rule_set_versions',
  subject: 'rule-set',
  activatedEvent: 'rule_set_activated',
  rolledBackEvent: 'rule_set_rolled_back',
  shownOnCards: true,
};

const TERM_GUARDRAILS: PolicyTable = {
  table: 'term_guardrail_versions',
  subject: 'term-guardrails',
  activatedEvent: 'term_guardrails_activated',
  rolledBackEvent: 'term_guardrails_rolled_back',
  shownOnCards: false,
};

const selectVersions = (table: PolicyTable['table']): string => `
  SELECT v.version, v.body::text AS body, to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
         v.created_by, v.note,
         v.version = (SELECT version FROM ${table} a WHERE a.tenant_id = v.tenant_id AND a.activated_at IS NOT NULL
                      ORDER BY a.activated_at DESC, a.version DESC LIMIT 1) AS active
    FROM ${table} v WHERE v.tenant_id = $1`;

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

type PolicyMethods = {
  activateNew(tenant: string, body: unknown, actor: string, note: string): Promise<RuleSetVersion>;
  reactivate(
    tenant: string,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  list(tenant: string): Promise<RuleSetVersion[]>;
  get(tenant: string, version: number): Promise<RuleSetVersion | undefined>;
  getActive(tenant: string): Promise<RuleSetVersion | undefined>;
};

/** Versions are immutable: activation only stamps activated_at, and every change is audited. */
function versionedPolicy(client: SqlClient, policy: PolicyTable): PolicyMethods {
  const select = selectVersions(policy.table);
  const getVersion = async (db: SqlSession, tenant: string, version: number) => {
    const [row] = await db.query<VersionRow>(`${select} AND v.version = $2`, [tenant, version]);
    return row === undefined ? undefined : toVersion(row);
  };
  const lockKey = (tenant: string) => `${policy.table}:${tenant}`;
  return {
    async activateNew(tenant, body, actor, note) {
      return client.transaction(async (tx) => {
        // One writer at a time per tenant, so two activations cannot take the same version number.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(tenant)]);
        const [next] = await tx.query<{ version: number }>(
          `SELECT coalesce(max(version), 0) + 1 AS version FROM ${policy.table} WHERE tenant_id = $1`,
          [tenant],
        );
        const version = next?.version ?? 1;
        await tx.query(
          `INSERT INTO ${policy.table} (tenant_id, version, body, created_by, note, activated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, clock_timestamp())`,
          [tenant, version, JSON.stringify(body), actor, note],
        );
        if (policy.shownOnCards)
          await tx.query('UPDATE account_cards SET version = version + 1 WHERE tenant_id = $1', [tenant]);
        await audit(tx, tenant, policy.activatedEvent, `${policy.subject}:${version}`, actor, {
          version,
          note,
        });
        const stored = await getVersion(tx, tenant, version);
        if (stored === undefined) throw new Error(`activated ${policy.subject} version vanished`);
        return stored;
      });
    },

    async reactivate(tenant, version, actor, note) {
      return client.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(tenant)]);
        const updated = await tx.query(
          `UPDATE ${policy.table} SET activated_at = clock_timestamp() WHERE tenant_id = $1 AND version = $2 RETURNING version`,
          [tenant, version],
        );
        if (updated.length === 0) return undefined;
        if (policy.shownOnCards)
          await tx.query('UPDATE account_cards SET version = version + 1 WHERE tenant_id = $1', [tenant]);
        await audit(tx, tenant, policy.rolledBackEvent, `${policy.subject}:${version}`, actor, {
          version,
          note,
        });
        return getVersion(tx, tenant, version);
      });
    },

    async list(tenant) {
      const rows = await client.query<VersionRow>(`${select} ORDER BY v.version`, [tenant]);
      return rows.map(toVersion);
    },

    get: (tenant, version) => getVersion(client, tenant, version),

    async getActive(tenant) {
      const rows = await client.query<VersionRow>(`${select} ORDER BY v.version`, [tenant]);
      const active = rows.find((row) => row.active === true);
      return active === undefined ? undefined : toVersion(active);
    },
  };
}

type RuleSetMethods = Pick<
  CollectionsStore,
  | 'activateNewRuleSet'
  | 'reactivateRuleSet'
  | 'listRuleSetVersions'
  | 'getRuleSetVersion'
  | 'getActiveRuleSet'
  | 'activateNewTermGuardrails'
  | 'reactivateTermGuardrails'
  | 'listTermGuardrailVersions'
  | 'getTermGuardrailVersion'
  | 'getActiveTermGuardrails'
  | 'listEvents'
>;

export function ruleSets(client: SqlClient): RuleSetMethods {
  const rules = versionedPolicy(client, RULE_SETS);
  const guardrails = versionedPolicy(client, TERM_GUARDRAILS);
  return {
    activateNewRuleSet: rules.activateNew,
    reactivateRuleSet: rules.reactivate,
    listRuleSetVersions: rules.list,
    getRuleSetVersion: rules.get,
    getActiveRuleSet: rules.getActive,
    activateNewTermGuardrails: guardrails.activateNew,
    reactivateTermGuardrails: guardrails.reactivate,
    listTermGuardrailVersions: guardrails.list,
    getTermGuardrailVersion: guardrails.get,
    getActiveTermGuardrails: guardrails.getActive,

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
