import type { CalendarDate } from './dates';
import type { CurrencyCode } from './money';

/** One HubSpot portal or Salesforce org. Every stored row and every query carries one. */
export type TenantId = string & { readonly __brand: 'TenantId' };

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function parseTenantId(text: string): TenantId | undefined {
  return TENANT_ID.test(text) ? (text as TenantId) : undefined;
}

export type Customer = {
  customerId: string;
  name: string | null;
  segment: string | null;
  owner: string | null;
  paymentTerms: string | null;
  country: string | null;
  crmCompanyId: string | null;
  createdOn: CalendarDate | null;
  /** Head count, for payment-term guardrails and cohort evidence. */
  employees: number | null;
  /** Lower-case, e.g. bootstrapped, seed, series_a, series_b, growth, public. */
  fundingStage: string | null;
  /**
   * Tags from the billing side (dataset column `tags`, Stripe metadata `collections_tags`), written on
   * import. Rules read them merged with the CRM's through the customer tags port, not from here.
   */
  tags?: readonly string[];
  /**
   * The card the billing system charges by default (Stripe: the customer's default payment method).
   * Absent when the source says nothing of cards (a dataset import); null when it has none.
   */
  cardOnFile?: CardOnFile | null;
};

/** A saved card, as much of it as collections needs: no number, only the last four digits. */
export type CardOnFile = {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  /** The last calendar day the card is valid: the last day of its expiry month. */
  expiresOn: CalendarDate;
  /** The day the card was saved (Stripe: the payment method's `created`); null when unknown. */
  updatedOn: CalendarDate | null;
};

const WORD = /^[a-z][a-z0-9_]{0,39}$/;

/** A word such as series_a from free text ("Series-A" → series_a); undefined when it is not one. */
export function parseWord(text: string): string | undefined {
  const word = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return WORD.test(word) ? word : undefined;
}

/** Funding stages the demo data uses; imports accept any lower-case word (a-z, 0-9, _). */
export const FUNDING_STAGES = [
  'bootstrapped',
  'seed',
  'series_a',
  'series_b',
  'series_c',
  'growth',
  'private_equity',
  'public',
] as const;

export type SubscriptionInterval = 'month' | 'quarter' | 'year';
export const SUBSCRIPTION_INTERVALS: readonly SubscriptionInterval[] = ['month', 'quarter', 'year'];

export type SubscriptionStatus = 'active' | 'trialing' | 'past_due' | 'canceled';
export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'active',
  'trialing',
  'past_due',
  'canceled',
];

export type Subscription = {
  subscriptionId: string;
  customerId: string;
  plan: string | null;
  currency: CurrencyCode;
  amountMinor: number;
  interval: SubscriptionInterval;
  startedOn: CalendarDate;
  renewsOn: CalendarDate | null;
  status: SubscriptionStatus;
  canceledOn: CalendarDate | null;
};

export type Invoice = {
  invoiceId: string;
  customerId: string;
  currency: CurrencyCode;
  amountMinor: number;
  issuedOn: CalendarDate;
  dueOn: CalendarDate;
  /** Paid in full on this day when the invoice has no payment rows. */
  paidOn: CalendarDate | null;
  voidedOn: CalendarDate | null;
  subscriptionId: string | null;
  /**
   * What the billing system says is still owed (Stripe's `amount_remaining`). It outranks the payment
   * rows, which only say when money moved; absent or null (a CSV import) derives it from them.
   */
  amountRemainingMinor?: number | null;
  /** Marked uncollectible on this day: still owed and still payable, only flagged. */
  uncollectibleOn?: CalendarDate | null;
};

/** `pending`: submitted but not settled yet (a bank debit in flight); it moves no money until it succeeds. */
export type PaymentStatus = 'succeeded' | 'failed' | 'refunded' | 'pending';
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'refunded', 'pending'];

export type PaymentAttempt = {
  paymentId: string;
  invoiceId: string;
  currency: CurrencyCode;
  amountMinor: number;
  attemptedOn: CalendarDate;
  status: PaymentStatus;
  declineCode: string | null;
  method: string | null;
};

export type DisputeOutcome = 'won' | 'lost' | 'withdrawn';
export const DISPUTE_OUTCOMES: readonly DisputeOutcome[] = ['won', 'lost', 'withdrawn'];

export type Dispute = {
  disputeId: string;
  invoiceId: string;
  openedOn: CalendarDate;
  resolvedOn: CalendarDate | null;
  reason: string | null;
  /** In the invoice's currency; null means the whole invoice is disputed. */
  amountMinor: number | null;
  outcome: DisputeOutcome | null;
};

/** Everything the engine needs to know about one customer. */
export type AccountFacts = {
  customer: Customer;
  invoices: Invoice[];
  payments: PaymentAttempt[];
  subscriptions: Subscription[];
  disputes: Dispute[];
};
