import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import type { PlannedTask } from '../src/domain/rules/evaluate';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { diagnose } from '../src/use-cases/doctor';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { createMetrics, recordsNeedingAttentionOf } from '../server/http/metrics';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const TENANT = 'sf-owner-fallbacks' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const instant = () => Promise.resolve();

describe('Salesforce tasks whose assignee cannot be found', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  const accounts: { customerId: string; accountId: string }[] = [];
  const userId = (name: string) =>
    sf.users.find((user) => user.username === `${name}@example.com`)?.userId ?? '';

  beforeAll(async () => {
    sf = await startSalesforceEmulator({
      users: ['integration', 'ae', 'gone'].map((name) => ({ username: `${name}@example.com` })),
    });
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-owners-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 2, seed: 5, asOf: AS_OF })) {
        if (entry.file !== 'customers.csv') {
          await writer.write(entry);
          continue;
        }
        const customer = entry.row as Customer;
        const accountId = sf.createAccount({ Name: customer.name ?? customer.customerId });
        accounts.push({ customerId: customer.customerId, accountId });
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

  // Manual tasks: the sync never closes them by itself, whatever the account's status.
  const manual = (actionId: string, customerId: string, assignee: string): PlannedTask => ({
    actionId,
    customerId,
    ruleId: 'manual',
    invoiceId: null,
    cause: 'manual',
    plannedOn: AS_OF,
    assignee,
    title: `Call about ${actionId}`,
    body: '',
    dueOn: AS_OF,
    priority: 'medium',
    tone: null,
    dunningStage: null,
    requireReview: false,
    reason: 'set by hand',
  });
  const findings = async () =>
    (
      await diagnose(store, { now: new Date(), billingSources: [], requiredScopes: {}, tenants: [TENANT] })
    ).tenants[0]?.integrations
      .flatMap((integration) => integration.findings)
      .filter((finding) => finding.check === 'task_owner_fallbacks') ?? [];

  it('are listed by the doctor with the assignee, the reason and what to configure', async () => {
    const [first, second] = accounts;
    if (first === undefined || second === undefined) throw new Error('two accounts expected');
    sf.updateRecord(first.accountId, { OwnerId: userId('ae') });
    sf.updateRecord(userId('gone'), { IsActive: false });
    await store.recordPlannedActions(
      TENANT,
      {
        tasks: [
          manual('owned', first.customerId, 'account_owner'),
          manual('no-csm', first.customerId, 'csm'),
          manual('no-finance', second.customerId, 'finance_queue'),
          manual('left', second.customerId, 'user:gone@example.com'),
        ],
        holds: [],
      },
      null,
    );

    const report = await syncCrm(
      store,
      createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant, taskOwners: { csmRole: 'CSM' } }),
      TENANT,
      AS_OF,
    );

    expect(report.tasksCreated).toBe(4);
    const ownerOf = async (key: string) => {
      const task = (await store.listTasks(TENANT)).find((entry) => entry.actionId === key);
      return sf.record(task?.crmTaskId ?? '')?.fields['OwnerId'];
    };
    expect(await ownerOf('owned')).toBe(userId('ae'));
    expect(await ownerOf('left')).toBe(userId('integration'));

    const [finding, ...others] = await findings();
    expect(others).toEqual([]);
    expect(finding).toEqual(
      expect.objectContaining({ integration: 'salesforce', severity: 'warning', count: 3 }),
    );
    expect(finding?.problem).toContain(`no-csm on ${first.accountId}`);
    expect(finding?.problem).toContain(`no-finance on ${second.accountId}`);
    expect(finding?.problem).toContain(`left on ${second.accountId}`);
    expect(finding?.problem).not.toContain('owned');
    expect(finding?.fix).toContain('nobody holds `csm` on the account');
    expect(finding?.fix).toContain('`finance_queue` is not configured');
    expect(finding?.fix).toContain('set SALESFORCE_FINANCE_USER');
    expect(finding?.fix).toContain('`user:gone@example.com` is not an active user');
    // Written tasks, not refused records: the refused-records gauge leaves them out.
    const metrics = createMetrics({ recordsNeedingAttention: recordsNeedingAttentionOf(store) });
    expect(await metrics.registry.metrics()).not.toContain('collections_crm_records_need_attention{');
  });

  it('leave the list once their task is closed', async () => {
    await store.completeTasks(TENANT, [{ taskId: 'left', reason: 'done by hand' }]);

    expect((await findings())[0]?.count).toBe(2);
  });
});
