import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { PlannedTask } from '../domain/rules/evaluate';

export type AutomationMemory = {
  openTasks: { ruleId: string; invoiceId: string | null }[];
  contacts: CalendarDate[];
  holdUntil: CalendarDate | null;
};

export type StoredTask = PlannedTask & {
  state: string;
  ruleVersion: number | null;
  crmTaskId: string | null;
};

/** Collections tasks and holds the rules planned, from planning through the CRM to completion. */
export interface TaskStore {
  /**
   * Records planned actions once: a task whose action id is already stored is left alone (running the
   * same day twice changes nothing). Each new task and hold is audited with its rule, version and facts.
   */
  recordPlannedActions(
    tenant: TenantId,
    planned: { tasks: PlannedTask[]; holds: { customerId: string; ruleId: string; until: CalendarDate }[] },
    ruleSetVersion: number | null,
  ): Promise<{ tasksCreated: number; holdsSet: number }>;
  /** What the evaluator needs from earlier runs, per customer. */
  getAutomationMemory(tenant: TenantId, since: CalendarDate): Promise<Map<string, AutomationMemory>>;
  listTasks(
    tenant: TenantId,
    filter?: {
      state?: 'open' | 'completed' | 'canceled';
      customerId?: string;
      /** Only these accounts' tasks. */
      customerIds?: readonly string[];
    },
  ): Promise<StoredTask[]>;

  /** Tasks now in the CRM: the id the CRM gave each. */
  setCrmTaskIds(tenant: TenantId, pairs: readonly { taskId: string; crmTaskId: string }[]): Promise<void>;
  /** Completes open tasks whose cause is resolved. Audited with the reason. */
  completeTasks(tenant: TenantId, tasks: readonly { taskId: string; reason: string }[]): Promise<number>;
  /** Completes an open task by its CRM id (done in the CRM); audited with the actor. */
  completeTaskByCrmId(tenant: TenantId, crmTaskId: string, actor: string): Promise<boolean>;
}
