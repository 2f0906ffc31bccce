/**
 * The whole pipeline as it runs in production, on loopback: Stripe webhooks signed like Stripe's are
 * posted to the server, applied by the workers, and written to HubSpot (emulator, 110 requests / 10 s).
 *  - `redis`: one server and two workers (`npm run server`, `npm run worker`) on PostgreSQL and Redis;
 *  - `embedded`: one process (`npm start`) on the embedded PGlite store with in-process jobs.
 * A book of ACCOUNTS Stripe customers (each a HubSpot company) is backfilled and synced first. Then two
 * phases, each on its own customers:
 *  - burst: CHANGES billing changes on distinct customers (payments, failures, voids, disputes) emit
 *    their events, which four senders post as fast as the server takes them. For each changed customer,
 *    the delay runs from its first event accepted by the server to the last write of its HubSpot company.
 *  - paced: about PACED_EVENTS events at RATE events/s. The events one billing change emits are posted
 *    together, in order (as Stripe sends them), and the changes are spaced so that the events keep the
 *    rate. An event's delay runs from its POST's 2xx to the first write of its company, at or after that
 *    moment, that carries the company's fields as they end up: each customer has one change, so those
 *    fields include every event of it (the last write alone could be a write of an earlier state).
 * Bounded: every wait has a deadline. Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { CollectionsStore } from '../src/ports/store';
import type { HubspotEmulator } from '../test/emulators/hubspot/emulator';
import { signWebhookPayload, type WebhookEventLike } from '../test/emulators/stripe/webhook-sender';
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
import {
  compareCrmWithStripe,
  createWorld,
  makeChanges,
  percentile,
  STRIPE_WEBHOOK_SECRET,
  type Change,
  type World,
} from '../test/support/soak-world';

const SENDERS = 4;
const progress = (text: string) => process.stderr.write(`  ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

type Distribution = { p50: number; p95: number; max: number };

function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/** Posts one event as Stripe does (signed now); retried on refusal. The moment of its 2xx, if any. */
async function postEvent(
  url: string,
  event: WebhookEventLike,
): Promise<{ acceptedAt?: number; refused: number }> {
  const body = JSON.stringify(event, null, 2);
  let refused = 0;
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signWebhookPayload(body, STRIPE_WEBHOOK_SECRET, Math.floor(Date.now() / 1000)),
      },
      body,
      signal: AbortSignal.timeout(10000),
    }).catch(() => undefined);
    await response?.arrayBuffer();
    if (response?.ok) return { acceptedAt: Date.now(), refused };
    refused += 1;
    await sleep(200 * attempt);
  }
  return { refused };
}

/** HubSpot's counters a phase reports as its own: requests, 429s, company batch writes. */
function hubspotCounters(hubspot: HubspotEmulator): {
  requests: number;
  status429: number;
  batchWrites: number;
} {
  const stats = hubspot.stats();
  const batchWrites = Object.entries(stats.byRoute)
    .filter(([route]) => route.startsWith('POST') && route.includes('/objects/companies/batch/'))
    .reduce((sum, [, count]) => sum + count, 0);
  return { requests: stats.requests, status429: stats.rateLimited, batchWrites };
}

function countersSince(
  hubspot: HubspotEmulator,
  before: ReturnType<typeof hubspotCounters>,
): ReturnType<typeof hubspotCounters> {
  const now = hubspotCounters(hubspot);
  return {
    requests: now.requests - before.requests,
    status429: now.status429 - before.status429,
    batchWrites: now.batchWrites - before.batchWrites,
  };
}

/** Waits until HubSpot has taken no write for `quietMs` and `done()` holds, or for `giveUpMs` of quiet. */
async function settle(
  hubspot: HubspotEmulator,
  done: () => boolean,
  what: string,
  quietMs: number,
  giveUpMs: number,
): Promise<void> {
  let lastWrites = hubspot.stats().writes.inputs;
  let quietSince = Date.now();
  await poll(
    async () => {
      const writes = hubspot.stats().writes.inputs;
      if (writes !== lastWrites) {
        lastWrites = writes;
        quietSince = Date.now();
      }
      const quiet = Date.now() - quietSince;
      return (quiet > quietMs && done()) || quiet > giveUpMs ? true : undefined;
    },
    20 * 60000,
    what,
    250,
  );
}

/** The burst phase as it always ran: four senders, as fast as the server takes the events. */
async function burstPhase(
  world: World,
  hubspot: HubspotEmulator,
  url: string,
  picked: { changes: Change[]; events: WebhookEventLike[]; customerOfEvent: Map<string, string> },
): Promise<Record<string, unknown>> {
  const { changes, events, customerOfEvent } = picked;
  const before = hubspotCounters(hubspot);
  const firstAccepted = new Map<string, number>();
  const queue = [...events];
  let refused = 0;
  const sendStart = Date.now();
  const sender = async () => {
    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      const posted = await postEvent(url, event);
      refused += posted.refused;
      const customerId = customerOfEvent.get(event.id);
      if (posted.acceptedAt !== undefined && customerId !== undefined && !firstAccepted.has(customerId))
        firstAccepted.set(customerId, posted.acceptedAt);
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const sendSeconds = (Date.now() - sendStart) / 1000;
  progress(`burst: ${events.length} events posted in ${sendSeconds.toFixed(1)} s`);

  // Done when every changed company was written after its first event and HubSpot has been quiet.
  const changed = [...new Set(changes.map((change) => change.customerId))];
  const updatedAt = (customerId: string) =>
    Date.parse(hubspot.object('companies', world.companyOf.get(customerId) ?? '')?.updatedAt ?? '') || 0;
  const isWritten = (id: string) => updatedAt(id) >= (firstAccepted.get(id) ?? Infinity);
  // A change that leaves the CRM fields as they were (a second failure like the first) writes
  // nothing: once HubSpot has been quiet for a minute, the rest counts as unchanged.
  await settle(hubspot, () => changed.every(isWritten), 'every changed company written', 5000, 60000);
  const written = changed.filter(isWritten);
  const unchanged = changes.filter((change) => !written.includes(change.customerId));
  const delays = written.map((id) => updatedAt(id) - (firstAccepted.get(id) ?? 0));
  const lastWrite = Math.max(...written.map(updatedAt));
  return {
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
    delayMs: distribution(delays),
    hubspot: countersSince(hubspot, before),
  };
}

/** One write seen on a company: when its request arrived, when HubSpot wrote it and answered, and what. */
type SeenWrite = { sentAt: number; writtenAt: number; answeredAt: number; fields: string };

/** Our fields of a company, as one comparable string (the sync's date stamp left out). */
function ourFields(properties: Record<string, string | null | undefined>): string {
  return JSON.stringify(
    Object.entries(properties)
      .filter(([name]) => name.startsWith('collections_') && name !== 'collections_last_synced')
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Every write to the given companies from now on, seen as each HubSpot request is answered. */
function watchWrites(hubspot: HubspotEmulator, companyIds: readonly string[]): Map<string, SeenWrite[]> {
  const history = new Map(companyIds.map((id) => [id, [] as SeenWrite[]]));
  const last = new Map(companyIds.map((id) => [id, hubspot.object('companies', id)?.updatedAt ?? '']));
  hubspot.onRequestDone((entry) => {
    if (entry.method === 'GET') return;
    const answeredAt = Date.now();
    for (const id of companyIds) {
      const snapshot = hubspot.object('companies', id);
      if (snapshot === undefined || snapshot.updatedAt === last.get(id)) continue;
      last.set(id, snapshot.updatedAt);
      history.get(id)?.push({
        sentAt: entry.at,
        writtenAt: Date.parse(snapshot.updatedAt),
        answeredAt,
        fields: ourFields(snapshot.properties),
      });
    }
  });
  return history;
}

type PacedGroup = { customerId: string; companyId: string; kind: Change['kind']; events: WebhookEventLike[] };

/** Posts the groups at `rate` events/s: a change's events back to back, the next change when its turn comes. */
async function postPaced(
  url: string,
  groups: readonly PacedGroup[],
  rate: number,
): Promise<{ accepted: Map<string, number>; refused: number; seconds: number; spanMs: number[] }> {
  const accepted = new Map<string, number>();
  const spans: number[] = [];
  let refused = 0;
  let scheduled = 0;
  const start = Date.now();
  const posts: Promise<void>[] = [];
  for (const group of groups) {
    await sleep(start + (scheduled * 1000) / rate - Date.now());
    scheduled += group.events.length;
    posts.push(
      (async () => {
        const began = Date.now();
        for (const event of group.events) {
          const posted = await postEvent(url, event);
          refused += posted.refused;
          if (posted.acceptedAt !== undefined) accepted.set(event.id, posted.acceptedAt);
        }
        spans.push(Date.now() - began);
      })(),
    );
  }
  await Promise.all(posts);
  return { accepted, refused, seconds: (Date.now() - start) / 1000, spanMs: spans };
}

/** When the store took each event in and applied it (its received and processed stamps). */
async function appliedAt(
  openStore: () => Promise<CollectionsStore>,
  tenant: World['tenant'],
  eventIds: readonly string[],
): Promise<Map<string, number>> {
  const store = await openStore();
  try {
    const applied = new Map<string, number>();
    for (const eventId of eventIds) {
      const stored = await store.getWebhookEvent(tenant, 'stripe', eventId);
      if (stored?.processedAtMs != null) applied.set(eventId, stored.processedAtMs);
    }
    return applied;
  } finally {
    await store.close();
  }
}

type PacedRun = {
  groups: PacedGroup[];
  accepted: Map<string, number>;
  history: Map<string, SeenWrite[]>;
};

/**
 * Per event: the write that shows it (the first at or after its 2xx carrying the company's final fields)
 * and the stages on its way (applied in the store, write request at HubSpot, written, answered).
 */
function pacedDelays(run: PacedRun, applied: ReadonlyMap<string, number>): Record<string, unknown> {
  const delays: number[] = [];
  const toApplied: number[] = [];
  const appliedToSent: number[] = [];
  const sentToAnswered: number[] = [];
  let shownBeforeAccepted = 0;
  let noWrite = 0;
  let notAccepted = 0;
  for (const group of run.groups) {
    const writes = run.history.get(group.companyId) ?? [];
    const final = writes[writes.length - 1]?.fields;
    for (const event of group.events) {
      const acceptedAt = run.accepted.get(event.id);
      if (acceptedAt === undefined) {
        notAccepted += 1;
        continue;
      }
      if (final === undefined) {
        noWrite += 1;
        continue;
      }
      const shown = writes.find((write) => write.writtenAt >= acceptedAt && write.fields === final);
      if (shown === undefined) {
        shownBeforeAccepted += 1;
        continue;
      }
      delays.push(shown.writtenAt - acceptedAt);
      sentToAnswered.push(shown.answeredAt - shown.sentAt);
      const at = applied.get(event.id);
      if (at === undefined) continue;
      toApplied.push(at - acceptedAt);
      appliedToSent.push(shown.sentAt - at);
    }
  }
  return {
    eventsMeasured: delays.length,
    delayMs: distribution(delays),
    stagesMs: {
      acceptedToApplied: distribution(toApplied),
      appliedToWriteSent: distribution(appliedToSent),
      writeSentToAnswered: distribution(sentToAnswered),
    },
    // Counted apart, not as zero delays: their company showed the change before this event's 2xx.
    shownBeforeAccepted,
    // Changes that left the company's fields as they were (a failure like the one before).
    eventsWithoutWrite: noWrite,
    notAccepted,
  };
}

/** The paced phase: events at `rate`/s, each followed to the write that shows it. */
async function pacedPhase(
  world: World,
  hubspot: HubspotEmulator,
  url: string,
  groups: PacedGroup[],
  rate: number,
): Promise<{ run: PacedRun; report: Record<string, unknown> }> {
  const before = hubspotCounters(hubspot);
  const history = watchWrites(
    hubspot,
    groups.map((group) => group.companyId),
  );
  const posted = await postPaced(url, groups, rate);
  const events = groups.reduce((sum, group) => sum + group.events.length, 0);
  progress(`paced: ${events} events (${groups.length} changes) posted in ${posted.seconds.toFixed(1)} s`);
  const lastAccepted = (group: PacedGroup) =>
    Math.max(...group.events.map((event) => posted.accepted.get(event.id) ?? 0));
  const caughtUp = () =>
    groups.every((group) =>
      (history.get(group.companyId) ?? []).some((write) => write.writtenAt >= lastAccepted(group)),
    );
  await settle(hubspot, caughtUp, 'every paced change written', 3000, 30000);
  hubspot.onRequestDone(null);
  const run = { groups, accepted: posted.accepted, history };
  const today = new Date().toISOString().slice(0, 10) as CalendarDate;
  const oracle = compareCrmWithStripe(
    { ...world, companyOf: new Map(groups.map((group) => [group.customerId, group.companyId])) },
    today,
  );
  const report = {
    offeredPerSecond: rate,
    events,
    changes: groups.length,
    postSeconds: Number(posted.seconds.toFixed(1)),
    refusedPosts: posted.refused,
    changePostingSpanMs: distribution(posted.spanMs),
    hubspot: countersSince(hubspot, before),
    amountsDifferingFromStripe: oracle.mismatches,
  };
  return { run, report };
}

/** Whole changes from `changes`, in order, until their events reach `count`. */
function pacedGroups(
  world: World,
  changes: readonly Change[],
  events: readonly WebhookEventLike[],
  customerOfEvent: ReadonlyMap<string, string>,
  count: number,
): PacedGroup[] {
  const byCustomer = new Map<string, WebhookEventLike[]>();
  for (const event of events) {
    const customerId = customerOfEvent.get(event.id);
    if (customerId === undefined) continue;
    byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), event]);
  }
  const groups: PacedGroup[] = [];
  let total = 0;
  for (const change of changes) {
    if (total >= count) break;
    const companyId = world.companyOf.get(change.customerId);
    const own = byCustomer.get(change.customerId) ?? [];
    if (companyId === undefined || own.length === 0) continue;
    groups.push({ customerId: change.customerId, companyId, kind: change.kind, events: own });
    total += own.length;
  }
  return groups;
}

type Options = {
  mode: 'redis' | 'embedded';
  accounts: number;
  burst: number;
  rate: number;
  pacedEvents: number;
};

function parseArgs(): Options {
  const [mode = 'embedded', accounts = '10000', burst = '2000', rate = '10', pacedEvents = '600'] =
    process.argv.slice(2);
  if (mode !== 'redis' && mode !== 'embedded')
    throw new Error('usage: pipeline-child redis|embedded [accounts] [changes] [rate] [paced events]');
  return {
    mode,
    accounts: Number(accounts),
    burst: Number(burst),
    rate: Number(rate),
    pacedEvents: Number(pacedEvents),
  };
}

/** Jobs of one name the processes finished, from their `/metrics`. */
async function jobsCompleted(roles: readonly RoleProcess[], name: string): Promise<number> {
  let total = 0;
  for (const role of roles) {
    const text = await (await fetch(`http://127.0.0.1:${role.port}/metrics`)).text();
    const line = text
      .split('\n')
      .find((entry) => entry.startsWith(`collections_jobs_total{name="${name}",outcome="completed"}`));
    total += Number(line?.split(' ').pop() ?? 0);
  }
  return total;
}

/** Backfills the book from Stripe, connects HubSpot, starts the processes and waits for the first sync. */
async function startPipeline(
  world: World,
  hubspot: HubspotEmulator,
  options: Options,
  env: Record<string, string>,
): Promise<{ roles: RoleProcess[]; firstSyncSeconds: number }> {
  const started = Date.now();
  const backfill = await runCollections(['sync', 'stripe', '--backfill', '--json'], env, 30 * 60000);
  if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.stderr.slice(-2000)}`);
  const install = await runCollections(world.connectArgs, env, 120000);
  if (install.code !== 0) throw new Error(`hubspot install failed: ${install.stderr.slice(-2000)}`);
  progress(
    `${options.mode}: ${options.accounts} accounts backfilled from Stripe in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const roles =
    options.mode === 'redis'
      ? [await startRole('server', env), await startRole('worker', env), await startRole('worker', env)]
      : [await startRole('all', env)];
  await Promise.all(roles.map((role) => ready(role)));
  // The first sync (daily run: risk, rules, tasks; then every company) settles before measuring.
  const companies = [...world.companyOf.values()];
  const initialStart = Date.now();
  const synced = () =>
    companies.every((id) => hubspot.object('companies', id)?.properties['collections_status'] !== undefined);
  await settle(hubspot, synced, 'the first sync', 5000, 20 * 60000);
  // The daily run (risk refit, rules, tasks) may end after the companies were written: its refresh
  // and task creates would hold the tenant's sync while the phases are measured.
  await poll(
    async () => ((await jobsCompleted(roles, 'daily-tenant')) > 0 ? true : undefined),
    20 * 60000,
    'the daily run',
    500,
  );
  await settle(hubspot, synced, 'the daily run written', 10000, 20 * 60000);
  const firstSyncSeconds = (Date.now() - initialStart - 10000) / 1000;
  progress(
    `${options.mode}: first sync of ${companies.length} companies in ${firstSyncSeconds.toFixed(1)} s`,
  );
  return { roles, firstSyncSeconds };
}

async function main(): Promise<void> {
  const options = parseArgs();
  const world = await createWorld({
    tenant: 'bench-pipeline',
    accounts: options.accounts,
    invoicesPerAccount: 3,
  });
  const hubspot = world.hubspot;
  if (hubspot === undefined) throw new Error('the pipeline benchmark writes to HubSpot');
  let db: LocalDatabase | undefined;
  let redis: LocalRedis | undefined;
  let dataDir: string | undefined;
  const processes: RoleProcess[] = [];
  try {
    const env: Record<string, string> = { ...world.env, LOG_LEVEL: 'error' };
    if (options.mode === 'redis') {
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
    const { roles, firstSyncSeconds } = await startPipeline(world, hubspot, options, env);
    processes.push(...roles);
    const url = `http://127.0.0.1:${(roles[0] as RoleProcess).port}/webhooks/stripe`;

    // Changes for both phases at once, on distinct customers: the paced ones follow the burst's.
    const made = makeChanges(world, options.burst + Math.ceil(options.pacedEvents / 2));
    const burstChanges = made.changes.slice(0, options.burst);
    const burstCustomers = new Set(burstChanges.map((change) => change.customerId));
    const burst =
      options.burst > 0
        ? await burstPhase(world, hubspot, url, {
            changes: burstChanges,
            events: made.events.filter((event) =>
              burstCustomers.has(made.customerOfEvent.get(event.id) ?? ''),
            ),
            customerOfEvent: made.customerOfEvent,
          })
        : undefined;
    const groups = pacedGroups(
      world,
      made.changes.slice(options.burst),
      made.events,
      made.customerOfEvent,
      options.pacedEvents,
    );
    const paced =
      options.pacedEvents > 0 ? await pacedPhase(world, hubspot, url, groups, options.rate) : undefined;

    const memory = roles.map((role) => ({ role: role.role, ...memoryOf(role.child.pid ?? 0) }));
    const delays = paced === undefined ? undefined : pacedDelays(paced.run, new Map());
    if (delays !== undefined) progress(`paced: delay ${JSON.stringify(delays.delayMs)}`);
    // A process that stops badly is reported with the figures, not instead of them.
    const exits: string[] = [];
    for (const role of roles) {
      const code = await stopRole(role);
      if (code === 0) continue;
      exits.push(`${role.role} exited ${String(code)}`);
      progress(`${role.role} exited ${String(code)}: ${role.logs().slice(-2000)}`);
    }
    const openStore = () =>
      db !== undefined
        ? createPostgresStore({ connectionString: db.url })
        : createPgliteStore({ dataDir: dataDir as string });
    const applied =
      paced === undefined
        ? new Map<string, number>()
        : await appliedAt(
            openStore,
            world.tenant,
            groups.flatMap((group) => group.events.map((event) => event.id)),
          );
    const result = {
      mode: options.mode,
      store: options.mode === 'redis' ? 'postgres' : 'pglite',
      processes: roles.map((role) => role.role).join(' + '),
      accounts: options.accounts,
      firstSyncSeconds: Number(firstSyncSeconds.toFixed(1)),
      burst,
      paced: paced === undefined ? undefined : { ...paced.report, ...pacedDelays(paced.run, applied) },
      exits,
      memoryMiB: memory.map((entry) => ({
        role: entry.role,
        peak: Math.round(entry.peakMiB ?? 0),
        now: Math.round(entry.rssMiB ?? 0),
      })),
    };
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
