import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import Stripe from 'stripe';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { createRedisRateLimiter } from '../src/adapters/redis/rate-limiter';
import { declineCodeOf } from '../src/adapters/stripe/mapping';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { BILLING_EVENT, billingEventJobId, createBillingEventHandler } from '../src/jobs/billing-events';
import type { BillingSource } from '../src/ports/billing-source';
import type { JobQueue } from '../src/ports/queue';
import type { RateLimiter } from '../src/ports/rate-limiter';
import type { CollectionsStore } from '../src/ports/store';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { createHttpApp } from '../server/http/app';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import type { DisputeStatus } from './emulators/stripe/store';
import { sendWebhooks } from './emulators/stripe/webhook-sender';

const API_KEY = 'sk_test_stripe_events';
const WEBHOOK_SECRET = 'whsec_stripe_events';
const TENANT = 'events' as TenantId;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0) / 1000;
const HOUR = 3600;
const DAY = 86400;

type World = {
  emu: StripeEmulator;
  /** The official SDK against the emulator: Stripe's own objects are the oracle. */
  stripe: Stripe;
  store: CollectionsStore;
  source: BillingSource;
  queue: JobQueue;
  server: Server;
  url: string;
  delivered: Set<string>;
  close(): Promise<void>;
};

async function startWorld(): Promise<World> {
  const emu = await startStripeEmulator({ apiKey: API_KEY });
  emu.clock.set(T0);
  const store = await createPgliteStore();
  await store.migrate();
  const source = createStripeSource({
    secretKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiBase: emu.url,
    timeZone: 'UTC',
    crm: 'hubspot',
    maxRequestsPerSecond: 1000,
    rateLimitBaseDelayMs: 5,
  });
  const queue = createInProcessJobQueue({ backoffMs: () => 10 });
  await queue.startWorker({
    [BILLING_EVENT]: createBillingEventHandler(store, new Map([[source.name, source]])),
  });
  const app = createHttpApp({
    store,
    state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
    logger: pino({ level: 'silent' }),
    billingWebhooks: [{ source, tenant: TENANT, queue }],
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    emu,
    stripe: new Stripe(API_KEY, { ...emu.sdkOptions(), maxNetworkRetries: 2 }),
    store,
    source,
    queue,
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    delivered: new Set(),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await store.close();
      await emu.close();
    },
  };
}

/**
 * Posts the events not delivered yet to POST /webhooks/stripe, as an endpoint on `apiVersion` receives
 * them (default: the current one), and waits until none is waiting any more.
 */
async function deliver(w: World, apiVersion?: string): Promise<string[]> {
  const events = w.emu
    .events(apiVersion === undefined ? {} : { apiVersion })
    .filter((event) => !w.delivered.has(event.id));
  for (const event of events) w.delivered.add(event.id);
  const report = await sendWebhooks(events, {
    url: w.url,
    secret: WEBHOOK_SECRET,
    retry: { maxAttempts: 2, initialDelayMs: 5 },
  });
  expect(report.deliveries.map((delivery) => delivery.attempts.at(-1)?.status)).toEqual(
    events.map(() => 200),
  );
  const deadline = Date.now() + 20000;
  while (((await w.store.countWebhookEvents(TENANT, 'stripe'))['received'] ?? 0) > 0) {
    if (Date.now() > deadline) throw new Error('webhook events still waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return events.map((event) => event.id);
}

const dayOf = (seconds: number): CalendarDate =>
  new Date(seconds * 1000).toISOString().slice(0, 10) as CalendarDate;

async function status(w: World, customerId: string) {
  const result = await getAccountStatus(w.store, TENANT, customerId, dayOf(w.emu.clock.now()));
  if (result === undefined) throw new Error(`customer ${customerId} not stored`);
  return result;
}

/** What Stripe says is owed: the `amount_remaining` of the customer's open and uncollectible invoices. */
async function owedPerStripe(w: World, customerId: string): Promise<number> {
  const invoices = await w.stripe.invoices.list({ customer: customerId, limit: 100 });
  return invoices.data
    .filter((invoice) => invoice.status === 'open' || invoice.status === 'uncollectible')
    .reduce((sum, invoice) => sum + invoice.amount_remaining, 0);
}

const outstanding = (account: Awaited<ReturnType<typeof status>>) =>
  account.balances.reduce((sum, balance) => sum + balance.outstandingMinor, 0);

let companies = 0;
function newCustomer(w: World, subscription: { status?: 'trialing'; trialEnd?: number } = {}) {
  companies += 1;
  const customer = w.emu.scenario.createCustomer({
    email: `ap@company${companies}.example`,
    name: `Company ${companies}`,
    metadata: { hubspot_company_id: `hs-${companies}` },
  });
  const created = w.emu.scenario.createSubscription({
    customer: String(customer.id),
    unitAmount: 120_00,
    currency: 'eur',
    ...subscription,
  });
  return { customerId: String(customer.id), subscriptionId: String(created.id) };
}

function newInvoice(w: World, customerId: string, subscriptionId: string): string {
  w.emu.clock.advance(HOUR);
  const invoice = w.emu.scenario.createInvoice({
    customer: customerId,
    subscription: subscriptionId,
    amount: 120_00,
  });
  return String(invoice.id);
}

describe('Stripe events through the official SDK and POST /webhooks/stripe', () => {
  let w: World;

  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  describe('every dispute status Stripe documents', () => {
    type Step = (disputeId: string) => void;
    const update =
      (to: DisputeStatus): Step =>
      (id) =>
        void w.emu.scenario.updateDispute(id, to);
    const close =
      (to: 'won' | 'lost' | 'warning_closed' | 'prevented'): Step =>
      (id) =>
        void w.emu.scenario.closeDispute(id, to);
    // Stripe's Dispute `status`: open while an inquiry, a chargeback or an appeal waits; closed after.
    const cases: [DisputeStatus, DisputeStatus, Step[], boolean][] = [
      ['warning_needs_response', 'warning_needs_response', [], true],
      ['warning_under_review', 'warning_needs_response', [update('warning_under_review')], true],
      ['warning_closed', 'warning_needs_response', [close('warning_closed')], false],
      ['needs_response', 'needs_response', [], true],
      ['under_review', 'needs_response', [update('under_review')], true],
      ['won', 'needs_response', [update('under_review'), close('won')], false],
      ['lost', 'needs_response', [close('lost')], false],
      ['prevented', 'warning_needs_response', [close('prevented')], false],
      ['appeal_needs_response', 'needs_response', [close('lost'), update('appeal_needs_response')], true],
      [
        'appeal_under_review',
        'needs_response',
        [close('lost'), update('appeal_needs_response'), update('appeal_under_review')],
        true,
      ],
    ];

    it.each(cases)('%s', async (expected, opened, steps, open) => {
      const { customerId, subscriptionId } = newCustomer(w);
      const invoiceId = newInvoice(w, customerId, subscriptionId);
      w.emu.clock.advance(HOUR);
      const charge = String(w.emu.scenario.payInvoice(invoiceId).charge?.id);
      w.emu.clock.advance(DAY);
      const disputeId = String(w.emu.scenario.createDispute(charge, { status: opened }).dispute?.id);
      for (const step of steps) {
        w.emu.clock.advance(DAY);
        step(disputeId);
      }
      await deliver(w);

      const dispute = await w.stripe.disputes.retrieve(disputeId);
      expect(dispute.status).toBe(expected);
      const account = await status(w, customerId);
      expect(account.openDisputes.map((d) => d.disputeId)).toEqual(open ? [disputeId] : []);
      expect(account.situations.includes('disputed')).toBe(open);
      expect(outstanding(account)).toBe(await owedPerStripe(w, customerId));
    });
  });

  describe('declines: Radar blocks, advice codes, Stripe decline codes, bank debits', () => {
    it.each(['rule', 'highest_risk_level', 'elevated_risk_level', 'low_probability_of_authorization'])(
      'a payment Radar blocked (%s) is a fraud/risk block, not an unknown failure',
      async (reason) => {
        const { customerId, subscriptionId } = newCustomer(w);
        const invoiceId = newInvoice(w, customerId, subscriptionId);
        w.emu.clock.advance(HOUR);
        const chargeId = String(w.emu.scenario.failPayment(invoiceId, { declineCode: reason }).charge?.id);
        await deliver(w);

        const charge = await w.stripe.charges.retrieve(chargeId);
        expect(charge.outcome).toMatchObject({ type: 'blocked', reason });
        const account = await status(w, customerId);
        expect(account.lastFailure).toMatchObject({ paymentId: chargeId, code: reason, class: 'hard_risk' });
        expect(outstanding(account)).toBe(await owedPerStripe(w, customerId));
      },
    );

    it("the issuer's advice outranks the decline code: insufficient funds but do_not_try_again is never retried", async () => {
      const { customerId, subscriptionId } = newCustomer(w);
      const invoiceId = newInvoice(w, customerId, subscriptionId);
      w.emu.clock.advance(HOUR);
      const chargeId = String(
        w.emu.scenario.failPayment(invoiceId, {
          declineCode: 'insufficient_funds',
          adviceCode: 'do_not_try_again',
        }).charge?.id,
      );
      await deliver(w);

      const charge = await w.stripe.charges.retrieve(chargeId);
      expect(charge.outcome).toMatchObject({ reason: 'insufficient_funds' });
      const account = await status(w, customerId);
      // A retry class (soft_funds) would have the networks charge for retries Stripe advised against.
      expect(account.lastFailure).toMatchObject({ code: charge.outcome?.advice_code, class: 'hard_other' });
      expect(outstanding(account)).toBe(await owedPerStripe(w, customerId));
    });

    it('a decline code missing from the table before (duplicate_transaction) is never retried', async () => {
      const { customerId, subscriptionId } = newCustomer(w);
      const invoiceId = newInvoice(w, customerId, subscriptionId);
      w.emu.clock.advance(HOUR);
      w.emu.scenario.failPayment(invoiceId, { declineCode: 'duplicate_transaction' });
      await deliver(w);
      expect((await status(w, customerId)).lastFailure).toMatchObject({
        code: 'duplicate_transaction',
        class: 'hard_other',
        action: expect.stringContaining('already paid'),
      });
    });

    it.each([
      ['SEPA', 'sepa_debit', undefined],
      ['ACH (return R07)', 'us_bank_account', 'R07'],
    ] as const)(
      'a %s debit the customer did not authorise is a revoked authorisation: a churn signal',
      async (_label, method, returnCode) => {
        const { customerId, subscriptionId } = newCustomer(w);
        const invoiceId = newInvoice(w, customerId, subscriptionId);
        w.emu.clock.advance(HOUR);
        const chargeId = String(w.emu.scenario.startBankDebit(invoiceId, method).charge?.id);
        w.emu.clock.advance(3 * DAY);
        w.emu.scenario.settleBankDebit(chargeId, {
          failureCode: 'debit_not_authorized',
          ...(returnCode === undefined ? {} : { networkDeclineCode: returnCode }),
        });
        await deliver(w);

        const charge = await w.stripe.charges.retrieve(chargeId);
        expect(charge).toMatchObject({ status: 'failed', failure_code: 'debit_not_authorized' });
        // An ACH return is read from its network code too, as Stripe's "Network decline codes" name it.
        if (returnCode !== undefined)
          expect(declineCodeOf({ ...charge, failure_code: null })).toBe('debit_not_authorized');
        const account = await status(w, customerId);
        expect(account.lastFailure).toMatchObject({ paymentId: chargeId, class: 'hard_revoked' });
        expect(account.churnSignals).toContain('payment_authorization_revoked');
        expect(outstanding(account)).toBe(await owedPerStripe(w, customerId));
      },
    );
  });

  describe('subscriptions: when the next renewal is', () => {
    const periodEndOf = async (subscriptionId: string) => {
      const subscription = await w.stripe.subscriptions.retrieve(subscriptionId);
      return { subscription, periodEnd: subscription.items.data[0]?.current_period_end as number };
    };

    it('a future cancel_at before the period ends means no renewal', async () => {
      const { customerId, subscriptionId } = newCustomer(w);
      w.emu.clock.advance(HOUR);
      const before = await periodEndOf(subscriptionId);
      w.emu.scenario.cancelAt(subscriptionId, before.periodEnd - 5 * DAY);
      await deliver(w);
      const { subscription, periodEnd } = await periodEndOf(subscriptionId);
      expect(subscription.status).toBe('active');
      expect(subscription.cancel_at).toBeLessThan(periodEnd);
      expect((await status(w, customerId)).nextRenewalOn).toBeNull();
    });

    it('a cancel_at after the period end leaves the renewal at the period end', async () => {
      const { customerId, subscriptionId } = newCustomer(w);
      w.emu.clock.advance(HOUR);
      const { periodEnd } = await periodEndOf(subscriptionId);
      w.emu.scenario.cancelAt(subscriptionId, periodEnd + 40 * DAY);
      await deliver(w);
      expect((await status(w, customerId)).nextRenewalOn).toBe(dayOf(periodEnd));
    });

    it('pause_collection with no resume date means no renewal; resuming before the period end keeps it', async () => {
      const paused = newCustomer(w);
      const resuming = newCustomer(w);
      w.emu.clock.advance(HOUR);
      const { periodEnd } = await periodEndOf(resuming.subscriptionId);
      w.emu.scenario.pauseCollection(paused.subscriptionId, 'keep_as_draft');
      w.emu.scenario.pauseCollection(resuming.subscriptionId, 'void', periodEnd - 10 * DAY);
      await deliver(w);
      expect((await w.stripe.subscriptions.retrieve(paused.subscriptionId)).pause_collection).toMatchObject({
        behavior: 'keep_as_draft',
        resumes_at: null,
      });
      expect((await status(w, paused.customerId)).nextRenewalOn).toBeNull();
      expect((await status(w, resuming.customerId)).nextRenewalOn).toBe(dayOf(periodEnd));
    });

    it('a trial renews at its end; a paused subscription does not renew', async () => {
      const trialEnd = w.emu.clock.now() + 14 * DAY;
      const trial = newCustomer(w, { status: 'trialing', trialEnd });
      const pausing = newCustomer(w, { status: 'trialing', trialEnd });
      w.emu.clock.advance(HOUR);
      w.emu.scenario.pauseSubscription(pausing.subscriptionId);
      await deliver(w);
      const trialing = await w.stripe.subscriptions.retrieve(trial.subscriptionId);
      expect((await status(w, trial.customerId)).nextRenewalOn).toBe(dayOf(trialing.trial_end as number));
      expect((await w.stripe.subscriptions.retrieve(pausing.subscriptionId)).status).toBe('paused');
      expect((await status(w, pausing.customerId)).nextRenewalOn).toBeNull();
    });
  });

  describe('webhook endpoints on other API versions', () => {
    it('reads the shapes of an endpoint still on an acacia version (before basil moved the fields)', async () => {
      const { customerId, subscriptionId } = newCustomer(w);
      const invoiceId = newInvoice(w, customerId, subscriptionId);
      const sent = await deliver(w, '2024-12-18.acacia');
      const events = w.emu.events({ apiVersion: '2024-12-18.acacia' });
      const created = events.find(
        (event) => sent.includes(event.id) && event.type === 'customer.subscription.created',
      );
      // The older shape really is older: the period is on the subscription, not its items.
      expect(created?.data.object['current_period_end']).toEqual(expect.any(Number));
      for (const id of sent)
        expect((await w.store.getWebhookEvent(TENANT, 'stripe', id))?.state).not.toBe('failed');

      const subscription = await w.stripe.subscriptions.retrieve(subscriptionId);
      const invoice = await w.stripe.invoices.retrieve(invoiceId);
      const account = await status(w, customerId);
      expect(account.nextRenewalOn).toBe(dayOf(subscription.items.data[0]?.current_period_end as number));
      const facts = await w.store.getAccountFacts(TENANT, customerId);
      expect(facts?.invoices.map((row) => [row.invoiceId, row.subscriptionId])).toEqual([
        [invoiceId, invoice.parent?.subscription_details?.subscription],
      ]);
      expect(outstanding(account)).toBe(await owedPerStripe(w, customerId));
    });

    it.each(['2023-10-16', '2027-01-27.foxglove'])(
      'refuses events of version %s: kept as failed with the reason, not retried, nothing applied',
      async (apiVersion) => {
        const { customerId, subscriptionId } = newCustomer(w);
        newInvoice(w, customerId, subscriptionId);
        const sent = await deliver(w, apiVersion);
        expect(sent.length).toBeGreaterThan(2);
        for (const id of sent) {
          const stored = await w.store.getWebhookEvent(TENANT, 'stripe', id);
          expect(stored?.state).toBe('failed');
          const job = await w.queue.getJob(billingEventJobId(TENANT, 'stripe', id));
          // The job ended without an error: a refusal is final, retrying cannot help.
          expect(job === undefined || job.state === 'completed').toBe(true);
        }
        const refused = (await w.store.listWebhookFailures(TENANT)).find(
          (failure) => failure.reason === 'unsupported_api_version',
        );
        expect(refused?.latest.error).toContain(`Stripe API version ${apiVersion} is not supported`);
        expect(refused?.latest.error).toContain('2026-10-28.endive');
        expect(await w.store.getAccountFacts(TENANT, customerId)).toBeUndefined();
      },
    );
  });
});

describe('request pacing shared by every process reading one Stripe account', () => {
  let emu: StripeEmulator;
  let limiter: RateLimiter;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    emu.clock.set(T0);
    for (let index = 0; index < 3; index += 1)
      emu.scenario.createCustomer({ email: `c${index}@pace.example` });
    // The Redis limiter when CI provides one (as between processes), the embedded one otherwise.
    limiter =
      process.env['REDIS_URL'] === undefined
        ? createInProcessRateLimiter()
        : createRedisRateLimiter({
            url: process.env['REDIS_URL'],
            prefix: `collections:test:${Date.now()}:`,
          });
  });
  afterAll(async () => {
    await limiter.close();
    await emu.close();
  });

  it('two sources with the same key (two processes) stay within one budget together', async () => {
    const perSecond = 10;
    const sources = [0, 1].map(() =>
      createStripeSource({
        secretKey: API_KEY,
        apiBase: emu.url,
        timeZone: 'UTC',
        crm: 'hubspot',
        maxRequestsPerSecond: perSecond,
        limiter,
      }),
    );
    emu.resetStats();
    await Promise.all(
      sources.map(async (source) => {
        for (let call = 0; call < 14; call += 1) await source.listPage('customers', null, 0);
      }),
    );
    const times = emu
      .requestLog()
      .filter((entry) => entry.route.startsWith('GET /v1/customers'))
      .map((entry) => entry.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(28);
    // The most requests Stripe saw in any one second.
    let busiest = 0;
    for (let first = 0; first < times.length; first += 1) {
      const inWindow = times.filter(
        (at) => at >= (times[first] as number) && at < (times[first] as number) + 1000,
      ).length;
      busiest = Math.max(busiest, inWindow);
    }
    expect(busiest).toBeLessThanOrEqual(perSecond);
  });
});
