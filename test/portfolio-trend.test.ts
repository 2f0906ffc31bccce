import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import {
  parseTenantId,
  type AccountFacts,
  type Customer,
  type Invoice,
  type PaymentAttempt,
  type TenantId,
} from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { CollectionsStore, Lined } from '../src/ports/store';
import { buildPortfolioReportFromStore } from '../src/use-cases/collections-picture';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import {
  portfolioTrend,
  refreshPortfolioSnapshots,
  type SnapshotPorts,
} from '../src/use-cases/portfolio-trend';

type Engine = { name: string; open: () => Promise<CollectionsStore> };

const databaseUrl = process.env.DATABASE_URL;
const engines: Engine[] = [{ name: 'pglite', open: () => createPgliteStore() }];
if (databaseUrl !== undefined && databaseUrl !== '')
  engines.push({ name: 'postgres', open: () => createPostgresStore({ connectionString: databaseUrl }) });

const date = (text: string): CalendarDate => text as CalendarDate;
const USD = 'USD' as CurrencyCode;

function newTenant(): TenantId {
  const tenant = parseTenantId(`trend-${randomUUID()}`);
  if (tenant === undefined) throw new Error('generated tenant id is invalid');
  return tenant;
}

/** The store as the trend's ports, counting the passes over the book. */
function countingPorts(store: CollectionsStore): SnapshotPorts & { passes: () => number } {
  let passes = 0;
  return {
    book: {
      streamAccountFacts(tenant: TenantId, options?: { pageSize?: number }): AsyncIterable<AccountFacts> {
        passes += 1;
        return store.streamAccountFacts(tenant, options);
      },
    },
    snapshots: store,
    passes: () => passes,
  };
}

function customer(customerId: string): Customer {
  return {
    customerId,
    name: null,
    segment: null,
    owner: null,
    paymentTerms: null,
    country: null,
    crmCompanyId: null,
    createdOn: null,
    employees: null,
    fundingStage: null,
  };
}

function invoice(
  invoiceId: string,
  customerId: string,
  issuedOn: string,
  dueOn: string,
  amountMinor: number,
): Invoice {
  return {
    invoiceId,
    customerId,
    currency: USD,
    amountMinor,
    issuedOn: date(issuedOn),
    dueOn: date(dueOn),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
  };
}

function payment(
  paymentId: string,
  invoiceId: string,
  attemptedOn: string,
  amountMinor: number,
): PaymentAttempt {
  return {
    paymentId,
    invoiceId,
    currency: USD,
    amountMinor,
    attemptedOn: date(attemptedOn),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
  };
}

const lined = <T>(rows: readonly T[]): Lined<T>[] => rows.map((row, index) => ({ line: index + 2, row }));

async function importRows(
  store: CollectionsStore,
  tenant: TenantId,
  rows: { customers?: Customer[]; invoices?: Invoice[]; payments?: PaymentAttempt[] },
): Promise<void> {
  const session = await store.beginImport(tenant);
  await session.stageCustomers(lined(rows.customers ?? []));
  await session.stageInvoices(lined(rows.invoices ?? []));
  await session.stagePayments(lined(rows.payments ?? []));
  expect(await session.findReferenceProblems(10)).toEqual([]);
  await session.commit();
}

async function importDemoBook(store: CollectionsStore, tenant: TenantId, seed: number, asOf: CalendarDate) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-trend-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const entry of generateDemoDataset({ customers: 60, seed, asOf })) await writer.write(entry);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant });
    if (!result.ok) throw new Error('import failed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** AR in USD of the trend's points, in day order. */
const arOf = (points: { total: { currencies: { currency: string; arMinor: number }[] } }[]) =>
  points.map((point) => point.total.currencies.find((entry) => entry.currency === 'USD')?.arMinor ?? 0);

const TODAY = date('2026-09-15');
const JUL = date('2026-07-31');
const AUG = date('2026-08-31');

describe.each(engines)('portfolio trend from stored month-end snapshots ($name)', ({ open }) => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await open();
    await store.migrate();
  }, 60000);

  afterAll(() => store.close());

  it('stores each month-end as the report streamed from the book for that day, all in one pass', async () => {
    const tenant = newTenant();
    const other = newTenant();
    await importDemoBook(store, tenant, 7, TODAY);
    await importDemoBook(store, other, 8, TODAY);
    const ports = countingPorts(store);

    const first = await portfolioTrend(ports, tenant, TODAY, 6);
    const days = ['2026-04-30', '2026-05-31', '2026-06-30', JUL, AUG, TODAY];
    expect(first.computed).toEqual(days);
    expect(ports.passes()).toBe(1);
    expect(first.points.map((point) => point.asOf)).toEqual(days);
    for (const point of first.points) {
      const streamed = await buildPortfolioReportFromStore(store, tenant, point.asOf);
      expect(point.total).toEqual(streamed.total);
      expect(point.stale).toBe(false);
    }
    expect(first.points.some((point) => point.total.currencies.length > 0)).toBe(true);

    // Stored: asked again, nothing is computed and the book is not read.
    const again = await portfolioTrend(ports, tenant, TODAY, 6);
    expect(again.computed).toEqual([]);
    expect(ports.passes()).toBe(1);
    expect(again.points).toEqual(first.points);

    // Another tenant's trend is its own book's, never the first tenant's snapshots.
    const theirs = await portfolioTrend(ports, other, TODAY, 6);
    expect(theirs.computed).toEqual(days);
    for (const point of theirs.points)
      expect(point.total).toEqual((await buildPortfolioReportFromStore(store, other, point.asOf)).total);
    expect(theirs.points.map((point) => point.total)).not.toEqual(first.points.map((point) => point.total));
  }, 120000);

  it('recomputes closed months after a backdated import; a write reaching only today is flagged, not hidden', async () => {
    const tenant = newTenant();
    // 100.00 owed since June; 50.00 issued in July and paid on 20 July.
    await importRows(store, tenant, {
      customers: [customer('C-1'), customer('C-2')],
      invoices: [
        invoice('INV-1', 'C-1', '2026-06-10', '2026-07-10', 10_000),
        invoice('INV-2', 'C-2', '2026-07-05', '2026-08-04', 5_000),
      ],
      payments: [payment('P-2', 'INV-2', '2026-07-20', 5_000)],
    });
    const ports = countingPorts(store);
    const before = await portfolioTrend(ports, tenant, TODAY, 3);
    expect(before.points.map((point) => point.asOf)).toEqual([JUL, AUG, TODAY]);
    expect(arOf(before.points)).toEqual([10_000, 10_000, 10_000]);

    // An invoice issued on 10 September reaches only today's point: the closed months stay, today's
    // snapshot is served marked stale rather than recomputed on every request.
    await importRows(store, tenant, { invoices: [invoice('INV-3', 'C-2', '2026-09-10', '2026-10-10', 700)] });
    const flagged = await portfolioTrend(ports, tenant, TODAY, 3);
    expect(flagged.computed).toEqual([]);
    expect(flagged.points.map((point) => point.stale)).toEqual([false, false, true]);
    expect(arOf(flagged.points)).toEqual([10_000, 10_000, 10_000]);

    // A late-arriving payment of the June invoice, dated 25 July: July and August no longer hold.
    await importRows(store, tenant, { payments: [payment('P-1', 'INV-1', '2026-07-25', 10_000)] });
    const after = await portfolioTrend(ports, tenant, TODAY, 3);
    expect(after.computed).toEqual([JUL, AUG, TODAY]);
    expect(ports.passes()).toBe(2);
    expect(after.points.map((point) => point.stale)).toEqual([false, false, false]);
    expect(arOf(after.points)).toEqual([0, 0, 700]);
    for (const point of after.points)
      expect(point.total).toEqual((await buildPortfolioReportFromStore(store, tenant, point.asOf)).total);
  }, 60000);

  it("the daily run takes the day's snapshot and the trend's missing or stale month-ends, in one pass", async () => {
    const tenant = newTenant();
    await importRows(store, tenant, {
      customers: [customer('C-1')],
      invoices: [
        invoice('INV-1', 'C-1', '2026-06-10', '2026-07-10', 10_000),
        invoice('INV-2', 'C-1', '2026-08-02', '2026-09-01', 4_000),
      ],
    });
    const ports = countingPorts(store);
    await portfolioTrend(ports, tenant, date('2026-09-14'), 3);
    // Part of the August invoice paid on 20 August: July's figures still hold, August's do not.
    await importRows(store, tenant, { payments: [payment('P-1', 'INV-2', '2026-08-20', 1_500)] });
    const taken = await refreshPortfolioSnapshots(ports, tenant, TODAY, 3);
    expect(taken).toEqual([AUG, TODAY]);
    expect(ports.passes()).toBe(2);
    const trend = await portfolioTrend(ports, tenant, TODAY, 3);
    expect(trend.computed).toEqual([]);
    expect(arOf(trend.points)).toEqual([10_000, 12_500, 12_500]);
  }, 60000);
});
