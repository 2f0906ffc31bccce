import type { Command } from 'commander';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { todayUtc } from '../compose';
import { dateOption, defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

type PauseOptions = { reason: string; until: CalendarDate; by: string; tenant?: TenantId; json: boolean };

/** `pause` and `resume`: the per-account escape hatch from automated collections, audited. */
export function registerPauseCommands(program: Command): void {
  program
    .command('pause')
    .description('pause automated collections for one account until a date (the escape hatch); audited')
    .argument('<customer_id>', 'billing customer id')
    .requiredOption('--reason <text>', 'why, for the audit trail and the account team')
    .requiredOption('--until <date>', 'last day of the pause (YYYY-MM-DD)', dateOption)
    .option('--by <who>', 'who pauses (for the audit trail)', 'cli')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (customerId: string, options: PauseOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const reason = options.reason.trim();
      if (reason === '') throw new UsageError('--reason must not be empty');
      if (options.until < todayUtc()) throw new UsageError(`--until ${options.until} is in the past`);
      const outcome = await withStore((store) =>
        store.pauseAutomation(tenant, customerId, {
          reason,
          until: options.until,
          actor: options.by,
          startedOn: todayUtc(),
        }),
      );
      if (outcome === 'unknown_customer')
        throw new UsageError(`unknown customer ${customerId} in tenant ${tenant}`);
      print(
        options,
        { ok: true, customerId, paused: { reason, until: options.until } },
        () => `Automation paused for ${customerId} until ${options.until}.`,
      );
    });

  program
    .command('resume')
    .description('lift the automation pause of one account; audited')
    .argument('<customer_id>', 'billing customer id')
    .option('--by <who>', 'who resumes (for the audit trail)', 'cli')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (customerId: string, options: { by: string; tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const resumed = await withStore((store) =>
        store.resumeAutomation(tenant, customerId, options.by, todayUtc()),
      );
      print(options, { ok: true, customerId, resumed }, () =>
        resumed ? `Automation resumed for ${customerId}.` : `${customerId} was not paused.`,
      );
    });
}
