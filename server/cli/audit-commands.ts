import type { Command } from 'commander';
import type { TenantId } from '../../src/domain/model';
import { defaultTenant, positiveInteger, print, tenantOption, withStore } from './shared';

type AuditOptions = { account?: string; subject?: string; limit: number; tenant?: TenantId; json: boolean };

/** `audit`: the append-only audit log. */
export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description(
      'the append-only audit log: rule sets, guardrails, pauses, tasks, accepted terms; newest first',
    )
    .option('--account <customer_id>', 'only events about this account')
    .option('--subject <subject>', 'only events about this subject, e.g. deal:D-77 or term-guardrails:2')
    .option('--limit <n>', 'at most this many events', positiveInteger(10000), 100)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: AuditOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const subject = options.subject ?? options.account;
      const events = await withStore((store) =>
        store.listEvents(tenant, {
          ...(subject ? { subject } : {}),
          limit: options.limit,
        }),
      );
      print(options, { tenant, events }, () =>
        events.length === 0
          ? 'No events.'
          : events
              .map(
                (e) =>
                  `${e.occurredAt}  ${e.kind.padEnd(22)} ${(e.subject ?? '').padEnd(16)} ${e.actor}  ${JSON.stringify(e.payload)}`,
              )
              .join('\n'),
      );
    });
}
