import type { PlannedTask } from '../../src/domain/rules/evaluate';
import type { AuditLog } from '../../src/ports/audit-log';
import type { AutomationStore } from '../../src/ports/automation';
import type { CrmSyncStore } from '../../src/ports/crm-sync';
import type { LedgerStore } from '../../src/ports/ledger';
import type { TaskStore } from '../../src/ports/tasks';
import { date, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

/** A manual task as the CRM card records one. */
function manualTask(customerId: string): PlannedTask {
  return {
    actionId: `${customerId}:manual`,
    customerId,
    ruleId: 'manual',
    invoiceId: null,
    cause: 'manual',
    plannedOn: date('2026-03-01'),
    assignee: 'csm',
    title: 'Call',
    body: '',
    dueOn: date('2026-03-03'),
    priority: 'low',
    tone: 'gentle',
    dunningStage: 'reminder_1',
    requireReview: false,
    reason: 'asked',
  };
}

describe.each(storeEngines)('CrmSyncStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CrmSyncStore;
  let setup: LedgerStore & AutomationStore & TaskStore & AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('reads the sync state, pauses and open tasks of some accounts only, when asked for those', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    for (const customerId of ['C-1', 'C-2'])
      await setup.pauseAutomation(tenant, customerId, {
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
      cause: 'manual' as const,
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
    await setup.recordPlannedActions(tenant, { tasks: [task('C-1'), task('C-2')], holds: [] }, 1);

    expect([...(await store.getCrmSyncState(tenant, 'hubspot', ['C-2', 'C-404'])).entries()]).toEqual([
      ['C-2', { crmId: 'co-2', hash: 'h-2' }],
    ]);
    expect((await store.getCrmSyncState(tenant, 'hubspot', [])).size).toBe(0);
    expect([...(await store.getCrmSyncState(tenant, 'hubspot')).keys()].sort()).toEqual(['C-1', 'C-2']);
    expect([...(await setup.listAutomationPauses(tenant, ['C-1'])).keys()]).toEqual(['C-1']);
    expect((await setup.listAutomationPauses(tenant, [])).size).toBe(0);
    expect([...(await setup.listAutomationPauses(tenant)).keys()].sort()).toEqual(['C-1', 'C-2']);
    const open = (customerIds?: string[]) =>
      setup.listTasks(tenant, { state: 'open', ...(customerIds === undefined ? {} : { customerIds }) });
    expect((await open(['C-2'])).map((entry) => entry.actionId)).toEqual(['C-2:manual']);
    expect(await open([])).toEqual([]);
    expect((await open()).map((entry) => entry.actionId).sort()).toEqual(['C-1:manual', 'C-2:manual']);
    const other = newTenant();
    expect((await store.getCrmSyncState(other, 'hubspot', ['C-1'])).size).toBe(0);
    expect((await setup.listAutomationPauses(other, ['C-1'])).size).toBe(0);
    expect(await setup.listTasks(other, { customerIds: ['C-1'] })).toEqual([]);
  });

  it('claims CRM property changes in order, and remaps the customers of a merged record', async () => {
    const tenant = newTenant();
    const change = { objectId: '101', property: 'collections_automation_paused', occurredAt: 2000 };
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', change)).toBe(true);
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', change)).toBe(false);
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', { ...change, occurredAt: 1000 })).toBe(
      false,
    );
    expect(await store.claimCrmPropertyChange(tenant, 'hubspot', { ...change, occurredAt: 3000 })).toBe(true);
    expect(await store.claimCrmPropertyChange(newTenant(), 'hubspot', change)).toBe(true);

    await importData(setup, tenant, sampleDataset());
    expect(await store.remapCrmCompany(tenant, ['hs-C-1'], 'hs-kept')).toEqual(['C-1']);
    expect(await setup.findCustomerIdByCrmId(tenant, 'hs-kept')).toBe('C-1');
    expect(await store.remapCrmCompany(tenant, ['hs-C-2'], null)).toEqual(['C-2']);
    expect(await setup.findCustomerIdByCrmId(tenant, 'hs-C-2')).toBeUndefined();
    expect((await setup.listEvents(tenant, { limit: 1 }))[0]).toMatchObject({ kind: 'crm_record_remapped' });
  });

  it('keeps one bulk write in flight per tenant and CRM, finished only by its own id', async () => {
    const tenant = newTenant();
    expect(await store.getCrmBulkJob(tenant, 'hubspot')).toBeUndefined();
    const job = {
      jobId: 'job-1',
      type: 'companies' as const,
      entries: [{ customerId: 'C-1', crmId: 'co-1', hash: 'h-1' }],
    };
    await store.saveCrmBulkJob(tenant, 'hubspot', job);
    expect(await store.getCrmBulkJob(tenant, 'hubspot')).toEqual(job);
    expect(await store.getCrmBulkJob(tenant, 'salesforce')).toBeUndefined();
    expect(await store.getCrmBulkJob(newTenant(), 'hubspot')).toBeUndefined();
    const next = { jobId: 'job-2', type: 'deals' as const, entries: [] };
    await store.saveCrmBulkJob(tenant, 'hubspot', next);
    expect(await store.getCrmBulkJob(tenant, 'hubspot')).toEqual(next);
    await store.finishCrmBulkJob(tenant, 'hubspot', 'job-1');
    expect(await store.getCrmBulkJob(tenant, 'hubspot')).toEqual(next);
    await store.finishCrmBulkJob(tenant, 'hubspot', 'job-2');
    expect(await store.getCrmBulkJob(tenant, 'hubspot')).toBeUndefined();
  });

  it('counts API requests per hour, summed from the hour a window starts in', async () => {
    const tenant = newTenant();
    await store.recordCrmApiUsage(tenant, 'hubspot', 3, new Date('2026-03-01T10:15:00Z'));
    await store.recordCrmApiUsage(tenant, 'hubspot', 4, new Date('2026-03-01T10:45:00Z'));
    await store.recordCrmApiUsage(tenant, 'hubspot', 5, new Date('2026-03-01T12:05:00Z'));
    await store.recordCrmApiUsage(tenant, 'salesforce', 7, new Date('2026-03-01T12:05:00Z'));
    const since = (crm: string, at: string) => store.crmApiUsageSince(tenant, crm, new Date(at));
    expect(await since('hubspot', '2026-03-01T10:59:00Z')).toBe(3 + 4 + 5);
    expect(await since('hubspot', '2026-03-01T11:00:00Z')).toBe(5);
    expect(await since('hubspot', '2026-03-01T13:00:00Z')).toBe(0);
    expect(await since('salesforce', '2026-03-01T00:00:00Z')).toBe(7);
    expect(await store.crmApiUsageSince(newTenant(), 'hubspot', new Date('2026-03-01T00:00:00Z'))).toBe(0);
  });

  it('keeps the accounts a sync left unfinished, and finds open tasks the CRM lacks', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    await store.markCrmSyncPending(tenant, 'hubspot', ['C-2', 'C-1', 'C-2']);
    await store.markCrmSyncPending(tenant, 'salesforce', ['C-1']);
    expect(await store.listCrmSyncPending(tenant, 'hubspot')).toEqual({
      unfinished: ['C-1', 'C-2'],
      tasksToCreate: [],
    });
    await store.clearCrmSyncPending(tenant, 'hubspot', ['C-1']);
    expect((await store.listCrmSyncPending(tenant, 'hubspot')).unfinished).toEqual(['C-2']);
    expect((await store.listCrmSyncPending(tenant, 'salesforce')).unfinished).toEqual(['C-1']);
    await setup.recordPlannedActions(
      tenant,
      { tasks: [manualTask('C-1'), manualTask('C-2')], holds: [] },
      null,
    );
    await setup.setCrmTaskIds(tenant, [{ taskId: 'C-2:manual', crmTaskId: 'hs-task-2' }]);
    expect((await store.listCrmSyncPending(tenant, 'hubspot')).tasksToCreate).toEqual(['C-1']);
    expect(await store.listCrmSyncPending(newTenant(), 'hubspot')).toEqual({
      unfinished: [],
      tasksToCreate: [],
    });
  });

  it('keeps CRM companies by domain, matched in any case; a shared domain matches none', async () => {
    const tenant = newTenant();
    expect(await store.saveCrmCompanies(tenant, [])).toBe(0);
    const companies = [
      { crmCompanyId: 'co-1', domain: 'Acme.example', name: 'Acme' },
      { crmCompanyId: 'co-2', domain: 'shared.example', name: null },
      { crmCompanyId: 'co-3', domain: 'shared.example', name: 'Also shared' },
    ];
    expect(await store.saveCrmCompanies(tenant, companies)).toBe(3);
    expect(
      await store.findCrmCompaniesByDomain(tenant, ['ACME.example', 'shared.example', 'none.example']),
    ).toEqual(new Map([['acme.example', 'co-1']]));
    await store.saveCrmCompanies(tenant, [{ crmCompanyId: 'co-3', domain: 'other.example', name: null }]);
    expect(await store.findCrmCompaniesByDomain(tenant, ['shared.example'])).toEqual(
      new Map([['shared.example', 'co-2']]),
    );
    expect((await store.findCrmCompaniesByDomain(tenant, [])).size).toBe(0);
    expect((await store.findCrmCompaniesByDomain(newTenant(), ['acme.example'])).size).toBe(0);
  });
});
