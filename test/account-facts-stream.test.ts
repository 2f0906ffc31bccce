import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import {
  DISPUTE_OUTCOMES,
  PAYMENT_STATUSES,
  SUBSCRIPTION_INTERVALS,
  SUBSCRIPTION_STATUSES,
  type AccountFacts,
  type Customer,
  type Dispute,
  type Invoice,
  type PaymentAttempt,
  type Subscription,
  type TenantId,
} from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { CollectionsStore } from '../src/ports/store';

/**
 * Every caller reads the same AccountFacts whichever way the engine streams them (PGlite: rows off
 * the wire; PostgreSQL: JSON built by the server): a generated book with hostile text and large
 * amounts comes back, page by page, exactly as it was imported.
 */
const RUNS = { numRuns: 20, seed: 20261207 } as const;

type Book = {
  customers: Customer[];
  subscriptions: Subscription[];
  invoices: Invoice[];
  payments: PaymentAttempt[];
  disputes: Dispute[];
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const HOSTILE = ["'", '"', ',', '\n', '\r\n', '\t', '\\', '\\N', 'NULL', ' ', 'ünï', '日本', '😀', '\u2028'];
const text = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 6 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join(''))
  .filter((value) => !value.includes('\u0000') && !LONE_SURROGATE.test(value));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const day = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((instant) => instant.toISOString().slice(0, 10) as CalendarDate);
// Far past 32 bits, yet summed across a book (as imports now do) still exact: 2^46 × 64 < 2^53.
const LARGEST = 2 ** 46;
const amount = fc.oneof(fc.constantFrom(0, LARGEST), fc.integer({ min: 0, max: LARGEST }));
const currency = fc.constantFrom('USD', 'JPY', 'KWD').map((code) => code as CurrencyCode);

/** `count` distinct ids, each with a prefix so the entities' ids never collide. */
const ids = (prefix: string, count: number) =>
  fc.uniqueArray(text, { minLength: count, maxLength: count }).map((values) => values.map((v) => prefix + v));

const customerOf = (customerId: string): fc.Arbitrary<Customer> =>
  fc.record({
    customerId: fc.constant(customerId),
    name: nullable(text),
    segment: nullable(text),
    owner: nullable(text),
    paymentTerms: nullable(text),
    country: nullable(text),
    crmCompanyId: fc.constant(null),
    createdOn: nullable(day),
    employees: nullable(amount),
    fundingStage: nullable(text),
  });

const invoiceOf = (invoiceId: string, customerId: string, subscriptionId: string | null) =>
  fc
    .record({
      currency,
      amountMinor: amount,
      issuedOn: day,
      dueOn: day,
      paidOn: nullable(day),
      voidedOn: nullable(day),
      // Absent, as a CSV import leaves them, or stated.
      amountRemainingMinor: fc.option(amount, { nil: undefined }),
      uncollectibleOn: fc.option(day, { nil: undefined }),
    })
    .map(({ amountRemainingMinor, uncollectibleOn, ...rest }): Invoice => ({
      invoiceId,
      customerId,
      ...rest,
      subscriptionId,
      ...(amountRemainingMinor === undefined ? {} : { amountRemainingMinor }),
      ...(uncollectibleOn === undefined ? {} : { uncollectibleOn }),
    }));

const book: fc.Arbitrary<Book> = fc.integer({ min: 1, max: 7 }).chain((customerCount) =>
  fc
    .tuple(ids('c', customerCount), ids('s', customerCount), ids('i', customerCount * 3))
    .chain(([customerIds, subscriptionIds, invoiceIds]) =>
      fc
        .tuple(
          fc.tuple(...customerIds.map(customerOf)),
          fc.tuple(
            ...customerIds.map((customerId, index) =>
              fc.record({
                subscriptionId: fc.constant(subscriptionIds[index] ?? 's'),
                customerId: fc.constant(customerId),
                plan: nullable(text),
                currency,
                amountMinor: amount,
                interval: fc.constantFrom(...SUBSCRIPTION_INTERVALS),
                startedOn: day,
                renewsOn: nullable(day),
                status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
                canceledOn: nullable(day),
              }),
            ),
          ),
          fc.tuple(
            ...invoiceIds.map((invoiceId, index) =>
              fc
                .nat(customerCount - 1)
                .chain((owner) =>
                  fc
                    .boolean()
                    .chain((billed) =>
                      invoiceOf(
                        invoiceId,
                        customerIds[owner] ?? 'c',
                        billed ? (subscriptionIds[owner] ?? null) : null,
                      ).map((invoice) => ({ invoice, keep: index % 4 !== 3 })),
                    ),
                ),
            ),
          ),
          fc.array(fc.boolean(), { minLength: customerCount, maxLength: customerCount }),
        )
        .chain(([customers, subscriptions, drawn, subscribed]) => {
          const invoices = drawn.filter(({ keep }) => keep).map(({ invoice }) => invoice);
          return fc
            .tuple(
              fc.tuple(
                ...invoices.map(() =>
                  fc.array(
                    fc.record({
                      amountMinor: amount,
                      attemptedOn: day,
                      status: fc.constantFrom(...PAYMENT_STATUSES),
                      declineCode: nullable(text),
                      method: nullable(text),
                    }),
                    { maxLength: 2 },
                  ),
                ),
              ),
              fc.tuple(
                ...invoices.map(() =>
                  fc.option(
                    fc.record({
                      openedOn: day,
                      resolvedOn: nullable(day),
                      reason: nullable(text),
                      amountMinor: nullable(amount),
                      outcome: nullable(fc.constantFrom(...DISPUTE_OUTCOMES)),
                    }),
                    { nil: null },
                  ),
                ),
              ),
            )
            .map(([paymentDraws, disputeDraws]): Book => ({
              customers,
              subscriptions: subscriptions.filter((_, index) => subscribed[index]),
              invoices: invoices.map((invoice) =>
                invoice.subscriptionId !== null &&
                !subscriptions.some(
                  (sub, index) => subscribed[index] && sub.subscriptionId === invoice.subscriptionId,
                )
                  ? { ...invoice, subscriptionId: null }
                  : invoice,
              ),
              payments: invoices.flatMap((invoice, index) =>
                (paymentDraws[index] ?? []).map((draw, attempt) => ({
                  paymentId: `p${attempt}${invoice.invoiceId}`,
                  invoiceId: invoice.invoiceId,
                  currency: invoice.currency,
                  ...draw,
                })),
              ),
              disputes: invoices.flatMap((invoice, index) => {
                const draw = disputeDraws[index];
                return draw === null || draw === undefined
                  ? []
                  : [{ disputeId: `d${invoice.invoiceId}`, invoiceId: invoice.invoiceId, ...draw }];
              }),
            }));
        }),
    ),
);

/** PostgreSQL's "C" collation: byte order of the UTF-8 text, which is not JavaScript's < for astral characters. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sortedBy = <T>(rows: readonly T[], id: (row: T) => string): T[] =>
  [...rows].sort((a, b) => byBytes(id(a), id(b)));

/** Row order inside an account is not part of the contract: compare each list sorted by its id. */
function normalised(facts: AccountFacts): AccountFacts {
  return {
    customer: facts.customer,
    invoices: sortedBy(facts.invoices, (row) => row.invoiceId),
    payments: sortedBy(facts.payments, (row) => row.paymentId),
    subscriptions: sortedBy(facts.subscriptions, (row) => row.subscriptionId),
    disputes: sortedBy(facts.disputes, (row) => row.disputeId),
  };
}

/** The oracle: the generated rows grouped by the customer each belongs to, customers in id order. */
function expectedFacts(data: Book): AccountFacts[] {
  const ownerOf = new Map(data.invoices.map((invoice) => [invoice.invoiceId, invoice.customerId]));
  return sortedBy(data.customers, (row) => row.customerId).map((customer) =>
    normalised({
      customer,
      invoices: data.invoices.filter((row) => row.customerId === customer.customerId),
      payments: data.payments.filter((row) => ownerOf.get(row.invoiceId) === customer.customerId),
      subscriptions: data.subscriptions.filter((row) => row.customerId === customer.customerId),
      disputes: data.disputes.filter((row) => ownerOf.get(row.invoiceId) === customer.customerId),
    }),
  );
}

async function importBook(store: CollectionsStore, tenant: TenantId, data: Book): Promise<void> {
  const lined = <T>(rows: readonly T[]) => rows.map((row, index) => ({ line: index + 2, row }));
  const session = await store.beginImport(tenant);
  await session.stageCustomers(lined(data.customers));
  await session.stageSubscriptions(lined(data.subscriptions));
  await session.stageInvoices(lined(data.invoices));
  await session.stagePayments(lined(data.payments));
  await session.stageDisputes(lined(data.disputes));
  await session.commit();
}

const databaseUrl = process.env.DATABASE_URL;
const engines: { name: string; open: () => Promise<CollectionsStore> }[] = [
  { name: 'pglite', open: () => createPgliteStore() },
];
if (databaseUrl !== undefined && databaseUrl !== '')
  engines.push({ name: 'postgres', open: () => createPostgresStore({ connectionString: databaseUrl }) });

describe.each(engines)('streamed account facts on $name', ({ open }) => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await open();
    await store.migrate();
  }, 120_000);

  afterAll(async () => {
    await store.close();
  });

  it('come back page by page exactly as imported, and as one account is read alone', async () => {
    await fc.assert(
      fc.asyncProperty(book, fc.integer({ min: 1, max: 4 }), async (data, pageSize) => {
        const tenant = `t-${randomUUID()}` as TenantId;
        await importBook(store, tenant, data);
        const streamed: AccountFacts[] = [];
        for await (const facts of store.streamAccountFacts(tenant, { pageSize })) streamed.push(facts);
        const expected = expectedFacts(data);
        expect(streamed.map(normalised)).toEqual(expected);
        for (const facts of expected) {
          const alone = await store.getAccountFacts(tenant, facts.customer.customerId);
          expect(alone === undefined ? undefined : normalised(alone)).toEqual(facts);
        }
      }),
      RUNS,
    );
  }, 300_000);
});
