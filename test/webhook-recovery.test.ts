import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { TenantId } from '../src/domain/model';
import { BILLING_EVENT, billingEventJobId, createBillingEventHandler } from '../src/jobs/billing-events';
import { RECONCILE_GRACE_MS, reconcileTenant } from '../src/jobs/reconcile';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp } from '../server/http/app';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { sendWebhooks } from './emulators/stripe/webhook-sender';

const API_KEY = 'sk_test_recovery';
const SECRET = 'whsec_recovery';
const TENANT = 'recovery' as TenantId;

/** The real in-process queue, refusing its first `failures` enqueues the way BullMQ does while Redis is down. */
function downFor(queue: JobQueue, failures: number): JobQueue & { refused: number } {
  const wrapped = Object.create(queue) as JobQueue & { refused: number };
  wrapped.refused = 0;
  wrapped.enqueue = async (name, payload, options) => {
    if (wrapped.refused < failures) {
      wrapped.refused += 1;
      throw new Error("the job queue's Redis is not reachable (waited 5000 ms)");
    }
    return queue.enqueue(name, payload, options);
  };
  return wrapped;
}

describe('webhooks whose job was not queued are not lost', () => {
  let emu: StripeEmulator;
  let store: CollectionsStore;

  beforeEach(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    emu.clock.set(Date.UTC(2026, 2, 2, 10) / 1000);
    store = await createPgliteStore();
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await emu.close();
  });

  /** The emulator's events, stored as received webhooks whose jobs were never queued. */
  const receivedUnqueued = async () => {
    const events = emu.events();
    for (const event of events)
      await store.recordWebhookEvent(TENANT, 'stripe', {
        eventId: event.id,
        type: event.type,
        createdMs: Number(event.created) * 1000,
        body: JSON.stringify(event),
      });
    return events;
  };

  const sourceOf = () =>
    createStripeSource({
      secretKey: API_KEY,
      webhookSecret: SECRET,
      apiBase: emu.url,
      timeZone: 'UTC',
      crm: 'hubspot',
      maxRequestsPerSecond: 1000,
    });

  it('answers 500 while the queue is down, and queues the event on the sender retry', async () => {
    const source = sourceOf();
    const queue = createInProcessJobQueue({ backoffMs: () => 10 });
    const processed: string[] = [];
    await queue.startWorker({
      [BILLING_EVENT]: createBillingEventHandler(store, new Map([[source.name, source]]), (event) => {
        processed.push(event.eventId);
      }),
    });
    const flaky = downFor(queue, 1);
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      billingWebhooks: [{ source, tenant: TENANT, queue: flaky }],
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      emu.scenario.createCustomer({ email: 'ap@acme.example', metadata: { hubspot_company_id: '7' } });
      const [event] = emu.events();
      if (event === undefined) throw new Error('no event');
      const report = await sendWebhooks([event], {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
        secret: SECRET,
        retry: { maxAttempts: 3, initialDelayMs: 5, mode: 'inline' },
      });
      const attempts = report.deliveries[0]?.attempts.map((attempt) => attempt.status);
      // Stored on the first attempt but not queued: 500; the retry is a duplicate still waiting.
      expect(attempts).toEqual([500, 200]);
      expect(flaky.refused).toBe(1);
      const deadline = Date.now() + 10000;
      while ((await store.getWebhookEvent(TENANT, 'stripe', event.id))?.state === 'received') {
        if (Date.now() > deadline) throw new Error('the event was never processed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(processed).toEqual([event.id]);
      expect((await store.getWebhookEvent(TENANT, 'stripe', event.id))?.state).toBe('processed');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
    }
  });

  it('the reconciler queues events still waiting after the grace period, once, and leaves processed ones', async () => {
    emu.scenario.createCustomer({ email: 'a@one.example', metadata: { hubspot_company_id: '1' } });
    emu.scenario.createCustomer({ email: 'b@two.example', metadata: { hubspot_company_id: '2' } });
    const events = await receivedUnqueued();
    const [first, second] = events as unknown as [{ id: string }, { id: string }];
    await store.finishWebhookEvent(TENANT, 'stripe', first.id, 'processed');
    const queue = createInProcessJobQueue();
    try {
      // Just received: still within the grace period, so not touched.
      expect((await reconcileTenant(store, queue, TENANT, ['stripe'])).billingEvents).toBe(0);
      const later = Date.now() + RECONCILE_GRACE_MS + 1000;
      expect(await reconcileTenant(store, queue, TENANT, ['stripe'], later)).toMatchObject({
        billingEvents: 1,
        crmEvents: 0,
      });
      expect((await queue.getJob(billingEventJobId(TENANT, 'stripe', second.id)))?.state).toBe('waiting');
      expect(await queue.getJob(billingEventJobId(TENANT, 'stripe', first.id))).toBeUndefined();
      // Again: the job id keeps it to one job.
      const again = await queue.enqueue(
        BILLING_EVENT,
        { tenant: TENANT, source: 'stripe', eventId: second.id },
        { jobId: billingEventJobId(TENANT, 'stripe', second.id) },
      );
      expect(again.deduplicated).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it("applies a tenant's waiting events in one batch at a time across workers", async () => {
    const source = sourceOf();
    for (const name of ['one', 'two', 'three'])
      emu.scenario.createCustomer({ email: `ap@${name}.example`, metadata: { hubspot_company_id: name } });
    const events = await receivedUnqueued();
    const outcomes: string[] = [];
    const locks = createInProcessLocks();
    // Two workers' handlers sharing the lock, one job per event, all at once.
    const handlers = [0, 1].map(() =>
      createBillingEventHandler(
        store,
        new Map([[source.name, source]]),
        (event) => {
          outcomes.push(event.outcome);
        },
        {},
        locks,
      ),
    );
    await Promise.all(
      events.map((event, index) =>
        (handlers[index % 2] as (typeof handlers)[number])(
          { tenant: TENANT, source: 'stripe', eventId: event.id },
          { jobId: `job-${index}`, attempt: 1, signal: new AbortController().signal },
        ),
      ),
    );
    // The first batch took every waiting event; the other jobs found theirs applied.
    expect(outcomes.filter((outcome) => outcome === 'processed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'done_before')).toHaveLength(events.length - 1);
    expect(await store.countWebhookEvents(TENANT, 'stripe')).toEqual({ processed: events.length });
  });
});
