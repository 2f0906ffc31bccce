/**
 * The company card's endpoint under load: `GET /api/v1/companies/:id/collections`, signed like
 * hubspot.fetch, CONCURRENCY connections on loopback for a bounded count and time, over an imported
 * store. Reports requests/s and latency percentiles.
 */
import type { Server } from 'node:http';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { createHttpApp } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { openBenchStore } from './open-store';

const SECRET = 'bench-client-secret';
const BASE = 'https://collections.example.com';

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}

async function main(): Promise<void> {
  const [dataDir, asOf, tenant = 'bench', concurrencyArg = '50', countArg = '5000'] = process.argv.slice(2);
  if (dataDir === undefined || asOf === undefined)
    throw new Error('usage: card-child <dataDir> <asOf> [tenant]');
  const concurrency = Number(concurrencyArg);
  const maxRequests = Number(countArg);
  const store = await openBenchStore(dataDir);
  const companies: string[] = [];
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant as TenantId)) {
    accounts += 1;
    if (facts.customer.crmCompanyId !== null && accounts % 37 === 0)
      companies.push(facts.customer.crmCompanyId);
    if (companies.length >= 2000) break;
  }
  const portal = tenant;
  const app = createHttpApp({
    store,
    state: { startedAt: Date.now(), demo: { state: 'off', tenant }, shuttingDown: false },
    logger: pino({ level: 'silent' }),
    api: {
      signingSecret: SECRET,
      publicBaseUrl: BASE,
      revopsUsers: [],
      demoTenant: tenant as TenantId,
      today: () => asOf as CalendarDate,
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

  const get = (companyId: string) =>
    new Promise<{ status: number; ms: number }>((resolve, reject) => {
      const path = `/api/v1/companies/${companyId}/collections?portalId=${portal}&userEmail=csm%40example.com`;
      const timestamp = String(Date.now());
      const signature = hubspotSignatureV3(SECRET, 'GET', `${BASE}${path}`, '', timestamp);
      const started = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          agent,
          headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });

  // Warm-up, then the measured run: bounded by count and by 60 s.
  for (const id of companies.slice(0, 20)) await get(id);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = Date.now() + 60000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < maxRequests && Date.now() < deadline) {
        const id = companies[next % companies.length] as string;
        next += 1;
        const result = await get(id);
        if (result.status !== 200) errors += 1;
        latencies.push(result.ms);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      concurrency,
      requests: latencies.length,
      errors,
      seconds,
      requestsPerSecond: latencies.length / seconds,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1] ?? 0,
      },
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
