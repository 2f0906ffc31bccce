/**
 * The whole pipeline as it runs in production, on loopback: Stripe webhooks signed like Stripe's are
 * posted to the server, applied by the workers, and written to HubSpot (emulator, 110 requests / 10 s).
 *  - `redis`: one server and two workers (`npm run server`, `npm run worker`) on PostgreSQL and Redis;
 *  - `embedded`: one process (`npm start`) on the embedded PGlite store with in-process jobs.
 * A book of ACCOUNTS Stripe customers (each a HubSpot company) is backfilled and synced first; then
 * CHANGES billing changes on distinct customers (payments, failures, voids, disputes) emit their
 * events, which four senders post as fast as the server takes them. For each changed customer, the
 * delay runs from its first event accepted by the server to the last write of its HubSpot company.
 * Bounded: every wait has a deadline. Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signWebhookPayload } from '../test/emulators/stripe/webhook-sender';
import {
  createDatabase,
  memoryOf,
  poll,
  ready,
  startRedis,
  startRole,
  stopRole,
  type LocalDatabase,
  type LocalRedis,
  type RoleProcess,
} from '../test/support/cluster';
import { runCollections } from '../test/support/processes';
import { createWorld, makeChanges, percentile, STRIPE_WEBHOOK_SECRET } from '../test/support/soak-world';

const SENDERS = 4;
const progress = (text: string) => process.stderr.write(`  ${text}\n`);

async function main(): Promise<void> {
  const [mode = 'embedded', accountsArg = '10000', changesArg = '2000'] = process.argv.slice(2);
  if (mode !== 'redis' && mode !== 'embedded')
    throw new Error('usage: pipeline-child redis|embedded [accounts] [changes]');
  const accounts = Number(accountsArg);
  const wanted = Number(changesArg);
  const world = await createWorld({ tenant: 'bench-pipeline', accounts, invoicesPerAccount: 3 });
  const hubspot = world.hubspot;
  if (hubspot === undefined) throw new Error('the pipeline benchmark writes to HubSpot');
  let db: LocalDatabase | undefined;
  let redis: LocalRedis | undefined;
  let dataDir: string | undefined;
  const processes: RoleProcess[] = [];
  try {
    const env: Record<string, string> = { ...world.env, LOG_LEVEL: 'error' };
    if (mode === 'redis') {
      const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
      if (adminUrl === undefined)
        throw new Error('the redis mode needs BENCH_DATABASE_URL (a PostgreSQL server)');
      db = await createDatabase(adminUrl, 'collections_bench');
      redis = await startRedis();
      env.DATABASE_URL = db.url;
      env.REDIS_URL = redis.url;
    } else {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'collections-pipeline-'));
      env.COLLECTIONS_DATA_DIR = dataDir;
    }
    const started = Date.now();
    const backfill = await runCollections(['sync', 'stripe', '--backfill', '--json'], env, 30 * 60000);
    if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.stderr.slice(-2000)}`);
    const install = await runCollections(world.connectArgs, env, 120000);
    if (install.code !== 0) throw new Error(`hubspot install failed: ${install.stderr.slice(-2000)}`);
    progress(
      `${mode}: ${accounts} accounts backfilled from Stripe in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const roles =
      mode === 'redis'
        ? [await startRole('server', env), await startRole('worker', env), await startRole('worker', env)]
        : [await startRole('all', env)];
    processes.push(...roles);
    await Promise.all(roles.map((role) => ready(role)));
    const server = roles[0] as RoleProcess;

    // The first sync (daily run: risk, rules, tasks; then every company) settles before measuring.
    const companies = [...world.companyOf.values()];
    const initialStart = Date.now();
    let lastWrites = -1;
    let quietSince = Date.now();
    await poll(
      async () => {
        const synced = companies.filter(
          (id) => hubspot.object('companies', id)?.properties['collections_status'] !== undefined,
        ).length;
        const writes = hubspot.stats().writes.inputs;
        if (writes !== lastWrites) {
          lastWrites = writes;
          quietSince = Date.now();
        }
        return synced === companies.length && Date.now() - quietSince > 5000 ? true : undefined;
      },
      20 * 60000,
      'the first sync',
      500,
    );
    const initialSeconds = (Date.now() - initialStart - 5000) / 1000;
    progress(`${mode}: first sync of ${companies.length} companies in ${initialSeconds.toFixed(1)} s`);

    const { changes, events, customerOfEvent } = makeChanges(world, wanted);
    const firstAccepted = new Map<string, number>();
    const url = `http://127.0.0.1:${server.port}/webhooks/stripe`;
    const queue = [...events];
    let refused = 0;
    const sendStart = Date.now();
    const sender = async () => {
      for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
        const body = JSON.stringify(event, null, 2);
        for (let attempt = 1; attempt <= 5; attempt += 1) {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'stripe-signature': signWebhookPayload(
                body,
                STRIPE_WEBHOOK_SECRET,
                Math.floor(Date.now() / 1000),
              ),
            },
            body,
            signal: AbortSignal.timeout(10000),
          }).catch(() => undefined);
          await response?.arrayBuffer();
          if (response?.ok) {
            const customerId = customerOfEvent.get(event.id);
            if (customerId !== undefined && !firstAccepted.has(customerId))
              firstAccepted.set(customerId, Date.now());
            break;
          }
          refused += 1;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const sendSeconds = (Date.now() - sendStart) / 1000;
    progress(`${mode}: ${events.length} events posted in ${sendSeconds.toFixed(1)} s`);

    // Done when every changed company was written after its first event and HubSpot has been quiet.
    const changed = [...new Set(changes.map((change) => change.customerId))];
    const updatedAt = (customerId: string) =>
      Date.parse(hubspot.object('companies', world.companyOf.get(customerId) ?? '')?.updatedAt ?? '') || 0;
    lastWrites = hubspot.stats().writes.inputs;
    quietSince = Date.now();
    await poll(
      async () => {
        const writes = hubspot.stats().writes.inputs;
        if (writes !== lastWrites) {
          lastWrites = writes;
          quietSince = Date.now();
        }
        const done = changed.filter((id) => updatedAt(id) >= (firstAccepted.get(id) ?? Infinity)).length;
        // A change that leaves the CRM fields as they were (a second failure like the first) writes
        // nothing: once HubSpot has been quiet for a minute, the rest counts as unchanged.
        const quiet = Date.now() - quietSince;
        return (done === changed.length && quiet > 5000) || quiet > 60000 ? true : undefined;
      },
      20 * 60000,
      'every changed company written',
      250,
    );
    const written = changed.filter((id) => updatedAt(id) >= (firstAccepted.get(id) ?? Infinity));
    const unchanged = changes.filter((change) => !written.includes(change.customerId));
    const delays = written.map((id) => updatedAt(id) - (firstAccepted.get(id) ?? 0)).sort((a, b) => a - b);
    const lastWrite = Math.max(...written.map(updatedAt));
    const memory = roles.map((role) => ({ role: role.role, ...memoryOf(role.child.pid ?? 0) }));
    const result = {
      mode,
      store: mode === 'redis' ? 'postgres' : 'pglite',
      processes: roles.map((role) => role.role).join(' + '),
      accounts,
      firstSyncSeconds: Number(initialSeconds.toFixed(1)),
      changes: changed.length,
      companiesWritten: written.length,
      unchangedByKind: Object.fromEntries(
        [...new Set(unchanged.map((change) => change.kind))].map((kind) => [
          kind,
          unchanged.filter((change) => change.kind === kind).length,
        ]),
      ),
      events: events.length,
      refusedPosts: refused,
      intakeEventsPerSecond: Math.round(events.length / sendSeconds),
      endToEndSeconds: Number(((lastWrite - sendStart) / 1000).toFixed(1)),
      eventsPerSecondToCrm: Math.round(events.length / ((lastWrite - sendStart) / 1000)),
      delayMs: {
        p50: percentile(delays, 0.5),
        p95: percentile(delays, 0.95),
        max: delays[delays.length - 1] ?? 0,
      },
      hubspotRequests: hubspot.stats().requests,
      memoryMiB: memory.map((entry) => ({
        role: entry.role,
        peak: Math.round(entry.peakMiB ?? 0),
        now: Math.round(entry.rssMiB ?? 0),
      })),
    };
    for (const role of roles) {
      const code = await stopRole(role);
      if (code !== 0) throw new Error(`${role.role} exited ${String(code)}: ${role.logs().slice(-2000)}`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const role of processes) await stopRole(role, 'SIGKILL');
    await redis?.stop();
    await db?.drop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    await world.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
