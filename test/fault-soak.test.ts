/**
 * Fault soak: the whole pipeline (Stripe webhooks → server → Redis/BullMQ → workers → PostgreSQL →
 * HubSpot, or Salesforce with SOAK_CRM=salesforce) as separate processes, while things go wrong:
 *  - every Stripe event delivered twice, in shuffled order, by several senders at once, retried like
 *    Stripe retries (non-2xx, timeouts) with backoff;
 *  - the CRM failing 20 % of requests: 503 after applying, 429 with Retry-After (Salesforce: row
 *    lock errors), answers lost after applying (the "did my write land?" case);
 *  - one worker killed (SIGKILL) mid-run and started again;
 *  - Redis killed and started again empty (no persistence: every queued job is lost);
 *  - every PostgreSQL connection of the database ended once.
 * At the end the CRM must show exactly what the engine computes from the store, with no duplicated,
 * missing or orphaned task, every webhook applied, and the dead letters explained; and every CRM record's
 * amounts must be what Stripe says is owed, computed from the emulator's Stripe objects alone.
 *
 * Runs with `npm run test:soak` (CI): needs DATABASE_URL (a PostgreSQL server it may create a database
 * on) and redis-server on the PATH. SOAK_ACCOUNTS sets the size (default 10,000).
 */
import { createPostgresStore } from '../src/adapters/postgres';
import { createBullmqJobQueue } from '../src/adapters/redis/job-queue';
import type { CalendarDate } from '../src/domain/dates';
import type { CollectionsStore } from '../src/ports/store';
import type { DeadLetter } from '../src/ports/queue';
import { sendWebhooks, type WebhookReport } from './emulators/stripe/webhook-sender';
import {
  createDatabase,
  hasRedisServer,
  poll,
  ready,
  startRedis,
  startRole,
  stopRole,
  type LocalDatabase,
  type LocalRedis,
  type RoleProcess,
} from './support/cluster';
import { runCollections } from './support/processes';
import {
  compareCrmWithEngine,
  compareCrmWithStripe,
  createWorld,
  makeChanges,
  mismatchesOf,
  STRIPE_WEBHOOK_SECRET,
  type Comparison,
  type StripeComparison,
  type World,
} from './support/soak-world';

const databaseUrl = process.env.DATABASE_URL ?? '';
const enabled = process.env.SOAK === '1' && databaseUrl !== '' && hasRedisServer();
const ACCOUNTS = Number(process.env.SOAK_ACCOUNTS ?? 10000);
const CRM = process.env.SOAK_CRM === 'salesforce' ? 'salesforce' : 'hubspot';
const CHANGES = Math.max(50, Math.round(ACCOUNTS / 5));
const SENDERS = 4;
const FAULT_SHARE = 0.2;
const CONVERGE_MS = Number(process.env.SOAK_CONVERGE_MS ?? 20 * 60000);

const today = (): CalendarDate => new Date().toISOString().slice(0, 10) as CalendarDate;
const line = (text: string) => process.stdout.write(`[soak] ${text}\n`);

(enabled ? describe : describe.skip)(`fault soak (${ACCOUNTS} accounts)`, () => {
  let world: World;
  let db: LocalDatabase;
  let redis: LocalRedis;
  let store: CollectionsStore;
  const processes: RoleProcess[] = [];

  afterAll(async () => {
    for (const role of processes) await stopRole(role, 'SIGKILL');
    await store?.close().catch(() => undefined);
    await redis?.stop();
    await db?.drop();
    await world?.close();
  });

  it(
    `ends with ${CRM === 'hubspot' ? 'HubSpot' : 'Salesforce'} equal to the engine, no duplicate task and no lost webhook`,
    async () => {
      const started = Date.now();
      world = await createWorld({ tenant: 'soak', accounts: ACCOUNTS, invoicesPerAccount: 3, crm: CRM });
      [db, redis] = await Promise.all([createDatabase(databaseUrl, 'collections_soak'), startRedis()]);
      const env = { ...world.env, DATABASE_URL: db.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '20000' };

      // The books come in through Stripe's API, as `collections sync stripe --backfill` reads them.
      const backfill = await runCollections(['sync', 'stripe', '--backfill', '--json'], env, 15 * 60000);
      if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.stderr.slice(-2000)}`);
      line(`backfill of ${ACCOUNTS} accounts: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // The CRM connected as an administrator does: `collections hubspot install` creates the private
      // app's properties; `collections salesforce connect --jwt` stores the org's tokens encrypted.
      const connect = await runCollections(world.connectArgs, env, 120000);
      if (connect.code !== 0) throw new Error(`connecting ${CRM} failed: ${connect.stderr.slice(-2000)}`);
      store = await createPostgresStore({ connectionString: db.url });

      // HubSpot misbehaves from the first request on; then one server and two workers.
      world.setFaults(FAULT_SHARE);
      const server = await startRole('server', env);
      const workers = [await startRole('worker', env), await startRole('worker', env)];
      processes.push(server, ...workers);
      await Promise.all([server, ...workers].map((role) => ready(role)));
      const url = `http://127.0.0.1:${server.port}/webhooks/stripe`;

      const { changes, events } = makeChanges(world, CHANGES);
      line(`${changes.length} billing changes made in Stripe: ${events.length} events`);

      // Four phases of deliveries; between them, a worker dies, Redis restarts, PostgreSQL drops us.
      const phases = [0, 1, 2, 3].map((phase) => events.filter((_, index) => index % 4 === phase));
      const reports: WebhookReport[] = [];
      const deliver = async (batch: typeof events, phase: number) => {
        const parts = Array.from({ length: SENDERS }, (_, sender) =>
          batch.filter((_, index) => index % SENDERS === sender),
        );
        const done = await Promise.all(
          parts.map((part, sender) =>
            sendWebhooks(part, {
              url,
              secret: STRIPE_WEBHOOK_SECRET,
              faults: { duplicate: true, order: 'shuffle', seed: phase * 10 + sender + 1 },
              retry: { maxAttempts: 10, initialDelayMs: 500, factor: 2 },
              timeoutMs: 10000,
            }),
          ),
        );
        reports.push(...done);
      };
      const faults: string[] = [];
      let killed = workers[0] as RoleProcess;
      await deliver(phases[0] ?? [], 0);

      // 1. A worker dies without warning while jobs run, and comes back.
      killed.child.kill('SIGKILL');
      await killed.exited;
      faults.push(`worker ${killed.child.pid} killed (SIGKILL)`);
      const restarted = await startRole('worker', env);
      processes.push(restarted);
      killed = restarted;
      const phase1 = deliver(phases[1] ?? [], 1);
      await ready(restarted);
      await phase1;

      // 2. Redis restarts empty: every waiting, delayed and active job is gone.
      const phase2 = deliver(phases[2] ?? [], 2);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.restart(2000);
      faults.push('redis killed and restarted empty');
      await phase2;

      // 3. PostgreSQL ends every connection of our database.
      const phase3 = deliver(phases[3] ?? [], 3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ended = await db.dropConnections();
      faults.push(`${ended} PostgreSQL connections ended`);
      await phase3;
      const sentAt = Date.now();
      line(`deliveries done in ${((sentAt - started) / 1000).toFixed(1)} s; faults: ${faults.join('; ')}`);

      // The system settles by itself (retries, stalled-job recovery, the reconciler), faults still on.
      const eventIds = [...new Set(events.map((event) => event.id))];
      let comparison: Comparison | undefined;
      let truth: StripeComparison | undefined;
      let pending: Record<string, number> = {};
      let stage = 'starting';
      let lastShown = Date.now();
      const waiting = (what: string) => {
        stage = what;
        if (Date.now() - lastShown > 30000) {
          lastShown = Date.now();
          line(`settling: ${what}`);
        }
        return undefined;
      };
      await poll(
        async () => {
          const rows = await db.query<{ state: string; n: string }>(
            `SELECT state, count(*) AS n FROM webhook_events WHERE tenant_id = $1 AND source = 'stripe'
              AND event_id = ANY($2::text[]) GROUP BY state`,
            [world.tenant, eventIds],
          );
          pending = Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
          const stored = Object.values(pending).reduce((sum, n) => sum + n, 0);
          if (stored < eventIds.length || (pending['received'] ?? 0) > 0)
            return waiting(`webhook events ${JSON.stringify(pending)} of ${eventIds.length}`);
          const stale = await store.listStaleAccountCards(world.tenant, today(), 100000);
          if (stale.length > 0) return waiting(`${stale.length} stale cards`);
          const left = await store.listCrmSyncPending(world.tenant, CRM);
          if (left.unfinished.length + left.tasksToCreate.length > 0)
            return waiting(
              `CRM work left: ${left.unfinished.length} unfinished, ${left.tasksToCreate.length} with tasks to create`,
            );
          comparison = await compareCrmWithEngine(world, store, today());
          if (mismatchesOf(comparison) > 0)
            return waiting(
              `mismatches ${JSON.stringify({ ...comparison, examples: comparison.examples.slice(0, 2) })}`,
            );
          // Converged is not yet right: the CRM must also show what Stripe says is owed.
          truth = compareCrmWithStripe(world, today());
          if (truth.mismatches === 0) return comparison;
          return waiting(`CRM differs from Stripe: ${JSON.stringify(truth)}`);
        },
        CONVERGE_MS,
        `${CRM} to match the engine`,
        3000,
      ).catch((error: unknown) => {
        line(`not converged: ${stage}`);
        for (const role of processes) line(`--- ${role.role} ${role.child.pid}\n${role.logs().slice(-3000)}`);
        throw error;
      });
      const settledMs = Date.now() - sentAt;
      const final = comparison as Comparison;

      // What the run went through.
      const deliveries = reports.flatMap((report) => report.deliveries);
      const attempts = deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0);
      const refusedAttempts = deliveries.reduce(
        (sum, delivery) =>
          sum +
          delivery.attempts.filter((attempt) => attempt.status === null || attempt.status >= 300).length,
        0,
      );
      const undelivered = deliveries.filter((delivery) => !delivery.delivered).length;
      const crm = world.crmStats();
      const injected = Object.values(crm.faults).reduce((sum, n) => sum + n, 0);
      const queue = createBullmqJobQueue({ url: redis.url });
      const deadLetters: DeadLetter[] = await queue.listDeadLetters(1000).finally(() => queue.close());
      const failedEvents = pending['failed'] ?? 0;
      const figures = {
        accounts: final.accounts,
        'billing changes': changes.length,
        'Stripe events': eventIds.length,
        'webhook deliveries (with duplicates)': deliveries.length,
        'delivery attempts': attempts,
        'attempts refused or failed (retried)': refusedAttempts,
        'deliveries never accepted': undelivered,
        'events applied': (pending['processed'] ?? 0) + (pending['ignored'] ?? 0),
        'events failed': failedEvents,
        [`${CRM} requests`]: crm.requests,
        [`${CRM} faults injected`]: `${injected} (${Object.entries(crm.faults)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ')})`,
        'process faults': faults.join('; '),
        [`tasks in ${CRM}`]: final.tasksInCrm,
        'duplicate tasks': final.duplicateTasks,
        'dead letters': deadLetters.length,
        'seconds to settle after the last delivery': (settledMs / 1000).toFixed(1),
        'seconds in all': ((Date.now() - started) / 1000).toFixed(1),
        'final mismatches': mismatchesOf(final),
        'CRM amounts differing from Stripe': (truth as StripeComparison).mismatches,
      };
      for (const [name, value] of Object.entries(figures)) line(`${name}: ${value}`);
      for (const letter of deadLetters) line(`dead letter ${letter.jobId}: ${letter.error}`);

      expect(undelivered).toBe(0);
      expect(failedEvents).toBe(0);
      expect(final.accounts).toBe(ACCOUNTS);
      expect(final.mapped).toBe(ACCOUNTS);
      expect(mismatchesOf(final)).toBe(0);
      expect(truth).toMatchObject({ accounts: ACCOUNTS, mismatches: 0 });
      expect(final.duplicateTasks).toBe(0);
      expect(final.tasksInCrm).toBeGreaterThan(0);
      expect(injected).toBeGreaterThan(0);
      // A dead letter must say what failed (they are kept for replay).
      for (const letter of deadLetters) expect(letter.error).not.toBe('');

      // Every process still stops cleanly.
      for (const role of [server, workers[1] as RoleProcess, killed]) {
        const code = await stopRole(role);
        if (code !== 0)
          line(`--- ${role.role} ${role.child.pid} exited ${code}\n${role.logs().slice(-4000)}`);
        expect({ role: role.role, code }).toEqual({ role: role.role, code: 0 });
      }
    },
    60 * 60000,
  );
});
