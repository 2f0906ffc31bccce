/**
 * Bulk, deterministic fixtures for benchmarks: e.g. 100,000 invoices across 5,000 customers with paid,
 * open, overdue, failed (with decline codes), disputed, void and uncollectible ones.
 *
 * Records go straight into the store (no events, no rendering), so generation takes about a second per
 * 100k invoices and memory stays at the size of the compact records (roughly 1–1.5 KB per invoice
 * including its PaymentIntent, invoice payment and charge). Same options + seed → same data and ids,
 * provided the emulator was started with the same seed and had no other objects created before.
 */
import { declineDetails, DAY } from './scenarios';
import {
  seededRandom,
  type InvoiceRecord,
  type InvoiceStatus,
  type LastPaymentErrorRecord,
  type Metadata,
  type OutcomeRecord,
  type StripeStore,
  type SubscriptionRecord,
} from './store';

export type BulkInvoiceKind = 'paid' | 'open' | 'overdue' | 'failed' | 'disputed' | 'void' | 'uncollectible';

export interface BulkFixtureOptions {
  customers: number;
  invoices: number;
  seed?: number;
  /** Newest `created` (default: the emulator clock's now). */
  endTime?: number;
  /** Invoices are created over this many days before `endTime` (default 365). */
  spanDays?: number;
  /** Relative weights of each kind (defaults below). */
  mix?: Partial<Record<BulkInvoiceKind, number>>;
  /** Weighted decline codes for failed (and uncollectible) invoices. */
  declineCodes?: Record<string, number>;
  /** Currencies, chosen per customer (default `usd`, `eur`, `gbp`). */
  currencies?: string[];
  /** Share of customers with a monthly subscription their invoices belong to (default 0.7). */
  subscriptionShare?: number;
  /** Share of invoices that are `send_invoice` with a due date (default 0.4; the rest charge automatically). */
  sendInvoiceShare?: number;
}

export interface BulkFixtureSummary {
  customers: number;
  subscriptions: number;
  invoices: number;
  paymentIntents: number;
  charges: number;
  disputes: number;
  byKind: Record<BulkInvoiceKind, number>;
  declineCodes: Record<string, number>;
  /** Customer ids in creation order (handy for picking one in a benchmark). */
  customerIds: string[];
  elapsedMs: number;
}

export const DEFAULT_MIX: Record<BulkInvoiceKind, number> = {
  paid: 60,
  open: 10,
  overdue: 10,
  failed: 10,
  disputed: 3,
  void: 4,
  uncollectible: 3,
};

export const DEFAULT_DECLINE_CODES: Record<string, number> = {
  insufficient_funds: 35,
  generic_decline: 20,
  expired_card: 15,
  do_not_honor: 10,
  card_velocity_exceeded: 4,
  incorrect_cvc: 4,
  processing_error: 3,
  lost_card: 2,
  stolen_card: 1,
  fraudulent: 2,
  authentication_required: 2,
  revocation_of_authorization: 1,
  stop_payment_order: 1,
};

const DISPUTE_STATUSES = ['needs_response', 'under_review', 'won', 'lost', 'warning_closed'] as const;
const DISPUTE_REASONS = [
  'fraudulent',
  'product_not_received',
  'subscription_canceled',
  'duplicate',
  'general',
] as const;
const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'FR', 'CA', 'AU', 'NL', 'SE'];
const BRANDS = ['visa', 'visa', 'mastercard', 'amex'] as const;

// Local bindings: under Jest every global lookup (`Math`, …) goes through a proxy; this loop is hot.
const { floor, min } = Math;

/** Shared by every bulk record without metadata (frozen: nothing may write into it). */
const NO_METADATA: Metadata = Object.freeze({}) as Metadata;

/** A few shared outcomes for successful charges, instead of one object per charge. */
const APPROVED: readonly OutcomeRecord[] = [8, 23, 37, 61].map((riskScore) =>
  Object.freeze({
    networkStatus: 'approved_by_network',
    reason: null,
    type: 'authorized',
    sellerMessage: 'Payment complete.',
    riskLevel: riskScore > 60 ? 'elevated' : 'normal',
    riskScore,
    adviceCode: null,
    networkDeclineCode: null,
  } as const),
);

function table<T extends string>(weights: Record<T, number>): (random: number) => T {
  const entries = Object.entries(weights) as [T, number][];
  const positive = entries.filter(([, weight]) => weight > 0);
  const total = positive.reduce((sum, [, weight]) => sum + weight, 0);
  if (positive.length === 0 || !(total > 0)) throw new RangeError('at least one positive weight is needed');
  return (random) => {
    let remaining = random * total;
    for (const [value, weight] of positive) {
      remaining -= weight;
      if (remaining < 0) return value;
    }
    return (positive[positive.length - 1] as [T, number])[0];
  };
}

/** Fills `target.store` with bulk data; see the module comment. Throws on a non-positive size. */
export function generateBulkFixtures(
  target: { store: StripeStore },
  options: BulkFixtureOptions,
): BulkFixtureSummary {
  const started = performance.now();
  const store = target.store;
  if (!Number.isInteger(options.customers) || options.customers < 1)
    throw new RangeError('customers must be ≥ 1');
  if (!Number.isInteger(options.invoices) || options.invoices < 0)
    throw new RangeError('invoices must be ≥ 0');
  const random = seededRandom(options.seed ?? 2026);
  const end = options.endTime ?? store.clock.now();
  const span = (options.spanDays ?? 365) * DAY;
  const pickKind = table<BulkInvoiceKind>({ ...DEFAULT_MIX, ...(options.mix ?? {}) });
  const pickDecline = table<string>(options.declineCodes ?? DEFAULT_DECLINE_CODES);
  const currencies = options.currencies ?? ['usd', 'usd', 'usd', 'eur', 'gbp'];
  const subscriptionShare = options.subscriptionShare ?? 0.7;
  const sendInvoiceShare = options.sendInvoiceShare ?? 0.4;
  const byKind = Object.fromEntries(Object.keys(DEFAULT_MIX).map((kind) => [kind, 0])) as Record<
    BulkInvoiceKind,
    number
  >;
  const declineCodes: Record<string, number> = {};
  const customerIds: string[] = [];
  const customerEmails: string[] = [];
  const customerNames: string[] = [];
  const declines = new Map<string, ReturnType<typeof declineDetails>>();
  const customerCurrency: string[] = [];
  const customerCard: string[] = [];
  const customerSubscription: (SubscriptionRecord | null)[] = [];
  const invoiceSequence: number[] = [];
  const delinquent = new Set<number>();
  const integer = (min: number, max: number): number => min + floor(random() * (max - min + 1));
  const choose = <T>(items: readonly T[]): T => items[floor(random() * items.length)] as T;
  const counts = { subscriptions: 0, paymentIntents: 0, charges: 0, disputes: 0 };

  for (let index = 0; index < options.customers; index += 1) {
    const created = end - span - integer(0, 180) * DAY;
    const id = store.ids.next('cus', 14);
    const currency = choose(currencies);
    const metadata: Record<string, string> = {};
    const crm = random();
    if (crm < 0.55) metadata.hubspot_company_id = String(10_000_000 + index);
    else if (crm < 0.85) metadata.salesforce_account_id = `001${String(index).padStart(15, '0')}`;
    else if (crm < 0.92) {
      metadata.hubspot_company_id = String(10_000_000 + index);
      metadata.salesforce_account_id = `001${String(index).padStart(15, '0')}`;
    }
    const card = store.paymentMethods.insert({
      id: store.ids.next('pm'),
      created,
      seq: store.nextSeq(),
      customer: id,
      brand: choose(BRANDS),
      last4: String(integer(0, 9999)).padStart(4, '0'),
      expMonth: integer(1, 12),
      expYear: new Date(end * 1000).getUTCFullYear() + integer(-1, 4),
      country: choose(COUNTRIES),
      funding: random() < 0.8 ? 'credit' : 'debit',
    });
    const email = `billing+${index}@customer${index}.example`;
    const name = `Customer ${index} Ltd`;
    customerEmails.push(email);
    customerNames.push(name);
    store.customers.insert({
      id,
      created,
      seq: store.nextSeq(),
      email,
      name,
      description: null,
      phone: null,
      metadata,
      address: { country: choose(COUNTRIES), city: null, line1: null, postalCode: null, state: null },
      currency,
      balance: 0,
      delinquent: false,
      deleted: false,
      defaultPaymentMethod: card.id,
      invoicePrefix: id.slice(-8).toUpperCase(),
      nextInvoiceSequence: 1,
    });
    customerIds.push(id);
    customerCurrency.push(currency);
    customerCard.push(card.id);
    invoiceSequence.push(1);
    let subscription: SubscriptionRecord | null = null;
    if (random() < subscriptionShare) {
      const periodStart = end - integer(0, 29) * DAY;
      subscription = store.subscriptions.insert({
        id: store.ids.next('sub'),
        created,
        seq: store.nextSeq(),
        customer: id,
        status: 'active',
        currency,
        collectionMethod: 'charge_automatically',
        daysUntilDue: null,
        cancelAtPeriodEnd: random() < 0.05,
        cancelAt: null,
        canceledAt: null,
        endedAt: null,
        cancellationReason: null,
        cancellationFeedback: null,
        startDate: created,
        billingCycleAnchor: created,
        itemId: store.ids.next('si', 14),
        priceId: store.ids.next('price'),
        productId: store.ids.next('prod', 14),
        unitAmount: choose([2900, 9900, 49900, 199900]),
        quantity: integer(1, 20),
        interval: 'month',
        intervalCount: 1,
        currentPeriodStart: periodStart,
        currentPeriodEnd: periodStart + 30 * DAY,
        latestInvoice: null,
        defaultPaymentMethod: null,
        metadata: NO_METADATA,
        description: null,
        trialStart: null,
        trialEnd: null,
      });
      if (subscription.cancelAtPeriodEnd) {
        subscription.cancelAt = subscription.currentPeriodEnd;
        subscription.canceledAt = end - integer(0, 20) * DAY;
        subscription.cancellationReason = 'cancellation_requested';
      }
      counts.subscriptions += 1;
    }
    customerSubscription.push(subscription);
  }

  for (let index = 0; index < options.invoices; index += 1) {
    const owner = floor(random() * options.customers);
    const customer = customerIds[owner] as string;
    const currency = customerCurrency[owner] as string;
    const card = customerCard[owner] as string;
    const subscription = customerSubscription[owner] ?? null;
    const kind = pickKind(random());
    byKind[kind] += 1;
    if (kind === 'failed' || kind === 'overdue') delinquent.add(owner);
    const sendInvoice = !subscription && random() < sendInvoiceShare;
    const daysUntilDue = choose([15, 30, 30, 45, 60]);
    let created: number;
    if (kind === 'open') created = end - integer(0, daysUntilDue - 1) * DAY - integer(0, DAY - 1);
    else if (kind === 'overdue') created = end - (daysUntilDue + integer(1, 120)) * DAY - integer(0, DAY - 1);
    else created = end - integer(0, span - 1);
    const collectionMethod = sendInvoice || kind === 'overdue' ? 'send_invoice' : 'charge_automatically';
    const amount = subscription ? subscription.unitAmount * subscription.quantity : integer(5, 5000) * 100;
    const sequence = invoiceSequence[owner] as number;
    invoiceSequence[owner] = sequence + 1;
    const status: InvoiceStatus =
      kind === 'paid' || kind === 'disputed'
        ? 'paid'
        : kind === 'void'
          ? 'void'
          : kind === 'uncollectible'
            ? 'uncollectible'
            : 'open';
    const finalizedAt = created + 3600;
    const invoiceId = store.ids.next('in');
    const paidAt = status === 'paid' ? min(end, finalizedAt + integer(0, 20) * DAY) : null;
    const failed = kind === 'failed' || kind === 'uncollectible';
    const attempts = failed ? integer(1, 4) : status === 'paid' ? 1 : 0;
    const invoice: InvoiceRecord = {
      id: invoiceId,
      created,
      seq: store.nextSeq(),
      customer,
      customerEmail: customerEmails[owner] ?? null,
      customerName: customerNames[owner] ?? null,
      subscription: subscription?.id ?? null,
      subscriptionMetadata: subscription ? NO_METADATA : null,
      status,
      collectionMethod,
      currency,
      total: amount,
      amountDue: amount,
      amountPaid: status === 'paid' ? amount : 0,
      paidOutOfBand: false,
      prePaymentCreditNotesAmount: 0,
      postPaymentCreditNotesAmount: 0,
      dueDate: collectionMethod === 'send_invoice' ? created + daysUntilDue * DAY : null,
      number: `${customer.slice(-8).toUpperCase()}-${String(sequence).padStart(4, '0')}`,
      finalizedAt,
      paidAt,
      voidedAt: status === 'void' ? min(end, finalizedAt + integer(1, 30) * DAY) : null,
      markedUncollectibleAt:
        status === 'uncollectible' ? min(end, finalizedAt + integer(20, 60) * DAY) : null,
      attemptCount: collectionMethod === 'charge_automatically' ? attempts : status === 'paid' ? 1 : 0,
      attempted: attempts > 0,
      nextPaymentAttempt:
        kind === 'failed' && collectionMethod === 'charge_automatically' && attempts < 4
          ? end + integer(1, 5) * DAY
          : null,
      autoAdvance: true,
      periodStart: created,
      periodEnd: created,
      billingReason: subscription ? 'subscription_cycle' : 'manual',
      description: null,
      lineDescription: subscription ? `${subscription.quantity} × Emulated plan` : 'Emulated services',
      metadata: NO_METADATA,
      paymentIntent: null,
      overdueNotifiedAt: null,
    };
    const intentId = store.ids.next('pi');
    invoice.paymentIntent = intentId;
    store.invoices.insert(invoice);
    if (subscription) subscription.latestInvoice = invoiceId;
    let chargeId: string | null = null;
    let lastError: LastPaymentErrorRecord | null = null;
    if (status === 'paid') {
      chargeId = store.ids.next('ch');
      store.charges.insert({
        id: chargeId,
        created: paidAt ?? finalizedAt,
        seq: store.nextSeq(),
        customer,
        paymentIntent: intentId,
        paymentMethod: card,
        amount,
        amountCaptured: amount,
        amountRefunded: 0,
        currency,
        status: 'succeeded',
        failureCode: null,
        failureMessage: null,
        outcome: choose(APPROVED),
        disputed: kind === 'disputed',
        description: null,
        billingEmail: invoice.customerEmail,
        billingName: invoice.customerName,
        metadata: NO_METADATA,
      });
      counts.charges += 1;
      if (kind === 'disputed') {
        const disputeStatus = choose(DISPUTE_STATUSES);
        store.disputes.insert({
          id: store.ids.next('dp'),
          created: min(end, (paidAt ?? finalizedAt) + integer(5, 60) * DAY),
          seq: store.nextSeq(),
          charge: chargeId,
          paymentIntent: intentId,
          amount,
          currency,
          reason: choose(DISPUTE_REASONS),
          status: disputeStatus,
          evidenceDueBy: min(end, (paidAt ?? finalizedAt) + 60 * DAY) + 21 * DAY,
          submissionCount: disputeStatus === 'needs_response' ? 0 : 1,
          isChargeRefundable: disputeStatus === 'warning_closed',
          networkReasonCode: '10.4',
          metadata: NO_METADATA,
        });
        counts.disputes += 1;
      }
    } else if (failed) {
      const code = pickDecline(random());
      declineCodes[code] = (declineCodes[code] ?? 0) + 1;
      let decline = declines.get(code);
      if (!decline) {
        decline = declineDetails(code);
        Object.freeze(decline.outcome);
        declines.set(code, decline);
      }
      chargeId = store.ids.next('ch');
      store.charges.insert({
        id: chargeId,
        created: min(end, finalizedAt + (attempts - 1) * 3 * DAY),
        seq: store.nextSeq(),
        customer,
        paymentIntent: intentId,
        paymentMethod: card,
        amount,
        amountCaptured: 0,
        amountRefunded: 0,
        currency,
        status: 'failed',
        failureCode: decline.code,
        failureMessage: decline.message,
        outcome: decline.outcome,
        disputed: false,
        description: null,
        billingEmail: invoice.customerEmail,
        billingName: invoice.customerName,
        metadata: NO_METADATA,
      });
      counts.charges += 1;
      lastError = {
        code: decline.code,
        declineCode: decline.declineCode,
        message: decline.message,
        charge: chargeId,
        paymentMethod: card,
        adviceCode: decline.outcome.adviceCode,
        networkDeclineCode: decline.outcome.networkDeclineCode,
      };
    }
    const intentStatus =
      status === 'paid' ? 'succeeded' : status === 'void' ? 'canceled' : 'requires_payment_method';
    store.paymentIntents.insert({
      id: intentId,
      created: finalizedAt,
      seq: store.nextSeq(),
      customer,
      invoice: invoiceId,
      amount,
      amountReceived: status === 'paid' ? amount : 0,
      currency,
      status: intentStatus,
      lastPaymentError: lastError,
      latestCharge: chargeId,
      paymentMethod: status === 'paid' ? card : null,
      canceledAt: status === 'void' ? invoice.voidedAt : null,
      cancellationReason: status === 'void' ? 'void_invoice' : null,
      description: subscription ? 'Subscription update' : null,
      metadata: NO_METADATA,
    });
    counts.paymentIntents += 1;
    store.invoicePayments.insert({
      id: store.ids.next('inpay'),
      created: finalizedAt,
      seq: store.nextSeq(),
      invoice: invoiceId,
      paymentIntent: intentId,
      amountRequested: amount,
      amountPaid: status === 'paid' ? amount : null,
      currency,
      status: status === 'paid' ? 'paid' : status === 'void' ? 'canceled' : 'open',
      isDefault: true,
      paidAt,
      canceledAt: status === 'void' ? invoice.voidedAt : null,
    });
  }
  for (let index = 0; index < options.customers; index += 1) {
    const customer = store.customers.get(customerIds[index] as string);
    if (!customer) continue;
    customer.nextInvoiceSequence = invoiceSequence[index] as number;
    customer.delinquent = delinquent.has(index);
  }
  return {
    customers: options.customers,
    subscriptions: counts.subscriptions,
    invoices: options.invoices,
    paymentIntents: counts.paymentIntents,
    charges: counts.charges,
    disputes: counts.disputes,
    byKind,
    declineCodes,
    customerIds,
    elapsedMs: Math.round(performance.now() - started),
  };
}
