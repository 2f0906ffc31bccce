import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import {
  WebhookSignatureError,
  type BillingEvent,
  type BillingPage,
  type BillingRecord,
  type BillingSource,
} from '../../ports/billing-source';
import type { RateLimiter } from '../../ports/rate-limiter';
import { eventShapeOf, STRIPE_API_VERSION, toPinnedShape } from './api-versions';
import {
  calendarDate,
  mapCharge,
  mapCustomer,
  mapDispute,
  mapInvoice,
  mapInvoicePayment,
  mapRefund,
  mapSubscription,
  defaultPaymentMethodIsId,
  type MappingOptions,
} from './mapping';

export type StripeSourceOptions = MappingOptions & {
  secretKey: string;
  webhookSecret?: string;
  /** For a local emulator: `http://127.0.0.1:12111`. Unset: api.stripe.com. */
  apiBase?: string;
  /**
   * Ceiling on requests per second to this Stripe account (Stripe's documented limit is 100 in live mode,
   * 25 in a sandbox; default 25).
   */
  maxRequestsPerSecond?: number;
  /**
   * Where that ceiling is counted: with a limiter shared through Redis, every process using the same
   * key paces together. Without one, this source paces itself alone.
   */
  limiter?: RateLimiter;
  /** Back-off schedule for 429 rate_limit answers, which the SDK does not retry itself. */
  rateLimitRetries?: number;
  rateLimitBaseDelayMs?: number;
  /** For tests: how the source waits (defaults to setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Called whenever a 429 made the source wait. */
  onThrottled?: (waitMs: number) => void;
};

const PAGE_SIZE = 100;

/** Customers are read with their default payment method expanded: it holds the card on file. */
const DEFAULT_CARD = 'invoice_settings.default_payment_method';

/**
 * Events that may change a customer's card on file ("Types of events"): a payment method attached,
 * detached, updated through the API or by the card networks' updater, and a legacy card expiring.
 * Each reads the customer again (the event does not say whether the card is the default).
 */
const CARD_EVENTS: ReadonlySet<string> = new Set([
  'payment_method.attached',
  'payment_method.detached',
  'payment_method.updated',
  'payment_method.automatically_updated',
  'customer.source.expiring',
]);
const TOLERANCE_SECONDS = 300;

const idOfObject = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRateLimited(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number; code?: string } | null;
  return e?.type === 'StripeRateLimitError' || e?.statusCode === 429 || e?.code === 'lock_timeout';
}

/**
 * Stripe through its official SDK. Pages are read newest first with `starting_after` cursors, so a
 * backfill can stop and continue. The SDK retries network errors, 5xx and lock timeouts
 * (`maxNetworkRetries`); plain 429 rate limits are backed off here, exponentially with jitter, and a
 * client-side pacer keeps requests under the configured rate.
 */
/**
 * Backfill order: customers, their subscriptions and invoices, which payment intents pay which invoice
 * (Stripe's invoice payments), then charges, refunds and disputes, whose invoice those links give.
 */
const BACKFILL_ORDER = [
  'customers',
  'subscriptions',
  'invoices',
  'links',
  'charges',
  'refunds',
  'disputes',
] as const;
type StripeKind = (typeof BACKFILL_ORDER)[number];

export function createStripeSource(options: StripeSourceOptions): BillingSource {
  const base = options.apiBase === undefined ? undefined : new URL(options.apiBase);
  const stripe = new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 3,
    timeout: 30000,
    ...(base === undefined
      ? {}
      : {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }),
  });
  const sleep = options.sleep ?? defaultSleep;
  const perSecond = options.maxRequestsPerSecond ?? 25;
  const minGapMs = 1000 / perSecond;
  let nextSlot = 0;
  const limiter = options.limiter;
  // One budget per Stripe account and mode, named without revealing the key.
  const limiterKey = `stripe:${createHash('sha256').update(options.secretKey).digest('hex').slice(0, 16)}`;
  const pace = async (): Promise<void> => {
    if (limiter !== undefined) {
      await limiter.acquire(limiterKey, { requests: perSecond, windowMs: 1000 });
      return;
    }
    const now = Date.now();
    const wait = Math.max(0, nextSlot - now);
    nextSlot = Math.max(now, nextSlot) + minGapMs;
    if (wait > 0) await sleep(wait);
  };

  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    const retries = options.rateLimitRetries ?? 8;
    for (let attempt = 0; ; attempt += 1) {
      await pace();
      try {
        return await request();
      } catch (error) {
        if (!isRateLimited(error) || attempt >= retries) throw error;
        const delay =
          Math.min(30000, (options.rateLimitBaseDelayMs ?? 250) * 2 ** attempt) * (0.5 + Math.random() / 2);
        options.onThrottled?.(delay);
        await sleep(delay);
      }
    }
  };

  const dayOf = (ms: number) => calendarDate(Math.floor(ms / 1000), options.timeZone);
  const page = <T extends { id?: string }>(
    list: { data: T[]; has_more: boolean },
    map: (item: T) => BillingRecord[],
  ): BillingPage => ({
    records: list.data.flatMap(map),
    nextCursor: list.has_more ? (list.data[list.data.length - 1]?.id ?? null) : null,
  });
  const after = (cursor: string | null) => ({
    limit: PAGE_SIZE,
    ...(cursor === null ? {} : { starting_after: cursor }),
  });

  const listPage = async (kind: string, cursor: string | null, observedMs: number): Promise<BillingPage> => {
    switch (kind as StripeKind) {
      case 'customers':
        return page(
          await call(() => stripe.customers.list({ ...after(cursor), expand: [`data.${DEFAULT_CARD}`] })),
          (c) => [mapCustomer(c, options)],
        );
      case 'subscriptions':
        return page(await call(() => stripe.subscriptions.list({ ...after(cursor), status: 'all' })), (s) => [
          mapSubscription(s, options),
        ]);
      case 'invoices':
        return page(await call(() => stripe.invoices.list(after(cursor))), (i) => mapInvoice(i, options));
      case 'links':
        return page(await call(() => stripe.invoicePayments.list(after(cursor))), mapInvoicePayment);
      case 'charges':
        return page(await call(() => stripe.charges.list(after(cursor))), (c) => mapCharge(c, options));
      case 'refunds':
        return page(await call(() => stripe.refunds.list(after(cursor))), (r) => mapRefund(r, options));
      case 'disputes':
        return page(await call(() => stripe.disputes.list(after(cursor))), (d) => [
          mapDispute(d, options, dayOf(observedMs)),
        ]);
    }
    throw new Error(`Stripe has no ${kind} to list: expected one of ${BACKFILL_ORDER.join(', ')}`);
  };

  const missing = (error: unknown) => (error as { code?: string } | null)?.code === 'resource_missing';

  const fetch: BillingSource['fetch'] = async ({ kind, id }, observedMs) => {
    try {
      switch (kind) {
        case 'customer':
          return [
            mapCustomer(await call(() => stripe.customers.retrieve(id, { expand: [DEFAULT_CARD] })), options),
          ];
        case 'subscription':
          return [mapSubscription(await call(() => stripe.subscriptions.retrieve(id)), options)];
        case 'invoice':
          return mapInvoice(await call(() => stripe.invoices.retrieve(id)), options);
        case 'charge': {
          const charge = await call(() => stripe.charges.retrieve(id));
          const refunds = await call(() => stripe.refunds.list({ charge: id, limit: PAGE_SIZE }));
          return [
            ...mapCharge(charge, options),
            ...refunds.data.flatMap((refund) => mapRefund(refund, options)),
          ];
        }
        case 'dispute':
          return [mapDispute(await call(() => stripe.disputes.retrieve(id)), options, dayOf(observedMs))];
        default:
          throw new Error(`Stripe has no ${kind} to read again`);
      }
    } catch (error) {
      if (missing(error)) return [];
      throw error;
    }
  };

  const mapEvent = (rawBody: string): BillingEvent => {
    const event = JSON.parse(rawBody) as Stripe.Event;
    const createdMs = event.created * 1000;
    const base = { id: event.id, type: event.type, createdMs };
    const shape = eventShapeOf(event.api_version);
    if (!shape.ok)
      return {
        ...base,
        records: [],
        refetch: [],
        refused: { code: 'unsupported_api_version', message: shape.reason },
      };
    const object = toPinnedShape(event.data.object, shape.shape);
    const eventDay = calendarDate(event.created, options.timeZone);
    const type = event.type as string;
    if (type.startsWith('customer.subscription.'))
      return { ...base, records: [mapSubscription(object as Stripe.Subscription, options)], refetch: [] };
    if (type === 'customer.created' || type === 'customer.updated') {
      // Events name the default payment method by id: the customer is read again with its card.
      const customer = object as Stripe.Customer;
      return defaultPaymentMethodIsId(customer)
        ? { ...base, records: [], refetch: [{ kind: 'customer', id: customer.id }] }
        : { ...base, records: [mapCustomer(customer, options)], refetch: [] };
    }
    if (CARD_EVENTS.has(type)) {
      // A detached payment method names its former customer in previous_attributes only.
      const previous = event.data.previous_attributes as { customer?: string | null } | undefined;
      const customerId =
        idOfObject((object as { customer?: string | { id: string } | null }).customer) ??
        previous?.customer ??
        null;
      return {
        ...base,
        records: [],
        refetch: customerId === null ? [] : [{ kind: 'customer', id: customerId }],
      };
    }
    if (type.startsWith('invoice.') && !type.startsWith('invoice_payment.'))
      return { ...base, records: mapInvoice(object as Stripe.Invoice, options), refetch: [] };
    if (type.startsWith('invoice_payment.'))
      return { ...base, records: mapInvoicePayment(object as Stripe.InvoicePayment), refetch: [] };
    // A refund's state (pending, succeeded, failed, canceled) is read again with its charge.
    if (type === 'charge.refunded' || type === 'charge.refund.updated' || type.startsWith('refund.')) {
      const chargeId =
        type === 'charge.refunded'
          ? (object as Stripe.Charge).id
          : (idOfObject((object as Stripe.Refund).charge) ?? null);
      return { ...base, records: [], refetch: chargeId === null ? [] : [{ kind: 'charge', id: chargeId }] };
    }
    if (type.startsWith('charge.dispute.'))
      return { ...base, records: [mapDispute(object as Stripe.Dispute, options, eventDay)], refetch: [] };
    if (type.startsWith('charge.'))
      return { ...base, records: mapCharge(object as Stripe.Charge, options), refetch: [] };
    if (
      type === 'payment_intent.payment_failed' ||
      type === 'payment_intent.succeeded' ||
      type === 'payment_intent.processing'
    ) {
      const latest = (object as Stripe.PaymentIntent).latest_charge;
      const chargeId = typeof latest === 'string' ? latest : (latest?.id ?? null);
      return { ...base, records: [], refetch: chargeId === null ? [] : [{ kind: 'charge', id: chargeId }] };
    }
    if (type.startsWith('credit_note.')) {
      const invoice = (object as Stripe.CreditNote).invoice;
      return {
        ...base,
        records: [],
        refetch: [{ kind: 'invoice', id: typeof invoice === 'string' ? invoice : invoice.id }],
      };
    }
    return { ...base, records: [], refetch: [] };
  };

  return {
    name: 'stripe',
    backfillOrder: BACKFILL_ORDER,
    listPage,
    fetch,
    // Stripe answers for payment intents only (a charge's invoice comes through its payment intent).
    async findInvoiceOfPayment(paymentRef) {
      if (!paymentRef.startsWith('pi_')) return null;
      const paymentIntentId = paymentRef;
      const found = await call(() =>
        stripe.invoicePayments.list({
          payment: { type: 'payment_intent', payment_intent: paymentIntentId },
          limit: 1,
        }),
      );
      const first = found.data[0];
      return first === undefined
        ? null
        : typeof first.invoice === 'string'
          ? first.invoice
          : (first.invoice?.id ?? null);
    },
    async latestEventMs() {
      const events = await call(() => stripe.events.list({ limit: 1 }));
      const newest = events.data[0];
      return newest === undefined ? 0 : newest.created * 1000;
    },
    verifyWebhook(rawBody, signatureHeader) {
      if (options.webhookSecret === undefined)
        throw new WebhookSignatureError('no webhook secret is configured');
      if (signatureHeader === undefined || signatureHeader === '')
        throw new WebhookSignatureError('missing Stripe-Signature header');
      try {
        const event = stripe.webhooks.constructEvent(
          rawBody,
          signatureHeader,
          options.webhookSecret,
          TOLERANCE_SECONDS,
        );
        return { id: event.id, type: event.type, createdMs: event.created * 1000 };
      } catch (error) {
        throw new WebhookSignatureError(error instanceof Error ? error.message : 'invalid signature');
      }
    },
    mapEvent,
  };
}
