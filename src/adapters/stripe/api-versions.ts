/**
 * Which Stripe API versions this adapter reads. Every request pins `STRIPE_API_VERSION`; a webhook
 * endpoint has its own version and Stripe renders each event's `data.object` in it (the event's
 * `api_version`), so events are read by the shape of their version, and versions whose shapes are not
 * known here are refused rather than misread.
 */

/** The version the SDK is pinned to (typed against the installed SDK: upgrading it fails the build here). */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

/**
 * `current`: 2025-03-31.basil and later, up to the pinned version (subscription periods on the items,
 * the subscription of an invoice under `parent`). `acacia`: 2024-09-30.acacia to 2025-02-24.acacia,
 * before basil moved those fields (`current_period_*` on the subscription, `invoice.subscription`).
 * No later release (clover, dahlia, endive) moved a field this adapter reads.
 */
export type EventShape = 'current' | 'acacia';

const SHAPE_OF_RELEASE: Readonly<Record<string, EventShape>> = {
  acacia: 'acacia',
  basil: 'current',
  clover: 'current',
  dahlia: 'current',
  endive: 'current',
};

export const OLDEST_SUPPORTED_API_VERSION = '2024-09-30.acacia';

export type VersionCheck = { ok: true; shape: EventShape } | { ok: false; reason: string };

/** The shape an event's `api_version` is read with, or why it is refused. */
export function eventShapeOf(apiVersion: unknown): VersionCheck {
  const range = `supported: ${OLDEST_SUPPORTED_API_VERSION} to ${STRIPE_API_VERSION}`;
  const fix = `set the webhook endpoint's API version to ${STRIPE_API_VERSION}`;
  if (typeof apiVersion !== 'string' || apiVersion === '')
    return { ok: false, reason: `the event names no API version (${range}); ${fix}` };
  const match = /^(\d{4}-\d{2}-\d{2})\.([a-z]+)$/.exec(apiVersion);
  const shape = match === null ? undefined : SHAPE_OF_RELEASE[match[2] as string];
  const newer = match !== null && (match[1] as string) > STRIPE_API_VERSION.slice(0, 10);
  if (shape === undefined || newer)
    return {
      ok: false,
      reason: `Stripe API version ${apiVersion.slice(0, 40)} is not supported (${range}); ${fix}`,
    };
  return { ok: true, shape };
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An acacia subscription: the period lives on the subscription, not on its items. */
function subscriptionToCurrent(subscription: JsonObject): JsonObject {
  const items = subscription['items'];
  if (!isObject(items) || !Array.isArray(items['data'])) return subscription;
  const data = items['data'].map((item: unknown) =>
    isObject(item) && typeof item['current_period_end'] !== 'number'
      ? {
          ...item,
          current_period_start: subscription['current_period_start'],
          current_period_end: subscription['current_period_end'],
        }
      : item,
  );
  return { ...subscription, items: { ...items, data } };
}

/** An acacia invoice: its subscription is a top-level field, not `parent.subscription_details`. */
function invoiceToCurrent(invoice: JsonObject): JsonObject {
  if (isObject(invoice['parent']) || typeof invoice['subscription'] !== 'string') return invoice;
  const details = invoice['subscription_details'];
  return {
    ...invoice,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: {
        subscription: invoice['subscription'],
        metadata: isObject(details) ? (details['metadata'] ?? null) : null,
      },
    },
  };
}

/** An event's object in the pinned version's shape, for the fields this adapter reads. */
export function toPinnedShape(object: unknown, shape: EventShape): unknown {
  if (shape === 'current' || !isObject(object)) return object;
  if (object['object'] === 'subscription') return subscriptionToCurrent(object);
  if (object['object'] === 'invoice') return invoiceToCurrent(object);
  return object;
}
