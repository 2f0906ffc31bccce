import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { readCrmCompaniesCsv } from '../../src/adapters/csv/crm-companies';
import { loadConfig } from '../../src/config/config';
import type { TenantId } from '../../src/domain/model';
import { BACKFILL_ORDER } from '../../src/ports/billing-source';
import { backfillBillingSource } from '../../src/use-cases/billing-sync';
import { refitTenantRiskModel } from '../../src/use-cases/payment-risk';
import {
  openBillingSource,
  openCrmGateway,
  openLocks,
  openRateLimiter,
  openSalesforceGateway,
  openSalesforceOAuth,
  openSecretCipher,
  salesforceJwtLogin,
  todayUtc,
} from '../compose';
import { ensureLaunchSecret, saveTokens } from '../../src/use-cases/crm-installation';
import { runCrmSync, withTenantSyncLock } from '../../src/use-cases/crm-sync';
import { LockBusyError } from '../../src/ports/lock';
import type { CalendarDate } from '../../src/domain/dates';
import { installCrmSchema } from '../../src/use-cases/crm-schema';
import { createProgress } from './progress';
import { dateOption, defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

const newLaunchSecret = () => randomBytes(32).toString('base64url');
/** How long `collections sync` waits for a running sync of the tenant (a worker's refresh) to end. */
const SYNC_LOCK_WAIT_MS = 60000;

export function registerSyncCommands(program: Command): void {
  const sync = program.command('sync').description('bring billing data in from a billing system');

  sync
    .command('stripe')
    .description('read every customer, subscription, invoice, payment, refund and dispute from Stripe')
    .option('--backfill', 'read everything (continues an interrupted backfill where it stopped)', false)
    .option('--restart', 'forget the saved cursors and read everything again', false)
    .option('--tenant <tenant>', 'tenant the Stripe account belongs to', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { backfill: boolean; restart: boolean; tenant?: TenantId; json: boolean }) => {
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
          onPage: ({ kind, records }) =>
            progress.update(
              BACKFILL_ORDER.indexOf(kind) + 1,
              BACKFILL_ORDER.length,
              `${kind}: ${records} records`,
            ),
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
        [
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
        ].join('\n'),
      );
    });

  const hubspot = program
    .command('hubspot')
    .description('the HubSpot portal: OAuth installation, or a private-app token (HUBSPOT_ACCESS_TOKEN)');
  hubspot
    .command('install')
    .description('create the collections property group and properties on companies and deals (idempotent)')
    .option('--tenant <tenant>', 'tenant (the portal)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const config = loadConfig();
      const tenant = options.tenant ?? defaultTenant();
      const limiter = await openRateLimiter(config);
      try {
        const outcome = await withStore(async (store) => {
          const gateway = await openCrmGateway(config, store, tenant, limiter);
          if (gateway === undefined)
            throw new UsageError(
              `${tenant}: not installed through OAuth (GET /oauth/hubspot/install) and HUBSPOT_ACCESS_TOKEN is not set for the default tenant`,
            );
          const installation = await store.getCrmInstallationForTenant(tenant, 'hubspot');
          if (installation === undefined)
            // Private-app mode: the installation row carries the portal's sync pause.
            await store.saveCrmInstallation({
              tenant,
              crm: 'hubspot',
              accountId: config.crm.hubspotPortalId ?? `private-app:${tenant}`,
              accessTokenEnc: null,
              refreshTokenEnc: null,
              expiresAt: null,
              scopes: [],
              installedBy: 'cli',
              syncPause: null,
            });
          return {
            result: await installCrmSchema(store, tenant, gateway),
            requests: gateway.stats().requests,
          };
        });
        const blocked = outcome.result.blocked ?? [];
        // What an admin archived is not created; the rest is, and a later install finishes the job.
        if (blocked.length > 0) process.exitCode = 3;
        print(options, { ok: blocked.length === 0, ...outcome.result, apiRequests: outcome.requests }, () =>
          [
            outcome.result.created.length === 0
              ? `Already installed: ${outcome.result.existing.length} properties and groups in place.`
              : `Created ${outcome.result.created.length} (${outcome.result.created.join(', ')}); ${outcome.result.existing.length} already there.`,
            ...blocked.map((block) => `Not created: ${block.problem}. ${block.fix}.`),
          ].join('\n'),
        );
      } finally {
        await limiter.close();
      }
    });

  const syncCrmCommand = (crm: 'hubspot' | 'salesforce', label: string) =>
    sync
      .command(crm)
      .description(
        `write every mapped account's collections fields and tasks to ${label} (only what changed)`,
      )
      .option('--as-of <date>', 'the day the status is computed for (default: today)', dateOption)
      .option('--tenant <tenant>', `tenant (the ${crm === 'hubspot' ? 'portal' : 'org'})`, tenantOption)
      .option('--json', 'print the result as JSON', false)
      .action(async (options: { asOf?: CalendarDate; tenant?: TenantId; json: boolean }) => {
        const config = loadConfig();
        const tenant = options.tenant ?? defaultTenant();
        const progress = createProgress(!options.json, 'rows');
        const started = Date.now();
        const limiter = await openRateLimiter(config);
        const locks = await openLocks(config);
        const outcome = await withStore(async (store) => {
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
          // The jobs' sync, under the same per-tenant lock: a run killed part way is finished by the
          // next one (or by the worker's refresh) without creating a task twice.
          const run = await withTenantSyncLock(locks, tenant, SYNC_LOCK_WAIT_MS, () =>
            runCrmSync(store, gateway, tenant, options.asOf ?? todayUtc(), 'all', {
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
        const seconds = (Date.now() - started) / 1000;
        if ('busy' in outcome) {
          print(
            options,
            { tenant, busy: true },
            () =>
              `Not synced: another sync of ${tenant} (a worker's refresh or another collections sync) is still running; run it again once that one is done.`,
          );
          process.exitCode = 3;
          return;
        }
        if ('skipped' in outcome) {
          const skipped = outcome.skipped;
          print(options, { tenant, skipped }, () =>
            skipped === null
              ? `Nothing to sync for ${tenant}.`
              : `Not synced: the sync of ${tenant} is paused until ${skipped.until} (${skipped.reason}).`,
          );
          if (skipped !== null) process.exitCode = 3;
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
            ...(report.stopped === null
              ? []
              : [`  STOPPED: ${report.stopped.action} (${report.stopped.reason})`]),
          ].join('\n'),
        );
        if (report.stopped !== null) process.exitCode = 3;
      });
  syncCrmCommand('hubspot', 'HubSpot');
  syncCrmCommand('salesforce', 'Salesforce');

  const salesforce = program
    .command('salesforce')
    .description('the Salesforce org: OAuth (GET /oauth/salesforce/install) or the JWT bearer flow');
  salesforce
    .command('connect')
    .description('connect an org as the integration user with the JWT bearer flow (SALESFORCE_JWT_*)')
    .option('--jwt', 'use the JWT bearer flow (the only flow a command line can run)', false)
    .option('--tenant <tenant>', 'tenant (default: the org id)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { jwt: boolean; tenant?: TenantId; json: boolean }) => {
      const config = loadConfig();
      if (!options.jwt)
        throw new UsageError('--jwt: an interactive login goes through GET /oauth/salesforce/install');
      const oauth = openSalesforceOAuth(config);
      const cipher = openSecretCipher(config);
      if (oauth === undefined || cipher === undefined)
        throw new UsageError(
          'SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set',
        );
      const tokens = await salesforceJwtLogin(config, oauth);
      const locks = await openLocks(config);
      try {
        const outcome = await withStore(async (store) => {
          const tenant =
            options.tenant ??
            (await store.getCrmInstallation('salesforce', tokens.accountId))?.tenant ??
            (tokens.accountId as TenantId);
          const installation = await saveTokens(store, cipher, 'salesforce', tokens, tenant);
          const gateway = await openSalesforceGateway(config, store, tenant, locks);
          const schema = await gateway?.ensureSchema();
          const launch = await ensureLaunchSecret(store, cipher, installation, newLaunchSecret);
          return {
            tenant,
            fields: schema?.existing.length ?? 0,
            launchSecret: launch.created ? launch.secret : null,
          };
        });
        print(
          options,
          { ok: true, org: tokens.accountId, ...outcome },
          () =>
            `Connected org ${tokens.accountId} as tenant ${outcome.tenant}; the package's ${outcome.fields} fields are in place.` +
            (outcome.launchSecret === null
              ? ''
              : `\nSet the Collections_Settings__mdt record "Default": Backend_Url__c = ${config.publicBaseUrl}, Launch_Secret__c = ${outcome.launchSecret}`),
        );
      } finally {
        await locks.close();
      }
    });

  salesforce
    .command('launch-secret')
    .description("the org's secret for the embedded views' launch tokens (for Collections_Settings__mdt)")
    .option('--tenant <tenant>', 'tenant (the org)', tenantOption)
    .option('--rotate', 'issue a new secret (the old one stops working at once)', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; rotate: boolean; json: boolean }) => {
      const config = loadConfig();
      const cipher = openSecretCipher(config);
      if (cipher === undefined) throw new UsageError('TOKEN_ENCRYPTION_KEY: not set');
      const tenant = options.tenant ?? defaultTenant();
      const result = await withStore(async (store) => {
        const installation = await store.getCrmInstallationForTenant(tenant, 'salesforce');
        if (installation === undefined) throw new UsageError(`${tenant}: no Salesforce org is connected`);
        const launch = await ensureLaunchSecret(store, cipher, installation, newLaunchSecret, {
          rotate: options.rotate,
        });
        return { org: installation.accountId, ...launch };
      });
      print(
        options,
        { tenant, ...result },
        () =>
          `Org ${result.org}: Launch_Secret__c = ${result.secret}${result.created ? ' (new)' : ''}; Backend_Url__c = ${config.publicBaseUrl}`,
      );
    });

  program
    .command('crm-companies')
    .description('load CRM companies with their web domain, to match billing customers by e-mail domain')
    .argument('<file>', 'CSV with crm_company_id, domain and optionally name')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: { tenant?: TenantId; json: boolean }) => {
      const read = await readCrmCompaniesCsv(path.resolve(file)).catch((error: unknown) => {
        throw new UsageError(
          `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      if (!read.ok)
        throw new UsageError(`${file}: nothing loaded\n${read.problems.join('\n')}`, {
          problems: read.problems,
        });
      const tenant = options.tenant ?? defaultTenant();
      const saved = await withStore((store) => store.saveCrmCompanies(tenant, read.companies));
      print(
        options,
        { ok: true, tenant, companies: saved },
        () => `Loaded ${saved} CRM companies into ${tenant}.`,
      );
    });

  program
    .command('unmapped')
    .description('billing customers not mapped to a CRM company or account (no CRM id in their metadata)')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const customers = await withStore((store) => store.listUnmappedCustomers(tenant));
      const withReasons = customers.map((c) => ({
        ...c,
        reason:
          c.conflict === null
            ? 'no CRM id in the billing metadata'
            : `conflict with customer ${c.conflict.heldBy}: CRM record ${c.conflict.crmCompanyId} is mapped to it already`,
      }));
      print(options, { tenant, count: customers.length, customers: withReasons }, () =>
        customers.length === 0
          ? 'Every customer is mapped to a CRM record.'
          : [
              `${customers.length} customers have no CRM record (set hubspot_company_id or salesforce_account_id in their Stripe metadata):`,
              ...withReasons
                .slice(0, 50)
                .map(
                  (c) =>
                    `  ${c.customerId.padEnd(20)} ${(c.name ?? '').slice(0, 30).padEnd(30)} ${(c.email ?? '').padEnd(30)} ${c.invoices} invoices` +
                    (c.conflict === null ? '' : `  ${c.reason}`),
                ),
              ...(customers.length > 50 ? [`  … and ${customers.length - 50} more (--json for all)`] : []),
            ].join('\n'),
      );
    });
}
