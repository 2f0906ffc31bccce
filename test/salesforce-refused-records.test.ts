import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { diagnose } from '../src/use-cases/doctor';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { createMetrics, recordsNeedingAttentionOf } from '../server/http/metrics';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const TENANT = 'sf-refused' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const instant = () => Promise.resolve();

describe('an account Salesforce keeps refusing with a code nobody classified', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  let refusedAccount = '';
  let refusedCustomer = '';

  beforeAll(async () => {
    sf = await startSalesforceEmulator();
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-refused-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 6, seed: 3, asOf: AS_OF })) {
        if (entry.file !== 'customers.csv') {
          await writer.write(entry);
          continue;
        }
        const customer = entry.row as Customer;
        const accountId = sf.createAccount({ Name: customer.name ?? customer.customerId });
        if (refusedAccount === '') {
          refusedAccount = accountId;
          refusedCustomer = customer.customerId;
        }
        await writer.write({ ...entry, row: { ...customer, crmCompanyId: accountId } });
      }
      await writer.close();
      const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
      if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120000);

  afterAll(async () => {
    await store.close();
    await sf.close();
  });

  const sync = (asOf = AS_OF) =>
    syncCrm(store, createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant }), TENANT, asOf);
  const doctor = async () =>
    (
      await diagnose(store, { now: new Date(), billingSources: [], requiredScopes: {}, tenants: [TENANT] })
    ).tenants[0]?.integrations.flatMap((integration) => integration.findings) ?? [];

  it('is sent three syncs in a row, then left for a person: listed by the doctor and on /metrics', async () => {
    sf.setFaults({ flowError: { recordIds: [refusedAccount] } });

    const reports = [await sync(), await sync(), await sync(), await sync()];

    expect(reports.map((report) => report.failed.map((failure) => failure.crmId))).toEqual([
      [refusedAccount],
      [refusedAccount],
      [refusedAccount],
      [],
    ]);
    expect(reports.map((report) => report.needsAttention)).toEqual([0, 0, 0, 1]);
    expect(reports[0]?.failed[0]?.code).toBe('unknown');
    expect(reports[0]?.retryLater).toEqual([]);
    expect(sf.stats().faults.flowErrors).toBe(3);

    const findings = (await doctor()).filter((finding) => finding.check === 'crm_records_need_attention');
    expect(findings).toEqual([
      expect.objectContaining({ integration: 'salesforce', severity: 'error', count: 1 }),
    ]);
    expect(findings[0]?.problem).toContain(`${refusedAccount} for ${refusedCustomer}`);
    expect(findings[0]?.problem).toContain('process failed');

    const metrics = createMetrics({ recordsNeedingAttention: recordsNeedingAttentionOf(store) });
    const text = await metrics.registry.metrics();
    expect(text).toContain(`collections_crm_records_need_attention{crm="salesforce",tenant="${TENANT}"} 1`);
  });

  it('is sent again once its values change, and leaves the list when Salesforce takes it', async () => {
    sf.clearFaults();

    const report = await sync('2026-09-02' as CalendarDate);

    expect(report.failed).toEqual([]);
    expect(sf.record(refusedAccount)?.fields['Collections_Billing_Customer_Id__c']).toBe(refusedCustomer);
    expect(await store.listCrmRecordFailures(TENANT)).toEqual([]);
    expect((await doctor()).some((finding) => finding.check === 'crm_records_need_attention')).toBe(false);
  });
});
