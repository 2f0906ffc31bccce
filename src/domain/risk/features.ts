import { renewalOf } from '../account-status';
import { toDayNumber } from '../dates';
import { classifyDecline } from '../decline-classes';
import { buildLedgers, countsOn, paidOn, settledInFullDay, type InvoiceLedger } from '../invoice-ledger';
import type { AccountFacts, Invoice } from '../model';
import type { PromiseToPay } from '../promises';
import {
  brokenPromisesValue,
  judgePromises,
  promiseHistoryOn,
  type JudgedPromise,
  type PromiseHistory,
} from './promise-history';

/**
 * Features of one invoice as of its prediction day, from facts known before that day only (the
 * "known day" is the day before): a past invoice counts in the payment history once it was paid in
 * full (and not refunded) by the known day; an unpaid one past its due date counts as overdue; a
 * payment failure or dispute counts once it happened. Nothing dated on or after the prediction day
 * can change a feature. Day counts in the facts are taken on the known day, as the account status
 * takes them on its as-of day. A promise to pay counts once its deadline has passed, judged from the
 * payments up to that deadline (see promiseHistoryOn).
 */
export const FEATURE_NAMES = [
  'prior_late_share',
  'history_size',
  'mean_days_late',
  'recent_days_late',
  'open_overdue_invoices',
  'oldest_days_past_due',
  'overdue_vs_amount',
  'recent_soft_declines',
  'recent_hard_declines',
  'authorization_revoked',
  'open_disputes',
  'amount_vs_typical',
  'payment_terms_days',
  'card_autopay',
  'tenure',
  'renewal_soon',
  'segment_late_rate',
  'broken_promises',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Portfolio evidence that customers with little history fall back to. */
export type RiskPriors = {
  lateRate: number;
  meanDaysLate: number;
  lateRateBySegment: ReadonlyMap<string, number>;
};

/** Where the payment terms of the scored invoice come from (for a sentence that is true of them). */
export type TermsSource = 'invoice' | 'customer' | 'last_invoice' | 'default';

/** The facts behind the features, kept for reasons a person can read. */
export type FeatureFacts = {
  /** Past invoices paid in full (a refund that undoes the payment reopens the invoice). */
  resolved: number;
  /** Of those, paid after their due date. */
  late: number;
  lateOver10InLast6: number;
  lastSixResolved: number;
  /** Mean days late of the paid invoices; null without paid invoices. */
  meanDaysLate: number | null;
  /** Mean days late of the last (up to) 3 paid invoices, by due date. */
  recentDaysLate: number | null;
  /** Unpaid invoices past due on the known day, counted as the account status counts them. */
  openOverdue: number;
  oldestDaysPastDue: number;
  overdueMinor: number;
  recentSoftDeclines: number;
  recentHardDeclines: number;
  /** The latest recent decline of either kind. */
  lastDeclineCode: string | null;
  lastSoftDeclineCode: string | null;
  lastHardDeclineCode: string | null;
  revoked: boolean;
  openDisputes: { disputeId: string; invoiceId: string; amountMinor: number }[];
  amountRatio: number | null;
  termsDays: number;
  termsSource: TermsSource;
  cardAutopay: boolean;
  tenureDays: number;
  daysToRenewal: number | null;
  segment: string | null;
  /** Promises to pay not kept (deadline in the last 12 months), judged at their deadlines. */
  promises: PromiseHistory;
};

export type InvoiceFeatures = { values: Record<FeatureName, number>; facts: FeatureFacts };

export type FeatureOptions = {
  withDisputes: boolean;
  priors: RiskPriors;
  /** Where the invoice's terms come from; 'invoice' (its own due date) unless told. */
  termsSource?: TermsSource;
};

/** Weight of the prior in smoothed rates: a customer's own evidence outweighs it after ~3 invoices. */
const PRIOR_WEIGHT = 3;
const DAYS_LATE_CAP = 90;
const RECENT_FAILURE_DAYS = 90;
const REVOCATION_DAYS = 180;
const RENEWAL_SOON_DAYS = 90;
const OVERDUE_DAYS_CAP = 120;

/** A decline is hard when the project's decline table says so (a class named hard_…). */
function isHardDecline(declineClass: string): boolean {
  return declineClass.startsWith('hard_');
}

/** Days of a customer's payment terms ("net_30", "Net 45", "due_on_receipt"); null when not stated. */
export function termsDaysOf(paymentTerms: string | null): number | null {
  if (paymentTerms === null) return null;
  const text = paymentTerms.trim().toLowerCase();
  if (/^due[\s_-]*(on|upon)[\s_-]*receipt$/.test(text)) return 0;
  const net = /^net[\s_-]*(\d{1,3})$/.exec(text);
  return net === null ? null : Number(net[1]);
}

function logit(p: number): number {
  const q = Math.min(0.999, Math.max(0.001, p));
  return Math.log(q / (1 - q));
}

/** A customer's ledgers prepared once; features for any of its invoices then cost one pass. */
export type CustomerHistory = {
  facts: AccountFacts;
  ledgers: InvoiceLedger[];
  firstDay: number;
  /** The customer's promises to pay, judged (empty when none were given: the promise feature is then 0). */
  promises: readonly JudgedPromise[];
};

/** `promises`: the account's promises to pay; another customer's are left out. */
export function prepareHistory(facts: AccountFacts, promises: readonly PromiseToPay[] = []): CustomerHistory {
  const ledgers = buildLedgers(facts.invoices, facts.payments);
  let firstDay = facts.customer.createdOn === null ? Infinity : toDayNumber(facts.customer.createdOn);
  for (const ledger of ledgers) firstDay = Math.min(firstDay, ledger.issuedDay);
  const customerId = facts.customer.customerId;
  const own = promises.filter((promise) => promise.customerId === customerId);
  return { facts, ledgers, firstDay, promises: judgePromises(own, ledgers) };
}

/** Days late of an invoice paid in full (and still paid) on `day`; undefined while it is not. */
export function knownLateness(ledger: InvoiceLedger, day: number): number | undefined {
  if (ledger.voidedDay <= day) return undefined;
  const settled = settledInFullDay(ledger, day);
  return settled === null ? undefined : Math.max(0, settled - ledger.dueDay);
}

type PaidHistory = { dueDay: number; daysLate: number }[];

type LedgerScan = {
  paid: PaidHistory;
  amounts: number[];
  openOverdue: number;
  oldestDaysPastDue: number;
  overdueMinor: number;
  cardAutopay: boolean;
};

/** Invoices under a dispute open on `known`, by invoice id. */
function disputedOn(history: CustomerHistory, known: number): Set<string> {
  const disputed = new Set<string>();
  for (const dispute of history.facts.disputes) {
    const resolvedDay = dispute.resolvedOn === null ? Infinity : toDayNumber(dispute.resolvedOn);
    if (toDayNumber(dispute.openedOn) <= known && resolvedDay > known) disputed.add(dispute.invoiceId);
  }
  return disputed;
}

/**
 * Paid history and overdue balance known on `known`. Overdue follows the account status: unpaid,
 * past due (due before the known day), no payment in flight, not under an open dispute.
 */
function scanLedgers(history: CustomerHistory, invoice: Invoice, known: number): LedgerScan {
  const scan: LedgerScan = {
    paid: [],
    amounts: [],
    openOverdue: 0,
    oldestDaysPastDue: 0,
    overdueMinor: 0,
    cardAutopay: false,
  };
  const disputed = disputedOn(history, known);
  for (const ledger of history.ledgers) {
    if (ledger.invoice.invoiceId === invoice.invoiceId || !countsOn(ledger, known)) continue;
    if (ledger.invoice.currency === invoice.currency) scan.amounts.push(ledger.invoice.amountMinor);
    const settled = settledInFullDay(ledger, known);
    if (settled !== null)
      scan.paid.push({ dueDay: ledger.dueDay, daysLate: Math.max(0, settled - ledger.dueDay) });
    const inFlight = ledger.pending.some((attempt) => toDayNumber(attempt.attemptedOn) <= known);
    if (settled === null && ledger.dueDay < known && !inFlight && !disputed.has(ledger.invoice.invoiceId)) {
      const outstanding = ledger.invoice.amountMinor - paidOn(ledger, known);
      if (outstanding > 0) {
        scan.openOverdue += 1;
        scan.oldestDaysPastDue = Math.max(scan.oldestDaysPastDue, known - ledger.dueDay);
        if (ledger.invoice.currency === invoice.currency) scan.overdueMinor += outstanding;
      }
    }
    for (const success of ledger.successes) {
      if (success.method === 'card' && toDayNumber(success.attemptedOn) <= known) scan.cardAutopay = true;
    }
  }
  return scan;
}

type DeclineScan = {
  soft: number;
  hard: number;
  revoked: boolean;
  last: { day: number; code: string | null } | null;
  lastSoft: { day: number; code: string | null } | null;
  lastHard: { day: number; code: string | null } | null;
};

/** Recent declines by the project's decline classes; a revocation is its own signal, not soft or hard. */
function scanDeclines(history: CustomerHistory, known: number): DeclineScan {
  const scan: DeclineScan = { soft: 0, hard: 0, revoked: false, last: null, lastSoft: null, lastHard: null };
  const later = (current: DeclineScan['last'], day: number, code: string | null) =>
    current === null || day >= current.day ? { day, code } : current;
  for (const ledger of history.ledgers) {
    if (ledger.issuedDay > known) continue;
    for (const failure of ledger.failures) {
      const failureDay = toDayNumber(failure.attemptedOn);
      if (failureDay > known) continue;
      const declineClass = classifyDecline(failure.declineCode).class;
      if (declineClass === 'hard_revoked') {
        if (failureDay > known - REVOCATION_DAYS) scan.revoked = true;
        continue;
      }
      if (failureDay <= known - RECENT_FAILURE_DAYS) continue;
      if (isHardDecline(declineClass)) {
        scan.hard += 1;
        scan.lastHard = later(scan.lastHard, failureDay, failure.declineCode);
      } else {
        scan.soft += 1;
        scan.lastSoft = later(scan.lastSoft, failureDay, failure.declineCode);
      }
      scan.last = later(scan.last, failureDay, failure.declineCode);
    }
  }
  return scan;
}

function openDisputesOf(history: CustomerHistory, known: number): FeatureFacts['openDisputes'] {
  const byInvoice = new Map(history.ledgers.map((ledger) => [ledger.invoice.invoiceId, ledger]));
  const open: FeatureFacts['openDisputes'] = [];
  for (const dispute of history.facts.disputes) {
    const opened = toDayNumber(dispute.openedOn);
    const resolvedDay = dispute.resolvedOn === null ? Infinity : toDayNumber(dispute.resolvedOn);
    if (opened > known || resolvedDay <= known) continue;
    open.push({
      disputeId: dispute.disputeId,
      invoiceId: dispute.invoiceId,
      amountMinor: dispute.amountMinor ?? byInvoice.get(dispute.invoiceId)?.invoice.amountMinor ?? 0,
    });
  }
  return open;
}

/** Days from the known day to the nearest renewal on or after it, as the account status counts them. */
function daysToRenewalOn(history: CustomerHistory, known: number): number | null {
  let daysToRenewal: number | null = null;
  for (const subscription of history.facts.subscriptions) {
    const renewsOn = renewalOf(subscription);
    if (renewsOn === null) continue;
    if (toDayNumber(subscription.startedOn) > known) continue;
    if (subscription.canceledOn !== null && toDayNumber(subscription.canceledOn) <= known) continue;
    const days = toDayNumber(renewsOn) - known;
    if (days >= 0 && (daysToRenewal === null || days < daysToRenewal)) daysToRenewal = days;
  }
  return daysToRenewal;
}

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

export function computeInvoiceFeatures(
  history: CustomerHistory,
  invoice: Invoice,
  predictionDay: number,
  options: FeatureOptions,
): InvoiceFeatures {
  const known = predictionDay - 1;
  const segment = history.facts.customer.segment;
  const segmentRate =
    (segment === null ? undefined : options.priors.lateRateBySegment.get(segment)) ?? options.priors.lateRate;
  const scan = scanLedgers(history, invoice, known);
  const declines = scanDeclines(history, known);
  const openDisputes = options.withDisputes ? openDisputesOf(history, known) : [];
  const promises = promiseHistoryOn(history.promises, known);

  const paid = [...scan.paid].sort((a, b) => a.dueDay - b.dueDay);
  const late = paid.filter((entry) => entry.daysLate > 0).length;
  const cappedDays = paid.map((entry) => Math.min(DAYS_LATE_CAP, entry.daysLate));
  const recent = cappedDays.slice(-3);
  // The model reads capped days; the facts (and the sentences) the true ones.
  const meanDaysLate = mean(paid.map((entry) => entry.daysLate));
  const recentDaysLate = mean(paid.slice(-3).map((entry) => entry.daysLate));
  const lastSix = paid.slice(-6);
  const smoothedShare = (late + PRIOR_WEIGHT * segmentRate) / (paid.length + PRIOR_WEIGHT);
  const smoothedMeanDays =
    ((mean(cappedDays) ?? 0) * paid.length + PRIOR_WEIGHT * options.priors.meanDaysLate) /
    (paid.length + PRIOR_WEIGHT);
  const smoothedRecent =
    ((mean(recent) ?? 0) * recent.length + PRIOR_WEIGHT * options.priors.meanDaysLate) /
    (recent.length + PRIOR_WEIGHT);

  const amounts = [...scan.amounts].sort((a, b) => a - b);
  const typical = amounts.length === 0 ? null : (amounts[Math.floor(amounts.length / 2)] ?? null);
  const amountRatio = typical === null || typical <= 0 ? null : invoice.amountMinor / typical;
  const daysToRenewal = daysToRenewalOn(history, known);
  const termsDays = toDayNumber(invoice.dueOn) - toDayNumber(invoice.issuedOn);
  const tenureDays = Number.isFinite(history.firstDay) ? Math.max(0, predictionDay - history.firstDay) : 0;
  const values: Record<FeatureName, number> = {
    prior_late_share: smoothedShare,
    history_size: Math.log1p(paid.length),
    mean_days_late: smoothedMeanDays / 30,
    recent_days_late: smoothedRecent / 30,
    open_overdue_invoices: Math.log1p(scan.openOverdue),
    oldest_days_past_due: Math.min(OVERDUE_DAYS_CAP, scan.oldestDaysPastDue) / 30,
    overdue_vs_amount: Math.log1p(
      invoice.amountMinor > 0 ? Math.min(20, scan.overdueMinor / invoice.amountMinor) : 0,
    ),
    recent_soft_declines: Math.log1p(declines.soft),
    recent_hard_declines: Math.log1p(declines.hard),
    authorization_revoked: declines.revoked ? 1 : 0,
    open_disputes: Math.log1p(openDisputes.length),
    amount_vs_typical:
      amountRatio === null ? 0 : Math.max(-3, Math.min(3, Math.log(Math.max(amountRatio, 1e-3)))),
    payment_terms_days: Math.min(120, Math.max(0, termsDays)) / 30,
    card_autopay: scan.cardAutopay ? 1 : 0,
    tenure: Math.log1p(tenureDays / 30),
    renewal_soon: daysToRenewal !== null && daysToRenewal <= RENEWAL_SOON_DAYS ? 1 : 0,
    segment_late_rate: logit(segmentRate),
    broken_promises: brokenPromisesValue(promises),
  };
  return {
    values,
    facts: {
      resolved: paid.length,
      late,
      lateOver10InLast6: lastSix.filter((entry) => entry.daysLate > 10).length,
      lastSixResolved: lastSix.length,
      meanDaysLate,
      recentDaysLate,
      openOverdue: scan.openOverdue,
      oldestDaysPastDue: scan.oldestDaysPastDue,
      overdueMinor: scan.overdueMinor,
      recentSoftDeclines: declines.soft,
      recentHardDeclines: declines.hard,
      lastDeclineCode: declines.last?.code ?? null,
      lastSoftDeclineCode: declines.lastSoft?.code ?? null,
      lastHardDeclineCode: declines.lastHard?.code ?? null,
      revoked: declines.revoked,
      openDisputes,
      amountRatio,
      termsDays,
      termsSource: options.termsSource ?? 'invoice',
      cardAutopay: scan.cardAutopay,
      tenureDays,
      daysToRenewal,
      segment,
      promises,
    },
  };
}

/**
 * The outcome of an invoice as seen on `day`: late when paid after its due date, or unpaid and past
 * due; undefined while it cannot be told yet (not yet due and not paid) or when it was voided.
 */
export function lateOutcome(ledger: InvoiceLedger, day: number): boolean | undefined {
  if (ledger.voidedDay <= day) return undefined;
  const settled = settledInFullDay(ledger, day);
  if (settled !== null) return settled > ledger.dueDay;
  if (ledger.dueDay < day) return true;
  return undefined;
}

/**
 * An invoice still unpaid this many days after its due date is seriously late (it has left the 1–30
 * aging bucket): the outcome the risk score predicts. Paid a day or two late is common and harmless;
 * a month past due is where collections work and write-offs begin.
 */
export const SERIOUSLY_LATE_DAYS = 30;

/**
 * Whether the invoice was seriously late, as seen on `day`: still not paid in full
 * SERIOUSLY_LATE_DAYS days after its due date. Undefined while that day has not passed and it is
 * unpaid, or when it was voided before it got that far.
 */
export function seriouslyLateOutcome(ledger: InvoiceLedger, day: number): boolean | undefined {
  const cutoff = ledger.dueDay + SERIOUSLY_LATE_DAYS;
  const judged = Math.min(day, cutoff);
  if (ledger.voidedDay <= judged) return undefined;
  if (settledInFullDay(ledger, judged) !== null) return false;
  return cutoff < day ? true : undefined;
}
