/**
 * The books agree with Stripe: each scenario changes Stripe's state the way Stripe does (emulator),
 * delivers the events it sends through the real `POST /webhooks/stripe`, and compares the account's
 * balances with what Stripe's own objects say, read back through the official SDK: what is owed is the
 * sum of `amount_remaining` over `open` and `uncollectible` invoices.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import Stripe from 'stripe';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { BILLING_EVENT, createBillingEventHandler } from '../src/jobs/billing-events';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { planCollectionsActions } from '../src/use-cases/collections-rules';
import { createHttpApp } from '../server/http/app';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { sendWebhooks } from './emulators/stripe/webhook-sender';

const API_KEY = 'sk_test_truth';
const WEBHOOK_SECRET = 'whsec_truth';
const TENANT = 'truth' as TenantId;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0) / 1000;
const HOUR = 3600;
const DAY = 86400;

type Setup = {
  emu: StripeEmulator;
  stripe: Stripe;
  store: CollectionsStore;
  queue: JobQueue;
  server: Server;
  url: string;
  delivered: number;
};

async function setup(): Promise<Setup> {
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
  const { port } = server.address() as AddressInfo;
  const stripe = new Stripe(API_KEY, { ...emu.sdkOptions(), maxNetworkRetries: 1 });
  return { emu, stripe, store, queue, server, url: `http://127.0.0.1:${port}/webhooks/stripe`, delivered: 0 };
}

async function teardown(s: Setup): Promise<void> {
  await new Promise<void>((resolve) => s.server.close(() => resolve()));
  await s.queue.close();
  await s.store.close();
  await s.emu.close();
}

/** Sends the events recorded since the last delivery, signed, and waits until every one is applied. */
async function deliver(s: Setup): Promise<void> {
  const events = s.emu.events().slice(s.delivered);
  s.delivered += events.length;
  const report = await sendWebhooks(events, {
    url: s.url,
    secret: WEBHOOK_SECRET,
    retry: { maxAttempts: 2, initialDelayMs: 5 },
  });
  expect(report.deliveries.every((delivery) => delivery.delivered)).toBe(true);
  const deadline = Date.now() + 20000;
  for (;;) {
    const counts = await s.store.countWebhookEvents(TENANT, 'stripe');
    if ((counts['received'] ?? 0) === 0) {
      expect(counts['failed'] ?? 0).toBe(0);
      return;
    }
    if (Date.now() > deadline) throw new Error(`events still pending: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const today = (s: Setup): CalendarDate =>
  new Date(s.emu.clock.now() * 1000).toISOString().slice(0, 10) as CalendarDate;

async function status(s: Setup, customerId: string) {
  const result = await getAccountStatus(s.store, TENANT, customerId, today(s));
  if (result === undefined) throw new Error(`customer ${customerId} not stored`);
  return result;
}

/** What Stripe says the customer owes, per currency (upper case), from its invoices read through the SDK. */
async function owedPerStripe(s: Setup, invoiceIds: string[]): Promise<Record<string, number>> {
  const owed: Record<string, number> = {};
  for (const id of invoiceIds) {
    const invoice = await s.stripe.invoices.retrieve(id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') continue;
    const currency = invoice.currency.toUpperCase();
    owed[currency] = (owed[currency] ?? 0) + invoice.amount_remaining;
  }
  return owed;
}

/** What the books say the customer owes, per currency. */
function owedInBooks(account: { balances: { currency: string; outstandingMinor: number }[] }) {
  return Object.fromEntries(
    account.balances
      .filter((balance) => balance.outstandingMinor > 0)
      .map((balance) => [balance.currency, balance.outstandingMinor]),
  );
}

function cardCustomer(
  s: Setup,
  companyId: string,
  invoice: { amount?: number; sendInvoice?: boolean; subscription?: boolean } = {},
) {
  const customer = s.emu.scenario.createCustomer({
    email: `ap@${companyId}.example`,
    name: `Company ${companyId}`,
    currency: 'eur',
    metadata: { hubspot_company_id: companyId },
  });
  const subscription =
    invoice.subscription === false
      ? undefined
      : s.emu.scenario.createSubscription({
          customer: String(customer.id),
          unitAmount: invoice.amount ?? 49_00,
          currency: 'eur',
        });
  s.emu.clock.advance(HOUR);
  const created = s.emu.scenario.createInvoice({
    customer: String(customer.id),
    ...(subscription === undefined ? {} : { subscription: String(subscription.id) }),
    amount: invoice.amount ?? 49_00,
    ...(invoice.sendInvoice ? { collectionMethod: 'send_invoice' as const, daysUntilDue: 14 } : {}),
  });
  return { customerId: String(customer.id), invoiceId: String(created.id) };
}

describe('Stripe truth: invoices owe what Stripe says they owe', () => {
  let s: Setup;

  // One emulator, store and server for the file: every scenario has its own customers.
  beforeAll(async () => {
    s = await setup();
  });

  afterAll(async () => {
    await teardown(s);
  });

  it('paid out of band after a failed card attempt: paid, nothing owed, no failed payment', async () => {
    const { customerId, invoiceId } = cardCustomer(s, '101');
    s.emu.clock.advance(HOUR);
    s.emu.scenario.failPayment(invoiceId, { declineCode: 'expired_card' });
    await deliver(s);
    expect((await status(s, customerId)).status).toBe('failed_payment');

    s.emu.clock.advance(2 * DAY);
    s.emu.scenario.payInvoice(invoiceId, { outOfBand: true });
    await deliver(s);
    const stripeInvoice = await s.stripe.invoices.retrieve(invoiceId);
    expect(stripeInvoice).toMatchObject({ status: 'paid', amount_remaining: 0, amount_paid: 49_00 });
    const account = await status(s, customerId);
    expect(owedInBooks(account)).toEqual(await owedPerStripe(s, [invoiceId]));
    expect(account.status).toBe('current');
    expect(account.lastFailure).toBeNull();
    expect(account.openInvoices).toEqual([]);
  });

  it('a credit note after payment (refunded, or credited to the balance) keeps the invoice paid', async () => {
    const refunded = cardCustomer(s, '201');
    const credited = cardCustomer(s, '202');
    s.emu.clock.advance(HOUR);
    s.emu.scenario.payInvoice(refunded.invoiceId);
    s.emu.scenario.payInvoice(credited.invoiceId);
    s.emu.clock.advance(DAY);
    const refundNote = await s.stripe.creditNotes.create({
      invoice: refunded.invoiceId,
      amount: 15_00,
      refund_amount: 15_00,
      reason: 'product_unsatisfactory',
    });
    const creditNote = await s.stripe.creditNotes.create({
      invoice: credited.invoiceId,
      amount: 20_00,
      credit_amount: 20_00,
    });
    expect(refundNote).toMatchObject({ type: 'post_payment', post_payment_amount: 15_00 });
    expect(refundNote.refunds).toHaveLength(1);
    expect(creditNote).toMatchObject({ type: 'post_payment', post_payment_amount: 20_00 });
    s.emu.clock.advance(5 * DAY);
    await deliver(s);

    for (const { customerId, invoiceId } of [refunded, credited]) {
      const stripeInvoice = await s.stripe.invoices.retrieve(invoiceId);
      expect(stripeInvoice.status).toBe('paid');
      const account = await status(s, customerId);
      expect(owedInBooks(account)).toEqual(await owedPerStripe(s, [invoiceId]));
      expect(account.status).toBe('current');
    }
  });

  it('a credit note before payment lowers what is owed to amount_remaining', async () => {
    const { customerId, invoiceId } = cardCustomer(s, '203', { amount: 120_00, sendInvoice: true });
    s.emu.clock.advance(DAY);
    const note = await s.stripe.creditNotes.create({ invoice: invoiceId, amount: 30_00 });
    expect(note).toMatchObject({ type: 'pre_payment', pre_payment_amount: 30_00 });
    await deliver(s);
    const owed = await owedPerStripe(s, [invoiceId]);
    expect(owed).toEqual({ EUR: 90_00 });
    expect(owedInBooks(await status(s, customerId))).toEqual(owed);
  });

  it('the emulator refuses a credit note whose post-payment part is not settled exactly, as Stripe does', async () => {
    const { invoiceId } = cardCustomer(s, '204');
    s.emu.scenario.payInvoice(invoiceId);
    await expect(s.stripe.creditNotes.create({ invoice: invoiceId, amount: 10_00 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
    });
    await expect(
      s.stripe.creditNotes.create({ invoice: invoiceId, amount: 60_00, refund_amount: 60_00 }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
  });

  it('partial payments, outside Stripe and on Stripe: what is owed is amount_remaining', async () => {
    const { customerId, invoiceId } = cardCustomer(s, '301', { amount: 1000_00, sendInvoice: true });
    s.emu.clock.advance(DAY);
    s.emu.scenario.payInvoicePartially(invoiceId, 400_00, { offStripe: true });
    await deliver(s);
    const afterWire = await s.stripe.invoices.retrieve(invoiceId);
    expect(afterWire).toMatchObject({ status: 'open', amount_paid: 400_00, amount_remaining: 600_00 });
    expect(owedInBooks(await status(s, customerId))).toEqual(await owedPerStripe(s, [invoiceId]));

    s.emu.clock.advance(DAY);
    s.emu.scenario.payInvoicePartially(invoiceId, 250_00);
    await deliver(s);
    const owed = await owedPerStripe(s, [invoiceId]);
    expect(owed).toEqual({ EUR: 350_00 });
    expect(owedInBooks(await status(s, customerId))).toEqual(owed);
  });

  it('an uncollectible invoice is still owed, and marked uncollectible; only void writes it off', async () => {
    const { customerId, invoiceId } = cardCustomer(s, '801', { amount: 75_00, sendInvoice: true });
    const voided = s.emu.scenario.createInvoice({ customer: customerId, amount: 10_00 });
    s.emu.clock.advance(40 * DAY);
    s.emu.scenario.markUncollectible(invoiceId);
    s.emu.scenario.voidInvoice(String(voided.id));
    await deliver(s);
    const stripeInvoice = await s.stripe.invoices.retrieve(invoiceId);
    expect(stripeInvoice).toMatchObject({ status: 'uncollectible', amount_remaining: 75_00 });
    const account = await status(s, customerId);
    expect(owedInBooks(account)).toEqual(await owedPerStripe(s, [invoiceId, String(voided.id)]));
    expect(account.status).toBe('overdue');
    expect(account.balances[0]).toMatchObject({ uncollectibleMinor: 75_00 });
    expect(account.openInvoices).toEqual([
      expect.objectContaining({ invoiceId, uncollectible: true, outstandingMinor: 75_00 }),
    ]);
  });

  it('an invoice billed to an Account (customer_account, no customer) is booked under that account, listed as unmapped', async () => {
    const account = s.emu.scenario.createAccountCustomer({
      email: 'billing@accounts.example',
      name: 'Acct Co',
    });
    const invoice = s.emu.scenario.createInvoice({ customer: account, amount: 55_00 });
    const invoiceId = String(invoice.id);
    await deliver(s);
    const stripeInvoice = await s.stripe.invoices.retrieve(invoiceId);
    expect(stripeInvoice).toMatchObject({ customer: null, customer_account: account });

    const facts = await s.store.getAccountFacts(TENANT, account);
    expect(facts?.invoices.map((row) => row.invoiceId)).toEqual([invoiceId]);
    expect(await s.store.getAccountFacts(TENANT, '')).toBeUndefined();
    expect(owedInBooks(await status(s, account))).toEqual(await owedPerStripe(s, [invoiceId]));
    expect(await s.store.listUnmappedCustomers(TENANT)).toContainEqual(
      expect.objectContaining({ customerId: account, invoices: 1 }),
    );
  });

  it('a bank debit in flight shows "payment in flight", not overdue or failed; then it settles or fails', async () => {
    // One-off invoices: no renewal near, so overdue reminders would be due after a week.
    const paid = cardCustomer(s, '1101', { subscription: false });
    const returned = cardCustomer(s, '1102', { subscription: false });
    s.emu.clock.advance(HOUR);
    s.emu.scenario.failPayment(paid.invoiceId, { declineCode: 'insufficient_funds' });
    s.emu.clock.advance(10 * DAY);
    const sepa = String(s.emu.scenario.startBankDebit(paid.invoiceId, 'sepa_debit').charge?.id);
    const ach = String(s.emu.scenario.startBankDebit(returned.invoiceId, 'us_bank_account').charge?.id);
    await deliver(s);

    for (const { customerId, invoiceId } of [paid, returned]) {
      const account = await status(s, customerId);
      expect(account.status).toBe('payment_in_flight');
      expect(account.situations).not.toContain('overdue');
      expect(account.situations).not.toContain('failed_payment');
      // Stripe still counts it owed until the bank answers.
      const owed = await owedPerStripe(s, [invoiceId]);
      expect(owedInBooks(account)).toEqual(owed);
      expect(account.balances[0]).toMatchObject({ inFlightMinor: owed['EUR'], overdueMinor: 0 });
      expect(account.openInvoices[0]).toMatchObject({ paymentInFlight: true, failedAttempts: 0 });
    }
    expect((await s.stripe.paymentIntents.list({ customer: paid.customerId })).data[0]?.status).toBe(
      'processing',
    );
    // Ten days past due, yet nothing to chase while the bank has not answered.
    const rules = validateRuleSet(DEFAULT_RULE_SET);
    if (!rules.ok) throw new Error('the default rule set does not validate');
    const plan = await planCollectionsActions(s.store, TENANT, rules.ruleSet, today(s));
    const inFlight = new Set([paid.customerId, returned.customerId]);
    expect(plan.evaluation.tasks.filter((task) => inFlight.has(task.customerId))).toEqual([]);

    s.emu.clock.advance(4 * DAY);
    s.emu.scenario.settleBankDebit(sepa);
    s.emu.scenario.settleBankDebit(ach, { failureCode: 'insufficient_funds' });
    await deliver(s);
    const settled = await status(s, paid.customerId);
    expect(owedInBooks(settled)).toEqual(await owedPerStripe(s, [paid.invoiceId]));
    expect(settled.status).toBe('current');
    const failed = await status(s, returned.customerId);
    expect(owedInBooks(failed)).toEqual(await owedPerStripe(s, [returned.invoiceId]));
    expect(failed.status).toBe('failed_payment');
  });

  it('refund.updated and refund.failed are applied: the books refund what Stripe refunded', async () => {
    const settles = cardCustomer(s, '1111');
    const fails = cardCustomer(s, '1112');
    s.emu.clock.advance(HOUR);
    const settlesCharge = String(s.emu.scenario.payInvoice(settles.invoiceId).charge?.id);
    const failsCharge = String(s.emu.scenario.payInvoice(fails.invoiceId).charge?.id);
    s.emu.clock.advance(DAY);
    const pending = s.emu.scenario.refundCharge(settlesCharge, { amount: 10_00, status: 'pending' });
    const doomed = s.emu.scenario.refundCharge(failsCharge, { amount: 20_00 });
    await deliver(s);
    s.emu.clock.advance(2 * DAY);
    s.emu.scenario.updateRefund(String(pending.refund?.id), 'succeeded');
    s.emu.scenario.updateRefund(String(doomed.refund?.id), 'failed', 'lost_or_stolen_card');
    await deliver(s);

    for (const [{ customerId, invoiceId }, chargeId] of [
      [settles, settlesCharge],
      [fails, failsCharge],
    ] as const) {
      const charge = await s.stripe.charges.retrieve(chargeId);
      const facts = await s.store.getAccountFacts(TENANT, customerId);
      const refundedInBooks = (facts?.payments ?? [])
        .filter((payment) => payment.status === 'refunded')
        .reduce((sum, payment) => sum + payment.amountMinor, 0);
      expect(refundedInBooks).toBe(charge.amount_refunded);
      const account = await status(s, customerId);
      expect(owedInBooks(account)).toEqual(await owedPerStripe(s, [invoiceId]));
      expect(account.status).toBe('current');
    }
    expect((await s.stripe.refunds.retrieve(String(doomed.refund?.id))).failure_reason).toBe(
      'lost_or_stolen_card',
    );
  });
});
