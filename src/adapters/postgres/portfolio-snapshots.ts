import type { ReportSlice } from '../../domain/ar-metrics';
import type { CalendarDate } from '../../domain/dates';
import { firstDayFiguresChange, type InvoiceHistory } from '../../domain/history-change';
import type { Invoice, PaymentAttempt, TenantId } from '../../domain/model';
import type { PortfolioSnapshotStore } from '../../ports/portfolio-snapshots';
import { INVOICES, PAYMENTS, type EntityTable } from './entity-tables';
import type { SqlClient, SqlSession } from './sql-client';

/** Staged rows that differ from the stored row of the same id (or have none): what the merge changes. */
function changedStagedRows<Row>(table: EntityTable<Row>, staged: string, stored: string): string {
  const [id, ...values] = table.columns.map((column) => `"${column.name}"`);
  const mine = values.map((name) => `${staged}.${name}`).join(', ');
  const theirs = values.map((name) => `${stored}.${name}`).join(', ');
  return `${table.stage} ${staged}
    LEFT JOIN ${table.table} ${stored} ON ${stored}.tenant_id = $1 AND ${stored}.${id} = ${staged}.${id}
    WHERE ${stored}.${id} IS NULL OR (${theirs}) IS DISTINCT FROM (${mine})`;
}

/**
 * For a large import: the earliest day whose portfolio figures the staged invoices and payments can
 * change. A report reads an invoice only from its issue day on, so the earliest issue day, old or new,
 * of every invoice whose row or payments change.
 */
const HISTORY_CHANGED_FROM = `
  WITH changed_invoices AS (
    SELECT least(s.issued_on, i.issued_on) AS from_day FROM ${changedStagedRows(INVOICES, 's', 'i')}
  ), changed_payments AS (
    SELECT p.invoice_id AS staged_invoice, a.invoice_id AS stored_invoice
    FROM ${changedStagedRows(PAYMENTS, 'p', 'a')}
  ), paid_invoices AS (
    SELECT staged_invoice AS invoice_id FROM changed_payments
    UNION
    SELECT stored_invoice FROM changed_payments WHERE stored_invoice IS NOT NULL
  )
  SELECT to_char(least(
    (SELECT min(from_day) FROM changed_invoices),
    (SELECT min(least(i.issued_on, s.issued_on)) FROM paid_invoices x
       LEFT JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = x.invoice_id
       LEFT JOIN stage_invoices s ON s.invoice_id = x.invoice_id)
  ), 'YYYY-MM-DD') AS changed_from`;

/** For a small import (a billing event's few rows): the invoices whose row or payments change. */
const CHANGED_INVOICES = `
  SELECT DISTINCT invoice_id FROM (
    SELECT s.invoice_id FROM ${changedStagedRows(INVOICES, 's', 'i')}
    UNION ALL
    SELECT p.invoice_id FROM ${changedStagedRows(PAYMENTS, 'p', 'a')}
    UNION ALL
    SELECT a.invoice_id FROM ${changedStagedRows(PAYMENTS, 'p', 'a')}
  ) changed WHERE invoice_id IS NOT NULL`;

const INVOICE_HISTORY = `
  SELECT invoice_id AS "invoiceId", customer_id AS "customerId", currency, amount_minor AS "amountMinor",
         issued_on AS "issuedOn", due_on AS "dueOn", paid_on AS "paidOn", voided_on AS "voidedOn",
         subscription_id AS "subscriptionId", amount_remaining_minor AS "amountRemainingMinor",
         uncollectible_on AS "uncollectibleOn"
    FROM invoices WHERE tenant_id = $1 AND invoice_id = ANY($2::text[])`;

const PAYMENT_HISTORY = `
  SELECT payment_id AS "paymentId", invoice_id AS "invoiceId", currency, amount_minor AS "amountMinor",
         attempted_on AS "attemptedOn", status, decline_code AS "declineCode", method
    FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = ANY($2::text[])`;

/** Up to this many staged rows, each changed invoice is compared before and after the merge. */
const EXACT_UP_TO_ROWS = 500;

/** A change that may reach any day. */
const EVERY_DAY = '0001-01-01' as CalendarDate;

async function invoiceHistories(
  tx: SqlSession,
  tenant: TenantId,
  invoiceIds: readonly string[],
): Promise<Map<string, InvoiceHistory>> {
  const invoices = await tx.query<Invoice>(INVOICE_HISTORY, [tenant, [...invoiceIds]]);
  const payments = await tx.query<PaymentAttempt>(PAYMENT_HISTORY, [tenant, [...invoiceIds]]);
  const histories = new Map(
    invoices.map((invoice) => [invoice.invoiceId, { invoice, payments: [] as PaymentAttempt[] }]),
  );
  for (const payment of payments) histories.get(payment.invoiceId)?.payments.push(payment);
  return histories;
}

/**
 * A new billing-history version with the day it reaches, and the snapshots of that day and later
 * marked stale. The tenant's history row stays locked until commit, so versions follow commit order
 * and a snapshot save waits for writes in flight.
 */
async function recordBillingHistoryChange(
  tx: SqlSession,
  tenant: TenantId,
  changedFrom: CalendarDate | null,
): Promise<void> {
  if (changedFrom === null) return;
  await tx.query(
    `WITH bumped AS (
       INSERT INTO portfolio_history AS h (tenant_id, version) VALUES ($1, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET version = h.version + 1
       RETURNING version
     ), logged AS (
       INSERT INTO portfolio_history_changes (tenant_id, version, changed_from)
       SELECT $1, version, $2::date FROM bumped
     )
     UPDATE portfolio_snapshots SET stale = true WHERE tenant_id = $1 AND as_of >= $2::date AND NOT stale`,
    [tenant, changedFrom],
  );
}

/**
 * Called inside an import transaction before its merge; `record` after the merge, before commit,
 * records the earliest day whose figures it changed. A small import (a billing event) compares each
 * changed invoice with its payments before and after, so a payment today for last month's invoice
 * reaches today only; a large one takes the earliest issue day of the invoices it changes.
 */
export async function watchBillingHistory(
  tx: SqlSession,
  tenant: TenantId,
  stagedRows: number,
): Promise<{ record(): Promise<void> }> {
  if (stagedRows > EXACT_UP_TO_ROWS) {
    // Without snapshots there is nothing to mark: a pass still running saves everything stale instead
    // of this import paying a join of its whole staging against the book.
    const [snapshot] = await tx.query<{ one: number }>(
      'SELECT 1 AS one FROM portfolio_snapshots WHERE tenant_id = $1 LIMIT 1',
      [tenant],
    );
    if (snapshot === undefined) return { record: () => recordBillingHistoryChange(tx, tenant, EVERY_DAY) };
    const [row] = await tx.query<{ changed_from: CalendarDate | null }>(HISTORY_CHANGED_FROM, [tenant]);
    const changedFrom = row?.changed_from ?? null;
    return { record: () => recordBillingHistoryChange(tx, tenant, changedFrom) };
  }
  const changed = (await tx.query<{ invoice_id: string }>(CHANGED_INVOICES, [tenant])).map(
    (row) => row.invoice_id,
  );
  if (changed.length === 0) return { record: () => Promise.resolve() };
  const before = await invoiceHistories(tx, tenant, changed);
  return {
    async record() {
      const after = await invoiceHistories(tx, tenant, changed);
      let changedFrom: CalendarDate | null = null;
      for (const invoiceId of changed) {
        const day = firstDayFiguresChange(before.get(invoiceId), after.get(invoiceId));
        if (day !== null && (changedFrom === null || day < changedFrom)) changedFrom = day;
      }
      await recordBillingHistoryChange(tx, tenant, changedFrom);
    },
  };
}

type SnapshotRow = {
  as_of: CalendarDate;
  total: string;
  computed_at: string;
  book_version: number;
  stale: boolean;
};

export function portfolioSnapshots(client: SqlClient): PortfolioSnapshotStore {
  return {
    async portfolioBookVersion(tenant) {
      const [row] = await client.query<{ version: number }>(
        'SELECT version FROM portfolio_history WHERE tenant_id = $1',
        [tenant],
      );
      return Number(row?.version ?? 0);
    },

    async listPortfolioSnapshots(tenant, days) {
      if (days.length === 0) return [];
      const rows = await client.query<SnapshotRow>(
        `SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, total,
                to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS computed_at,
                book_version, stale
           FROM portfolio_snapshots WHERE tenant_id = $1 AND as_of = ANY($2::date[]) ORDER BY as_of`,
        [tenant, [...days]],
      );
      return rows.map((row) => ({
        asOf: row.as_of,
        total: JSON.parse(row.total) as ReportSlice,
        computedAt: row.computed_at,
        bookVersion: Number(row.book_version),
        stale: row.stale,
      }));
    },

    async savePortfolioSnapshots(tenant, bookVersion, snapshots) {
      if (snapshots.length === 0) return;
      const ordered = [...snapshots].sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0));
      await client.transaction(async (tx) => {
        // Waits for history writes in flight; later ones wait for this save and then mark what it saved.
        await tx.query(
          'INSERT INTO portfolio_history (tenant_id, version) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING',
          [tenant],
        );
        await tx.query('SELECT version FROM portfolio_history WHERE tenant_id = $1 FOR SHARE', [tenant]);
        // A week of changes is kept: a pass that started before the oldest kept one saves stale.
        await tx.query(
          `DELETE FROM portfolio_history_changes WHERE tenant_id = $1 AND recorded_at < now() - interval '7 days'`,
          [tenant],
        );
        await tx.query(
          `WITH since AS (
             SELECT min(changed_from) AS changed_from, count(*) AS kept,
                    (SELECT version FROM portfolio_history WHERE tenant_id = $1) - $2::bigint AS written
               FROM portfolio_history_changes WHERE tenant_id = $1 AND version > $2::bigint
           )
           INSERT INTO portfolio_snapshots AS s (tenant_id, as_of, total, computed_at, book_version, stale)
           SELECT $1, u.day::date, u.total, now(), $2::bigint,
                  since.kept < since.written OR coalesce(since.changed_from <= u.day::date, false)
             FROM unnest($3::text[], $4::text[]) AS u(day, total), since
           ON CONFLICT (tenant_id, as_of) DO UPDATE
             SET total = EXCLUDED.total, computed_at = EXCLUDED.computed_at,
                 book_version = EXCLUDED.book_version, stale = EXCLUDED.stale
             WHERE s.book_version <= EXCLUDED.book_version`,
          [
            tenant,
            bookVersion,
            ordered.map((snapshot) => snapshot.asOf),
            ordered.map((snapshot) => JSON.stringify(snapshot.total)),
          ],
        );
      });
    },
  };
}
