/**
 * Records → JSON objects shaped like the API version the `stripe` SDK pins (see `DEFAULT_API_VERSION`).
 *
 * Each renderer is typed against the SDK's own type for that object through `Wire<T>` (a deep partial):
 * every field written here must exist in the SDK type with a compatible type, so a misspelt or moved
 * field (e.g. `invoice.subscription`, gone in current versions) fails `tsc`. Fields the emulator never
 * models are simply omitted; most others are present, with `null` where Stripe would send `null`.
 */
import type Stripe from 'stripe';
import type {
  ChargeRecord,
  CreditNoteRecord,
  CustomerRecord,
  DisputeRecord,
  InvoicePaymentRecord,
  InvoiceRecord,
  PaymentIntentRecord,
  PaymentMethodRecord,
  RefundRecord,
  StripeStore,
  SubscriptionRecord,
} from './store';

/** The API version of the installed SDK (node_modules/stripe/cjs/apiVersion.js). */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

/** A deep partial of an SDK type: what the emulator writes must fit the SDK's declaration. */
export type Wire<T> = T extends (infer U)[]
  ? Wire<U>[]
  : T extends object
    ? { [K in keyof T]?: Wire<T[K]> }
    : T;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Context a renderer needs besides the record. */
export interface RenderContext {
  store: StripeStore;
  /** Base URL of the emulator, for `hosted_invoice_url` and the like. */
  baseUrl: string;
}

const NO_ADDRESS: Wire<Stripe.Address> = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

/**
 * `customer` and `customer_account` of an object billed to `id`: a Customer, or an Accounts v2 Account
 * representing the customer ("Represent customers using Account objects": `customer` is then null).
 */
export function billedTo(id: string | null): { customer: string | null; customer_account: string | null } {
  if (id?.startsWith('acct_') === true) return { customer: null, customer_account: id };
  return { customer: id, customer_account: null };
}

/** `{object: 'list'}` wrapper, as embedded lists (subscription items, invoice lines) are sent. */
function embeddedList<T>(
  data: T[],
  url: string,
): { object: 'list'; data: T[]; has_more: boolean; url: string } {
  return { object: 'list', data, has_more: false, url };
}

export function renderCustomer(record: CustomerRecord): Wire<Stripe.Customer> | Stripe.DeletedCustomer {
  if (record.deleted) return { id: record.id, object: 'customer', deleted: true };
  return {
    id: record.id,
    object: 'customer',
    address: record.address
      ? {
          city: record.address.city,
          country: record.address.country,
          line1: record.address.line1,
          line2: null,
          postal_code: record.address.postalCode,
          state: record.address.state,
        }
      : null,
    balance: record.balance,
    created: record.created,
    currency: record.currency,
    default_source: null,
    delinquent: record.delinquent,
    description: record.description,
    discount: null,
    email: record.email,
    invoice_prefix: record.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: record.defaultPaymentMethod,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: { ...record.metadata },
    name: record.name,
    next_invoice_sequence: record.nextInvoiceSequence,
    phone: record.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function renderPaymentMethod(record: PaymentMethodRecord): Wire<Stripe.PaymentMethod> {
  return {
    id: record.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: NO_ADDRESS, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: record.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: record.country,
      display_brand: record.brand,
      exp_month: record.expMonth,
      exp_year: record.expYear,
      fingerprint: `fp${record.id.slice(-14)}`,
      funding: record.funding,
      generated_from: null,
      last4: record.last4,
      networks: { available: [record.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: record.created,
    customer: record.customer,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

export function renderSubscription(record: SubscriptionRecord): Wire<Stripe.Subscription> {
  const price: Wire<Stripe.Price> = {
    id: record.priceId,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: record.startDate,
    currency: record.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: record.productId,
    recurring: {
      interval: record.interval,
      interval_count: record.intervalCount,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: record.unitAmount,
  };
  const plan: Wire<Stripe.Plan> = {
    id: record.priceId,
    object: 'plan',
    active: true,
    amount: record.unitAmount,
    billing_scheme: 'per_unit',
    created: record.startDate,
    currency: record.currency,
    interval: record.interval,
    interval_count: record.intervalCount,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: record.productId,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
  const item: Wire<Stripe.SubscriptionItem> = {
    id: record.itemId,
    object: 'subscription_item',
    billing_thresholds: null,
    created: record.startDate,
    current_period_end: record.currentPeriodEnd,
    current_period_start: record.currentPeriodStart,
    discounts: [],
    metadata: {},
    plan,
    price,
    quantity: record.quantity,
    subscription: record.id,
    tax_rates: [],
  };
  return {
    id: record.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: record.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_thresholds: null,
    cancel_at: record.cancelAt,
    cancel_at_period_end: record.cancelAtPeriodEnd,
    canceled_at: record.canceledAt,
    cancellation_details: {
      comment: null,
      feedback: null,
      reason: record.cancellationReason,
    },
    collection_method: record.collectionMethod,
    created: record.created,
    currency: record.currency,
    customer: record.customer,
    customer_account: null,
    days_until_due: record.daysUntilDue,
    default_payment_method: record.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: record.description,
    discounts: [],
    ended_at: record.endedAt,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: embeddedList([item], `/v1/subscription_items?subscription=${record.id}`),
    latest_invoice: record.latestInvoice,
    livemode: false,
    metadata: { ...record.metadata },
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: record.pauseCollection
      ? { behavior: record.pauseCollection.behavior, resumes_at: record.pauseCollection.resumesAt }
      : null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: record.startDate,
    status: record.status,
    test_clock: null,
    transfer_data: null,
    trial_end: record.trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: record.trialStart,
  };
}

/** `amount_remaining` as Stripe derives it: what is still owed on the invoice. */
export function amountRemaining(record: InvoiceRecord): number {
  if (record.status === 'paid' || record.status === 'void') return 0;
  return Math.max(0, record.amountDue - record.amountPaid);
}

export function renderInvoice(record: InvoiceRecord, context: RenderContext): Wire<Stripe.Invoice> {
  const customer = context.store.customers.get(record.customer);
  const lineId = `il_${record.id.slice(3)}`;
  const line: Wire<Stripe.InvoiceLineItem> = {
    id: lineId,
    object: 'line_item',
    amount: record.total,
    currency: record.currency,
    description: record.lineDescription,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: record.id,
    livemode: false,
    metadata: {},
    parent: record.subscription
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: record.subscription,
            subscription_item: context.store.subscriptions.get(record.subscription)?.itemId ?? '',
          },
        }
      : {
          type: 'invoice_item_details',
          subscription_item_details: null,
          invoice_item_details: {
            invoice_item: `ii_${record.id.slice(3)}`,
            proration: false,
            proration_details: { credited_items: null },
            subscription: null,
          },
        },
    period: { end: record.periodEnd, start: record.periodStart },
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: { price: `price_${record.id.slice(3)}`, product: `prod_${record.id.slice(3, 17)}` },
    },
    quantity: 1,
    subscription: record.subscription,
    subtotal: record.total,
    taxes: [],
  };
  const finalized = record.status !== 'draft';
  return {
    id: record.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Emulated Stripe account',
    account_tax_ids: null,
    amount_due: record.amountDue,
    amount_overpaid: 0,
    amount_paid: record.amountPaid,
    amount_remaining: amountRemaining(record),
    amount_shipping: 0,
    application: null,
    attempt_count: record.attemptCount,
    attempted: record.attempted,
    auto_advance: record.autoAdvance,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    automatically_finalizes_at:
      record.status === 'draft' && record.autoAdvance ? record.created + 3600 : null,
    billing_reason: record.billingReason,
    collection_method: record.collectionMethod,
    created: record.created,
    currency: record.currency,
    custom_fields: null,
    ...billedTo(record.customer),
    customer_address: null,
    customer_email: finalized ? record.customerEmail : (customer?.email ?? null),
    customer_name: finalized ? record.customerName : (customer?.name ?? null),
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: record.description,
    discounts: [],
    due_date: record.dueDate,
    effective_at: record.finalizedAt,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: finalized ? `${context.baseUrl}/hosted_invoices/${record.id}` : null,
    invoice_pdf: finalized ? `${context.baseUrl}/hosted_invoices/${record.id}/pdf` : null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: embeddedList([line], `/v1/invoices/${record.id}/lines`),
    livemode: false,
    metadata: { ...record.metadata },
    next_payment_attempt: record.nextPaymentAttempt,
    number: record.number,
    on_behalf_of: null,
    parent: record.subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: {
            metadata: record.subscriptionMetadata ? { ...record.subscriptionMetadata } : null,
            subscription: record.subscription,
          },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: record.periodEnd,
    period_start: record.periodStart,
    post_payment_credit_notes_amount: record.postPaymentCreditNotesAmount,
    pre_payment_credit_notes_amount: record.prePaymentCreditNotesAmount,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: record.status,
    status_transitions: {
      finalized_at: record.finalizedAt,
      marked_uncollectible_at: record.markedUncollectibleAt,
      paid_at: record.paidAt,
      voided_at: record.voidedAt,
    },
    subtotal: record.total,
    subtotal_excluding_tax: record.total,
    test_clock: null,
    total: record.total,
    total_discount_amounts: [],
    total_excluding_tax: record.total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: record.finalizedAt ?? record.created,
  };
}

export function renderInvoicePayment(record: InvoicePaymentRecord): Wire<Stripe.InvoicePayment> {
  return {
    id: record.id,
    object: 'invoice_payment',
    amount_paid: record.amountPaid,
    amount_requested: record.amountRequested,
    created: record.created,
    currency: record.currency,
    invoice: record.invoice,
    is_default: record.isDefault,
    livemode: false,
    payment:
      record.paymentRecord !== undefined
        ? { type: 'payment_record', payment_record: record.paymentRecord }
        : { type: 'payment_intent', payment_intent: record.paymentIntent ?? '' },
    status: record.status,
    status_transitions: { canceled_at: record.canceledAt, paid_at: record.paidAt },
  };
}

export function renderPaymentIntent(record: PaymentIntentRecord): Wire<Stripe.PaymentIntent> {
  const error = record.lastPaymentError;
  return {
    id: record.id,
    object: 'payment_intent',
    amount: record.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: record.amountReceived,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: record.canceledAt,
    cancellation_reason: record.cancellationReason,
    capture_method: 'automatic',
    client_secret: `${record.id}_secret_${record.id.slice(-10)}`,
    confirmation_method: 'automatic',
    created: record.created,
    currency: record.currency,
    ...billedTo(record.customer),
    description: record.description,
    excluded_payment_method_types: null,
    last_payment_error: error
      ? {
          ...(error.adviceCode ? { advice_code: error.adviceCode } : {}),
          ...(error.charge ? { charge: error.charge } : {}),
          code: error.code,
          ...(error.declineCode ? { decline_code: error.declineCode } : {}),
          doc_url: `https://docs.stripe.com/error-codes/${error.code.replace(/_/g, '-')}`,
          message: error.message,
          ...(error.networkDeclineCode ? { network_decline_code: error.networkDeclineCode } : {}),
          payment_method_type: 'card',
          type: 'card_error',
        }
      : null,
    latest_charge: record.latestCharge,
    livemode: false,
    metadata: { ...record.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: record.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: record.status,
    transfer_data: null,
    transfer_group: null,
  };
}

export function renderCharge(record: ChargeRecord, context: RenderContext): Wire<Stripe.Charge> {
  const card = record.paymentMethod ? context.store.paymentMethods.get(record.paymentMethod) : undefined;
  const outcome = record.outcome;
  return {
    id: record.id,
    object: 'charge',
    amount: record.amount,
    amount_captured: record.amountCaptured,
    amount_refunded: record.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: record.status === 'succeeded' ? `txn_${record.id.slice(3)}` : null,
    billing_details: {
      address: NO_ADDRESS,
      email: record.billingEmail,
      name: record.billingName,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'EMULATOR',
    captured: record.status === 'succeeded',
    created: record.created,
    currency: record.currency,
    customer: record.customer,
    description: record.description,
    disputed: record.disputed,
    failure_balance_transaction: null,
    failure_code: record.failureCode,
    failure_message: record.failureMessage,
    fraud_details: {},
    livemode: false,
    metadata: { ...record.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: outcome.adviceCode,
      network_advice_code: null,
      network_decline_code: outcome.networkDeclineCode,
      network_status: outcome.networkStatus,
      reason: outcome.reason,
      risk_level: outcome.riskLevel,
      risk_score: outcome.riskScore,
      seller_message: outcome.sellerMessage,
      type: outcome.type,
    },
    paid: record.status === 'succeeded',
    payment_intent: record.paymentIntent,
    payment_method: record.paymentMethod,
    payment_method_details:
      record.methodType === 'sepa_debit' || record.methodType === 'us_bank_account'
        ? bankDebitDetails(record)
        : card
          ? {
              type: 'card',
              card: {
                amount_authorized: record.status === 'succeeded' ? record.amount : null,
                authorization_code: record.status === 'succeeded' ? '123456' : null,
                brand: card.brand,
                checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
                country: card.country,
                exp_month: card.expMonth,
                exp_year: card.expYear,
                fingerprint: `fp${card.id.slice(-14)}`,
                funding: card.funding,
                installments: null,
                last4: card.last4,
                mandate: null,
                network: card.brand,
                network_transaction_id: null,
                regulated_status: 'unregulated',
                three_d_secure: null,
                wallet: null,
              },
            }
          : null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: record.status === 'succeeded' ? `${context.baseUrl}/receipts/${record.id}` : null,
    refunded: record.amountRefunded > 0 && record.amountRefunded >= record.amount,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: record.status,
    transfer_data: null,
    transfer_group: null,
  };
}

/** A bank debit's details on its charge (Charge object, `payment_method_details.sepa_debit` / `us_bank_account`). */
function bankDebitDetails(record: ChargeRecord): Wire<Stripe.Charge.PaymentMethodDetails> {
  const tail = record.id.slice(-4);
  if (record.methodType === 'us_bank_account') {
    return {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: 'company',
        account_type: 'checking',
        bank_name: 'STRIPE TEST BANK',
        fingerprint: `fp${record.id.slice(-14)}`,
        last4: '6789',
        mandate: `mandate_${tail}`,
        payment_reference: null,
        routing_number: '110000000',
      },
    };
  }
  return {
    type: 'sepa_debit',
    sepa_debit: {
      bank_code: '37040044',
      branch_code: null,
      country: 'DE',
      fingerprint: `fp${record.id.slice(-14)}`,
      last4: '3000',
      mandate: `mandate_${tail}`,
    },
  };
}

export function renderDispute(record: DisputeRecord): Wire<Stripe.Dispute> {
  const closed = ['won', 'lost', 'warning_closed', 'prevented'].includes(record.status);
  return {
    id: record.id,
    object: 'dispute',
    amount: record.amount,
    balance_transactions: [],
    charge: record.charge,
    created: record.created,
    currency: record.currency,
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      due_by: closed ? null : record.evidenceDueBy,
      enhanced_eligibility: {},
      has_evidence: record.submissionCount > 0,
      past_due: false,
      submission_count: record.submissionCount,
      submission_method: record.submissionCount > 0 ? 'manual' : 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: record.isChargeRefundable,
    livemode: false,
    metadata: { ...record.metadata },
    network_reason_code: record.networkReasonCode,
    payment_intent: record.paymentIntent,
    payment_method_details: {
      type: 'card',
      card: { brand: 'visa', case_type: 'chargeback', network_reason_code: record.networkReasonCode },
    },
    reason: record.reason,
    status: record.status,
  };
}

export function renderCreditNote(record: CreditNoteRecord): Wire<Stripe.CreditNote> {
  const lineId = `cnli_${record.id.slice(3)}`;
  return {
    id: record.id,
    object: 'credit_note',
    amount: record.amount,
    amount_shipping: 0,
    created: record.created,
    currency: record.currency,
    customer: record.customer,
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: record.created,
    invoice: record.invoice,
    lines: embeddedList(
      [
        {
          id: lineId,
          object: 'credit_note_line_item',
          amount: record.amount,
          description: record.memo ?? 'Credit',
          discount_amount: 0,
          discount_amounts: [],
          invoice_line_item: `il_${record.invoice.slice(3)}`,
          livemode: false,
          metadata: {},
          pretax_credit_amounts: [],
          quantity: 1,
          tax_rates: [],
          taxes: [],
          type: 'invoice_line_item',
          unit_amount: record.amount,
        },
      ],
      `/v1/credit_notes/${record.id}/lines`,
    ),
    livemode: false,
    memo: record.memo,
    metadata: { ...record.metadata },
    number: record.number,
    out_of_band_amount: record.outOfBandAmount,
    pdf: `https://pay.stripe.com/credit_notes/emulator/${record.id}/pdf`,
    post_payment_amount: record.postPaymentAmount,
    pre_payment_amount: record.prePaymentAmount,
    pretax_credit_amounts: [],
    reason: record.reason,
    refunds: record.refunds.map((entry) => ({
      amount_refunded: entry.amountRefunded,
      refund: entry.refund,
      type: 'refund',
    })),
    shipping_cost: null,
    status: record.status,
    subtotal: record.amount,
    subtotal_excluding_tax: record.amount,
    total: record.amount,
    total_excluding_tax: record.amount,
    total_taxes: [],
    type: record.type,
    voided_at: record.voidedAt,
  };
}

export function renderRefund(record: RefundRecord): Wire<Stripe.Refund> {
  return {
    id: record.id,
    object: 'refund',
    amount: record.amount,
    balance_transaction: record.status === 'succeeded' ? `txn_${record.id.slice(3)}` : null,
    charge: record.charge,
    created: record.created,
    currency: record.currency,
    destination_details: {
      type: 'card',
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata: { ...record.metadata },
    payment_intent: record.paymentIntent,
    reason: record.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: record.status,
    ...(record.status === 'failed' ? { failure_reason: record.failureReason ?? 'unknown' } : {}),
    transfer_reversal: null,
  };
}

/** A rendered SDK-shaped object as plain JSON (the Wire types are JSON-compatible by construction). */
export function asJson(value: object): JsonObject {
  return value as unknown as JsonObject;
}

/** Renders whatever object `id` names (by its prefix), or `undefined` when there is no such object. */
export function renderById(id: string, context: RenderContext): JsonObject | undefined {
  const store = context.store;
  const prefix = id.slice(0, id.indexOf('_'));
  switch (prefix) {
    case 'cus': {
      const record = store.customers.get(id);
      return record && asJson(renderCustomer(record));
    }
    case 'pm': {
      const record = store.paymentMethods.get(id);
      return record && asJson(renderPaymentMethod(record));
    }
    case 'sub': {
      const record = store.subscriptions.get(id);
      return record && asJson(renderSubscription(record));
    }
    case 'in': {
      const record = store.invoices.get(id);
      return record && asJson(renderInvoice(record, context));
    }
    case 'inpay': {
      const record = store.invoicePayments.get(id);
      return record && asJson(renderInvoicePayment(record));
    }
    case 'pi': {
      const record = store.paymentIntents.get(id);
      return record && asJson(renderPaymentIntent(record));
    }
    case 'ch':
    case 'py': {
      const record = store.charges.get(id);
      return record && asJson(renderCharge(record, context));
    }
    case 'dp':
    case 'du': {
      const record = store.disputes.get(id);
      return record && asJson(renderDispute(record));
    }
    case 'cn': {
      const record = store.creditNotes.get(id);
      return record && asJson(renderCreditNote(record));
    }
    case 're':
    case 'pyr': {
      const record = store.refunds.get(id);
      return record && asJson(renderRefund(record));
    }
    case 'evt': {
      const record = store.events.get(id);
      return record && (JSON.parse(record.json) as JsonObject);
    }
    default:
      return undefined;
  }
}
