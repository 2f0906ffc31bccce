/**
 * Scenario helpers: each one changes the emulator's state the way Stripe would and records the events
 * Stripe would send for it (stored for `GET /v1/events`, and passed to `onEvent` listeners).
 *
 * Event payloads are snapshots taken when the event happens (`data.object` as it was then, plus
 * `previous_attributes` for `*.updated`), serialised once, so later changes never alter old events.
 * Actions a user or integration would start through the API get a `request.id`; automatic ones
 * (payment attempts, dispute updates from the network, overdue notices) get `request.id: null`.
 */
import {
  amountRemaining,
  asJson,
  renderCharge,
  renderCreditNote,
  renderCustomer,
  renderDispute,
  renderInvoice,
  renderInvoicePayment,
  renderPaymentIntent,
  renderPaymentMethod,
  renderRefund,
  renderSubscription,
  type JsonObject,
  type RenderContext,
} from './render';
import { invalidRequest } from './params';
import type {
  CardBrand,
  ChargeMethodType,
  ChargeRecord,
  CollectionMethod,
  CreditNoteReason,
  CreditNoteRecord,
  CustomerRecord,
  DisputeReason,
  DisputeRecord,
  DisputeStatus,
  InvoicePaymentRecord,
  InvoiceRecord,
  LastPaymentErrorRecord,
  Metadata,
  OutcomeRecord,
  PaymentIntentRecord,
  PaymentMethodRecord,
  RecurringInterval,
  RefundRecord,
  StripeStore,
  SubscriptionRecord,
  SubscriptionStatus,
  UnixSeconds,
} from './store';

export const DAY = 86400;

/** An event exactly as the emulator serves it and as webhooks deliver it. */
export interface EmulatedEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: UnixSeconds;
  data: { object: JsonObject; previous_attributes?: JsonObject };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type EventListener = (event: EmulatedEvent) => void;

/** How a decline code shows up on the charge, the PaymentIntent error and the outcome. */
export interface DeclineDetails {
  /** `last_payment_error.code` and `charge.failure_code`. */
  code: string;
  /** `last_payment_error.decline_code` (Radar blocks report `fraudulent`). */
  declineCode: string;
  message: string;
  outcome: OutcomeRecord;
}

const NETWORK_DECLINE_CODES: Record<string, string> = {
  do_not_honor: '05',
  generic_decline: '05',
  insufficient_funds: '51',
  expired_card: '54',
  lost_card: '41',
  stolen_card: '43',
  pickup_card: '04',
  incorrect_number: '14',
  incorrect_cvc: 'N7',
  invalid_account: '14',
  card_velocity_exceeded: '65',
  withdrawal_count_limit_exceeded: '65',
  transaction_not_allowed: '57',
  restricted_card: '62',
  revocation_of_authorization: 'R0',
  revocation_of_all_authorizations: 'R1',
  stop_payment_order: 'R0',
  try_again_later: '19',
  issuer_not_available: '91',
};

/** Codes for which Stripe uses the decline code itself as the error code. */
const OWN_ERROR_CODE = new Set([
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'processing_error',
  'authentication_required',
]);

const MESSAGES: Record<string, string> = {
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  incorrect_number: 'Your card number is incorrect.',
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  insufficient_funds: 'Your card has insufficient funds.',
  authentication_required: 'Your card was declined. This transaction requires authentication.',
};

const ADVICE: Record<string, OutcomeRecord['adviceCode']> = {
  insufficient_funds: 'try_again_later',
  try_again_later: 'try_again_later',
  processing_error: 'try_again_later',
  issuer_not_available: 'try_again_later',
  expired_card: 'confirm_card_data',
  incorrect_cvc: 'confirm_card_data',
  incorrect_number: 'confirm_card_data',
  lost_card: 'do_not_try_again',
  stolen_card: 'do_not_try_again',
  pickup_card: 'do_not_try_again',
  revocation_of_authorization: 'do_not_try_again',
  revocation_of_all_authorizations: 'do_not_try_again',
  stop_payment_order: 'do_not_try_again',
  do_not_try_again: 'do_not_try_again',
};

/** `outcome.reason` values of Radar blocks other than the default block rule's `highest_risk_level`. */
const RADAR_REASONS = new Set(['rule', 'elevated_risk_level', 'low_probability_of_authorization']);

/** Maps a decline code (e.g. `expired_card`, `insufficient_funds`) to what Stripe reports for it. */
export function declineDetails(declineCode: string): DeclineDetails {
  if (RADAR_REASONS.has(declineCode)) {
    // Stripe "Charge outcome": blocked by Radar's default rule, a custom rule, or as unlikely to be
    // authorised; never sent to the network, so no issuer advice.
    return {
      code: 'card_declined',
      declineCode: 'fraudulent',
      message: 'Your card was declined.',
      outcome: {
        networkStatus: 'not_sent_to_network',
        reason: declineCode,
        type: 'blocked',
        sellerMessage:
          declineCode === 'rule'
            ? 'Blocked by a Radar rule.'
            : 'Stripe blocked this payment as unlikely to be authorized or too risky.',
        riskLevel: 'elevated',
        riskScore: 70,
        adviceCode: null,
        networkDeclineCode: null,
      },
    };
  }
  if (declineCode === 'highest_risk_level' || declineCode === 'merchant_blacklist') {
    return {
      code: 'card_declined',
      declineCode: 'fraudulent',
      message: 'Your card was declined.',
      outcome: {
        networkStatus: 'not_sent_to_network',
        reason: declineCode,
        type: 'blocked',
        sellerMessage: 'Stripe blocked this payment as too risky.',
        riskLevel: 'highest',
        riskScore: 95,
        adviceCode: 'do_not_try_again',
        networkDeclineCode: null,
      },
    };
  }
  const generic = declineCode === 'generic_decline';
  return {
    code: OWN_ERROR_CODE.has(declineCode) ? declineCode : 'card_declined',
    declineCode,
    message: MESSAGES[declineCode] ?? 'Your card was declined.',
    outcome: {
      networkStatus: 'declined_by_network',
      reason: declineCode,
      type: 'issuer_declined',
      sellerMessage: generic
        ? 'The bank did not return any further details with this decline.'
        : `The bank returned the decline code \`${declineCode}\`.`,
      riskLevel: 'normal',
      riskScore: 20,
      adviceCode: ADVICE[declineCode] ?? null,
      networkDeclineCode: NETWORK_DECLINE_CODES[declineCode] ?? null,
    },
  };
}

export interface CardInput {
  brand?: CardBrand;
  last4?: string;
  expMonth?: number;
  expYear?: number;
  country?: string;
  funding?: 'credit' | 'debit' | 'prepaid';
}

export interface CreateCustomerInput {
  id?: string;
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Metadata;
  country?: string | null;
  currency?: string | null;
  created?: UnixSeconds;
  /** A card to attach as the default payment method; `false` for none. Defaults to a Visa 4242. */
  card?: CardInput | false;
}

export interface UpdateCustomerInput {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  /** Merged like Stripe: a key set to `''` is removed. */
  metadata?: Metadata;
  country?: string | null;
}

export interface CreateSubscriptionInput {
  customer: string;
  unitAmount?: number;
  quantity?: number;
  currency?: string;
  interval?: RecurringInterval;
  intervalCount?: number;
  status?: SubscriptionStatus;
  collectionMethod?: CollectionMethod;
  /** For `send_invoice` (default 30). */
  daysUntilDue?: number;
  currentPeriodStart?: UnixSeconds;
  /** Defaults to one interval after the period start. */
  currentPeriodEnd?: UnixSeconds;
  trialEnd?: UnixSeconds;
  metadata?: Metadata;
  description?: string | null;
  created?: UnixSeconds;
}

export interface CreateInvoiceInput {
  customer: string;
  subscription?: string;
  /** Total in the currency's minor unit. */
  amount: number;
  currency?: string;
  collectionMethod?: CollectionMethod;
  /** For `send_invoice`: due this many days after creation (default 30) unless `dueDate` is given. */
  daysUntilDue?: number;
  dueDate?: UnixSeconds;
  description?: string | null;
  lineDescription?: string;
  metadata?: Metadata;
  billingReason?: InvoiceRecord['billingReason'];
  periodStart?: UnixSeconds;
  periodEnd?: UnixSeconds;
  created?: UnixSeconds;
  /** Finalize right away (default true); a draft invoice otherwise. */
  finalize?: boolean;
  /** For `send_invoice`: emit `invoice.sent` after finalizing (default true). */
  send?: boolean;
}

export interface FailPaymentInput {
  /** The decline code, e.g. `expired_card`, `insufficient_funds` (default `generic_decline`). */
  declineCode?: string;
  /** Seconds until Stripe's next automatic attempt; `null` when retries are exhausted (default 3 days). */
  nextAttemptIn?: number | null;
  /** Move an active subscription to this status after the failure (default `past_due`; `null` = no change). */
  subscriptionStatus?: SubscriptionStatus | null;
  /**
   * The issuer's advice (`outcome.advice_code`, `last_payment_error.advice_code`) when it is not the one
   * usual for the decline code: Stripe reports them independently.
   */
  adviceCode?: OutcomeRecord['adviceCode'];
}

export interface PayInvoiceInput {
  /** Mark paid outside Stripe (`paid_out_of_band`): no charge, `invoice.paid` but no `payment_succeeded`. */
  outOfBand?: boolean;
}

export interface CreateDisputeInput {
  reason?: DisputeReason;
  status?: DisputeStatus;
  amount?: number;
  evidenceDueInDays?: number;
  networkReasonCode?: string | null;
}

export interface CreateCreditNoteInput {
  amount: number;
  reason?: CreditNoteReason | null;
  memo?: string | null;
  /** For paid invoices: how the credit is settled (default `refund`). */
  settlement?: 'refund' | 'customer_balance' | 'out_of_band';
}

/** The parameters of `POST /v1/credit_notes` the emulator models (amounts in minor units). */
export interface IssueCreditNoteInput {
  amount: number;
  refundAmount: number;
  creditAmount: number;
  outOfBandAmount: number;
  reason: CreditNoteReason | null;
  memo: string | null;
  metadata: Metadata;
}

export interface RefundInput {
  /** `pending` for a refund that settles later (bank debits, some cards); default `succeeded`. */
  status?: 'pending' | 'succeeded';
  amount?: number;
  reason?: RefundRecord['reason'];
}

/** Everything a scenario step returns: the objects it touched, as served by the API. */
export interface ScenarioResult {
  invoice?: JsonObject;
  paymentIntent?: JsonObject;
  charge?: JsonObject;
  dispute?: JsonObject;
  creditNote?: JsonObject;
  refund?: JsonObject;
  events: EmulatedEvent[];
}

function addInterval(start: UnixSeconds, interval: RecurringInterval, count: number): UnixSeconds {
  if (interval === 'day') return start + count * DAY;
  if (interval === 'week') return start + count * 7 * DAY;
  const date = new Date(start * 1000);
  if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + count);
  else date.setUTCFullYear(date.getUTCFullYear() + count);
  return Math.floor(date.getTime() / 1000);
}

const LAST4: Record<CardBrand, string> = { visa: '4242', mastercard: '4444', amex: '8431', discover: '1117' };

export interface EventRecorderOptions {
  apiVersion: string;
  /** `pending_webhooks` on new events (the number of webhook endpoints that would receive them). */
  pendingWebhooks: number;
}

/** Records events in the store and tells listeners. */
export class EventRecorder {
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly store: StripeStore,
    private readonly options: EventRecorderOptions,
  ) {}

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(
    type: string,
    object: JsonObject,
    previousAttributes?: JsonObject,
    requestId: string | null = null,
  ): EmulatedEvent {
    const event: EmulatedEvent = {
      id: this.store.ids.next('evt'),
      object: 'event',
      api_version: this.options.apiVersion,
      created: this.store.clock.now(),
      data: previousAttributes ? { object, previous_attributes: previousAttributes } : { object },
      livemode: false,
      pending_webhooks: this.options.pendingWebhooks,
      request: { id: requestId, idempotency_key: null },
      type,
    };
    const json = JSON.stringify(event);
    this.store.events.insert({ id: event.id, created: event.created, seq: this.store.nextSeq(), type, json });
    for (const listener of this.listeners) listener(JSON.parse(json) as EmulatedEvent);
    return event;
  }
}

/**
 * The scenario API (`emu.scenario`). Methods throw on impossible transitions (e.g. paying a void
 * invoice) so a test's mistake is loud rather than producing states Stripe never reaches.
 */
export class StripeScenario {
  constructor(
    private readonly store: StripeStore,
    private readonly recorder: EventRecorder,
    private readonly context: RenderContext,
  ) {}

  private now(): UnixSeconds {
    return this.store.clock.now();
  }

  private requestId(): string {
    return this.store.ids.next('req', 14);
  }

  private customerOf(id: string): CustomerRecord {
    const customer = this.store.customers.get(id);
    if (!customer) throw new Error(`No such customer: '${id}'`);
    if (customer.deleted) throw new Error(`customer ${id} is deleted`);
    return customer;
  }

  private invoiceOf(id: string): InvoiceRecord {
    const invoice = this.store.invoices.get(id);
    if (!invoice) throw new Error(`No such invoice: '${id}'`);
    return invoice;
  }

  private subscriptionOf(id: string): SubscriptionRecord {
    const subscription = this.store.subscriptions.get(id);
    if (!subscription) throw new Error(`No such subscription: '${id}'`);
    return subscription;
  }

  private chargeOf(id: string): ChargeRecord {
    const charge = this.store.charges.get(id);
    if (!charge) throw new Error(`No such charge: '${id}'`);
    return charge;
  }

  private disputeOf(id: string): DisputeRecord {
    const dispute = this.store.disputes.get(id);
    if (!dispute) throw new Error(`No such dispute: '${id}'`);
    return dispute;
  }

  private json = {
    customer: (record: CustomerRecord) => asJson(renderCustomer({ ...record, deleted: false })),
    subscription: (record: SubscriptionRecord) => asJson(renderSubscription(record)),
    invoice: (record: InvoiceRecord) => asJson(renderInvoice(record, this.context)),
    paymentIntent: (record: PaymentIntentRecord) => asJson(renderPaymentIntent(record)),
    charge: (record: ChargeRecord) => asJson(renderCharge(record, this.context)),
    dispute: (record: DisputeRecord) => asJson(renderDispute(record)),
    creditNote: (record: CreditNoteRecord) => asJson(renderCreditNote(record)),
    refund: (record: RefundRecord) => asJson(renderRefund(record)),
    invoicePayment: (record: InvoicePaymentRecord) => asJson(renderInvoicePayment(record)),
    paymentMethod: (record: PaymentMethodRecord) => asJson(renderPaymentMethod(record)),
  };

  private createCard(customer: string | null, card: CardInput): PaymentMethodRecord {
    const brand = card.brand ?? 'visa';
    const year = new Date(this.now() * 1000).getUTCFullYear();
    return this.store.paymentMethods.insert({
      id: this.store.ids.next('pm'),
      created: this.now(),
      seq: this.store.nextSeq(),
      customer,
      brand,
      last4: card.last4 ?? LAST4[brand],
      expMonth: card.expMonth ?? 12,
      expYear: card.expYear ?? year + 3,
      country: card.country ?? 'US',
      funding: card.funding ?? 'credit',
    });
  }

  // ----------------------------------------------------------------------------------------- customers

  /** Creates a customer (default card attached unless `card: false`); emits `customer.created`. */
  createCustomer(input: CreateCustomerInput = {}): JsonObject {
    const created = input.created ?? this.now();
    const id = input.id ?? this.store.ids.next('cus', 14);
    const prefix = id
      .slice(-8)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, 'X');
    const card = input.card === false ? null : this.createCard(id, input.card ?? {});
    const record = this.store.customers.insert({
      id,
      created,
      seq: this.store.nextSeq(),
      email: input.email ?? null,
      name: input.name ?? null,
      description: input.description ?? null,
      phone: input.phone ?? null,
      metadata: { ...(input.metadata ?? {}) },
      address: input.country
        ? { country: input.country, city: null, line1: null, postalCode: null, state: null }
        : null,
      currency: input.currency ?? null,
      balance: 0,
      delinquent: false,
      deleted: false,
      defaultPaymentMethod: card?.id ?? null,
      invoicePrefix: prefix,
      nextInvoiceSequence: 1,
    });
    const object = this.json.customer(record);
    this.recorder.emit('customer.created', object, undefined, this.requestId());
    return object;
  }

  /**
   * An Accounts v2 Account with the customer configuration ("Represent customers using Account
   * objects"): invoices and PaymentIntents billed to it carry `customer: null` and `customer_account`.
   * It is not a Customer: `/v1/customers` neither lists nor retrieves it, and no v1 event is emitted.
   */
  createAccountCustomer(
    input: { email?: string | null; name?: string | null; currency?: string } = {},
  ): string {
    const id = this.store.ids.next('acct', 16);
    this.store.customers.insert({
      id,
      created: this.now(),
      seq: this.store.nextSeq(),
      email: input.email ?? null,
      name: input.name ?? null,
      description: null,
      phone: null,
      metadata: {},
      address: null,
      currency: input.currency ?? null,
      balance: 0,
      delinquent: false,
      deleted: false,
      defaultPaymentMethod: null,
      invoicePrefix: id.slice(-8).toUpperCase(),
      nextInvoiceSequence: 1,
      v2Account: true,
    });
    return id;
  }

  /** Updates fields and merges metadata (`''` removes a key); emits `customer.updated`. */
  updateCustomer(id: string, input: UpdateCustomerInput): EmulatedEvent {
    const customer = this.customerOf(id);
    const previous: JsonObject = {};
    for (const field of ['email', 'name', 'description'] as const) {
      const value = input[field];
      if (value !== undefined && value !== customer[field]) {
        previous[field] = customer[field];
        customer[field] = value;
      }
    }
    if (input.country !== undefined && input.country !== (customer.address?.country ?? null)) {
      previous.address = customer.address ? (asJson(renderCustomer(customer)).address ?? null) : null;
      customer.address = input.country
        ? { country: input.country, city: null, line1: null, postalCode: null, state: null }
        : null;
    }
    if (input.metadata) {
      const before: JsonObject = {};
      for (const [key, value] of Object.entries(input.metadata)) {
        const old = customer.metadata[key];
        if (value === '') {
          if (old !== undefined) {
            before[key] = old;
            delete customer.metadata[key];
          }
        } else if (old !== value) {
          before[key] = old ?? null;
          customer.metadata[key] = value;
        }
      }
      if (Object.keys(before).length > 0) previous.metadata = before;
    }
    return this.recorder.emit('customer.updated', this.json.customer(customer), previous, this.requestId());
  }

  /**
   * A new card becomes the default payment method: emits `payment_method.attached` and
   * `customer.updated` with `previous_attributes.invoice_settings.default_payment_method`.
   */
  updateDefaultCard(
    customerId: string,
    card: CardInput = {},
  ): { paymentMethod: JsonObject; events: EmulatedEvent[] } {
    const customer = this.customerOf(customerId);
    const method = this.createCard(customer.id, card);
    const paymentMethod = this.json.paymentMethod(method);
    const request = this.requestId();
    const attached = this.recorder.emit('payment_method.attached', paymentMethod, undefined, request);
    const old = customer.defaultPaymentMethod;
    customer.defaultPaymentMethod = method.id;
    const updated = this.recorder.emit(
      'customer.updated',
      this.json.customer(customer),
      { invoice_settings: { default_payment_method: old } },
      request,
    );
    return { paymentMethod, events: [attached, updated] };
  }

  /**
   * A saved card's details change ("Types of events"): through the API, `payment_method.updated`; by the
   * card networks' updater (a reissued card with a new expiry or number), `payment_method.automatically_updated`.
   * Both carry the PaymentMethod and `previous_attributes.card` with the fields that changed. The id stays.
   */
  updateCard(
    paymentMethodId: string,
    changes: Pick<CardInput, 'expMonth' | 'expYear' | 'last4'>,
    options: { automatic?: boolean } = {},
  ): EmulatedEvent {
    const method = this.store.paymentMethods.get(paymentMethodId);
    if (!method) throw new Error(`No such payment_method: '${paymentMethodId}'`);
    const previous: JsonObject = {};
    const fields = [
      ['expMonth', 'exp_month'],
      ['expYear', 'exp_year'],
      ['last4', 'last4'],
    ] as const;
    for (const [field, wire] of fields) {
      const value = changes[field];
      if (value === undefined || value === method[field]) continue;
      previous[wire] = method[field];
      (method as unknown as Record<string, string | number>)[field] = value;
    }
    const type =
      options.automatic === true ? 'payment_method.automatically_updated' : 'payment_method.updated';
    return this.recorder.emit(type, this.json.paymentMethod(method), { card: previous }, this.requestId());
  }

  /**
   * Detaches a payment method from its customer ("Detach a PaymentMethod from a Customer"): `customer`
   * becomes null (`payment_method.detached`, the former customer in `previous_attributes`); when it was the
   * customer's default, `invoice_settings.default_payment_method` is cleared (`customer.updated`).
   */
  detachPaymentMethod(paymentMethodId: string): EmulatedEvent[] {
    const method = this.store.paymentMethods.get(paymentMethodId);
    if (!method || method.customer === null)
      throw new Error(`The payment method ${paymentMethodId} is not attached to a customer`);
    const customerId = method.customer;
    const request = this.requestId();
    method.customer = null;
    const events = [
      this.recorder.emit(
        'payment_method.detached',
        this.json.paymentMethod(method),
        { customer: customerId },
        request,
      ),
    ];
    const customer = this.store.customers.get(customerId);
    if (customer && customer.defaultPaymentMethod === paymentMethodId) {
      customer.defaultPaymentMethod = null;
      events.push(
        this.recorder.emit(
          'customer.updated',
          this.json.customer(customer),
          { invoice_settings: { default_payment_method: paymentMethodId } },
          request,
        ),
      );
    }
    return events;
  }

  /** Deletes a customer: its live subscriptions are canceled first; emits `customer.deleted`. */
  deleteCustomer(id: string): EmulatedEvent[] {
    const customer = this.customerOf(id);
    const events: EmulatedEvent[] = [];
    for (const subscription of this.store.subscriptions.orderedBy('customer', id)) {
      if (subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') {
        events.push(this.cancelSubscription(subscription.id));
      }
    }
    events.push(
      this.recorder.emit('customer.deleted', this.json.customer(customer), undefined, this.requestId()),
    );
    customer.deleted = true;
    return events;
  }

  private setDelinquent(customer: CustomerRecord, delinquent: boolean, events: EmulatedEvent[]): void {
    if (customer.deleted || customer.delinquent === delinquent) return;
    customer.delinquent = delinquent;
    events.push(
      this.recorder.emit('customer.updated', this.json.customer(customer), { delinquent: !delinquent }),
    );
  }

  // ------------------------------------------------------------------------------------- subscriptions

  /** Creates a subscription with one licensed price item; emits `customer.subscription.created`. */
  createSubscription(input: CreateSubscriptionInput): JsonObject {
    const customer = this.customerOf(input.customer);
    const created = input.created ?? this.now();
    const interval = input.interval ?? 'month';
    const intervalCount = input.intervalCount ?? 1;
    const periodStart = input.currentPeriodStart ?? created;
    // During a trial the current period is the trial (it ends at `trial_end`).
    const trialPeriodEnd = input.status === 'trialing' ? input.trialEnd : undefined;
    const collectionMethod = input.collectionMethod ?? 'charge_automatically';
    const id = this.store.ids.next('sub');
    const record = this.store.subscriptions.insert({
      id,
      created,
      seq: this.store.nextSeq(),
      customer: customer.id,
      status: input.status ?? 'active',
      currency: input.currency ?? customer.currency ?? 'usd',
      collectionMethod,
      daysUntilDue: collectionMethod === 'send_invoice' ? (input.daysUntilDue ?? 30) : null,
      cancelAtPeriodEnd: false,
      cancelAt: null,
      canceledAt: null,
      endedAt: null,
      cancellationReason: null,
      cancellationFeedback: null,
      startDate: created,
      billingCycleAnchor: periodStart,
      itemId: this.store.ids.next('si', 14),
      priceId: this.store.ids.next('price'),
      productId: this.store.ids.next('prod', 14),
      unitAmount: input.unitAmount ?? 5000,
      quantity: input.quantity ?? 1,
      interval,
      intervalCount,
      currentPeriodStart: periodStart,
      currentPeriodEnd:
        input.currentPeriodEnd ?? trialPeriodEnd ?? addInterval(periodStart, interval, intervalCount),
      latestInvoice: null,
      defaultPaymentMethod: null,
      metadata: { ...(input.metadata ?? {}) },
      description: input.description ?? null,
      trialStart: input.trialEnd ? created : null,
      trialEnd: input.trialEnd ?? null,
    });
    const object = this.json.subscription(record);
    this.recorder.emit('customer.subscription.created', object, undefined, this.requestId());
    return object;
  }

  /** `cancel_at_period_end: true`; emits `customer.subscription.updated` with the previous values. */
  cancelAtPeriodEnd(id: string, feedback: string | null = null): EmulatedEvent {
    const subscription = this.subscriptionOf(id);
    const previous: JsonObject = {
      cancel_at: subscription.cancelAt,
      cancel_at_period_end: subscription.cancelAtPeriodEnd,
      canceled_at: subscription.canceledAt,
      cancellation_details: { comment: null, feedback: null, reason: subscription.cancellationReason },
    };
    subscription.cancelAtPeriodEnd = true;
    subscription.cancelAt = subscription.currentPeriodEnd;
    subscription.canceledAt = this.now();
    subscription.cancellationReason = 'cancellation_requested';
    subscription.cancellationFeedback = feedback;
    return this.recorder.emit(
      'customer.subscription.updated',
      this.json.subscription(subscription),
      previous,
      this.requestId(),
    );
  }

  /** Sets a subscription's status (e.g. `past_due`, `unpaid`); emits `customer.subscription.updated`. */
  setSubscriptionStatus(id: string, status: SubscriptionStatus): EmulatedEvent {
    const subscription = this.subscriptionOf(id);
    const previous = { status: subscription.status };
    subscription.status = status;
    return this.recorder.emit(
      'customer.subscription.updated',
      this.json.subscription(subscription),
      previous,
    );
  }

  /**
   * `cancel_at`: the subscription ends at that time (Stripe "Cancel subscriptions": a future `cancel_at`
   * keeps it active until then); emits `customer.subscription.updated`.
   */
  cancelAt(id: string, at: UnixSeconds): EmulatedEvent {
    const subscription = this.subscriptionOf(id);
    if (at <= this.now()) throw new Error(`cancel_at ${at} is not in the future`);
    const previous: JsonObject = { cancel_at: subscription.cancelAt, canceled_at: subscription.canceledAt };
    subscription.cancelAt = at;
    subscription.cancelAtPeriodEnd = at === subscription.currentPeriodEnd;
    subscription.canceledAt = this.now();
    subscription.cancellationReason = 'cancellation_requested';
    return this.recorder.emit(
      'customer.subscription.updated',
      this.json.subscription(subscription),
      previous,
      this.requestId(),
    );
  }

  /**
   * `pause_collection` (Stripe "Pause payment collection"): the subscription stays active but its
   * invoices are not collected until `resumes_at` (or until unpaused); emits
   * `customer.subscription.updated`.
   */
  pauseCollection(
    id: string,
    behavior: 'keep_as_draft' | 'mark_uncollectible' | 'void',
    resumesAt: UnixSeconds | null = null,
  ): EmulatedEvent {
    const subscription = this.subscriptionOf(id);
    const previous: JsonObject = { pause_collection: null };
    subscription.pauseCollection = { behavior, resumesAt };
    return this.recorder.emit(
      'customer.subscription.updated',
      this.json.subscription(subscription),
      previous,
      this.requestId(),
    );
  }

  /**
   * Status `paused` (a trial that ended without a payment method, with `missing_payment_method: pause`):
   * no invoices until it is resumed; emits `customer.subscription.paused` and
   * `customer.subscription.updated`.
   */
  pauseSubscription(id: string): EmulatedEvent[] {
    const subscription = this.subscriptionOf(id);
    // Stripe pauses only a trial that ended without a payment method.
    if (subscription.status !== 'trialing')
      throw new Error(`subscription ${id} is ${subscription.status}, not trialing`);
    const previous: JsonObject = { status: subscription.status };
    subscription.status = 'paused';
    const object = this.json.subscription(subscription);
    return [
      this.recorder.emit('customer.subscription.paused', object),
      this.recorder.emit('customer.subscription.updated', object, previous),
    ];
  }

  /** Ends a subscription now (status `canceled`); emits `customer.subscription.deleted`. */
  cancelSubscription(
    id: string,
    reason: SubscriptionRecord['cancellationReason'] = 'cancellation_requested',
  ): EmulatedEvent {
    const subscription = this.subscriptionOf(id);
    if (subscription.status === 'canceled') throw new Error(`subscription ${id} is already canceled`);
    subscription.status = 'canceled';
    subscription.canceledAt = subscription.canceledAt ?? this.now();
    subscription.endedAt = this.now();
    subscription.cancellationReason = subscription.cancellationReason ?? reason;
    return this.recorder.emit(
      'customer.subscription.deleted',
      this.json.subscription(subscription),
      undefined,
      this.requestId(),
    );
  }

  // ------------------------------------------------------------------------------------------ invoices

  /**
   * Creates an invoice (`invoice.created`, draft) and by default finalizes it (`payment_intent.created`,
   * `invoice.finalized`, and `invoice.sent` for `send_invoice`). Returns the invoice as served.
   */
  createInvoice(input: CreateInvoiceInput): JsonObject {
    const customer = this.customerOf(input.customer);
    const subscription = input.subscription ? this.subscriptionOf(input.subscription) : undefined;
    if (subscription && subscription.customer !== customer.id) {
      throw new Error(`subscription ${subscription.id} belongs to another customer`);
    }
    if (!Number.isInteger(input.amount) || input.amount < 0)
      throw new RangeError('amount must be an integer ≥ 0');
    const created = input.created ?? this.now();
    const collectionMethod =
      input.collectionMethod ?? subscription?.collectionMethod ?? 'charge_automatically';
    const daysUntilDue = input.daysUntilDue ?? subscription?.daysUntilDue ?? 30;
    const record = this.store.invoices.insert({
      id: this.store.ids.next('in'),
      created,
      seq: this.store.nextSeq(),
      customer: customer.id,
      customerEmail: null,
      customerName: null,
      subscription: subscription?.id ?? null,
      subscriptionMetadata: subscription ? { ...subscription.metadata } : null,
      status: 'draft',
      collectionMethod,
      currency: (input.currency ?? subscription?.currency ?? customer.currency ?? 'usd').toLowerCase(),
      total: input.amount,
      amountDue: input.amount,
      amountPaid: 0,
      paidOutOfBand: false,
      prePaymentCreditNotesAmount: 0,
      postPaymentCreditNotesAmount: 0,
      dueDate: collectionMethod === 'send_invoice' ? (input.dueDate ?? created + daysUntilDue * DAY) : null,
      number: null,
      finalizedAt: null,
      paidAt: null,
      voidedAt: null,
      markedUncollectibleAt: null,
      attemptCount: 0,
      attempted: false,
      nextPaymentAttempt: null,
      autoAdvance: true,
      periodStart: input.periodStart ?? subscription?.currentPeriodStart ?? created,
      periodEnd: input.periodEnd ?? subscription?.currentPeriodEnd ?? created,
      billingReason: input.billingReason ?? (subscription ? 'subscription_cycle' : 'manual'),
      description: input.description ?? null,
      lineDescription: input.lineDescription ?? (subscription ? '1 × Emulated plan' : 'Emulated services'),
      metadata: { ...(input.metadata ?? {}) },
      paymentIntent: null,
      overdueNotifiedAt: null,
    });
    if (subscription) subscription.latestInvoice = record.id;
    const request = this.requestId();
    this.recorder.emit('invoice.created', this.json.invoice(record), undefined, request);
    if (input.finalize !== false) this.finalizeInvoice(record.id, input.send ?? true);
    return this.json.invoice(record);
  }

  /** draft → open: number, PaymentIntent and default invoice payment; emits `invoice.finalized`. */
  finalizeInvoice(id: string, send = true): EmulatedEvent[] {
    const invoice = this.invoiceOf(id);
    if (invoice.status !== 'draft') throw new Error(`invoice ${id} is ${invoice.status}, not draft`);
    const customer = this.customerOf(invoice.customer);
    const now = this.now();
    const request = this.requestId();
    const events: EmulatedEvent[] = [];
    invoice.status = 'open';
    invoice.finalizedAt = now;
    invoice.number = `${customer.invoicePrefix}-${String(customer.nextInvoiceSequence).padStart(4, '0')}`;
    customer.nextInvoiceSequence += 1;
    invoice.customerEmail = customer.email;
    invoice.customerName = customer.name;
    if (invoice.amountDue === 0) {
      invoice.status = 'paid';
      invoice.paidAt = now;
      events.push(this.recorder.emit('invoice.finalized', this.json.invoice(invoice), undefined, request));
      events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice), undefined, request));
      return events;
    }
    const intent = this.store.paymentIntents.insert({
      id: this.store.ids.next('pi'),
      created: now,
      seq: this.store.nextSeq(),
      customer: customer.id,
      invoice: invoice.id,
      amount: invoice.amountDue,
      amountReceived: 0,
      currency: invoice.currency,
      status: 'requires_payment_method',
      lastPaymentError: null,
      latestCharge: null,
      paymentMethod: null,
      canceledAt: null,
      cancellationReason: null,
      description: invoice.subscription ? 'Subscription update' : null,
      metadata: {},
    });
    invoice.paymentIntent = intent.id;
    this.store.invoicePayments.insert({
      id: this.store.ids.next('inpay'),
      created: now,
      seq: this.store.nextSeq(),
      invoice: invoice.id,
      paymentIntent: intent.id,
      amountRequested: invoice.amountDue,
      amountPaid: null,
      currency: invoice.currency,
      status: 'open',
      isDefault: true,
      paidAt: null,
      canceledAt: null,
    });
    if (invoice.collectionMethod === 'charge_automatically') invoice.nextPaymentAttempt = now + 3600;
    events.push(
      this.recorder.emit('payment_intent.created', this.json.paymentIntent(intent), undefined, request),
    );
    events.push(this.recorder.emit('invoice.finalized', this.json.invoice(invoice), undefined, request));
    if (send && invoice.collectionMethod === 'send_invoice') {
      events.push(this.recorder.emit('invoice.sent', this.json.invoice(invoice), undefined, request));
    }
    return events;
  }

  private openInvoiceWithIntent(id: string): { invoice: InvoiceRecord; intent: PaymentIntentRecord } {
    const invoice = this.invoiceOf(id);
    if (invoice.status !== 'open') throw new Error(`invoice ${id} is ${invoice.status}, not open`);
    const intent = invoice.paymentIntent ? this.store.paymentIntents.get(invoice.paymentIntent) : undefined;
    if (!intent) throw new Error(`invoice ${id} has no PaymentIntent`);
    return { invoice, intent };
  }

  private paymentMethodFor(customer: CustomerRecord): string {
    if (customer.defaultPaymentMethod) return customer.defaultPaymentMethod;
    const card = this.createCard(customer.id, {});
    customer.defaultPaymentMethod = card.id;
    return card.id;
  }

  /**
   * A payment attempt on an open invoice is declined: a failed charge, the PaymentIntent back to
   * `requires_payment_method` with `last_payment_error` (`type: card_error`, `decline_code`), the
   * invoice's attempt counters, the customer delinquent, an active subscription `past_due`.
   * Events: `charge.failed`, `payment_intent.payment_failed`, `invoice.updated`,
   * `invoice.payment_failed`, then `customer.updated` / `customer.subscription.updated` on change.
   */
  failPayment(invoiceId: string, input: FailPaymentInput = {}): ScenarioResult {
    const { invoice, intent } = this.openInvoiceWithIntent(invoiceId);
    const customer = this.customerOf(invoice.customer);
    const usual = declineDetails(input.declineCode ?? 'generic_decline');
    const decline =
      input.adviceCode === undefined
        ? usual
        : { ...usual, outcome: { ...usual.outcome, adviceCode: input.adviceCode } };
    const paymentMethod = this.paymentMethodFor(customer);
    const now = this.now();
    const events: EmulatedEvent[] = [];
    const charge = this.store.charges.insert({
      id: this.store.ids.next('ch'),
      created: now,
      seq: this.store.nextSeq(),
      customer: customer.id,
      paymentIntent: intent.id,
      paymentMethod,
      amount: amountRemaining(invoice),
      amountCaptured: 0,
      amountRefunded: 0,
      currency: invoice.currency,
      status: 'failed',
      failureCode: decline.code,
      failureMessage: decline.message,
      outcome: decline.outcome,
      disputed: false,
      description: intent.description,
      billingEmail: customer.email,
      billingName: customer.name,
      metadata: {},
    });
    const error: LastPaymentErrorRecord = {
      code: decline.code,
      declineCode: decline.declineCode,
      message: decline.message,
      charge: charge.id,
      paymentMethod,
      adviceCode: decline.outcome.adviceCode,
      networkDeclineCode: decline.outcome.networkDeclineCode,
    };
    intent.status = 'requires_payment_method';
    intent.lastPaymentError = error;
    intent.latestCharge = charge.id;
    intent.paymentMethod = null;
    events.push(this.recorder.emit('charge.failed', this.json.charge(charge)));
    events.push(this.recorder.emit('payment_intent.payment_failed', this.json.paymentIntent(intent)));
    const previous: JsonObject = {
      attempt_count: invoice.attemptCount,
      attempted: invoice.attempted,
      next_payment_attempt: invoice.nextPaymentAttempt,
    };
    invoice.attemptCount += 1;
    invoice.attempted = true;
    invoice.nextPaymentAttempt =
      invoice.collectionMethod === 'charge_automatically' && input.nextAttemptIn !== null
        ? now + (input.nextAttemptIn ?? 3 * DAY)
        : null;
    events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
    events.push(this.recorder.emit('invoice.payment_failed', this.json.invoice(invoice)));
    this.setDelinquent(customer, true, events);
    const subscriptionStatus = input.subscriptionStatus === undefined ? 'past_due' : input.subscriptionStatus;
    const subscription = invoice.subscription
      ? this.store.subscriptions.get(invoice.subscription)
      : undefined;
    if (subscription && subscriptionStatus && subscription.status === 'active') {
      events.push(this.setSubscriptionStatus(subscription.id, subscriptionStatus));
    }
    return {
      invoice: this.json.invoice(invoice),
      paymentIntent: this.json.paymentIntent(intent),
      charge: this.json.charge(charge),
      events,
    };
  }

  /**
   * A successful payment of the invoice's remaining amount: `charge.succeeded`,
   * `payment_intent.succeeded`, `invoice_payment.paid`, `invoice.updated`, `invoice.paid`,
   * `invoice.payment_succeeded` (plus customer/subscription updates when they recover).
   * `outOfBand: true` marks it paid outside Stripe instead (no charge; `invoice.paid` only).
   */
  payInvoice(invoiceId: string, input: PayInvoiceInput = {}): ScenarioResult {
    const { invoice, intent } = this.openInvoiceWithIntent(invoiceId);
    const customer = this.customerOf(invoice.customer);
    const payment = this.store.invoicePayments
      .orderedBy('invoice', invoice.id)
      .find((item) => item.isDefault);
    const now = this.now();
    const events: EmulatedEvent[] = [];
    const amount = amountRemaining(invoice);
    const previous: JsonObject = {
      amount_paid: invoice.amountPaid,
      amount_remaining: amount,
      attempt_count: invoice.attemptCount,
      attempted: invoice.attempted,
      next_payment_attempt: invoice.nextPaymentAttempt,
      status: invoice.status,
      status_transitions: { paid_at: null },
    };
    let charge: ChargeRecord | undefined;
    if (input.outOfBand) {
      const request = this.requestId();
      intent.status = 'canceled';
      intent.canceledAt = now;
      if (payment) {
        payment.status = 'canceled';
        payment.canceledAt = now;
      }
      invoice.paidOutOfBand = true;
      invoice.amountPaid += amount;
      invoice.status = 'paid';
      invoice.paidAt = now;
      invoice.nextPaymentAttempt = null;
      events.push(
        this.recorder.emit('payment_intent.canceled', this.json.paymentIntent(intent), undefined, request),
      );
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous, request));
      events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice), undefined, request));
    } else {
      const paymentMethod = this.paymentMethodFor(customer);
      charge = this.store.charges.insert({
        id: this.store.ids.next('ch'),
        created: now,
        seq: this.store.nextSeq(),
        customer: customer.id,
        paymentIntent: intent.id,
        paymentMethod,
        amount,
        amountCaptured: amount,
        amountRefunded: 0,
        currency: invoice.currency,
        status: 'succeeded',
        failureCode: null,
        failureMessage: null,
        outcome: {
          networkStatus: 'approved_by_network',
          reason: null,
          type: 'authorized',
          sellerMessage: 'Payment complete.',
          riskLevel: 'normal',
          riskScore: 12,
          adviceCode: null,
          networkDeclineCode: null,
        },
        disputed: false,
        description: intent.description,
        billingEmail: customer.email,
        billingName: customer.name,
        metadata: {},
      });
      intent.status = 'succeeded';
      intent.amount = amount;
      intent.amountReceived = amount;
      intent.latestCharge = charge.id;
      intent.paymentMethod = paymentMethod;
      invoice.attemptCount += 1;
      invoice.attempted = true;
      invoice.amountPaid += amount;
      invoice.status = 'paid';
      invoice.paidAt = now;
      invoice.nextPaymentAttempt = null;
      events.push(this.recorder.emit('charge.succeeded', this.json.charge(charge)));
      events.push(this.recorder.emit('payment_intent.succeeded', this.json.paymentIntent(intent)));
      if (payment) {
        payment.status = 'paid';
        payment.amountPaid = amount;
        payment.paidAt = now;
        events.push(this.recorder.emit('invoice_payment.paid', this.json.invoicePayment(payment)));
      }
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
      events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice)));
      events.push(this.recorder.emit('invoice.payment_succeeded', this.json.invoice(invoice)));
    }
    this.setDelinquent(customer, false, events);
    const subscription = invoice.subscription
      ? this.store.subscriptions.get(invoice.subscription)
      : undefined;
    if (subscription && (subscription.status === 'past_due' || subscription.status === 'unpaid')) {
      events.push(this.setSubscriptionStatus(subscription.id, 'active'));
    }
    return {
      invoice: this.json.invoice(invoice),
      paymentIntent: this.json.paymentIntent(intent),
      ...(charge ? { charge: this.json.charge(charge) } : {}),
      events,
    };
  }

  /**
   * Part of an open invoice is paid ("Accept partial payments"): on Stripe by a separate PaymentIntent
   * attached to the invoice (a succeeded charge), or outside Stripe, reported as a Payment Record
   * (`offStripe`). `amount_paid` grows and `amount_remaining` shrinks (basil: `amount_paid` counts
   * payments made outside Stripe); the invoice is `paid` once nothing remains. Emits `charge.succeeded`
   * and `payment_intent.succeeded` (on Stripe), `invoice_payment.paid`, `invoice.updated`, and
   * `invoice.paid` when settled.
   */
  payInvoicePartially(
    invoiceId: string,
    amount: number,
    input: { offStripe?: boolean } = {},
  ): ScenarioResult {
    const { invoice, intent: defaultIntent } = this.openInvoiceWithIntent(invoiceId);
    const customer = this.customerOf(invoice.customer);
    const remaining = amountRemaining(invoice);
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining)
      throw new RangeError(`a partial payment must be between 1 and ${remaining}`);
    const now = this.now();
    const events: EmulatedEvent[] = [];
    let charge: ChargeRecord | undefined;
    let paymentIntent: string | null = null;
    let paymentRecord: string | undefined;
    if (input.offStripe) paymentRecord = this.store.ids.next('pr');
    else {
      const paymentMethod = this.paymentMethodFor(customer);
      const intent = this.store.paymentIntents.insert({
        id: this.store.ids.next('pi'),
        created: now,
        seq: this.store.nextSeq(),
        customer: customer.id,
        invoice: invoice.id,
        amount,
        amountReceived: amount,
        currency: invoice.currency,
        status: 'succeeded',
        lastPaymentError: null,
        latestCharge: null,
        paymentMethod,
        canceledAt: null,
        cancellationReason: null,
        description: null,
        metadata: {},
      });
      charge = this.succeededCharge(intent, amount, 'card');
      intent.latestCharge = charge.id;
      paymentIntent = intent.id;
      events.push(this.recorder.emit('charge.succeeded', this.json.charge(charge)));
      events.push(this.recorder.emit('payment_intent.succeeded', this.json.paymentIntent(intent)));
    }
    const payment = this.store.invoicePayments.insert({
      id: this.store.ids.next('inpay'),
      created: now,
      seq: this.store.nextSeq(),
      invoice: invoice.id,
      paymentIntent,
      ...(paymentRecord === undefined ? {} : { paymentRecord }),
      amountRequested: amount,
      amountPaid: amount,
      currency: invoice.currency,
      status: 'paid',
      isDefault: false,
      paidAt: now,
      canceledAt: null,
    });
    events.push(this.recorder.emit('invoice_payment.paid', this.json.invoicePayment(payment)));
    const previous: JsonObject = { amount_paid: invoice.amountPaid, amount_remaining: remaining };
    invoice.amountPaid += amount;
    if (amountRemaining(invoice) > 0) {
      if (defaultIntent.status === 'requires_payment_method') defaultIntent.amount = amountRemaining(invoice);
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
    } else {
      previous.status = invoice.status;
      previous.status_transitions = { paid_at: null };
      invoice.status = 'paid';
      invoice.paidAt = now;
      invoice.nextPaymentAttempt = null;
      defaultIntent.status = 'canceled';
      defaultIntent.canceledAt = now;
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
      events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice)));
    }
    return {
      invoice: this.json.invoice(invoice),
      ...(charge ? { charge: this.json.charge(charge) } : {}),
      events,
    };
  }

  /**
   * A bank debit (SEPA Direct Debit, ACH Direct Debit) is submitted for an open invoice: "a delayed
   * notification payment method", so the PaymentIntent is `processing` and its charge `pending` until
   * the bank answers, days later (`settleBankDebit`). The invoice stays open and owed meanwhile.
   * Emits `charge.pending` and `payment_intent.processing`.
   */
  startBankDebit(invoiceId: string, type: 'sepa_debit' | 'us_bank_account' = 'sepa_debit'): ScenarioResult {
    const { invoice, intent } = this.openInvoiceWithIntent(invoiceId);
    const charge = this.store.charges.insert({
      ...this.chargeFields(intent, amountRemaining(invoice), type),
      status: 'pending',
      amountCaptured: 0,
    });
    intent.status = 'processing';
    intent.latestCharge = charge.id;
    intent.lastPaymentError = null;
    const events = [
      this.recorder.emit('charge.pending', this.json.charge(charge)),
      this.recorder.emit('payment_intent.processing', this.json.paymentIntent(intent)),
    ];
    return {
      invoice: this.json.invoice(invoice),
      paymentIntent: this.json.paymentIntent(intent),
      charge: this.json.charge(charge),
      events,
    };
  }

  /**
   * The bank answers a pending debit: it succeeds (the invoice is paid, as `payInvoice`) or fails with a
   * `failureCode` (e.g. `insufficient_funds`, `debit_not_authorized`; ACH returns also carry the
   * network's return code). Emits `charge.succeeded`/`charge.failed`, `payment_intent.succeeded`/
   * `payment_intent.payment_failed`, then the invoice's events.
   */
  settleBankDebit(
    chargeId: string,
    outcome: { failureCode?: string; networkDeclineCode?: string | null } = {},
  ): ScenarioResult {
    const charge = this.chargeOf(chargeId);
    if (charge.status !== 'pending') throw new Error(`charge ${chargeId} is ${charge.status}, not pending`);
    const intent = charge.paymentIntent ? this.store.paymentIntents.get(charge.paymentIntent) : undefined;
    const invoice = intent?.invoice ? this.invoiceOf(intent.invoice) : undefined;
    if (!intent || !invoice) throw new Error(`charge ${chargeId} pays no invoice`);
    const customer = this.customerOf(invoice.customer);
    const now = this.now();
    const events: EmulatedEvent[] = [];
    if (outcome.failureCode !== undefined) {
      charge.status = 'failed';
      charge.failureCode = outcome.failureCode;
      charge.failureMessage = 'The bank declined or returned the debit.';
      charge.outcome = {
        ...charge.outcome,
        networkStatus: 'declined_by_network',
        type: 'issuer_declined',
        sellerMessage: `The bank returned the failure code \`${outcome.failureCode}\`.`,
        networkDeclineCode: outcome.networkDeclineCode ?? null,
      };
      intent.status = 'requires_payment_method';
      intent.lastPaymentError = {
        code: outcome.failureCode,
        declineCode: null,
        message: charge.failureMessage,
        charge: charge.id,
        paymentMethod: charge.paymentMethod,
        adviceCode: null,
        networkDeclineCode: outcome.networkDeclineCode ?? null,
      };
      events.push(this.recorder.emit('charge.failed', this.json.charge(charge)));
      events.push(this.recorder.emit('payment_intent.payment_failed', this.json.paymentIntent(intent)));
      const previous: JsonObject = { attempt_count: invoice.attemptCount, attempted: invoice.attempted };
      invoice.attemptCount += 1;
      invoice.attempted = true;
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
      events.push(this.recorder.emit('invoice.payment_failed', this.json.invoice(invoice)));
      this.setDelinquent(customer, true, events);
    } else {
      charge.status = 'succeeded';
      charge.amountCaptured = charge.amount;
      intent.status = 'succeeded';
      intent.amountReceived = charge.amount;
      events.push(this.recorder.emit('charge.succeeded', this.json.charge(charge)));
      events.push(this.recorder.emit('payment_intent.succeeded', this.json.paymentIntent(intent)));
      const previous: JsonObject = {
        amount_paid: invoice.amountPaid,
        amount_remaining: amountRemaining(invoice),
        status: invoice.status,
        status_transitions: { paid_at: null },
      };
      invoice.attemptCount += 1;
      invoice.attempted = true;
      invoice.amountPaid += charge.amount;
      if (amountRemaining(invoice) === 0) {
        invoice.status = 'paid';
        invoice.paidAt = now;
        invoice.nextPaymentAttempt = null;
      }
      const payment = this.store.invoicePayments
        .orderedBy('invoice', invoice.id)
        .find((item) => item.isDefault);
      if (payment) {
        payment.status = 'paid';
        payment.amountPaid = charge.amount;
        payment.paidAt = now;
        events.push(this.recorder.emit('invoice_payment.paid', this.json.invoicePayment(payment)));
      }
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous));
      if (invoice.status === 'paid') {
        events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice)));
        events.push(this.recorder.emit('invoice.payment_succeeded', this.json.invoice(invoice)));
        this.setDelinquent(customer, false, events);
      }
    }
    return {
      invoice: this.json.invoice(invoice),
      paymentIntent: this.json.paymentIntent(intent),
      charge: this.json.charge(charge),
      events,
    };
  }

  /** A new charge's fields for `amount` of an intent, succeeded unless overridden. */
  private chargeFields(
    intent: PaymentIntentRecord,
    amount: number,
    methodType: ChargeMethodType,
  ): ChargeRecord {
    const customer = intent.customer ? this.store.customers.get(intent.customer) : undefined;
    return {
      id: this.store.ids.next(methodType === 'card' ? 'ch' : 'py'),
      created: this.now(),
      seq: this.store.nextSeq(),
      methodType,
      customer: intent.customer,
      paymentIntent: intent.id,
      paymentMethod: methodType === 'card' && customer ? this.paymentMethodFor(customer) : null,
      amount,
      amountCaptured: amount,
      amountRefunded: 0,
      currency: intent.currency,
      status: 'succeeded',
      failureCode: null,
      failureMessage: null,
      outcome: {
        networkStatus: 'approved_by_network',
        reason: null,
        type: 'authorized',
        sellerMessage: 'Payment complete.',
        riskLevel: 'normal',
        riskScore: 12,
        adviceCode: null,
        networkDeclineCode: null,
      },
      disputed: false,
      description: intent.description,
      billingEmail: customer?.email ?? null,
      billingName: customer?.name ?? null,
      metadata: {},
    };
  }

  private succeededCharge(
    intent: PaymentIntentRecord,
    amount: number,
    methodType: ChargeMethodType,
  ): ChargeRecord {
    return this.store.charges.insert(this.chargeFields(intent, amount, methodType));
  }

  /** open/uncollectible → void; cancels the PaymentIntent. Emits `payment_intent.canceled`, `invoice.updated`, `invoice.voided`. */
  voidInvoice(id: string): ScenarioResult {
    const invoice = this.invoiceOf(id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw new Error(
        `invoice ${id} is ${invoice.status}; only open or uncollectible invoices can be voided`,
      );
    }
    const now = this.now();
    const request = this.requestId();
    const events: EmulatedEvent[] = [];
    const intent = invoice.paymentIntent ? this.store.paymentIntents.get(invoice.paymentIntent) : undefined;
    if (intent && intent.status !== 'succeeded' && intent.status !== 'canceled') {
      intent.status = 'canceled';
      intent.canceledAt = now;
      intent.cancellationReason = 'void_invoice';
      events.push(
        this.recorder.emit('payment_intent.canceled', this.json.paymentIntent(intent), undefined, request),
      );
    }
    for (const payment of this.store.invoicePayments.orderedBy('invoice', invoice.id)) {
      if (payment.status === 'open') {
        payment.status = 'canceled';
        payment.canceledAt = now;
      }
    }
    const previous: JsonObject = { status: invoice.status, status_transitions: { voided_at: null } };
    invoice.status = 'void';
    invoice.voidedAt = now;
    invoice.nextPaymentAttempt = null;
    events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous, request));
    events.push(this.recorder.emit('invoice.voided', this.json.invoice(invoice), undefined, request));
    return { invoice: this.json.invoice(invoice), events };
  }

  /** open → uncollectible; emits `invoice.updated`, `invoice.marked_uncollectible` (customer no longer delinquent). */
  markUncollectible(id: string): ScenarioResult {
    const invoice = this.invoiceOf(id);
    if (invoice.status !== 'open') throw new Error(`invoice ${id} is ${invoice.status}, not open`);
    const request = this.requestId();
    const events: EmulatedEvent[] = [];
    const previous: JsonObject = {
      status: invoice.status,
      next_payment_attempt: invoice.nextPaymentAttempt,
      status_transitions: { marked_uncollectible_at: null },
    };
    invoice.status = 'uncollectible';
    invoice.markedUncollectibleAt = this.now();
    invoice.nextPaymentAttempt = null;
    events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous, request));
    events.push(
      this.recorder.emit('invoice.marked_uncollectible', this.json.invoice(invoice), undefined, request),
    );
    const customer = this.store.customers.get(invoice.customer);
    if (customer) this.setDelinquent(customer, false, events);
    return { invoice: this.json.invoice(invoice), events };
  }

  /**
   * Emits `invoice.overdue` once for each open invoice whose `due_date` has passed on the emulator clock
   * (Stripe sends it when overdue automations are configured) and marks its customer delinquent.
   */
  emitOverdueInvoices(): EmulatedEvent[] {
    const now = this.now();
    const events: EmulatedEvent[] = [];
    for (const invoice of [...this.store.invoices.ordered()].reverse()) {
      if (invoice.status !== 'open' || invoice.dueDate === null || invoice.dueDate > now) continue;
      if (invoice.overdueNotifiedAt !== null) continue;
      invoice.overdueNotifiedAt = now;
      events.push(this.recorder.emit('invoice.overdue', this.json.invoice(invoice)));
      const customer = this.store.customers.get(invoice.customer);
      if (customer) this.setDelinquent(customer, true, events);
    }
    return events;
  }

  // ------------------------------------------------------------------------------------------ disputes

  /** Opens a dispute on a succeeded charge; emits `charge.dispute.created` (+ `funds_withdrawn`). */
  createDispute(chargeId: string, input: CreateDisputeInput = {}): ScenarioResult {
    const charge = this.chargeOf(chargeId);
    if (charge.status !== 'succeeded') throw new Error(`charge ${chargeId} did not succeed`);
    const status = input.status ?? 'needs_response';
    const inquiry = status.startsWith('warning_');
    const dispute = this.store.disputes.insert({
      id: this.store.ids.next('dp'),
      created: this.now(),
      seq: this.store.nextSeq(),
      charge: charge.id,
      paymentIntent: charge.paymentIntent,
      amount: input.amount ?? charge.amount - charge.amountRefunded,
      currency: charge.currency,
      reason: input.reason ?? 'fraudulent',
      status,
      evidenceDueBy: this.now() + (input.evidenceDueInDays ?? 21) * DAY,
      submissionCount: 0,
      isChargeRefundable: inquiry,
      networkReasonCode: input.networkReasonCode === undefined ? '10.4' : input.networkReasonCode,
      metadata: {},
    });
    charge.disputed = true;
    const events = [this.recorder.emit('charge.dispute.created', this.json.dispute(dispute))];
    if (!inquiry)
      events.push(this.recorder.emit('charge.dispute.funds_withdrawn', this.json.dispute(dispute)));
    return { dispute: this.json.dispute(dispute), charge: this.json.charge(charge), events };
  }

  /** Evidence submitted (status `under_review` by default); emits `charge.dispute.updated`. */
  updateDispute(id: string, status: DisputeStatus = 'under_review'): EmulatedEvent {
    const dispute = this.disputeOf(id);
    const previous: JsonObject = {
      status: dispute.status,
      evidence_details: {
        has_evidence: dispute.submissionCount > 0,
        submission_count: dispute.submissionCount,
      },
    };
    dispute.status = status;
    dispute.submissionCount += 1;
    return this.recorder.emit(
      'charge.dispute.updated',
      this.json.dispute(dispute),
      previous,
      this.requestId(),
    );
  }

  /**
   * Closes a dispute as `won`, `lost`, `warning_closed`, or `prevented` (stopped before it became a
   * chargeback, e.g. Visa Rapid Dispute Resolution); emits `charge.dispute.closed` (+ `funds_reinstated`
   * when won).
   */
  closeDispute(id: string, outcome: 'won' | 'lost' | 'warning_closed' | 'prevented'): EmulatedEvent[] {
    const dispute = this.disputeOf(id);
    const previous: JsonObject = { status: dispute.status };
    dispute.status = outcome;
    dispute.isChargeRefundable = false;
    const events = [this.recorder.emit('charge.dispute.closed', this.json.dispute(dispute), previous)];
    if (outcome === 'won')
      events.push(this.recorder.emit('charge.dispute.funds_reinstated', this.json.dispute(dispute)));
    return events;
  }

  // ------------------------------------------------------------------------------ refunds, credit notes

  /** Refunds (part of) a succeeded charge; emits `refund.created` and `charge.refunded`. */
  refundCharge(chargeId: string, input: RefundInput = {}): ScenarioResult {
    const charge = this.chargeOf(chargeId);
    const request = this.requestId();
    const { refund, events } = this.refund(
      charge,
      input.amount ?? charge.amount - charge.amountRefunded,
      input.reason ?? null,
      request,
      input.status ?? 'succeeded',
    );
    return { refund: this.json.refund(refund), charge: this.json.charge(charge), events };
  }

  /**
   * A refund changes state ("Refunds": a pending refund succeeds, fails or is canceled; a succeeded one
   * can still fail, e.g. when the card was closed). A failed or canceled refund gives the charge its
   * amount back (`amount_refunded` falls). Emits `refund.updated` (and `refund.failed`) and
   * `charge.refund.updated`.
   */
  updateRefund(
    refundId: string,
    status: 'succeeded' | 'failed' | 'canceled',
    failureReason = 'expired_or_canceled_card',
  ): EmulatedEvent[] {
    const refund = this.store.refunds.get(refundId);
    if (!refund) throw new Error(`No such refund: '${refundId}'`);
    const allowed: Record<typeof status, RefundRecord['status'][]> = {
      succeeded: ['pending'],
      failed: ['pending', 'succeeded'],
      canceled: ['pending'],
    };
    if (!allowed[status].includes(refund.status))
      throw new Error(`refund ${refundId} is ${refund.status}; it cannot become ${status}`);
    const charge = this.chargeOf(refund.charge);
    const previous: JsonObject = { status: refund.status };
    refund.status = status;
    if (status === 'failed') refund.failureReason = failureReason;
    if (status !== 'succeeded') charge.amountRefunded -= refund.amount;
    const object = this.json.refund(refund);
    const events = [this.recorder.emit('refund.updated', object, previous)];
    if (status === 'failed') events.push(this.recorder.emit('refund.failed', object));
    events.push(this.recorder.emit('charge.refund.updated', object, previous));
    return events;
  }

  private refund(
    charge: ChargeRecord,
    amount: number,
    reason: RefundRecord['reason'],
    request: string,
    status: 'pending' | 'succeeded' = 'succeeded',
  ): { refund: RefundRecord; events: EmulatedEvent[] } {
    if (charge.status !== 'succeeded') throw new Error(`charge ${charge.id} did not succeed`);
    if (amount <= 0 || amount > charge.amount - charge.amountRefunded) {
      throw new RangeError(`refund of ${amount} exceeds what is left on ${charge.id}`);
    }
    const refund = this.store.refunds.insert({
      id: this.store.ids.next('re'),
      created: this.now(),
      seq: this.store.nextSeq(),
      charge: charge.id,
      paymentIntent: charge.paymentIntent,
      customer: charge.customer,
      amount,
      currency: charge.currency,
      reason,
      status,
      metadata: {},
    });
    const previous: JsonObject = {
      amount_refunded: charge.amountRefunded,
      refunded: charge.amountRefunded >= charge.amount,
    };
    charge.amountRefunded += amount;
    const events = [
      this.recorder.emit('refund.created', this.json.refund(refund), undefined, request),
      this.recorder.emit('charge.refunded', this.json.charge(charge), previous, request),
    ];
    return { refund, events };
  }

  /**
   * Issues a credit note. On an open invoice it is pre-payment (lowers `amount_due`; the invoice is
   * paid when nothing remains); on a paid invoice it is post-payment, settled by refunding the
   * invoice's charge (default), crediting the customer balance, or out of band.
   * Emits `credit_note.created` and `invoice.updated` (plus `refund.created`/`charge.refunded`).
   */
  createCreditNote(invoiceId: string, input: CreateCreditNoteInput): ScenarioResult {
    const invoice = this.invoiceOf(invoiceId);
    const post =
      invoice.status === 'open' ? Math.max(0, input.amount - amountRemaining(invoice)) : input.amount;
    const settlement = input.settlement ?? 'refund';
    return this.issueCreditNote(invoiceId, {
      amount: input.amount,
      refundAmount: settlement === 'refund' ? post : 0,
      creditAmount: settlement === 'customer_balance' ? post : 0,
      outOfBandAmount: settlement === 'out_of_band' ? post : 0,
      reason: input.reason ?? null,
      memo: input.memo ?? null,
      metadata: {},
    });
  }

  /**
   * `POST /v1/credit_notes` ("Create a credit note"): the credit first lowers the invoice's
   * `amount_remaining` and `amount_due`, not below zero (`pre_payment_amount`); the rest
   * (`post_payment_amount`, at most what was paid and not credited yet) must be settled exactly by
   * `refund_amount` (a refund of the invoice's charge), `credit_amount` (the customer's balance) and
   * `out_of_band_amount`. Only `open` and `paid` invoices take credit notes; a paid invoice stays paid.
   * Emits `credit_note.created` and `invoice.updated` (with `invoice.paid` when nothing remains), plus
   * `refund.created`/`charge.refunded` for a refund and `customer.updated` for a balance credit.
   */
  issueCreditNote(invoiceId: string, input: IssueCreditNoteInput): ScenarioResult {
    const invoice = this.store.invoices.get(invoiceId);
    if (!invoice) throw invalidRequest(`No such invoice: '${invoiceId}'`, 'invoice', 'resource_missing');
    if (invoice.status !== 'open' && invoice.status !== 'paid') {
      throw invalidRequest(
        `You can only create a credit note for an open or paid invoice; ${invoiceId} is ${invoice.status}.`,
        'invoice',
      );
    }
    const customer = this.store.customers.get(invoice.customer);
    if (!customer) throw new Error(`No such customer: '${invoice.customer}'`);
    const { amount, refundAmount, creditAmount, outOfBandAmount } = input;
    for (const [param, value] of Object.entries({
      amount,
      refund_amount: refundAmount,
      credit_amount: creditAmount,
      out_of_band_amount: outOfBandAmount,
    })) {
      if (!Number.isInteger(value) || value < 0)
        throw invalidRequest(`Invalid ${param}: must be an integer ≥ 0`, param);
    }
    if (amount === 0) throw invalidRequest('The credit note amount must be greater than 0.', 'amount');
    const prePayment = invoice.status === 'open' ? Math.min(amount, amountRemaining(invoice)) : 0;
    const postPayment = amount - prePayment;
    const creditable = invoice.amountPaid - invoice.postPaymentCreditNotesAmount;
    if (postPayment > creditable) {
      throw invalidRequest(
        `The credit note amount (${amount}) exceeds what can be credited on invoice ${invoiceId} (${prePayment + creditable}).`,
        'amount',
      );
    }
    if (refundAmount + creditAmount + outOfBandAmount !== postPayment) {
      throw invalidRequest(
        `The sum of refund_amount, credit_amount and out_of_band_amount (${refundAmount + creditAmount + outOfBandAmount}) must equal the post-payment amount of the credit note (${postPayment}).`,
        refundAmount > 0 ? 'refund_amount' : creditAmount > 0 ? 'credit_amount' : 'out_of_band_amount',
      );
    }
    const request = this.requestId();
    const events: EmulatedEvent[] = [];
    const refunds: CreditNoteRecord['refunds'] = [];
    if (refundAmount > 0) {
      const intent = invoice.paymentIntent ? this.store.paymentIntents.get(invoice.paymentIntent) : undefined;
      const charge = intent?.latestCharge ? this.store.charges.get(intent.latestCharge) : undefined;
      if (!charge || charge.status !== 'succeeded')
        throw invalidRequest(`Invoice ${invoiceId} has no charge to refund.`, 'refund_amount');
      const result = this.refund(charge, refundAmount, 'requested_by_customer', request);
      refunds.push({ refund: result.refund.id, amountRefunded: refundAmount });
      events.push(...result.events);
    }
    if (creditAmount > 0) {
      const previousBalance = customer.balance;
      customer.balance -= creditAmount;
      events.push(
        this.recorder.emit(
          'customer.updated',
          this.json.customer(customer),
          { balance: previousBalance },
          request,
        ),
      );
    }
    const sequence = this.store.creditNotes.orderedBy('invoice', invoice.id).length + 1;
    const note = this.store.creditNotes.insert({
      id: this.store.ids.next('cn'),
      created: this.now(),
      seq: this.store.nextSeq(),
      invoice: invoice.id,
      customer: invoice.customer,
      amount,
      currency: invoice.currency,
      number: `${invoice.number ?? 'DRAFT'}-CN-${String(sequence).padStart(2, '0')}`,
      reason: input.reason,
      memo: input.memo,
      status: 'issued',
      type: postPayment === 0 ? 'pre_payment' : prePayment === 0 ? 'post_payment' : 'mixed',
      prePaymentAmount: prePayment,
      postPaymentAmount: postPayment,
      outOfBandAmount: outOfBandAmount > 0 ? outOfBandAmount : null,
      refunds,
      voidedAt: null,
      metadata: { ...input.metadata },
    });
    events.push(this.recorder.emit('credit_note.created', this.json.creditNote(note), undefined, request));
    const previous: JsonObject = {
      amount_due: invoice.amountDue,
      amount_remaining: amountRemaining(invoice),
      pre_payment_credit_notes_amount: invoice.prePaymentCreditNotesAmount,
      post_payment_credit_notes_amount: invoice.postPaymentCreditNotesAmount,
    };
    invoice.amountDue -= prePayment;
    invoice.prePaymentCreditNotesAmount += prePayment;
    invoice.postPaymentCreditNotesAmount += postPayment;
    const intent = invoice.paymentIntent ? this.store.paymentIntents.get(invoice.paymentIntent) : undefined;
    if (prePayment > 0 && intent && intent.status === 'requires_payment_method')
      intent.amount = amountRemaining(invoice);
    if (invoice.status === 'open' && amountRemaining(invoice) === 0) {
      previous.status = invoice.status;
      invoice.status = 'paid';
      invoice.paidAt = this.now();
      invoice.nextPaymentAttempt = null;
      if (intent && intent.status !== 'succeeded') {
        intent.status = 'canceled';
        intent.canceledAt = this.now();
      }
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous, request));
      events.push(this.recorder.emit('invoice.paid', this.json.invoice(invoice), undefined, request));
    } else {
      events.push(this.recorder.emit('invoice.updated', this.json.invoice(invoice), previous, request));
    }
    return { creditNote: this.json.creditNote(note), invoice: this.json.invoice(invoice), events };
  }

  // ------------------------------------------------------------------------------------------ shortcuts

  /**
   * The common "card declined" story in one call: an active monthly subscription, its finalized
   * `charge_automatically` invoice and a declined attempt with `declineCode`.
   */
  failedRenewal(input: {
    customer: string;
    amount?: number;
    currency?: string;
    declineCode?: string;
  }): ScenarioResult & { subscription: JsonObject } {
    const subscription = this.createSubscription({
      customer: input.customer,
      unitAmount: input.amount ?? 5000,
      ...(input.currency ? { currency: input.currency } : {}),
    });
    const invoice = this.createInvoice({
      customer: input.customer,
      subscription: String(subscription.id),
      amount: input.amount ?? 5000,
    });
    const failed = this.failPayment(String(invoice.id), {
      declineCode: input.declineCode ?? 'generic_decline',
    });
    return { ...failed, subscription: this.json.subscription(this.subscriptionOf(String(subscription.id))) };
  }
}
