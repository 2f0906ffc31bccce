import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const TOKEN = 'pat-test';
/** The marketplace budget: 110 requests / 10 s, 11 a second. */
const BUDGET = { requests: 110, windowMs: 10000 };

describe('HubSpot sync while answers take their time (emulator latency)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let companies = 0;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: TOKEN, rateLimit: BUDGET });
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-hubspot-latency-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 1500, seed: 9, asOf: AS_OF })) {
        if (entry.file !== 'customers.csv') continue;
        const customer = entry.row as Customer;
        if (customer.crmCompanyId === null) continue;
        companies += 1;
        const id = hs.createCompany({ name: customer.name ?? customer.customerId });
        await writer.write({ ...entry, row: { ...customer, crmCompanyId: id } });
      }
      await writer.close();
      const imported = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
      if (!imported.ok) throw new Error(JSON.stringify(imported.problems.slice(0, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120000);

  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  it('keeps more write calls on their way than the old four, never more than a second of the budget', async () => {
    const gateway = createHubspotGateway({
      accessToken: TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit: BUDGET,
    });
    await gateway.ensureSchema();
    // Long enough answers that batches read while the first is on its way find it still open.
    hs.setLatency({ ms: 2000 });
    hs.resetStats();
    const report = await syncCrm(store, gateway, TENANT, AS_OF);
    const stats = hs.stats();
    expect(report.stopped).toBeNull();
    expect(report.failed).toEqual([]);
    expect(report.written).toBe(companies);
    // Every company written exactly once, in batches of 100, plus the one account-details read.
    expect(stats.writes.inputs).toBe(companies);
    expect(stats.byRoute['POST /crm/v3/objects/companies/batch/update']).toBe(Math.ceil(companies / 100));
    expect(stats.rateLimited).toBe(0);
    expect(stats.maxInFlight).toBeGreaterThan(4);
    expect(stats.maxInFlight).toBeLessThanOrEqual(11);
  }, 120000);
});
