/**
 * `npm run bench`: for a generated book (default 100,000 customers, about 1,000,000 invoices): import
 * throughput and peak memory, the status of every account from the store, and the payment-risk
 * model (fit, then score every invoice). Each step runs in a child process with its own memory figure.
 * BENCH_CUSTOMERS sets the size. Every store-bound step runs on PGlite, then on PostgreSQL: a fresh
 * `collections_bench` database on BENCH_DATABASE_URL's server, or else a temporary cluster started from
 * /usr/lib/postgresql/<version>/bin and removed at the end (see bench-postgres.ts); BENCH_ONLY=status
 * runs only the import and the status of every account.
 * Then Stripe against the local emulator: a backfill of BENCH_STRIPE_INVOICES (100,000) invoices and
 * webhook intake paced at BENCH_WEBHOOK_RATE events/s. BENCH_ONLY=stripe runs only that part.
 * HubSpot against its emulator at 110 requests / 10 s: sync of BENCH_HUBSPOT_COMPANIES (50,000) changed
 * companies and a re-sync, with answers in each of BENCH_HUBSPOT_LATENCY_MS (0 and 300 ± 300 ms);
 * BENCH_ONLY=hubspot runs only that part. BENCH_ONLY=card
 * runs only the card endpoint (over an imported BENCH_CUSTOMERS store); BENCH_ONLY=trend only the
 * portfolio trend (month-end snapshots taken in one pass, then the route cold and warm). BENCH_ONLY=pipeline runs the
 * whole pipeline (webhooks → workers → HubSpot) with one server and two workers on PostgreSQL
 * (BENCH_DATABASE_URL) and Redis, then as one embedded process: events per second, delay, memory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startBenchPostgres, type BenchPostgres } from './bench-postgres';

type ChildResult = Record<string, unknown>;

/** Where a store-bound step runs; every such step runs once per store, PGlite first. */
type BenchStore = { store: 'pglite' } | { store: 'postgres'; url: string; recreate: () => Promise<void> };

const PGLITE: BenchStore = { store: 'pglite' };

/** A child's environment for `target`: open-store.ts opens PostgreSQL when BENCH_DATABASE_URL is set. */
function storeEnv(target: BenchStore): NodeJS.ProcessEnv {
  const { BENCH_DATABASE_URL: _server, ...env } = process.env;
  return target.store === 'postgres' ? { ...env, BENCH_DATABASE_URL: target.url } : env;
}

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'bench', 'out');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function runChild(
  script: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      tsx,
      [path.join(root, 'bench', script), ...args],
      { cwd: root, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult);
      },
    );
    child.stderr?.pipe(process.stderr);
  });
}

/**
 * Waits for the kernel to write out what the previous step left in the page cache (an import leaves
 * some 1.5 GB), so that writeback is not inside the next timed step, whichever store it measures.
 */
function flushWrites(): Promise<void> {
  return new Promise((resolve) => {
    execFile('sync', () => resolve());
  });
}

async function ensureDataset(customers: number, seed: number, asOf: string): Promise<string> {
  const dataset = path.join(out, `dataset-${customers}-${seed}`);
  if (!existsSync(path.join(dataset, '.complete'))) {
    process.stderr.write(`Generating ${customers} customers into ${path.relative(root, dataset)}\n`);
    await rm(dataset, { recursive: true, force: true });
    const generated = await runChild(
      'generate-child.ts',
      [dataset, String(customers), String(seed), asOf],
      20 * 60000,
    );
    await writeFile(path.join(dataset, '.complete'), JSON.stringify(generated));
    process.stderr.write(
      `  generated ${String(generated.rows)} rows in ${Number(generated.seconds).toFixed(1)} s\n`,
    );
  }
  return dataset;
}

/**
 * Runs `steps` once per store, PGlite first, then PostgreSQL when one can be had (else says once why
 * its figures are skipped). The bench PostgreSQL is stopped and removed whatever happens.
 */
async function perStore<T>(steps: (target: BenchStore) => Promise<T>): Promise<T[]> {
  const postgres: BenchPostgres | { skipped: string } = await startBenchPostgres();
  const stores: BenchStore[] = [PGLITE];
  if ('skipped' in postgres) process.stderr.write(`PostgreSQL figures are skipped: ${postgres.skipped}\n`);
  else {
    process.stderr.write(`PostgreSQL figures from the ${postgres.server}\n`);
    stores.push({ store: 'postgres', url: postgres.url, recreate: postgres.recreate });
  }
  try {
    const results: T[] = [];
    for (const target of stores) results.push(await steps(target));
    return results;
  } finally {
    if (!('skipped' in postgres)) await postgres.stop();
  }
}

/** An empty store for `target`: a new PGlite folder (returned), or the bench database recreated. */
async function freshStore(target: BenchStore, name: string): Promise<string> {
  const dataDir = path.join(out, `${target.store}-${name}`);
  await rm(dataDir, { recursive: true, force: true });
  if (target.store === 'postgres') await target.recreate();
  process.stderr.write(`[${target.store}] Importing (fresh store)\n`);
  return dataDir;
}

async function stripeBench(): Promise<Record<string, unknown>> {
  const invoices = process.env.BENCH_STRIPE_INVOICES ?? '100000';
  const events = process.env.BENCH_WEBHOOK_EVENTS ?? '3000';
  const dir = path.join(out, 'pglite-stripe');
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(
    `Stripe (emulator): backfill of ${invoices} invoices, then ${events} webhook events\n`,
  );
  const result = await runChild('stripe-child.ts', [dir, invoices, events], 60 * 60000, storeEnv(PGLITE));
  await rm(dir, { recursive: true, force: true });
  const backfill = result.backfill as Record<string, number>;
  const webhooks = result.webhooks as Record<string, unknown> & { delayMs: Record<string, number> };
  const summary = {
    store: result.store,
    backfill: {
      invoices: backfill.invoices,
      objects: backfill.objects,
      seconds: Number(Number(backfill.seconds).toFixed(1)),
      objectsPerSecond: Math.round(Number(backfill.objectsPerSecond)),
      invoicesPerSecond: Math.round(Number(backfill.invoicesPerSecond)),
      apiRequests: backfill.apiRequests,
    },
    webhooks: {
      offeredPerSecond: webhooks.offeredPerSecond,
      events: webhooks.events,
      processed: webhooks.processed,
      eventsPerSecond: Math.round(Number(webhooks.eventsPerSecond)),
      p50DelayMs: webhooks.delayMs.p50,
      p95DelayMs: webhooks.delayMs.p95,
      maxDelayMs: webhooks.delayMs.max,
    },
    peakRssMb: Math.round(Number(result.peakRssMb)),
  };
  console.log('Stripe through the SDK against the local emulator:');
  console.table([{ ...summary.backfill, store: summary.store }]);
  console.table([summary.webhooks]);
  return summary;
}

async function hubspotBench(): Promise<Record<string, unknown>[]> {
  const sizes = (process.env.BENCH_HUBSPOT_COMPANIES ?? '50000').split(',').map(Number);
  const latencies = (process.env.BENCH_HUBSPOT_LATENCY_MS ?? '0,300').split(',').map(Number);
  const results: Record<string, unknown>[] = [];
  for (const size of sizes)
    for (const latency of latencies) {
      const dir = path.join(out, 'pglite-hubspot');
      await rm(dir, { recursive: true, force: true });
      process.stderr.write(
        `HubSpot (emulator): sync of ${size} changed companies at 110 requests / 10 s, answers in ${latency} ± ${latency} ms\n`,
      );
      const result = await runChild(
        'hubspot-child.ts',
        [dir, String(size), String(latency)],
        60 * 60000,
        storeEnv(PGLITE),
      );
      await rm(dir, { recursive: true, force: true });
      const resync = result.resync as Record<string, number>;
      results.push({
        latencyMs: `${latency} ± ${latency}`,
        companies: result.companies,
        apiCalls: result.apiCalls,
        minimumCalls: result.minimumCalls,
        seconds: Number(Number(result.seconds).toFixed(1)),
        boundSeconds: result.rateLimitBoundSeconds,
        requestsPerSecond: Number(Number(result.requestsPerSecond).toFixed(2)),
        utilisation: Number(Number(result.utilisation).toFixed(3)),
        ofBound: `${Math.round(Number(result.ofBound) * 100)} %`,
        maxInFlight: result.maxInFlight,
        status429: result.status429,
        resyncWrites: resync.writes,
        resyncCalls: resync.apiCalls,
        peakRssMb: Math.round(Number(result.peakRssMb)),
      });
    }
  console.log('HubSpot sync through the SDK against the local emulator (110 requests / 10 s):');
  console.table(results);
  return results;
}

/** Salesforce: 100,000 changed accounts through sObject Collections, then through Bulk API 2.0. */
async function salesforceBench(): Promise<Record<string, unknown>[]> {
  const size = process.env.BENCH_SALESFORCE_ACCOUNTS ?? '100000';
  const dir = path.join(out, 'pglite-salesforce');
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(
    `Salesforce (emulator): sync of ${size} changed accounts, collections then Bulk API 2.0\n`,
  );
  const result = await runChild('salesforce-child.ts', [dir, size], 60 * 60000, storeEnv(PGLITE));
  await rm(dir, { recursive: true, force: true });
  const rows = ['collections', 'bulk'].map((name) => {
    const run = result[name] as Record<string, unknown>;
    return {
      path: name,
      accounts: result.accounts,
      changed: run.changed,
      written: run.written,
      failed: run.failed,
      apiCalls: run.apiCalls,
      seenBySalesforce: run.apiCallsSeenBySalesforce,
      bulkJobs: run.bulkJobs,
      seconds: Number(Number(run.seconds).toFixed(1)),
    };
  });
  console.log('Salesforce sync through jsforce against the local emulator:');
  console.table(rows);
  return rows;
}

/** The card endpoint over an imported store: cards precomputed, then autocannon at 50 connections. */
async function cardBench(
  dataDir: string,
  asOf: string,
  target: BenchStore = PGLITE,
): Promise<Record<string, unknown>> {
  process.stderr.write('Company card endpoint: precompute the cards, then 50 connections (autocannon)\n');
  const card = await runChild(
    'card-child.ts',
    [dataDir, asOf, 'bench', '50', '20000'],
    20 * 60000,
    storeEnv(target),
  );
  const latency = card.latencyMs as Record<string, number>;
  const precompute = card.precompute as { cards: number; seconds: number };
  const report = {
    store: card.store,
    accounts: card.accounts,
    precomputedCards: precompute.cards,
    precomputeSeconds: Number(precompute.seconds.toFixed(1)),
    connections: card.concurrency,
    requests: card.requests,
    errors: card.errors,
    requestsPerSecond: Math.round(Number(card.requestsPerSecond)),
    p50Ms: Number(Number(latency.p50).toFixed(1)),
    p95Ms: Number(Number(latency.p95).toFixed(1)),
    p99Ms: Number(Number(latency.p99).toFixed(1)),
  };
  console.log('Company card endpoint (GET /api/v1/companies/:id/collections, signed, autocannon):');
  console.table([report]);
  return report;
}

/** The portfolio trend over an imported store: the 12 month-end snapshots in one pass, then the route. */
async function trendBench(
  dataDir: string,
  asOf: string,
  target: BenchStore = PGLITE,
): Promise<Record<string, unknown>> {
  process.stderr.write('Portfolio trend: 12 month-end snapshots in one pass, then the route cold and warm\n');
  const trend = await runChild('trend-child.ts', [dataDir, asOf], 60 * 60000, storeEnv(target));
  const firstPass = trend.firstPass as { days: number; seconds: number };
  const route = trend.route as {
    computedByRoute: number;
    coldMs: number;
    warmMs: { requests: number; p50: number; max: number };
  };
  const restream = trend.restream as { passes: number; seconds: number } | undefined;
  const report = {
    store: trend.store,
    accounts: trend.accounts,
    monthEnds: firstPass.days,
    ...(restream === undefined ? {} : { restreamSeconds: Number(restream.seconds.toFixed(1)) }),
    firstPassSeconds: Number(firstPass.seconds.toFixed(1)),
    routeColdSeconds: Number((route.coldMs / 1000).toFixed(3)),
    routeWarmP50Seconds: Number((route.warmMs.p50 / 1000).toFixed(3)),
    routeWarmMaxSeconds: Number((route.warmMs.max / 1000).toFixed(3)),
    pointsComputedByRoute: route.computedByRoute,
    peakRssMb: Math.round(Number(trend.peakRssMb)),
  };
  console.log(
    'Portfolio trend (GET /api/v1/portfolio/trend?months=12, signed) from stored month-end snapshots:',
  );
  console.table([report]);
  return report;
}

/**
 * The whole pipeline, scaled out on Redis and embedded: a burst (events/s to HubSpot, delay, memory per
 * process), then events paced at BENCH_PIPELINE_RATE/s, each followed to the HubSpot write that shows it.
 */
async function pipelineBench(): Promise<Record<string, unknown>[]> {
  const accounts = process.env.BENCH_PIPELINE_ACCOUNTS ?? '10000';
  const changes = process.env.BENCH_PIPELINE_CHANGES ?? '2000';
  const rate = process.env.BENCH_PIPELINE_RATE ?? '10';
  const pacedEvents = process.env.BENCH_PIPELINE_PACED_EVENTS ?? '600';
  const modes = process.env.BENCH_DATABASE_URL === undefined ? ['embedded'] : ['redis', 'embedded'];
  if (!modes.includes('redis'))
    process.stderr.write('Pipeline: BENCH_DATABASE_URL is not set, so only the embedded mode runs\n');
  const results: Record<string, unknown>[] = [];
  for (const mode of modes) {
    process.stderr.write(
      `Pipeline (${mode}): ${accounts} accounts, a burst of ${changes} billing changes, then ${pacedEvents} events at ${rate}/s\n`,
    );
    results.push(
      await runChild('pipeline-child.ts', [mode, accounts, changes, rate, pacedEvents], 60 * 60000),
    );
  }
  const memoryOf = (result: Record<string, unknown>) =>
    (result.memoryMiB as { role: string; peak: number; now: number }[])
      .map((entry) => `${entry.role} ${entry.peak} peak / ${entry.now} now`)
      .join(', ');
  const bursts = results.filter((result) => result.burst !== undefined);
  if (bursts.length > 0) {
    console.log(
      'Whole pipeline, burst: Stripe webhooks → server → jobs → HubSpot (emulator, 110 requests / 10 s):',
    );
    console.table(
      bursts.map((result) => {
        const burst = result.burst as Record<string, unknown> & {
          delayMs: Record<string, number>;
          hubspot: Record<string, number>;
        };
        return {
          processes: result.processes,
          store: result.store,
          events: burst.events,
          intakePerSecond: burst.intakeEventsPerSecond,
          toCrmPerSecond: burst.eventsPerSecondToCrm,
          p50DelayMs: burst.delayMs.p50,
          p95DelayMs: burst.delayMs.p95,
          maxDelayMs: burst.delayMs.max,
          batchCalls: burst.hubspot.batchWrites,
          status429: burst.hubspot.status429,
          memoryMiB: memoryOf(result),
        };
      }),
    );
  }
  const paced = results.filter((result) => result.paced !== undefined);
  if (paced.length > 0) {
    console.log(
      `Whole pipeline, paced at ${rate} events/s: from each event's 2xx to the HubSpot write showing it:`,
    );
    console.table(
      paced.map((result) => {
        const run = result.paced as Record<string, unknown> & {
          delayMs: Record<string, number>;
          hubspot: Record<string, number>;
          stagesMs: Record<string, Record<string, number>>;
        };
        const stage = (name: string) => {
          const figures = run.stagesMs[name] ?? {};
          return `${figures.p50} / ${figures.p95}`;
        };
        return {
          processes: result.processes,
          store: result.store,
          events: run.events,
          measured: run.eventsMeasured,
          p50DelayMs: run.delayMs.p50,
          p95DelayMs: run.delayMs.p95,
          maxDelayMs: run.delayMs.max,
          'applied p50/p95': stage('acceptedToApplied'),
          'to write p50/p95': stage('appliedToWriteSent'),
          'write p50/p95': stage('writeSentToAnswered'),
          batchCalls: run.hubspot.batchWrites,
          status429: run.hubspot.status429,
        };
      }),
    );
  }
  return results;
}

/**
 * The first run of each of BENCH_FIRST_RUN_REFS (default HEAD; e.g. `HEAD~1,HEAD` for a baseline beside
 * it): clone, `npm start` with an empty npm cache until `/` answers and the ready line, then `--help`.
 * Needs the npm registry.
 */
async function firstRunBench(): Promise<Record<string, unknown>[]> {
  const refs = (process.env.BENCH_FIRST_RUN_REFS ?? 'HEAD').split(',');
  const results: Record<string, unknown>[] = [];
  for (const ref of refs) results.push(await runChild('first-run-child.ts', [ref], 30 * 60000));
  console.log(
    'First run: git clone → npm start (empty npm cache) → 200 on / and the ready line; CLI --help:',
  );
  console.table(results.map(({ readyLine: _line, ...rest }) => rest));
  return results;
}

/** One store's status-of-every-account figures. */
function statusReportOf(status: ChildResult) {
  const seconds = Number(status.seconds);
  return {
    store: status.store,
    accounts: status.accounts,
    invoices: status.invoices,
    seconds: Number(seconds.toFixed(2)),
    invoicesPerSecond: Math.round(Number(status.invoices) / seconds),
    peakRssMb: Math.round(Number(status.peakRssMb)),
    byStatus: status.byStatus,
  };
}

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  if (process.env.BENCH_ONLY === 'first-run') {
    const firstRun = await firstRunBench();
    await writeFile(path.join(out, 'results-first-run.json'), `${JSON.stringify(firstRun, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'pipeline') {
    const pipeline = await pipelineBench();
    await writeFile(path.join(out, 'results-pipeline.json'), `${JSON.stringify(pipeline, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'card') {
    // The card endpoint alone, over an imported BENCH_CUSTOMERS store (100,000 by default).
    const asOf = '2026-11-22';
    const dataset = await ensureDataset(Number(process.env.BENCH_CUSTOMERS ?? 100000), 20261122, asOf);
    const card = await perStore(async (target) => {
      const dataDir = await freshStore(target, 'card');
      await runChild('import-child.ts', [dataset, dataDir], 60 * 60000, storeEnv(target));
      await runChild('risk-child.ts', [dataDir, asOf], 60 * 60000, storeEnv(target));
      const report = await cardBench(dataDir, asOf, target);
      await rm(dataDir, { recursive: true, force: true });
      return report;
    });
    console.log('Company card endpoint, PGlite beside PostgreSQL:');
    console.table(card);
    await writeFile(path.join(out, 'results-card.json'), `${JSON.stringify(card, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'trend') {
    const asOf = '2026-11-22';
    const dataset = await ensureDataset(Number(process.env.BENCH_CUSTOMERS ?? 100000), 20261122, asOf);
    const trend = await perStore(async (target) => {
      const dataDir = await freshStore(target, 'trend');
      await runChild('import-child.ts', [dataset, dataDir], 60 * 60000, storeEnv(target));
      const report = await trendBench(dataDir, asOf, target);
      await rm(dataDir, { recursive: true, force: true });
      return report;
    });
    console.log('Portfolio trend, PGlite beside PostgreSQL:');
    console.table(trend);
    await writeFile(path.join(out, 'results-trend.json'), `${JSON.stringify(trend, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'status') {
    const asOf = '2026-11-22';
    const dataset = await ensureDataset(Number(process.env.BENCH_CUSTOMERS ?? 100000), 20261122, asOf);
    const status = await perStore(async (target) => {
      const dataDir = await freshStore(target, 'status');
      await runChild('import-child.ts', [dataset, dataDir], 60 * 60000, storeEnv(target));
      await flushWrites();
      process.stderr.write(`[${target.store}] Account status of every customer, from the store\n`);
      const result = await runChild('status-child.ts', [dataDir, asOf], 30 * 60000, storeEnv(target));
      await rm(dataDir, { recursive: true, force: true });
      return statusReportOf(result);
    });
    console.log('Account status of every customer, end to end from the store:');
    console.table(status.map((row) => ({ ...row, byStatus: JSON.stringify(row.byStatus) })));
    await writeFile(path.join(out, 'results-status.json'), `${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'hubspot') {
    const hubspot = await hubspotBench();
    await writeFile(path.join(out, 'results-hubspot.json'), `${JSON.stringify(hubspot, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'salesforce') {
    const salesforce = await salesforceBench();
    await writeFile(path.join(out, 'results-salesforce.json'), `${JSON.stringify(salesforce, null, 2)}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'stripe') {
    const stripe = await stripeBench();
    await writeFile(path.join(out, 'results-stripe.json'), `${JSON.stringify(stripe, null, 2)}\n`);
    return;
  }
  const customers = Number(process.env.BENCH_CUSTOMERS ?? 100000);
  const seed = 20261122;
  const asOf = '2026-11-22';
  await mkdir(out, { recursive: true });
  const dataset = await ensureDataset(customers, seed, asOf);
  // The store-bound steps, once per store over the same book; a new one goes here and into the report.
  const byStore = await perStore(async (target) => {
    const env = storeEnv(target);
    const dataDir = await freshStore(target, 'import');
    const first = await runChild('import-child.ts', [dataset, dataDir], 60 * 60000, env);
    process.stderr.write(`[${target.store}] Importing again (every row an update)\n`);
    const second = await runChild('import-child.ts', [dataset, dataDir], 60 * 60000, env);
    await flushWrites();
    process.stderr.write(`[${target.store}] Account status of every customer, from the store\n`);
    const status = await runChild('status-child.ts', [dataDir, asOf], 30 * 60000, env);
    process.stderr.write(`[${target.store}] Payment-risk model: fit, then score every invoice\n`);
    const risk = await runChild('risk-child.ts', [dataDir, asOf], 60 * 60000, env);
    const card = await cardBench(dataDir, asOf, target);
    const trend = await trendBench(dataDir, asOf, target);
    await rm(dataDir, { recursive: true, force: true });
    return { first, second, status, risk, card, trend };
  });

  const simulationCustomers = Number(process.env.BENCH_SIMULATION_CUSTOMERS ?? 10000);
  process.stderr.write(`Rule simulation: one year, daily, ${simulationCustomers} accounts\n`);
  const simulationDataset = await ensureDataset(simulationCustomers, seed, asOf);
  const simulationDir = path.join(out, 'pglite-simulation');
  await rm(simulationDir, { recursive: true, force: true });
  await runChild('import-child.ts', [simulationDataset, simulationDir], 30 * 60000);
  const simulation = await runChild('simulate-child.ts', [simulationDir, '2025-11-23', asOf], 30 * 60000);
  await rm(simulationDir, { recursive: true, force: true });

  const report = (label: string, result: ChildResult): Record<string, unknown> => {
    const rows = result.rows as Record<string, number>;
    const total = Object.values(rows).reduce((sum, n) => sum + n, 0);
    const seconds = Number(result.seconds);
    return {
      label,
      store: result.store,
      invoices: rows['invoices.csv'],
      totalRows: total,
      seconds: Number(seconds.toFixed(2)),
      invoicesPerSecond: Math.round((rows['invoices.csv'] ?? 0) / seconds),
      rowsPerSecond: Math.round(total / seconds),
      peakRssMb: Math.round(Number(result.peakRssMb)),
    };
  };
  const results = {
    customers,
    seed,
    asOf,
    imports: byStore.flatMap(({ first, second }) => [
      report('first import', first),
      report('re-import', second),
    ]),
    accountStatus: byStore.map(({ status }) => statusReportOf(status)),
    simulation: {
      store: simulation.store,
      accounts: simulation.accounts,
      days: simulation.days,
      tasks: simulation.tasks,
      seconds: Number(Number(simulation.seconds).toFixed(2)),
      accountDaysPerSecond: Math.round(
        (Number(simulation.accounts) * Number(simulation.days)) / Number(simulation.seconds),
      ),
      peakRssMb: Math.round(Number(simulation.peakRssMb)),
    },
    risk: byStore.map(({ risk }) => ({
      store: risk.store,
      trainingSize: risk.trainingSize,
      fitSeconds: Number(Number(risk.fitSeconds).toFixed(2)),
      invoicesScored: risk.invoices,
      scoreSeconds: Number(Number(risk.scoreSeconds).toFixed(2)),
      invoicesPerSecond: Math.round(Number(risk.invoices) / Number(risk.scoreSeconds)),
      peakRssMb: Math.round(Number(risk.peakRssMb)),
    })),
    card: byStore.map(({ card }) => card),
    trend: byStore.map(({ trend }) => trend),
  };
  const stripe = await stripeBench();
  const hubspot = await hubspotBench();
  const salesforce = await salesforceBench();
  await writeFile(
    path.join(out, 'results.json'),
    `${JSON.stringify({ ...results, stripe, hubspot, salesforce }, null, 2)}\n`,
  );
  console.log('Import (all-or-nothing, one transaction):');
  console.table(results.imports);
  console.log('Account status of every customer, end to end from the store:');
  console.table(results.accountStatus.map((row) => ({ ...row, byStatus: JSON.stringify(row.byStatus) })));
  console.log('Rule simulation (default rule set, one year of daily evaluation; PGlite):');
  console.table([results.simulation]);
  console.log('Payment-risk model (fit on the history, then score every invoice):');
  console.table(results.risk);
  console.log('Company card endpoint (GET /api/v1/companies/:id/collections, signed, autocannon):');
  console.table(results.card);
  console.log('Portfolio trend (GET /api/v1/portfolio/trend?months=12) from month-end snapshots:');
  console.table(results.trend);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
