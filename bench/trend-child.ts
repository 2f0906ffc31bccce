/**
 * The portfolio trend over an imported book: the first pass, which computes the 12 month-end snapshots
 * in one streamed pass and stores them, then `GET /api/v1/portfolio/trend?months=12` (signed like
 * hubspot.fetch) answered from them: once right after the store is reopened and the server started
 * (cold: its first trend request) and then BENCH_TREND_REQUESTS times (warm). BENCH_TREND_RESTREAM=1 also times what the route did before
 * (one pass over the book per month-end). Prints one JSON line.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { monthEnds, type CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { buildPortfolioReportFromStore } from '../src/use-cases/collections-picture';
import { computePortfolioSnapshots } from '../src/use-cases/portfolio-trend';
import { createHttpApp } from '../server/http/app';
import { hubspotSignatureV3, hubspotSignedUri } from '../server/http/signed-request';
import { openBenchStore } from './open-store';

const SECRET = 'bench-client-secret';
const BASE = 'https://collections.example.com';
const PORTAL = '7007';
const MONTHS = 12;

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

async function serve(store: CollectionsStore, tenant: TenantId, asOf: CalendarDate): Promise<Server> {
  const app = createHttpApp({
    store,
    state: { startedAt: Date.now(), demo: { state: 'off', tenant }, shuttingDown: false },
    logger: pino({ level: 'silent' }),
    api: {
      signingSecret: SECRET,
      publicBaseUrl: BASE,
      revopsUsers: ['finance@example.com'],
      demoTenant: tenant,
      today: () => asOf,
      resolveTenant: async (portal) => (portal === PORTAL ? tenant : undefined),
    },
  });
  return new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
}

type TrendAnswer = { ok: boolean; data?: { points: { asOf: string; computedAt: string; stale: boolean }[] } };

/** One signed request for the trend; its time in milliseconds and its answer. */
async function askTrend(port: number): Promise<{ ms: number; answer: TrendAnswer }> {
  const path = `/api/v1/portfolio/trend?months=${MONTHS}&portalId=${PORTAL}&userEmail=finance%40example.com`;
  const timestamp = String(Date.now());
  const started = process.hrtime.bigint();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: {
      'X-HubSpot-Signature-v3': hubspotSignatureV3(
        SECRET,
        'GET',
        hubspotSignedUri(`${BASE}${path}`),
        '',
        timestamp,
      ),
      'X-HubSpot-Request-Timestamp': timestamp,
    },
    signal: AbortSignal.timeout(120000),
  });
  const answer = (await response.json()) as TrendAnswer;
  if (!response.ok || !answer.ok) throw new Error(`trend answered ${response.status}`);
  return { ms: seconds(started) * 1000, answer };
}

async function timeRoute(dataDir: string, tenant: TenantId, asOf: CalendarDate, requests: number) {
  const store = await openBenchStore(dataDir);
  const server = await serve(store, tenant, asOf);
  try {
    const { port } = server.address() as AddressInfo;
    // The HTTP client's and the app's own first-call set-up are not the trend's: one liveness call first.
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(30000) });
    const askedAt = new Date().toISOString();
    const cold = await askTrend(port);
    const points = cold.answer.data?.points ?? [];
    const warm: number[] = [];
    for (let index = 0; index < requests; index += 1) warm.push((await askTrend(port)).ms);
    warm.sort((a, b) => a - b);
    return {
      points: points.length,
      // Points computed by the request itself rather than read from stored snapshots.
      computedByRoute: points.filter((point) => point.computedAt >= askedAt).length,
      stale: points.filter((point) => point.stale).length,
      coldMs: cold.ms,
      warmMs: {
        requests,
        p50: warm[Math.floor(warm.length / 2)] ?? 0,
        max: warm[warm.length - 1] ?? 0,
      },
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  }
}

async function main(): Promise<void> {
  const [dataDir, asOfArg, tenantArg = 'bench'] = process.argv.slice(2);
  if (dataDir === undefined || asOfArg === undefined)
    throw new Error('usage: trend-child <dataDir> <asOf> [tenant]');
  const asOf = asOfArg as CalendarDate;
  const tenant = tenantArg as TenantId;
  const days = monthEnds(asOf, MONTHS);

  const store = await openBenchStore(dataDir);
  await store.migrate();
  let restream: { passes: number; seconds: number } | undefined;
  if (process.env.BENCH_TREND_RESTREAM === '1') {
    process.stderr.write(`  before: one pass over the book per month-end (${days.length})\n`);
    const started = process.hrtime.bigint();
    for (const day of days) await buildPortfolioReportFromStore(store, tenant, day);
    restream = { passes: days.length, seconds: seconds(started) };
  }
  process.stderr.write(`  first pass: ${days.length} month-end snapshots in one pass over the book\n`);
  const started = process.hrtime.bigint();
  let accounts = 0;
  const snapshots = await computePortfolioSnapshots({ book: store, snapshots: store }, tenant, days, {
    onProgress: (done) => {
      accounts = done;
      if (done % 50000 === 0) process.stderr.write(`  ${done} accounts\n`);
    },
  });
  const firstPass = { days: snapshots.length, seconds: seconds(started) };
  await store.close();

  process.stderr.write('  the route, from the stored snapshots: cold (store reopened), then warm\n');
  const route = await timeRoute(dataDir, tenant, asOf, Number(process.env.BENCH_TREND_REQUESTS ?? 20));
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      accounts,
      months: MONTHS,
      ...(restream === undefined ? {} : { restream }),
      firstPass,
      route,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
