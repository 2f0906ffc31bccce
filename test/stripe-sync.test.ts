import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { BILLING_EVENT, createBillingEventHandler } from '../src/jobs/billing-events';
import type { BillingSource } from '../src/ports/billing-source';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import { backfillBillingSource, type MatchOptions } from '../src/use-cases/billing-sync';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { createHttpApp, type AppState } from '../server/http/app';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { generateBulkFixtures } from './emulators/stripe/fixtures';
import { sendWebhooks, type WebhookFaults } from './emulators/stripe/webhook-sender';

const API_KEY = 'sk_test_collections';
const WEBHOOK_SECRET = 'whsec_collections_test';
const TENANT = 'acme' as TenantId;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0) / 1000;
const HOUR = 3600;
const DAY = 86400;

type Setup = {
  emu: StripeEmulator;
  store: CollectionsStore;
  source: BillingSource;
  queue: JobQueue;
  server: Server;
  url: string;
  delivered: number;
  close(): Promise<void>;
};

async function setup(match: MatchOptions = {}): Promise<Setup> {
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
    [BILLING_EVENT]: createBillingEventHandler(store, new Map([[source.name, source]]), undefined, match),
  });
  const state: AppState = {
    startedAt: Date.now(),
    demo: { state: 'off', tenant: TENANT },
    shuttingDown: false,
  };
  const app = createHttpApp({
    store,
    state,
    logger: pino({ level: 'silent' }),
    billingWebhooks: [{ source, tenant: TENANT, queue }],
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    emu,
    store,
    source,
    queue,
    server,
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    delivered: 0,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await store.close();
      await emu.close();
    },
  };
}

/** Sends the events recorded since the last delivery and waits until every one is processed. */
async function deliver(s: Setup, faults: WebhookFaults = {}): Promise<number[]> {
  const events = s.emu.events().slice(s.delivered);
  s.delivered += events.length;
  const report = await sendWebhooks(events, {
    url: s.url,
    secret: WEBHOOK_SECRET,
    faults,
    retry: { maxAttempts: 2, initialDelayMs: 5 },
  });
  const deadline = Date.now() + 20000;
  for (;;) {
    const counts = await s.store.countWebhookEvents(TENANT, 'stripe');
    if ((counts['received'] ?? 0) === 0) break;
    if (Date.now() > deadline) throw new Error(`events still pending: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return report.deliveries.map((delivery) => delivery.attempts[delivery.attempts.length - 1]?.status ?? 0);
}

const dayOf = (s: Setup): CalendarDate =>
  new Date(s.emu.clock.now() * 1000).toISOString().slice(0, 10) as CalendarDate;

async function status(s: Setup, customerId: string) {
  const result = await getAccountStatus(s.store, TENANT, customerId, dayOf(s));
  if (result === undefined) throw new Error(`customer ${customerId} not stored`);
  return result;
}

function newCardCustomer(s: Setup, metadata: Record<string, string> = { hubspot_company_id: '901' }) {
  const customer = s.emu.scenario.createCustomer({
    email: 'ap@acme.example',
    name: 'Acme GmbH',
    country: 'DE',
    metadata,
  });
  const subscription = s.emu.scenario.createSubscription({
    customer: String(customer.id),
    unitAmount: 49_00,
    currency: 'eur',
  });
  s.emu.clock.advance(HOUR);
  const invoice = s.emu.scenario.createInvoice({
    customer: String(customer.id),
    subscription: String(subscription.id),
    amount: 49_00,
  });
  return {
    customerId: String(customer.id),
    subscriptionId: String(subscription.id),
    invoiceId: String(invoice.id),
  };
}

describe('Stripe sync through the official SDK and signed webhooks (scenarios)', () => {
  let s: Setup;

  beforeEach(async () => {
    s = await setup();
  });

  afterEach(async () => {
    await s.close();
  });

  it('expired card: failed payment needing new card data; a new card and payment make it current', async () => {
    const { customerId, invoiceId } = newCardCustomer(s);
    s.emu.clock.advance(HOUR);
    s.emu.scenario.failPayment(invoiceId, { declineCode: 'expired_card' });
    expect((await deliver(s)).every((code) => code === 200)).toBe(true);
    const failed = await status(s, customerId);
    expect(failed.status).toBe('failed_payment');
    expect(failed.lastFailure).toMatchObject({ invoiceId, code: 'expired_card', class: 'hard_new_data' });
    const facts = await s.store.getAccountFacts(TENANT, customerId);
    expect(facts?.customer).toMatchObject({ name: 'Acme GmbH', country: 'DE', crmCompanyId: '901' });
    expect(facts?.invoices[0]).toMatchObject({ currency: 'EUR', amountMinor: 4900 });

    s.emu.clock.advance(DAY);
    s.emu.scenario.updateDefaultCard(customerId, { brand: 'mastercard' });
    s.emu.clock.advance(HOUR);
    s.emu.scenario.payInvoice(invoiceId);
    await deliver(s);
    const current = await status(s, customerId);
    expect(current.status).toBe('current');
    expect(current.balances.every((balance) => balance.outstandingMinor === 0)).toBe(true);
  });

  it('insufficient funds: retried, still failing, then recovered', async () => {
    const { customerId, invoiceId } = newCardCustomer(s);
    s.emu.clock.advance(HOUR);
    s.emu.scenario.failPayment(invoiceId, { declineCode: 'insufficient_funds' });
    s.emu.clock.advance(3 * DAY);
    s.emu.scenario.failPayment(invoiceId, { declineCode: 'insufficient_funds' });
    await deliver(s);
    const failing = await status(s, customerId);
    expect(failing.status).toBe('failed_payment');
    expect(failing.lastFailure).toMatchObject({ class: 'soft_funds', failuresSinceSuccess: 2 });
    s.emu.clock.advance(2 * DAY);
    s.emu.scenario.payInvoice(invoiceId);
    await deliver(s);
    expect((await status(s, customerId)).status).toBe('current');
  });

  it('disputes: opened → disputed; closed won → current, closed lost → the money is gone', async () => {
    const won = newCardCustomer(s, { hubspot_company_id: '1' });
    const lost = newCardCustomer(s, { hubspot_company_id: '2' });
    s.emu.clock.advance(HOUR);
    const wonCharge = String(s.emu.scenario.payInvoice(won.invoiceId).charge?.id);
    const lostCharge = String(s.emu.scenario.payInvoice(lost.invoiceId).charge?.id);
    s.emu.clock.advance(DAY);
    const wonDispute = String(s.emu.scenario.createDispute(wonCharge, { reason: 'fraudulent' }).dispute?.id);
    const lostDispute = String(
      s.emu.scenario.createDispute(lostCharge, { reason: 'product_not_received' }).dispute?.id,
    );
    await deliver(s);
    expect((await status(s, won.customerId)).status).toBe('disputed');
    expect((await status(s, lost.customerId)).openDisputes[0]).toMatchObject({ disputeId: lostDispute });

    s.emu.clock.advance(10 * DAY);
    s.emu.scenario.closeDispute(wonDispute, 'won');
    s.emu.scenario.closeDispute(lostDispute, 'lost');
    await deliver(s);
    expect((await status(s, won.customerId)).status).toBe('current');
    const lostFacts = await s.store.getAccountFacts(TENANT, lost.customerId);
    expect(lostFacts?.disputes[0]).toMatchObject({ outcome: 'lost', resolvedOn: dayOf(s) });
    expect((await status(s, lost.customerId)).openDisputes).toEqual([]);
  });

  it('a subscription cancelled at period end has no renewal', async () => {
    const { customerId, subscriptionId } = newCardCustomer(s);
    await deliver(s);
    expect((await status(s, customerId)).nextRenewalOn).not.toBeNull();
    s.emu.clock.advance(DAY);
    s.emu.scenario.cancelAtPeriodEnd(subscriptionId);
    await deliver(s);
    const facts = await s.store.getAccountFacts(TENANT, customerId);
    expect(facts?.subscriptions[0]).toMatchObject({ subscriptionId, renewsOn: null });
    expect((await status(s, customerId)).nextRenewalOn).toBeNull();
  });

  it('a bad, stale or missing signature answers 400 and stores nothing; unknown event types are ignored', async () => {
    newCardCustomer(s);
    const events = s.emu.events();
    for (const signature of ['wrong_secret', 'tampered_body', 'stale_timestamp', 'missing_header'] as const) {
      const report = await sendWebhooks(events.slice(0, 2), {
        url: s.url,
        secret: WEBHOOK_SECRET,
        faults: { signature },
        retry: { maxAttempts: 1 },
      });
      expect(report.deliveries.map((d) => d.attempts[0]?.status)).toEqual([400, 400]);
    }
    expect(await s.store.countWebhookEvents(TENANT, 'stripe')).toEqual({});
    expect((await s.store.counts(TENANT)).customers).toBe(0);

    const unknown = { ...events[0]!, id: 'evt_unknown_type', type: 'climate.order.delayed' };
    await sendWebhooks([unknown], { url: s.url, secret: WEBHOOK_SECRET });
    const deadline = Date.now() + 5000;
    while ((await s.store.countWebhookEvents(TENANT, 'stripe'))['ignored'] !== 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await s.store.countWebhookEvents(TENANT, 'stripe')).toEqual({ ignored: 1 });
  });
});

/** Runs one history of events and returns the books it leaves. */
async function finalBooks(faults: WebhookFaults): Promise<unknown> {
  const s = await setup();
  try {
    const a = newCardCustomer(s, { hubspot_company_id: '11' });
    const b = newCardCustomer(s, { salesforce_account_id: '001xx' });
    s.emu.clock.advance(HOUR);
    s.emu.scenario.failPayment(a.invoiceId, { declineCode: 'expired_card' });
    s.emu.scenario.updateCustomer(a.customerId, { name: 'Acme Holding GmbH' });
    s.emu.clock.advance(DAY);
    s.emu.scenario.payInvoice(a.invoiceId);
    const charge = String(s.emu.scenario.payInvoice(b.invoiceId).charge?.id);
    s.emu.clock.advance(DAY);
    const dispute = String(s.emu.scenario.createDispute(charge).dispute?.id);
    s.emu.scenario.cancelAtPeriodEnd(b.subscriptionId);
    s.emu.clock.advance(DAY);
    s.emu.scenario.closeDispute(dispute, 'lost');
    const statuses = await deliver(s, faults);
    expect(statuses.every((code) => code === 200)).toBe(true);
    // Rows come in no particular order from the store: compare them sorted.
    const sorted = async (customerId: string) => {
      const facts = await s.store.getAccountFacts(TENANT, customerId);
      const byJson = <T>(rows: T[]) =>
        [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      return facts === undefined
        ? undefined
        : {
            ...facts,
            invoices: byJson(facts.invoices),
            payments: byJson(facts.payments),
            subscriptions: byJson(facts.subscriptions),
            disputes: byJson(facts.disputes),
          };
    };
    return {
      a: await sorted(a.customerId),
      b: await sorted(b.customerId),
      counts: await s.store.counts(TENANT),
    };
  } finally {
    await s.close();
  }
}

describe('two billing customers naming one CRM record', () => {
  it('the second is left unmapped with its reason and reported, until its metadata names its own', async () => {
    const reported: unknown[] = [];
    const s = await setup({ onMappingConflict: (conflict) => reported.push(conflict) });
    try {
      const first = newCardCustomer(s, { hubspot_company_id: '901' });
      await deliver(s);
      s.emu.clock.advance(HOUR);
      const second = newCardCustomer(s, { hubspot_company_id: '901' });
      await deliver(s);

      expect((await s.store.getAccountFacts(TENANT, first.customerId))?.customer.crmCompanyId).toBe('901');
      expect((await s.store.getAccountFacts(TENANT, second.customerId))?.customer.crmCompanyId).toBeNull();
      expect(await s.store.findCustomerIdByCrmId(TENANT, '901')).toBe(first.customerId);
      const conflict = { customerId: second.customerId, crmCompanyId: '901', heldBy: first.customerId };
      expect(await s.store.listUnmappedCustomers(TENANT)).toEqual([
        expect.objectContaining({ conflict: { crmCompanyId: '901', heldBy: first.customerId } }),
      ]);
      expect(reported).toContainEqual({ tenant: TENANT, ...conflict });
      // The invoice of the unmapped customer is kept: nothing is dropped, only the CRM link.
      expect((await s.store.getAccountFacts(TENANT, second.customerId))?.invoices).toHaveLength(1);

      s.emu.clock.advance(HOUR);
      s.emu.scenario.updateCustomer(second.customerId, { metadata: { hubspot_company_id: '902' } });
      await deliver(s);
      expect((await s.store.getAccountFacts(TENANT, second.customerId))?.customer.crmCompanyId).toBe('902');
      expect(await s.store.listUnmappedCustomers(TENANT)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe('order-safe and idempotent webhooks', () => {
  it('every event twice and in reverse (or shuffled) order gives the same books as in-order delivery', async () => {
    const inOrder = await finalBooks({});
    expect(inOrder).toMatchObject({ counts: { customers: 2, invoices: 2, disputes: 1 } });
    expect(await finalBooks({ duplicate: true, order: 'reverse' })).toEqual(inOrder);
    expect(
      await finalBooks({ duplicate: { times: 2, placement: 'end' }, order: 'shuffle', seed: 7 }),
    ).toEqual(inOrder);
  });
});

describe('Stripe backfill', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup();
    generateBulkFixtures(s.emu, { customers: 60, invoices: 700, seed: 3 });
  });

  afterAll(async () => {
    await s.close();
  });

  it('reads everything page by page, continues after an interruption, and backs off on 429s', async () => {
    s.emu.setFaults({ rateLimit: { trigger: { kind: 'everyKth', k: 4 }, code: 'rate_limit' } });
    const partial = await backfillBillingSource(s.store, s.source, TENANT, { maxPages: 3 });
    expect(partial.resumed).toBe(false);
    expect(partial.kinds.some((kind) => !kind.done)).toBe(true);
    const customersSoFar = (await s.store.counts(TENANT)).customers;
    expect(customersSoFar).toBeGreaterThan(0);

    const rest = await backfillBillingSource(s.store, s.source, TENANT);
    expect(rest.resumed).toBe(true);
    expect(rest.kinds.every((kind) => kind.done)).toBe(true);
    expect(s.emu.stats().rateLimited).toBeGreaterThan(0);
    s.emu.clearFaults();

    const stripeInvoices = [...s.emu.store.invoices.values()].filter(
      (invoice) => invoice.status !== 'draft',
    ).length;
    const counts = await s.store.counts(TENANT);
    expect(counts.customers).toBe(60);
    expect(counts.invoices).toBe(stripeInvoices);
    expect(counts.payments).toBeGreaterThan(0);
    expect(counts.disputes).toBeGreaterThan(0);

    const again = await backfillBillingSource(s.store, s.source, TENANT);
    expect(again.alreadyComplete).toBe(true);
    expect(again.written).toBe(0);
  });
});
