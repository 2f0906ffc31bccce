import { toDayNumber } from '../dates';
import { classifyDecline } from '../decline-classes';
import { buildLedgers, countsOn, paidOn, type InvoiceLedger } from '../invoice-ledger';
import type { AccountFacts, Invoice } from '../model';

/**
 * Features of one invoice as of its prediction day, from facts known before that day only:
 * an outcome counts once the invoice was paid (or was past due and unpaid) before the day, a
 * payment failure or dispute once it happened before the day. Nothing dated on or after the
 * prediction day can change a feature.
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
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Portfolio evidence that customers with little history fall back to. */
export type RiskPriors = {
  lateRate: number;
  meanDaysLate: number;
  lateRateBySegment: ReadonlyMap<string, number>;
};

/** The facts behind the features, kept for reasons a person can read. */
export type FeatureFacts = {
  resolved: number;
  late: number;
  lateOver10InLast6: number;
  lastSixResolved: number;
  meanDaysLate: number | null;
  recentDaysLate: number | null;
  openOverdue: number;
  oldestDaysPastDue: number;
  overdueMinor: number;
  recentSoftDeclines: number;
  recentHardDeclines: number;
  lastDeclineCode: string | null;
  revoked: boolean;
  openDisputes: { disputeId: string; invoiceId: string; amountMinor: number }[];
  amountRatio: number | null;
  termsDays: number;
  cardAutopay: boolean;
  tenureDays: number;
  daysToRenewal: number | null;
  segment: string | null;
};

export type InvoiceFeatures = { values: Record<FeatureName, number>; facts: FeatureFacts };

export type FeatureOptions = { withDisputes: boolean; priors: RiskPriors };

/** Weight of the prior in smoothed rates: a customer's own evidence outweighs it after ~3 invoices. */
const PRIOR_WEIGHT = 3;
const DAYS_LATE_CAP = 90;
const RECENT_FAILURE_DAYS = 90;
const REVOCATION_DAYS = 180;
const RENEWAL_SOON_DAYS = 90;

const SOFT = new Set(['soft_funds', 'soft_technical', 'ambiguous', 'action_required', 'unknown']);

function logit(p: number): number {
  const q = Math.min(0.999, Math.max(0.001, p));
  return Math.log(q / (1 - q));
}

/** A customer's ledgers prepared once; features for any of its invoices then cost one pass. */
export type CustomerHistory = {
  facts: AccountFacts;
  ledgers: InvoiceLedger[];
  firstDay: number;
};

export function prepareHistory(facts: AccountFacts): CustomerHistory {
  const ledgers = buildLedgers(facts.invoices, facts.payments);
  let firstDay = facts.customer.createdOn === null ? Infinity : toDayNumber(facts.customer.createdOn);
  for (const ledger of ledgers) firstDay = Math.min(firstDay, ledger.issuedDay);
  return { facts, ledgers, firstDay };
}

/** Late days of an invoice whose outcome is known before `day`; undefined while it is not known. */
export function knownLateness(ledger: InvoiceLedger, day: number): number | undefined {
  if (ledger.voidedDay < day) return undefined;
  if (ledger.paidInFullDay !== null && ledger.paidInFullDay < day)
    return Math.max(0, ledger.paidInFullDay - ledger.dueDay);
  if (ledger.dueDay < day - 1) return day - 1 - ledger.dueDay;
  return undefined;
}

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

  const resolved: { dueDay: number; daysLate: number }[] = [];
  const amounts: number[] = [];
  let openOverdue = 0;
  let oldestDaysPastDue = 0;
  let overdueMinor = 0;
  let recentSoft = 0;
  let recentHard = 0;
  let lastDecline: { day: number; code: string | null } | null = null;
  let revoked = false;
  let cardAutopay = false;

  for (const ledger of history.ledgers) {
    if (ledger.invoice.invoiceId === invoice.invoiceId || ledger.issuedDay > known) continue;
    if (!countsOn(ledger, known)) continue;
    if (ledger.invoice.currency === invoice.currency) amounts.push(ledger.invoice.amountMinor);
    const lateness = knownLateness(ledger, predictionDay);
    const paidInFull = ledger.paidInFullDay !== null && ledger.paidInFullDay <= known;
    if (lateness !== undefined) resolved.push({ dueDay: ledger.dueDay, daysLate: lateness });
    if (!paidInFull && ledger.dueDay < known) {
      const outstanding = ledger.invoice.amountMinor - paidOn(ledger, known);
      if (outstanding > 0) {
        openOverdue += 1;
        oldestDaysPastDue = Math.max(oldestDaysPastDue, known - ledger.dueDay);
        if (ledger.invoice.currency === invoice.currency) overdueMinor += outstanding;
      }
    }
    for (const success of ledger.successes) {
      if (success.method === 'card' && toDayNumber(success.attemptedOn) <= known) cardAutopay = true;
    }
    for (const failure of ledger.failures) {
      const failureDay = toDayNumber(failure.attemptedOn);
      if (failureDay > known) continue;
      const declineClass = classifyDecline(failure.declineCode).class;
      if (declineClass === 'hard_revoked' && failureDay > known - REVOCATION_DAYS) revoked = true;
      if (failureDay <= known - RECENT_FAILURE_DAYS) continue;
      if (SOFT.has(declineClass)) recentSoft += 1;
      else if (declineClass !== 'hard_revoked') recentHard += 1;
      if (lastDecline === null || failureDay >= lastDecline.day)
        lastDecline = { day: failureDay, code: failure.declineCode };
    }
  }

  const openDisputes: FeatureFacts['openDisputes'] = [];
  if (options.withDisputes) {
    const byInvoice = new Map(history.ledgers.map((ledger) => [ledger.invoice.invoiceId, ledger]));
    for (const dispute of history.facts.disputes) {
      const opened = toDayNumber(dispute.openedOn);
      const resolvedDay = dispute.resolvedOn === null ? Infinity : toDayNumber(dispute.resolvedOn);
      if (opened > known || resolvedDay <= known) continue;
      const disputed = byInvoice.get(dispute.invoiceId);
      openDisputes.push({
        disputeId: dispute.disputeId,
        invoiceId: dispute.invoiceId,
        amountMinor: dispute.amountMinor ?? disputed?.invoice.amountMinor ?? 0,
      });
    }
  }

  resolved.sort((a, b) => a.dueDay - b.dueDay);
  const late = resolved.filter((entry) => entry.daysLate > 0).length;
  const cappedDays = resolved.map((entry) => Math.min(DAYS_LATE_CAP, entry.daysLate));
  const meanDaysLate =
    cappedDays.length === 0 ? null : cappedDays.reduce((a, b) => a + b, 0) / cappedDays.length;
  const recent = cappedDays.slice(-3);
  const recentDaysLate = recent.length === 0 ? null : recent.reduce((a, b) => a + b, 0) / recent.length;
  const lastSix = resolved.slice(-6);
  const smoothedShare = (late + PRIOR_WEIGHT * segmentRate) / (resolved.length + PRIOR_WEIGHT);
  const smoothedMeanDays =
    ((meanDaysLate ?? 0) * resolved.length + PRIOR_WEIGHT * options.priors.meanDaysLate) /
    (resolved.length + PRIOR_WEIGHT);
  const smoothedRecent =
    ((recentDaysLate ?? 0) * recent.length + PRIOR_WEIGHT * options.priors.meanDaysLate) /
    (recent.length + PRIOR_WEIGHT);

  amounts.sort((a, b) => a - b);
  const typical = amounts.length === 0 ? null : (amounts[Math.floor(amounts.length / 2)] ?? null);
  const amountRatio = typical === null || typical <= 0 ? null : invoice.amountMinor / typical;

  let daysToRenewal: number | null = null;
  for (const subscription of history.facts.subscriptions) {
    if (subscription.renewsOn === null) continue;
    if (toDayNumber(subscription.startedOn) > known) continue;
    if (subscription.canceledOn !== null && toDayNumber(subscription.canceledOn) <= known) continue;
    const days = toDayNumber(subscription.renewsOn) - predictionDay;
    if (days >= 0 && (daysToRenewal === null || days < daysToRenewal)) daysToRenewal = days;
  }

  const termsDays = toDayNumber(invoice.dueOn) - toDayNumber(invoice.issuedOn);
  const tenureDays = Number.isFinite(history.firstDay) ? Math.max(0, predictionDay - history.firstDay) : 0;
  const values: Record<FeatureName, number> = {
    prior_late_share: smoothedShare,
    history_size: Math.log1p(resolved.length),
    mean_days_late: smoothedMeanDays / 30,
    recent_days_late: smoothedRecent / 30,
    open_overdue_invoices: Math.log1p(openOverdue),
    oldest_days_past_due: Math.min(120, oldestDaysPastDue) / 30,
    overdue_vs_amount: Math.log1p(
      invoice.amountMinor > 0 ? Math.min(20, overdueMinor / invoice.amountMinor) : 0,
    ),
    recent_soft_declines: Math.log1p(recentSoft),
    recent_hard_declines: Math.log1p(recentHard),
    authorization_revoked: revoked ? 1 : 0,
    open_disputes: Math.log1p(openDisputes.length),
    amount_vs_typical:
      amountRatio === null ? 0 : Math.max(-3, Math.min(3, Math.log(Math.max(amountRatio, 1e-3)))),
    payment_terms_days: Math.min(120, Math.max(0, termsDays)) / 30,
    card_autopay: cardAutopay ? 1 : 0,
    tenure: Math.log1p(tenureDays / 30),
    renewal_soon: daysToRenewal !== null && daysToRenewal <= RENEWAL_SOON_DAYS ? 1 : 0,
    segment_late_rate: logit(segmentRate),
  };
  return {
    values,
    facts: {
      resolved: resolved.length,
      late,
      lateOver10InLast6: lastSix.filter((entry) => entry.daysLate > 10).length,
      lastSixResolved: lastSix.length,
      meanDaysLate,
      recentDaysLate,
      openOverdue,
      oldestDaysPastDue,
      overdueMinor,
      recentSoftDeclines: recentSoft,
      recentHardDeclines: recentHard,
      lastDeclineCode: lastDecline?.code ?? null,
      revoked,
      openDisputes,
      amountRatio,
      termsDays,
      cardAutopay,
      tenureDays,
      daysToRenewal,
      segment,
    },
  };
}

/**
 * The outcome of an invoice as seen on `day`: late when paid after its due date, or unpaid and past
 * due; undefined while it cannot be told yet (not yet due and not paid) or when it was voided.
 */
export function lateOutcome(ledger: InvoiceLedger, day: number): boolean | undefined {
  if (ledger.voidedDay <= day) return undefined;
  if (ledger.paidInFullDay !== null && ledger.paidInFullDay <= day)
    return ledger.paidInFullDay > ledger.dueDay;
  if (ledger.dueDay < day) return true;
  return undefined;
}
