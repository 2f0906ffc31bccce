import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../domain/model';

/**
 * A billing system seen through the canonical model: customers, subscriptions, invoices, payment
 * attempts and disputes. What is particular to one source (Stripe's payment intents and charges, say)
 * stays inside its adapter: the port speaks of the source's own objects only as opaque references.
 */

/** One of the source's own objects, named in its terms (for Stripe: `charge`, `invoice`, …). */
export type SourceObject = { kind: string; id: string };

/**
 * A payment attempt or a dispute as the source reports it. `invoiceId` when the source names the
 * invoice; otherwise `paymentRefs`, the source's ids of the payment it belongs to (most telling
 * first), by which the sync finds the invoice: from links the source reported, or by asking it.
 */
type Payer<T> = Omit<T, 'invoiceId'> & { invoiceId: string | null; paymentRefs: string[] };

export type SourcePayment = Payer<PaymentAttempt> & {
  /** The object to read again to see this attempt as it is now (null: the record itself). */
  readAgain: SourceObject | null;
};

export type SourceDispute = Payer<Dispute>;

export type BillingRecord =
  | { kind: 'customer'; id: string; row: Customer; email: string | null; deleted: boolean }
  | { kind: 'subscription'; id: string; row: Subscription }
  | { kind: 'invoice'; id: string; row: Invoice }
  /** The source says which invoice a payment reference pays. */
  | { kind: 'link'; id: string; paymentRef: string; invoiceId: string }
  | { kind: 'payment'; id: string; row: SourcePayment }
  | { kind: 'dispute'; id: string; row: SourceDispute };

export type BillingEvent = {
  id: string;
  type: string;
  /** Milliseconds since the epoch, in the source's clock. */
  createdMs: number;
  /** Records the event's object carries, already mapped. Empty for types that do not matter. */
  records: BillingRecord[];
  /** Objects to read again instead of trusting the event (e.g. an invoice after a credit note). */
  refetch: SourceObject[];
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
   * The kinds of object a backfill reads, in order: every object's references are known before it
   * arrives. The source's own names (they key the stored cursors).
   */
  readonly backfillOrder: readonly string[];
  /**
   * One page of a kind after a cursor (null = from the start). `observedMs` (source clock) dates what
   * the source does not date itself, such as when a dispute closed.
   */
  listPage(kind: string, cursor: string | null, observedMs: number): Promise<BillingPage>;
  /** The current state of one object, mapped; [] when it no longer exists. */
  fetch(object: SourceObject, observedMs: number): Promise<BillingRecord[]>;
  /** The invoice a payment reference pays, asked of the source when no link is stored; null if none. */
  findInvoiceOfPayment(paymentRef: string): Promise<string | null>;
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
