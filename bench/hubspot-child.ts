/**
 * HubSpot sync against the local emulator at the marketplace budget (110 requests / 10 s): a demo book
 * of N customers, every one mapped to a company, synced once (every company changed) and again
 * (nothing changed). Reports API calls against ceil(N/100), the request rate against the budget, 429s,
 * and the writes of the re-sync. With a latency argument L (ms) every answer takes a seeded uniform
 * 0..2L ms (L ± L), as real HubSpot answers take hundreds of milliseconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import { syncCrm } from '../src/use-cases/crm-sync';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { startHubspotEmulator } from '../test/emulators/hubspot/emulator';
import { openBenchStore } from './open-store';

const TOKEN = 'pat-bench';
const BUDGET = { requests: 110, windowMs: 10000 };

async function main(): Promise<void> {
  const [dataDir, customersArg = '10000', latencyArg = '0'] = process.argv.slice(2);
  if (dataDir === undefined) throw new Error('usage: hubspot-child <dataDir> [customers] [latencyMs]');
  const customers = Number(customersArg);
  const latencyMs = Number(latencyArg);
  const asOf = '2026-11-22' as CalendarDate;
  const tenant = 'bench-hubspot' as TenantId;
  const hs = await startHubspotEmulator({
    accessToken: TOKEN,
    rateLimit: BUDGET,
    ...(latencyMs > 0 ? { latency: { ms: 0, jitterMs: 2 * latencyMs } } : {}),
  });
  const store = await openBenchStore(dataDir);
  await store.migrate();

  const csv = await mkdtemp(path.join(os.tmpdir(), 'collections-bench-hubspot-'));
  const writer = await createCsvDatasetWriter(csv);
  for (const entry of generateDemoDataset({ customers, seed: 20261122, asOf })) {
    if (entry.file === 'customers.csv') {
      const customer = entry.row as Customer;
      const id = hs.createCompany({ name: customer.name ?? customer.customerId });
      await writer.write({ ...entry, row: { ...customer, crmCompanyId: id } });
    } else await writer.write(entry);
  }
  await writer.close();
  const imported = await importDataset(store, createCsvDatasetReader(csv), { tenant });
  await rm(csv, { recursive: true, force: true });
  if (!imported.ok) throw new Error('import failed');
  process.stderr.write(
    `  imported ${customers} customers; syncing at ${BUDGET.requests} requests / ${BUDGET.windowMs / 1000} s\n`,
  );

  const gateway = createHubspotGateway({
    accessToken: TOKEN,
    limiter: createInProcessRateLimiter(),
    limiterKey: 'hubspot:bench',
    basePath: hs.url,
    rateLimit: BUDGET,
  });
  await gateway.ensureSchema();
  const afterInstall = gateway.stats().requests;
  hs.resetStats();
  const started = Date.now();
  const first = await syncCrm(store, gateway, tenant, asOf, {
    onProgress: (accounts) => {
      if (accounts % 10000 === 0) process.stderr.write(`  ${accounts} accounts\n`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const firstStats = hs.stats();
  hs.resetStats();
  const resyncGateway = createHubspotGateway({
    accessToken: TOKEN,
    limiter: createInProcessRateLimiter(),
    limiterKey: 'hubspot:bench',
    basePath: hs.url,
    rateLimit: BUDGET,
  });
  const resyncStarted = Date.now();
  const again = await syncCrm(store, resyncGateway, tenant, asOf);
  const resyncSeconds = (Date.now() - resyncStarted) / 1000;
  const resyncStats = hs.stats();
  await store.close();
  await hs.close();

  const calls = first.apiRequests - afterInstall;
  const boundSeconds = Math.max(0, Math.ceil(calls / BUDGET.requests) - 1) * (BUDGET.windowMs / 1000);
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      latencyMs,
      companies: first.mapped,
      changed: first.changed,
      written: first.written,
      apiCalls: calls,
      minimumCalls: Math.ceil(first.changed / 100),
      seconds,
      requestsPerSecond: calls / seconds,
      budgetPerSecond: BUDGET.requests / (BUDGET.windowMs / 1000),
      rateLimitBoundSeconds: boundSeconds,
      utilisation: calls / seconds / (BUDGET.requests / (BUDGET.windowMs / 1000)),
      ofBound: boundSeconds / seconds,
      maxInFlight: firstStats.maxInFlight,
      status429: firstStats.rateLimited,
      resync: {
        changed: again.changed,
        writes: resyncStats.writes.inputs,
        apiCalls: again.apiRequests,
        seconds: resyncSeconds,
      },
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
