import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import {
  createDailyRunHandler,
  DAILY_TENANT,
  enqueueDailyRun,
  type DailyRunSummary,
} from '../src/jobs/daily';
import { ACCOUNT_REFRESH } from '../src/jobs/crm-jobs';
import type { CollectionsStore } from '../src/ports/store';
import { createLoadDemoDataHandler } from '../src/jobs/load-demo-data';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';

const DAY = '2026-09-01' as CalendarDate;

describe('daily run: one job per tenant and day', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    for (const [tenant, seed] of [
      ['daily-a', 1],
      ['daily-b', 2],
    ] as const) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-daily-'));
      try {
        const writer = await createCsvDatasetWriter(dir);
        for (const entry of generateDemoDataset({ customers: 40, seed, asOf: DAY }))
          await writer.write(entry);
        await writer.close();
        const result = await importDataset(store, createCsvDatasetReader(dir), {
          tenant: tenant as TenantId,
        });
        if (!result.ok) throw new Error('import failed');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 120000);

  afterAll(() => store.close());

  it('refits risk, runs the rules and queues the refresh; a tenant failing does not stop another', async () => {
    const queue = createInProcessJobQueue({ backoffMs: () => 5 });
    const done: DailyRunSummary[] = [];
    const refreshed: string[] = [];
    const daily = createDailyRunHandler({ store, queue, onDone: (summary) => done.push(summary) });
    await queue.startWorker({
      [DAILY_TENANT]: async (payload, context) => {
        if ((payload as { tenant: string }).tenant === 'daily-broken')
          throw new Error('this tenant is broken');
        await daily(payload, context);
      },
      [ACCOUNT_REFRESH]: async (payload) => void refreshed.push((payload as { tenant: string }).tenant),
    });
    for (const tenant of ['daily-a', 'daily-broken', 'daily-b'] as TenantId[]) {
      await enqueueDailyRun(queue, tenant, DAY);
      await enqueueDailyRun(queue, tenant, DAY); // the same day again: one job
    }
    const deadline = Date.now() + 60000;
    while (done.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await queue.close();
    expect(done.map((summary) => summary.tenant).sort()).toEqual(['daily-a', 'daily-b']);
    for (const summary of done) {
      expect(summary.riskTrainingSize).toBeGreaterThan(0);
      expect(summary.tasksCreated).toBeGreaterThan(0);
      // The day's snapshot and the 11 month-ends before it, none stored yet.
      expect(summary.portfolioSnapshots).toBe(12);
    }
    expect(
      (await store.listPortfolioSnapshots('daily-a' as TenantId, [DAY])).map((snapshot) => snapshot.asOf),
    ).toEqual([DAY]);
    expect((await store.loadRiskModel('daily-a' as TenantId)) !== undefined).toBe(true);
    expect((await store.listTasks('daily-b' as TenantId, { state: 'open' })).length).toBe(
      done.find((summary) => summary.tenant === 'daily-b')?.tasksCreated,
    );
    expect((await queue.getJob(`${DAILY_TENANT}:daily-broken:${DAY}`))?.state).toBe('failed');
    expect([...new Set(refreshed)].sort()).toEqual(['daily-a', 'daily-b']);
  });

  it("reports demo data loaded only once the day's tasks exist, so the first screen is never empty", async () => {
    const tenant = 'daily-demo' as TenantId;
    let atLoaded: Promise<number> | undefined;
    let reported = -1;
    const load = createLoadDemoDataHandler(store, {
      openFolder: async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-demo-'));
        return {
          writer: await createCsvDatasetWriter(dir),
          reader: createCsvDatasetReader(dir),
          dispose: () => rm(dir, { recursive: true, force: true }),
        };
      },
      onLoaded: (_request, _invoices, tasksCreated) => {
        reported = tasksCreated;
        // Read at the moment "loaded" is reported, before anything else runs.
        atLoaded = store.listTasks(tenant, { state: 'open' }).then((tasks) => tasks.length);
      },
    });
    await load({ tenant, customers: 40, seed: 3, asOf: DAY }, {
      jobId: 'load-demo',
      attempt: 1,
    } as unknown as Parameters<typeof load>[1]);
    expect(atLoaded).toBeDefined();
    const openAtLoaded = await atLoaded;
    expect(openAtLoaded).toBeGreaterThan(0);
    expect(openAtLoaded).toBe(reported);
    expect(await store.loadRiskModel(tenant)).toBeDefined();
  }, 120000);
});
