import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, hasBillingCredentials, loadConfig } from '../src/config/config';
import { demoModeRefusal, isDemoMode } from '../src/config/demo-mode';
import { parseTenantId, type TenantId } from '../src/domain/model';
import { createLoadDemoDataHandler, LOAD_DEMO_DATA, loadDemoDataJobId } from '../src/jobs/load-demo-data';
import { shouldLoadDemoData } from '../src/use-cases/load-demo-dataset';
import {
  demoDatasetFolders,
  doctorOptions,
  hubspotAppOptions,
  hubspotWorkflowActionOptions,
  hubspotTenantResolver,
  openBillingSource,
  openCrmGateway,
  openLocks,
  openPublicRateLimitCounter,
  openQueue,
  openRateLimiter,
  openStore,
  salesforceAppOptions,
  salesforceActionOptions,
  todayUtc,
  workspaceSessionSecret,
} from './compose';
import {
  ACCOUNT_REFRESH,
  createAccountRefreshHandler,
  createCrmEventHandler,
  CRM_EVENT,
  enqueueAccountRefresh,
  enqueueCrmEvent,
} from '../src/jobs/crm-jobs';
import {
  BILLING_EVENT,
  createBillingEventHandler,
  requeuePendingBillingEvents,
} from '../src/jobs/billing-events';
import { createHttpApp, type AppState } from './http/app';
import { createWorkerApp } from './http/worker-app';
import { createMetrics, recordsNeedingAttentionOf, syncPausesOf } from './http/metrics';
import { createDailyRunHandler, DAILY_TENANT, enqueueDailyRun } from '../src/jobs/daily';
import { createRuleSimulationHandler, RULE_SIMULATION } from '../src/jobs/rule-simulation';
import { nextTurn } from './http/simulations-api';
import type { JobHandler } from '../src/ports/queue';
import { reconcileTenant, RECONCILE_INTERVAL_MS } from '../src/jobs/reconcile';
import { createLogger, logJobFailure, redactUrl } from './logger';
import { readyLine, workspaceUrl, type DemoOutcome } from './ready-line';
import { bindHttpPort } from './http/bound-port';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { DataDirLockedError } from '../src/adapters/postgres';

type Role = 'all' | 'server' | 'worker';

const DEMO_LOAD_ATTEMPTS = 2;

/** Prints the ready line once, on standard output (logs go to standard error). */
function readyAnnouncer(url: string): (demo: DemoOutcome) => void {
  let announced = false;
  return (demo) => {
    if (announced) return;
    announced = true;
    process.stdout.write(`${readyLine(url, demo)}\n`);
  };
}

function parseRole(argv: readonly string[]): Role {
  const index = argv.indexOf('--role');
  const role = index >= 0 ? argv[index + 1] : 'all';
  if (role === 'all' || role === 'server' || role === 'worker') return role;
  throw new Error(`--role must be all, server or worker (got ${String(role)})`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const role = parseRole(process.argv.slice(2));
  // A local trial (no CRM configured) is quiet: warnings and errors only, unless LOG_LEVEL says otherwise.
  const logger = createLogger({ level: config.logLevel ?? (isDemoMode(config) ? 'warn' : 'info') });
  if (role !== 'all' && config.redisUrl === undefined) {
    // Separate processes share their jobs, rate limits and locks through Redis.
    throw new ConfigError([
      {
        variable: 'REDIS_URL',
        message: `--role ${role} runs beside other processes and needs the Redis they share`,
      },
    ]);
  }
  const runsWorker = role !== 'server';
  const runsHttp = role !== 'worker';
  // Before anything is opened: an unauthenticated admin API must never be reachable from elsewhere.
  const refusal = runsHttp ? demoModeRefusal(config) : undefined;
  if (refusal !== undefined) throw refusal;
  if (config.redisUrl !== undefined)
    logger.info(
      { redis: redactUrl(config.redisUrl), role },
      'jobs, rate limits and locks shared through Redis',
    );

  // The port first: a second start on a busy port fails here, before it touches the store.
  const http = await bindHttpPort(config.http.port, config.http.host);
  const announceReady = readyAnnouncer(workspaceUrl(config.http.host, http.port, config.publicBaseUrl));
  // Whoever can read the embedded store's lock file may hand this server an import (the CLI does).
  const importToken =
    runsHttp && config.store.kind === 'pglite' ? randomBytes(32).toString('base64url') : undefined;
  const store = await openStore(
    config,
    {
      role: role === 'worker' ? 'collections worker' : 'collections server',
      ...(importToken === undefined ? {} : { endpoint: { url: http.localUrl, token: importToken } }),
    },
    (previous) =>
      logger.warn(
        { previousPid: previous.pid, previousCommand: previous.command, since: previous.startedAt },
        'took over the store lock of a process that is no longer running',
      ),
  );
  logger.info(
    {
      store: store.kind,
      location:
        config.store.kind === 'postgres' ? redactUrl(config.store.connectionString) : config.store.dataDir,
    },
    'store ready',
  );
  const queue = await openQueue(config, (error) => logger.warn({ err: error.message }, 'job queue'));
  const metrics = createMetrics({
    deadLetters: () => queue.countDeadLetters(),
    syncPauses: syncPausesOf(store),
    recordsNeedingAttention: recordsNeedingAttentionOf(store),
    ...(config.metricsToken === undefined ? {} : { token: config.metricsToken }),
  });
  const tenant = parseTenantId(config.defaultTenant) as TenantId;
  const limiter = await openRateLimiter(config);
  const resolveTenant = hubspotTenantResolver(config, store);
  const locks = await openLocks(config);
  // Public rate limits are counted in Redis when it is shared, so N servers still mean one limit.
  const rateLimitCounter = runsHttp ? await openPublicRateLimitCounter(config) : undefined;
  const gatewayFor = (forTenant: TenantId) => openCrmGateway(config, store, forTenant, limiter, locks);
  const cardOptions = { riskTiers: config.riskTiers, renewalWindowDays: config.renewalWindowDays };
  const state: AppState = { startedAt: Date.now(), demo: { state: 'off', tenant }, shuttingDown: false };

  const handler = createLoadDemoDataHandler(
    store,
    {
      openFolder: demoDatasetFolders(),
      onLoaded: (request, invoices, tasksCreated) => {
        state.demo = { state: 'loaded', tenant: request.tenant, invoices };
        if (role === 'all') announceReady({ state: 'loaded' });
        enqueueAccountRefresh(queue, request.tenant).catch((error: unknown) =>
          // The reconciler queues the refresh when this one could not be.
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'refresh not queued'),
        );
        logger.info(
          { tenant: request.tenant, customers: request.customers, invoices, tasksCreated },
          'demo data loaded',
        );
      },
    },
    cardOptions,
  );
  const billing = await openBillingSource(config, {
    onThrottled: (waitMs) => logger.warn({ waitMs }, 'stripe rate limit: backing off'),
    limiter,
  });
  const sources = new Map(billing === undefined ? [] : [[billing.name, billing]]);
  const handlers: Record<string, JobHandler> = {
    [BILLING_EVENT]: createBillingEventHandler(
      store,
      sources,
      async (event) => {
        logger.debug(
          { tenant: event.tenant, eventId: event.eventId, outcome: event.outcome },
          'billing event applied',
        );
        for (const refused of event.refused) {
          logger.error(
            { tenant: event.tenant, source: event.source, ...refused },
            'billing event refused: kept as failed, not applied',
          );
          metrics.billingEventRefused(event.source, event.tenant, refused.code);
        }
        // Cards and CRM records follow billing changes (one refresh per tenant and time window).
        await enqueueAccountRefresh(queue, event.tenant);
      },
      {
        byEmailDomain: config.billing.matchByEmailDomain,
        onMappingConflict: (conflict) =>
          logger.warn(conflict, 'billing customer left unmapped: its CRM record has another customer'),
      },
      locks,
    ),
    [ACCOUNT_REFRESH]: createAccountRefreshHandler({
      store,
      today: () => todayUtc(),
      gatewayFor,
      cardOptions,
      locks,
      queue,
      onDone: (event) => {
        logger.info({ tenant: event.tenant, ...event.summary }, 'accounts refreshed');
        const { crm, apiRequests, rateLimited } = event.summary;
        if (typeof crm === 'string' && typeof apiRequests === 'number') {
          metrics.crmCalls(crm, event.tenant, apiRequests, Number(rateLimited ?? 0));
          metrics.crmSynced(crm, event.tenant, Date.now());
        }
      },
    }),
    [DAILY_TENANT]: createDailyRunHandler({
      store,
      queue,
      riskTiers: config.riskTiers,
      renewalWindowDays: config.renewalWindowDays,
      onDone: (summary) => logger.info(summary, 'daily run done'),
    }),
    [CRM_EVENT]: createCrmEventHandler({
      store,
      queue,
      gatewayFor,
      today: () => todayUtc(),
      ...(config.crm.hubspotAppId === undefined ? {} : { appId: config.crm.hubspotAppId }),
    }),
    [RULE_SIMULATION]: createRuleSimulationHandler({
      store,
      riskTiers: config.riskTiers,
      yieldControl: nextTurn,
    }),
    [LOAD_DEMO_DATA]: async (payload, context) => {
      state.demo = { state: 'loading', tenant };
      try {
        await handler(payload, context);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        state.demo = { state: 'failed', tenant, error: message };
        logger.error({ err: error, attempt: context.attempt }, 'demo data load failed');
        if (role === 'all' && context.attempt >= DEMO_LOAD_ATTEMPTS)
          announceReady({ state: 'failed', error: message });
        throw error;
      }
    },
  };
  if (runsWorker) {
    const instrumented: Record<string, JobHandler> = {};
    for (const [name, run] of Object.entries(handlers))
      instrumented[name] = async (payload, context) => {
        try {
          await run(payload, context);
          metrics.jobFinished(name, 'completed');
        } catch (error) {
          metrics.jobFinished(name, 'failed');
          throw error;
        }
      };
    await queue.startWorker(instrumented, {
      // Jobs mostly wait (for their batch's lock, the CRM's answers, the rate limit): four at once keep
      // a refresh from queueing behind billing events that wait for the batch before theirs.
      concurrency: 4,
      onFailure: logJobFailure(logger),
    });
  }

  const webDir = path.resolve(__dirname, '..', 'extensions', 'web', 'dist');
  const hasWeb = existsSync(path.join(webDir, 'index.html'));
  const sessionSecret = workspaceSessionSecret(config);
  const salesforceApp = salesforceAppOptions(
    config,
    gatewayFor,
    () => todayUtc(),
    hasWeb ? sessionSecret : undefined,
  );
  const app = createHttpApp({
    metrics,
    ...(rateLimitCounter === undefined ? {} : { rateLimitCounter }),
    trustProxyHops: config.trustProxyHops,
    store,
    state,
    logger,
    api: {
      signingSecret: config.crm.hubspotClientSecret,
      demo: isDemoMode(config),
      publicBaseUrl: config.publicBaseUrl,
      revopsUsers: config.revopsUsers,
      demoTenant: tenant,
      today: () => todayUtc(),
      riskTiers: config.riskTiers,
      renewalWindowDays: config.renewalWindowDays,
      promiseGraceDays: config.promiseGraceDays,
      resolveTenant,
      ...(sessionSecret === undefined ? {} : { sessionSecret }),
      queue,
      gatewayFor,
      ...(config.crm.hubspotTaskOwners.csmProperty === undefined
        ? {}
        : { defaultCsmProperty: config.crm.hubspotTaskOwners.csmProperty }),
    },
    ...(hasWeb ? { webDir } : {}),
    ...(salesforceApp === undefined
      ? {}
      : { salesforceApp, salesforceActions: salesforceActionOptions(config) }),
    ...(config.crm.hubspotClientSecret === undefined
      ? {}
      : {
          hubspotApp: hubspotAppOptions(config, store, gatewayFor, (forTenant, eventId) =>
            enqueueCrmEvent(queue, forTenant, eventId),
          ),
          workflowActions: hubspotWorkflowActionOptions(config, store, gatewayFor),
        }),
    billingWebhooks: billing === undefined ? [] : [{ source: billing, tenant, queue }],
    // The embedded queue's jobs live in this process: the CLI lists and replays its dead letters here.
    ...(importToken === undefined || config.redisUrl !== undefined ? {} : { localQueue: queue }),
    ...(importToken === undefined ? {} : { localDoctor: doctorOptions(tenant) }),
    ...(importToken === undefined
      ? {}
      : {
          localImport: {
            token: importToken,
            readDataset: createCsvDatasetReader,
            today: () => todayUtc(),
            onImported: (imported) => {
              enqueueAccountRefresh(queue, imported).catch((error: unknown) =>
                logger.warn(
                  { err: error instanceof Error ? error.message : String(error) },
                  'refresh not queued',
                ),
              );
            },
          },
        }),
  });
  if (billing !== undefined && runsWorker) {
    const requeued = await requeuePendingBillingEvents(store, queue, tenant, billing.name);
    if (requeued > 0) logger.info({ requeued }, 'billing events received before a restart queued again');
  }
  // Cards go stale at midnight and after changes: every tenant is refreshed now and every 10 minutes;
  // each tenant's daily run (risk refit, rules, refresh) is queued once a day, one job per tenant.
  const schedule = async () => {
    for (const known of await store.listTenants()) {
      await enqueueDailyRun(queue, known, todayUtc());
      await enqueueAccountRefresh(queue, known);
    }
  };
  // Work whose job was lost (Redis restarted, or down while a webhook came in) is queued again from
  // what the store says is unfinished.
  const reconcile = async () => {
    for (const known of await store.listTenants()) {
      const report = await reconcileTenant(store, queue, known, [...sources.keys()]);
      if (report.billingEvents + report.crmEvents > 0)
        logger.info(report, 'waiting webhook events queued again');
    }
  };
  let scheduleTimer: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  if (runsWorker) {
    await schedule();
    scheduleTimer = setInterval(() => {
      schedule().catch((error: unknown) =>
        logger.error({ err: error }, 'could not queue the scheduled jobs'),
      );
    }, 10 * 60000);
    scheduleTimer.unref();
    reconcileTimer = setInterval(() => {
      reconcile().catch((error: unknown) =>
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconcile failed'),
      );
    }, RECONCILE_INTERVAL_MS);
    reconcileTimer.unref();
  }
  // A worker answers only health and metrics, on its own PORT.
  const listener = runsHttp ? app : createWorkerApp({ store, state, logger, metrics });
  http.serve(listener);
  const server = http.server;
  logger.info({ url: `http://${config.http.host}:${http.port}`, role }, 'http server listening');

  if (
    runsHttp &&
    (await shouldLoadDemoData(store, tenant, config.demo.mode, hasBillingCredentials(config)))
  ) {
    const request = { tenant, customers: config.demo.customers, seed: config.demo.seed, asOf: todayUtc() };
    await queue.enqueue(LOAD_DEMO_DATA, request, {
      jobId: loadDemoDataJobId(request),
      attempts: DEMO_LOAD_ATTEMPTS,
    });
    state.demo = { state: 'queued', tenant };
    logger.info(
      { tenant, customers: request.customers, seed: request.seed },
      'demo data queued (no billing credentials)',
    );
    // The line waits for the demo book when this process loads it; a separate worker loads it otherwise.
    if (role !== 'all') announceReady({ state: 'none' });
  } else if (runsHttp) announceReady({ state: 'none' });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    state.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearInterval(scheduleTimer);
    clearInterval(reconcileTimer);
    await queue.close();
    await limiter.close();
    await locks.close();
    await rateLimitCounter?.close();
    await store.close();
    logger.info('stopped');
    logger.flush();
    process.exitCode = 0;
  };
  stopWith(shutdown);
}

/**
 * A signal that arrives while the process is still starting (its workers may already be taking jobs)
 * is held until the shutdown can run, rather than killing the process half-way through a job.
 */
let signalled: string | undefined;
let shutdownWith: ((signal: string) => Promise<void>) | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    if (shutdownWith === undefined) signalled ??= signal;
    else void shutdownWith(signal);
  });
function stopWith(shutdown: (signal: string) => Promise<void>): void {
  shutdownWith = shutdown;
  if (signalled !== undefined) void shutdown(signalled);
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof DataDirLockedError) process.stderr.write(`collections: ${error.message}\n`);
  else if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`collections: cannot listen: ${(error as Error).message} (set PORT or HOST)\n`);
  } else process.stderr.write(`collections: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
