import type { Command } from 'commander';
import type { TenantId } from '../../src/domain/model';
import { defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

const TASK_STATES = ['open', 'completed', 'canceled'] as const;
type TaskState = (typeof TASK_STATES)[number];

/** `tasks`: the collections tasks the rules recorded. */
export function registerTaskCommands(program: Command): void {
  program
    .command('tasks')
    .description(
      'collections tasks recorded by the rules (until a CRM is connected, this is where they live)',
    )
    .option('--state <state>', 'open, completed or canceled', 'open')
    .option('--account <customer_id>', 'only this account')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { state: string; account?: string; tenant?: TenantId; json: boolean }) => {
      if (!(TASK_STATES as readonly string[]).includes(options.state))
        throw new UsageError('--state must be open, completed or canceled');
      const tenant = options.tenant ?? defaultTenant();
      const tasks = await withStore((store) =>
        store.listTasks(tenant, {
          state: options.state as TaskState,
          ...(options.account ? { customerId: options.account } : {}),
        }),
      );
      print(options, { tenant, tasks }, () =>
        tasks.length === 0
          ? 'No tasks.'
          : tasks
              .map(
                (t) =>
                  `${t.dueOn}  ${t.priority.padEnd(6)} ${t.assignee.padEnd(14)} ${t.customerId.padEnd(14)} ${t.title}${t.tone ? ` [${t.tone}]` : ''}`,
              )
              .join('\n'),
      );
    });
}
