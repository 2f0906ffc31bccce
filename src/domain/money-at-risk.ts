import type { AccountStatus, ChurnSignal } from './account-status';
import { toDayNumber } from './dates';
import type { Subscription } from './model';
import { addMinor, type CurrencyCode } from './money';

/**
 * Money at risk: the expected loss on an account, per currency (amounts in different currencies are
 * never added or compared).
 *
 *   expected loss = Σ open invoice outstanding × P(never collected)
 *                 + renewal value inside the renewal window × P(renewal lost)
 *
 * P(never collected) starts from the share of an average account's debt that is never collected at the
 * invoice's age (AGE_LOSS: the collections rule of thumb that about 70 % of commercial debt is still
 * collectable at 90 days past due, about half at six months and a quarter at a year). The account's own
 * payment risk shifts that in odds, relative to the book it is read against: the risk model's
 * probability that the account's next invoice is still unpaid 30 days after it falls due, against the
 * share of such invoices in the book the model learnt from. An account at the book's share keeps the
 * age curve; one with three times the book's odds triples the odds of loss. (Without a book share, the
 * reference is REFERENCE_LATE_SHARE.) A customer that pays every invoice a few weeks late, but pays, is
 * not seriously late, so its slow habit alone does not make its debt look lost.
 * An invoice the billing system marked uncollectible counts at least UNCOLLECTIBLE_LOSS; a payment on its
 * way counts as not yet due. A dispute on an invoice already paid (a card chargeback) puts the disputed
 * amount at risk at DISPUTE_LOSS (card networks side with the cardholder in most disputes).
 *
 * P(renewal lost) is zero for an account without a payment problem; otherwise it is the highest
 * P(never collected) of its open invoices (a customer that does not pay is one that may not renew), and
 * at least REVOKED_RENEWAL_LOSS when the customer revoked its payment authorisation. The renewal value is
 * a year of the live subscriptions that renew inside the window.
 */
export const AGE_LOSS: readonly (readonly [days: number, loss: number])[] = [
  [0, 0.02],
  [30, 0.06],
  [60, 0.15],
  [90, 0.3],
  [180, 0.5],
  [365, 0.75],
  [730, 0.9],
];
export const UNCOLLECTIBLE_LOSS = 0.75;
export const DISPUTE_LOSS = 0.6;
export const REVOKED_RENEWAL_LOSS = 0.5;
/** The reference share when the caller gives none: half, the Atradius figure for B2B invoices paid late. */
export const REFERENCE_LATE_SHARE = 0.5;

export type WorklistSituation =
  'failed_payment' | 'disputed' | 'overdue' | 'uncollectible' | 'renewal_at_risk' | 'churn_risk' | 'paused';

export const WORKLIST_SITUATIONS: readonly WorklistSituation[] = [
  'failed_payment',
  'disputed',
  'overdue',
  'uncollectible',
  'renewal_at_risk',
  'churn_risk',
  'paused',
];

export type CurrencyAtRisk = {
  /** Expected loss on what is outstanding. */
  balanceMinor: number;
  /** Expected loss on the renewal inside the window. */
  renewalMinor: number;
  totalMinor: number;
  outstandingMinor: number;
  renewalValueMinor: number;
};

export type MoneyAtRisk = {
  byCurrency: Record<string, CurrencyAtRisk>;
  /** The highest P(never collected) among the open invoices (0 when nothing is open). */
  worstLossProbability: number;
  renewalLossProbability: number;
  situations: WorklistSituation[];
};

/** Share of an average account's debt never collected at this many days past due (linear between points). */
export function ageLoss(daysPastDue: number): number {
  const days = Math.max(0, daysPastDue);
  let previous = AGE_LOSS[0] as readonly [number, number];
  for (const point of AGE_LOSS) {
    if (days <= point[0]) {
      if (point[0] === previous[0]) return point[1];
      const share = (days - previous[0]) / (point[0] - previous[0]);
      return previous[1] + share * (point[1] - previous[1]);
    }
    previous = point;
  }
  return previous[1];
}

const odds = (p: number): number => p / (1 - p);

/** P(never collected) of an invoice at this age, for an account with this probability of paying late. */
export function lossProbability(
  daysPastDue: number,
  probabilityLate: number | null,
  reference: number = REFERENCE_LATE_SHARE,
): number {
  const base = ageLoss(daysPastDue);
  if (probabilityLate === null) return base;
  const p = Math.min(0.98, Math.max(0.02, probabilityLate));
  const r = Math.min(0.98, Math.max(0.02, reference));
  const shifted = (odds(base) * odds(p)) / odds(r);
  return shifted / (1 + shifted);
}

const PERIODS_PER_YEAR: Readonly<Record<Subscription['interval'], number>> = {
  month: 12,
  quarter: 4,
  year: 1,
};

/** A year of the live subscriptions renewing on the account's next renewal inside the window, per currency. */
function renewalValues(
  status: AccountStatus,
  subscriptions: readonly Subscription[],
): Map<CurrencyCode, number> {
  const values = new Map<CurrencyCode, number>();
  if (!status.inRenewalWindow || status.nextRenewalOn === null) return values;
  const renewal = toDayNumber(status.nextRenewalOn);
  for (const subscription of subscriptions) {
    if (subscription.startedOn > status.asOf) continue;
    if (subscription.canceledOn !== null && subscription.canceledOn <= status.asOf) continue;
    if (subscription.renewsOn === null || toDayNumber(subscription.renewsOn) !== renewal) continue;
    const year = subscription.amountMinor * PERIODS_PER_YEAR[subscription.interval];
    values.set(subscription.currency, addMinor(values.get(subscription.currency) ?? 0, year));
  }
  return values;
}

const REVOKED: readonly ChurnSignal[] = ['payment_authorization_revoked', 'stop_payment_order'];

/** What a CSM would filter the worklist by. */
export function worklistSituations(status: AccountStatus): WorklistSituation[] {
  const has = new Set(status.situations);
  const problem =
    has.has('failed_payment') ||
    has.has('overdue') ||
    has.has('disputed') ||
    status.churnSignals.some((signal) => REVOKED.includes(signal));
  const situations: WorklistSituation[] = [];
  if (has.has('failed_payment')) situations.push('failed_payment');
  if (has.has('disputed')) situations.push('disputed');
  if (has.has('overdue')) situations.push('overdue');
  // Written off by the billing system (still payable there): a decision to confirm, not a reminder to send.
  if (status.openInvoices.some((invoice) => invoice.uncollectible)) situations.push('uncollectible');
  if (status.inRenewalWindow && problem) situations.push('renewal_at_risk');
  if (status.churnSignals.some((signal) => REVOKED.includes(signal))) situations.push('churn_risk');
  if (has.has('paused')) situations.push('paused');
  return situations;
}

/** The account's money at risk on the status's day (see the module comment for the definition). */
export function moneyAtRisk(
  status: AccountStatus,
  subscriptions: readonly Subscription[],
  probabilityLate: number | null,
  /** The share of the outcome `probabilityLate` predicts in the book (see the module comment). */
  reference: number = REFERENCE_LATE_SHARE,
): MoneyAtRisk {
  const byCurrency: Record<string, CurrencyAtRisk> = {};
  const entry = (currency: CurrencyCode): CurrencyAtRisk => {
    const found = byCurrency[currency];
    if (found !== undefined) return found;
    const created = {
      balanceMinor: 0,
      renewalMinor: 0,
      totalMinor: 0,
      outstandingMinor: 0,
      renewalValueMinor: 0,
    };
    byCurrency[currency] = created;
    return created;
  };
  let worst = 0;
  for (const invoice of status.openInvoices) {
    const age = invoice.paymentInFlight ? 0 : invoice.daysPastDue;
    const loss = Math.max(
      lossProbability(age, probabilityLate, reference),
      invoice.uncollectible ? UNCOLLECTIBLE_LOSS : 0,
    );
    worst = Math.max(worst, loss);
    const target = entry(invoice.currency);
    target.outstandingMinor = addMinor(target.outstandingMinor, invoice.outstandingMinor);
    target.balanceMinor = addMinor(target.balanceMinor, Math.round(invoice.outstandingMinor * loss));
  }
  const open = new Set(status.openInvoices.map((invoice) => invoice.invoiceId));
  for (const dispute of status.openDisputes) {
    if (open.has(dispute.invoiceId)) continue;
    worst = Math.max(worst, DISPUTE_LOSS);
    const target = entry(dispute.currency);
    target.balanceMinor = addMinor(target.balanceMinor, Math.round(dispute.amountMinor * DISPUTE_LOSS));
  }
  const situations = worklistSituations(status);
  const problem = situations.some((situation) => situation !== 'paused');
  const revoked = status.churnSignals.some((signal) => REVOKED.includes(signal));
  const renewalLoss = !problem ? 0 : revoked ? Math.max(worst, REVOKED_RENEWAL_LOSS) : worst;
  for (const [currency, value] of renewalValues(status, subscriptions)) {
    const target = entry(currency);
    target.renewalValueMinor = value;
    target.renewalMinor = Math.round(value * renewalLoss);
  }
  for (const target of Object.values(byCurrency))
    if (target !== undefined) target.totalMinor = addMinor(target.balanceMinor, target.renewalMinor);
  return { byCurrency, worstLossProbability: worst, renewalLossProbability: renewalLoss, situations };
}
