import type Stripe from 'stripe';
import type { CalendarDate } from '../../domain/dates';
import { cardOnFile } from '../../domain/card-on-file';
import { governingDeclineCode } from '../../domain/decline-classes';
import {
  parseWord,
  type CardOnFile,
  type Customer,
  type DisputeOutcome,
  type PaymentStatus,
  type Subscription,
  type SubscriptionInterval,
  type SubscriptionStatus,
} from '../../domain/model';
import { addMinor, multiplyMinor, type CurrencyCode } from '../../domain/money';
import { parseTagList } from '../../domain/tags';
import type { BillingRecord } from '../../ports/billing-source';

/** Customer metadata holding the customer's tags, separated by `;` like the dataset column. */
export const TAGS_METADATA_KEY = 'collections_tags';

/** How Stripe objects become canonical rows. Pure: no API calls. */
export type MappingOptions = {
  /** Calendar dates are taken in this IANA time zone (the account's configured zone). */
  timeZone: string;
  /** Which CRM id the customer metadata is read for first. */
  crm: 'hubspot' | 'salesforce';
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A Unix timestamp (seconds) as a calendar date in `timeZone`. */
export function calendarDate(seconds: number, timeZone: string): CalendarDate {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format.format(new Date(seconds * 1000)) as CalendarDate;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id;

const currency = (code: string): CurrencyCode => code.toUpperCase() as CurrencyCode;

function metadataNumber(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return null;
  return Number(value.trim());
}

function metadataWord(value: string | undefined): string | null {
  return (value === undefined ? undefined : parseWord(value)) ?? null;
}

/** The CRM record a Stripe customer maps to, from its metadata; null when it has none. */
export function crmIdOf(metadata: Stripe.Metadata, crm: MappingOptions['crm']): string | null {
  const keys =
    crm === 'hubspot'
      ? ['hubspot_company_id', 'salesforce_account_id']
      : ['salesforce_account_id', 'hubspot_company_id'];
  for (const key of keys) {
    const value = metadata[key]?.trim();
    if (value) return value;
  }
  return null;
}

export function mapCustomer(
  customer: Stripe.Customer | Stripe.DeletedCustomer,
  options: MappingOptions,
): BillingRecord {
  if ('deleted' in customer && customer.deleted === true) {
    return {
      kind: 'customer',
      id: customer.id,
      deleted: true,
      email: null,
      row: bareCustomer(customer.id),
    };
  }
  const live = customer as Stripe.Customer;
  const metadata = live.metadata ?? {};
  const row: Customer = {
    customerId: live.id,
    name: live.name ?? null,
    segment: metadataWord(metadata['segment']),
    owner: metadata['owner']?.trim() || null,
    paymentTerms: metadata['payment_terms']?.trim() || null,
    country: live.address?.country?.toUpperCase() ?? null,
    crmCompanyId: crmIdOf(metadata, options.crm),
    createdOn: calendarDate(live.created, options.timeZone),
    employees: metadataNumber(metadata['employees']),
    fundingStage: metadataWord(metadata['funding_stage']),
    // Metadata is free text typed in the Stripe dashboard: parts that are no tag are left out.
    tags: parseTagList(metadata[TAGS_METADATA_KEY] ?? '').tags,
  };
  const card = cardOfDefault(live.invoice_settings?.default_payment_method, options);
  if (card !== undefined) row.cardOnFile = card;
  return { kind: 'customer', id: live.id, deleted: false, email: live.email ?? null, row };
}

/**
 * The card on file from the customer's `invoice_settings.default_payment_method` (Customer object;
 * expanded, it is the PaymentMethod with `card.brand`, `last4`, `exp_month`, `exp_year`). Null when the
 * customer has no default or it is no card; undefined when only its id is there (not expanded).
 */
export function cardOfDefault(
  method: string | Stripe.PaymentMethod | null | undefined,
  options: MappingOptions,
): CardOnFile | null | undefined {
  if (typeof method === 'string') return undefined;
  if (method === null || method === undefined || method.type !== 'card' || !method.card) return null;
  const { brand, last4, exp_month: expMonth, exp_year: expYear } = method.card;
  return (
    cardOnFile({
      brand,
      last4,
      expMonth,
      expYear,
      updatedOn: calendarDate(method.created, options.timeZone),
    }) ?? null
  );
}

/** Whether a customer object names its default payment method by id only (an event's, say). */
export function defaultPaymentMethodIsId(customer: Stripe.Customer | Stripe.DeletedCustomer): boolean {
  return (
    !('deleted' in customer && customer.deleted === true) &&
    typeof (customer as Stripe.Customer).invoice_settings?.default_payment_method === 'string'
  );
}

function bareCustomer(customerId: string): Customer {
  return {
    customerId,
    name: null,
    segment: null,
    owner: null,
    paymentTerms: null,
    country: null,
    crmCompanyId: null,
    createdOn: null,
    employees: null,
    fundingStage: null,
  };
}

const SUBSCRIPTION_STATUS: Readonly<Record<string, SubscriptionStatus>> = {
  active: 'active',
  trialing: 'trialing',
  past_due: 'past_due',
  unpaid: 'past_due',
  incomplete: 'past_due',
  paused: 'active',
  canceled: 'canceled',
  incomplete_expired: 'canceled',
};

export function mapSubscription(subscription: Stripe.Subscription, options: MappingOptions): BillingRecord {
  const items = subscription.items.data;
  const first = items[0];
  const recurring = first?.price.recurring;
  let interval: SubscriptionInterval = 'month';
  if (recurring?.interval === 'year') interval = 'year';
  else if (recurring?.interval === 'month' && recurring.interval_count === 3) interval = 'quarter';
  else if (recurring?.interval === 'month' && recurring.interval_count === 12) interval = 'year';
  const amountMinor = items.reduce(
    (sum, item) => addMinor(sum, multiplyMinor(item.price.unit_amount ?? 0, item.quantity ?? 1)),
    0,
  );
  const status = SUBSCRIPTION_STATUS[subscription.status] ?? 'active';
  const periodEnd = items.reduce<number | null>(
    (latest, item) =>
      latest === null || item.current_period_end > latest ? item.current_period_end : latest,
    null,
  );
  const ended = subscription.ended_at ?? (status === 'canceled' ? subscription.canceled_at : null);
  // A trial's renewal is its end (the first paid period starts there).
  const renewal = status === 'trialing' && subscription.trial_end ? subscription.trial_end : periodEnd;
  const pause = subscription.pause_collection;
  // No renewal on that date: ending by then (at period end, or a `cancel_at` not after it), collection
  // paused past it, or the subscription paused (no invoices until it is resumed).
  const renews =
    renewal !== null &&
    status !== 'canceled' &&
    subscription.status !== 'paused' &&
    !subscription.cancel_at_period_end &&
    (subscription.cancel_at === null || subscription.cancel_at > renewal) &&
    (pause === null || (pause.resumes_at !== null && pause.resumes_at <= renewal));
  const row: Subscription = {
    subscriptionId: subscription.id,
    customerId: billingCustomerOf(subscription) ?? '',
    plan:
      first?.price.nickname ??
      first?.price.lookup_key ??
      idOf(first?.price.product as string | { id: string }) ??
      null,
    currency: currency(subscription.currency),
    amountMinor,
    interval,
    startedOn: calendarDate(subscription.start_date, options.timeZone),
    renewsOn: renews ? calendarDate(renewal, options.timeZone) : null,
    status,
    canceledOn: ended === null || ended === undefined ? null : calendarDate(ended, options.timeZone),
  };
  return { kind: 'subscription', id: subscription.id, row };
}

/**
 * The billing customer an object belongs to: its Customer, or the Account that represents the customer
 * (Accounts v2 `customer_account`, when `customer` is null); null when it names neither.
 */
export function billingCustomerOf(object: {
  customer?: string | { id: string } | null;
  customer_account?: string | null;
}): string | null {
  return idOf(object.customer) ?? (object.customer_account?.trim() || null);
}

/**
 * Drafts are not invoices yet: nothing is owed. What is owed is Stripe's own `amount_remaining`
 * (`amount_due` − `amount_paid`, which counts payments made outside Stripe, paid out of band or in part;
 * credit notes lower `amount_due` before payment and leave a paid invoice paid). `uncollectible`
 * invoices stay payable, so they stay owed; only `void` writes an invoice off. An invoice that names no
 * billing customer is not booked.
 */
export function mapInvoice(invoice: Stripe.Invoice, options: MappingOptions): BillingRecord[] {
  if (invoice.status === 'draft' || invoice.id === undefined) return [];
  const customerId = billingCustomerOf(invoice);
  if (customerId === null) return [];
  const transitions = invoice.status_transitions;
  const issued = transitions?.finalized_at ?? invoice.created;
  const issuedOn = calendarDate(issued, options.timeZone);
  const day = (seconds: number | null | undefined) => calendarDate(seconds ?? issued, options.timeZone);
  const subscription = invoice.parent?.subscription_details?.subscription;
  return [
    {
      kind: 'invoice',
      id: invoice.id,
      row: {
        invoiceId: invoice.id,
        customerId,
        currency: currency(invoice.currency),
        amountMinor: invoice.amount_due,
        issuedOn,
        dueOn: invoice.due_date ? calendarDate(invoice.due_date, options.timeZone) : issuedOn,
        paidOn: invoice.status === 'paid' ? day(transitions?.paid_at) : null,
        voidedOn: invoice.status === 'void' ? day(transitions?.voided_at) : null,
        subscriptionId: idOf(subscription as string | { id: string } | null | undefined),
        amountRemainingMinor:
          invoice.status === 'paid'
            ? 0
            : typeof invoice.amount_remaining === 'number'
              ? Math.max(0, invoice.amount_remaining)
              : null,
        uncollectibleOn:
          invoice.status === 'uncollectible' ? day(transitions?.marked_uncollectible_at) : null,
      },
    },
  ];
}

export function mapInvoicePayment(payment: Stripe.InvoicePayment): BillingRecord[] {
  const paymentIntentId = idOf(payment.payment?.payment_intent as string | { id: string } | null | undefined);
  const invoiceId = idOf(payment.invoice as string | { id: string } | null);
  if (paymentIntentId === null || invoiceId === null) return [];
  return [{ kind: 'link', id: payment.id, paymentRef: paymentIntentId, invoiceId }];
}

/** ACH return codes as Stripe names them ("Network decline codes", ACH Direct Debit). */
const ACH_RETURN_CODES: Readonly<Record<string, string>> = {
  R01: 'insufficient_funds',
  R09: 'insufficient_funds',
  R02: 'bank_account_closed',
  R03: 'bank_account_invalid_details',
  R04: 'bank_account_invalid_details',
  // The customer did not authorise the debit, or revoked the authorisation.
  R05: 'debit_not_authorized',
  R07: 'debit_not_authorized',
  R08: 'debit_not_authorized',
  R10: 'debit_not_authorized',
  R11: 'debit_not_authorized',
  R29: 'debit_not_authorized',
  R31: 'debit_not_authorized',
};

/**
 * The code a failed charge is classified by. A Radar block (`outcome.type` blocked) is a risk block named
 * by its `outcome.reason` (Stripe reports such payments as `fraudulent`); otherwise the issuer's reason,
 * an ACH return code in Stripe's words, or the failure code, unless Stripe's `outcome.advice_code`
 * contradicts it (the advice outranks the decline code).
 */
export function declineCodeOf(charge: Stripe.Charge): string | null {
  if (charge.status !== 'failed') return null;
  const outcome = charge.outcome ?? null;
  if (outcome?.type === 'blocked') return outcome.reason ?? 'fraudulent';
  const issuer = outcome?.type === 'issuer_declined' && outcome.reason ? outcome.reason : null;
  const network = outcome?.network_decline_code?.trim().toUpperCase();
  const achReturn =
    charge.payment_method_details?.type === 'us_bank_account' && network !== undefined
      ? ACH_RETURN_CODES[network]
      : undefined;
  return governingDeclineCode(
    issuer ?? achReturn ?? charge.failure_code ?? null,
    outcome?.advice_code ?? null,
  );
}

const CHARGE_STATUS: Readonly<Record<string, PaymentStatus>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  pending: 'pending',
};

/**
 * A charge attempt. A `pending` charge (a SEPA or ACH debit takes days to settle) is a payment in flight;
 * the same charge later succeeds or fails and replaces it.
 */
/**
 * The references by which a payment or dispute finds its invoice: its payment intent (which Stripe's
 * invoice payments link to an invoice) first, then its charge (linked once any of its records was).
 */
function paymentRefs(
  paymentIntent: string | { id: string } | null | undefined,
  charge: string | { id: string } | null | undefined,
): string[] {
  return [idOf(paymentIntent), idOf(charge)].filter((ref): ref is string => ref !== null);
}

/** A refund is read again with its charge. */
function chargeOf(charge: string | { id: string } | null | undefined): { kind: string; id: string } | null {
  const id = idOf(charge);
  return id === null ? null : { kind: 'charge', id };
}

export function mapCharge(charge: Stripe.Charge, options: MappingOptions): BillingRecord[] {
  const status = CHARGE_STATUS[charge.status];
  if (status === undefined) return [];
  return [
    {
      kind: 'payment',
      id: charge.id,
      row: {
        paymentId: charge.id,
        invoiceId: null,
        paymentRefs: paymentRefs(charge.payment_intent, charge.id),
        readAgain: { kind: 'charge', id: charge.id },
        currency: currency(charge.currency),
        amountMinor: charge.amount,
        attemptedOn: calendarDate(charge.created, options.timeZone),
        status,
        declineCode: declineCodeOf(charge),
        method: charge.payment_method_details?.type ?? null,
      },
    },
  ];
}

/**
 * A refund returns money once it `succeeded`. One that `failed` or was `canceled` (refund.failed,
 * refund.updated) returned nothing, even if it succeeded before: it is kept at zero so the earlier state
 * is overwritten. Pending refunds have returned nothing yet.
 */
export function mapRefund(refund: Stripe.Refund, options: MappingOptions): BillingRecord[] {
  const returned =
    refund.status === 'succeeded'
      ? refund.amount
      : refund.status === 'failed' || refund.status === 'canceled'
        ? 0
        : null;
  if (returned === null) return [];
  return [
    {
      kind: 'payment',
      id: refund.id,
      row: {
        paymentId: refund.id,
        invoiceId: null,
        paymentRefs: paymentRefs(refund.payment_intent, refund.charge),
        readAgain: chargeOf(refund.charge),
        currency: currency(refund.currency),
        amountMinor: returned,
        attemptedOn: calendarDate(refund.created, options.timeZone),
        status: 'refunded',
        declineCode: null,
        method: null,
      },
    },
  ];
}

/**
 * Every dispute status Stripe documents (Dispute object, `status`): null while the dispute is open (an
 * inquiry, a chargeback, or an appeal after a loss); how it ended once closed. An inquiry closed without
 * a chargeback and a dispute `prevented` before one was filed (e.g. Visa Rapid Dispute Resolution) are
 * withdrawn.
 */
const DISPUTE_OUTCOME: Readonly<Record<Stripe.Dispute.Status, DisputeOutcome | null>> = {
  warning_needs_response: null,
  warning_under_review: null,
  needs_response: null,
  under_review: null,
  appeal_needs_response: null,
  appeal_under_review: null,
  won: 'won',
  lost: 'lost',
  warning_closed: 'withdrawn',
  prevented: 'withdrawn',
};

/**
 * Stripe does not say when a dispute closed: `closedOn` is the day the sync learnt it (the event's
 * day, or the backfill's).
 */
export function mapDispute(
  dispute: Stripe.Dispute,
  options: MappingOptions,
  closedOn: CalendarDate,
): BillingRecord {
  const outcome = DISPUTE_OUTCOME[dispute.status] ?? null;
  const openedOn = calendarDate(dispute.created, options.timeZone);
  return {
    kind: 'dispute',
    id: dispute.id,
    row: {
      disputeId: dispute.id,
      invoiceId: null,
      paymentRefs: paymentRefs(dispute.payment_intent, dispute.charge),
      openedOn,
      resolvedOn: outcome === null ? null : closedOn < openedOn ? openedOn : closedOn,
      reason: dispute.reason ?? null,
      amountMinor: dispute.amount,
      outcome,
    },
  };
}
