/**
 * The company card's endpoint under load: `GET /api/v1/companies/:id/collections`, signed like
 * hubspot.fetch, over an imported store. The cards are precomputed first (as the sync and the refresh
 * job do); then autocannon, in its own process, runs CONCURRENCY connections on loopback for a bounded
 * count and time. Reports the precompute time, requests/s and latency percentiles.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { refreshAccountCards } from '../src/use-cases/account-card';
import { createHttpApp } from '../server/http/app';
import { openBenchStore } from './open-store';

const SECRET = 'bench-client-secret';
const BASE = 'https://collections.example.com';
const PORTAL = '7007';

function runLoad(inputFile: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [path.join(__dirname, 'card-load.ts'), inputFile],
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
      },
    );
  });
}

async function main(): Promise<void> {
  const [dataDir, asOf, tenantArg = 'bench', concurrencyArg = '50', countArg = '20000'] =
    process.argv.slice(2);
  if (dataDir === undefined || asOf === undefined)
    throw new Error('usage: card-child <dataDir> <asOf> [tenant] [connections] [requests]');
  const tenant = tenantArg as TenantId;
  const store = await openBenchStore(dataDir);
  const companies: string[] = [];
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    accounts += 1;
    if (facts.customer.crmCompanyId !== null && accounts % 13 === 0)
      companies.push(facts.customer.crmCompanyId);
  }
  process.stderr.write(`  precomputing the cards of ${accounts} accounts\n`);
  const precomputeStarted = Date.now();
  let lastReport = 0;
  const refresh = await refreshAccountCards(store, tenant, asOf as CalendarDate, {
    onProgress: (done, total) => {
      if (Date.now() - lastReport < 10000) return;
      lastReport = Date.now();
      process.stderr.write(`  ${done} / ${total} cards\n`);
    },
  });
  const precomputeSeconds = (Date.now() - precomputeStarted) / 1000;

  const app = createHttpApp({
    store,
    state: { startedAt: Date.now(), demo: { state: 'off', tenant }, shuttingDown: false },
    logger: pino({ level: 'silent' }),
    api: {
      signingSecret: SECRET,
      publicBaseUrl: BASE,
      revopsUsers: [],
      demoTenant: tenant,
      today: () => asOf as CalendarDate,
      resolveTenant: async (portal) => (portal === PORTAL ? tenant : undefined),
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'card-load-'));
  const inputFile = path.join(dir, 'input.json');
  const input = {
    port,
    secret: SECRET,
    publicBase: BASE,
    portal: PORTAL,
    companies,
    connections: Number(concurrencyArg),
    maxSeconds: 60,
  };
  try {
    // Warm-up (connections, JIT, the store's caches), then the measured run.
    await writeFile(inputFile, JSON.stringify({ ...input, amount: 2000 }));
    await runLoad(inputFile, 120000);
    await writeFile(inputFile, JSON.stringify({ ...input, amount: Number(countArg) }));
    const load = await runLoad(inputFile, 180000);
    process.stdout.write(
      `${JSON.stringify({
        store: store.kind,
        accounts,
        companiesAsked: companies.length,
        precompute: { cards: refresh.saved, seconds: precomputeSeconds },
        concurrency: Number(concurrencyArg),
        ...load,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      })}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
