/**
 * The Stripe emulator, driven through the real `stripe` SDK (and its webhook verification).
 */
import Stripe from 'stripe';
import {
  DEFAULT_API_VERSION,
  startStripeEmulator,
  type EmulatedEvent,
  type StripeEmulator,
} from './emulator';
import { generateBulkFixtures } from './fixtures';
import {
  sendWebhooks,
  signWebhookPayload,
  startWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './webhook-sender';

const API_KEY = 'sk_test_emulator';
const SECRET = 'whsec_test_emulator_secret';

function sdk(emu: StripeEmulator, maxNetworkRetries = 0, apiKey = API_KEY): Stripe {
  return new Stripe(apiKey, { ...emu.sdkOptions(), maxNetworkRetries, telemetry: false });
}

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function idOf(object: { id?: unknown }): string {
  if (typeof object.id !== 'string') throw new Error('object has no id');
  return object.id;
}

describe('Stripe emulator: API version and list contract', () => {
  let emu: StripeEmulator;
  let stripe: Stripe;
  const customerIds: string[] = [];

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    stripe = sdk(emu);
    // 260 customers, three per second of emulator time: ties on `created` must still page cleanly.
    for (let index = 0; index < 260; index += 1) {
      if (index % 3 === 0) emu.clock.advance(1);
      customerIds.push(
        idOf(
          emu.scenario.createCustomer({
            email: `c${index}@example.com`,
            name: `Customer ${index}`,
            metadata:
              index % 2 === 0
                ? { hubspot_company_id: String(1000 + index) }
                : { salesforce_account_id: `001${index}` },
            country: 'US',
          }),
        ),
      );
    }
  });
  afterAll(() => emu.close());

  it('serves the API version the SDK pins', () => {
    expect(Stripe.API_VERSION).toBe(DEFAULT_API_VERSION);
    expect(emu.apiVersion).toBe(Stripe.API_VERSION);
  });

  it('pages through 260 customers with autoPagingToArray, newest first, ties by creation order', async () => {
    const before = emu.stats().byRoute['GET /v1/customers'] ?? 0;
    const all = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(all).toHaveLength(260);
    expect(new Set(all.map((customer) => customer.id)).size).toBe(260);
    expect(all.map((customer) => customer.id)).toEqual([...customerIds].reverse());
    for (let index = 1; index < all.length; index += 1) {
      expect((all[index - 1] as Stripe.Customer).created).toBeGreaterThanOrEqual(
        (all[index] as Stripe.Customer).created,
      );
    }
    expect((emu.stats().byRoute['GET /v1/customers'] ?? 0) - before).toBe(3);
    expect(all[0]).toMatchObject({ object: 'customer', livemode: false, email: 'c259@example.com' });
  });

  it('pages by hand with starting_after and back with ending_before', async () => {
    const first = await stripe.customers.list({ limit: 100 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    const second = await stripe.customers.list({ limit: 100, starting_after: first.data[99]?.id });
    const third = await stripe.customers.list({ limit: 100, starting_after: second.data[99]?.id });
    expect(second.has_more).toBe(true);
    expect(third.data).toHaveLength(60);
    expect(third.has_more).toBe(false);
    const ids = [...first.data, ...second.data, ...third.data].map((customer) => customer.id);
    expect(ids).toEqual([...customerIds].reverse());
    const back = await stripe.customers.list({ limit: 100, ending_before: second.data[0]?.id });
    expect(back.data.map((customer) => customer.id)).toEqual(first.data.map((customer) => customer.id));
    expect(back.has_more).toBe(false);
    const backwards = await stripe.customers
      .list({ limit: 40, ending_before: third.data[59]?.id })
      .autoPagingToArray({ limit: 1000 });
    expect(backwards).toHaveLength(259);
  });

  it('filters by created range and email', async () => {
    const pivot = (await stripe.customers.retrieve(customerIds[150] as string)) as Stripe.Customer;
    const newer = await stripe.customers
      .list({ limit: 100, created: { gte: pivot.created } })
      .autoPagingToArray({ limit: 1000 });
    const expected = customerIds.filter((_id, index) => Math.floor(index / 3) >= Math.floor(150 / 3));
    expect(newer.map((customer) => customer.id).sort()).toEqual([...expected].sort());
    const exact = await stripe.customers.list({ created: pivot.created });
    expect(exact.data).toHaveLength(3);
    const older = await stripe.customers
      .list({ limit: 100, created: { lt: pivot.created } })
      .autoPagingToArray({ limit: 1000 });
    expect(older.length + newer.length).toBe(260);
    const byEmail = await stripe.customers.list({ email: 'c7@example.com' });
    expect(byEmail.data.map((customer) => customer.id)).toEqual([customerIds[7]]);
  });

  it('rejects limits outside 1..100, unknown parameters and unknown cursors like Stripe', async () => {
    for (const limit of [0, 101]) {
      const error = await rejection(stripe.customers.list({ limit }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error.statusCode).toBe(400);
      expect(error.param).toBe('limit');
      expect(error.message).toMatch(/limit/);
    }
    const unknown = await rejection(
      stripe.customers.list({ shoe_size: '42' } as unknown as Stripe.CustomerListParams),
    );
    expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'shoe_size' });
    const cursor = await rejection(stripe.customers.list({ starting_after: 'cus_missing' }));
    expect(cursor).toMatchObject({ code: 'resource_missing', param: 'starting_after', statusCode: 400 });
  });

  it('answers 401 for a wrong key, 404 resource_missing for unknown ids and routes, with request ids', async () => {
    const auth = await rejection(sdk(emu, 0, 'sk_test_wrong').customers.list());
    expect(auth).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(auth.statusCode).toBe(401);
    expect(emu.stats().unauthorized).toBeGreaterThanOrEqual(1);

    const missing = await rejection(stripe.invoices.retrieve('in_doesnotexist'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({
      code: 'resource_missing',
      param: 'id',
      statusCode: 404,
      type: 'StripeInvalidRequestError',
    });
    expect(missing.message).toBe("No such invoice: 'in_doesnotexist'");
    expect(missing.requestId).toMatch(/^req_/);

    const route = await rejection(stripe.rawRequest('GET', '/v1/nothing_here'));
    expect(route.statusCode).toBe(404);
    expect(route.message).toMatch(/Unrecognized request URL/);

    const customer = await stripe.customers.retrieve(customerIds[0] as string);
    expect(customer.lastResponse.requestId).toMatch(/^req_/);
    expect(customer.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
  });

  it('returns deleted customers as stubs and hides them from lists', async () => {
    const id = idOf(emu.scenario.createCustomer({ email: 'gone@example.com' }));
    emu.scenario.deleteCustomer(id);
    expect(await stripe.customers.retrieve(id)).toMatchObject({ id, object: 'customer', deleted: true });
    const list = await stripe.customers.list({ email: 'gone@example.com' });
    expect(list.data).toHaveLength(0);
    const events = await stripe.events.list({ type: 'customer.deleted' });
    expect(events.data[0]?.data.object).toMatchObject({ id });
  });

  it('creates and updates customers through POST, emitting customer.updated with previous metadata', async () => {
    const created = await stripe.customers.create({
      email: 'new@example.com',
      metadata: { hubspot_company_id: '1' },
    });
    const updated = await stripe.customers.update(created.id, {
      metadata: { hubspot_company_id: '2', tier: '' },
    });
    expect(updated.metadata).toEqual({ hubspot_company_id: '2' });
    const events = await stripe.events.list({ type: 'customer.updated', limit: 1 });
    expect(events.data[0]?.data.previous_attributes).toEqual({ metadata: { hubspot_company_id: '1' } });
    expect(events.data[0]?.request?.id).toMatch(/^req_/);
  });
});

describe('Stripe emulator: faults', () => {
  let emu: StripeEmulator;
  let customerId: string;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    customerId = idOf(emu.scenario.createCustomer({ email: 'faults@example.com' }));
  });
  beforeEach(() => {
    emu.clearFaults();
    emu.resetStats();
  });
  afterAll(() => emu.close());

  it('a lock_timeout 429 on the first 2 requests is retried by the SDK (Stripe-Should-Retry: true)', async () => {
    emu.setFaults({ rateLimit: { trigger: { kind: 'first', count: 2 }, code: 'lock_timeout' } });
    const customer = await sdk(emu, 3).customers.retrieve(customerId);
    expect(customer.id).toBe(customerId);
    const stats = emu.stats();
    expect(stats).toMatchObject({ requests: 3, throttled: 2, lockTimeouts: 2, served: 1 });
    expect(emu.requestLog().map((entry) => entry.status)).toEqual([429, 429, 200]);
  });

  it('a rate_limit 429 is not retried by the SDK, as with Stripe: StripeRateLimitError on the first attempt', async () => {
    emu.setFaults({ rateLimit: { trigger: { kind: 'first', count: 2 } } });
    const stripe = sdk(emu, 3);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await rejection(stripe.customers.retrieve(customerId));
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    }
    expect((await stripe.customers.retrieve(customerId)).id).toBe(customerId);
    expect(emu.stats()).toMatchObject({ requests: 3, rateLimited: 2, throttled: 2 });
  });

  it('a rate_limit 429 with shouldRetry forced on is retried (to exercise retry paths deliberately)', async () => {
    emu.setFaults({ rateLimit: { trigger: { kind: 'first', count: 2 }, shouldRetry: true } });
    expect((await sdk(emu, 2).customers.retrieve(customerId)).id).toBe(customerId);
    expect(emu.stats()).toMatchObject({ requests: 3, rateLimited: 2 });
  });

  it('a persistent 429 ends in StripeRateLimitError after the retries', async () => {
    emu.setFaults({ rateLimit: { trigger: { kind: 'always' }, code: 'lock_timeout' } });
    const error = await rejection(sdk(emu, 1).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error.code).toBe('lock_timeout');
    expect(emu.stats()).toMatchObject({ requests: 2, throttled: 2 });
  });

  it('injected 500/503 api_errors are retried by the SDK', async () => {
    emu.setFaults({ serverError: { trigger: { kind: 'first', count: 1 }, status: 503 } });
    expect((await sdk(emu, 2).customers.retrieve(customerId)).id).toBe(customerId);
    expect(emu.stats()).toMatchObject({ requests: 2, serverErrors: 1 });
    emu.setFaults({ serverError: { trigger: { kind: 'always' } } });
    const error = await rejection(sdk(emu, 0).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
  });

  it('a token bucket throttles a burst, and faults can be scoped to paths', async () => {
    emu.setFaults({
      rateLimit: { trigger: { kind: 'tokenBucket', ratePerSecond: 0.2, burst: 3 }, paths: ['/v1/customers'] },
    });
    const stripe = sdk(emu, 0);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => stripe.customers.retrieve(customerId)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    expect(emu.stats().rateLimited).toBe(5);
    await expect(stripe.invoices.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('everyKth and latency', async () => {
    emu.setFaults({
      serverError: { trigger: { kind: 'everyKth', k: 3 } },
      latency: { ms: 120 },
    });
    const stripe = sdk(emu, 0);
    const started = performance.now();
    const outcomes: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      outcomes.push(
        await stripe.customers.retrieve(customerId).then(
          () => 'ok',
          () => 'error',
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'ok', 'error', 'ok', 'ok', 'error']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(6 * 110);
  });
});

describe('Stripe emulator: scenarios and events', () => {
  let emu: StripeEmulator;
  let stripe: Stripe;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    stripe = sdk(emu);
  });
  afterAll(() => emu.close());

  it('a failed payment with expired_card: invoice.payment_failed whose PaymentIntent has decline_code expired_card', async () => {
    const customer = idOf(
      emu.scenario.createCustomer({
        email: 'ops@acme.example',
        name: 'Acme',
        metadata: { hubspot_company_id: '777' },
      }),
    );
    const subscription = idOf(
      emu.scenario.createSubscription({ customer, unitAmount: 12_000, currency: 'eur' }),
    );
    const invoiceId = idOf(emu.scenario.createInvoice({ customer, subscription, amount: 12_000 }));
    emu.clock.advance(3600);
    emu.scenario.failPayment(invoiceId, { declineCode: 'expired_card' });

    const failedEvents = await stripe.events.list({ type: 'invoice.payment_failed' });
    const failed = failedEvents.data.find((event) => (event.data.object as Stripe.Invoice).id === invoiceId);
    expect(failed).toBeDefined();
    const invoice = failed?.data.object as Stripe.Invoice;
    expect(invoice).toMatchObject({
      status: 'open',
      attempt_count: 1,
      currency: 'eur',
      amount_remaining: 12_000,
    });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription);

    const payments = await stripe.invoicePayments.list({ invoice: invoiceId });
    expect(payments.data).toHaveLength(1);
    const intentId = payments.data[0]?.payment.payment_intent as string;
    const intent = await stripe.paymentIntents.retrieve(intentId);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error).toMatchObject({
      type: 'card_error',
      code: 'expired_card',
      decline_code: 'expired_card',
    });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      status: 'failed',
      failure_code: 'expired_card',
      payment_intent: intentId,
      customer,
      outcome: { network_status: 'declined_by_network', type: 'issuer_declined', reason: 'expired_card' },
    });

    const expanded = await stripe.invoices.retrieve(invoiceId, {
      expand: ['payments.data.payment.payment_intent', 'customer'],
    });
    const expandedIntent = expanded.payments?.data[0]?.payment.payment_intent as Stripe.PaymentIntent;
    expect(expandedIntent.last_payment_error?.decline_code).toBe('expired_card');
    expect((expanded.customer as Stripe.Customer).metadata).toEqual({ hubspot_company_id: '777' });

    const types = (await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 1000 }))
      .map((event) => event.type)
      .reverse();
    expect(types).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'payment_intent.created',
      'invoice.finalized',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.updated',
      'invoice.payment_failed',
      'customer.updated',
      'customer.subscription.updated',
    ]);
    const pastDue = await stripe.subscriptions.retrieve(subscription);
    expect(pastDue.status).toBe('past_due');
    expect(pastDue.items.data[0]).toMatchObject({
      current_period_end: expect.any(Number),
      price: { recurring: { interval: 'month' } },
    });
  });

  it('insufficient_funds reports card_declined with the decline code', () => {
    const customer = idOf(emu.scenario.createCustomer({ email: 'poor@example.com' }));
    const result = emu.scenario.failedRenewal({ customer, declineCode: 'insufficient_funds' });
    expect(result.paymentIntent?.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      type: 'card_error',
    });
  });

  it('covers the collections lifecycle: payment, new card, dispute won/lost, cancellation, void, uncollectible, credit note, refund', async () => {
    emu.clock.advance(86_400);
    const since = emu.clock.now();
    const customer = idOf(
      emu.scenario.createCustomer({
        email: 'life@example.com',
        metadata: { salesforce_account_id: '001ABC' },
      }),
    );
    const subscription = idOf(emu.scenario.createSubscription({ customer, unitAmount: 5000 }));
    const first = idOf(emu.scenario.createInvoice({ customer, subscription, amount: 5000 }));
    emu.scenario.failPayment(first, { declineCode: 'insufficient_funds' });
    emu.scenario.updateDefaultCard(customer, { brand: 'mastercard', expYear: 2031 });
    const paid = emu.scenario.payInvoice(first);
    expect(paid.invoice).toMatchObject({ status: 'paid', amount_paid: 5000, amount_remaining: 0 });
    const chargeId = idOf(paid.charge ?? {});

    const dispute = idOf(emu.scenario.createDispute(chargeId, { reason: 'fraudulent' }).dispute ?? {});
    emu.scenario.updateDispute(dispute);
    emu.scenario.closeDispute(dispute, 'won');

    const second = idOf(emu.scenario.createInvoice({ customer, subscription, amount: 5000 }));
    const secondCharge = idOf(emu.scenario.payInvoice(second).charge ?? {});
    const lostDispute = idOf(
      emu.scenario.createDispute(secondCharge, { reason: 'product_not_received' }).dispute ?? {},
    );
    emu.scenario.closeDispute(lostDispute, 'lost');

    emu.scenario.cancelAtPeriodEnd(subscription);
    const manual = idOf(
      emu.scenario.createInvoice({
        customer,
        amount: 900,
        collectionMethod: 'send_invoice',
        daysUntilDue: 14,
      }),
    );
    emu.scenario.voidInvoice(manual);
    const bad = idOf(emu.scenario.createInvoice({ customer, amount: 700, collectionMethod: 'send_invoice' }));
    emu.scenario.markUncollectible(bad);
    const credited = idOf(
      emu.scenario.createInvoice({ customer, amount: 3000, collectionMethod: 'send_invoice' }),
    );
    emu.scenario.createCreditNote(credited, { amount: 1000, reason: 'order_change' });
    emu.scenario.createCreditNote(second, { amount: 2000, reason: 'product_unsatisfactory' });
    emu.scenario.refundCharge(chargeId, { amount: 500 });
    emu.scenario.cancelSubscription(subscription);

    const interesting = [
      'customer.updated',
      'invoice.paid',
      'invoice.payment_succeeded',
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'invoice.voided',
      'invoice.marked_uncollectible',
      'credit_note.created',
      'charge.refunded',
    ];
    const events = (
      await stripe.events
        .list({ types: interesting, created: { gte: since }, limit: 100 })
        .autoPagingToArray({ limit: 1000 })
    ).reverse();
    expect(events.map((event) => event.type)).toEqual([
      'customer.updated', // delinquent after the decline
      'customer.subscription.updated', // past_due
      'customer.updated', // new default card
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.updated', // no longer delinquent
      'customer.subscription.updated', // active again
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'invoice.paid',
      'invoice.payment_succeeded',
      'charge.dispute.created',
      'charge.dispute.closed',
      'customer.subscription.updated', // cancel_at_period_end
      'invoice.voided',
      'invoice.marked_uncollectible',
      'credit_note.created',
      'charge.refunded',
      'credit_note.created',
      'charge.refunded',
      'customer.subscription.deleted',
    ]);
    const cardUpdate = events[2] as Stripe.Event;
    expect(cardUpdate.data.previous_attributes).toMatchObject({
      invoice_settings: { default_payment_method: expect.stringMatching(/^pm_/) },
    });
    const closes = events
      .filter((event) => event.type === 'charge.dispute.closed')
      .map((event) => (event.data.object as Stripe.Dispute).status);
    expect(closes).toEqual(['won', 'lost']);
    const cancellation = events[14] as Stripe.Event;
    expect(cancellation.data.object).toMatchObject({ cancel_at_period_end: true, status: 'active' });
    expect(cancellation.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });

    expect(await stripe.invoices.retrieve(manual)).toMatchObject({
      status: 'void',
      status_transitions: { voided_at: expect.any(Number) },
    });
    expect(await stripe.invoices.retrieve(bad)).toMatchObject({
      status: 'uncollectible',
      status_transitions: { marked_uncollectible_at: expect.any(Number) },
    });
    expect(await stripe.invoices.retrieve(credited)).toMatchObject({
      amount_due: 2000,
      pre_payment_credit_notes_amount: 1000,
    });
    const charge = await stripe.charges.retrieve(chargeId, { expand: ['refunds'] });
    expect(charge).toMatchObject({ disputed: true, amount_refunded: 500, refunded: false });
    expect(charge.refunds?.data).toHaveLength(1);
    expect((await stripe.disputes.list({ charge: secondCharge })).data[0]).toMatchObject({
      status: 'lost',
      amount: 5000,
    });
    expect((await stripe.creditNotes.list({ invoice: second })).data[0]).toMatchObject({
      type: 'post_payment',
      amount: 2000,
    });
    expect((await stripe.refunds.list({ charge: secondCharge })).data[0]).toMatchObject({
      amount: 2000,
      status: 'succeeded',
    });

    const live = await stripe.subscriptions.list({ customer });
    expect(live.data).toHaveLength(0);
    const all = await stripe.subscriptions.list({ customer, status: 'all' });
    expect(all.data[0]).toMatchObject({
      id: subscription,
      status: 'canceled',
      canceled_at: expect.any(Number),
    });
    expect(
      (await stripe.invoices.list({ customer, status: 'paid' })).data.map((invoice) => invoice.id).sort(),
    ).toEqual([first, second].sort());
    expect((await stripe.invoices.list({ customer, collection_method: 'send_invoice' })).data).toHaveLength(
      3,
    );
    expect((await stripe.charges.list({ customer })).data.map((item) => item.status)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
    ]);
    expect((await stripe.paymentIntents.list({ customer })).data).toHaveLength(5);
  });

  it('send_invoice past its due date: invoice.overdue on the controlled clock and due_date filters', async () => {
    const customer = idOf(emu.scenario.createCustomer({ email: 'late@example.com' }));
    const invoice = emu.scenario.createInvoice({
      customer,
      amount: 4200,
      collectionMethod: 'send_invoice',
      daysUntilDue: 30,
    });
    expect(invoice.due_date).toBe(emu.clock.now() + 30 * 86_400);
    emu.clock.advance(31 * 86_400);
    const events = emu.scenario.emitOverdueInvoices();
    expect(events.map((event) => event.type)).toContain('invoice.overdue');
    expect(emu.scenario.emitOverdueInvoices()).toEqual([]);
    const overdue = await stripe.invoices.list({
      status: 'open',
      due_date: { lt: emu.clock.now() },
      customer,
    });
    expect(overdue.data.map((item) => item.id)).toEqual([invoice.id]);
  });

  it('expands list items and keeps events for 30 days of emulator time', async () => {
    const customer = idOf(emu.scenario.createCustomer({ email: 'expand@example.com' }));
    emu.scenario.createInvoice({ customer, amount: 100 });
    const list = await stripe.invoices.list({ limit: 2, expand: ['data.customer'] });
    expect(typeof list.data[0]?.customer).toBe('object');
    const expandError = await rejection(stripe.invoices.list({ expand: ['customer'] }));
    expect(expandError.param).toBe('expand');

    emu.scenario.createCustomer({ email: 'retention@example.com' });
    const oldest = emu.events({ types: ['customer.created'] }).pop() as EmulatedEvent;
    expect((await stripe.events.retrieve(oldest.id)).id).toBe(oldest.id);
    emu.clock.advance(31 * 86_400);
    expect((await rejection(stripe.events.retrieve(oldest.id))).statusCode).toBe(404);
    expect(
      (await stripe.events.list({ limit: 100 })).data.every(
        (event) => event.created >= emu.clock.now() - 30 * 86_400,
      ),
    ).toBe(true);
  });

  it('is deterministic: the same seed and steps give the same ids and payloads', async () => {
    const run = async (): Promise<string[]> => {
      const local = await startStripeEmulator({ seed: 9 });
      const heard: string[] = [];
      const stop = local.onEvent((event) => heard.push(event.id));
      try {
        const customer = idOf(local.scenario.createCustomer({ email: 'same@example.com' }));
        local.scenario.failedRenewal({ customer, declineCode: 'do_not_honor' });
        stop();
        local.scenario.createCustomer({ email: 'after@example.com' });
        expect(heard).toEqual(
          local
            .events()
            .slice(0, -1)
            .map((event) => event.id),
        );
        return local.events().map((event) => JSON.stringify(event).replace(/127\.0\.0\.1:\d+/g, 'host'));
      } finally {
        await local.close();
      }
    };
    expect(await run()).toEqual(await run());
  });
});

describe('Stripe emulator: bulk fixtures', () => {
  let emu: StripeEmulator;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
  });
  afterAll(() => emu.close());

  it('generates 100,000 invoices across 5,000 customers and serves them through the SDK', async () => {
    const summary = generateBulkFixtures(emu, { customers: 5000, invoices: 100_000, seed: 7 });
    expect(summary.invoices).toBe(100_000);
    expect(emu.store.invoices.size).toBe(100_000);
    expect(summary.byKind.paid).toBeGreaterThan(50_000);
    expect(summary.byKind.disputed).toBeGreaterThan(1000);
    expect(Object.keys(summary.declineCodes)).toEqual(
      expect.arrayContaining(['insufficient_funds', 'expired_card']),
    );

    const stripe = sdk(emu);
    const customer = summary.customerIds[17] as string;
    const invoices = await stripe.invoices.list({ customer, limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(invoices.length).toBeGreaterThan(0);
    expect(invoices.every((invoice) => invoice.customer === customer)).toBe(true);
    const open = await stripe.invoices.list({ status: 'open', limit: 100 });
    expect(open.data).toHaveLength(100);
    expect(open.has_more).toBe(true);
    const disputes = await stripe.disputes.list({ limit: 100 });
    expect(disputes.data.map((dispute) => dispute.status)).toEqual(
      expect.arrayContaining(['needs_response', 'won', 'lost']),
    );
    const failedCharge = (await stripe.charges.list({ limit: 100 })).data.find(
      (charge) => charge.status === 'failed',
    );
    const intent = await stripe.paymentIntents.retrieve(failedCharge?.payment_intent as string);
    expect(intent.last_payment_error?.decline_code).toEqual(expect.any(String));
  });
});

describe('webhook sender', () => {
  let emu: StripeEmulator;
  let stripe: Stripe;
  let events: EmulatedEvent[];
  const receivers: WebhookReceiver[] = [];

  const receiver = async (respond?: WebhookReceiverOptions['respond']): Promise<WebhookReceiver> => {
    const started = await startWebhookReceiver({
      verify: (raw, header) => stripe.webhooks.constructEvent(raw, header, SECRET),
      ...(respond ? { respond } : {}),
    });
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    stripe = sdk(emu);
    const customer = idOf(emu.scenario.createCustomer({ email: 'hooks@example.com' }));
    emu.scenario.failedRenewal({ customer, declineCode: 'expired_card' });
    events = emu.events().slice(0, 5);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((item) => item.close()));
    await emu.close();
  });

  it('signs like Stripe: constructEvent accepts it; tampered, stale and wrong-secret signatures are rejected', () => {
    const event = events[0] as EmulatedEvent;
    const payload = JSON.stringify(event, null, 2);
    const now = Math.floor(Date.now() / 1000);
    const header = signWebhookPayload(payload, SECRET, now);
    expect(header).toBe(
      stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: now }),
    );
    expect(stripe.webhooks.constructEvent(payload, header, SECRET).id).toBe(event.id);
    const reject = (body: string, signature: string): void => {
      expect(() => stripe.webhooks.constructEvent(body, signature, SECRET)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    };
    reject(payload.replace(event.id, 'evt_forged'), header);
    reject(payload, signWebhookPayload(payload, SECRET, now - 600));
    reject(payload, signWebhookPayload(payload, 'whsec_other', now));
    expect(
      stripe.webhooks.constructEvent(payload, signWebhookPayload(payload, ['whsec_old', SECRET], now), SECRET)
        .id,
    ).toBe(event.id);
  });

  it('delivers signed events in order to a receiver that verifies them with the SDK', async () => {
    const target = await receiver();
    const report = await sendWebhooks(events, { url: target.url, secret: SECRET });
    expect(report).toMatchObject({ delivered: 5, failed: 0, attempts: 5 });
    expect(target.received.map((item) => [item.eventId, item.verified, item.status])).toEqual(
      events.map((event) => [event.id, true, 200]),
    );
  });

  it('duplicates, reverses and shuffles (seeded) deliveries', async () => {
    const ids = events.map((event) => event.id);
    const twice = await receiver();
    await sendWebhooks(events, { url: twice.url, secret: SECRET, faults: { duplicate: true } });
    expect(twice.received.map((item) => item.eventId)).toEqual(ids.flatMap((id) => [id, id]));
    expect(twice.received.map((item) => item.previousArrivals)).toEqual(ids.flatMap(() => [0, 1]));

    const reversed = await receiver();
    await sendWebhooks(events, {
      url: reversed.url,
      secret: SECRET,
      faults: { order: 'reverse', duplicate: { placement: 'end' } },
    });
    expect(reversed.received.map((item) => item.eventId)).toEqual([
      ...[...ids].reverse(),
      ...[...ids].reverse(),
    ]);

    const shuffledA = await receiver();
    const shuffledB = await receiver();
    await sendWebhooks(events, { url: shuffledA.url, secret: SECRET, faults: { order: 'shuffle', seed: 3 } });
    await sendWebhooks(events, { url: shuffledB.url, secret: SECRET, faults: { order: 'shuffle', seed: 3 } });
    const orderA = shuffledA.received.map((item) => item.eventId);
    expect(orderA).toEqual(shuffledB.received.map((item) => item.eventId));
    expect([...orderA].sort()).toEqual([...ids].sort());
    expect(orderA).not.toEqual(ids);
  });

  it('retries non-2xx answers with backoff; a deferred retry arrives after newer events', async () => {
    const flaky = events[1] as EmulatedEvent;
    const target = await receiver((webhook) =>
      webhook.eventId === flaky.id && webhook.previousArrivals === 0 ? 500 : 200,
    );
    const report = await sendWebhooks(events, {
      url: target.url,
      secret: SECRET,
      retry: { maxAttempts: 3, initialDelayMs: 10 },
    });
    expect(report.delivered).toBe(5);
    const delivery = report.deliveries.find((item) => item.eventId === flaky.id);
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
    expect(target.received.map((item) => item.eventId)).toEqual([
      ...events.map((event) => event.id),
      flaky.id,
    ]);

    const inline = await receiver((webhook) =>
      webhook.eventId === flaky.id && webhook.previousArrivals === 0 ? 503 : 200,
    );
    await sendWebhooks(events, {
      url: inline.url,
      secret: SECRET,
      retry: { mode: 'inline', initialDelayMs: 5 },
    });
    expect(inline.received.map((item) => item.eventId).slice(0, 3)).toEqual([
      events[0]?.id,
      flaky.id,
      flaky.id,
    ]);
  });

  it('bad signatures are rejected by the SDK at the receiver and retried until the attempts run out', async () => {
    for (const fault of [
      'wrong_secret',
      'tampered_body',
      'stale_timestamp',
      'missing_header',
      'no_v1_signature',
    ] as const) {
      const target = await receiver();
      const report = await sendWebhooks(events.slice(0, 2), {
        url: target.url,
        secret: SECRET,
        faults: { signature: fault, signatureEvery: 2 },
        retry: { maxAttempts: 2, initialDelayMs: 5 },
      });
      expect(report).toMatchObject({ delivered: 1, failed: 1, attempts: 3 });
      expect(target.received.map((item) => item.verified)).toEqual([true, false, false]);
      expect(target.received[1]?.status).toBe(400);
      expect(target.received[1]?.error).toEqual(expect.any(String));
    }
  });

  it('reports unreachable endpoints as failed deliveries', async () => {
    const closed = await startWebhookReceiver();
    const url = closed.url;
    await closed.close();
    const report = await sendWebhooks(events.slice(0, 1), {
      url,
      secret: SECRET,
      retry: { maxAttempts: 2, initialDelayMs: 5 },
    });
    expect(report.failed).toBe(1);
    expect(report.deliveries[0]?.attempts.map((attempt) => attempt.status)).toEqual([null, null]);
  });
});

describe('events as an endpoint on an older API version receives them', () => {
  let emu: StripeEmulator;
  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('before basil: periods on the subscription, the subscription and payment on the invoice, no invoice payments', () => {
    const customer = idOf(emu.scenario.createCustomer({ email: 'ap@old.example' }));
    const subscription = idOf(emu.scenario.createSubscription({ customer, unitAmount: 5000 }));
    const invoice = idOf(emu.scenario.createInvoice({ customer, subscription, amount: 5000 }));
    const charge = String(emu.scenario.payInvoice(invoice).charge?.id);
    const current = emu.events();
    const old = emu.events({ apiVersion: '2024-12-18.acacia' });

    expect(current.some((event) => event.type === 'invoice_payment.paid')).toBe(true);
    expect(old.map((event) => event.type)).toEqual(
      current.map((event) => event.type).filter((type) => !type.startsWith('invoice_payment.')),
    );
    expect(old.every((event) => event.api_version === '2024-12-18.acacia')).toBe(true);
    const byType = (type: string) => old.find((event) => event.type === type)?.data.object;
    const created = current.find((event) => event.type === 'customer.subscription.created')?.data.object;
    const item = (created?.['items'] as { data: Record<string, unknown>[] }).data[0];
    const oldSubscription = byType('customer.subscription.created');
    expect(oldSubscription?.['current_period_end']).toBe(item?.['current_period_end']);
    expect((oldSubscription?.['items'] as { data: Record<string, unknown>[] }).data[0]).not.toHaveProperty(
      'current_period_end',
    );
    expect(byType('invoice.paid')).toMatchObject({ subscription, paid: true, charge });
    expect(byType('invoice.paid')).not.toHaveProperty('parent');
    expect(byType('charge.succeeded')).toMatchObject({ id: charge, invoice });
    // From basil on, the shapes are the current ones, only labelled with the version.
    const basil = emu.events({ apiVersion: '2025-03-31.basil' });
    expect(basil.map((event) => ({ ...event, api_version: DEFAULT_API_VERSION }))).toEqual(current);
  });
});

describe("Stripe emulator: a customer's cards", () => {
  let emu: StripeEmulator;
  let stripe: Stripe;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    stripe = sdk(emu);
    emu.clock.set(Date.UTC(2026, 5, 1) / 1000);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('expands the default payment method on a customer, retrieved and listed', async () => {
    const customer = idOf(
      emu.scenario.createCustomer({ card: { brand: 'visa', last4: '4242', expMonth: 11, expYear: 2026 } }),
    );
    const retrieved = await stripe.customers.retrieve(customer, {
      expand: ['invoice_settings.default_payment_method'],
    });
    if (retrieved.deleted) throw new Error('expected a live customer');
    const method = retrieved.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    expect(method).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer,
      card: { brand: 'visa', last4: '4242', exp_month: 11, exp_year: 2026 },
    });
    const listed = await stripe.customers.list({
      limit: 100,
      expand: ['data.invoice_settings.default_payment_method'],
    });
    const mine = listed.data.find((entry) => entry.id === customer);
    expect((mine?.invoice_settings.default_payment_method as Stripe.PaymentMethod).id).toBe(method.id);
    const plain = await stripe.customers.retrieve(customer);
    if (plain.deleted) throw new Error('expected a live customer');
    expect(plain.invoice_settings.default_payment_method).toBe(method.id);
  });

  it("lists a customer's payment methods, pages them, and answers 404 for unknown or foreign ones", async () => {
    const customer = idOf(emu.scenario.createCustomer({ card: { expMonth: 1, expYear: 2027 } }));
    emu.clock.advance(10);
    const second = emu.scenario.updateDefaultCard(customer, { brand: 'mastercard', last4: '4444' });
    const other = idOf(emu.scenario.createCustomer({}));

    const all = await stripe.customers.listPaymentMethods(customer, { type: 'card' });
    expect(all).toMatchObject({
      object: 'list',
      has_more: false,
      url: `/v1/customers/${customer}/payment_methods`,
    });
    // Newest first: the card added later leads.
    expect(all.data.map((method) => method.card?.last4)).toEqual(['4444', '4242']);
    const first = await stripe.customers.listPaymentMethods(customer, { limit: 1 });
    expect(first.has_more).toBe(true);
    const next = await stripe.customers.listPaymentMethods(customer, {
      limit: 1,
      starting_after: first.data[0]?.id ?? '',
    });
    expect(next).toMatchObject({ has_more: false, data: [{ card: { last4: '4242' } }] });
    expect((await stripe.customers.listPaymentMethods(customer, { type: 'sepa_debit' })).data).toEqual([]);

    const retrieved = await stripe.customers.retrievePaymentMethod(customer, String(second.paymentMethod.id));
    expect(retrieved.card?.brand).toBe('mastercard');
    expect(await stripe.paymentMethods.retrieve(String(second.paymentMethod.id))).toMatchObject({ customer });

    const unknown = await rejection(stripe.customers.listPaymentMethods('cus_missing'));
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(unknown.message).toBe("No such customer: 'cus_missing'");
    const foreign = await rejection(
      stripe.customers.retrievePaymentMethod(other, String(second.paymentMethod.id)),
    );
    expect(foreign).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const badLimit = await rejection(stripe.customers.listPaymentMethods(customer, { limit: 101 }));
    expect(badLimit).toMatchObject({ statusCode: 400, param: 'limit' });
  });

  it('emits payment_method.automatically_updated and .updated with the card fields that changed', async () => {
    const customer = idOf(
      emu.scenario.createCustomer({ card: { last4: '1111', expMonth: 11, expYear: 2026 } }),
    );
    const fetched = await stripe.customers.retrieve(customer);
    if (fetched.deleted) throw new Error('expected a live customer');
    const methodId = String(fetched.invoice_settings.default_payment_method);

    const automatic = emu.scenario.updateCard(methodId, { expMonth: 11, expYear: 2029 }, { automatic: true });
    const event = await stripe.events.retrieve(automatic.id);
    expect(event.type).toBe('payment_method.automatically_updated');
    expect(event.data.object).toMatchObject({
      id: methodId,
      customer,
      card: { exp_month: 11, exp_year: 2029, last4: '1111' },
    });
    // Only the year changed: previous_attributes names only it.
    expect(event.data.previous_attributes).toEqual({ card: { exp_year: 2026 } });

    const manual = emu.scenario.updateCard(methodId, { expMonth: 3 });
    expect((await stripe.events.retrieve(manual.id)).type).toBe('payment_method.updated');
    expect(await stripe.paymentMethods.retrieve(methodId)).toMatchObject({
      card: { exp_month: 3, exp_year: 2029 },
    });
  });

  it('detaching the default card clears the default and emits payment_method.detached and customer.updated', async () => {
    const customer = idOf(emu.scenario.createCustomer({}));
    const fetched = await stripe.customers.retrieve(customer);
    if (fetched.deleted) throw new Error('expected a live customer');
    const methodId = String(fetched.invoice_settings.default_payment_method);

    const [detached, updated] = emu.scenario.detachPaymentMethod(methodId);
    const detachedEvent = await stripe.events.retrieve(detached?.id ?? '');
    expect(detachedEvent.type).toBe('payment_method.detached');
    expect(detachedEvent.data.object).toMatchObject({ id: methodId, customer: null });
    expect(detachedEvent.data.previous_attributes).toEqual({ customer });
    const updatedEvent = await stripe.events.retrieve(updated?.id ?? '');
    expect(updatedEvent.type).toBe('customer.updated');
    expect(updatedEvent.data.previous_attributes).toEqual({
      invoice_settings: { default_payment_method: methodId },
    });
    const after = await stripe.customers.retrieve(customer);
    if (after.deleted) throw new Error('expected a live customer');
    expect(after.invoice_settings.default_payment_method).toBeNull();
    expect((await stripe.customers.listPaymentMethods(customer)).data).toEqual([]);
  });
});
