import { daysInMonth, toDayNumber, type CalendarDate } from './dates';
import {
  agingBucketOf,
  buildLedgers,
  countsOn,
  emptyAging,
  positionOn,
  type AgingBuckets,
  type InvoiceLedger,
} from './invoice-ledger';
import type { AccountFacts } from './model';
import { addMinor, type CurrencyCode } from './money';

/** Simple DSO = ending AR / credit sales in the period × days in the period. */
export function simpleDso(endingAr: number, creditSales: number, days: number): number | null {
  return creditSales > 0 ? (endingAr / creditSales) * days : null;
}

/** Best possible DSO = current (not yet due) AR / credit sales × days. */
export function bestPossibleDso(currentAr: number, creditSales: number, days: number): number | null {
  return creditSales > 0 ? (currentAr / creditSales) * days : null;
}

export type MonthOfSales = { sales: number; days: number };

/**
 * Countback DSO: walk back month by month (most recent first), subtracting each month's credit sales
 * from ending AR and adding its days, until the rest is smaller than a month's sales; then add
 * rest / that month's sales × its days. AR older than every month given counts all their days (a floor).
 */
export function countbackDso(endingAr: number, months: readonly MonthOfSales[]): number | null {
  if (endingAr <= 0) return 0;
  let rest = endingAr;
  let days = 0;
  for (const month of months) {
    if (rest <= month.sales) return days + (rest / month.sales) * month.days;
    rest -= month.sales;
    days += month.days;
  }
  return months.length === 0 ? null : days;
}

/** Month index (year × 12 + month − 1) of a calendar date. */
export function monthIndexOf(date: CalendarDate): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

/**
 * The months to count back through from asOf, most recent first: the current month counts the days
 * elapsed (asOf's day of month), earlier months their full length.
 */
export function countbackMonths(
  asOf: CalendarDate,
  salesByMonth: ReadonlyMap<number, number>,
  count: number,
): MonthOfSales[] {
  const current = monthIndexOf(asOf);
  const months: MonthOfSales[] = [];
  for (let back = 0; back < count; back += 1) {
    const index = current - back;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    months.push({
      sales: salesByMonth.get(index) ?? 0,
      days: back === 0 ? Number(asOf.slice(8, 10)) : daysInMonth(year, month),
    });
  }
  return months;
}

/**
 * CEI = (beginning AR + sales − ending total AR) / (beginning AR + sales − ending current AR) × 100.
 * null when nothing was collectible in the period.
 */
export function collectionEffectivenessIndex(
  beginningAr: number,
  sales: number,
  endingTotalAr: number,
  endingCurrentAr: number,
): number | null {
  const collectible = beginningAr + sales - endingCurrentAr;
  return collectible > 0 ? ((beginningAr + sales - endingTotalAr) / collectible) * 100 : null;
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export type SliceDimension = 'owner' | 'segment' | 'payment_terms' | 'currency';

/** Days of the trailing window used for simple DSO, best possible DSO, ADD and CEI. */
export const METRIC_WINDOW_DAYS = 90;
/** Months kept for countback DSO: AR older than this is counted at the floor. */
export const COUNTBACK_MONTHS = 36;
/** Failed payments whose first failure falls within this many days of asOf count for recovery. */
export const RECOVERY_WINDOW_DAYS = 365;

export type CurrencyMetrics = {
  currency: CurrencyCode;
  accounts: number;
  arMinor: number;
  currentArMinor: number;
  pastDueArMinor: number;
  aging: AgingBuckets;
  creditSales90Minor: number;
  beginningAr90Minor: number;
  delinquencyRate: number | null;
  atRiskRate: number | null;
  /** Simple DSO over the trailing window, with its best possible DSO and ADD (same method). */
  simpleDso: number | null;
  bestPossibleDso: number | null;
  /** simpleDso − bestPossibleDso. */
  averageDaysDelinquent: number | null;
  /** Countback DSO, with its best possible DSO and ADD by the same countback over the same months. */
  countbackDso: number | null;
  countbackBestPossibleDso: number | null;
  /** countbackDso − countbackBestPossibleDso. */
  countbackAverageDaysDelinquent: number | null;
  cei: number | null;
  failedMinor: number;
  recoveredMinor: number;
  failedPaymentRecoveryRate: number | null;
};

export type ReportSlice = { key: string; accounts: number; currencies: CurrencyMetrics[] };

export type PortfolioReport = {
  asOf: CalendarDate;
  by: SliceDimension | null;
  windowDays: number;
  total: ReportSlice;
  slices: ReportSlice[];
};

type Accumulator = {
  accounts: number;
  ar: number;
  currentAr: number;
  aging: AgingBuckets;
  sales90: number;
  beginningAr: number;
  salesByMonth: Map<number, number>;
  failed: number;
  recovered: number;
};

type SliceAccumulator = { accounts: number; byCurrency: Map<string, Accumulator> };

function newAccumulator(): Accumulator {
  return {
    accounts: 0,
    ar: 0,
    currentAr: 0,
    aging: emptyAging(),
    sales90: 0,
    beginningAr: 0,
    salesByMonth: new Map(),
    failed: 0,
    recovered: 0,
  };
}

export const NO_VALUE_KEY = '(none)';

function sliceKey(facts: AccountFacts, by: SliceDimension, currency: string): string {
  const customer = facts.customer;
  const value =
    by === 'owner'
      ? customer.owner
      : by === 'segment'
        ? customer.segment
        : by === 'payment_terms'
          ? customer.paymentTerms
          : currency;
  return value ?? NO_VALUE_KEY;
}

/**
 * DSO, best possible DSO and average days delinquent by one method, so that ADD = DSO − best possible
 * DSO holds for the figures shown together. Best possible DSO counts back only the current (not yet
 * due) AR through the same months; as countback grows with AR, it is never above DSO.
 */
export function countbackDelinquency(
  endingAr: number,
  currentAr: number,
  months: readonly MonthOfSales[],
): { dso: number | null; bestPossibleDso: number | null; averageDaysDelinquent: number | null } {
  const dso = countbackDso(endingAr, months);
  const best = countbackDso(currentAr, months);
  return {
    dso,
    bestPossibleDso: best,
    averageDaysDelinquent: dso === null || best === null ? null : dso - best,
  };
}

function finish(currency: string, acc: Accumulator, asOf: CalendarDate): CurrencyMetrics {
  const pastDue = acc.ar - acc.currentAr;
  const dso = simpleDso(acc.ar, acc.sales90, METRIC_WINDOW_DAYS);
  const best = bestPossibleDso(acc.currentAr, acc.sales90, METRIC_WINDOW_DAYS);
  const countback = countbackDelinquency(
    acc.ar,
    acc.currentAr,
    countbackMonths(asOf, acc.salesByMonth, COUNTBACK_MONTHS),
  );
  return {
    currency: currency as CurrencyCode,
    accounts: acc.accounts,
    arMinor: acc.ar,
    currentArMinor: acc.currentAr,
    pastDueArMinor: pastDue,
    aging: acc.aging,
    creditSales90Minor: acc.sales90,
    beginningAr90Minor: acc.beginningAr,
    delinquencyRate: ratio(pastDue, acc.ar),
    atRiskRate: ratio(acc.aging.d90Plus, acc.ar),
    simpleDso: dso,
    bestPossibleDso: best,
    averageDaysDelinquent: dso === null || best === null ? null : dso - best,
    countbackDso: countback.dso,
    countbackBestPossibleDso: countback.bestPossibleDso,
    countbackAverageDaysDelinquent: countback.averageDaysDelinquent,
    cei: collectionEffectivenessIndex(acc.beginningAr, acc.sales90, acc.ar, acc.currentAr),
    failedMinor: acc.failed,
    recoveredMinor: acc.recovered,
    failedPaymentRecoveryRate: ratio(acc.recovered, acc.failed),
  };
}

/**
 * Portfolio metrics in one pass over the accounts (they are not kept), per slice and in total,
 * always per currency.
 *
 * Credit sales: invoice amounts issued in the window and not voided by asOf.
 * Beginning AR for CEI: AR as of asOf − 90 days, by the same per-invoice rules as ending AR.
 * Failed-payment recovery: invoices whose first failed attempt lies in the 365 days before asOf;
 * failed = what was outstanding at that failure, recovered = how much of it was paid by asOf.
 */
export function buildPortfolioReport(
  accounts: Iterable<AccountFacts>,
  asOf: CalendarDate,
  options: { by?: SliceDimension } = {},
): PortfolioReport {
  const report = createPortfolioAccumulator(asOf, options);
  for (const facts of accounts) report.add(facts);
  return report.result();
}

export type PortfolioAccumulator = {
  add(facts: AccountFacts): void;
  /** The same as add, with the account's ledgers already built (they are only read). */
  addLedgers(facts: AccountFacts, ledgers: readonly InvoiceLedger[]): void;
  result(): PortfolioReport;
};

/** The same as buildPortfolioReport, fed one account at a time (for async streams). */
export function createPortfolioAccumulator(
  asOf: CalendarDate,
  options: { by?: SliceDimension } = {},
): PortfolioAccumulator {
  const by = options.by ?? null;
  const day = toDayNumber(asOf);
  const windowStart = day - METRIC_WINDOW_DAYS;
  const recoveryStart = day - RECOVERY_WINDOW_DAYS;
  const oldestMonth = monthIndexOf(asOf) - COUNTBACK_MONTHS;
  const total: SliceAccumulator = { accounts: 0, byCurrency: new Map() };
  const slices = new Map<string, SliceAccumulator>();

  const accumulatorFor = (
    slice: SliceAccumulator,
    currency: string,
    touched: Set<Accumulator>,
  ): Accumulator => {
    let acc = slice.byCurrency.get(currency);
    if (acc === undefined) {
      acc = newAccumulator();
      slice.byCurrency.set(currency, acc);
    }
    if (!touched.has(acc)) {
      touched.add(acc);
      acc.accounts += 1;
    }
    return acc;
  };

  const addLedgers = (facts: AccountFacts, ledgers: readonly InvoiceLedger[]): void => {
    const touched = new Set<Accumulator>();
    const touchedSlices = new Set<SliceAccumulator>();
    for (const ledger of ledgers) {
      const invoice = ledger.invoice;
      const countsNow = countsOn(ledger, day);
      const countsAtStart = countsOn(ledger, windowStart);
      const inWindow = countsNow && ledger.issuedDay > windowStart;
      const month = monthIndexOf(invoice.issuedOn);
      const inCountback = countsNow && month > oldestMonth;
      const firstFailure = ledger.failures[0];
      const failureDay = firstFailure === undefined ? -Infinity : toDayNumber(firstFailure.attemptedOn);
      const inRecovery = countsNow && failureDay > recoveryStart && failureDay <= day;
      if (!countsNow && !countsAtStart) continue;

      const targets: SliceAccumulator[] = [total];
      if (by !== null) {
        const key = sliceKey(facts, by, invoice.currency);
        let slice = slices.get(key);
        if (slice === undefined) {
          slice = { accounts: 0, byCurrency: new Map() };
          slices.set(key, slice);
        }
        targets.push(slice);
      }
      const now = countsNow ? positionOn(ledger, day) : undefined;
      const start = countsAtStart ? positionOn(ledger, windowStart) : undefined;
      let failed = 0;
      let recovered = 0;
      if (inRecovery) {
        failed = positionOn(ledger, failureDay).outstanding;
        recovered = Math.min(failed, Math.max(0, failed - (now?.outstanding ?? failed)));
      }
      for (const slice of targets) {
        if (!touchedSlices.has(slice)) {
          touchedSlices.add(slice);
          slice.accounts += 1;
        }
        const acc = accumulatorFor(slice, invoice.currency, touched);
        if (now !== undefined && now.outstanding > 0) {
          acc.ar = addMinor(acc.ar, now.outstanding);
          const bucket = agingBucketOf(now.daysPastDue);
          acc.aging[bucket] = addMinor(acc.aging[bucket], now.outstanding);
          if (bucket === 'current') acc.currentAr = addMinor(acc.currentAr, now.outstanding);
        }
        if (start !== undefined) acc.beginningAr = addMinor(acc.beginningAr, start.outstanding);
        if (inWindow) acc.sales90 = addMinor(acc.sales90, invoice.amountMinor);
        if (inCountback)
          acc.salesByMonth.set(month, addMinor(acc.salesByMonth.get(month) ?? 0, invoice.amountMinor));
        acc.failed = addMinor(acc.failed, failed);
        acc.recovered = addMinor(acc.recovered, recovered);
      }
    }
  };

  return {
    add: (facts) => addLedgers(facts, buildLedgers(facts.invoices, facts.payments)),
    addLedgers,
    result() {
      const toSlice = (key: string, slice: SliceAccumulator): ReportSlice => ({
        key,
        accounts: slice.accounts,
        currencies: [...slice.byCurrency.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([currency, acc]) => finish(currency, acc, asOf)),
      });
      return {
        asOf,
        by,
        windowDays: METRIC_WINDOW_DAYS,
        total: toSlice('total', total),
        slices: [...slices.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, slice]) => toSlice(key, slice)),
      };
    },
  };
}

/**
 * Portfolio reports on several days from one pass over the accounts: each account's ledgers are built
 * once and read as of every day.
 */
export function createPortfolioAccumulators(
  days: readonly CalendarDate[],
  options: { by?: SliceDimension } = {},
): { add(facts: AccountFacts): void; results(): PortfolioReport[] } {
  const accumulators = days.map((day) => createPortfolioAccumulator(day, options));
  return {
    add(facts) {
      const ledgers = buildLedgers(facts.invoices, facts.payments);
      for (const accumulator of accumulators) accumulator.addLedgers(facts, ledgers);
    },
    results: () => accumulators.map((accumulator) => accumulator.result()),
  };
}
