import type Stripe from 'stripe';
import type { CalendarDate } from '../../domain/dates';
import {
  parseWord,
  type Customer,
  type DisputeOutcome,
  type Subscription,
  type SubscriptionInterval,
  type SubscriptionStatus,
} from '../../domain/model';
import type { CurrencyCode } from '../../domain/money';
import type { BillingRecord } from '../../ports/billing-source';

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
  };
  return { kind: 'customer', id: live.id, deleted: false, email: live.email ?? null, row };
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
    (sum, item) => sum + (item.price.unit_amount ?? 0) * (item.quantity ?? 1),
    0,
  );
  const status = SUBSCRIPTION_STATUS[subscription.status] ?? 'active';
  const periodEnd = items.reduce<number | null>(
    (latest, item) =>
      latest === null || item.current_period_end > latest ? item.current_period_end : latest,
    null,
  );
  const ended = subscription.ended_at ?? (status === 'canceled' ? subscription.canceled_at : null);
  const row: Subscription = {
    subscriptionId: subscription.id,
    customerId: idOf(subscription.customer) ?? '',
    plan:
      first?.price.nickname ??
      first?.price.lookup_key ??
      idOf(first?.price.product as string | { id: string }) ??
      null,
    currency: currency(subscription.currency),
    amountMinor,
    interval,
    startedOn: calendarDate(subscription.start_date, options.timeZone),
    // Cancelling at period end means no renewal, whatever the period says.
    renewsOn:
      status === 'canceled' || subscription.cancel_at_period_end || periodEnd === null
        ? null
        : calendarDate(periodEnd, options.timeZone),
    status,
    canceledOn: ended === null || ended === undefined ? null : calendarDate(ended, options.timeZone),
  };
  return { kind: 'subscription', id: subscription.id, row };
}

/** Drafts are not invoices yet: nothing is owed. */
export function mapInvoice(invoice: Stripe.Invoice, options: MappingOptions): BillingRecord[] {
  if (invoice.status === 'draft' || invoice.id === undefined) return [];
  const transitions = invoice.status_transitions;
  const issued = transitions?.finalized_at ?? invoice.created;
  const issuedOn = calendarDate(issued, options.timeZone);
  const voided =
    invoice.status === 'void'
      ? (transitions?.voided_at ?? issued)
      : invoice.status === 'uncollectible'
        ? (transitions?.marked_uncollectible_at ?? issued)
        : null;
  const subscription = invoice.parent?.subscription_details?.subscription;
  return [
    {
      kind: 'invoice',
      id: invoice.id,
      row: {
        invoiceId: invoice.id,
        customerId: idOf(invoice.customer) ?? '',
        currency: currency(invoice.currency),
        amountMinor: invoice.amount_due,
        issuedOn,
        dueOn: invoice.due_date ? calendarDate(invoice.due_date, options.timeZone) : issuedOn,
        paidOn:
          invoice.status === 'paid' ? calendarDate(transitions?.paid_at ?? issued, options.timeZone) : null,
        voidedOn: voided === null ? null : calendarDate(voided, options.timeZone),
        subscriptionId: idOf(subscription as string | { id: string } | null | undefined),
      },
    },
  ];
}

export function mapInvoicePayment(payment: Stripe.InvoicePayment): BillingRecord[] {
  const paymentIntentId = idOf(payment.payment?.payment_intent as string | { id: string } | null | undefined);
  const invoiceId = idOf(payment.invoice as string | { id: string } | null);
  if (paymentIntentId === null || invoiceId === null) return [];
  return [{ kind: 'link', id: payment.id, paymentIntentId, invoiceId }];
}

/** The decline code of a failed charge: the issuer's reason when Stripe reports one, else the failure code. */
export function declineCodeOf(charge: Stripe.Charge): string | null {
  if (charge.status !== 'failed') return null;
  const outcome = charge.outcome;
  if (
    outcome !== null &&
    outcome !== undefined &&
    (outcome.type === 'issuer_declined' || outcome.type === 'blocked') &&
    outcome.reason
  )
    return outcome.reason;
  return charge.failure_code ?? null;
}

/** A charge attempt; pending charges are not attempts yet. */
export function mapCharge(charge: Stripe.Charge, options: MappingOptions): BillingRecord[] {
  if (charge.status !== 'succeeded' && charge.status !== 'failed') return [];
  return [
    {
      kind: 'payment',
      id: charge.id,
      row: {
        paymentId: charge.id,
        invoiceId: null,
        paymentIntentId: idOf(charge.payment_intent),
        chargeId: charge.id,
        currency: currency(charge.currency),
        amountMinor: charge.amount,
        attemptedOn: calendarDate(charge.created, options.timeZone),
        status: charge.status === 'succeeded' ? 'succeeded' : 'failed',
        declineCode: declineCodeOf(charge),
        method: charge.payment_method_details?.type ?? null,
      },
    },
  ];
}

export function mapRefund(refund: Stripe.Refund, options: MappingOptions): BillingRecord[] {
  if (refund.status !== 'succeeded') return [];
  return [
    {
      kind: 'payment',
      id: refund.id,
      row: {
        paymentId: refund.id,
        invoiceId: null,
        paymentIntentId: idOf(refund.payment_intent),
        chargeId: idOf(refund.charge),
        currency: currency(refund.currency),
        amountMinor: refund.amount,
        attemptedOn: calendarDate(refund.created, options.timeZone),
        status: 'refunded',
        declineCode: null,
        method: null,
      },
    },
  ];
}

const DISPUTE_OUTCOME: Readonly<Record<string, DisputeOutcome>> = {
  won: 'won',
  lost: 'lost',
  warning_closed: 'withdrawn',
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
      paymentIntentId: idOf(dispute.payment_intent),
      chargeId: idOf(dispute.charge),
      openedOn,
      resolvedOn: outcome === null ? null : closedOn < openedOn ? openedOn : closedOn,
      reason: dispute.reason ?? null,
      amountMinor: dispute.amount,
      outcome,
    },
  };
}
