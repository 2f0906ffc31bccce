import type { CalendarDate } from '../../domain/dates';
import type { TenantId } from '../../domain/model';
import type { CardStore, StoredAccountCard } from '../../ports/cards';
import type { SqlClient, SqlSession } from './sql-client';

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

export function cardStore(client: SqlClient): CardStore {
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
  };
}
