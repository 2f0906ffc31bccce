/**
 * Events as a webhook endpoint on another API version receives them. Stripe renders an event's
 * `data.object` in the API version of the endpoint it is sent to and names it in `api_version` (Stripe
 * docs "Versioning" and "Webhook versioning"), so an endpoint created before an upgrade keeps receiving
 * the older shapes.
 *
 * Modelled: the shapes before `2025-03-31.basil` (Stripe changelog "2025-03-31.basil", breaking changes),
 * for the fields that release moved: a subscription's `current_period_start`/`current_period_end` are on
 * the subscription, not its items; an invoice names `subscription` (and `subscription_details`), `paid`,
 * `paid_out_of_band`, `payment_intent` and `charge`, and has no `parent`; charges and PaymentIntents name
 * their `invoice`; InvoicePayment objects and `invoice_payment.*` events do not exist. Other fields are
 * left in the current shape.
 */
import type { EmulatedEvent } from './scenarios';
import type { JsonObject, JsonValue } from './render';
import type { StripeStore } from './store';

/** The first API version with the current shapes. */
export const BASIL = '2025-03-31.basil';

/** Whether `apiVersion` (e.g. `2024-12-18.acacia`, `2023-10-16`) predates basil's shapes. */
export function beforeBasil(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) < BASIL.slice(0, 10);
}

const asObject = (value: JsonValue | undefined): JsonObject | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;

function legacySubscription(subscription: JsonObject): JsonObject {
  const items = asObject(subscription['items']);
  const data = Array.isArray(items?.['data']) ? items['data'] : [];
  const first = asObject(data[0]);
  const stripped = data.map((item) => {
    const object = asObject(item);
    if (object === undefined) return item;
    const { current_period_start: _start, current_period_end: _end, ...rest } = object;
    return rest;
  });
  return {
    ...subscription,
    current_period_start: first?.['current_period_start'] ?? null,
    current_period_end: first?.['current_period_end'] ?? null,
    items: { ...(items ?? {}), data: stripped },
  };
}

function legacyInvoice(invoice: JsonObject, store: StripeStore): JsonObject {
  const { parent, ...rest } = invoice;
  const details = asObject(asObject(parent)?.['subscription_details']);
  const record = store.invoices.get(String(invoice['id']));
  const intent = record?.paymentIntent ? store.paymentIntents.get(record.paymentIntent) : undefined;
  return {
    ...rest,
    subscription: details?.['subscription'] ?? null,
    subscription_details: { metadata: details?.['metadata'] ?? null },
    paid: invoice['status'] === 'paid',
    paid_out_of_band: record?.paidOutOfBand ?? false,
    payment_intent: record?.paymentIntent ?? null,
    charge: intent?.latestCharge ?? null,
  };
}

function legacyObject(object: JsonObject, store: StripeStore): JsonObject {
  switch (object['object']) {
    case 'subscription':
      return legacySubscription(object);
    case 'invoice':
      return legacyInvoice(object, store);
    case 'charge': {
      const intent = store.paymentIntents.get(String(object['payment_intent']));
      return { ...object, invoice: intent?.invoice ?? null };
    }
    case 'payment_intent':
      return { ...object, invoice: store.paymentIntents.get(String(object['id']))?.invoice ?? null };
    default:
      return object;
  }
}

/**
 * `event` as an endpoint on `apiVersion` receives it; undefined when that version has no such event
 * (`invoice_payment.*` before basil).
 */
export function eventAtVersion(
  event: EmulatedEvent,
  apiVersion: string,
  store: StripeStore,
): EmulatedEvent | undefined {
  if (!beforeBasil(apiVersion)) return { ...event, api_version: apiVersion };
  if (event.type.startsWith('invoice_payment.')) return undefined;
  return {
    ...event,
    api_version: apiVersion,
    data: { ...event.data, object: legacyObject(event.data.object, store) },
  };
}
