import { simpleDso } from '../ar-metrics';
import { toDayNumber, type CalendarDate } from '../dates';
import { buildLedgers, countsOn, positionOn, type InvoiceLedger } from '../invoice-ledger';
import type { AccountFacts } from '../model';
import { addMinor } from '../money';
import { paidByCard } from './evidence';

/**
 * What collections can teach pricing and qualification: for invoices issued in a period, grouped by
 * the payment term actually used, by segment and by owner: how often they were paid late, how many
 * days cash took, and simple DSO (ending AR of the group's invoices / the group's credit sales × days).
 */
export type InsightDimension = 'payment_term' | 'segment' | 'owner';
export const INSIGHT_DIMENSIONS: readonly InsightDimension[] = ['payment_term', 'segment', 'owner'];

export type InsightGroup = {
  key: string;
  customers: number;
  invoices: number;
  /** Invoices whose outcome is known at the end of the period (paid, or past due). */
  resolved: number;
  late: number;
  lateRate: number | null;
  paid: number;
  meanDaysToCash: number | null;
  meanDaysLateWhenLate: number | null;
  currencies: { currency: string; sales: number; endingAr: number; dso: number | null }[];
};

export type TermInsights = {
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  groups: Record<InsightDimension, InsightGroup[]>;
};

/** The payment term an invoice was actually issued on. */
export function termOf(ledger: InvoiceLedger): string {
  if (paidByCard(ledger) || ledger.failures.some((attempt) => attempt.method === 'card')) return 'card';
  const days = ledger.dueDay - ledger.issuedDay;
  return days <= 0 ? 'due_on_receipt' : `net_${days}`;
}

type Accumulating = {
  customers: Set<string>;
  invoices: number;
  resolved: number;
  late: number;
  paid: number;
  daysToCash: number;
  daysLate: number;
  currencies: Map<string, { sales: number; endingAr: number }>;
};

export function createInsightsAccumulator(
  from: CalendarDate,
  to: CalendarDate,
): { add(facts: AccountFacts): void; result(): TermInsights } {
  const start = toDayNumber(from);
  const end = toDayNumber(to);
  const groups = new Map<string, Accumulating>();
  const group = (dimension: InsightDimension, key: string): Accumulating => {
    const id = `${dimension}\u0000${key}`;
    let entry = groups.get(id);
    if (entry === undefined) {
      entry = {
        customers: new Set(),
        invoices: 0,
        resolved: 0,
        late: 0,
        paid: 0,
        daysToCash: 0,
        daysLate: 0,
        currencies: new Map(),
      };
      groups.set(id, entry);
    }
    return entry;
  };

  return {
    add(facts) {
      const { customer } = facts;
      for (const ledger of buildLedgers(facts.invoices, facts.payments)) {
        if (!countsOn(ledger, end)) continue;
        const issuedInPeriod = ledger.issuedDay >= start && ledger.issuedDay <= end;
        const position = positionOn(ledger, end);
        if (!issuedInPeriod && position.outstanding === 0) continue;
        const keys: [InsightDimension, string][] = [
          ['payment_term', termOf(ledger)],
          ['segment', customer.segment ?? '(none)'],
          ['owner', customer.owner ?? '(unassigned)'],
        ];
        const paidInFull = ledger.paidInFullDay !== null && ledger.paidInFullDay <= end;
        for (const [dimension, key] of keys) {
          const entry = group(dimension, key);
          const money = entry.currencies.get(ledger.invoice.currency) ?? { sales: 0, endingAr: 0 };
          money.endingAr = addMinor(money.endingAr, position.outstanding);
          entry.currencies.set(ledger.invoice.currency, money);
          if (!issuedInPeriod) continue;
          money.sales = addMinor(money.sales, ledger.invoice.amountMinor);
          entry.customers.add(customer.customerId);
          entry.invoices += 1;
          if (paidInFull) {
            const paidDay = ledger.paidInFullDay as number;
            entry.resolved += 1;
            entry.paid += 1;
            entry.daysToCash += paidDay - ledger.issuedDay;
            if (paidDay > ledger.dueDay) {
              entry.late += 1;
              entry.daysLate += paidDay - ledger.dueDay;
            }
          } else if (ledger.dueDay < end) {
            entry.resolved += 1;
            entry.late += 1;
            entry.daysLate += end - ledger.dueDay;
          }
        }
      }
    },
    result() {
      const days = end - start + 1;
      const out: Record<InsightDimension, InsightGroup[]> = { payment_term: [], segment: [], owner: [] };
      for (const [id, entry] of groups) {
        const [dimension, key] = id.split('\u0000') as [InsightDimension, string];
        if (entry.invoices === 0) continue;
        out[dimension].push({
          key,
          customers: entry.customers.size,
          invoices: entry.invoices,
          resolved: entry.resolved,
          late: entry.late,
          lateRate: entry.resolved === 0 ? null : Number((entry.late / entry.resolved).toFixed(4)),
          paid: entry.paid,
          meanDaysToCash: entry.paid === 0 ? null : Number((entry.daysToCash / entry.paid).toFixed(1)),
          meanDaysLateWhenLate: entry.late === 0 ? null : Number((entry.daysLate / entry.late).toFixed(1)),
          currencies: [...entry.currencies]
            .filter(([, money]) => money.sales > 0)
            .sort((a, b) => b[1].sales - a[1].sales || a[0].localeCompare(b[0]))
            .map(([currency, money]) => {
              const dso = simpleDso(money.endingAr, money.sales, days);
              return { currency, ...money, dso: dso === null ? null : Number(dso.toFixed(1)) };
            }),
        });
      }
      for (const dimension of INSIGHT_DIMENSIONS) {
        out[dimension].sort((a, b) => b.invoices - a.invoices || a.key.localeCompare(b.key));
      }
      return { from, to, days, groups: out };
    },
  };
}
