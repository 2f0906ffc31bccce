/**
 * Cards that will fail, end to end: the Stripe SDK against the Stripe emulator (backfill with the default
 * payment method expanded, then a signed card-updater webhook into the server), the default playbook,
 * and the task in the HubSpot emulator, created once and completed when the card on file is updated.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import Stripe from 'stripe';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet, type RuleSet } from '../src/domain/rules/rule-set';
import { BILLING_EVENT, createBillingEventHandler } from '../src/jobs/billing-events';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import { backfillBillingSource } from '../src/use-cases/billing-sync';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { runCollectionsRules } from '../src/use-cases/collections-rules';
import { syncCrm } from '../src/use-cases/crm-sync';
import { createHttpApp } from '../server/http/app';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { sendWebhooks } from './emulators/stripe/webhook-sender';

const API_KEY = 'sk_test_card_expiry';
const WEBHOOK_SECRET = 'whsec_card_expiry';
const HUBSPOT_TOKEN = 'pat-card-expiry';
const TENANT = 'cards' as TenantId;
const at = (year: number, month: number, day: number): number => Date.UTC(year, month - 1, day, 10) / 1000;

describe('a card on file that expires before the renewal', () => {
  let emu: StripeEmulator;
  let hs: HubspotEmulator;
  let stripe: Stripe;
  let store: CollectionsStore;
  let queue: JobQueue;
  let server: Server;
  let webhookUrl: string;
  let ruleSet: RuleSet;
  let expiring: string;
  let lasting: string;
  let companyId: string;
  let cardId: string;

  const gateway = () =>
    createHubspotGateway({
      accessToken: HUBSPOT_TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: `hubspot:${TENANT}`,
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      maxRetries: 3,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    });

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    hs = await startHubspotEmulator({
      accessToken: HUBSPOT_TOKEN,
      rateLimit: { requests: 1000, windowMs: 10000 },
    });
    stripe = new Stripe(API_KEY, { ...emu.sdkOptions(), maxNetworkRetries: 2 });
    store = await createPgliteStore();
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
    queue = createInProcessJobQueue({ backoffMs: () => 10 });
    await queue.startWorker({
      [BILLING_EVENT]: createBillingEventHandler(store, new Map([[source.name, source]])),
    });
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      billingWebhooks: [{ source, tenant: TENANT, queue }],
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
    const validated = validateRuleSet(DEFAULT_RULE_SET);
    if (!validated.ok) throw new Error('the default rule set does not validate');
    ruleSet = validated.ruleSet;

    // A yearly subscription renewing on 2026-12-15, paid by a card valid through November 2026.
    emu.clock.set(at(2026, 6, 1));
    companyId = hs.createCompany({ name: 'Acme' });
    expiring = String(
      emu.scenario.createCustomer({
        name: 'Acme',
        email: 'ap@acme.example',
        metadata: { hubspot_company_id: companyId, owner: 'owner@acme.example' },
        card: { brand: 'visa', last4: '4242', expMonth: 11, expYear: 2026 },
      }).id,
    );
    emu.scenario.createSubscription({
      customer: expiring,
      unitAmount: 1_200_000,
      interval: 'year',
      currentPeriodStart: at(2025, 12, 15),
      currentPeriodEnd: at(2026, 12, 15),
    });
    // Its neighbour's card outlives the renewal.
    lasting = String(
      emu.scenario.createCustomer({
        name: 'Globex',
        metadata: { hubspot_company_id: hs.createCompany({ name: 'Globex' }) },
        card: { brand: 'mastercard', last4: '4444', expMonth: 1, expYear: 2028 },
      }).id,
    );
    emu.scenario.createSubscription({
      customer: lasting,
      unitAmount: 600_000,
      interval: 'year',
      currentPeriodStart: at(2025, 12, 20),
      currentPeriodEnd: at(2026, 12, 20),
    });
    const customer = await stripe.customers.retrieve(expiring);
    if (customer.deleted) throw new Error('expected a live customer');
    cardId = String(customer.invoice_settings.default_payment_method);

    await backfillBillingSource(store, source, TENANT);
    await gateway().ensureSchema();
  }, 60000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await queue.close();
    await store.close();
    await hs.close();
    await emu.close();
  });

  const today = (): CalendarDate =>
    new Date(emu.clock.now() * 1000).toISOString().slice(0, 10) as CalendarDate;

  const status = async (customerId: string) => {
    const found = await getAccountStatus(store, TENANT, customerId, today());
    if (found === undefined) throw new Error(`${customerId} is not stored`);
    return found;
  };

  it('backfills the card from the expanded default payment method and sees it expire before the renewal', async () => {
    const acme = await status(expiring);
    expect(acme.cardOnFile).toMatchObject({
      brand: 'visa',
      last4: '4242',
      expMonth: 11,
      expYear: 2026,
      expiresOn: '2026-11-30',
    });
    expect(acme.nextRenewalOn).toBe('2026-12-15');
    expect(acme.cardExpiresBeforeNext).toEqual({
      expiresOn: '2026-11-30',
      nextChargeOn: '2026-12-15',
      what: 'renewal',
    });
    const globex = await status(lasting);
    expect(globex.cardOnFile).toMatchObject({ last4: '4444', expiresOn: '2028-01-31' });
    expect(globex.cardExpiresBeforeNext).toBeNull();
  });

  it('the daily rules create one gentle task for the account owner, and not again the next day', async () => {
    await runCollectionsRules(store, TENANT, ruleSet, null, today());
    emu.clock.advance(86400);
    await runCollectionsRules(store, TENANT, ruleSet, null, today());

    const tasks = await store.listTasks(TENANT, { state: 'open' });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      customerId: expiring,
      ruleId: 'card-expires-before-renewal',
      invoiceId: null,
      cause: 'card_expiry',
      assignee: 'account_owner',
      priority: 'low',
      tone: 'gentle',
      plannedOn: '2026-06-01',
      dueOn: '2026-06-06',
      title: 'Card on file expires 11/26, before the renewal on 2026-12-15: ask for an updated card',
    });

    const report = await syncCrm(store, gateway(), TENANT, today());
    expect(report.failed).toEqual([]);
    expect(report.tasksCreated).toBe(1);
    const crmTasks = hs.objects('tasks');
    expect(crmTasks).toHaveLength(1);
    expect(crmTasks[0]?.properties['hs_task_subject']).toBe(
      'Card on file expires 11/26, before the renewal on 2026-12-15: ask for an updated card',
    );
    expect(crmTasks[0]?.associations.some((association) => association.toObjectId === companyId)).toBe(true);
  });

  it('closes the task once the card updater reports a later expiry through a signed webhook', async () => {
    emu.clock.advance(86400);
    emu.scenario.updateCard(cardId, { expMonth: 11, expYear: 2029 }, { automatic: true });
    const events = emu.events().filter((event) => event.type === 'payment_method.automatically_updated');
    expect(events).toHaveLength(1);
    const delivery = await sendWebhooks(events, {
      url: webhookUrl,
      secret: WEBHOOK_SECRET,
      retry: { maxAttempts: 2, initialDelayMs: 5 },
    });
    expect(delivery.deliveries.map((entry) => entry.attempts.at(-1)?.status)).toEqual([200]);
    const deadline = Date.now() + 20000;
    while (((await store.countWebhookEvents(TENANT, 'stripe'))['received'] ?? 0) > 0) {
      if (Date.now() > deadline) throw new Error('the webhook event is still waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const acme = await status(expiring);
    expect(acme.cardOnFile).toMatchObject({ last4: '4242', expYear: 2029, expiresOn: '2029-11-30' });
    expect(acme.cardExpiresBeforeNext).toBeNull();

    const [task] = await store.listTasks(TENANT, { customerId: expiring });
    const report = await syncCrm(store, gateway(), TENANT, today());
    expect(report.tasksCompleted).toBe(1);
    const stored = (await store.listTasks(TENANT, { customerId: expiring })).find(
      (candidate) => candidate.actionId === task?.actionId,
    );
    expect(stored?.state).toBe('completed');
    expect(hs.object('tasks', stored?.crmTaskId ?? '')?.properties['hs_task_status']).toBe('COMPLETED');
    await runCollectionsRules(store, TENANT, ruleSet, null, today());
    expect(await store.listTasks(TENANT, { state: 'open' })).toEqual([]);
  });

  it('a new default card that expires before the renewal asks again, once', async () => {
    emu.clock.advance(86400);
    emu.scenario.updateDefaultCard(expiring, { brand: 'amex', last4: '0005', expMonth: 10, expYear: 2026 });
    const events = emu.events().filter((event) => event.created === emu.clock.now());
    expect(events.map((event) => event.type)).toEqual(['payment_method.attached', 'customer.updated']);
    const delivery = await sendWebhooks(events, {
      url: webhookUrl,
      secret: WEBHOOK_SECRET,
      retry: { maxAttempts: 2, initialDelayMs: 5 },
    });
    expect(delivery.deliveries.map((entry) => entry.attempts.at(-1)?.status)).toEqual([200, 200]);
    const deadline = Date.now() + 20000;
    while (((await store.countWebhookEvents(TENANT, 'stripe'))['received'] ?? 0) > 0) {
      if (Date.now() > deadline) throw new Error('the webhook events are still waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const acme = await status(expiring);
    expect(acme.cardOnFile).toMatchObject({ brand: 'amex', last4: '0005', expiresOn: '2026-10-31' });
    await runCollectionsRules(store, TENANT, ruleSet, null, today());
    emu.clock.advance(86400);
    await runCollectionsRules(store, TENANT, ruleSet, null, today());
    const open = await store.listTasks(TENANT, { state: 'open' });
    expect(open.map((task) => task.title)).toEqual([
      'Card on file expires 10/26, before the renewal on 2026-12-15: ask for an updated card',
    ]);
  });
});
