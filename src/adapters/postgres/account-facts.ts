import type {
  AccountFacts,
  CardOnFile,
  Customer,
  Dispute,
  Invoice,
  PaymentAttempt,
  Subscription,
  TenantId,
} from '../../domain/model';
import { cardOnFile } from '../../domain/card-on-file';
import type { CalendarDate } from '../../domain/dates';
import type { SqlClient, SqlSession, SqlStatement, SqlValue } from './sql-client';

// Columns are aliased to the domain's property names so rows need no mapping; both engines turn
// BIGINT into number and DATE into 'YYYY-MM-DD'.
const CUSTOMER_COLUMNS = `customer_id AS "customerId", name, segment, owner, payment_terms AS "paymentTerms",
  country, crm_company_id AS "crmCompanyId", created_on AS "createdOn", employees,
  funding_stage AS "fundingStage", card_brand AS "cardBrand", card_last4 AS "cardLast4",
  card_exp_month AS "cardExpMonth", card_exp_year AS "cardExpYear", card_updated_on AS "cardUpdatedOn"`;

// Positional rows, in the order of the tuple types below; both row forms (JSON, wire) use these lists.
const CUSTOMER_FIELDS = `customer_id, name, segment, owner, payment_terms, country, crm_company_id,
  created_on, employees, funding_stage, card_brand, card_last4, card_exp_month, card_exp_year, card_updated_on`;
const INVOICE_FIELDS = `invoice_id, customer_id, currency, amount_minor, issued_on, due_on, paid_on,
  voided_on, subscription_id, amount_remaining_minor, uncollectible_on`;
const PAYMENT_FIELDS =
  'payment_id, invoice_id, currency, amount_minor, attempted_on, status, decline_code, method';
const SUBSCRIPTION_FIELDS = `subscription_id, customer_id, plan, currency, amount_minor, "interval", started_on,
  renews_on, status, canceled_on`;
const DISPUTE_FIELDS = 'dispute_id, invoice_id, opened_on, resolved_on, reason, amount_minor, outcome';

/** A page of customers, in id order, as one JSON array of positional rows (see jsonArraySql). */
const customerPageSql = (where: string): string =>
  `SELECT coalesce(json_agg(json_build_array(${CUSTOMER_FIELDS}) ORDER BY customer_id), '[]')::text AS rows
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
  string | null,
  string | null,
  number | null,
  number | null,
  CalendarDate | null,
];

type CardColumns = {
  cardBrand: string | null;
  cardLast4: string | null;
  cardExpMonth: number | null;
  cardExpYear: number | null;
  cardUpdatedOn: CalendarDate | null;
};

/**
 * The stored card, when all of it is there. A customer without one is read without the field: the
 * columns cannot tell "no card" from "the source says nothing of cards", and either is no card.
 */
function storedCard(columns: CardColumns): { cardOnFile?: CardOnFile } {
  const { cardBrand, cardLast4, cardExpMonth, cardExpYear, cardUpdatedOn } = columns;
  if (cardBrand === null || cardLast4 === null || cardExpMonth === null || cardExpYear === null) return {};
  const card = cardOnFile({
    brand: cardBrand,
    last4: cardLast4,
    expMonth: cardExpMonth,
    expYear: cardExpYear,
    updatedOn: cardUpdatedOn,
  });
  return card === undefined ? {} : { cardOnFile: card };
}

const ONE_CUSTOMER = `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = $1 AND customer_id = $2`;

/**
 * Child rows travel as one JSON array per query, built by the database: node-postgres (and PGlite's
 * own query path) decode result values one by one in JavaScript, which for a page of tens of thousands
 * of rows costs several times what a single JSON.parse does. Each row is a positional array (no
 * repeated keys), and JSON renders BIGINT as a number and DATE as 'YYYY-MM-DD' whatever the DateStyle,
 * exactly the domain's shape. PGlite streams pages another way (pipelinedPageSql): building JSON is
 * work on its one database thread, which there is the bottleneck.
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
  INVOICE_FIELDS,
  'FROM invoices WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const PAYMENTS = jsonArraySql(
  PAYMENT_FIELDS,
  'FROM payment_attempts WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const SUBSCRIPTIONS = jsonArraySql(
  SUBSCRIPTION_FIELDS,
  'FROM subscriptions WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

const DISPUTES = jsonArraySql(
  DISPUTE_FIELDS,
  'FROM disputes WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3',
);

/**
 * A page in one trip to PGlite's thread ($1 tenant, $2 page size, $3 the last id of the previous
 * page), then its children over the ids it covers, which the engine appends as $2 and $3 (see
 * queryTuples): each child is planned knowing its range, as the JSON queries are.
 */
const pipelinedPageSql = (after: boolean): { head: string; children: string[] } => ({
  head: `SELECT ${CUSTOMER_FIELDS} FROM customers
    WHERE tenant_id = $1${after ? ' AND customer_id > $3' : ''} ORDER BY customer_id LIMIT $2`,
  children: [
    ['invoices', INVOICE_FIELDS],
    ['payment_attempts', PAYMENT_FIELDS],
    ['subscriptions', SUBSCRIPTION_FIELDS],
    ['disputes', DISPUTE_FIELDS],
  ].map(
    ([table, fields]) =>
      `SELECT ${fields} FROM ${table} WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3`,
  ),
});

const FIRST_PAGE = pipelinedPageSql(false);
const NEXT_PAGE = pipelinedPageSql(true);

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
  return assembleFacts(customers, invoices, payments, subscriptions, disputes);
}

function invoiceOf([
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
]: InvoiceTuple): Invoice {
  const invoice: Invoice = {
    invoiceId,
    customerId,
    currency,
    amountMinor: minorUnits(amountMinor, 'invoice', invoiceId),
    issuedOn,
    dueOn,
    paidOn,
    voidedOn,
    subscriptionId,
  };
  // Left out when not stated, as a CSV import leaves them.
  if (amountRemainingMinor !== null)
    invoice.amountRemainingMinor = minorUnits(amountRemainingMinor, 'invoice', invoiceId);
  if (uncollectibleOn !== null) invoice.uncollectibleOn = uncollectibleOn;
  return invoice;
}

const paymentOf = ([
  paymentId,
  invoiceId,
  currency,
  amountMinor,
  attemptedOn,
  status,
  declineCode,
  method,
]: PaymentTuple): PaymentAttempt => ({
  paymentId,
  invoiceId,
  currency,
  amountMinor: minorUnits(amountMinor, 'payment', paymentId),
  attemptedOn,
  status,
  declineCode,
  method,
});

const disputeOf = ([
  disputeId,
  invoiceId,
  openedOn,
  resolvedOn,
  reason,
  amountMinor,
  outcome,
]: DisputeTuple): Dispute => ({
  disputeId,
  invoiceId,
  openedOn,
  resolvedOn,
  reason,
  amountMinor: minorUnits(amountMinor, 'dispute', disputeId),
  outcome,
});

const subscriptionOf = ([
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
]: SubscriptionTuple): Subscription => ({
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

/**
 * Finds the owner of an invoice of the page by id. Rows arrive in table order, where a payment's
 * invoice is nearly always at or just after the previous payment's: the invoices around the last
 * match are compared first, and a map of the whole page is built only when they miss, so most pages
 * hash no invoice id at all.
 */
function invoiceOwners(ids: readonly string[], owners: readonly AccountFacts[]) {
  const NEARBY = 64;
  let at = 0;
  let byId: Map<string, number> | undefined;
  const near = (id: string): number => {
    if (ids[at] === id) return at;
    const end = Math.min(ids.length, at + NEARBY);
    for (let index = at + 1; index < end; index += 1) if (ids[index] === id) return index;
    for (let index = Math.max(0, at - NEARBY); index < at; index += 1) if (ids[index] === id) return index;
    return -1;
  };
  return (id: string): AccountFacts | undefined => {
    let index = near(id);
    if (index < 0) {
      byId ??= new Map(ids.map((invoiceId, position) => [invoiceId, position]));
      index = byId.get(id) ?? -1;
    }
    if (index < 0) return undefined;
    at = index;
    return owners[index];
  };
}

/**
 * Each customer's facts from the rows of its page. Payments and disputes are attached through the
 * invoices read here: a row whose invoice appeared in between (a concurrent import) is left for the
 * next read rather than shown without its invoice.
 */
function assembleFacts(
  customers: readonly Customer[],
  invoices: readonly InvoiceTuple[],
  payments: readonly PaymentTuple[],
  subscriptions: readonly SubscriptionTuple[],
  disputes: readonly DisputeTuple[],
): AccountFacts[] {
  const facts: AccountFacts[] = [];
  const byCustomer = new Map<string, AccountFacts>();
  for (const customer of customers) {
    const entry: AccountFacts = { customer, invoices: [], payments: [], subscriptions: [], disputes: [] };
    facts.push(entry);
    byCustomer.set(customer.customerId, entry);
  }
  const invoiceIds: string[] = [];
  const invoiceFacts: AccountFacts[] = [];
  // Rows mostly arrive grouped by customer: the previous row's owner saves most lookups.
  let owner: AccountFacts | undefined;
  for (const row of invoices) {
    if (owner?.customer.customerId !== row[1]) owner = byCustomer.get(row[1]);
    if (owner === undefined) continue;
    const invoice = invoiceOf(row);
    owner.invoices.push(invoice);
    invoiceIds.push(invoice.invoiceId);
    invoiceFacts.push(owner);
  }
  const ownerOfInvoice = invoiceOwners(invoiceIds, invoiceFacts);
  for (const row of payments) ownerOfInvoice(row[1])?.payments.push(paymentOf(row));
  for (const row of disputes) ownerOfInvoice(row[1])?.disputes.push(disputeOf(row));
  for (const row of subscriptions) byCustomer.get(row[1])?.subscriptions.push(subscriptionOf(row));
  return facts;
}

export async function getAccountFacts(
  db: SqlSession,
  tenant: TenantId,
  customerId: string,
): Promise<AccountFacts | undefined> {
  const rows = await db.query<Customer & CardColumns>(ONE_CUSTOMER, [tenant, customerId]);
  if (rows.length === 0) return undefined;
  const customers = rows.map(
    ({ cardBrand, cardLast4, cardExpMonth, cardExpYear, cardUpdatedOn, ...customer }): Customer => ({
      ...customer,
      ...storedCard({ cardBrand, cardLast4, cardExpMonth, cardExpYear, cardUpdatedOn }),
    }),
  );
  const [facts] = await loadFacts(db, tenant, customers);
  return facts;
}

/** `facts` does the page's remaining work, once its next page has been asked for. */
type Page = { facts: () => AccountFacts[]; last: string | undefined; full: boolean };

const customerOf = ([
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
  cardBrand,
  cardLast4,
  cardExpMonth,
  cardExpYear,
  cardUpdatedOn,
]: CustomerTuple): Customer => ({
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
  ...storedCard({ cardBrand, cardLast4, cardExpMonth, cardExpYear, cardUpdatedOn }),
});

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
  const customers = rows.map(customerOf);
  const facts = await loadFacts(db, tenant, customers);
  return {
    facts: () => facts,
    last: customers[customers.length - 1]?.customerId,
    full: customers.length === pageSize,
  };
}

type QueryTuples = NonNullable<SqlClient['queryTuples']>;

/** A page in one trip to the engine, which runs nothing else in between. */
async function loadPipelinedPage(
  queryTuples: QueryTuples,
  tenant: TenantId,
  pageSize: number,
  after: string | undefined,
): Promise<Page> {
  const { head, children } = after === undefined ? FIRST_PAGE : NEXT_PAGE;
  const statements: SqlStatement[] = [
    { sql: head, params: after === undefined ? [tenant, pageSize] : [tenant, pageSize, after] },
    ...children.map((sql) => ({ sql, params: [tenant] })),
  ];
  const results = await queryTuples(statements, { keyRangeOfFirst: true });
  const customers = results.rows<CustomerTuple>(0).map(customerOf);
  return {
    // The children are decoded only now: their bytes wait while the next page is on its way.
    facts: () =>
      assembleFacts(
        customers,
        results.rows<InvoiceTuple>(1),
        results.rows<PaymentTuple>(2),
        results.rows<SubscriptionTuple>(3),
        results.rows<DisputeTuple>(4),
      ),
    last: customers[customers.length - 1]?.customerId,
    full: customers.length === pageSize,
  };
}

/**
 * Keyset paging over customer ids; memory stays at two pages. The next page is read while the
 * caller works through the current one, so the database and the caller's computation overlap.
 */
export async function* streamAccountFacts(
  db: SqlClient,
  tenant: TenantId,
  pageSize: number,
): AsyncGenerator<AccountFacts> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  const { queryTuples } = db;
  const load = (after: string | undefined): Promise<Page> =>
    queryTuples === undefined
      ? loadPage(db, tenant, pageSize, after)
      : loadPipelinedPage(queryTuples, tenant, pageSize, after);
  let next: Promise<Page> | undefined = load(undefined);
  while (next !== undefined) {
    const page: Page = await next;
    next = page.full ? load(page.last) : undefined;
    // A failed prefetch is reported when it is awaited, not as an unhandled rejection meanwhile.
    next?.catch(() => undefined);
    yield* page.facts();
  }
}
