import { INVALIDATE_STAGED_CARDS } from './cards';
import type { TenantId } from '../../domain/model';
import { formatMoney, type CurrencyCode } from '../../domain/money';
import { cutValue } from '../../domain/text';
import type { EntityCounts, ImportOutcome, ImportSession, Lined, RowProblem } from '../../ports/ledger';
import {
  columnArrays,
  createStageTableSql,
  CUSTOMERS,
  DISPUTES,
  ENTITY_TABLES,
  idColumn,
  INVOICES,
  mergeSql,
  PAYMENTS,
  stageInsertSql,
  SUBSCRIPTIONS,
  type EntityTable,
} from './entity-tables';
import { holdTransaction, type HeldTransaction } from './held-transaction';
import { watchBillingHistory } from './portfolio-snapshots';
import type { SqlClient } from './sql-client';

/**
 * Autovacuum analyzes a table after about a tenth of it changed: in a table shared by many tenants a
 * new tenant's rows may stay unknown to the planner indefinitely, which sends its lookups down
 * whole-tenant scans. Imports that change this many rows refresh the statistics themselves.
 */
const ANALYZE_AFTER_CHANGED_ROWS = 1000;
/**
 * Imports that change this many rows in a table vacuum it after they commit. The first read of a row
 * after its transaction commits sets its hint bits and so writes its page again; a bulk import left
 * that to the first status of every account, which paid for it in writes (a second of them on the
 * 1.1 M-invoice book). PGlite runs no autovacuum, so without this nothing would, and the visibility
 * map that lets scans skip those checks would never be kept. Vacuum skips pages already all-visible,
 * so a later import pays for its own rows only.
 */
const VACUUM_AFTER_CHANGED_ROWS = 10000;

/** Below this many staged rows a session builds no index or statistics on its staging tables. */
const SMALL_SESSION_ROWS = 500;

const FILE_ORDER = new Map(ENTITY_TABLES.map((table, index) => [table.file, index]));

const STAGED_INVOICES = `
  staged AS (
    SELECT DISTINCT ON (invoice_id) invoice_id, currency, amount_minor
    FROM stage_invoices ORDER BY invoice_id, line DESC
  )`;

const PAYMENT_INVOICE_PROBLEMS = `
  WITH ${STAGED_INVOICES}
  SELECT p.line, p.invoice_id, p.currency, coalesce(s.currency, i.currency) AS invoice_currency
  FROM stage_payments p
  LEFT JOIN staged s ON s.invoice_id = p.invoice_id
  LEFT JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = p.invoice_id
  WHERE coalesce(s.currency, i.currency) IS DISTINCT FROM p.currency
  ORDER BY p.line LIMIT $2`;

const DISPUTE_INVOICE_PROBLEMS = `
  WITH ${STAGED_INVOICES}
  SELECT d.line, d.invoice_id, d.amount_minor,
    coalesce(s.currency, i.currency) AS invoice_currency,
    coalesce(s.amount_minor, i.amount_minor) AS invoice_amount
  FROM stage_disputes d
  LEFT JOIN staged s ON s.invoice_id = d.invoice_id
  LEFT JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = d.invoice_id
  WHERE (s.invoice_id IS NULL AND i.invoice_id IS NULL) OR d.amount_minor > coalesce(s.amount_minor, i.amount_minor)
  ORDER BY d.line LIMIT $2`;

const MOVED_INVOICES = `
  SELECT s.line, s.invoice_id, s.customer_id, i.customer_id AS stored_customer_id
  FROM stage_invoices s
  JOIN invoices i ON i.tenant_id = $1 AND i.invoice_id = s.invoice_id
  WHERE i.customer_id <> s.customer_id
  ORDER BY s.line LIMIT $2`;

/**
 * Customers that a staged row newly maps onto a CRM record another customer of the tenant keeps (in
 * the store, or on an earlier staged line): one CRM record shows one billing customer. A staged row
 * that leaves a customer's stored mapping as it is never conflicts (a CRM merge may have joined two).
 */
const SHARED_CRM_RECORDS = `
  WITH staged AS (
    SELECT DISTINCT ON (customer_id) line, customer_id, crm_company_id
    FROM stage_customers ORDER BY customer_id, line DESC
  ), mapped AS (
    SELECT s.line, s.customer_id, s.crm_company_id, c.crm_company_id IS DISTINCT FROM s.crm_company_id AS changed
    FROM staged s
    LEFT JOIN customers c ON c.tenant_id = $1 AND c.customer_id = s.customer_id
    WHERE s.crm_company_id IS NOT NULL
    UNION ALL
    SELECT NULL, c.customer_id, c.crm_company_id, false
    FROM customers c
    WHERE c.tenant_id = $1 AND c.crm_company_id IN (SELECT crm_company_id FROM staged)
      AND NOT EXISTS (SELECT 1 FROM staged s WHERE s.customer_id = c.customer_id)
  )
  SELECT DISTINCT ON (m.line) m.line, m.customer_id, m.crm_company_id,
    o.customer_id AS other_customer_id, o.line AS other_line
  FROM mapped m
  JOIN mapped o ON o.crm_company_id = m.crm_company_id AND o.customer_id <> m.customer_id
  WHERE m.changed AND (NOT o.changed OR o.line < m.line)
  ORDER BY m.line, o.changed, o.line, o.customer_id
  LIMIT $2`;

type SharedCrmRecord = {
  line: number;
  customer_id: string;
  crm_company_id: string;
  other_customer_id: string;
  other_line: number | null;
};

const INVOICE_CURRENCIES = `
  SELECT invoice_id, currency FROM (
    SELECT invoice_id, currency, 1 AS source, line FROM stage_invoices WHERE invoice_id = ANY($2::text[])
    UNION ALL
    SELECT invoice_id, currency, 0, 0 FROM invoices WHERE tenant_id = $1 AND invoice_id = ANY($2::text[])
  ) found
  ORDER BY source, line`;

const CREATE_BARE_CUSTOMERS = `
  WITH referenced AS (
    SELECT customer_id FROM stage_invoices
    UNION
    SELECT customer_id FROM stage_subscriptions
  ), created AS (
    INSERT INTO customers (tenant_id, customer_id)
    SELECT $1::text, r.customer_id FROM referenced r
    WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = $1 AND c.customer_id = r.customer_id)
    ON CONFLICT (tenant_id, customer_id) DO NOTHING
    RETURNING 1
  )
  SELECT count(*) AS created FROM created`;

function duplicatesSql(table: EntityTable<never>): string {
  const id = `"${idColumn(table)}"`;
  return `
    SELECT s.line, s.${id} AS id, f.first_line
    FROM ${table.stage} s
    JOIN (
      SELECT ${id} AS id, min(line) AS first_line FROM ${table.stage} GROUP BY ${id} HAVING count(*) > 1
    ) f ON f.id = s.${id}
    WHERE s.line > f.first_line
    ORDER BY s.line LIMIT $1`;
}

async function sharedCrmRecordProblems(
  tx: HeldTransaction,
  tenant: TenantId,
  limit: number,
): Promise<RowProblem[]> {
  const rows = await tx.query<SharedCrmRecord>(SHARED_CRM_RECORDS, [tenant, limit]);
  return rows.map((row) => {
    const other =
      row.other_line === null
        ? `customer ${cutValue(row.other_customer_id)}`
        : `customer ${cutValue(row.other_customer_id)} (line ${row.other_line})`;
    return {
      file: CUSTOMERS.file,
      line: row.line,
      column: 'crm_company_id',
      message:
        `customer ${cutValue(row.customer_id)} maps to CRM record ${cutValue(row.crm_company_id)}, ` +
        `which ${other} is mapped to already; one CRM record takes one billing customer`,
    };
  });
}

function emptyCounts(): EntityCounts {
  return { customers: 0, invoices: 0, payments: 0, subscriptions: 0, disputes: 0 };
}

/**
 * Opens the import transaction and its staging tables. Any failing statement rolls the whole
 * session back and ends it, so the connection is released even when the caller never calls rollback().
 */
export async function beginImportSession(client: SqlClient, tenant: TenantId): Promise<ImportSession> {
  const tx = await holdTransaction(client);
  try {
    await tx.exec(ENTITY_TABLES.map(createStageTableSql).join(';\n'));
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  }
  return createImportSession(tx, tenant, (sql) => client.exec(sql));
}

function createImportSession(
  tx: HeldTransaction,
  tenant: TenantId,
  afterCommit: (sql: string) => Promise<void>,
): ImportSession {
  let ended = false;
  let statisticsCurrent = true;
  let invoiceIndexed = false;
  // Small sessions (a webhook's few rows) skip the index and statistics: a scan of a handful of
  // staged rows is cheaper than building either.
  let stagedRows = 0;
  let stagedInvoices = 0;

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (ended) throw new Error('the import session has already ended');
    try {
      return await work();
    } catch (error) {
      ended = true;
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  };

  // Built once, when invoices are first looked up (callers stage invoices before payments and
  // disputes): cheaper than maintaining it row by row while staging. Without statistics the planner
  // would scan the whole staging table for every batch of lookups.
  const indexStagedInvoices = async (): Promise<void> => {
    if (invoiceIndexed || stagedInvoices < SMALL_SESSION_ROWS) return;
    await tx.exec('CREATE INDEX ON stage_invoices (invoice_id); ANALYZE stage_invoices');
    invoiceIndexed = true;
  };

  // Autovacuum never analyzes temporary tables: without statistics large imports get poor join plans.
  const analyzeStaged = async (): Promise<void> => {
    if (statisticsCurrent || stagedRows < SMALL_SESSION_ROWS) return;
    await tx.exec(`ANALYZE ${ENTITY_TABLES.map((table) => table.stage).join(', ')}`);
    statisticsCurrent = true;
  };

  const stage =
    <Row>(table: EntityTable<Row>) =>
    (rows: Lined<Row>[]): Promise<void> =>
      guard(async () => {
        if (rows.length === 0) return;
        await tx.query(stageInsertSql(table), columnArrays(table, rows));
        statisticsCurrent = false;
        stagedRows += rows.length;
        if (table === INVOICES) stagedInvoices += rows.length;
      });

  const findReferenceProblems = async (limit: number): Promise<RowProblem[]> => {
    if (limit <= 0) return [];
    await indexStagedInvoices();
    await analyzeStaged();
    const problems: RowProblem[] = [];

    for (const table of ENTITY_TABLES) {
      const column = idColumn(table);
      const rows = await tx.query<{ line: number; id: string; first_line: number }>(duplicatesSql(table), [
        limit,
      ]);
      for (const row of rows) {
        problems.push({
          file: table.file,
          line: row.line,
          column,
          message: `duplicate ${column} ${cutValue(row.id)} (first on line ${row.first_line})`,
        });
      }
    }

    const moved = await tx.query<{
      line: number;
      invoice_id: string;
      customer_id: string;
      stored_customer_id: string;
    }>(MOVED_INVOICES, [tenant, limit]);
    for (const row of moved) {
      problems.push({
        file: INVOICES.file,
        line: row.line,
        column: 'customer_id',
        message: `invoice ${cutValue(row.invoice_id)} belongs to customer ${cutValue(row.stored_customer_id)}; it cannot move to ${cutValue(row.customer_id)}`,
      });
    }

    problems.push(...(await sharedCrmRecordProblems(tx, tenant, limit)));

    const payments = await tx.query<{
      line: number;
      invoice_id: string;
      currency: string;
      invoice_currency: string | null;
    }>(PAYMENT_INVOICE_PROBLEMS, [tenant, limit]);
    for (const row of payments) {
      problems.push(
        row.invoice_currency === null
          ? {
              file: PAYMENTS.file,
              line: row.line,
              column: 'invoice_id',
              message: `unknown invoice ${cutValue(row.invoice_id)}`,
            }
          : {
              file: PAYMENTS.file,
              line: row.line,
              column: 'currency',
              message: `currency ${row.currency} differs from invoice ${cutValue(row.invoice_id)} currency ${row.invoice_currency}`,
            },
      );
    }

    const disputes = await tx.query<{
      line: number;
      invoice_id: string;
      amount_minor: number | null;
      invoice_currency: string | null;
      invoice_amount: number | null;
    }>(DISPUTE_INVOICE_PROBLEMS, [tenant, limit]);
    for (const row of disputes) {
      if (row.invoice_currency === null || row.invoice_amount === null || row.amount_minor === null) {
        problems.push({
          file: DISPUTES.file,
          line: row.line,
          column: 'invoice_id',
          message: `unknown invoice ${cutValue(row.invoice_id)}`,
        });
        continue;
      }
      const currency = row.invoice_currency as CurrencyCode;
      problems.push({
        file: DISPUTES.file,
        line: row.line,
        column: 'amount',
        message:
          `dispute amount ${formatMoney(row.amount_minor, currency)} is more than ` +
          `invoice ${cutValue(row.invoice_id)} amount ${formatMoney(row.invoice_amount, currency)}`,
      });
    }

    problems.sort((a, b) => (FILE_ORDER.get(a.file) ?? 0) - (FILE_ORDER.get(b.file) ?? 0) || a.line - b.line);
    return problems.slice(0, limit);
  };

  const merge = async (table: EntityTable<never>): Promise<{ inserted: number; updated: number }> => {
    const [row] = await tx.query<{ inserted: number; updated: number }>(mergeSql(table), [tenant]);
    return row ?? { inserted: 0, updated: 0 };
  };

  const commit = async (options: { audit?: boolean } = {}): Promise<ImportOutcome> => {
    await analyzeStaged();
    await tx.query('INSERT INTO tenants (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING', [
      tenant,
    ]);
    const inserted = emptyCounts();
    const updated = emptyCounts();
    let createdCustomers = 0;
    const history = await watchBillingHistory(tx, tenant, stagedRows);
    for (const table of ENTITY_TABLES) {
      const counts = await merge(table);
      inserted[table.entity] = counts.inserted;
      updated[table.entity] = counts.updated;
      if (table === CUSTOMERS) {
        const [created] = await tx.query<{ created: number }>(CREATE_BARE_CUSTOMERS, [tenant]);
        createdCustomers = created?.created ?? 0;
      }
    }
    const changedRows = (table: (typeof ENTITY_TABLES)[number]) =>
      inserted[table.entity] + updated[table.entity] + (table === CUSTOMERS ? createdCustomers : 0);
    const changed = ENTITY_TABLES.filter((table) => changedRows(table) >= ANALYZE_AFTER_CHANGED_ROWS);
    const bulk = ENTITY_TABLES.filter((table) => changedRows(table) >= VACUUM_AFTER_CHANGED_ROWS);
    await tx.query(INVALIDATE_STAGED_CARDS, [tenant]);
    await history.record();
    if (changed.length > 0) await tx.exec(`ANALYZE ${changed.map((table) => table.table).join(', ')}`);
    const outcome: ImportOutcome = { inserted, updated, createdCustomers };
    if (options.audit !== false) {
      await tx.query(
        `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
         VALUES ($1, 'dataset_imported', NULL, 'import', $2::jsonb)`,
        [tenant, JSON.stringify(outcome)],
      );
    }
    ended = true;
    await tx.commit();
    // Upkeep, not part of the import: the rows are in whatever it says. A failure is reported as a
    // process warning (on standard error) and the next large import vacuums again.
    if (bulk.length > 0)
      await afterCommit(`VACUUM ${bulk.map((table) => table.table).join(', ')}`).catch((error: unknown) =>
        process.emitWarning(
          `the upkeep after a large import (vacuum) failed: ${error instanceof Error ? error.message : String(error)}`,
          { code: 'COLLECTIONS_VACUUM_FAILED' },
        ),
      );
    return outcome;
  };

  return {
    stageCustomers: stage(CUSTOMERS),
    stageSubscriptions: stage(SUBSCRIPTIONS),
    stageInvoices: stage(INVOICES),
    stagePayments: stage(PAYMENTS),
    stageDisputes: stage(DISPUTES),

    invoiceCurrencies: (invoiceIds) =>
      guard(async () => {
        const currencies = new Map<string, string>();
        if (invoiceIds.length === 0) return currencies;
        await indexStagedInvoices();
        const rows = await tx.query<{ invoice_id: string; currency: string }>(INVOICE_CURRENCIES, [
          tenant,
          invoiceIds,
        ]);
        for (const row of rows) currencies.set(row.invoice_id, row.currency);
        return currencies;
      }),

    findReferenceProblems: (limit) => guard(() => findReferenceProblems(limit)),

    unmapSharedCrmRecords: () =>
      guard(async () => {
        const rows = await tx.query<SharedCrmRecord>(SHARED_CRM_RECORDS, [tenant, 2147483647]);
        await tx.query(
          `DELETE FROM crm_mapping_conflicts WHERE tenant_id = $1 AND customer_id IN (SELECT customer_id FROM stage_customers)`,
          [tenant],
        );
        if (rows.length === 0) return [];
        const customers = rows.map((row) => row.customer_id);
        await tx.query(
          `UPDATE stage_customers SET crm_company_id = NULL WHERE customer_id = ANY($1::text[])`,
          [customers],
        );
        await tx.query(
          `INSERT INTO crm_mapping_conflicts (tenant_id, customer_id, crm_company_id, held_by)
           SELECT $1, c, r, h FROM unnest($2::text[], $3::text[], $4::text[]) AS t(c, r, h)`,
          [
            tenant,
            customers,
            rows.map((row) => row.crm_company_id),
            rows.map((row) => row.other_customer_id),
          ],
        );
        return rows.map((row) => ({
          customerId: row.customer_id,
          crmCompanyId: row.crm_company_id,
          heldBy: row.other_customer_id,
        }));
      }),

    commit: (options) => guard(() => commit(options)),

    claimVersions: (source, versions) =>
      guard(async () => {
        if (versions.length === 0) return new Set<string>();
        const rows = await tx.query<{ object_id: string }>(
          `INSERT INTO source_versions (tenant_id, source, object_id, version)
           SELECT $1, $2, o, v FROM unnest($3::text[], $4::bigint[]) AS t(o, v)
           ON CONFLICT (tenant_id, source, object_id) DO UPDATE SET version = EXCLUDED.version
             WHERE source_versions.version < EXCLUDED.version
           RETURNING object_id`,
          [tenant, source, versions.map((entry) => entry.objectId), versions.map((entry) => entry.version)],
        );
        return new Set(rows.map((row) => row.object_id));
      }),

    saveLinks: (source, links) =>
      guard(async () => {
        if (links.length === 0) return;
        await tx.query(
          `INSERT INTO source_links (tenant_id, source, source_id, invoice_id)
           SELECT $1, $2, s, i FROM unnest($3::text[], $4::text[]) AS t(s, i)
           ON CONFLICT (tenant_id, source, source_id) DO UPDATE SET invoice_id = EXCLUDED.invoice_id`,
          [tenant, source, links.map((link) => link.sourceId), links.map((link) => link.invoiceId)],
        );
      }),

    saveSourceCustomers: (source, customers) =>
      guard(async () => {
        if (customers.length === 0) return;
        await tx.query(
          `INSERT INTO source_customers (tenant_id, source, customer_id, email)
           SELECT $1, $2, c, e FROM unnest($3::text[], $4::text[]) AS t(c, e)
           ON CONFLICT (tenant_id, source, customer_id) DO UPDATE SET email = EXCLUDED.email`,
          [tenant, source, customers.map((entry) => entry.customerId), customers.map((entry) => entry.email)],
        );
      }),

    async rollback(): Promise<void> {
      if (ended) return;
      ended = true;
      await tx.rollback();
    },
  };
}
