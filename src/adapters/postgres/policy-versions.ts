import { DEFAULT_RULE_SET } from '../../domain/rules/default-rule-set';
import type { RuleSetVersion } from '../../ports/automation';
import type { SqlClient, SqlSession } from './sql-client';

type VersionRow = {
  version: number;
  body: string;
  source: string | null;
  created_at: string;
  created_by: string;
  note: string | null;
  active: boolean;
  activated_at: string | null;
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
  /**
   * What every tenant starts with, as version 0: read as active until the tenant's first change, which
   * stores it (so a rollback can return to it).
   */
  versionZero?: { body: unknown; note: string };
};

const SYSTEM_ACTOR = 'system';

export const RULE_SETS: PolicyTable = {
  table: 'rule_set_versions',
  subject: 'rule-set',
  activatedEvent: 'rule_set_activated',
  rolledBackEvent: 'rule_set_rolled_back',
  shownOnCards: true,
  versionZero: { body: DEFAULT_RULE_SET, note: DEFAULT_RULE_SET.name },
};

export const TERM_GUARDRAILS: PolicyTable = {
  table: 'term_guardrail_versions',
  subject: 'term-guardrails',
  activatedEvent: 'term_guardrails_activated',
  rolledBackEvent: 'term_guardrails_rolled_back',
  shownOnCards: false,
};

const selectVersions = (table: PolicyTable['table']): string => `
  SELECT v.version, v.body::text AS body, v.source,
         to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
         v.created_by, v.note,
         to_char(v.activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS activated_at,
         v.version = (SELECT version FROM ${table} a WHERE a.tenant_id = v.tenant_id AND a.activated_at IS NOT NULL
                      ORDER BY a.activated_at DESC, a.version DESC LIMIT 1) AS active
    FROM ${table} v WHERE v.tenant_id = $1`;

function toVersion(row: VersionRow): RuleSetVersion {
  return {
    version: row.version,
    body: JSON.parse(row.body) as unknown,
    source: row.source,
    createdAt: row.created_at,
    createdBy: row.created_by,
    note: row.note,
    active: row.active === true,
    activatedAt: row.activated_at,
  };
}

/** Version 0 before it is stored: dated with the tenant, active while no other version is. */
async function unstoredVersionZero(
  db: SqlSession,
  tenant: string,
  zero: NonNullable<PolicyTable['versionZero']>,
  active: boolean,
): Promise<RuleSetVersion> {
  const [row] = await db.query<{ created_at: string }>(
    `SELECT to_char(coalesce((SELECT created_at FROM tenants WHERE tenant_id = $1), now()) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`,
    [tenant],
  );
  return {
    version: 0,
    body: zero.body,
    source: null,
    createdAt: row?.created_at ?? '1970-01-01T00:00:00Z',
    createdBy: SYSTEM_ACTOR,
    note: zero.note,
    active,
    activatedAt: null,
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
  /** undefined when `ifActiveVersion` is given and another version is active. */
  activateNew(
    tenant: string,
    body: unknown,
    actor: string,
    note: string,
    options?: { source?: string | null; ifActiveVersion?: number },
  ): Promise<RuleSetVersion | undefined>;
  reactivate(
    tenant: string,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  list(tenant: string): Promise<RuleSetVersion[]>;
  get(tenant: string, version: number): Promise<RuleSetVersion | undefined>;
  getActive(tenant: string): Promise<RuleSetVersion | undefined>;
  /** The version active now (0 when none was ever activated and the policy has a version 0). */
  activeVersion(db: SqlSession, tenant: string): Promise<number | undefined>;
};

/** Versions are immutable: activation only stamps activated_at, and every change is audited. */
export function versionedPolicy(client: SqlClient, policy: PolicyTable): PolicyMethods {
  const select = selectVersions(policy.table);
  const zero = policy.versionZero;
  const getVersion = async (db: SqlSession, tenant: string, version: number) => {
    const [row] = await db.query<VersionRow>(`${select} AND v.version = $2`, [tenant, version]);
    if (row !== undefined) return toVersion(row);
    if (version !== 0 || zero === undefined) return undefined;
    return unstoredVersionZero(db, tenant, zero, (await activeStored(db, tenant)) === undefined);
  };
  const activeStored = async (db: SqlSession, tenant: string) => {
    const [row] = await db.query<{ version: number }>(
      `SELECT version FROM ${policy.table} WHERE tenant_id = $1 AND activated_at IS NOT NULL
        ORDER BY activated_at DESC, version DESC LIMIT 1`,
      [tenant],
    );
    return row?.version;
  };
  const activeVersion = async (db: SqlSession, tenant: string) =>
    (await activeStored(db, tenant)) ?? (zero === undefined ? undefined : 0);
  /** Stores version 0 as the tenant started with it; a no-op once stored. */
  const storeVersionZero = async (tx: SqlSession, tenant: string) => {
    if (zero === undefined) return;
    await tx.query(
      `INSERT INTO ${policy.table} (tenant_id, version, body, created_by, note, created_at)
       VALUES ($1, 0, $2::jsonb, $3, $4, coalesce((SELECT created_at FROM tenants WHERE tenant_id = $1), now()))
       ON CONFLICT (tenant_id, version) DO NOTHING`,
      [tenant, JSON.stringify(zero.body), SYSTEM_ACTOR, zero.note],
    );
  };
  const lockKey = (tenant: string) => `${policy.table}:${tenant}`;
  return {
    activeVersion,
    async activateNew(tenant, body, actor, note, options = {}) {
      return client.transaction(async (tx) => {
        // One writer at a time per tenant, so two activations cannot take the same version number.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(tenant)]);
        if (
          options.ifActiveVersion !== undefined &&
          (await activeVersion(tx, tenant)) !== options.ifActiveVersion
        )
          return undefined;
        await storeVersionZero(tx, tenant);
        const [next] = await tx.query<{ version: number }>(
          `SELECT coalesce(max(version), 0) + 1 AS version FROM ${policy.table} WHERE tenant_id = $1`,
          [tenant],
        );
        const version = next?.version ?? 1;
        await tx.query(
          `INSERT INTO ${policy.table} (tenant_id, version, body, source, created_by, note, activated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, clock_timestamp())`,
          [tenant, version, JSON.stringify(body), options.source ?? null, actor, note],
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
        if (version === 0) await storeVersionZero(tx, tenant);
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
      const versions = (await client.query<VersionRow>(`${select} ORDER BY v.version`, [tenant])).map(
        toVersion,
      );
      if (zero === undefined || versions[0]?.version === 0) return versions;
      const first = await unstoredVersionZero(
        client,
        tenant,
        zero,
        !versions.some((version) => version.active),
      );
      return [first, ...versions];
    },

    get: (tenant, version) => getVersion(client, tenant, version),

    async getActive(tenant) {
      const rows = await client.query<VersionRow>(`${select} ORDER BY v.version`, [tenant]);
      const active = rows.find((row) => row.active === true);
      if (active !== undefined) return toVersion(active);
      return zero === undefined ? undefined : getVersion(client, tenant, 0);
    },
  };
}
