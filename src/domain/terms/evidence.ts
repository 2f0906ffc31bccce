import { toDayNumber, type CalendarDate } from '../dates';
import { settledInFullDay, type InvoiceLedger } from '../invoice-ledger';
import type { CustomerHistory } from '../risk/features';

/**
 * Portfolio evidence for payment terms: how many days companies like the buyer take from invoice to
 * cash when they pay by transfer (their procurement and payables cycle), and how often card autopay
 * invoices end up late. Cohorts are segment × company size, falling back to the segment, then to
 * everyone. Built in one pass over the tenant; plain JSON so it can be stored.
 */
export const SIZE_BANDS = [
  { id: '1-49', min: 1, below: 50, label: 'fewer than 50 employees' },
  { id: '50-199', min: 50, below: 200, label: '50–199 employees' },
  { id: '200-999', min: 200, below: 1000, label: '200–999 employees' },
  { id: '1000-4999', min: 1000, below: 5000, label: '1,000–4,999 employees' },
  { id: '5000+', min: 5000, below: Infinity, label: '5,000 or more employees' },
] as const;

export function sizeBandOf(employees: number | null): (typeof SIZE_BANDS)[number] | undefined {
  if (employees === null) return undefined;
  return SIZE_BANDS.find((band) => employees >= band.min && employees < band.below) ?? SIZE_BANDS[0];
}

/** Days to pay are counted up to this; anything slower counts as this many. */
export const MAX_PAY_DAYS = 365;
/** Only invoices issued this many days before the evidence date count: behaviour drifts. */
export const EVIDENCE_WINDOW_DAYS = 730;

export type PayCycleCohort = {
  key: string;
  customers: number;
  /** counts[d] = transfer-paid invoices that took d days from issue to payment in full. */
  counts: number[];
  /** Transfer-paid invoices by their net days, for "usually on net 30". */
  termsCounts: Record<string, number>;
};

export type AutopayEvidence = { invoices: number; late: number; daysLateWhenLate: number };

export type TermEvidence = {
  asOf: CalendarDate;
  cohorts: Record<string, PayCycleCohort>;
  autopay: AutopayEvidence;
};

export const ALL = '*';

export function cohortKeys(segment: string | null, employees: number | null): string[] {
  const seg = segment?.toLowerCase() ?? 'unknown';
  const band = sizeBandOf(employees);
  return [...(band === undefined ? [] : [`${seg}|${band.id}`]), `${seg}|${ALL}`, `${ALL}|${ALL}`];
}

/** Days from issue to payment in full, for an invoice paid by transfer before `day`; else undefined. */
export function transferPayDays(ledger: InvoiceLedger, day: number): number | undefined {
  if (ledger.voidedDay <= day) return undefined;
  // Paid in full and not refunded since (a refunded invoice is owed again).
  const paidDay = settledInFullDay(ledger, day - 1);
  if (paidDay === null || paidByCard(ledger)) return undefined;
  return Math.min(MAX_PAY_DAYS, Math.max(0, paidDay - ledger.issuedDay));
}

export function paidByCard(ledger: InvoiceLedger): boolean {
  return ledger.successes.some((payment) => payment.method === 'card');
}

export function createTermEvidenceAccumulator(asOf: CalendarDate): {
  add(history: CustomerHistory): void;
  result(): TermEvidence;
} {
  const day = toDayNumber(asOf);
  const cohorts = new Map<string, PayCycleCohort>();
  const autopay: AutopayEvidence = { invoices: 0, late: 0, daysLateWhenLate: 0 };
  let lateDays = 0;
  return {
    add(history) {
      const customer = history.facts.customer;
      const keys = cohortKeys(customer.segment, customer.employees);
      const touched = new Set<string>();
      for (const ledger of history.ledgers) {
        if (ledger.issuedDay >= day || ledger.issuedDay < day - EVIDENCE_WINDOW_DAYS) continue;
        if (paidByCard(ledger)) {
          const paidDay = settledInFullDay(ledger, day - 1);
          if (paidDay === null) continue;
          autopay.invoices += 1;
          if (paidDay > ledger.dueDay) {
            autopay.late += 1;
            lateDays += paidDay - ledger.dueDay;
          }
          continue;
        }
        const payDays = transferPayDays(ledger, day);
        if (payDays === undefined) continue;
        const terms = String(Math.max(0, ledger.dueDay - ledger.issuedDay));
        for (const key of keys) {
          let cohort = cohorts.get(key);
          if (cohort === undefined) {
            cohort = { key, customers: 0, counts: [], termsCounts: {} };
            cohorts.set(key, cohort);
          }
          cohort.counts[payDays] = (cohort.counts[payDays] ?? 0) + 1;
          cohort.termsCounts[terms] = (cohort.termsCounts[terms] ?? 0) + 1;
          if (!touched.has(key)) {
            cohort.customers += 1;
            touched.add(key);
          }
        }
      }
    },
    result() {
      const out: Record<string, PayCycleCohort> = {};
      for (const key of [...cohorts.keys()].sort()) {
        const cohort = cohorts.get(key) as PayCycleCohort;
        out[key] = { ...cohort, counts: Array.from(cohort.counts, (count) => count ?? 0) };
      }
      return {
        asOf,
        cohorts: out,
        autopay: {
          ...autopay,
          daysLateWhenLate: autopay.late === 0 ? 0 : Number((lateDays / autopay.late).toFixed(2)),
        },
      };
    },
  };
}

/** The most specific cohort with at least `minCustomers` customers, or the broadest one there is. */
export function findCohort(
  evidence: TermEvidence,
  segment: string | null,
  employees: number | null,
  minCustomers: number,
): PayCycleCohort | undefined {
  const candidates = cohortKeys(segment, employees).flatMap((key) => evidence.cohorts[key] ?? []);
  return candidates.find((cohort) => cohort.customers >= minCustomers) ?? candidates[candidates.length - 1];
}

/** A weighted sample of days from invoice to payment. */
export type PayDaysSample = { days: number; weight: number }[];

export function cohortSample(cohort: PayCycleCohort, totalWeight: number): PayDaysSample {
  const total = cohort.counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return [];
  return cohort.counts.flatMap((count, days) =>
    count === 0 ? [] : [{ days, weight: (count / total) * totalWeight }],
  );
}

/** The smallest d with at least `share` of the sample's weight at or below d. */
export function quantile(sample: PayDaysSample, share: number): number | undefined {
  const sorted = [...sample].sort((a, b) => a.days - b.days);
  const total = sorted.reduce((sum, entry) => sum + entry.weight, 0);
  if (total <= 0) return undefined;
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.weight;
    if (seen >= share * total - 1e-9) return entry.days;
  }
  return sorted[sorted.length - 1]?.days;
}

export function cohortLabel(cohort: PayCycleCohort): string {
  const [segment, band] = cohort.key.split('|');
  const size = SIZE_BANDS.find((entry) => entry.id === band)?.label;
  if (segment === ALL) return 'all customers';
  const who = `${(segment ?? '').replace(/_/g, '-')} companies`;
  return size === undefined ? who : `${who} with ${size}`;
}
