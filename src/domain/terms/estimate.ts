import type { CurrencyCode } from '../money';
import type { PayDaysSample, TermEvidence } from './evidence';
import type { TermOption } from './guardrails';
import { ownLateness, shrunkMean, type OwnInvoice } from './own-record';

/**
 * What one term option is expected to give for one deal. How: a buyer pays an invoice by transfer when
 * its payables cycle is done, or on the due date if that comes later; card autopay is charged on the
 * due date and is late only when the charge fails. Each figure is the buyer's own record replayed
 * under the option, shrunk toward what similar companies did (see own-record.ts): the own record
 * leads, the cohort fills in as much as the record is thin.
 */
export type DealBilling = TermOption['billing'];

export type Deal = {
  amountMinor: number;
  currency: CurrencyCode;
  /** Contract length in months. */
  months: number;
  /** The billing frequency the buyer asked for, when it did. */
  billing: DealBilling | null;
};

export type OptionEstimate = {
  invoices: number;
  contractAmountMinor: number;
  discountMinor: number;
  /** Days from an invoice to its cash. */
  expectedDaysToCash: number;
  /** Days from signing to cash, weighted by each invoice's amount. */
  expectedDaysFromSigningToCash: number;
  /** Days from signing to the cash of the first and of the last invoice. */
  daysFromSigningToFirstCash: number;
  daysFromSigningToLastCash: number;
  probabilityLate: number;
  expectedDaysLate: number;
  expectedOutstandingPast30Minor: number;
  expectedOutstandingPast60Minor: number;
};

const DAYS_PER_MONTH = 30.4375;
const PERIOD_MONTHS: Readonly<Record<Exclude<DealBilling, 'upfront'>, number>> = {
  annual: 12,
  quarterly: 3,
  monthly: 1,
};

export const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Invoices of an option: the day after signing each is issued, and its amount. */
export function invoiceSchedule(
  option: TermOption,
  deal: Deal,
  discountPercent: number,
): { offsets: number[]; amounts: number[]; discountMinor: number } {
  if (option.billing === 'upfront') {
    const discountMinor = Math.round((deal.amountMinor * discountPercent) / 100);
    return { offsets: [0], amounts: [deal.amountMinor - discountMinor], discountMinor };
  }
  const period = PERIOD_MONTHS[option.billing];
  const count = Math.max(1, Math.ceil(deal.months / period));
  const monthsOf = (index: number) => Math.min(period, deal.months - index * period);
  const amounts: number[] = [];
  let assigned = 0;
  for (let index = 0; index < count; index += 1) {
    const amount =
      index === count - 1
        ? deal.amountMinor - assigned
        : Math.floor((deal.amountMinor * monthsOf(index)) / Math.max(1, deal.months));
    amounts.push(amount);
    assigned += amount;
  }
  const offsets = amounts.map((_amount, index) => Math.round(index * period * DAYS_PER_MONTH));
  return { offsets, amounts, discountMinor: 0 };
}

function expectation(sample: PayDaysSample, value: (days: number) => number): number {
  let total = 0;
  let weight = 0;
  for (const entry of sample) {
    total += entry.weight * value(entry.days);
    weight += entry.weight;
  }
  return weight === 0 ? 0 : total / weight;
}

type Lateness = { late: number; days: number; past30: number; past60: number };

/** What similar companies would do on this option: the cohort's payables cycle, or the portfolio's card record. */
export function cohortLateness(
  option: TermOption,
  cohort: PayDaysSample,
  autopay: TermEvidence['autopay'],
): Lateness {
  if (option.autopay) {
    // A failed charge is retried and dunned; the portfolio says how late such invoices end up.
    const late = autopay.invoices === 0 ? 0 : autopay.late / autopay.invoices;
    const mean = Math.max(1, autopay.daysLateWhenLate);
    return {
      late,
      days: late * mean,
      past30: late * Math.exp(-30 / mean),
      past60: late * Math.exp(-60 / mean),
    };
  }
  // Without any evidence a company is assumed to pay on the due date.
  const sample = cohort.length === 0 ? [{ days: option.netDays, weight: 1 }] : cohort;
  const lateBy = (days: number) => Math.max(0, days - option.netDays);
  return {
    late: expectation(sample, (days) => (lateBy(days) > 0 ? 1 : 0)),
    days: expectation(sample, lateBy),
    past30: expectation(sample, (days) => (lateBy(days) > 30 ? 1 : 0)),
    past60: expectation(sample, (days) => (lateBy(days) > 60 ? 1 : 0)),
  };
}

export function estimateOption(
  option: TermOption,
  deal: Deal,
  cohort: PayDaysSample,
  autopay: TermEvidence['autopay'],
  discountPercent: number,
  record: readonly OwnInvoice[] = [],
): OptionEstimate {
  const schedule = invoiceSchedule(option, deal, discountPercent);
  const prior = cohortLateness(option, cohort, autopay);
  const own = ownLateness(record, option);
  const pLate = shrunkMean(own, (days) => (days > 0 ? 1 : 0), prior.late);
  const daysLate = shrunkMean(own, (days) => days, prior.days);
  const past30 = shrunkMean(own, (days) => (days > 30 ? 1 : 0), prior.past30);
  const past60 = shrunkMean(own, (days) => (days > 60 ? 1 : 0), prior.past60);
  const daysToCash = option.netDays + daysLate;
  const total = schedule.amounts.reduce((sum, amount) => sum + amount, 0);
  const fromSigning =
    total === 0
      ? daysToCash
      : schedule.amounts.reduce(
          (sum, amount, index) => sum + amount * ((schedule.offsets[index] ?? 0) + daysToCash),
          0,
        ) / total;
  return {
    invoices: schedule.amounts.length,
    contractAmountMinor: total,
    discountMinor: schedule.discountMinor,
    expectedDaysToCash: round(daysToCash, 1),
    expectedDaysFromSigningToCash: round(fromSigning, 1),
    daysFromSigningToFirstCash: round((schedule.offsets[0] ?? 0) + daysToCash, 1),
    daysFromSigningToLastCash: round((schedule.offsets[schedule.offsets.length - 1] ?? 0) + daysToCash, 1),
    probabilityLate: round(pLate, 3),
    expectedDaysLate: round(daysLate, 1),
    expectedOutstandingPast30Minor: Math.round(total * past30),
    expectedOutstandingPast60Minor: Math.round(total * past60),
  };
}
