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
import type {
  SqlClient,
  SqlSession,
  SqlStatement,
  SqlValue,
  TupleCursor,
  TupleField,
  TupleResults,
} from './sql-client';

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
  'payment_id, invoice_id, currency, amount_minor, attempted_on, status, decline_code, method, customer_id';
const SUBSCRIPTION_FIELDS = `subscription_id, customer_id, plan, currency, amount_minor, "interval", started_on,
  renews_on, status, canceled_on`;
const DISPUTE_FIELDS =
  'dispute_id, invoice_id, opened_on, resolved_on, reason, amount_minor, outcome, customer_id';

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
 * exactly the domain's shape. It reads one account (getAccountFacts); pages stream another way
 * (pipelinedPageSql): building JSON costs the server several times what writing the rows does.
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
 * A page ($1 tenant, $2 page size, $3 the last id of the previous page; on PGlite in one trip to its
 * thread), then its children over the ids it covers, which the engine appends as $2 and $3 (see
 * queryTuples). Children come in the page's order (the index they are read through has it), so each
 * account is built from its own run of rows, one account at a time (accountsOfPage).
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
      `SELECT ${fields} FROM ${table} WHERE tenant_id = $1 AND customer_id >= $2 AND customer_id <= $3
       ORDER BY customer_id`,
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
  string | null,
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
  return assembleFacts(
    customers,
    invoices.map((row) => invoiceOf(fieldsOf(row))),
    withCustomer((keep) => payments.map((row) => paymentOf(fieldsOf(row), keep))),
    subscriptions.map((row) => subscriptionOf(fieldsOf(row))),
    withCustomer((keep) => disputes.map((row) => disputeOf(fieldsOf(row), keep))),
  );
}

/** A row already in hand, read as the wire's rows are. */
const fieldsOf =
  <Tuple extends unknown[]>(row: Tuple): TupleField<Tuple> =>
  (column) =>
    row[column];

function invoiceOf(field: TupleField<InvoiceTuple>): Invoice {
  const invoiceId = field(0);
  const invoice: Invoice = {
    invoiceId,
    customerId: field(1),
    currency: field(2),
    amountMinor: minorUnits(field(3), 'invoice', invoiceId),
    issuedOn: field(4),
    dueOn: field(5),
    paidOn: field(6),
    voidedOn: field(7),
    subscriptionId: field(8),
  };
  // Left out when not stated, as a CSV import leaves them.
  const amountRemainingMinor = field(9);
  if (amountRemainingMinor !== null)
    invoice.amountRemainingMinor = minorUnits(amountRemainingMinor, 'invoice', invoiceId);
  const uncollectibleOn = field(10);
  if (uncollectibleOn !== null) invoice.uncollectibleOn = uncollectibleOn;
  return invoice;
}

function paymentOf(
  field: TupleField<PaymentTuple>,
  keepCustomer: (customerId: string | null) => void,
): PaymentAttempt {
  keepCustomer(field(8));
  const paymentId = field(0);
  return {
    paymentId,
    invoiceId: field(1),
    currency: field(2),
    amountMinor: minorUnits(field(3), 'payment', paymentId),
    attemptedOn: field(4),
    status: field(5),
    declineCode: field(6),
    method: field(7),
  };
}

function disputeOf(
  field: TupleField<DisputeTuple>,
  keepCustomer: (customerId: string | null) => void,
): Dispute {
  keepCustomer(field(7));
  const disputeId = field(0);
  return {
    disputeId,
    invoiceId: field(1),
    openedOn: field(2),
    resolvedOn: field(3),
    reason: field(4),
    amountMinor: minorUnits(field(5), 'dispute', disputeId),
    outcome: field(6),
  };
}

function subscriptionOf(field: TupleField<SubscriptionTuple>): Subscription {
  const subscriptionId = field(0);
  return {
    subscriptionId,
    customerId: field(1),
    plan: field(2),
    currency: field(3),
    amountMinor: minorUnits(field(4), 'subscription', subscriptionId),
    interval: field(5),
    startedOn: field(6),
    renewsOn: field(7),
    status: field(8),
    canceledOn: field(9),
  };
}

/** Where `invoiceId` is among `invoices`, looking from `from` on first; -1 when it is not there. */
function indexOfInvoice(invoices: readonly Invoice[], invoiceId: string, from: number): number {
  for (let index = from; index < invoices.length; index += 1)
    if ((invoices[index] as Invoice).invoiceId === invoiceId) return index;
  for (let index = 0; index < from && index < invoices.length; index += 1)
    if ((invoices[index] as Invoice).invoiceId === invoiceId) return index;
  return -1;
}

/** Rows of a page that belong to an account through their invoice (payments, disputes). */
type InvoiceRows<Row extends { invoiceId: string }> = {
  rows: readonly Row[];
  /** The customer each row carries (null only for a row whose invoice is not stored). */
  customerIds: readonly (string | null)[];
};

/**
 * Calls `attach` with each row and the account of its invoice among the page's invoices. A row
 * carries its invoice's customer (a trigger copies it; an invoice never changes customer: imports
 * refuse it, and a billing source's invoice keeps its customer), and rows come grouped by customer,
 * mostly in the order of its invoices: the customer's invoices are searched from the one the previous
 * row matched. A row whose invoice was not read (written between the page's statements) is left for
 * the next read rather than shown without its invoice.
 */
function attachByInvoice<Row extends { invoiceId: string }>(
  { rows, customerIds }: InvoiceRows<Row>,
  byCustomer: ReadonlyMap<string, AccountFacts>,
  attach: (facts: AccountFacts, row: Row) => void,
): void {
  let customer: AccountFacts | undefined;
  let cursor = 0;
  rows.forEach((row, index) => {
    const customerId = customerIds[index] ?? null;
    if (customerId === null) return;
    if (customer?.customer.customerId !== customerId) {
      customer = byCustomer.get(customerId);
      cursor = 0;
    }
    if (customer === undefined) return;
    const at = indexOfInvoice(customer.invoices, row.invoiceId, cursor);
    if (at < 0) return;
    cursor = at;
    attach(customer, row);
  });
}

/** Rows read with the customer id as their last column, and that id kept beside each. */
function withCustomer<Row extends { invoiceId: string }>(
  read: (keep: (customerId: string | null) => void) => Row[],
): InvoiceRows<Row> {
  const customerIds: (string | null)[] = [];
  const rows = read((customerId) => customerIds.push(customerId));
  return { rows, customerIds };
}

/**
 * Each customer's facts from the rows of its page. Payments and disputes are attached through the
 * invoices read here (see attachByInvoice).
 */
function assembleFacts(
  customers: readonly Customer[],
  invoices: readonly Invoice[],
  payments: InvoiceRows<PaymentAttempt>,
  subscriptions: readonly Subscription[],
  disputes: InvoiceRows<Dispute>,
): AccountFacts[] {
  const facts: AccountFacts[] = [];
  const byCustomer = new Map<string, AccountFacts>();
  for (const customer of customers) {
    const entry: AccountFacts = { customer, invoices: [], payments: [], subscriptions: [], disputes: [] };
    facts.push(entry);
    byCustomer.set(customer.customerId, entry);
  }
  // Rows mostly arrive grouped by customer: the previous row's owner saves most lookups.
  let owner: AccountFacts | undefined;
  for (const invoice of invoices) {
    if (owner?.customer.customerId !== invoice.customerId) owner = byCustomer.get(invoice.customerId);
    owner?.invoices.push(invoice);
  }
  attachByInvoice(payments, byCustomer, (account, payment) => account.payments.push(payment));
  attachByInvoice(disputes, byCustomer, (account, dispute) => account.disputes.push(dispute));
  for (const subscription of subscriptions)
    byCustomer.get(subscription.customerId)?.subscriptions.push(subscription);
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
type Page = {
  facts: () => Iterable<AccountFacts>;
  /** Every account of the page was read. */
  done: () => void;
  last: string | undefined;
  full: boolean;
};

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

type QueryTuples = SqlClient['queryTuples'];

/** A page as positional rows (queryTuples), its children read in the page's order. */
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
  const results = await queryTuples(statements, {
    keyRangeOfFirst: true,
    keyset: { next: { sql: NEXT_PAGE.head, params: [tenant, pageSize] }, rows: pageSize },
  });
  const customers = results.rows<CustomerTuple>(0).map(customerOf);
  return {
    // The children are decoded only now: their bytes wait while the next page is on its way.
    facts: () => accountsOfPage(customers, results),
    done: () => results.release(),
    last: customers[customers.length - 1]?.customerId,
    full: customers.length === pageSize,
  };
}

const IGNORE_CUSTOMER = (): void => undefined;

/**
 * The rows of the account at `index` of the page from `cursor` on, as `build` makes them: rows come
 * in the page's order by their customer id (`column`). A row of no account of the page (its invoice
 * not stored, or its customer written after the page was read) is passed over, as the other path
 * leaves it; one of an account already built means the order was not kept, and is refused.
 */
function rowsOfAccount<Tuple extends unknown[], T>(
  cursor: TupleCursor<Tuple>,
  column: number & keyof Tuple,
  position: ReadonlyMap<string, number>,
  index: number,
  build: (field: TupleField<Tuple>) => T,
): T[] {
  const rows: T[] = [];
  for (;;) {
    const key = cursor.peek(column);
    if (key === undefined) return rows;
    const at = typeof key === 'string' ? (position.get(key) ?? -1) : -1;
    if (at > index) return rows;
    if (at >= 0 && at < index) throw new Error(`rows of account ${String(key)} came after a later account's`);
    const row = cursor.take(build);
    if (at === index && row !== undefined) rows.push(row);
  }
}

/** Rows (payments, disputes) of an invoice among `invoices`; others were written after the page. */
function ofInvoices<Row extends { invoiceId: string }>(rows: Row[], invoices: readonly Invoice[]): Row[] {
  let cursor = 0;
  return rows.filter((row) => {
    const at = indexOfInvoice(invoices, row.invoiceId, cursor);
    if (at < 0) return false;
    cursor = at;
    return true;
  });
}

/**
 * Each account of a page, built when it is reached: only one account's rows are live at a time,
 * so the young objects a collection copies are one account's, not a page's.
 */
function* accountsOfPage(customers: readonly Customer[], results: TupleResults): Generator<AccountFacts> {
  const position = new Map(customers.map((customer, index) => [customer.customerId, index]));
  const invoices = results.cursor<InvoiceTuple>(1);
  const payments = results.cursor<PaymentTuple>(2);
  const subscriptions = results.cursor<SubscriptionTuple>(3);
  const disputes = results.cursor<DisputeTuple>(4);
  for (const [index, customer] of customers.entries()) {
    const own = rowsOfAccount(invoices, 1, position, index, invoiceOf);
    yield {
      customer,
      invoices: own,
      payments: ofInvoices(
        rowsOfAccount(payments, 8, position, index, (field) => paymentOf(field, IGNORE_CUSTOMER)),
        own,
      ),
      subscriptions: rowsOfAccount(subscriptions, 1, position, index, subscriptionOf),
      disputes: ofInvoices(
        rowsOfAccount(disputes, 7, position, index, (field) => disputeOf(field, IGNORE_CUSTOMER)),
        own,
      ),
    };
  }
}

/**
 * Keyset paging over customer ids; memory stays at a few pages (the one being read, the next, and on
 * PGlite the one its thread reads ahead). The next page is read while the caller works through the
 * current one, so the database and the caller's computation overlap.
 */
export async function* streamAccountFacts(
  db: SqlClient,
  tenant: TenantId,
  pageSize: number,
): AsyncGenerator<AccountFacts> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  const load = (after: string | undefined): Promise<Page> =>
    loadPipelinedPage(db.queryTuples, tenant, pageSize, after);
  let next: Promise<Page> | undefined = load(undefined);
  while (next !== undefined) {
    const page: Page = await next;
    next = page.full ? load(page.last) : undefined;
    // A failed prefetch is reported when it is awaited, not as an unhandled rejection meanwhile.
    next?.catch(() => undefined);
    // The request for the next page leaves in a later microtask; decoding this page first would hold
    // it back by as long, with the database thread idle meanwhile.
    if (next !== undefined) await new Promise<void>((resolve) => setImmediate(resolve));
    yield* page.facts();
    page.done();
  }
}
