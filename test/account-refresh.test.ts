import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, TenantId } from '../src/domain/model';
import {
  ACCOUNT_REFRESH,
  createAccountRefreshHandler,
  enqueueAccountRefresh,
  REFRESH_WINDOW_MS,
} from '../src/jobs/crm-jobs';
import type { CrmGateway } from '../src/ports/crm-gateway';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { importDataset } from '../src/use-cases/import-dataset';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const TENANT = '4343' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const TOKEN = 'pat-refresh';
const ACCOUNTS = 520;
const BATCH_UPDATE = 'POST /crm/v3/objects/companies/batch/update';

type Row = Parameters<Awaited<ReturnType<typeof createCsvDatasetWriter>>['write']>[0];

async function importRows(store: CollectionsStore, rows: readonly Row[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-refresh-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
    if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An open invoice of 123.45 USD, due after AS_OF: the account then owes exactly that, none of it overdue. */
function openInvoice(customerId: string): Row {
  const row: Invoice = {
    invoiceId: `in_${customerId}`,
    customerId,
    currency: 'USD' as Invoice['currency'],
    amountMinor: 12345,
    issuedOn: AS_OF,
    dueOn: '2026-10-01' as CalendarDate,
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
  };
  return { file: 'invoices.csv', row };
}

/** Waits for `probe` to hold, checking every 20 ms, and fails after `limitMs` instead of hanging. */
async function until(probe: () => Promise<boolean> | boolean, what: string, limitMs = 30000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('account refresh after billing changes (in-process queue and locks, HubSpot emulator)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  const companyOf = new Map<string, string>();
  const customers: string[] = [];
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: TOKEN, rateLimit: { requests: 1000, windowMs: 10000 } });
    store = await createPgliteStore();
    await store.migrate();
    const rows: Row[] = [];
    for (let index = 1; index <= ACCOUNTS; index += 1) {
      const customerId = `cus_${String(index).padStart(4, '0')}`;
      const crmCompanyId = hs.createCompany({ name: `Company ${index}` });
      companyOf.set(customerId, crmCompanyId);
      customers.push(customerId);
      const row: Customer = {
        customerId,
        name: `Company ${index}`,
        segment: null,
        owner: null,
        paymentTerms: null,
        country: null,
        crmCompanyId,
        createdOn: null,
        employees: null,
        fundingStage: null,
      };
      rows.push({ file: 'customers.csv', row });
    }
    await importRows(store, rows);
    await gateway().ensureSchema();
    const first = await syncCrm(store, gateway(), TENANT, AS_OF);
    if (first.written !== ACCOUNTS) throw new Error(`first sync wrote ${first.written}`);
  }, 120000);

  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.close();
  });

  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  const gateway = () =>
    createHubspotGateway({
      accessToken: TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4343',
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
    });
  const owed = (customerId: string) =>
    hs.object('companies', companyOf.get(customerId) ?? '')?.properties['collections_outstanding_amount'];
  const jobIdAt = (now: number) => `${ACCOUNT_REFRESH}:${TENANT}:${Math.floor(now / REFRESH_WINDOW_MS)}`;

  /** A queue running the refresh as the worker does: shared locks, the busy case queued again. */
  async function startRefreshing(crm: CrmGateway): Promise<JobQueue> {
    const queue = createInProcessJobQueue();
    queues.push(queue);
    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => crm,
      locks: createInProcessLocks(),
      queue,
    });
    await queue.startWorker({ [ACCOUNT_REFRESH]: handler }, { concurrency: 2 });
    return queue;
  }

  it('writes an account changed while a refresh is on its way to HubSpot in the next refresh, not lost', async () => {
    const [first, second] = customers as [string, string];
    const inner = gateway();
    const sent: string[][] = [];
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reached = (): void => undefined;
    const writing = new Promise<void>((resolve) => (reached = resolve));
    // The first refresh is held at its company write, the tenant's sync lock taken, until `open()`.
    const held: CrmGateway = {
      ...inner,
      async updateRecords(type, updates) {
        sent.push(updates.map((update) => update.crmId));
        reached();
        await gate;
        return inner.updateRecords(type, updates);
      },
    };
    const queue = await startRefreshing(held);
    hs.resetStats();

    await importRows(store, [openInvoice(first)]);
    await enqueueAccountRefresh(queue, TENANT);
    await writing;
    await importRows(store, [openInvoice(second)]);
    const now = Date.now();
    await enqueueAccountRefresh(queue, TENANT, now);
    // The second change's refresh ran while the first held the tenant: it queued itself again.
    await until(async () => (await queue.getJob(jobIdAt(now)))?.state === 'completed', 'the busy refresh');
    expect(sent).toEqual([[companyOf.get(first)]]);
    expect(owed(second)).toBe('0');

    open();
    await until(() => owed(second) === '123.45', 'the second account written');
    expect(owed(first)).toBe('123.45');
    expect(sent).toEqual([[companyOf.get(first)], [companyOf.get(second)]]);
    expect(hs.stats().byRoute[BATCH_UPDATE]).toBe(2);
    // Its card is saved after the write: the refresh leaves nothing stale once it has finished.
    await until(
      async () => (await store.listStaleAccountCards(TENANT, AS_OF, 10)).length === 0,
      'the cards saved',
    );
  }, 60000);

  it('coalesces a burst of 500 changed accounts into ceil(500/100) batch writes, each account once', async () => {
    const burst = customers.slice(10, 510);
    await importRows(store, burst.map(openInvoice));
    hs.resetStats();
    const queue = createInProcessJobQueue();
    queues.push(queue);
    // One refresh asked per change, as each billing event's job does, before any refresh runs.
    const asked = new Set<string>();
    for (let index = 0; index < burst.length; index += 1) {
      const now = Date.now();
      await enqueueAccountRefresh(queue, TENANT, now);
      asked.add(jobIdAt(now));
    }
    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => gateway(),
      locks: createInProcessLocks(),
      queue,
    });
    await queue.startWorker({ [ACCOUNT_REFRESH]: handler }, { concurrency: 2 });
    await until(() => burst.every((customerId) => owed(customerId) === '123.45'), 'the burst written');
    await until(async () => {
      for (const jobId of asked) if ((await queue.getJob(jobId))?.state !== 'completed') return false;
      return true;
    }, 'every refresh asked for');
    const stats = hs.stats();
    expect(stats.byRoute[BATCH_UPDATE]).toBe(Math.ceil(500 / 100));
    expect(stats.writes.inputs).toBe(500);
    expect(stats.rateLimited).toBe(0);
    await until(
      async () => (await store.listStaleAccountCards(TENANT, AS_OF, 10)).length === 0,
      'the cards saved',
    );
  }, 60000);
});

describe('a sync whose last writes settle while it saves cards', () => {
  const ACCOUNTS_HELD = 1100;
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const rows: Row[] = [];
    for (let index = 1; index <= ACCOUNTS_HELD; index += 1) {
      const row: Customer = {
        customerId: `cus_${String(index).padStart(4, '0')}`,
        name: null,
        segment: null,
        owner: null,
        paymentTerms: null,
        country: null,
        crmCompanyId: `co-${index}`,
        createdOn: null,
        employees: null,
        fundingStage: null,
      };
      rows.push({ file: 'customers.csv', row });
    }
    await importRows(store, rows);
  }, 120000);

  afterAll(async () => {
    await store.close();
  });

  it('finishes once the writes and the card saves are answered, in whichever order they come', async () => {
    /** A promise settled from outside, and a way to know it was asked for. */
    const gate = () => {
      let open = (): void => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { opened, open };
    };
    const writes: { crmIds: string[]; answer: ReturnType<typeof gate> }[] = [];
    const crm: CrmGateway = {
      name: 'hubspot',
      batchSize: 100,
      // Every batch of the sync on its way at once: the cards are all held until the end.
      writeConcurrency: 20,
      ensureSchema: async () => ({ created: [], existing: [] }),
      async updateRecords(_type, updates) {
        const answer = gate();
        const crmIds = updates.map((update) => update.crmId);
        writes.push({ crmIds, answer });
        await answer.opened;
        return { written: crmIds, failed: [] };
      },
      createTasks: async () => ({ created: [], failed: [] }),
      completeTasks: async () => ({ written: [], failed: [] }),
      findTasks: async () => new Map(),
      stats: () => ({ requests: writes.length, rateLimited: 0, retries: 0, waitedMs: 0 }),
    };
    const firstSave = gate();
    let saves = 0;
    let settled = 0;
    // The first card save waits for `firstSave`; every write's settling is counted.
    const watched = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'saveAccountCards')
          return async (...args: Parameters<CollectionsStore['saveAccountCards']>) => {
            saves += 1;
            if (saves === 1) await firstSave.opened;
            return target.saveAccountCards(...args);
          };
        if (property === 'saveCrmSyncState')
          return async (...args: Parameters<CollectionsStore['saveCrmSyncState']>) => {
            await target.saveCrmSyncState(...args);
            settled += 1;
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });

    const sync = syncCrm(watched, crm, TENANT, AS_OF);
    await until(() => writes.length === ACCOUNTS_HELD / 100 && saves === 1, 'every write sent, a save begun');
    // All but one write answered: the sync saves the next cards, which wait for the first save.
    for (const write of writes.slice(0, -1)) write.answer.open();
    await until(() => settled === writes.length - 1, 'the answered writes settled');
    writes[writes.length - 1]?.answer.open();
    await until(() => settled === writes.length, 'the last write settled');
    firstSave.open();
    const report = await sync;
    expect(report.written).toBe(ACCOUNTS_HELD);
    expect(await store.listStaleAccountCards(TENANT, AS_OF, 10)).toEqual([]);
  }, 60000);
});
