/**
 * In-memory state of the Stripe emulator: compact records (rendered to API objects only when served),
 * ordered collections with Stripe's list semantics, a controllable clock and deterministic ids.
 *
 * Records keep just what the emulator needs; `render.ts` turns them into the JSON shapes of the API
 * version the SDK pins. Keeping records small is what lets the bulk fixtures hold 100k invoices.
 */

export type Metadata = Record<string, string>;

// Hot paths use local bindings: under Jest's environment every global lookup (`Math`, …) goes through
// a proxy and costs more than the arithmetic itself.
const { imul, floor } = Math;

/** Seconds since the Unix epoch, like every Stripe timestamp. */
export type UnixSeconds = number;

/** A clock the tests control: every `created` and status-transition timestamp comes from it. */
export class EmulatorClock {
  private current: UnixSeconds;

  constructor(start: UnixSeconds) {
    this.current = EmulatorClock.check(start);
  }

  /** The emulator's "now", in unix seconds. */
  now(): UnixSeconds {
    return this.current;
  }

  /** Moves the clock to `unixSeconds` (it may go backwards; tests decide). */
  set(unixSeconds: UnixSeconds): void {
    this.current = EmulatorClock.check(unixSeconds);
  }

  /** Moves the clock forward by `seconds` and returns the new time. */
  advance(seconds: number): UnixSeconds {
    if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`advance() takes whole seconds ≥ 0`);
    this.current += seconds;
    return this.current;
  }

  private static check(value: number): number {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`clock time must be whole unix seconds`);
    return value;
  }
}

/** mulberry32: a tiny seeded generator, uniform in [0, 1). Deterministic for a seed; not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62_CODES: readonly number[] = Array.from(
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  (char) => char.charCodeAt(0),
);
const { fromCharCode } = String;

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(value: number): number {
  let z = value | 0;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/**
 * Stripe-looking ids (`in_1…`), unique per prefix and deterministic: an id depends only on the seed,
 * the prefix and how many ids of that prefix came before. The last 6 characters encode that counter
 * in base 62; the rest is hashed filler so ids do not look sequential. Built from char codes in one
 * go so each id is one flat string (ids are a large part of the memory of 100k-object fixtures).
 */
export class IdFactory {
  private readonly counters = new Map<string, { count: number; hash: number; codes: number[] }>();

  constructor(private readonly seed: number) {}

  next(prefix: string, length = 24): string {
    let state = this.counters.get(prefix);
    if (!state) {
      const codes = Array.from(`${prefix}_1`, (char) => char.charCodeAt(0));
      state = { count: 0, hash: hashString(prefix) ^ this.seed, codes };
      this.counters.set(prefix, state);
    }
    state.count += 1;
    const count = state.count;
    const codes = state.codes;
    const start = prefix.length + 2;
    const fillerEnd = start + length - 7;
    let hash = mix32(state.hash ^ imul(count, 0x9e3779b1));
    for (let index = start; index < fillerEnd; index += 1) {
      if ((index - start) % 5 === 4) hash = mix32(hash ^ imul(index, 0x85ebca6b) ^ count);
      codes[index] = BASE62_CODES[hash % 62] as number;
      hash = floor(hash / 62);
    }
    let rest = count;
    for (let index = fillerEnd + 5; index >= fillerEnd; index -= 1) {
      codes[index] = BASE62_CODES[rest % 62] as number;
      rest = floor(rest / 62);
    }
    codes.length = fillerEnd + 6;
    return fromCharCode(...codes);
  }
}

export interface BaseRecord {
  id: string;
  created: UnixSeconds;
  /** Insertion order across the whole store; breaks `created` ties (newer insert first). */
  seq: number;
}

/** Stripe's list order: newest `created` first, ties broken by later insertion first. */
export function newestFirst(a: BaseRecord, b: BaseRecord): number {
  return b.created - a.created || b.seq - a.seq;
}

/**
 * One resource's records. Sorting is lazy and cached until the next insert; `indexFields` (fields that
 * never change after insert, e.g. `customer`) get per-value buckets so filtered lists stay cheap at 100k.
 */
export class Collection<R extends BaseRecord> {
  private readonly byId = new Map<string, R>();
  private sorted: R[] | null = null;
  private readonly buckets = new Map<string, Map<string, R[]>>();
  private readonly sortedBuckets = new Map<string, R[]>();

  constructor(
    /** The API's name for the object, e.g. `invoice` (used in "No such invoice" messages). */
    readonly objectName: string,
    readonly indexFields: readonly (keyof R & string)[] = [],
  ) {
    for (const field of indexFields) this.buckets.set(field, new Map());
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): R | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  insert(record: R): R {
    if (this.byId.has(record.id)) throw new Error(`duplicate ${this.objectName} id ${record.id}`);
    this.byId.set(record.id, record);
    for (const field of this.indexFields) {
      const value = record[field];
      if (typeof value !== 'string') continue;
      const bucketsOfField = this.buckets.get(field);
      if (!bucketsOfField) continue;
      const bucket = bucketsOfField.get(value);
      if (bucket) bucket.push(record);
      else bucketsOfField.set(value, [record]);
    }
    this.invalidate();
    return record;
  }

  /** Call after changing a record's `created` (ordering) outside `insert`. */
  invalidate(): void {
    this.sorted = null;
    // Map#clear allocates a fresh table even when empty: skip it on the bulk-insert path.
    if (this.sortedBuckets.size > 0) this.sortedBuckets.clear();
  }

  values(): IterableIterator<R> {
    return this.byId.values();
  }

  /** All records, newest first. */
  ordered(): readonly R[] {
    if (!this.sorted) this.sorted = [...this.byId.values()].sort(newestFirst);
    return this.sorted;
  }

  /** Records whose indexed `field` equals `value`, newest first. */
  orderedBy(field: keyof R & string, value: string): readonly R[] {
    const bucketsOfField = this.buckets.get(field);
    if (!bucketsOfField) throw new Error(`${this.objectName}.${field} is not indexed`);
    const key = `${field}\u0000${value}`;
    let cached = this.sortedBuckets.get(key);
    if (!cached) {
      cached = [...(bucketsOfField.get(value) ?? [])].sort(newestFirst);
      this.sortedBuckets.set(key, cached);
    }
    return cached;
  }
}

/** First index in `ordered` (newest first) whose record is not newer than `cursor`. */
function lowerBound(ordered: readonly BaseRecord[], cursor: BaseRecord): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const item = ordered[middle] as BaseRecord;
    if (newestFirst(item, cursor) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export interface PageRequest<R> {
  limit: number;
  /** The record named by `starting_after`, already looked up. */
  startingAfter?: R;
  /** The record named by `ending_before`, already looked up. */
  endingBefore?: R;
  filter?: (record: R) => boolean;
}

export interface Page<R> {
  data: R[];
  hasMore: boolean;
}

/**
 * Stripe's cursor pagination over a newest-first array: `starting_after` returns the next older page,
 * `ending_before` the page just newer than the cursor (still newest first); `hasMore` says whether
 * more records lie further in the direction of travel. The cursor need not pass the filter itself.
 */
export function paginate<R extends BaseRecord>(ordered: readonly R[], request: PageRequest<R>): Page<R> {
  const accept = request.filter ?? (() => true);
  const wanted = request.limit + 1;
  const found: R[] = [];
  if (request.endingBefore) {
    const position = lowerBound(ordered, request.endingBefore);
    for (let index = position - 1; index >= 0 && found.length < wanted; index -= 1) {
      const record = ordered[index] as R;
      if (accept(record)) found.push(record);
    }
    const hasMore = found.length > request.limit;
    const data = found.slice(0, request.limit).reverse();
    return { data, hasMore };
  }
  let start = 0;
  if (request.startingAfter) {
    start = lowerBound(ordered, request.startingAfter);
    if (ordered[start] === request.startingAfter) start += 1;
  }
  for (let index = start; index < ordered.length && found.length < wanted; index += 1) {
    const record = ordered[index] as R;
    if (accept(record)) found.push(record);
  }
  return { data: found.slice(0, request.limit), hasMore: found.length > request.limit };
}

// ---------------------------------------------------------------------------------------------------
// Records

export interface AddressRecord {
  country: string | null;
  city: string | null;
  line1: string | null;
  postalCode: string | null;
  state: string | null;
}

export interface CustomerRecord extends BaseRecord {
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Metadata;
  address: AddressRecord | null;
  currency: string | null;
  balance: number;
  delinquent: boolean;
  deleted: boolean;
  defaultPaymentMethod: string | null;
  invoicePrefix: string;
  nextInvoiceSequence: number;
  /**
   * An Accounts v2 Account with the customer configuration (`acct_…`), not a Customer: objects billed to it
   * carry `customer: null` and `customer_account: <id>`, and `/v1/customers` neither lists nor retrieves it.
   */
  v2Account?: boolean;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover';

export interface PaymentMethodRecord extends BaseRecord {
  customer: string | null;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string;
  funding: 'credit' | 'debit' | 'prepaid';
}

export type SubscriptionStatus =
  'active' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'past_due' | 'paused' | 'trialing' | 'unpaid';

export type RecurringInterval = 'day' | 'week' | 'month' | 'year';
export type CollectionMethod = 'charge_automatically' | 'send_invoice';

export interface SubscriptionRecord extends BaseRecord {
  customer: string;
  status: SubscriptionStatus;
  currency: string;
  collectionMethod: CollectionMethod;
  daysUntilDue: number | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: UnixSeconds | null;
  canceledAt: UnixSeconds | null;
  endedAt: UnixSeconds | null;
  cancellationReason: 'cancellation_requested' | 'payment_disputed' | 'payment_failed' | null;
  cancellationFeedback: string | null;
  startDate: UnixSeconds;
  billingCycleAnchor: UnixSeconds;
  itemId: string;
  priceId: string;
  productId: string;
  unitAmount: number;
  quantity: number;
  interval: RecurringInterval;
  intervalCount: number;
  currentPeriodStart: UnixSeconds;
  currentPeriodEnd: UnixSeconds;
  latestInvoice: string | null;
  defaultPaymentMethod: string | null;
  metadata: Metadata;
  description: string | null;
  trialStart: UnixSeconds | null;
  trialEnd: UnixSeconds | null;
  /** `pause_collection`: invoices are not collected (kept as drafts, voided, or marked uncollectible). */
  pauseCollection?: {
    behavior: 'keep_as_draft' | 'mark_uncollectible' | 'void';
    resumesAt: UnixSeconds | null;
  } | null;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceRecord extends BaseRecord {
  customer: string;
  /** Snapshot of the customer at finalization (Stripe freezes these on the invoice). */
  customerEmail: string | null;
  customerName: string | null;
  subscription: string | null;
  subscriptionMetadata: Metadata | null;
  status: InvoiceStatus;
  collectionMethod: CollectionMethod;
  currency: string;
  /** Total before credit notes. */
  total: number;
  amountDue: number;
  amountPaid: number;
  paidOutOfBand: boolean;
  prePaymentCreditNotesAmount: number;
  postPaymentCreditNotesAmount: number;
  dueDate: UnixSeconds | null;
  number: string | null;
  finalizedAt: UnixSeconds | null;
  paidAt: UnixSeconds | null;
  voidedAt: UnixSeconds | null;
  markedUncollectibleAt: UnixSeconds | null;
  attemptCount: number;
  attempted: boolean;
  nextPaymentAttempt: UnixSeconds | null;
  autoAdvance: boolean;
  periodStart: UnixSeconds;
  periodEnd: UnixSeconds;
  billingReason: 'manual' | 'subscription_create' | 'subscription_cycle' | 'subscription_update';
  description: string | null;
  lineDescription: string;
  metadata: Metadata;
  /** The default payment's PaymentIntent (created at finalization). */
  paymentIntent: string | null;
  /** Set when an invoice.overdue event was emitted, so it is emitted once. */
  overdueNotifiedAt: UnixSeconds | null;
}

export interface LastPaymentErrorRecord {
  code: string;
  declineCode: string | null;
  message: string;
  charge: string | null;
  paymentMethod: string | null;
  adviceCode: string | null;
  networkDeclineCode: string | null;
}

export type PaymentIntentStatus =
  | 'canceled'
  | 'processing'
  | 'requires_action'
  | 'requires_capture'
  | 'requires_confirmation'
  | 'requires_payment_method'
  | 'succeeded';

export interface PaymentIntentRecord extends BaseRecord {
  customer: string | null;
  /** Internal link only: in this API version a PaymentIntent does not name its invoice. */
  invoice: string | null;
  amount: number;
  amountReceived: number;
  currency: string;
  status: PaymentIntentStatus;
  lastPaymentError: LastPaymentErrorRecord | null;
  latestCharge: string | null;
  paymentMethod: string | null;
  canceledAt: UnixSeconds | null;
  cancellationReason: 'void_invoice' | 'failed_invoice' | 'abandoned' | 'requested_by_customer' | null;
  description: string | null;
  metadata: Metadata;
}

export interface OutcomeRecord {
  networkStatus:
    'approved_by_network' | 'declined_by_network' | 'not_sent_to_network' | 'reversed_after_approval';
  reason: string | null;
  type: 'authorized' | 'issuer_declined' | 'blocked' | 'invalid' | 'manual_review';
  sellerMessage: string;
  riskLevel: 'normal' | 'elevated' | 'highest';
  riskScore: number;
  adviceCode: 'confirm_card_data' | 'do_not_try_again' | 'try_again_later' | null;
  networkDeclineCode: string | null;
}

/** How a charge was paid: a card, or a bank debit that settles days later (SEPA, ACH). */
export type ChargeMethodType = 'card' | 'sepa_debit' | 'us_bank_account';

export interface ChargeRecord extends BaseRecord {
  /** Default `card`. */
  methodType?: ChargeMethodType;
  customer: string | null;
  paymentIntent: string | null;
  paymentMethod: string | null;
  amount: number;
  amountCaptured: number;
  amountRefunded: number;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed';
  failureCode: string | null;
  failureMessage: string | null;
  outcome: OutcomeRecord;
  disputed: boolean;
  description: string | null;
  billingEmail: string | null;
  billingName: string | null;
  metadata: Metadata;
}

export type DisputeStatus =
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost'
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'prevented'
  | 'appeal_needs_response'
  | 'appeal_under_review';

export type DisputeReason =
  | 'bank_cannot_process'
  | 'check_returned'
  | 'credit_not_processed'
  | 'customer_initiated'
  | 'debit_not_authorized'
  | 'duplicate'
  | 'fraudulent'
  | 'general'
  | 'incorrect_account_details'
  | 'insufficient_funds'
  | 'product_not_received'
  | 'product_unacceptable'
  | 'subscription_canceled'
  | 'unrecognized';

export interface DisputeRecord extends BaseRecord {
  charge: string;
  paymentIntent: string | null;
  amount: number;
  currency: string;
  reason: DisputeReason;
  status: DisputeStatus;
  evidenceDueBy: UnixSeconds;
  submissionCount: number;
  isChargeRefundable: boolean;
  networkReasonCode: string | null;
  metadata: Metadata;
}

export type CreditNoteReason = 'duplicate' | 'fraudulent' | 'order_change' | 'product_unsatisfactory';

export interface CreditNoteRecord extends BaseRecord {
  invoice: string;
  customer: string;
  amount: number;
  currency: string;
  number: string;
  reason: CreditNoteReason | null;
  memo: string | null;
  status: 'issued' | 'void';
  type: 'pre_payment' | 'post_payment' | 'mixed';
  prePaymentAmount: number;
  postPaymentAmount: number;
  outOfBandAmount: number | null;
  refunds: { refund: string; amountRefunded: number }[];
  voidedAt: UnixSeconds | null;
  metadata: Metadata;
}

export interface RefundRecord extends BaseRecord {
  charge: string;
  paymentIntent: string | null;
  customer: string | null;
  amount: number;
  currency: string;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  /** Set when the refund failed (`lost_or_stolen_card`, `expired_or_canceled_card`, …). */
  failureReason?: string | null;
  metadata: Metadata;
}

export interface InvoicePaymentRecord extends BaseRecord {
  invoice: string;
  /** Null for a payment made outside Stripe, reported as a Payment Record (`paymentRecord`). */
  paymentIntent: string | null;
  paymentRecord?: string;
  amountRequested: number;
  amountPaid: number | null;
  currency: string;
  status: 'open' | 'paid' | 'canceled';
  isDefault: boolean;
  paidAt: UnixSeconds | null;
  canceledAt: UnixSeconds | null;
}

export interface EventRecord extends BaseRecord {
  type: string;
  /** The complete event as served (an immutable snapshot taken when it happened). */
  json: string;
}

/** What `expand` and cursors need of a collection. */
export interface RecordLookup {
  readonly objectName: string;
  get(id: string): BaseRecord | undefined;
}

/** Every collection of the emulator, plus the id factory, clock and a global insertion counter. */
export class StripeStore {
  readonly customers = new Collection<CustomerRecord>('customer', ['email']);
  readonly paymentMethods = new Collection<PaymentMethodRecord>('payment_method', ['customer']);
  readonly subscriptions = new Collection<SubscriptionRecord>('subscription', ['customer']);
  readonly invoices = new Collection<InvoiceRecord>('invoice', ['customer', 'subscription']);
  readonly invoicePayments = new Collection<InvoicePaymentRecord>('invoice_payment', ['invoice']);
  readonly paymentIntents = new Collection<PaymentIntentRecord>('payment_intent', ['customer']);
  readonly charges = new Collection<ChargeRecord>('charge', ['customer', 'paymentIntent']);
  readonly disputes = new Collection<DisputeRecord>('dispute', ['charge']);
  readonly creditNotes = new Collection<CreditNoteRecord>('credit_note', ['customer', 'invoice']);
  readonly refunds = new Collection<RefundRecord>('refund', ['charge']);
  readonly events = new Collection<EventRecord>('event');
  readonly ids: IdFactory;
  private sequence = 0;

  constructor(
    readonly clock: EmulatorClock,
    seed: number,
  ) {
    this.ids = new IdFactory(seed);
  }

  /** The next insertion number (records created later sort first among equal `created`). */
  nextSeq(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** The collection that holds ids with this prefix, for `expand` and cursors. */
  collectionForId(id: string): RecordLookup | undefined {
    const prefix = id.slice(0, id.indexOf('_'));
    const byPrefix: Record<string, RecordLookup | undefined> = {
      cus: this.customers,
      pm: this.paymentMethods,
      sub: this.subscriptions,
      in: this.invoices,
      inpay: this.invoicePayments,
      pi: this.paymentIntents,
      ch: this.charges,
      py: this.charges,
      dp: this.disputes,
      du: this.disputes,
      cn: this.creditNotes,
      re: this.refunds,
      pyr: this.refunds,
      evt: this.events,
    };
    return byPrefix[prefix];
  }
}
