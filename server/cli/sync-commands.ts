import type { Command } from 'commander';
import { loadConfig, type Config } from '../../src/config/config';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { LockBusyError } from '../../src/ports/lock';
import { backfillBillingSource } from '../../src/use-cases/billing-sync';
import { runCrmSync, withTenantSyncLock, type CrmSyncReport } from '../../src/use-cases/crm-sync';
import { refitTenantRiskModel } from '../../src/use-cases/payment-risk';
import {
  openBillingSource,
  openCrmGateway,
  openLocks,
  openRateLimiter,
  openSalesforceGateway,
  todayUtc,
} from '../compose';
import { createProgress, type Progress } from './progress';
import {
  dateOption,
  defaultTenant,
  EXIT,
  ExitCode,
  print,
  tenantOption,
  UsageError,
  withStore,
  type Output,
} from './shared';

/** How long `collections sync` waits for a running sync of the tenant (a worker's refresh) to end. */
const SYNC_LOCK_WAIT_MS = 60000;

type Crm = 'hubspot' | 'salesforce';
type StripeBackfill = Awaited<ReturnType<typeof backfillBillingSource>>;

function renderStripeBackfill(
  report: StripeBackfill,
  tenant: TenantId,
  seconds: number,
  throttled: number,
): string {
  return [
    report.alreadyComplete
      ? `The Stripe backfill of ${tenant} was already complete (--restart reads everything again).`
      : `${report.resumed ? 'Continued' : 'Ran'} the Stripe backfill of ${tenant} in ${seconds.toFixed(1)} s:`,
    ...report.kinds.map(
      (k) =>
        `  ${k.kind.padEnd(14)} ${String(k.records).padStart(9)} records${k.done ? '' : ' (not finished)'}`,
    ),
    `  ${report.written} objects written, ${report.stale} already newer in the store, ${report.unlinked} payments not for an invoice`,
    ...(throttled > 0
      ? [`  Stripe rate-limited ${throttled} requests; they were retried after backing off`]
      : []),
    ...report.conflicts.map(
      (c) =>
        `warning: ${c.customerId} left unmapped: CRM record ${c.crmCompanyId} is customer ${c.heldBy}'s already (see \`collections unmapped\`)`,
    ),
  ].join('\n');
}

type StripeOptions = { backfill: boolean; restart: boolean; tenant?: TenantId; json: boolean };

function registerSyncStripe(sync: Command): void {
  sync
    .command('stripe')
    .description('read every customer, subscription, invoice, payment, refund and dispute from Stripe')
    .option('--backfill', 'read everything (continues an interrupted backfill where it stopped)', false)
    .option('--restart', 'forget the saved cursors and read everything again', false)
    .option('--tenant <tenant>', 'tenant the Stripe account belongs to', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: StripeOptions) => {
      if (!options.backfill && !options.restart)
        throw new UsageError(
          '--backfill: say what to do (webhooks keep Stripe data current after a backfill)',
        );
      let throttled = 0;
      const config = loadConfig();
      // Paced with every other process reading this Stripe account (through Redis when it is shared).
      const limiter = await openRateLimiter(config);
      const source = await openBillingSource(config, { onThrottled: () => (throttled += 1), limiter });
      if (source === undefined) {
        await limiter.close();
        throw new UsageError('STRIPE_SECRET_KEY: not set, so there is no Stripe account to read');
      }
      const tenant = options.tenant ?? defaultTenant();
      const progress = createProgress(!options.json, 'rows');
      const started = Date.now();
      const report = await withStore(async (store) => {
        const result = await backfillBillingSource(store, source, tenant, {
          restart: options.restart,
          match: { byEmailDomain: loadConfig().billing.matchByEmailDomain },
          onPage: ({ kind, index, of, records }) => progress.update(index, of, `${kind}: ${records} records`),
        });
        // New facts, new model: refit as an import does.
        if (result.written > 0) await refitTenantRiskModel(store, tenant, todayUtc());
        return result;
      }).finally(async () => {
        progress.stop();
        await limiter.close();
      });
      const seconds = (Date.now() - started) / 1000;
      print(options, { ...report, tenant, seconds, throttled }, () =>
        renderStripeBackfill(report, tenant, seconds, throttled),
      );
    });
}

type CrmSyncOptions = { asOf?: CalendarDate; tenant?: TenantId; json: boolean };
type CrmSyncOutcome = CrmSyncReport | { skipped: { until: string; reason: string } | null } | { busy: true };

/** One sync of the tenant to its CRM, under the per-tenant lock the jobs' sync takes too. */
async function syncTenantToCrm(
  crm: Crm,
  config: Config,
  tenant: TenantId,
  asOf: CalendarDate,
  progress: Progress,
): Promise<CrmSyncOutcome> {
  const limiter = await openRateLimiter(config);
  const locks = await openLocks(config);
  return withStore(async (store): Promise<CrmSyncOutcome> => {
    const gateway =
      crm === 'salesforce'
        ? await openSalesforceGateway(config, store, tenant, locks)
        : await openCrmGateway(config, store, tenant, limiter, locks);
    if (gateway === undefined || gateway.name !== crm)
      throw new UsageError(
        crm === 'hubspot'
          ? `${tenant}: not installed through OAuth and HUBSPOT_ACCESS_TOKEN is not set for the default tenant, so there is no portal to sync to`
          : `${tenant}: no Salesforce org is connected (GET /oauth/salesforce/install, or collections salesforce connect --jwt)`,
      );
    const total = (await store.counts(tenant)).customers;
    // A run killed part way is finished by the next one (or by the worker's refresh) without
    // creating a task twice.
    const run = await withTenantSyncLock(locks, tenant, SYNC_LOCK_WAIT_MS, () =>
      runCrmSync(store, gateway, tenant, asOf, 'all', {
        riskTiers: config.riskTiers,
        renewalWindowDays: config.renewalWindowDays,
        onProgress: (accounts) => progress.update(accounts, total, 'accounts'),
      }),
    ).catch((error: unknown) => {
      if (error instanceof LockBusyError) return { busy: true } as const;
      throw error;
    });
    return 'busy' in run ? run : (run.outcome ?? { skipped: null });
  }).finally(async () => {
    progress.stop();
    await limiter.close();
    await locks.close();
  });
}

/** Prints what a sync did; a sync that could not run or stopped part way ends with exit 3. */
function reportCrmSync(
  outcome: CrmSyncOutcome,
  options: Output,
  tenant: TenantId,
  label: string,
  seconds: number,
): void {
  if ('busy' in outcome) {
    print(
      options,
      { tenant, busy: true },
      () =>
        `Not synced: another sync of ${tenant} (a worker's refresh or another collections sync) is still running; run it again once that one is done.`,
    );
    throw new ExitCode(EXIT.incomplete);
  }
  if ('skipped' in outcome) {
    const skipped = outcome.skipped;
    print(options, { tenant, skipped }, () =>
      skipped === null
        ? `Nothing to sync for ${tenant}.`
        : `Not synced: the sync of ${tenant} is paused until ${skipped.until} (${skipped.reason}).`,
    );
    if (skipped !== null) throw new ExitCode(EXIT.incomplete);
    return;
  }
  const report = outcome;
  print(options, { ...report, tenant, seconds }, () =>
    [
      `Synced ${tenant} to ${label} in ${seconds.toFixed(1)} s: ${report.mapped} of ${report.accounts} accounts mapped, ${report.changed} changed, ${report.written} written.`,
      `  tasks: ${report.tasksCreated} created, ${report.tasksCompleted} completed, ${report.tasksReassigned} given to a new owner; ${report.apiRequests} API requests, ${report.rateLimited} rate-limited${report.bulkJobs.length > 0 ? `; bulk jobs ${report.bulkJobs.join(', ')}` : ''}`,
      ...report.failed
        .slice(0, 10)
        .map((failure) => `  failed ${failure.crmId}: ${failure.code}: ${failure.message}`),
      ...(report.stopped === null ? [] : [`  STOPPED: ${report.stopped.action} (${report.stopped.reason})`]),
    ].join('\n'),
  );
  if (report.stopped !== null) throw new ExitCode(EXIT.incomplete);
}

function registerSyncCrm(sync: Command, crm: Crm, label: string): void {
  sync
    .command(crm)
    .description(`write every mapped account's collections fields and tasks to ${label} (only what changed)`)
    .option('--as-of <date>', 'the day the status is computed for (default: today)', dateOption)
    .option('--tenant <tenant>', `tenant (the ${crm === 'hubspot' ? 'portal' : 'org'})`, tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: CrmSyncOptions) => {
      const config = loadConfig();
      const tenant = options.tenant ?? defaultTenant();
      const progress = createProgress(!options.json, 'rows');
      const started = Date.now();
      const outcome = await syncTenantToCrm(crm, config, tenant, options.asOf ?? todayUtc(), progress);
      reportCrmSync(outcome, options, tenant, label, (Date.now() - started) / 1000);
    });
}

/** `sync stripe|hubspot|salesforce`: billing data in from Stripe, collections fields out to a CRM. */
export function registerSyncCommands(program: Command): void {
  const sync = program.command('sync').description('bring billing data in from a billing system');
  registerSyncStripe(sync);
  registerSyncCrm(sync, 'hubspot', 'HubSpot');
  registerSyncCrm(sync, 'salesforce', 'Salesforce');
}
