/**
 * Salesforce sync against the local emulator through jsforce: a demo book of N customers, every one
 * mapped to an Account, synced with every account changed, twice: through sObject Collections (200 per
 * call) and through Bulk API 2.0 (one job). Reports API calls, time and the budget governor's count.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import { syncCrm } from '../src/use-cases/crm-sync';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { startSalesforceEmulator } from '../test/emulators/salesforce/emulator';
import { openBenchStore } from './open-store';

async function main(): Promise<void> {
  const [dataDir, customersArg = '100000'] = process.argv.slice(2);
  if (dataDir === undefined) throw new Error('usage: salesforce-child <dataDir> [customers]');
  const customers = Number(customersArg);
  const asOf = '2026-11-22' as CalendarDate;
  const tenant = 'bench-salesforce' as TenantId;
  // An Enterprise org with 1,000 licences: 100,000 + 1,000 × 1,000 requests a day.
  const sf = await startSalesforceEmulator({ dailyApiLimit: 1_100_000, bulkProcessingDelayMs: 200 });
  const store = await openBenchStore(dataDir);
  await store.migrate();

  const csv = await mkdtemp(path.join(os.tmpdir(), 'collections-bench-salesforce-'));
  const writer = await createCsvDatasetWriter(csv);
  const accounts: [string, string][] = [];
  for (const entry of generateDemoDataset({ customers, seed: 20261122, asOf })) {
    if (entry.file === 'customers.csv') {
      const customer = entry.row as Customer;
      const id = sf.createAccount({ Name: customer.name ?? customer.customerId });
      accounts.push([customer.customerId, id]);
      await writer.write({ ...entry, row: { ...customer, crmCompanyId: id } });
    } else await writer.write(entry);
  }
  await writer.close();
  const imported = await importDataset(store, createCsvDatasetReader(csv), { tenant });
  await rm(csv, { recursive: true, force: true });
  if (!imported.ok) throw new Error('import failed');
  process.stderr.write(`  imported ${customers} customers\n`);

  let used = 0;
  const run = async (label: string, bulkThreshold: number) => {
    // Every account changed since the last write.
    await store.saveCrmSyncState(
      tenant,
      'salesforce',
      accounts.map(([customerId, crmId]) => ({ customerId, crmId, hash: `stale-${label}` })),
    );
    const gateway = createSalesforceGateway({
      ...sf.connectionConfig(),
      bulkThreshold,
      bulkPollMs: 500,
      budget: {
        share: 0.5,
        orgPauseAt: 0.8,
        usedToday: async () => used,
        record: async (requests) => {
          used += requests;
        },
      },
    });
    sf.resetStats();
    const usageBefore = sf.apiUsage().used;
    const started = Date.now();
    const report = await syncCrm(store, gateway, tenant, asOf, {
      onProgress: (done) => {
        if (done % 20000 === 0) process.stderr.write(`  ${label}: ${done} accounts\n`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    const stats = sf.stats();
    return {
      path: label,
      changed: report.changed,
      written: report.written,
      failed: report.failed.length,
      apiCalls: report.apiRequests,
      apiCallsSeenBySalesforce: stats.apiUsage.used - usageBefore,
      bulkJobs: report.bulkJobs.length,
      seconds,
      stopped: report.stopped?.reason ?? null,
    };
  };
  const collections = await run('collections', Number.MAX_SAFE_INTEGER);
  const bulk = await run('bulk', 2000);
  await store.close();
  await sf.close();
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      accounts: customers,
      collections,
      bulk,
      minimumCollectionCalls: Math.ceil(customers / 200),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
