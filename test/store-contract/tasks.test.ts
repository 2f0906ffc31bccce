import type { PlannedTask } from '../../src/domain/rules/evaluate';
import type { AuditLog } from '../../src/ports/audit-log';
import type { TaskStore } from '../../src/ports/tasks';
import { date } from '../support/ledger-rows';
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

describe.each(storeEngines)('TaskStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: TaskStore;
  let setup: AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('records planned tasks and holds once, and remembers them for the next run', async () => {
    const tenant = newTenant();
    const task = {
      actionId: 'C-1:overdue-7:-:2026-03-01',
      customerId: 'C-1',
      ruleId: 'overdue-7',
      invoiceId: null,
      cause: 'account' as const,
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
    expect((await setup.listEvents(tenant)).map((event) => event.kind)).toEqual([
      'automation_held',
      'task_created',
    ]);
    const done = [{ taskId: task.actionId, reason: 'the account is current' }];
    expect(await store.completeTasks(tenant, done)).toBe(1);
    expect(await store.completeTasks(tenant, done)).toBe(0);
    expect(await store.listTasks(tenant, { state: 'open' })).toEqual([]);
    expect((await setup.listEvents(tenant, { limit: 1 }))[0]).toMatchObject({
      kind: 'task_completed',
      subject: 'C-1',
      payload: { taskId: task.actionId, reason: 'the account is current' },
    });
  });

  it('completes an open task by its CRM id once, audited with the actor', async () => {
    const tenant = newTenant();
    const task = manualTask('C-1');
    await store.recordPlannedActions(tenant, { tasks: [task], holds: [] }, null);
    await store.setCrmTaskIds(tenant, [{ taskId: task.actionId, crmTaskId: 'hs-task-9' }]);
    expect(await store.completeTaskByCrmId(newTenant(), 'hs-task-9', 'owner@example.com')).toBe(false);
    expect(await store.completeTaskByCrmId(tenant, 'hs-task-404', 'owner@example.com')).toBe(false);
    expect(await store.completeTaskByCrmId(tenant, 'hs-task-9', 'owner@example.com')).toBe(true);
    expect(await store.completeTaskByCrmId(tenant, 'hs-task-9', 'owner@example.com')).toBe(false);
    expect((await store.listTasks(tenant)).map((entry) => entry.state)).toEqual(['completed']);
    expect((await setup.listEvents(tenant, { limit: 1 }))[0]).toMatchObject({
      kind: 'task_completed',
      subject: 'C-1',
      actor: 'owner@example.com',
      payload: { taskId: task.actionId },
    });
  });
});
