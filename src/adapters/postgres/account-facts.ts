import type {
  AccountFacts,
  Customer,
  Dispute,
  Invoice,
  PaymentAttempt,
  Subscription,
  TenantId,
} from '../../domain/model';
import type { SqlSession, SqlValue } from './sql-client';

// Columns are aliased to the domain's property names so rows need no mapping; both engines turn
// BIGINT into number and DATE into 'YYYY-MM-DD'.
const CUSTOMER_COLUMNS = `customer_id AS "customerId", name, segment, owner, payment_terms AS "paymentTerms",
  country, crm_company_id AS "crmCompanyId", created_on AS "createdOn"`;

const FIRST_CUSTOMERS = `SELECT ${CUSTOMER_COLUMNS} FROM customers
  WHERE tenant_id = $1 ORDER BY customer_id LIMIT $2`;

const NEXT_CUSTOMERS = `SELECT ${CUSTOMER_COLUMNS} FROM customers
  WHERE tenant_id = $1 AND customer_id > $3 ORDER BY customer_id LIMIT $2`;

const ONE_CUSTOMER = `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = $1 AND customer_id = $2`;

/**
 * Child rows travel as one JSON array per query, built by the database: PGlite decodes result values
 * one by one in JavaScript, which for a page of tens of thousands of rows costs several times what a
 * single JSON.parse does. JSON renders BIGINT as a number and DATE as 'YYYY-MM-DD' whatever the
 * DateStyle, which is exactly the domain's shape.
 */
function jsonArraySql(select: string, orderBy: string): string {
  return `SELECT coalesce(json_agg(r ORDER BY ${orderBy}), '[]')::text AS rows FROM (${select}) r`;
}

const INVOICES = jsonArraySql(
  `SELECT invoice_id AS "invoiceId", customer_id AS "customerId", currency, amount_minor AS "amountMinor",
     issued_on AS "issuedOn", due_on AS "dueOn", paid_on AS "paidOn", voided_on AS "voidedOn",
     subscription_id AS "subscriptionId"
   FROM invoices WHERE tenant_id = $1 AND customer_id = ANY($2::text[])`,
  'r."issuedOn", r."invoiceId"',
);

const PAYMENTS = jsonArraySql(
  `SELECT p.payment_id AS "paymentId", p.invoice_id AS "invoiceId", p.currency, p.amount_minor AS "amountMinor",
     p.attempted_on AS "attemptedOn", p.status, p.decline_code AS "declineCode", p.method
   FROM invoices i JOIN payment_attempts p ON p.tenant_id = i.tenant_id AND p.invoice_id = i.invoice_id
   WHERE i.tenant_id = $1 AND i.customer_id = ANY($2::text[])`,
  'r."attemptedOn", r."paymentId"',
);

const SUBSCRIPTIONS = jsonArraySql(
  `SELECT subscription_id AS "subscriptionId", customer_id AS "customerId", plan, currency,
     amount_minor AS "amountMinor", "interval", started_on AS "startedOn", renews_on AS "renewsOn", status,
     canceled_on AS "canceledOn"
   FROM subscriptions WHERE tenant_id = $1 AND customer_id = ANY($2::text[])`,
  'r."startedOn", r."subscriptionId"',
);

const DISPUTES = jsonArraySql(
  `SELECT d.dispute_id AS "disputeId", d.invoice_id AS "invoiceId", d.opened_on AS "openedOn",
     d.resolved_on AS "resolvedOn", d.reason, d.amount_minor AS "amountMinor", d.outcome
   FROM invoices i JOIN disputes d ON d.tenant_id = i.tenant_id AND d.invoice_id = i.invoice_id
   WHERE i.tenant_id = $1 AND i.customer_id = ANY($2::text[])`,
  'r."openedOn", r."disputeId"',
);

async function queryJsonArray<Row>(db: SqlSession, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
  const [result] = await db.query<{ rows: string }>(sql, params);
  return result === undefined ? [] : (JSON.parse(result.rows) as Row[]);
}

/**
 * Loads the facts of the given customers with four queries, whatever their number. Payments and
 * disputes are attached through the invoices read here: a row whose invoice appeared in between
 * (a concurrent import) is left for the next read rather than shown without its invoice.
 */
async function loadFacts(db: SqlSession, tenant: TenantId, customers: Customer[]): Promise<AccountFacts[]> {
  const ids = customers.map((customer) => customer.customerId);
  const [invoices, payments, subscriptions, disputes] = await Promise.all([
    queryJsonArray<Invoice>(db, INVOICES, [tenant, ids]),
    queryJsonArray<PaymentAttempt>(db, PAYMENTS, [tenant, ids]),
    queryJsonArray<Subscription>(db, SUBSCRIPTIONS, [tenant, ids]),
    queryJsonArray<Dispute>(db, DISPUTES, [tenant, ids]),
  ]);

  const facts = customers.map((customer): AccountFacts => ({
    customer,
    invoices: [],
    payments: [],
    subscriptions: [],
    disputes: [],
  }));
  const byCustomer = new Map(facts.map((entry) => [entry.customer.customerId, entry]));
  const byInvoice = new Map<string, AccountFacts>();
  for (const invoice of invoices) {
    const owner = byCustomer.get(invoice.customerId);
    if (owner === undefined) continue;
    owner.invoices.push(invoice);
    byInvoice.set(invoice.invoiceId, owner);
  }
  for (const payment of payments) byInvoice.get(payment.invoiceId)?.payments.push(payment);
  for (const dispute of disputes) byInvoice.get(dispute.invoiceId)?.disputes.push(dispute);
  for (const subscription of subscriptions)
    byCustomer.get(subscription.customerId)?.subscriptions.push(subscription);
  return facts;
}

export async function getAccountFacts(
  db: SqlSession,
  tenant: TenantId,
  customerId: string,
): Promise<AccountFacts | undefined> {
  const customers = await db.query<Customer>(ONE_CUSTOMER, [tenant, customerId]);
  if (customers.length === 0) return undefined;
  const [facts] = await loadFacts(db, tenant, customers);
  return facts;
}

/** Keyset paging over customer ids: each page costs five queries and memory stays at one page. */
export async function* streamAccountFacts(
  db: SqlSession,
  tenant: TenantId,
  pageSize: number,
): AsyncGenerator<AccountFacts> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  let after: string | undefined;
  for (;;) {
    const customers =
      after === undefined
        ? await db.query<Customer>(FIRST_CUSTOMERS, [tenant, pageSize])
        : await db.query<Customer>(NEXT_CUSTOMERS, [tenant, pageSize, after]);
    if (customers.length === 0) return;
    yield* await loadFacts(db, tenant, customers);
    if (customers.length < pageSize) return;
    after = customers[customers.length - 1]?.customerId;
  }
}
