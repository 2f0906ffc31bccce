import type { CalendarDate } from '../../domain/dates';
import type { TenantId } from '../../domain/model';
import type { CollectionsStore, CrmInstallation, StoredAccountCard } from '../../ports/store';
import type { SqlClient, SqlSession } from './sql-client';

type CardMethods = Pick<
  CollectionsStore,
  | 'getAccountCardByCrmId'
  | 'getAccountCardVersions'
  | 'saveAccountCards'
  | 'invalidateAccountCards'
  | 'listStaleAccountCards'
  | 'findTenantsByCrmCompanyId'
  | 'listAccountCards'
  | 'listWorklist'
  | 'saveCrmInstallation'
  | 'getCrmInstallation'
  | 'getCrmInstallationForTenant'
  | 'listCrmInstallations'
  | 'setCrmSyncPause'
  | 'claimCrmPropertyChange'
  | 'remapCrmCompany'
  | 'completeTaskByCrmId'
  | 'saveCrmBulkJob'
  | 'getCrmBulkJob'
  | 'finishCrmBulkJob'
  | 'recordCrmApiUsage'
  | 'crmApiUsageSince'
>;

/** Bumps the card version of some accounts inside the caller's transaction. */
export async function invalidateCards(
  tx: SqlSession,
  tenant: TenantId,
  customerIds: readonly string[],
): Promise<void> {
  if (customerIds.length === 0) return;
  await tx.query(
    `INSERT INTO account_cards (tenant_id, customer_id)
     SELECT $1, c FROM unnest($2::text[]) AS t(c)
     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET version = account_cards.version + 1`,
    [tenant, [...new Set(customerIds)]],
  );
}

/** Every account touched by an import's staged rows (called after the merge, before commit). */
export const INVALIDATE_STAGED_CARDS = `
  INSERT INTO account_cards (tenant_id, customer_id)
  SELECT $1, customer_id FROM (
    SELECT customer_id FROM stage_customers
    UNION SELECT customer_id FROM stage_subscriptions
    UNION SELECT customer_id FROM stage_invoices
    UNION SELECT i.customer_id FROM stage_payments p JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = p.invoice_id
    UNION SELECT i.customer_id FROM stage_disputes d JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = d.invoice_id
  ) touched WHERE customer_id IS NOT NULL
  ON CONFLICT (tenant_id, customer_id) DO UPDATE SET version = account_cards.version + 1`;

type CardRow = {
  customer_id: string;
  version: number | null;
  card_version: number | null;
  as_of: CalendarDate | null;
  card: string | null;
};

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
  instance_url: string | null;
  launch_secret_enc: string | null;
};

const INSTALLATION_COLUMNS = `tenant_id, crm, account_id, access_token_enc, refresh_token_enc,
  (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms, scopes, installed_by,
  to_char(sync_paused_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS paused_until, sync_paused_reason,
  instance_url, launch_secret_enc`;

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
    syncPause:
      row.paused_until === null ? null : { until: row.paused_until, reason: row.sync_paused_reason ?? '' },
  };
}

export function accountCards(client: SqlClient): CardMethods {
  return {
    async getAccountCardByCrmId(tenant, crmCompanyId): Promise<StoredAccountCard | undefined> {
      const [row] = await client.query<CardRow>(
        `SELECT c.customer_id, a.version::float8 AS version, a.card_version::float8 AS card_version,
                to_char(a.as_of, 'YYYY-MM-DD') AS as_of, a.card
           FROM customers c
           LEFT JOIN account_cards a ON a.tenant_id = c.tenant_id AND a.customer_id = c.customer_id
          WHERE c.tenant_id = $1 AND c.crm_company_id = $2
          ORDER BY c.customer_id LIMIT 1`,
        [tenant, crmCompanyId],
        { prepare: 'account_card_by_crm_id' },
      );
      if (row === undefined) return undefined;
      return {
        customerId: row.customer_id,
        version: Number(row.version ?? 0),
        cardVersion: Number(row.card_version ?? -1),
        asOf: row.as_of,
        card: row.card === null ? null : (JSON.parse(row.card) as unknown),
      };
    },

    async getAccountCardVersions(tenant, customerIds) {
      const rows = await client.query<{ customer_id: string; version: number }>(
        customerIds === undefined
          ? 'SELECT customer_id, version::float8 AS version FROM account_cards WHERE tenant_id = $1'
          : `SELECT customer_id, version::float8 AS version FROM account_cards
              WHERE tenant_id = $1 AND customer_id = ANY($2::text[])`,
        customerIds === undefined ? [tenant] : [tenant, [...customerIds]],
      );
      return new Map(rows.map((row) => [row.customer_id, Number(row.version)]));
    },

    async saveAccountCards(tenant, cards) {
      if (cards.length === 0) return 0;
      // Version 0 means "no row yet": the row is created at version 0 so a concurrent invalidation
      // (which creates it at 1 or bumps it) still wins.
      const rows = await client.query<{ customer_id: string }>(
        `INSERT INTO account_cards AS a (tenant_id, customer_id, version, card_version, as_of, card, computed_at)
         SELECT $1, c, v, v, d::date, j, now()
           FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[]) AS t(c, v, d, j)
         ON CONFLICT (tenant_id, customer_id) DO UPDATE
           SET card_version = EXCLUDED.card_version, as_of = EXCLUDED.as_of, card = EXCLUDED.card,
               computed_at = now()
           WHERE a.version = EXCLUDED.version
         RETURNING a.customer_id`,
        [
          tenant,
          cards.map((card) => card.customerId),
          cards.map((card) => card.version),
          cards.map((card) => card.asOf),
          cards.map((card) => JSON.stringify(card.card)),
        ],
      );
      return rows.length;
    },

    async invalidateAccountCards(tenant, customerIds) {
      if (customerIds === 'all') {
        await client.query('UPDATE account_cards SET version = version + 1 WHERE tenant_id = $1', [tenant]);
        return;
      }
      await invalidateCards(client, tenant, customerIds);
    },

    async listStaleAccountCards(tenant, asOf, limit) {
      const rows = await client.query<{ customer_id: string }>(
        `SELECT c.customer_id FROM customers c
           LEFT JOIN account_cards a ON a.tenant_id = c.tenant_id AND a.customer_id = c.customer_id
          WHERE c.tenant_id = $1
            AND (a.customer_id IS NULL OR a.card_version <> a.version OR a.as_of IS DISTINCT FROM $2::date)
          ORDER BY c.customer_id LIMIT $3`,
        [tenant, asOf, limit],
      );
      return rows.map((row) => row.customer_id);
    },

    async listAccountCards(tenant, asOf, options) {
      const order = {
        risk: `(card::jsonb #>> '{risk,score}')::numeric DESC NULLS LAST`,
        overdue: `(card::jsonb #>> '{status,oldestDaysPastDue}')::numeric DESC NULLS LAST`,
        renewal: `(card::jsonb #>> '{status,daysToRenewal}')::numeric ASC NULLS LAST`,
      }[options.sort];
      const rows = await client.query<{ customer_id: string; card: string }>(
        `SELECT customer_id, card FROM account_cards
          WHERE tenant_id = $1 AND card IS NOT NULL AND as_of = $2::date
          ORDER BY ${order}, customer_id LIMIT $3`,
        [tenant, asOf, options.limit],
      );
      return rows.map((row) => ({ customerId: row.customer_id, card: JSON.parse(row.card) as unknown }));
    },

    async listWorklist(tenant, asOf, query) {
      const currencies = await client.query<{ currency: string; accounts: number }>(
        `SELECT c AS currency, count(*)::int AS accounts
           FROM account_cards, jsonb_object_keys(card::jsonb #> '{worklist,byCurrency}') AS c
          WHERE tenant_id = $1 AND card IS NOT NULL AND as_of = $2::date
            AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(card::jsonb #> '{worklist,situations}') s
                         WHERE s <> 'paused')
          GROUP BY c ORDER BY count(*) DESC, c`,
        [tenant, asOf],
      );
      const owners = await client.query<{ owner: string }>(
        `SELECT DISTINCT owner FROM customers WHERE tenant_id = $1 AND owner IS NOT NULL ORDER BY owner`,
        [tenant],
      );
      const currency = query.currency ?? currencies[0]?.currency ?? null;
      const page = { currency, owners: owners.map((row) => row.owner), currencies };
      if (currency === null) return { ...page, total: 0, rows: [] };
      // Fresh cards with a payment problem (a pause alone is none) and an expected loss in the currency.
      const rows = await client.query<{ customer_id: string; card: string; total: number }>(
        `SELECT customer_id, card, count(*) OVER ()::int AS total FROM account_cards
          WHERE tenant_id = $1 AND card IS NOT NULL AND as_of = $2::date
            AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(card::jsonb #> '{worklist,situations}') s
                         WHERE s <> 'paused')
            AND card::jsonb #> '{worklist,byCurrency}' ? $3
            AND ($4::text IS NULL OR card::jsonb ->> 'owner' = $4)
            AND ($5::text IS NULL OR card::jsonb #> '{worklist,situations}' ? $5)
          ORDER BY (card::jsonb #>> ARRAY['worklist', 'byCurrency', $3, 'totalMinor'])::numeric DESC, customer_id
          LIMIT $6 OFFSET $7`,
        [tenant, asOf, currency, query.owner ?? null, query.situation ?? null, query.limit, query.offset],
      );
      // A page past the end has no rows to carry the count: count again.
      const total =
        rows[0]?.total ??
        (query.offset === 0
          ? 0
          : (
              await client.query<{ total: number }>(
                `SELECT count(*)::int AS total FROM account_cards
                  WHERE tenant_id = $1 AND card IS NOT NULL AND as_of = $2::date
                    AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(card::jsonb #> '{worklist,situations}') s
                                 WHERE s <> 'paused')
                    AND card::jsonb #> '{worklist,byCurrency}' ? $3
                    AND ($4::text IS NULL OR card::jsonb ->> 'owner' = $4)
                    AND ($5::text IS NULL OR card::jsonb #> '{worklist,situations}' ? $5)`,
                [tenant, asOf, currency, query.owner ?? null, query.situation ?? null],
              )
            )[0]?.total) ??
        0;
      return {
        ...page,
        total,
        rows: rows.map((row) => ({ customerId: row.customer_id, card: JSON.parse(row.card) as unknown })),
      };
    },

    async findTenantsByCrmCompanyId(crmCompanyId) {
      const rows = await client.query<{ tenant_id: TenantId }>(
        'SELECT DISTINCT tenant_id FROM customers WHERE crm_company_id = $1 ORDER BY tenant_id',
        [crmCompanyId],
      );
      return rows.map((row) => row.tenant_id);
    },

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
                  AND crm_installations.sync_paused_reason LIKE 'reconnect needed%' THEN NULL
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
        `UPDATE crm_installations SET sync_paused_until = $3::timestamptz, sync_paused_reason = $4, updated_at = now()
          WHERE tenant_id = $1 AND crm = $2`,
        [tenant, crm, pause?.until ?? null, pause?.reason ?? null],
      );
    },

    async claimCrmPropertyChange(tenant, crm, change) {
      const rows = await client.query(
        `INSERT INTO crm_property_changes AS p (tenant_id, crm, object_id, property, occurred_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, crm, object_id, property) DO UPDATE SET occurred_at = EXCLUDED.occurred_at
           WHERE p.occurred_at < EXCLUDED.occurred_at
         RETURNING object_id`,
        [tenant, crm, change.objectId, change.property, change.occurredAt],
      );
      return rows.length > 0;
    },

    async remapCrmCompany(tenant, fromCrmIds, toCrmId) {
      if (fromCrmIds.length === 0) return [];
      return client.transaction(async (tx) => {
        const rows = await tx.query<{ customer_id: string }>(
          `UPDATE customers SET crm_company_id = $3
            WHERE tenant_id = $1 AND crm_company_id = ANY($2::text[])
            RETURNING customer_id`,
          [tenant, [...fromCrmIds], toCrmId],
        );
        const customers = rows.map((row) => row.customer_id);
        if (customers.length > 0) {
          await tx.query(
            'DELETE FROM crm_sync_state WHERE tenant_id = $1 AND customer_id = ANY($2::text[])',
            [tenant, customers],
          );
          await invalidateCards(tx, tenant, customers);
          for (const customerId of customers) {
            await tx.query(
              `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
               VALUES ($1, 'crm_record_remapped', $2, 'crm', $3::jsonb)`,
              [tenant, customerId, JSON.stringify({ from: fromCrmIds, to: toCrmId })],
            );
          }
        }
        return customers;
      });
    },

    async saveCrmBulkJob(tenant, crm, job) {
      await client.query(
        `INSERT INTO crm_bulk_jobs (tenant_id, crm, job_id, object_type, entries) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, crm) DO UPDATE
           SET job_id = EXCLUDED.job_id, object_type = EXCLUDED.object_type, entries = EXCLUDED.entries,
               started_at = now()`,
        [tenant, crm, job.jobId, job.type, JSON.stringify(job.entries)],
      );
    },

    async getCrmBulkJob(tenant, crm) {
      const [row] = await client.query<{
        job_id: string;
        object_type: 'companies' | 'deals';
        entries: string;
      }>('SELECT job_id, object_type, entries FROM crm_bulk_jobs WHERE tenant_id = $1 AND crm = $2', [
        tenant,
        crm,
      ]);
      return row === undefined
        ? undefined
        : {
            jobId: row.job_id,
            type: row.object_type,
            entries: JSON.parse(row.entries) as { customerId: string; crmId: string; hash: string }[],
          };
    },

    async finishCrmBulkJob(tenant, crm, jobId) {
      await client.query('DELETE FROM crm_bulk_jobs WHERE tenant_id = $1 AND crm = $2 AND job_id = $3', [
        tenant,
        crm,
        jobId,
      ]);
    },

    async recordCrmApiUsage(tenant, crm, requests, at) {
      await client.query(
        `INSERT INTO crm_api_usage AS u (tenant_id, crm, hour, requests)
         VALUES ($1, $2, date_trunc('hour', to_timestamp($3::float8 / 1000)), $4)
         ON CONFLICT (tenant_id, crm, hour) DO UPDATE SET requests = u.requests + EXCLUDED.requests`,
        [tenant, crm, at.getTime(), requests],
      );
    },

    async crmApiUsageSince(tenant, crm, since) {
      const [row] = await client.query<{ requests: number | null }>(
        `SELECT sum(requests)::float8 AS requests FROM crm_api_usage
          WHERE tenant_id = $1 AND crm = $2 AND hour >= date_trunc('hour', to_timestamp($3::float8 / 1000))`,
        [tenant, crm, since.getTime()],
      );
      return Number(row?.requests ?? 0);
    },

    async completeTaskByCrmId(tenant, crmTaskId, actor) {
      return client.transaction(async (tx) => {
        const done = await tx.query<{ task_id: string; customer_id: string }>(
          `UPDATE tasks SET state = 'completed', updated_at = now()
            WHERE tenant_id = $1 AND crm_task_id = $2 AND state = 'open'
            RETURNING task_id, customer_id`,
          [tenant, crmTaskId],
        );
        for (const row of done) {
          await tx.query(
            `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
             VALUES ($1, 'task_completed', $2, $3, $4::jsonb)`,
            [
              tenant,
              row.customer_id,
              actor,
              JSON.stringify({ taskId: row.task_id, reason: 'completed in the CRM' }),
            ],
          );
        }
        await invalidateCards(
          tx,
          tenant,
          done.map((row) => row.customer_id),
        );
        return done.length > 0;
      });
    },
  };
}
