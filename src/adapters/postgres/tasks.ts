import type { CalendarDate } from '../../domain/dates';
import type { PlannedTask } from '../../domain/rules/evaluate';
import type { AutomationMemory, StoredTask, TaskStore } from '../../ports/tasks';
import { invalidateCards } from './cards';
import type { SqlClient } from './sql-client';

type TaskRow = {
  task_id: string;
  rule_id: string;
  rule_version: number | null;
  customer_id: string;
  invoice_id: string | null;
  cause: PlannedTask['cause'];
  state: string;
  assignee: string;
  title: string;
  body: string;
  due_on: CalendarDate;
  priority: PlannedTask['priority'];
  tone: PlannedTask['tone'];
  dunning_stage: string | null;
  require_review: boolean;
  reason: string;
  planned_on: CalendarDate;
  crm_task_id: string | null;
};

export function taskStore(client: SqlClient): TaskStore {
  return {
    async recordPlannedActions(tenant, planned, ruleSetVersion) {
      return client.transaction(async (tx) => {
        let tasksCreated = 0;
        for (const task of planned.tasks) {
          const inserted = await tx.query(
            `INSERT INTO tasks (tenant_id, task_id, rule_id, rule_version, customer_id, invoice_id, state, assignee, title, body,
                                due_on, priority, tone, dunning_stage, require_review, reason, planned_on, cause)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10::date, $11, $12, $13, $14, $15, $16::date, $17)
             ON CONFLICT (tenant_id, task_id) DO NOTHING RETURNING task_id`,
            [
              tenant,
              task.actionId,
              task.ruleId,
              ruleSetVersion,
              task.customerId,
              task.invoiceId,
              task.assignee,
              task.title,
              task.body,
              task.dueOn,
              task.priority,
              task.tone,
              task.dunningStage,
              task.requireReview,
              task.reason,
              task.plannedOn,
              task.cause,
            ],
          );
          if (inserted.length === 0) continue;
          tasksCreated += 1;
          await tx.query(
            `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload) VALUES ($1, 'task_created', $2, $4, $3::jsonb)`,
            [
              tenant,
              task.customerId,
              JSON.stringify({
                taskId: task.actionId,
                ruleId: task.ruleId,
                ruleSetVersion,
                invoiceId: task.invoiceId,
                cause: task.cause,
                tone: task.tone,
                assignee: task.assignee,
                reason: task.reason,
              }),
              // A person's task is theirs in the audit log; the rest are the rules'.
              task.ruleId === 'manual' ? task.assignee : 'rules',
            ],
          );
        }
        await invalidateCards(
          tx,
          tenant,
          planned.tasks.map((task) => task.customerId),
        );
        for (const hold of planned.holds) {
          await tx.query(
            `INSERT INTO automation_holds (tenant_id, customer_id, held_until, rule_id) VALUES ($1, $2, $3::date, $4)
             ON CONFLICT (tenant_id, customer_id) DO UPDATE SET held_until = EXCLUDED.held_until, rule_id = EXCLUDED.rule_id`,
            [tenant, hold.customerId, hold.until, hold.ruleId],
          );
          await tx.query(
            `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload) VALUES ($1, 'automation_held', $2, 'rules', $3::jsonb)`,
            [
              tenant,
              hold.customerId,
              JSON.stringify({ ruleId: hold.ruleId, ruleSetVersion, until: hold.until }),
            ],
          );
        }
        return { tasksCreated, holdsSet: planned.holds.length };
      });
    },

    async getAutomationMemory(tenant, since) {
      const memory = new Map<string, AutomationMemory>();
      const entry = (customerId: string): AutomationMemory => {
        let found = memory.get(customerId);
        if (found === undefined) {
          found = { openTasks: [], contacts: [], holdUntil: null };
          memory.set(customerId, found);
        }
        return found;
      };
      const open = await client.query<{ customer_id: string; rule_id: string; invoice_id: string | null }>(
        `SELECT customer_id, rule_id, invoice_id FROM tasks WHERE tenant_id = $1 AND state = 'open'`,
        [tenant],
      );
      for (const row of open)
        entry(row.customer_id).openTasks.push({ ruleId: row.rule_id, invoiceId: row.invoice_id });
      const contacts = await client.query<{ customer_id: string; planned_on: CalendarDate }>(
        `SELECT customer_id, to_char(planned_on, 'YYYY-MM-DD') AS planned_on FROM tasks
          WHERE tenant_id = $1 AND tone IS NOT NULL AND planned_on >= $2::date`,
        [tenant, since],
      );
      for (const row of contacts) entry(row.customer_id).contacts.push(row.planned_on);
      const holds = await client.query<{ customer_id: string; held_until: CalendarDate }>(
        `SELECT customer_id, to_char(held_until, 'YYYY-MM-DD') AS held_until FROM automation_holds WHERE tenant_id = $1`,
        [tenant],
      );
      for (const row of holds) entry(row.customer_id).holdUntil = row.held_until;
      return memory;
    },

    async listTasks(tenant, filter = {}) {
      const rows = await client.query<TaskRow>(
        `SELECT task_id, rule_id, rule_version, customer_id, invoice_id, cause, state, assignee, title, body,
                to_char(due_on, 'YYYY-MM-DD') AS due_on, priority, tone, dunning_stage, require_review, reason,
                to_char(planned_on, 'YYYY-MM-DD') AS planned_on, crm_task_id
           FROM tasks
          WHERE tenant_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR customer_id = $3)
            AND ($4::text[] IS NULL OR customer_id = ANY($4::text[]))
          ORDER BY due_on, task_id`,
        [
          tenant,
          filter.state ?? null,
          filter.customerId ?? null,
          filter.customerIds === undefined ? null : [...filter.customerIds],
        ],
      );
      return rows.map((row): StoredTask => ({
        actionId: row.task_id,
        customerId: row.customer_id,
        ruleId: row.rule_id,
        ruleVersion: row.rule_version,
        invoiceId: row.invoice_id,
        cause: row.cause,
        plannedOn: row.planned_on,
        state: row.state,
        assignee: row.assignee,
        title: row.title,
        body: row.body,
        dueOn: row.due_on,
        priority: row.priority,
        tone: row.tone,
        dunningStage: row.dunning_stage,
        requireReview: row.require_review,
        reason: row.reason,
        crmTaskId: row.crm_task_id,
      }));
    },

    async setCrmTaskIds(tenant, pairs) {
      if (pairs.length === 0) return;
      await client.query(
        `UPDATE tasks t SET crm_task_id = p.crm, updated_at = now()
           FROM unnest($2::text[], $3::text[]) AS p(id, crm)
          WHERE t.tenant_id = $1 AND t.task_id = p.id`,
        [tenant, pairs.map((pair) => pair.taskId), pairs.map((pair) => pair.crmTaskId)],
      );
    },

    async completeTasks(tenant, tasks) {
      if (tasks.length === 0) return 0;
      return client.transaction(async (tx) => {
        const done = await tx.query<{ task_id: string; customer_id: string }>(
          `UPDATE tasks SET state = 'completed', updated_at = now()
            WHERE tenant_id = $1 AND task_id = ANY($2::text[]) AND state = 'open'
            RETURNING task_id, customer_id`,
          [tenant, tasks.map((task) => task.taskId)],
        );
        const reasons = new Map(tasks.map((task) => [task.taskId, task.reason]));
        for (const row of done) {
          await tx.query(
            `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload) VALUES ($1, 'task_completed', $2, 'sync', $3::jsonb)`,
            [
              tenant,
              row.customer_id,
              JSON.stringify({ taskId: row.task_id, reason: reasons.get(row.task_id) }),
            ],
          );
        }
        await invalidateCards(
          tx,
          tenant,
          done.map((row) => row.customer_id),
        );
        return done.length;
      });
    },

    async completeTaskByCrmId(tenant, crmTaskId, actor) {
      return client.transaction(async (tx) => {
        const done = await tx.query<{ task_id: string; customer_id: string }>(
          `UPDATE tasks SET state = 'completed', updated_at = now()
            WHERE tenant_id = $1 AND crm_task_id = $2 AND state = 'open'
            RETURNING task_id, customer_id`,
          [tenant, crmTaskId],
        );
        for (const row of done) {
          await tx.query(
            `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
             VALUES ($1, 'task_completed', $2, $3, $4::jsonb)`,
            [
              tenant,
              row.customer_id,
              actor,
              JSON.stringify({ taskId: row.task_id, reason: 'completed in the CRM' }),
            ],
          );
        }
        await invalidateCards(
          tx,
          tenant,
          done.map((row) => row.customer_id),
        );
        return done.length > 0;
      });
    },
  };
}
