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
  country, crm_company_id AS "crmCompanyId", created_on AS "createdOn", employees,
  funding_stage AS "fundingStage"`;

/** A page of customers, in id order, as one JSON array of positional rows (see jsonArraySql). */
const customerPageSql = (where: string): string =>
  `SELECT coalesce(json_agg(json_build_array(customer_id, name, segment, owner, payment_terms, country,
     crm_company_id, created_on, employees, funding_stage) ORDER BY customer_id), '[]')::text AS rows
   FROM (SELECT * FROM customers WHERE ${where} ORDER BY customer_id LIMIT $2) c`;

const FIRST_CUSTOMERS = customerPageSql('tenant_id = $1');
const NEXT_CUSTOMERS = customerPageSql('tenant_id = $1 AND customer_id > $3');

type CustomerTuple = [
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  Customer['createdOn'],
  number | null,
  string | null,
];

const ONE_CUSTOMER = `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = $1 AND customer_id = $2`;

/**
 * Child rows travel as one JSON array per query, built by the database: PGlite decodes result values
 * one by one in JavaScript, which for a page of tens of thousands of rows costs several times what a
 * single JSON.parse does. Each row is a positional array (no repeated keys), and JSON renders BIGINT
 * as a number and DATE as 'YYYY-MM-DD' whatever the DateStyle, exactly the domain's shape.
 *
 * Rows come in no particular order: the engine does not depend on it.
 *
 * A page is the customer id range [$2, $3] (ids collate as "C", the same order as the keyset paging),
 * so every query is one index range scan rather than one probe per id.
 */
function jsonArraySql(columns: string, from: string): string {
  return `SELECT coalesce(json_agg(json_build_array(${columns})), '[]')::text AS rows ${from}`;
}

const INVOICES = jsonArraySql(
  `invoice_id, customer_id, currency, amount_minor, issued_on, due_on, paid_on, voided_on, subscription_id,
   amount_remaining_minor, uncollectible_on`,
  'FROM invoices WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const PAYMENTS = jsonArraySql(
  'payment_id, invoice_id, currency, amount_minor, attempted_on, status, decline_code, method',
  'FROM payment_attempts WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const SUBSCRIPTIONS = jsonArraySql(
  `subscription_id, customer_id, plan, currency, amount_minor, "interval", started_on, renews_on, status,
   canceled_on`,
  'FROM subscriptions WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const DISPUTES = jsonArraySql(
  'dispute_id, invoice_id, opened_on, resolved_on, reason, amount_minor, outcome',
  'FROM disputes WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

type InvoiceTuple = [
  string,
  string,
  Invoice['currency'],
  number,
  Invoice['issuedOn'],
  Invoice['dueOn'],
  Invoice['paidOn'],
  Invoice['voidedOn'],
  string | null,
  number | null,
  Invoice['issuedOn'] | null,
];
type PaymentTuple = [
  string,
  string,
  PaymentAttempt['currency'],
  number,
  PaymentAttempt['attemptedOn'],
  PaymentAttempt['status'],
  string | null,
  string | null,
];
type SubscriptionTuple = [
  string,
  string,
  string | null,
  Subscription['currency'],
  number,
  Subscription['interval'],
  Subscription['startedOn'],
  Subscription['renewsOn'],
  Subscription['status'],
  Subscription['canceledOn'],
];
type DisputeTuple = [
  string,
  string,
  Dispute['openedOn'],
  Dispute['resolvedOn'],
  string | null,
  number | null,
  Dispute['outcome'],
];

/**
 * JSON rounds a BIGINT beyond 2^53 − 1 to the nearest double without a word; every write path keeps
 * amounts within it, so one that is not is corrupt and must not be summed as if it were exact.
 */
function minorUnits<T extends number | null>(value: T, kind: string, id: string): T {
  if (value === null || Number.isSafeInteger(value)) return value;
  throw new RangeError(
    `${kind} ${id}: stored amount ${value} is beyond ±${Number.MAX_SAFE_INTEGER} minor units`,
  );
}

async function queryJsonArray<Row>(db: SqlSession, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
  const [result] = await db.query<{ rows: string }>(sql, params);
  return result === undefined ? [] : (JSON.parse(result.rows) as Row[]);
}

/**
 * Loads the facts of a page of customers (ordered by id) with four queries, whatever their number.
 * Payments and disputes are attached through the invoices read here: a row whose invoice appeared
 * in between (a concurrent import) is left for the next read rather than shown without its invoice.
 */
async function loadFacts(db: SqlSession, tenant: TenantId, customers: Customer[]): Promise<AccountFacts[]> {
  const first = customers[0]?.customerId;
  const last = customers[customers.length - 1]?.customerId;
  if (first === undefined || last === undefined) return [];
  const range = [tenant, first, last];
  const [invoices, payments, subscriptions, disputes] = await Promise.all([
    queryJsonArray<InvoiceTuple>(db, INVOICES, range),
    queryJsonArray<PaymentTuple>(db, PAYMENTS, range),
    queryJsonArray<SubscriptionTuple>(db, SUBSCRIPTIONS, range),
    queryJsonArray<DisputeTuple>(db, DISPUTES, range),
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
  for (const [
    invoiceId,
    customerId,
    currency,
    amountMinor,
    issuedOn,
    dueOn,
    paidOn,
    voidedOn,
    subscriptionId,
    amountRemainingMinor,
    uncollectibleOn,
  ] of invoices) {
    const owner = byCustomer.get(customerId);
    if (owner === undefined) continue;
    owner.invoices.push({
      invoiceId,
      customerId,
      currency,
      amountMinor: minorUnits(amountMinor, 'invoice', invoiceId),
      issuedOn,
      dueOn,
      paidOn,
      voidedOn,
      subscriptionId,
      // Left out when not stated, as a CSV import leaves them.
      ...(amountRemainingMinor === null
        ? {}
        : { amountRemainingMinor: minorUnits(amountRemainingMinor, 'invoice', invoiceId) }),
      ...(uncollectibleOn === null ? {} : { uncollectibleOn }),
    });
    byInvoice.set(invoiceId, owner);
  }
  for (const [
    paymentId,
    invoiceId,
    currency,
    amountMinor,
    attemptedOn,
    status,
    declineCode,
    method,
  ] of payments) {
    byInvoice.get(invoiceId)?.payments.push({
      paymentId,
      invoiceId,
      currency,
      amountMinor: minorUnits(amountMinor, 'payment', paymentId),
      attemptedOn,
      status,
      declineCode,
      method,
    });
  }
  for (const [disputeId, invoiceId, openedOn, resolvedOn, reason, amountMinor, outcome] of disputes) {
    byInvoice.get(invoiceId)?.disputes.push({
      disputeId,
      invoiceId,
      openedOn,
      resolvedOn,
      reason,
      amountMinor: minorUnits(amountMinor, 'dispute', disputeId),
      outcome,
    });
  }
  for (const [
    subscriptionId,
    customerId,
    plan,
    currency,
    amountMinor,
    interval,
    startedOn,
    renewsOn,
    status,
    canceledOn,
  ] of subscriptions) {
    byCustomer.get(customerId)?.subscriptions.push({
      subscriptionId,
      customerId,
      plan,
      currency,
      amountMinor: minorUnits(amountMinor, 'subscription', subscriptionId),
      interval,
      startedOn,
      renewsOn,
      status,
      canceledOn,
    });
  }
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

type Page = { facts: AccountFacts[]; last: string | undefined; full: boolean };

async function loadPage(
  db: SqlSession,
  tenant: TenantId,
  pageSize: number,
  after: string | undefined,
): Promise<Page> {
  const rows =
    after === undefined
      ? await queryJsonArray<CustomerTuple>(db, FIRST_CUSTOMERS, [tenant, pageSize])
      : await queryJsonArray<CustomerTuple>(db, NEXT_CUSTOMERS, [tenant, pageSize, after]);
  const customers = rows.map(
    ([
      customerId,
      name,
      segment,
      owner,
      paymentTerms,
      country,
      crmCompanyId,
      createdOn,
      employees,
      fundingStage,
    ]): Customer => ({
      customerId,
      name,
      segment,
      owner,
      paymentTerms,
      country,
      crmCompanyId,
      createdOn,
      employees,
      fundingStage,
    }),
  );
  return {
    facts: await loadFacts(db, tenant, customers),
    last: customers[customers.length - 1]?.customerId,
    full: customers.length === pageSize,
  };
}

/**
 * Keyset paging over customer ids; memory stays at two pages. The next page is read while the
 * caller works through the current one, so the database and the caller's computation overlap.
 */
export async function* streamAccountFacts(
  db: SqlSession,
  tenant: TenantId,
  pageSize: number,
): AsyncGenerator<AccountFacts> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  let next: Promise<Page> | undefined = loadPage(db, tenant, pageSize, undefined);
  while (next !== undefined) {
    const page: Page = await next;
    next = page.full ? loadPage(db, tenant, pageSize, page.last) : undefined;
    // A failed prefetch is reported when it is awaited, not as an unhandled rejection meanwhile.
    next?.catch(() => undefined);
    yield* page.facts;
  }
}
