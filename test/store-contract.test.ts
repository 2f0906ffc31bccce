import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import {
  parseTenantId,
  type AccountFacts,
  type Customer,
  type Dispute,
  type Invoice,
  type PaymentAttempt,
  type Subscription,
  type TenantId,
} from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { CollectionsStore, EntityCounts, ImportOutcome, Lined } from '../src/ports/store';

type Engine = { name: string; open: () => Promise<CollectionsStore> };

const databaseUrl = process.env.DATABASE_URL;
const engines: Engine[] = [{ name: 'pglite', open: () => createPgliteStore() }];
if (databaseUrl !== undefined && databaseUrl !== '') {
  engines.push({ name: 'postgres', open: () => createPostgresStore({ connectionString: databaseUrl }) });
}

function newTenant(): TenantId {
  const tenant = parseTenantId(`t-${randomUUID()}`);
  if (tenant === undefined) throw new Error('generated tenant id is invalid');
  return tenant;
}

const date = (text: string): CalendarDate => text as CalendarDate;
const currency = (code: string): CurrencyCode => code as CurrencyCode;

function customer(customerId: string, overrides: Partial<Customer> = {}): Customer {
  return {
    customerId,
    name: `Company ${customerId}`,
    segment: 'mid-market',
    owner: 'ana@example.com',
    paymentTerms: 'net_30',
    country: 'DE',
    crmCompanyId: `hs-${customerId}`,
    createdOn: date('2023-01-15'),
    employees: 240,
    fundingStage: 'series_b',
    ...overrides,
  };
}

function bareCustomer(customerId: string): Customer {
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

function invoice(invoiceId: string, customerId: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId,
    customerId,
    currency: currency('USD'),
    amountMinor: 120_000,
    issuedOn: date('2024-01-01'),
    dueOn: date('2024-01-31'),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
    ...overrides,
  };
}

function payment(
  paymentId: string,
  invoiceId: string,
  overrides: Partial<PaymentAttempt> = {},
): PaymentAttempt {
  return {
    paymentId,
    invoiceId,
    currency: currency('USD'),
    amountMinor: 120_000,
    attemptedOn: date('2024-01-31'),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
    ...overrides,
  };
}

function subscription(
  subscriptionId: string,
  customerId: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    subscriptionId,
    customerId,
    plan: 'pro',
    currency: currency('USD'),
    amountMinor: 120_000,
    interval: 'month',
    startedOn: date('2023-02-01'),
    renewsOn: date('2025-02-01'),
    status: 'active',
    canceledOn: null,
    ...overrides,
  };
}

function dispute(disputeId: string, invoiceId: string, overrides: Partial<Dispute> = {}): Dispute {
  return {
    disputeId,
    invoiceId,
    openedOn: date('2024-02-10'),
    resolvedOn: null,
    reason: 'product_not_received',
    amountMinor: null,
    outcome: null,
    ...overrides,
  };
}

type Dataset = {
  customers?: Customer[];
  subscriptions?: Subscription[];
  invoices?: Invoice[];
  payments?: PaymentAttempt[];
  disputes?: Dispute[];
};

/** Line numbers as a CSV file would give them: the header is line 1. */
function lined<T>(rows: readonly T[] = []): Lined<T>[] {
  return rows.map((row, index) => ({ line: index + 2, row }));
}

async function stageAll(store: CollectionsStore, tenant: TenantId, data: Dataset) {
  const session = await store.beginImport(tenant);
  await session.stageCustomers(lined(data.customers));
  await session.stageSubscriptions(lined(data.subscriptions));
  await session.stageInvoices(lined(data.invoices));
  await session.stagePayments(lined(data.payments));
  await session.stageDisputes(lined(data.disputes));
  return session;
}

async function importData(store: CollectionsStore, tenant: TenantId, data: Dataset): Promise<ImportOutcome> {
  const session = await stageAll(store, tenant, data);
  expect(await session.findReferenceProblems(100)).toEqual([]);
  return session.commit();
}

async function collect(iterable: AsyncIterable<AccountFacts>): Promise<AccountFacts[]> {
  const all: AccountFacts[] = [];
  for await (const facts of iterable) all.push(facts);
  return all;
}

const ZERO: EntityCounts = { customers: 0, invoices: 0, payments: 0, subscriptions: 0, disputes: 0 };

/** Two customers with every kind of row, amounts in currencies with 0, 2 and 3 decimals. */
function sampleDataset(): Dataset {
  return {
    customers: [customer('C-1'), customer('C-2', { country: 'JP', paymentTerms: null, createdOn: null })],
    subscriptions: [subscription('S-1', 'C-1')],
    invoices: [
      invoice('INV-1', 'C-1', { subscriptionId: 'S-1', paidOn: date('2024-01-31') }),
      invoice('INV-2', 'C-1', {
        currency: currency('KWD'),
        amountMinor: 1_234_567,
        issuedOn: date('2024-02-29'),
        dueOn: date('2024-03-01'),
      }),
      invoice('INV-3', 'C-2', {
        currency: currency('JPY'),
        amountMinor: 9_876_543_210,
        issuedOn: date('1999-12-31'),
        dueOn: date('2000-01-01'),
        voidedOn: date('2000-01-01'),
      }),
    ],
    payments: [
      payment('P-1', 'INV-1'),
      payment('P-2', 'INV-2', {
        currency: currency('KWD'),
        amountMinor: 1_000,
        status: 'failed',
        declineCode: 'insufficient_funds',
        attemptedOn: date('2024-03-01'),
      }),
    ],
    disputes: [
      dispute('D-1', 'INV-3', { amountMinor: 5_000_000_000, outcome: 'won', resolvedOn: date('2000-02-01') }),
    ],
  };
}

describe.each(engines)('CollectionsStore contract on $name', ({ name, open }) => {
  let store: CollectionsStore;
  const originalTz = process.env.TZ;

  beforeAll(async () => {
    // A zone west of UTC: a date that went through a Date object would come back a day early.
    process.env.TZ = 'America/Los_Angeles';
    store = await open();
    await store.migrate();
    await store.migrate();
  });

  afterAll(async () => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
    await store?.close();
  });

  it('reports its engine and answers ping', async () => {
    expect(store.kind).toBe(name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('migrates idempotently, also when several migrations run at once', async () => {
    const tenant = newTenant();
    await importData(store, tenant, sampleDataset());
    // On PostgreSQL a second pool migrates the same database; on PGlite it is a second, fresh database.
    const second = await open();
    try {
      await Promise.all([store.migrate(), second.migrate(), store.migrate(), second.migrate()]);
      expect(await second.counts(newTenant())).toEqual(ZERO);
    } finally {
      await second.close();
    }
    expect(await store.counts(tenant)).toEqual({
      customers: 2,
      invoices: 3,
      payments: 2,
      subscriptions: 1,
      disputes: 1,
    });
  });

  it('commits an import: everything inserted, counted and listed', async () => {
    const tenant = newTenant();
    const outcome = await importData(store, tenant, sampleDataset());
    const expected = { customers: 2, invoices: 3, payments: 2, subscriptions: 1, disputes: 1 };
    expect(outcome).toEqual({ inserted: expected, updated: ZERO, createdCustomers: 0 });
    expect(await store.counts(tenant)).toEqual(expected);
    expect(await store.listTenants()).toContain(tenant);
  });

  it('re-imports the same data without changing anything, and counts real changes as updates', async () => {
    const tenant = newTenant();
    const data = sampleDataset();
    await importData(store, tenant, data);
    const before = await store.counts(tenant);

    expect(await importData(store, tenant, data)).toEqual({
      inserted: ZERO,
      updated: ZERO,
      createdCustomers: 0,
    });
    expect(await store.counts(tenant)).toEqual(before);

    const changed: Dataset = {
      ...data,
      invoices: (data.invoices ?? []).map((row) =>
        row.invoiceId === 'INV-1' ? { ...row, amountMinor: 130_000, paidOn: null } : row,
      ),
      customers: [...(data.customers ?? []), customer('C-3')],
    };
    expect(await importData(store, tenant, changed)).toEqual({
      inserted: { ...ZERO, customers: 1 },
      updated: { ...ZERO, invoices: 1 },
      createdCustomers: 0,
    });
    expect(await store.counts(tenant)).toEqual({ ...before, customers: before.customers + 1 });
    const facts = await store.getAccountFacts(tenant, 'C-1');
    expect(facts?.invoices.find((row) => row.invoiceId === 'INV-1')).toMatchObject({
      amountMinor: 130_000,
      paidOn: null,
    });
  });

  it('rolls back: nothing is stored and the session is closed', async () => {
    const tenant = newTenant();
    const session = await stageAll(store, tenant, sampleDataset());
    expect(await session.invoiceCurrencies(['INV-2', 'INV-3'])).toEqual(
      new Map([
        ['INV-2', 'KWD'],
        ['INV-3', 'JPY'],
      ]),
    );
    await session.rollback();
    await session.rollback();
    await expect(session.stageInvoices(lined([invoice('INV-9', 'C-1')]))).rejects.toThrow('ended');
    await expect(session.commit()).rejects.toThrow('ended');
    expect(await store.counts(tenant)).toEqual(ZERO);
    expect(await store.listTenants()).not.toContain(tenant);
    expect(await store.getAccountFacts(tenant, 'C-1')).toBeUndefined();
  });

  it('ends a session whose statement fails and frees its connection', async () => {
    const tenant = newTenant();
    // More failures than the node-postgres pool has connections: a leaked connection would hang here.
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const session = await store.beginImport(tenant);
      await expect(
        session.stageInvoices(lined([invoice('INV-1', 'C-1', { issuedOn: date('2024-02-30') })])),
      ).rejects.toThrow();
      await expect(session.commit()).rejects.toThrow('ended');
      await session.rollback();
    }
    expect(await store.counts(tenant)).toEqual(ZERO);
  });

  it('cannot be committed twice; rollback after commit does nothing', async () => {
    const tenant = newTenant();
    const session = await stageAll(store, tenant, { invoices: [invoice('INV-1', 'C-1')] });
    await session.commit();
    await session.rollback();
    await expect(session.commit()).rejects.toThrow('ended');
    expect((await store.counts(tenant)).invoices).toBe(1);
  });

  it('finds reference problems with their file, line and column', async () => {
    const tenant = newTenant();
    await importData(store, tenant, {
      customers: [customer('C-1'), customer('C-2')],
      invoices: [invoice('INV-STORED', 'C-1', { currency: currency('EUR'), amountMinor: 500 })],
    });

    const session = await stageAll(store, tenant, {
      customers: [customer('C-1'), customer('C-2'), customer('C-1')],
      invoices: [
        invoice('INV-1', 'C-1'),
        invoice('INV-STORED', 'C-2', { currency: currency('EUR'), amountMinor: 500 }),
        invoice('INV-1', 'C-1'),
      ],
      payments: [
        payment('P-1', 'INV-1'),
        payment('P-2', 'INV-9'),
        payment('P-3', 'INV-STORED', { currency: currency('USD'), amountMinor: 100 }),
        payment('P-4', 'INV-STORED', { currency: currency('EUR'), amountMinor: 100 }),
        payment('P-1', 'INV-1'),
      ],
      disputes: [
        dispute('D-1', 'INV-1', { amountMinor: 120_001 }),
        dispute('D-2', 'INV-1', { amountMinor: 120_000 }),
        dispute('D-3', 'INV-404'),
        dispute('D-4', 'INV-STORED', { amountMinor: 501 }),
      ],
    });
    try {
      expect(await session.invoiceCurrencies(['INV-1', 'INV-STORED', 'INV-9'])).toEqual(
        new Map([
          ['INV-1', 'USD'],
          ['INV-STORED', 'EUR'],
        ]),
      );
      expect(await session.findReferenceProblems(100)).toEqual([
        {
          file: 'customers.csv',
          line: 4,
          column: 'customer_id',
          message: 'duplicate customer_id C-1 (first on line 2)',
        },
        {
          file: 'invoices.csv',
          line: 3,
          column: 'customer_id',
          message: 'invoice INV-STORED belongs to customer C-1; it cannot move to C-2',
        },
        {
          file: 'invoices.csv',
          line: 4,
          column: 'invoice_id',
          message: 'duplicate invoice_id INV-1 (first on line 2)',
        },
        { file: 'payments.csv', line: 3, column: 'invoice_id', message: 'unknown invoice INV-9' },
        {
          file: 'payments.csv',
          line: 4,
          column: 'currency',
          message: 'currency USD differs from invoice INV-STORED currency EUR',
        },
        {
          file: 'payments.csv',
          line: 6,
          column: 'payment_id',
          message: 'duplicate payment_id P-1 (first on line 2)',
        },
        {
          file: 'disputes.csv',
          line: 2,
          column: 'amount',
          message: 'dispute amount USD 1,200.01 is more than invoice INV-1 amount USD 1,200.00',
        },
        { file: 'disputes.csv', line: 4, column: 'invoice_id', message: 'unknown invoice INV-404' },
        {
          file: 'disputes.csv',
          line: 5,
          column: 'amount',
          message: 'dispute amount EUR 5.01 is more than invoice INV-STORED amount EUR 5.00',
        },
      ]);
      expect(await session.findReferenceProblems(2)).toHaveLength(2);
    } finally {
      await session.rollback();
    }
  });

  it('creates bare customers for ids referenced by invoices and subscriptions only', async () => {
    const tenant = newTenant();
    const outcome = await importData(store, tenant, {
      customers: [customer('C-1')],
      subscriptions: [subscription('S-1', 'C-SUB')],
      invoices: [invoice('INV-1', 'C-1'), invoice('INV-2', 'C-NEW'), invoice('INV-3', 'C-NEW')],
    });
    expect(outcome.createdCustomers).toBe(2);
    expect(outcome.inserted.customers).toBe(1);
    expect((await store.counts(tenant)).customers).toBe(3);
    expect((await store.getAccountFacts(tenant, 'C-NEW'))?.customer).toEqual(bareCustomer('C-NEW'));

    const again = await importData(store, tenant, {
      customers: [customer('C-NEW')],
      invoices: [invoice('INV-4', 'C-NEW')],
    });
    expect(again).toEqual({
      inserted: { ...ZERO, invoices: 1 },
      updated: { ...ZERO, customers: 1 },
      createdCustomers: 0,
    });
    expect((await store.getAccountFacts(tenant, 'C-NEW'))?.customer).toEqual(customer('C-NEW'));
  });

  it("keeps tenants apart: one tenant's rows are invisible to another", async () => {
    const tenantA = newTenant();
    const tenantB = newTenant();
    await importData(store, tenantA, sampleDataset());

    expect(await store.counts(tenantB)).toEqual(ZERO);
    expect(await store.getAccountFacts(tenantB, 'C-1')).toBeUndefined();
    expect(await collect(store.streamAccountFacts(tenantB))).toEqual([]);

    const session = await stageAll(store, tenantB, { payments: [payment('P-1', 'INV-1')] });
    try {
      expect(await session.invoiceCurrencies(['INV-1'])).toEqual(new Map());
      expect(await session.findReferenceProblems(10)).toEqual([
        { file: 'payments.csv', line: 2, column: 'invoice_id', message: 'unknown invoice INV-1' },
      ]);
    } finally {
      await session.rollback();
    }

    const outcome = await importData(store, tenantB, {
      customers: [customer('C-1', { name: 'Other tenant' })],
      invoices: [invoice('INV-1', 'C-1', { amountMinor: 1 })],
    });
    expect(outcome.inserted).toEqual({ ...ZERO, customers: 1, invoices: 1 });
    expect((await store.getAccountFacts(tenantA, 'C-1'))?.customer.name).toBe('Company C-1');
    expect((await store.getAccountFacts(tenantA, 'C-1'))?.invoices.map((row) => row.amountMinor)).toEqual([
      120_000, 1_234_567,
    ]);
    expect(await store.counts(tenantA)).toEqual({
      customers: 2,
      invoices: 3,
      payments: 2,
      subscriptions: 1,
      disputes: 1,
    });
    expect(await store.listTenants()).toEqual(expect.arrayContaining([tenantA, tenantB]));
  });

  it('returns exactly the imported rows: dates as YYYY-MM-DD, amounts as numbers', async () => {
    const tenant = newTenant();
    const data = sampleDataset();
    await importData(store, tenant, data);
    const [inv1, inv2, inv3] = data.invoices ?? [];
    const expected: AccountFacts[] = [
      {
        customer: customer('C-1'),
        invoices: [inv1, inv2].filter((row) => row !== undefined),
        payments: data.payments ?? [],
        subscriptions: data.subscriptions ?? [],
        disputes: [],
      },
      {
        customer: customer('C-2', { country: 'JP', paymentTerms: null, createdOn: null }),
        invoices: [inv3].filter((row) => row !== undefined),
        payments: [],
        subscriptions: [],
        disputes: data.disputes ?? [],
      },
    ];

    expect(await store.getAccountFacts(tenant, 'C-1')).toEqual(expected[0]);
    expect(await store.getAccountFacts(tenant, 'C-2')).toEqual(expected[1]);
    expect(await store.getAccountFacts(tenant, 'C-404')).toBeUndefined();
    expect(await collect(store.streamAccountFacts(tenant))).toEqual(expected);

    const jpy = (await store.getAccountFacts(tenant, 'C-2'))?.invoices[0];
    expect(typeof jpy?.amountMinor).toBe('number');
    expect(jpy?.issuedOn).toBe('1999-12-31');
  });

  it('pauses and resumes automation per account, tenant-scoped, for known customers only', async () => {
    const tenant = newTenant();
    const other = newTenant();
    await importData(store, tenant, sampleDataset());
    const pause = {
      reason: 'renewal call next week',
      until: date('2026-12-01'),
      actor: 'csm@example.com',
      startedOn: date('2026-11-02'),
    };
    expect(await store.pauseAutomation(tenant, 'C-404', pause)).toBe('unknown_customer');
    expect(await store.pauseAutomation(tenant, 'C-1', pause)).toBe('paused');
    expect(await store.getAutomationPause(tenant, 'C-1')).toEqual({
      reason: pause.reason,
      until: '2026-12-01',
    });
    expect(await store.getAutomationPause(other, 'C-1')).toBeNull();
    await store.pauseAutomation(tenant, 'C-1', {
      ...pause,
      reason: 'longer',
      until: date('2027-01-15'),
      startedOn: date('2026-11-20'),
    });
    expect([...(await store.listAutomationPauses(tenant)).entries()]).toEqual([
      ['C-1', { reason: 'longer', until: '2027-01-15' }],
    ]);
    expect((await store.listAutomationPauses(other)).size).toBe(0);
    expect(await store.resumeAutomation(tenant, 'C-1', 'csm@example.com', date('2026-12-24'))).toBe(true);
    expect(await store.resumeAutomation(tenant, 'C-1', 'csm@example.com')).toBe(false);
    expect(await store.getAutomationPause(tenant, 'C-1')).toBeNull();
    // History keeps each pause with its start and the day it was lifted (replaced, then resumed).
    expect([...(await store.listPauseHistory(tenant)).entries()]).toEqual([
      [
        'C-1',
        [
          {
            reason: 'renewal call next week',
            startedOn: '2026-11-02',
            until: '2026-12-01',
            endedOn: '2026-11-20',
          },
          { reason: 'longer', startedOn: '2026-11-20', until: '2027-01-15', endedOn: '2026-12-24' },
        ],
      ],
    ]);
    expect((await store.listPauseHistory(tenant, ['C-2'])).size).toBe(0);
    expect((await store.listPauseHistory(other)).size).toBe(0);
  });

  it('keeps billing tags from imports and CRM tags apart, and lists them merged per customer', async () => {
    const tenant = newTenant();
    await importData(store, tenant, {
      ...sampleDataset(),
      customers: [customer('C-1', { tags: ['strategic', 'public sector'] }), customer('C-2')],
    });
    expect([...(await store.listCustomerTags(tenant)).entries()]).toEqual([
      ['C-1', ['public sector', 'strategic']],
    ]);
    expect(await store.setCrmTags(tenant, 'C-2', ['strategic'])).toBe(true);
    expect(await store.setCrmTags(tenant, 'C-404', ['strategic'])).toBe(false);
    expect(await store.setCrmTags(tenant, 'C-1', ['strategic', 'renewal risk'])).toBe(true);
    const merged = await store.listCustomerTags(tenant);
    expect(merged.get('C-1')).toEqual(['public sector', 'renewal risk', 'strategic']);
    expect(merged.get('C-2')).toEqual(['strategic']);
    expect([...(await store.listCustomerTags(tenant, ['C-2'])).keys()]).toEqual(['C-2']);
    // A later import rewrites the billing tags only; the CRM's stay.
    await importData(store, tenant, { ...sampleDataset(), customers: [customer('C-1'), customer('C-2')] });
    expect((await store.listCustomerTags(tenant)).get('C-1')).toEqual(['renewal risk', 'strategic']);
    expect((await store.listCustomerTags(newTenant())).size).toBe(0);
  });

  it("keeps each tenant's CRM owner settings apart: none chosen, a property, then none on purpose", async () => {
    const tenant = newTenant();
    const other = newTenant();
    expect(await store.getCrmOwnerSettings(tenant, 'hubspot')).toBeUndefined();
    await store.saveCrmOwnerSettings(tenant, 'hubspot', { csmProperty: 'csm_owner' }, 'revops@example.com');
    expect(await store.getCrmOwnerSettings(tenant, 'hubspot')).toMatchObject({
      csmProperty: 'csm_owner',
      updatedBy: 'revops@example.com',
    });
    expect(await store.getCrmOwnerSettings(other, 'hubspot')).toBeUndefined();
    expect(await store.getCrmOwnerSettings(tenant, 'salesforce')).toBeUndefined();
    await store.saveCrmOwnerSettings(tenant, 'hubspot', { csmProperty: null }, 'admin@example.com');
    const none = await store.getCrmOwnerSettings(tenant, 'hubspot');
    expect(none).toMatchObject({ csmProperty: null, updatedBy: 'admin@example.com' });
    expect(none?.updatedAt).toBeInstanceOf(Date);
  });

  it('keeps rule sets as immutable, audited versions with one active, and rolls back', async () => {
    const tenant = newTenant();
    // Version 0, the default playbook, is active before anything is stored.
    const initial = await store.getActiveRuleSet(tenant);
    expect(initial).toMatchObject({ version: 0, active: true, source: null, createdBy: 'system' });
    expect((initial.body as { name: string }).name).toBe('Default collections playbook');
    const first = await store.activateNewRuleSet(
      tenant,
      { name: 'v1', rules: [] },
      'revops@example.com',
      'first',
      {
        source: '# first try\nname: v1\nrules: []\n',
      },
    );
    const second = await store.activateNewRuleSet(
      tenant,
      { name: 'v2', rules: [] },
      'revops@example.com',
      'tighter',
    );
    expect(first.outcome === 'activated' && second.outcome === 'activated').toBe(true);
    if (first.outcome !== 'activated' || second.outcome !== 'activated') return;
    expect([first.version.version, second.version.version]).toEqual([1, 2]);
    expect(first.version.source).toBe('# first try\nname: v1\nrules: []\n');
    expect(second.version.source).toBeNull();
    expect((await store.getActiveRuleSet(tenant)).version).toBe(2);
    expect(await store.reactivateRuleSet(tenant, 9, 'revops@example.com', 'nope')).toBeUndefined();
    const rolledBack = await store.reactivateRuleSet(tenant, 1, 'revops@example.com', 'too many tasks');
    expect(rolledBack).toMatchObject({
      version: 1,
      active: true,
      body: { name: 'v1', rules: [] },
      note: 'first',
    });
    expect((await store.listRuleSetVersions(tenant)).map((v) => [v.version, v.active, v.createdBy])).toEqual([
      [0, false, 'system'],
      [1, true, 'revops@example.com'],
      [2, false, 'revops@example.com'],
    ]);
    expect((await store.getRuleSetVersion(tenant, 2))?.body).toEqual({ name: 'v2', rules: [] });
    expect((await store.getRuleSetVersion(tenant, 1))?.source).toBe('# first try\nname: v1\nrules: []\n');
    const untouched = await store.listRuleSetVersions(newTenant());
    expect(untouched.map((v) => [v.version, v.active, v.activatedAt])).toEqual([[0, true, null]]);
    const events = await store.listEvents(tenant);
    expect(events.map((event) => [event.kind, event.subject, event.payload])).toEqual([
      ['rule_set_rolled_back', 'rule-set:1', { version: 1, note: 'too many tasks' }],
      ['rule_set_activated', 'rule-set:2', { version: 2, note: 'tighter' }],
      ['rule_set_activated', 'rule-set:1', { version: 1, note: 'first' }],
    ]);
    expect(await store.listEvents(tenant, { subject: 'rule-set:2' })).toHaveLength(1);
  });

  it('rolls back to version 0 and activates only while the version the caller saw is active', async () => {
    const tenant = newTenant();
    const first = await store.activateNewRuleSet(tenant, { name: 'v1', rules: [] }, 'ana', 'start', {
      ifActiveVersion: 0,
    });
    expect(first).toMatchObject({ outcome: 'activated', version: { version: 1, active: true } });
    const stale = await store.activateNewRuleSet(tenant, { name: 'v2', rules: [] }, 'ben', 'late', {
      ifActiveVersion: 0,
    });
    expect(stale).toEqual({ outcome: 'active_changed', active: 1 });
    expect((await store.listRuleSetVersions(tenant)).map((v) => v.version)).toEqual([0, 1]);
    const zero = await store.reactivateRuleSet(tenant, 0, 'ana', 'back to the default');
    expect(zero).toMatchObject({ version: 0, active: true, createdBy: 'system' });
    expect((zero?.body as { name: string }).name).toBe('Default collections playbook');
    expect(typeof zero?.activatedAt).toBe('string');
    expect((await store.getActiveRuleSet(tenant)).version).toBe(0);
    const next = await store.activateNewRuleSet(tenant, { name: 'v2', rules: [] }, 'ben', 'again', {
      ifActiveVersion: 0,
    });
    expect(next).toMatchObject({ outcome: 'activated', version: { version: 2 } });
  });

  it('versions term guardrails apart from rule sets, stores evidence and records acceptances once', async () => {
    const tenant = newTenant();
    await store.activateNewRuleSet(tenant, { name: 'rules', rules: [] }, 'revops@example.com', 'rules');
    const first = await store.activateNewTermGuardrails(tenant, { g: 1 }, 'revops@example.com', 'start');
    const second = await store.activateNewTermGuardrails(tenant, { g: 2 }, 'revops@example.com', 'tighter');
    expect([first.version, second.version]).toEqual([1, 2]);
    expect((await store.getActiveTermGuardrails(tenant))?.body).toEqual({ g: 2 });
    expect((await store.reactivateTermGuardrails(tenant, 1, 'revops@example.com', 'back'))?.active).toBe(
      true,
    );
    expect((await store.getActiveTermGuardrails(tenant))?.version).toBe(1);
    expect((await store.getActiveRuleSet(tenant))?.body).toEqual({ name: 'rules', rules: [] });
    expect(await store.listTermGuardrailVersions(newTenant())).toEqual([]);
    expect(
      (await store.listEvents(tenant, { subject: 'term-guardrails:1' })).map((event) => event.kind),
    ).toEqual(['term_guardrails_rolled_back', 'term_guardrails_activated']);

    expect(await store.loadTermEvidence(tenant)).toBeUndefined();
    const evidence = {
      asOf: date('2026-01-01'),
      cohorts: {},
      autopay: { invoices: 3, late: 1, daysLateWhenLate: 4 },
    };
    await store.saveTermEvidence(tenant, evidence);
    await store.saveTermEvidence(tenant, { ...evidence, asOf: date('2026-02-01') });
    expect(await store.loadTermEvidence(tenant)).toEqual({ ...evidence, asOf: '2026-02-01' });

    const acceptance = {
      recommendationId: 'rec_1:net_30',
      dealId: 'D-1',
      customerId: 'C-1',
      optionId: 'net_30',
      recommendedOptionId: 'net_45',
      guardrailVersion: 1,
      body: { option: 'net_30' },
      actor: 'ae@example.com',
    };
    expect(await store.acceptTermRecommendation(tenant, acceptance)).toBe('accepted');
    expect(await store.acceptTermRecommendation(tenant, acceptance)).toBe('already_accepted');
    const listed = await store.listTermAcceptances(tenant, { dealId: 'D-1', unsynced: true });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ ...acceptance, syncedAt: null });
    expect(await store.listTermAcceptances(newTenant())).toEqual([]);
    const [event] = await store.listEvents(tenant, { subject: 'deal:D-1' });
    expect(event).toMatchObject({
      kind: 'payment_terms_accepted',
      payload: { overridden: true, optionId: 'net_30' },
    });
  });

  it('keeps billing-source versions, links, cursors and webhook events, only newer versions claimed', async () => {
    const tenant = newTenant();
    const session = await store.beginImport(tenant);
    expect(
      [
        ...(await session.claimVersions('stripe', [
          { objectId: 'in_1', version: 2000 },
          { objectId: 'in_2', version: 2000 },
        ])),
      ].sort(),
    ).toEqual(['in_1', 'in_2']);
    await session.saveLinks('stripe', [{ sourceId: 'pi_1', invoiceId: 'in_1' }]);
    await session.saveSourceCustomers('stripe', [{ customerId: 'C-9', email: 'ap@nine.example' }]);
    await session.stageCustomers([{ line: 1, row: bareCustomer('C-9') }]);
    await session.commit({ audit: false });
    expect(await store.listEvents(tenant)).toEqual([]);

    const again = await store.beginImport(tenant);
    const claimed = await again.claimVersions('stripe', [
      { objectId: 'in_1', version: 1000 },
      { objectId: 'in_2', version: 2000 },
      { objectId: 'in_3', version: 1 },
    ]);
    expect([...claimed]).toEqual(['in_3']);
    await again.rollback();
    // A rolled-back claim leaves the stored versions as they were.
    expect(await store.getSourceVersions(tenant, 'stripe', ['in_1', 'in_3'])).toEqual(
      new Map([['in_1', 2000]]),
    );
    expect(await store.resolveSourceLinks(tenant, 'stripe', ['pi_1', 'pi_2'])).toEqual(
      new Map([['pi_1', 'in_1']]),
    );
    expect(await store.listUnmappedCustomers(tenant)).toEqual([
      { customerId: 'C-9', name: null, email: 'ap@nine.example', country: null, invoices: 0, conflict: null },
    ]);

    await store.saveSyncCursor(tenant, 'stripe', {
      kind: 'invoices',
      cursor: 'in_5',
      done: false,
      version: 9_999_999_999_999,
      records: 100,
    });
    expect(await store.getSyncCursors(tenant, 'stripe')).toEqual([
      { kind: 'invoices', cursor: 'in_5', done: false, version: 9_999_999_999_999, records: 100 },
    ]);
    await store.resetSyncCursors(tenant, 'stripe');
    expect(await store.getSyncCursors(tenant, 'stripe')).toEqual([]);

    const event = {
      eventId: 'evt_1',
      type: 'invoice.paid',
      createdMs: 1_772_000_000_000,
      body: '{"id":"evt_1"}',
    };
    expect(await store.recordWebhookEvent(tenant, 'stripe', event)).toBe('new');
    expect(await store.recordWebhookEvent(tenant, 'stripe', event)).toBe('duplicate');
    expect(await store.listPendingWebhookEvents(tenant, 'stripe', 10)).toEqual(['evt_1']);
    expect(await store.getWebhookEvent(tenant, 'stripe', 'evt_1')).toEqual({
      ...event,
      state: 'received',
      receivedAtMs: expect.any(Number),
      processedAtMs: null,
    });
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_1', 'processed');
    expect(await store.listPendingWebhookEvents(tenant, 'stripe', 10)).toEqual([]);
    expect(await store.countWebhookEvents(tenant, 'stripe')).toEqual({ processed: 1 });
    expect(await store.countWebhookEvents(newTenant(), 'stripe')).toEqual({});
  });

  it('lists failed webhook events by source and reason, with the newest of each, for one tenant only', async () => {
    const tenant = newTenant();
    const record = (source: string, eventId: string, type: string) =>
      store.recordWebhookEvent(tenant, source, { eventId, type, createdMs: 1_772_000_000_000, body: '{}' });
    await record('stripe', 'evt_a', 'customer.subscription.updated');
    await record('stripe', 'evt_b', 'invoice.paid');
    await record('stripe', 'evt_c', 'invoice.paid');
    await record('hubspot', 'hs_1', 'company.propertyChange');
    await record('stripe', 'evt_ok', 'invoice.paid');
    const version = 'unsupported_api_version: Stripe API version 2020-08-27 is not supported';
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_a', 'failed', version);
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_b', 'failed', version);
    await store.finishWebhookEvent(
      tenant,
      'stripe',
      'evt_c',
      'failed',
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
    await store.finishWebhookEvent(tenant, 'hubspot', 'hs_1', 'failed', 'unknown_portal: no installation');
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_ok', 'processed');

    const failures = await store.listWebhookFailures(tenant);
    expect(failures.map(({ source, reason, count }) => ({ source, reason, count }))).toEqual([
      { source: 'hubspot', reason: 'unknown_portal', count: 1 },
      { source: 'stripe', reason: 'processing_error', count: 1 },
      { source: 'stripe', reason: 'unsupported_api_version', count: 2 },
    ]);
    const versions = failures.find((failure) => failure.reason === 'unsupported_api_version');
    expect(versions?.latest).toEqual({
      eventId: 'evt_b',
      type: 'invoice.paid',
      error: version,
      failedAtMs: expect.any(Number),
    });
    expect(await store.listWebhookFailures(newTenant())).toEqual([]);

    // A complete read of the source after them supersedes failed events, and only those created before it.
    await store.recordWebhookEvent(tenant, 'stripe', {
      eventId: 'evt_later',
      type: 'invoice.paid',
      createdMs: 1_772_000_100_000,
      body: '{}',
    });
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_later', 'failed', version);
    expect(await store.supersedeFailedWebhookEvents(tenant, 'stripe', 1_772_000_050_000)).toBe(3);
    expect(await store.supersedeFailedWebhookEvents(newTenant(), 'stripe', 1_772_000_050_000)).toBe(0);
    expect(
      (await store.listWebhookFailures(tenant)).map(({ source, reason, count }) => ({
        source,
        reason,
        count,
      })),
    ).toEqual([
      { source: 'hubspot', reason: 'unknown_portal', count: 1 },
      { source: 'stripe', reason: 'unsupported_api_version', count: 1 },
    ]);
    expect(await store.countWebhookEvents(tenant, 'stripe')).toEqual({
      failed: 1,
      processed: 1,
      superseded: 3,
    });
  });

  it('one CRM record, one billing customer: a new second one is a problem at import, unmapped for syncs', async () => {
    const tenant = newTenant();
    await importData(store, tenant, {
      customers: [customer('C-1', { crmCompanyId: 'hs-1' }), customer('C-2', { crmCompanyId: 'hs-2' })],
    });

    const clashing = await stageAll(store, tenant, {
      customers: [
        customer('C-3', { crmCompanyId: 'hs-1' }),
        customer('C-4', { crmCompanyId: 'hs-9' }),
        customer('C-5', { crmCompanyId: 'hs-9' }),
      ],
    });
    const problems = await clashing.findReferenceProblems(100);
    await clashing.rollback();
    expect(problems).toEqual([
      {
        file: 'customers.csv',
        line: 2,
        column: 'crm_company_id',
        message: expect.stringMatching(/customer C-3 maps to CRM record hs-1, which customer C-1 is mapped/),
      },
      {
        file: 'customers.csv',
        line: 4,
        column: 'crm_company_id',
        message: expect.stringMatching(/customer C-5 maps to CRM record hs-9, which customer C-4 \(line 3\)/),
      },
    ]);

    // Keeping a mapping is no conflict, and a customer moving away frees its record in the same import.
    const moving = await stageAll(store, tenant, {
      customers: [customer('C-1', { crmCompanyId: 'hs-7' }), customer('C-2', { crmCompanyId: 'hs-1' })],
    });
    expect(await moving.findReferenceProblems(100)).toEqual([]);
    await moving.rollback();

    const synced = await stageAll(store, tenant, {
      customers: [customer('C-3', { crmCompanyId: 'hs-1' }), customer('C-6', { crmCompanyId: 'hs-6' })],
    });
    expect(await synced.unmapSharedCrmRecords()).toEqual([
      { customerId: 'C-3', crmCompanyId: 'hs-1', heldBy: 'C-1' },
    ]);
    expect(await synced.findReferenceProblems(100)).toEqual([]);
    await synced.commit({ audit: false });
    expect(await store.findCustomerIdByCrmId(tenant, 'hs-1')).toBe('C-1');
    expect(await store.findCustomerIdByCrmId(tenant, 'hs-6')).toBe('C-6');
    expect(await store.listUnmappedCustomers(tenant)).toEqual([
      expect.objectContaining({ customerId: 'C-3', conflict: { crmCompanyId: 'hs-1', heldBy: 'C-1' } }),
    ]);

    const remapped = await stageAll(store, tenant, {
      customers: [customer('C-3', { crmCompanyId: 'hs-3' })],
    });
    expect(await remapped.unmapSharedCrmRecords()).toEqual([]);
    await remapped.commit({ audit: false });
    expect(await store.listUnmappedCustomers(tenant)).toEqual([]);
    // The old reason went with the conflict: unmapped now, C-3 is so for want of a CRM id only.
    const dropped = await stageAll(store, tenant, { customers: [customer('C-3', { crmCompanyId: null })] });
    expect(await dropped.unmapSharedCrmRecords()).toEqual([]);
    await dropped.commit({ audit: false });
    expect(await store.listUnmappedCustomers(tenant)).toEqual([
      expect.objectContaining({ customerId: 'C-3', conflict: null }),
    ]);
    expect(await store.listUnmappedCustomers(newTenant())).toEqual([]);
  });

  it('records planned tasks and holds once, and remembers them for the next run', async () => {
    const tenant = newTenant();
    const task = {
      actionId: 'C-1:overdue-7:-:2026-03-01',
      customerId: 'C-1',
      ruleId: 'overdue-7',
      invoiceId: null,
      plannedOn: date('2026-03-01'),
      assignee: 'finance_queue',
      title: 'Friendly reminder',
      body: '',
      dueOn: date('2026-03-03'),
      priority: 'low' as const,
      tone: 'gentle' as const,
      dunningStage: 'reminder_1',
      requireReview: false,
      reason: 'status overdue',
    };
    const planned = {
      tasks: [task],
      holds: [{ customerId: 'C-2', ruleId: 'churn', until: date('2026-03-31') }],
    };
    expect(await store.recordPlannedActions(tenant, planned, 3)).toEqual({ tasksCreated: 1, holdsSet: 1 });
    expect(await store.recordPlannedActions(tenant, { tasks: [task], holds: [] }, 3)).toEqual({
      tasksCreated: 0,
      holdsSet: 0,
    });
    const tasks = await store.listTasks(tenant, { state: 'open' });
    expect(tasks).toEqual([{ ...task, state: 'open', ruleVersion: 3, crmTaskId: null }]);
    await store.setCrmTaskIds(tenant, [{ taskId: task.actionId, crmTaskId: 'hs-task-1' }]);
    expect((await store.listTasks(tenant))[0]?.crmTaskId).toBe('hs-task-1');
    const memory = await store.getAutomationMemory(tenant, date('2026-02-01'));
    expect(memory.get('C-1')).toEqual({
      openTasks: [{ ruleId: 'overdue-7', invoiceId: null }],
      contacts: ['2026-03-01'],
      holdUntil: null,
    });
    expect(memory.get('C-2')).toEqual({ openTasks: [], contacts: [], holdUntil: '2026-03-31' });
    expect((await store.getAutomationMemory(tenant, date('2026-03-02'))).get('C-1')?.contacts).toEqual([]);
    expect(await store.listTasks(newTenant())).toEqual([]);
    expect((await store.listEvents(tenant)).map((event) => event.kind)).toEqual([
      'automation_held',
      'task_created',
    ]);
    const done = [{ taskId: task.actionId, reason: 'the account is current' }];
    expect(await store.completeTasks(tenant, done)).toBe(1);
    expect(await store.completeTasks(tenant, done)).toBe(0);
    expect(await store.listTasks(tenant, { state: 'open' })).toEqual([]);
    expect((await store.listEvents(tenant, { limit: 1 }))[0]).toMatchObject({
      kind: 'task_completed',
      subject: 'C-1',
      payload: { taskId: task.actionId, reason: 'the account is current' },
    });
  });

  it('reads the sync state, pauses and open tasks of some accounts only, when asked for those', async () => {
    const tenant = newTenant();
    await importData(store, tenant, sampleDataset());
    for (const customerId of ['C-1', 'C-2'])
      await store.pauseAutomation(tenant, customerId, {
        reason: `paused ${customerId}`,
        until: date('2026-12-01'),
        actor: 'csm@example.com',
      });
    await store.saveCrmSyncState(tenant, 'hubspot', [
      { customerId: 'C-1', crmId: 'co-1', hash: 'h-1' },
      { customerId: 'C-2', crmId: 'co-2', hash: 'h-2' },
    ]);
    const task = (customerId: string) => ({
      actionId: `${customerId}:manual`,
      customerId,
      ruleId: 'manual',
      invoiceId: null,
      plannedOn: date('2026-03-01'),
      assignee: 'csm',
      title: 'Call',
      body: '',
      dueOn: date('2026-03-03'),
      priority: 'low' as const,
      tone: 'gentle' as const,
      dunningStage: 'reminder_1',
      requireReview: false,
      reason: 'asked',
    });
    await store.recordPlannedActions(tenant, { tasks: [task('C-1'), task('C-2')], holds: [] }, 1);

    expect([...(await store.getCrmSyncState(tenant, 'hubspot', ['C-2', 'C-404'])).entries()]).toEqual([
      ['C-2', { crmId: 'co-2', hash: 'h-2' }],
    ]);
    expect((await store.getCrmSyncState(tenant, 'hubspot', [])).size).toBe(0);
    expect([...(await store.getCrmSyncState(tenant, 'hubspot')).keys()].sort()).toEqual(['C-1', 'C-2']);
    expect([...(await store.listAutomationPauses(tenant, ['C-1'])).keys()]).toEqual(['C-1']);
    expect((await store.listAutomationPauses(tenant, [])).size).toBe(0);
    expect([...(await store.listAutomationPauses(tenant)).keys()].sort()).toEqual(['C-1', 'C-2']);
    const open = (customerIds?: string[]) =>
      store.listTasks(tenant, { state: 'open', ...(customerIds === undefined ? {} : { customerIds }) });
    expect((await open(['C-2'])).map((entry) => entry.actionId)).toEqual(['C-2:manual']);
    expect(await open([])).toEqual([]);
    expect((await open()).map((entry) => entry.actionId).sort()).toEqual(['C-1:manual', 'C-2:manual']);
    const other = newTenant();
    expect((await store.getCrmSyncState(other, 'hubspot', ['C-1'])).size).toBe(0);
    expect((await store.listAutomationPauses(other, ['C-1'])).size).toBe(0);
    expect(await store.listTasks(other, { customerIds: ['C-1'] })).toEqual([]);
  });

  it('keeps precomputed cards fresh: every change that shows on a card makes it stale', async () => {
    const tenant = newTenant();
    const other = newTenant();
    const day = date('2026-03-01');
    await importData(store, tenant, sampleDataset());
    expect(await store.getAccountCardByCrmId(tenant, 'hs-nobody')).toBeUndefined();
    const first = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(first).toMatchObject({ customerId: 'C-1', card: null });
    expect((await store.listStaleAccountCards(tenant, day, 10)).sort()).toEqual(['C-1', 'C-2']);

    const versions = await store.getAccountCardVersions(tenant);
    const save = (card: unknown, version = versions.get('C-1') ?? 0) =>
      store.saveAccountCards(tenant, [{ customerId: 'C-1', version, asOf: day, card }]);
    expect(await save({ shown: 1 })).toBe(1);
    const fresh = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(fresh).toMatchObject({ customerId: 'C-1', asOf: '2026-03-01', card: { shown: 1 } });
    expect(fresh?.cardVersion).toBe(fresh?.version);
    expect(await store.listStaleAccountCards(tenant, day, 10)).toEqual(['C-2']);
    // A new day makes every card stale.
    expect((await store.listStaleAccountCards(tenant, date('2026-03-02'), 10)).sort()).toEqual([
      'C-1',
      'C-2',
    ]);
    expect(await store.getAccountCardByCrmId(other, 'hs-C-1')).toBeUndefined();
    // On a shared PostgreSQL database other runs' tenants map the same sample ids.
    expect(await store.findTenantsByCrmCompanyId('hs-C-1')).toContain(tenant);
    expect(await store.findTenantsByCrmCompanyId('hs-C-1')).not.toContain(other);

    const staleAfter = async (change: () => Promise<unknown>) => {
      const before = (await store.getAccountCardVersions(tenant)).get('C-1') ?? 0;
      await change();
      const after = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
      expect(after?.version).toBeGreaterThan(before);
      expect(after?.cardVersion).not.toBe(after?.version);
      // A card computed from the facts read before the change is not saved over it.
      expect(await save({ shown: 'old' }, before)).toBe(0);
      expect(await save({ shown: 'new' }, after?.version)).toBe(1);
    };
    const pause = { reason: 'renewal call', until: date('2026-04-01'), actor: 'csm@example.com' };
    await staleAfter(() => store.pauseAutomation(tenant, 'C-1', pause));
    await staleAfter(() => store.resumeAutomation(tenant, 'C-1', 'csm@example.com'));
    await staleAfter(() =>
      importData(store, tenant, { payments: [payment('P-late', 'INV-1', { amountMinor: 100 })] }),
    );
    await staleAfter(() => store.saveRiskModel(tenant, { version: 1 } as never));
    await staleAfter(() => store.activateNewRuleSet(tenant, { rules: [] }, 'revops@example.com', 'test'));
    expect(await store.getAccountCardByCrmId(tenant, 'hs-C-1')).toMatchObject({ card: { shown: 'new' } });

    // Another tenant's cards are untouched.
    await store.invalidateAccountCards(other, 'all');
    const untouched = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(untouched?.cardVersion).toBe(untouched?.version);
    await store.invalidateAccountCards(tenant, 'all');
    expect((await store.listStaleAccountCards(tenant, day, 10)).sort()).toEqual(['C-1', 'C-2']);
  });

  it('keeps CRM installations, sync pauses, order-safe property changes and record merges', async () => {
    const tenant = newTenant();
    const portal = String(Math.floor(Math.random() * 1e9));
    const installation = {
      tenant,
      crm: 'hubspot',
      accountId: portal,
      accessTokenEnc: 'v1:enc-access',
      refreshTokenEnc: 'v1:enc-refresh',
      expiresAt: new Date('2026-03-01T10:30:00.000Z'),
      scopes: ['crm.objects.companies.write', 'oauth'],
      installedBy: 'admin@example.com',
      instanceUrl: null,
      launchSecretEnc: null,
      syncPause: null,
    };
    await store.saveCrmInstallation(installation);
    expect(await store.getCrmInstallation('hubspot', portal)).toEqual(installation);
    expect(await store.getCrmInstallationForTenant(tenant, 'hubspot')).toEqual(installation);
    const refreshed = {
      ...installation,
      accessTokenEnc: 'v1:enc-2',
      expiresAt: new Date('2026-03-01T11:00:00Z'),
    };
    await store.saveCrmInstallation({ ...refreshed, installedBy: null });
    expect(await store.getCrmInstallation('hubspot', portal)).toEqual(refreshed);
    expect((await store.listCrmInstallations('hubspot')).map((row) => row.accountId)).toContain(portal);
    await store.setCrmSyncPause(tenant, 'hubspot', { until: '2026-03-02T00:00:00Z', reason: 'daily limit' });
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toEqual({
      until: '2026-03-02T00:00:00Z',
      reason: 'daily limit',
    });
    await store.setCrmSyncPause(tenant, 'hubspot', null);
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toBeNull();

    const change = { objectId: '101', property: 'collections_automation_paused', occurredAt: 2000 };
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', change)).toBe(true);
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', change)).toBe(false);
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', { ...change, occurredAt: 1000 })).toBe(
      false,
    );
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', { ...change, occurredAt: 3000 })).toBe(true);
    expect(await store.claimCrmPropertyChange(newTenant(), 'hubspot', change)).toBe(true);

    await importData(store, tenant, sampleDataset());
    expect(await store.remapCrmCompany(tenant, ['hs-C-1'], 'hs-kept')).toEqual(['C-1']);
    expect(await store.findCustomerIdByCrmId(tenant, 'hs-kept')).toBe('C-1');
    expect(await store.remapCrmCompany(tenant, ['hs-C-2'], null)).toEqual(['C-2']);
    expect(await store.findCustomerIdByCrmId(tenant, 'hs-C-2')).toBeUndefined();
    expect((await store.listEvents(tenant, { limit: 1 }))[0]).toMatchObject({ kind: 'crm_record_remapped' });
  });

  it('spends a launch nonce once, also when racing, per tenant, until it expires', async () => {
    const tenant = newTenant();
    const now = new Date('2026-03-01T10:00:00Z');
    const expires = new Date('2026-03-01T10:02:00Z');
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, now)).toBe(true);
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, now)).toBe(false);
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, new Date('2026-03-01T10:01:59Z'))).toBe(
      false,
    );
    expect(await store.useLaunchNonce(newTenant(), 'nonce-1', expires, now)).toBe(true);

    const racing = await Promise.all(
      Array.from({ length: 8 }, () => store.useLaunchNonce(tenant, 'nonce-2', expires, now)),
    );
    expect(racing.filter((first) => first)).toHaveLength(1);

    // Once expired a nonce is forgotten (its token is refused by then anyway).
    const later = new Date('2026-03-01T10:02:01Z');
    expect(await store.useLaunchNonce(tenant, 'nonce-1', new Date('2026-03-01T10:04:00Z'), later)).toBe(true);
    expect(await store.useLaunchNonce(tenant, 'nonce-2', new Date('2026-03-01T10:04:00Z'), later)).toBe(true);
  });

  it('spends an install state once, whichever caller asks first, until it expires', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const expires = new Date('2026-03-01T10:10:00Z');
    const nonce = `state-${newTenant()}`;
    const racing = await Promise.all(
      Array.from({ length: 8 }, () => store.useInstallState('hubspot', nonce, expires, now)),
    );
    expect(racing.filter((first) => first)).toHaveLength(1);
    expect(await store.useInstallState('hubspot', nonce, expires, now)).toBe(false);
    expect(await store.useInstallState('salesforce', nonce, expires, now)).toBe(true);
  });

  it('keeps a simulation per tenant with its progress, and leaves a finished one as it is', async () => {
    const tenant = newTenant();
    const request = { ruleSets: [{ name: 'x' }], from: '2026-01-01', to: '2026-01-31' };
    await store.createRuleSimulation(tenant, 'sim-1', request, new Date('2000-01-01T00:00:00Z'));
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      simulationId: 'sim-1',
      state: 'queued',
      request,
      accountsDone: 0,
      accountsTotal: null,
      result: null,
      error: null,
    });
    expect(await store.getRuleSimulation(newTenant(), 'sim-1')).toBeUndefined();
    await store.updateRuleSimulation(tenant, 'sim-1', {
      state: 'running',
      accountsDone: 5,
      accountsTotal: 9,
    });
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      state: 'running',
      accountsDone: 5,
      accountsTotal: 9,
    });
    await store.updateRuleSimulation(tenant, 'sim-1', {
      state: 'done',
      accountsDone: 9,
      result: { summaries: [{ tasks: 3 }] },
    });
    await store.updateRuleSimulation(tenant, 'sim-1', { state: 'failed', error: 'late' });
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      state: 'done',
      accountsDone: 9,
      accountsTotal: 9,
      result: { summaries: [{ tasks: 3 }] },
      error: null,
    });
    // Creating another drops the tenant's simulations created before the given instant.
    await store.createRuleSimulation(tenant, 'sim-2', request, new Date('2999-01-01T00:00:00Z'));
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toBeUndefined();
    expect((await store.getRuleSimulation(tenant, 'sim-2'))?.state).toBe('queued');
  });

  it('streams across page boundaries in customer id order', async () => {
    const tenant = newTenant();
    const ids = ['C-5', 'C-1', 'C-4', 'C-2', 'C-3'];
    await importData(store, tenant, {
      customers: ids.map((id) => customer(id)),
      invoices: ids.flatMap((id) => [invoice(`INV-${id}-a`, id), invoice(`INV-${id}-b`, id)]),
      payments: ids.map((id) => payment(`P-${id}`, `INV-${id}-b`)),
    });

    for (const pageSize of [1, 2, 5, 6]) {
      const all = await collect(store.streamAccountFacts(tenant, { pageSize }));
      expect(all.map((facts) => facts.customer.customerId)).toEqual(['C-1', 'C-2', 'C-3', 'C-4', 'C-5']);
      for (const facts of all) {
        const id = facts.customer.customerId;
        expect(facts.invoices.map((row) => row.invoiceId)).toEqual([`INV-${id}-a`, `INV-${id}-b`]);
        expect(facts.payments.map((row) => row.paymentId)).toEqual([`P-${id}`]);
      }
    }
    await expect(collect(store.streamAccountFacts(tenant, { pageSize: 0 }))).rejects.toThrow(RangeError);
  });
});

describe('PGlite persistence', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'collections-store-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data in its data directory across close and reopen', async () => {
    const tenant = newTenant();
    const location = path.join(dataDir, 'nested', 'db');
    const first = await createPgliteStore({ dataDir: location });
    try {
      await first.migrate();
      await importData(first, tenant, sampleDataset());
    } finally {
      await first.close();
    }

    const reopened = await createPgliteStore({ dataDir: location });
    try {
      await reopened.migrate();
      expect(await reopened.listTenants()).toEqual([tenant]);
      expect(await reopened.counts(tenant)).toEqual({
        customers: 2,
        invoices: 3,
        payments: 2,
        subscriptions: 1,
        disputes: 1,
      });
      expect((await reopened.getAccountFacts(tenant, 'C-2'))?.invoices[0]?.amountMinor).toBe(9_876_543_210);
    } finally {
      await reopened.close();
    }
  });
});
