import { randomUUID } from 'node:crypto';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { ReportSlice } from '../src/domain/ar-metrics';
import type { CalendarDate } from '../src/domain/dates';
import {
  parseTenantId,
  type Customer,
  type Invoice,
  type PaymentAttempt,
  type TenantId,
} from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { CollectionsStore, Lined } from '../src/ports/store';

type Engine = { name: string; open: () => Promise<CollectionsStore> };

const databaseUrl = process.env.DATABASE_URL;
const engines: Engine[] = [{ name: 'pglite', open: () => createPgliteStore() }];
if (databaseUrl !== undefined && databaseUrl !== '')
  engines.push({ name: 'postgres', open: () => createPostgresStore({ connectionString: databaseUrl }) });

const date = (text: string): CalendarDate => text as CalendarDate;

function newTenant(): TenantId {
  const tenant = parseTenantId(`snap-${randomUUID()}`);
  if (tenant === undefined) throw new Error('generated tenant id is invalid');
  return tenant;
}

function customer(customerId: string): Customer {
  return {
    customerId,
    name: `Company ${customerId}`,
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

function invoice(invoiceId: string, customerId: string, issuedOn: string, amountMinor = 10_000): Invoice {
  return {
    invoiceId,
    customerId,
    currency: 'USD' as CurrencyCode,
    amountMinor,
    issuedOn: date(issuedOn),
    dueOn: date(issuedOn),
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
    currency: 'USD' as CurrencyCode,
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

/** A recognisable total: the figures only have to come back as they were saved. */
function total(arMinor: number): ReportSlice {
  return {
    key: 'total',
    accounts: 1,
    currencies: [
      {
        currency: 'USD' as CurrencyCode,
        accounts: 1,
        arMinor,
        currentArMinor: arMinor,
        pastDueArMinor: 0,
        aging: { current: arMinor, d1_30: 0, d31_60: 0, d61_90: 0, d90Plus: 0 },
        creditSales90Minor: 0,
        beginningAr90Minor: 0,
        delinquencyRate: 0,
        atRiskRate: null,
        simpleDso: null,
        bestPossibleDso: null,
        averageDaysDelinquent: null,
        countbackDso: 12.5,
        countbackBestPossibleDso: 12.5,
        countbackAverageDaysDelinquent: 0,
        cei: null,
        failedMinor: 0,
        recoveredMinor: 0,
        failedPaymentRecoveryRate: null,
      },
    ],
  };
}

const AUG = date('2026-08-31');
const SEP = date('2026-09-30');
const OCT = date('2026-10-31');

/** Two accounts: one invoice issued in August, one in October. */
const BOOK = {
  customers: [customer('C-1'), customer('C-2')],
  invoices: [invoice('INV-AUG', 'C-1', '2026-08-10'), invoice('INV-OCT', 'C-2', '2026-10-05')],
};

async function staleDays(store: CollectionsStore, tenant: TenantId): Promise<string[]> {
  const snapshots = await store.listPortfolioSnapshots(tenant, [AUG, SEP, OCT]);
  return snapshots.filter((snapshot) => snapshot.stale).map((snapshot) => snapshot.asOf);
}

describe.each(engines)('portfolio snapshot store contract ($name)', ({ open }) => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await open();
    await store.migrate();
  }, 60000);

  afterAll(() => store.close());

  it('keeps the totals of each day with when and from which billing-history version they were computed', async () => {
    const tenant = newTenant();
    expect(await store.portfolioBookVersion(tenant)).toBe(0);
    await importRows(store, tenant, BOOK);
    const version = await store.portfolioBookVersion(tenant);
    expect(version).toBe(1);
    const before = Date.now();
    await store.savePortfolioSnapshots(tenant, version, [
      { asOf: SEP, total: total(200) },
      { asOf: AUG, total: total(100) },
    ]);
    const snapshots = await store.listPortfolioSnapshots(tenant, [OCT, SEP, AUG]);
    expect(
      snapshots.map(({ asOf, total: saved, bookVersion, stale }) => ({ asOf, saved, bookVersion, stale })),
    ).toEqual([
      { asOf: AUG, saved: total(100), bookVersion: 1, stale: false },
      { asOf: SEP, saved: total(200), bookVersion: 1, stale: false },
    ]);
    for (const snapshot of snapshots) {
      expect(snapshot.computedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(snapshot.computedAt)).toBeGreaterThanOrEqual(before - 60000);
    }
    expect(await store.listPortfolioSnapshots(tenant, [])).toEqual([]);
  });

  it('marks stale the snapshots of the days a billing-history write reaches, and no others', async () => {
    const tenant = newTenant();
    await importRows(store, tenant, BOOK);
    const version = await store.portfolioBookVersion(tenant);
    await store.savePortfolioSnapshots(
      tenant,
      version,
      [AUG, SEP, OCT].map((asOf) => ({ asOf, total: total(1) })),
    );

    // The same rows again change nothing: no new version, nothing stale.
    await importRows(store, tenant, BOOK);
    expect(await store.portfolioBookVersion(tenant)).toBe(version);
    expect(await staleDays(store, tenant)).toEqual([]);

    // A payment on 2 November of the invoice issued in October moves figures from 2 November on only.
    await importRows(store, tenant, { payments: [payment('P-1', 'INV-OCT', '2026-11-02', 4_000)] });
    expect(await store.portfolioBookVersion(tenant)).toBe(version + 1);
    expect(await staleDays(store, tenant)).toEqual([]);

    // One dated 20 October (arriving late) reaches the October month-end.
    await importRows(store, tenant, { payments: [payment('P-2', 'INV-OCT', '2026-10-20', 1_000)] });
    expect(await store.portfolioBookVersion(tenant)).toBe(version + 2);
    expect(await staleDays(store, tenant)).toEqual([OCT]);

    // A backdated correction of the August invoice reaches every month-end from 10 August on.
    await importRows(store, tenant, { invoices: [invoice('INV-AUG', 'C-1', '2026-08-10', 9_000)] });
    expect(await store.portfolioBookVersion(tenant)).toBe(version + 3);
    expect(await staleDays(store, tenant)).toEqual([AUG, SEP, OCT]);

    // Saved again from the current book, they are current again.
    await store.savePortfolioSnapshots(
      tenant,
      version + 3,
      [AUG, SEP, OCT].map((asOf) => ({ asOf, total: total(2) })),
    );
    expect(await staleDays(store, tenant)).toEqual([]);
  });

  it('a large import reaches from the earliest issue day of the invoices it changes', async () => {
    const tenant = newTenant();
    await importRows(store, tenant, BOOK);
    await store.savePortfolioSnapshots(
      tenant,
      await store.portfolioBookVersion(tenant),
      [AUG, SEP, OCT].map((asOf) => ({ asOf, total: total(1) })),
    );
    // 600 new invoices, the earliest issued on 15 September, each paid in November.
    const invoices = Array.from({ length: 600 }, (_, index) =>
      invoice(`INV-N${index}`, 'C-2', index === 0 ? '2026-09-15' : '2026-10-01'),
    );
    const payments = invoices.map((entry, index) =>
      payment(`P-N${index}`, entry.invoiceId, '2026-11-05', 100),
    );
    await importRows(store, tenant, { invoices, payments });
    expect(await staleDays(store, tenant)).toEqual([SEP, OCT]);
  });

  it('a pass running during a large import into a tenant without snapshots saves every day stale', async () => {
    const tenant = newTenant();
    const passStartedAt = await store.portfolioBookVersion(tenant);
    const invoices = Array.from({ length: 600 }, (_, index) => invoice(`INV-N${index}`, 'C-1', '2026-10-01'));
    await importRows(store, tenant, { customers: [customer('C-1')], invoices });
    await store.savePortfolioSnapshots(
      tenant,
      passStartedAt,
      [AUG, SEP, OCT].map((asOf) => ({ asOf, total: total(1) })),
    );
    expect(await staleDays(store, tenant)).toEqual([AUG, SEP, OCT]);
  });

  it('saves stale the days a write reached while the pass was running', async () => {
    const tenant = newTenant();
    await importRows(store, tenant, BOOK);
    const passStartedAt = await store.portfolioBookVersion(tenant);
    // During the pass: a new invoice issued on 15 September.
    await importRows(store, tenant, { invoices: [invoice('INV-SEP', 'C-1', '2026-09-15')] });
    await store.savePortfolioSnapshots(
      tenant,
      passStartedAt,
      [AUG, SEP, OCT].map((asOf) => ({ asOf, total: total(3) })),
    );
    expect(await staleDays(store, tenant)).toEqual([SEP, OCT]);
    const [august] = await store.listPortfolioSnapshots(tenant, [AUG]);
    expect(august).toMatchObject({ stale: false, bookVersion: passStartedAt });
  });

  it('never replaces a snapshot with one from an older pass', async () => {
    const tenant = newTenant();
    await importRows(store, tenant, BOOK);
    const older = await store.portfolioBookVersion(tenant);
    await importRows(store, tenant, { invoices: [invoice('INV-SEP', 'C-1', '2026-09-15')] });
    const newer = await store.portfolioBookVersion(tenant);
    await store.savePortfolioSnapshots(tenant, newer, [{ asOf: SEP, total: total(500) }]);
    await store.savePortfolioSnapshots(tenant, older, [{ asOf: SEP, total: total(400) }]);
    const [september] = await store.listPortfolioSnapshots(tenant, [SEP]);
    expect(september).toMatchObject({ total: total(500), bookVersion: newer, stale: false });
  });

  it("keeps tenants apart: one tenant's snapshots, versions and writes never touch another's", async () => {
    const first = newTenant();
    const second = newTenant();
    await importRows(store, first, BOOK);
    await importRows(store, second, BOOK);
    await store.savePortfolioSnapshots(first, await store.portfolioBookVersion(first), [
      { asOf: SEP, total: total(111) },
    ]);
    await store.savePortfolioSnapshots(second, await store.portfolioBookVersion(second), [
      { asOf: SEP, total: total(222) },
      { asOf: OCT, total: total(223) },
    ]);
    expect((await store.listPortfolioSnapshots(first, [SEP, OCT])).map((snapshot) => snapshot.total)).toEqual(
      [total(111)],
    );
    await importRows(store, first, { invoices: [invoice('INV-AUG', 'C-1', '2026-08-10', 1)] });
    expect(await store.portfolioBookVersion(first)).toBe(2);
    expect(await store.portfolioBookVersion(second)).toBe(1);
    expect(await staleDays(store, first)).toEqual([SEP]);
    expect(await staleDays(store, second)).toEqual([]);
  });
});
