import { cardExpiresBeforeNext, type CardExpiresBeforeNext, type NextCharge } from './card-on-file';
import { toDayNumber, type CalendarDate } from './dates';
import { churnSignalOf, classifyDecline, type DeclineClass } from './decline-classes';
import {
  agingBucketOf,
  buildLedgers,
  countsOn,
  emptyAging,
  positionOn,
  settledInFullDay,
  type AgingBuckets,
  type InvoiceLedger,
} from './invoice-ledger';
import type { AccountFacts, CardOnFile, Dispute, PaymentAttempt, Subscription } from './model';
import { addMinor, type CurrencyCode } from './money';

export type Situation =
  'paused' | 'disputed' | 'failed_payment' | 'overdue' | 'payment_in_flight' | 'current';

/** Precedence of the primary status: the first situation in this list that applies. */
export const SITUATION_PRECEDENCE: readonly Situation[] = [
  'paused',
  'disputed',
  'failed_payment',
  'overdue',
  'payment_in_flight',
  'current',
];

export type ChurnSignal =
  'payment_authorization_revoked' | 'stop_payment_order' | 'all_subscriptions_canceled';

export type AutomationPause = { reason: string; until: CalendarDate };

export type CurrencyBalance = {
  currency: CurrencyCode;
  outstandingMinor: number;
  /** Outstanding on past-due invoices with no open dispute and no payment on its way. */
  overdueMinor: number;
  /** Outstanding on invoices under an open dispute (the whole invoice is held, never overdue). */
  disputedMinor: number;
  /** Overpayments: never netted against what is outstanding on other invoices. */
  creditMinor: number;
  /** Outstanding on invoices marked uncollectible: still owed, only flagged. */
  uncollectibleMinor: number;
  /** Outstanding on invoices whose payment is submitted but not settled: neither overdue nor failed. */
  inFlightMinor: number;
  aging: AgingBuckets;
};

export type LastFailure = {
  invoiceId: string;
  paymentId: string;
  code: string | null;
  class: DeclineClass;
  action: string;
  on: CalendarDate;
  /** Failures on this invoice since its last success. */
  failuresSinceSuccess: number;
};

export type OpenDispute = {
  disputeId: string;
  invoiceId: string;
  currency: CurrencyCode;
  openedOn: CalendarDate;
  daysOpen: number;
  reason: string | null;
  amountMinor: number;
};

export type OpenInvoice = {
  invoiceId: string;
  currency: CurrencyCode;
  amountMinor: number;
  outstandingMinor: number;
  issuedOn: CalendarDate;
  dueOn: CalendarDate;
  daysPastDue: number;
  disputed: boolean;
  failedAttempts: number;
  /** Marked uncollectible by the billing system; still owed. */
  uncollectible: boolean;
  /** A payment (e.g. a bank debit) is on its way: not chased until it settles or fails. */
  paymentInFlight: boolean;
};

export type AccountStatus = {
  customerId: string;
  asOf: CalendarDate;
  status: Situation;
  situations: Situation[];
  balances: CurrencyBalance[];
  /** Over the invoices counted in overdueMinor (disputed ones are not overdue). */
  oldestDaysPastDue: number;
  overdueInvoiceCount: number;
  lastFailure: LastFailure | null;
  churnSignals: ChurnSignal[];
  openDisputes: OpenDispute[];
  nextRenewalOn: CalendarDate | null;
  daysToRenewal: number | null;
  inRenewalWindow: boolean;
  averageDaysLate: number | null;
  /** Invoices paid in the 365 days before asOf (the basis of averageDaysLate). */
  paidInvoicesLastYear: number;
  paused: AutomationPause | null;
  openInvoices: OpenInvoice[];
  /** The card the billing system charges by default; null when it has none or says nothing of cards. */
  cardOnFile: CardOnFile | null;
  /**
   * The card on file expires before the next renewal or before the due date of an open subscription
   * invoice, and no payment has failed yet: the charge will fail unless the card is updated.
   */
  cardExpiresBeforeNext: CardExpiresBeforeNext | null;
};

export type AccountStatusOptions = {
  renewalWindowDays?: number;
  /** The CSM's automation pause, if one was set; active while `until` ≥ asOf. */
  pause?: AutomationPause | null;
};

export const DEFAULT_RENEWAL_WINDOW_DAYS = 90;

/** How long a revoked authorisation counts as a churn signal when nothing was paid since. */
export const REVOCATION_SIGNAL_DAYS = 90;

/**
 * The renewal a subscription still has. `canceledOn` is the day the cancellation takes effect (the
 * subscription has ended from that day on, as Stripe's `ended_at`), not the day it was requested
 * (Stripe's `canceled_at`): a renewal on or after it never happens.
 */
export function renewalOf(subscription: Subscription): CalendarDate | null {
  const { renewsOn, canceledOn } = subscription;
  if (renewsOn === null) return null;
  return canceledOn !== null && renewsOn >= canceledOn ? null : renewsOn;
}

function isOpenOn(dispute: Dispute, asOf: CalendarDate): boolean {
  return dispute.openedOn <= asOf && (dispute.resolvedOn === null || dispute.resolvedOn > asOf);
}

/** Failed attempts on an invoice since its last success by `day`, and the latest of them. */
function failuresSinceLastSuccess(
  ledger: InvoiceLedger,
  day: number,
): { failuresSinceSuccess: number; latest: PaymentAttempt | undefined } {
  let failuresSinceSuccess = 0;
  let latest: PaymentAttempt | undefined;
  let lastSuccessDay = -Infinity;
  for (const success of ledger.successes) {
    const successDay = toDayNumber(success.attemptedOn);
    if (successDay <= day && successDay > lastSuccessDay) lastSuccessDay = successDay;
  }
  for (const failure of ledger.failures) {
    const failureDay = toDayNumber(failure.attemptedOn);
    if (failureDay > day || failureDay < lastSuccessDay) continue;
    // A success on the same day as a failure is taken to have come after it.
    if (failureDay === lastSuccessDay) continue;
    failuresSinceSuccess += 1;
    latest = failure;
  }
  return { failuresSinceSuccess, latest };
}

/** What the account's invoices add up to on a day, gathered invoice by invoice. */
type InvoiceTally = {
  balances: Map<string, CurrencyBalance>;
  oldestDaysPastDue: number;
  overdueInvoiceCount: number;
  undisputedOverdue: boolean;
  paymentInFlight: boolean;
  lastFailure: LastFailure | null;
  lastFailureKey: string;
  latestRevocation: { day: number; signal: ChurnSignal } | null;
  latestSuccessDay: number;
  lateDaysTotal: number;
  paidInvoicesLastYear: number;
  openInvoices: OpenInvoice[];
  openDisputes: OpenDispute[];
  /** Charges still to come on the card on file (subscription invoices not yet due). */
  cardCharges: NextCharge[];
};

function emptyTally(): InvoiceTally {
  return {
    balances: new Map(),
    oldestDaysPastDue: 0,
    overdueInvoiceCount: 0,
    undisputedOverdue: false,
    paymentInFlight: false,
    lastFailure: null,
    lastFailureKey: '',
    latestRevocation: null,
    latestSuccessDay: -Infinity,
    lateDaysTotal: 0,
    paidInvoicesLastYear: 0,
    openInvoices: [],
    openDisputes: [],
    cardCharges: [],
  };
}

function balanceOf(tally: InvoiceTally, currency: CurrencyCode): CurrencyBalance {
  let balance = tally.balances.get(currency);
  if (balance === undefined) {
    balance = {
      currency,
      outstandingMinor: 0,
      overdueMinor: 0,
      disputedMinor: 0,
      creditMinor: 0,
      uncollectibleMinor: 0,
      inFlightMinor: 0,
      aging: emptyAging(),
    };
    tally.balances.set(currency, balance);
  }
  return balance;
}

/** The disputes open on `asOf`, by invoice. */
function openDisputesByInvoice(disputes: readonly Dispute[], asOf: CalendarDate): Map<string, Dispute[]> {
  const byInvoice = new Map<string, Dispute[]>();
  for (const dispute of disputes) {
    if (!isOpenOn(dispute, asOf)) continue;
    const list = byInvoice.get(dispute.invoiceId);
    if (list === undefined) byInvoice.set(dispute.invoiceId, [dispute]);
    else list.push(dispute);
  }
  return byInvoice;
}

/** An invoice's history by `day`: the latest success, a revoked authorisation, how late it was paid. */
function noteHistory(tally: InvoiceTally, ledger: InvoiceLedger, day: number): void {
  for (const success of ledger.successes) {
    const successDay = toDayNumber(success.attemptedOn);
    if (successDay <= day && successDay > tally.latestSuccessDay) tally.latestSuccessDay = successDay;
  }
  for (const failure of ledger.failures) {
    const signal = churnSignalOf(failure.declineCode);
    const failureDay = toDayNumber(failure.attemptedOn);
    if (
      signal !== null &&
      failureDay <= day &&
      (tally.latestRevocation === null || failureDay >= tally.latestRevocation.day)
    ) {
      tally.latestRevocation = { day: failureDay, signal };
    }
  }
  // Paid means paid today: a refund that undid the payment reopens the invoice.
  const settledDay = settledInFullDay(ledger, day);
  if (settledDay !== null && settledDay > day - 365 && countsOn(ledger, day)) {
    tally.lateDaysTotal += Math.max(0, settledDay - ledger.dueDay);
    tally.paidInvoicesLastYear += 1;
  }
}

/** The latest failed attempt on an open invoice, kept when it is the account's latest so far. */
function noteFailure(
  tally: InvoiceTally,
  ledger: InvoiceLedger,
  latest: PaymentAttempt,
  failures: number,
): void {
  const key = `${latest.attemptedOn}\u0000${latest.paymentId}`;
  if (key <= tally.lastFailureKey) return;
  const advice = classifyDecline(latest.declineCode);
  tally.lastFailureKey = key;
  tally.lastFailure = {
    invoiceId: ledger.invoice.invoiceId,
    paymentId: latest.paymentId,
    code: latest.declineCode,
    class: advice.class,
    action: advice.action,
    on: latest.attemptedOn,
    failuresSinceSuccess: failures,
  };
}

/** An invoice that counts on `day`: its disputes, and, while something is outstanding, its balances. */
function noteInvoice(
  tally: InvoiceTally,
  ledger: InvoiceLedger,
  disputes: readonly Dispute[] | undefined,
  day: number,
  asOf: CalendarDate,
): void {
  const { invoice } = ledger;
  const position = positionOn(ledger, day);
  const balance = balanceOf(tally, invoice.currency);
  balance.creditMinor = addMinor(balance.creditMinor, position.credit);
  // A dispute on a paid card invoice is still open business (a chargeback may take the money back),
  // so it is listed and makes the account disputed; only its unpaid part counts in the balances.
  for (const dispute of disputes ?? []) {
    const stake =
      dispute.amountMinor ?? (position.outstanding > 0 ? position.outstanding : invoice.amountMinor);
    tally.openDisputes.push({
      disputeId: dispute.disputeId,
      invoiceId: invoice.invoiceId,
      currency: invoice.currency,
      openedOn: dispute.openedOn,
      daysOpen: day - toDayNumber(dispute.openedOn),
      reason: dispute.reason,
      amountMinor: stake,
    });
  }
  if (position.outstanding === 0) return;

  // A payment on its way (a bank debit takes days) is the customer paying: neither overdue nor failed.
  const inFlight = ledger.pending.some((attempt) => toDayNumber(attempt.attemptedOn) <= day);
  const uncollectibleOn = invoice.uncollectibleOn ?? null;
  const uncollectible = uncollectibleOn !== null && uncollectibleOn <= asOf;
  balance.outstandingMinor = addMinor(balance.outstandingMinor, position.outstanding);
  // The whole invoice is held while a dispute on it is open (as the rules hold it): its balance is
  // disputed, never overdue, whatever part of it the dispute names.
  if (disputes !== undefined) balance.disputedMinor = addMinor(balance.disputedMinor, position.outstanding);
  const bucket = agingBucketOf(position.daysPastDue);
  balance.aging[bucket] = addMinor(balance.aging[bucket], position.outstanding);
  if (uncollectible) balance.uncollectibleMinor = addMinor(balance.uncollectibleMinor, position.outstanding);
  if (inFlight) {
    balance.inFlightMinor = addMinor(balance.inFlightMinor, position.outstanding);
    tally.paymentInFlight = true;
  } else if (position.daysPastDue > 0 && disputes === undefined) {
    balance.overdueMinor = addMinor(balance.overdueMinor, position.outstanding);
    tally.overdueInvoiceCount += 1;
    if (position.daysPastDue > tally.oldestDaysPastDue) tally.oldestDaysPastDue = position.daysPastDue;
    tally.undisputedOverdue = true;
  }

  const { failuresSinceSuccess, latest } = inFlight
    ? { failuresSinceSuccess: 0, latest: undefined }
    : failuresSinceLastSuccess(ledger, day);
  if (latest !== undefined) noteFailure(tally, ledger, latest, failuresSinceSuccess);
  // Subscription invoices are the ones charged to the card on file.
  if (invoice.subscriptionId !== null && !inFlight && invoice.dueOn >= asOf)
    tally.cardCharges.push({ on: invoice.dueOn, what: 'invoice' });
  tally.openInvoices.push({
    invoiceId: invoice.invoiceId,
    currency: invoice.currency,
    amountMinor: invoice.amountMinor,
    outstandingMinor: position.outstanding,
    issuedOn: invoice.issuedOn,
    dueOn: invoice.dueOn,
    daysPastDue: Math.max(0, position.daysPastDue),
    disputed: disputes !== undefined,
    failedAttempts: failuresSinceSuccess,
    uncollectible,
    paymentInFlight: inFlight,
  });
}

/** The next renewal among the subscriptions live on `asOf`, and whether every one has been canceled. */
function renewalsOn(
  subscriptions: readonly Subscription[],
  asOf: CalendarDate,
): { nextRenewalOn: CalendarDate | null; allCanceled: boolean } {
  let nextRenewalOn: CalendarDate | null = null;
  let liveSubscriptions = 0;
  let canceledSubscriptions = 0;
  for (const subscription of subscriptions) {
    if (subscription.startedOn > asOf) continue;
    if (subscription.canceledOn !== null && subscription.canceledOn <= asOf) {
      canceledSubscriptions += 1;
      continue;
    }
    liveSubscriptions += 1;
    const renewsOn = renewalOf(subscription);
    if (renewsOn !== null && renewsOn >= asOf && (nextRenewalOn === null || renewsOn < nextRenewalOn)) {
      nextRenewalOn = renewsOn;
    }
  }
  return { nextRenewalOn, allCanceled: canceledSubscriptions > 0 && liveSubscriptions === 0 };
}

/** The account's situations, most pressing first; `current` when nothing else applies but a pause. */
function situationsOf(tally: InvoiceTally, paused: AutomationPause | null): Situation[] {
  const situations: Situation[] = [];
  if (paused !== null) situations.push('paused');
  if (tally.openDisputes.length > 0) situations.push('disputed');
  if (tally.lastFailure !== null && tally.lastFailure.class !== 'hard_revoked')
    situations.push('failed_payment');
  if (tally.undisputedOverdue) situations.push('overdue');
  if (tally.paymentInFlight) situations.push('payment_in_flight');
  if (situations.length === 0 || (situations.length === 1 && paused !== null)) situations.push('current');
  return situations;
}

/**
 * The collections picture of one account on one day, from facts known by that day only.
 * Amounts are kept per currency and never added across currencies.
 */
export function computeAccountStatus(
  facts: AccountFacts,
  asOf: CalendarDate,
  options: AccountStatusOptions = {},
  ledgers: readonly InvoiceLedger[] = buildLedgers(facts.invoices, facts.payments),
): AccountStatus {
  const day = toDayNumber(asOf);
  const windowDays = options.renewalWindowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS;
  const disputesByInvoice = openDisputesByInvoice(facts.disputes, asOf);
  const tally = emptyTally();
  for (const ledger of ledgers) {
    noteHistory(tally, ledger, day);
    if (countsOn(ledger, day))
      noteInvoice(tally, ledger, disputesByInvoice.get(ledger.invoice.invoiceId), day, asOf);
  }

  const churnSignals: ChurnSignal[] = [];
  // A revocation stays a signal until a later payment succeeds, for at most REVOCATION_SIGNAL_DAYS.
  const revocation = tally.latestRevocation;
  if (
    revocation !== null &&
    revocation.day > tally.latestSuccessDay &&
    day - revocation.day <= REVOCATION_SIGNAL_DAYS
  ) {
    churnSignals.push(revocation.signal);
  }
  const { nextRenewalOn, allCanceled } = renewalsOn(facts.subscriptions, asOf);
  if (allCanceled) churnSignals.push('all_subscriptions_canceled');
  const daysToRenewal = nextRenewalOn === null ? null : toDayNumber(nextRenewalOn) - day;

  const pause = options.pause ?? null;
  const paused = pause !== null && pause.until >= asOf ? pause : null;
  const situations = situationsOf(tally, paused);
  const openInvoices = tally.openInvoices;
  openInvoices.sort((a, b) => b.daysPastDue - a.daysPastDue || (a.invoiceId < b.invoiceId ? -1 : 1));
  const card = facts.customer.cardOnFile ?? null;
  if (nextRenewalOn !== null) tally.cardCharges.push({ on: nextRenewalOn, what: 'renewal' });
  return {
    customerId: facts.customer.customerId,
    asOf,
    status: situations[0] as Situation,
    situations,
    balances: [...tally.balances.values()]
      .filter((balance) => balance.outstandingMinor > 0 || balance.creditMinor > 0)
      .sort((a, b) => (a.currency < b.currency ? -1 : 1)),
    oldestDaysPastDue: tally.oldestDaysPastDue,
    overdueInvoiceCount: tally.overdueInvoiceCount,
    lastFailure: tally.lastFailure,
    churnSignals,
    openDisputes: tally.openDisputes,
    nextRenewalOn,
    daysToRenewal,
    inRenewalWindow: daysToRenewal !== null && daysToRenewal <= windowDays,
    averageDaysLate:
      tally.paidInvoicesLastYear === 0 ? null : tally.lateDaysTotal / tally.paidInvoicesLastYear,
    paidInvoicesLastYear: tally.paidInvoicesLastYear,
    paused,
    openInvoices,
    cardOnFile: card,
    // Preventive only: once a payment has failed, the failure is what gets handled.
    cardExpiresBeforeNext: tally.lastFailure === null ? cardExpiresBeforeNext(card, tally.cardCharges) : null,
  };
}
