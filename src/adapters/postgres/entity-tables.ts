import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../../domain/model';
import type { DatasetFile, EntityCounts } from '../../ports/ledger';

type ColumnType = 'text' | 'bigint' | 'date' | 'text[]';

export type Column<Row> = { name: string; type: ColumnType; value: (row: Row) => string | number | null };

/** How one dataset file maps onto its table and its staging table; the first column is the id. */
export type EntityTable<Row> = {
  entity: keyof EntityCounts;
  file: DatasetFile;
  table: string;
  stage: string;
  columns: readonly Column<Row>[];
};

/** A PostgreSQL array literal: each column travels as one flat array parameter, so arrays go as text. */
function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

export const CUSTOMERS: EntityTable<Customer> = {
  entity: 'customers',
  file: 'customers.csv',
  table: 'customers',
  stage: 'stage_customers',
  columns: [
    { name: 'customer_id', type: 'text', value: (row) => row.customerId },
    { name: 'name', type: 'text', value: (row) => row.name },
    { name: 'segment', type: 'text', value: (row) => row.segment },
    { name: 'owner', type: 'text', value: (row) => row.owner },
    { name: 'payment_terms', type: 'text', value: (row) => row.paymentTerms },
    { name: 'country', type: 'text', value: (row) => row.country },
    { name: 'crm_company_id', type: 'text', value: (row) => row.crmCompanyId },
    { name: 'created_on', type: 'date', value: (row) => row.createdOn },
    { name: 'employees', type: 'bigint', value: (row) => row.employees },
    { name: 'funding_stage', type: 'text', value: (row) => row.fundingStage },
    { name: 'tags', type: 'text[]', value: (row) => textArrayLiteral(row.tags ?? []) },
    { name: 'card_brand', type: 'text', value: (row) => row.cardOnFile?.brand ?? null },
    { name: 'card_last4', type: 'text', value: (row) => row.cardOnFile?.last4 ?? null },
    { name: 'card_exp_month', type: 'bigint', value: (row) => row.cardOnFile?.expMonth ?? null },
    { name: 'card_exp_year', type: 'bigint', value: (row) => row.cardOnFile?.expYear ?? null },
    { name: 'card_updated_on', type: 'date', value: (row) => row.cardOnFile?.updatedOn ?? null },
  ],
};

export const SUBSCRIPTIONS: EntityTable<Subscription> = {
  entity: 'subscriptions',
  file: 'subscriptions.csv',
  table: 'subscriptions',
  stage: 'stage_subscriptions',
  columns: [
    { name: 'subscription_id', type: 'text', value: (row) => row.subscriptionId },
    { name: 'customer_id', type: 'text', value: (row) => row.customerId },
    { name: 'plan', type: 'text', value: (row) => row.plan },
    { name: 'currency', type: 'text', value: (row) => row.currency },
    { name: 'amount_minor', type: 'bigint', value: (row) => row.amountMinor },
    { name: 'interval', type: 'text', value: (row) => row.interval },
    { name: 'started_on', type: 'date', value: (row) => row.startedOn },
    { name: 'renews_on', type: 'date', value: (row) => row.renewsOn },
    { name: 'status', type: 'text', value: (row) => row.status },
    { name: 'canceled_on', type: 'date', value: (row) => row.canceledOn },
  ],
};

export const INVOICES: EntityTable<Invoice> = {
  entity: 'invoices',
  file: 'invoices.csv',
  table: 'invoices',
  stage: 'stage_invoices',
  columns: [
    { name: 'invoice_id', type: 'text', value: (row) => row.invoiceId },
    { name: 'customer_id', type: 'text', value: (row) => row.customerId },
    { name: 'currency', type: 'text', value: (row) => row.currency },
    { name: 'amount_minor', type: 'bigint', value: (row) => row.amountMinor },
    { name: 'issued_on', type: 'date', value: (row) => row.issuedOn },
    { name: 'due_on', type: 'date', value: (row) => row.dueOn },
    { name: 'paid_on', type: 'date', value: (row) => row.paidOn },
    { name: 'voided_on', type: 'date', value: (row) => row.voidedOn },
    { name: 'subscription_id', type: 'text', value: (row) => row.subscriptionId },
    { name: 'amount_remaining_minor', type: 'bigint', value: (row) => row.amountRemainingMinor ?? null },
    { name: 'uncollectible_on', type: 'date', value: (row) => row.uncollectibleOn ?? null },
  ],
};

export const PAYMENTS: EntityTable<PaymentAttempt> = {
  entity: 'payments',
  file: 'payments.csv',
  table: 'payment_attempts',
  stage: 'stage_payments',
  columns: [
    { name: 'payment_id', type: 'text', value: (row) => row.paymentId },
    { name: 'invoice_id', type: 'text', value: (row) => row.invoiceId },
    { name: 'currency', type: 'text', value: (row) => row.currency },
    { name: 'amount_minor', type: 'bigint', value: (row) => row.amountMinor },
    { name: 'attempted_on', type: 'date', value: (row) => row.attemptedOn },
    { name: 'status', type: 'text', value: (row) => row.status },
    { name: 'decline_code', type: 'text', value: (row) => row.declineCode },
    { name: 'method', type: 'text', value: (row) => row.method },
  ],
};

export const DISPUTES: EntityTable<Dispute> = {
  entity: 'disputes',
  file: 'disputes.csv',
  table: 'disputes',
  stage: 'stage_disputes',
  columns: [
    { name: 'dispute_id', type: 'text', value: (row) => row.disputeId },
    { name: 'invoice_id', type: 'text', value: (row) => row.invoiceId },
    { name: 'opened_on', type: 'date', value: (row) => row.openedOn },
    { name: 'resolved_on', type: 'date', value: (row) => row.resolvedOn },
    { name: 'reason', type: 'text', value: (row) => row.reason },
    { name: 'amount_minor', type: 'bigint', value: (row) => row.amountMinor },
    { name: 'outcome', type: 'text', value: (row) => row.outcome },
  ],
};

/** In dataset file order: later tables refer to rows of earlier ones. */
export const ENTITY_TABLES: readonly EntityTable<never>[] = [
  CUSTOMERS,
  SUBSCRIPTIONS,
  INVOICES,
  PAYMENTS,
  DISPUTES,
];

export function idColumn(table: EntityTable<never>): string {
  const first = table.columns[0];
  if (first === undefined) throw new Error(`${table.table} has no columns`);
  return first.name;
}

function quoted(name: string): string {
  return `"${name}"`;
}

function isIdColumn(name: string): boolean {
  return name.endsWith('_id');
}

/** Staging tables live for one import transaction; `line` is the physical line of the row in its file. */
export function createStageTableSql(table: EntityTable<never>): string {
  const columns = table.columns.map(
    (column) => `${quoted(column.name)} ${column.type}${isIdColumn(column.name) ? ' COLLATE "C"' : ''}`,
  );
  return `CREATE TEMP TABLE ${table.stage} (line integer NOT NULL, ${columns.join(', ')}) ON COMMIT DROP`;
}

/** One statement per batch: each column travels as one array parameter. */
export function stageInsertSql(table: EntityTable<never>): string {
  const names = ['line', ...table.columns.map((column) => quoted(column.name))];
  const arrays = [
    '$1::integer[]',
    ...table.columns.map(
      (column, index) => `$${index + 2}::${column.type === 'bigint' ? 'bigint' : 'text'}[]`,
    ),
  ];
  const selected = [
    'u.line',
    ...table.columns.map(
      (column) =>
        `u.${quoted(column.name)}${column.type === 'date' || column.type === 'text[]' ? `::${column.type}` : ''}`,
    ),
  ];
  return (
    `INSERT INTO ${table.stage} (${names.join(', ')}) ` +
    `SELECT ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})`
  );
}

/**
 * Upserts the staged rows (the last line wins for an id staged twice) and counts inserted rows
 * and rows whose values changed; identical rows are left alone and counted in neither.
 */
export function mergeSql(table: EntityTable<never>): string {
  const id = quoted(idColumn(table));
  const names = table.columns.map((column) => quoted(column.name));
  const values = names.slice(1);
  const current = values.map((name) => `t.${name}`);
  const incoming = values.map((name) => `EXCLUDED.${name}`);
  return `
    WITH merged AS (
      INSERT INTO ${table.table} AS t (tenant_id, ${names.join(', ')})
      SELECT DISTINCT ON (${id}) $1::text, ${names.join(', ')} FROM ${table.stage} ORDER BY ${id}, line DESC
      ON CONFLICT (tenant_id, ${id}) DO UPDATE SET ${values.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}
      WHERE (${current.join(', ')}) IS DISTINCT FROM (${incoming.join(', ')})
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM merged`;
}

export function columnArrays<Row>(
  table: EntityTable<Row>,
  rows: readonly { line: number; row: Row }[],
): (string | number | null)[][] {
  return [
    rows.map((lined) => lined.line),
    ...table.columns.map((column) => rows.map((lined) => column.value(lined.row))),
  ];
}
