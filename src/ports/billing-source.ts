import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../domain/model';

/**
 * A billing system (Stripe) seen through the canonical model. Payments and disputes name the
 * source's payment objects; which invoice they belong to is resolved by the sync (links).
 */
export type SourcePayment = Omit<PaymentAttempt, 'invoiceId'> & {
  invoiceId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
};

export type SourceDispute = Omit<Dispute, 'invoiceId'> & {
  invoiceId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
};

export type BillingRecord =
  | { kind: 'customer'; id: string; row: Customer; email: string | null; deleted: boolean }
  | { kind: 'subscription'; id: string; row: Subscription }
  | { kind: 'invoice'; id: string; row: Invoice }
  /** Which invoice a payment intent pays. */
  | { kind: 'link'; id: string; paymentIntentId: string; invoiceId: string }
  | { kind: 'payment'; id: string; row: SourcePayment }
  | { kind: 'dispute'; id: string; row: SourceDispute };

export type BillingKind =
  'customers' | 'subscriptions' | 'invoices' | 'links' | 'charges' | 'refunds' | 'disputes';

/** Backfill order: every object's references are known before it arrives. */
export const BACKFILL_ORDER: readonly BillingKind[] = [
  'customers',
  'subscriptions',
  'invoices',
  'links',
  'charges',
  'refunds',
  'disputes',
];

export type BillingEvent = {
  id: string;
  type: string;
  /** Milliseconds since the epoch, in the source's clock. */
  createdMs: number;
  /** Records the event's object carries, already mapped. Empty for types that do not matter. */
  records: BillingRecord[];
  /** Objects to read again instead of trusting the event (e.g. an invoice after a credit note). */
  refetch: { kind: 'invoice' | 'customer' | 'subscription' | 'charge' | 'dispute'; id: string }[];
  /**
   * Set when the event cannot be read (e.g. an API version whose shapes the source does not know): it is
   * kept as failed with this reason, never retried, and nothing it carries is applied.
   */
  refused?: { code: string; message: string };
};

export type BillingPage = { records: BillingRecord[]; nextCursor: string | null };

export class WebhookSignatureError extends Error {}

export interface BillingSource {
  readonly name: string;
  /**
   * One page of a kind after a cursor (null = from the start). `observedMs` (source clock) dates what
   * the source does not date itself, such as when a dispute closed.
   */
  listPage(kind: BillingKind, cursor: string | null, observedMs: number): Promise<BillingPage>;
  /** The current state of one object, mapped; [] when it no longer exists. */
  fetch(
    kind: BillingEvent['refetch'][number]['kind'],
    id: string,
    observedMs: number,
  ): Promise<BillingRecord[]>;
  /** The invoice a payment intent pays, asked of the source when no link is stored yet. */
  findInvoiceOfPaymentIntent(paymentIntentId: string): Promise<string | null>;
  /** The newest event's time (ms) in the source's clock: backfilled state is at least this new. */
  latestEventMs(): Promise<number>;
  /** Verifies a webhook's signature on its raw body (5-minute tolerance); throws WebhookSignatureError. */
  verifyWebhook(
    rawBody: string,
    signatureHeader: string | undefined,
  ): { id: string; type: string; createdMs: number };
  /** Maps a verified event's body. */
  mapEvent(rawBody: string): BillingEvent;
}
