import { fromDayNumber, toDayNumber, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { prepareHistory } from '../domain/risk/features';
import { DEFAULT_TIERS, type RiskTiers } from '../domain/risk/risk-model';
import { createTermEvidenceAccumulator, paidByCard } from '../domain/terms/evidence';
import type { Guardrails } from '../domain/terms/guardrails';
import { recommendTerms, type Deal } from '../domain/terms/recommend';
import type { LedgerStore } from '../ports/ledger';
import { fitTenantRiskModel, lastFactDay, loadPromisesByCustomer, type PromiseReader } from './payment-risk';
import { buyerFromHistory } from './payment-terms';

export type TermsOutcome = { meanNetDays: number; meanDaysToCash: number | null; lateShare: number | null };

export type TermsBacktestGroup = {
  segment: string;
  invoices: number;
  /** What happened under the terms actually used (observed). */
  actual: TermsOutcome;
  /** What the recommended terms would have given (model estimates). */
  recommended: TermsOutcome;
  /** Share of invoices whose recommended net days differ from those used. */
  changedShare: number;
  recommendedOptions: Record<string, number>;
};

export type TermsBacktestReport = {
  split: CalendarDate;
  outcomesAsOf: CalendarDate | null;
  guardrails: 'active' | 'default' | 'file';
  overall: TermsBacktestGroup;
  bySegment: TermsBacktestGroup[];
  skipped: { paidByCard: number; noRecommendation: number };
  method: string;
};

type Row = {
  segment: string;
  actualNet: number;
  actualDays: number | null;
  actualLate: boolean;
  recNet: number;
  recDays: number | null;
  recLate: number;
  optionId: string;
};

function summarize(segment: string, rows: Row[]): TermsBacktestGroup {
  const mean = (values: number[]) =>
    values.length === 0 ? null : Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(1));
  const share = (values: number[]) =>
    values.length === 0 ? null : Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(4));
  const options: Record<string, number> = {};
  for (const row of rows) options[row.optionId] = (options[row.optionId] ?? 0) + 1;
  return {
    segment,
    invoices: rows.length,
    actual: {
      meanNetDays: mean(rows.map((row) => row.actualNet)) ?? 0,
      meanDaysToCash: mean(rows.flatMap((row) => (row.actualDays === null ? [] : [row.actualDays]))),
      lateShare: share(rows.map((row) => (row.actualLate ? 1 : 0))),
    },
    recommended: {
      meanNetDays: mean(rows.map((row) => row.recNet)) ?? 0,
      meanDaysToCash: mean(rows.flatMap((row) => (row.recDays === null ? [] : [row.recDays]))),
      lateShare: share(rows.map((row) => row.recLate)),
    },
    changedShare: share(rows.map((row) => (row.recNet !== row.actualNet ? 1 : 0))) ?? 0,
    recommendedOptions: Object.fromEntries(
      Object.entries(options).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    ),
  };
}

/**
 * For invoices paid by transfer and issued on or after the split: the terms actually used and what
 * followed (observed), against the terms the recommender would have chosen on each invoice's issue
 * day with what was known then (risk model and evidence fitted before the split), replayed on the
 * invoice's observed days to pay: cash at the later of that day and the new due date.
 */
export async function backtestPaymentTerms(
  store: LedgerStore & PromiseReader,
  tenant: TenantId,
  split: CalendarDate,
  guardrails: Guardrails,
  guardrailSource: TermsBacktestReport['guardrails'],
  tiers: RiskTiers = DEFAULT_TIERS,
): Promise<TermsBacktestReport> {
  const lastDay = await lastFactDay(store, tenant);
  const splitDay = toDayNumber(split);
  const promises = await loadPromisesByCustomer(store, tenant);
  const model = await fitTenantRiskModel(store, tenant, split, { promises });
  const evidenceAccumulator = createTermEvidenceAccumulator(split);
  for await (const facts of store.streamAccountFacts(tenant)) evidenceAccumulator.add(prepareHistory(facts));
  const evidence = evidenceAccumulator.result();

  const rows: Row[] = [];
  let byCard = 0;
  let noRecommendation = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    const history = prepareHistory(facts, promises.get(facts.customer.customerId) ?? []);
    for (const ledger of history.ledgers) {
      if (ledger.issuedDay < splitDay || ledger.voidedDay <= lastDay) continue;
      if (paidByCard(ledger)) {
        byCard += 1;
        continue;
      }
      const issuedOn = fromDayNumber(ledger.issuedDay);
      const buyer = buyerFromHistory(model, history, issuedOn, 'customer', tiers);
      // The deal is the year of the contract the invoice bills (a quarterly invoice is a quarter of it).
      const interval = facts.subscriptions.find(
        (subscription) => subscription.subscriptionId === ledger.invoice.subscriptionId,
      )?.interval;
      const periodsPerYear = interval === 'month' ? 12 : interval === 'quarter' ? 4 : 1;
      const deal: Deal = {
        amountMinor: ledger.invoice.amountMinor * periodsPerYear,
        currency: ledger.invoice.currency,
        months: 12,
        billing: null,
      };
      const recommendation = recommendTerms(guardrails, evidence, buyer, deal);
      const option = recommendation.options.find((candidate) => candidate.id === recommendation.recommended);
      if (option === undefined) {
        noRecommendation += 1;
        continue;
      }
      const actualNet = ledger.dueDay - ledger.issuedDay;
      const paid = ledger.paidInFullDay !== null && ledger.paidInFullDay <= lastDay;
      // Days to pay: observed when paid; a lower bound (days so far) when still unpaid.
      const payDays = (paid ? (ledger.paidInFullDay as number) : lastDay) - ledger.issuedDay;
      let recDays: number | null;
      let recLate: number;
      if (option.autopay) {
        recDays = option.netDays + option.estimate.expectedDaysLate;
        recLate = option.estimate.probabilityLate;
      } else {
        recDays = paid ? Math.max(option.netDays, payDays) : null;
        recLate = payDays > option.netDays || !paid ? 1 : 0;
      }
      rows.push({
        segment: facts.customer.segment ?? '(none)',
        actualNet,
        actualDays: paid ? payDays : null,
        actualLate: paid ? payDays > actualNet : lastDay > ledger.dueDay,
        recNet: option.netDays,
        recDays,
        recLate,
        optionId: option.id,
      });
    }
  }
  const segments = [...new Set(rows.map((row) => row.segment))].sort();
  return {
    split,
    outcomesAsOf: Number.isFinite(lastDay) ? fromDayNumber(lastDay) : null,
    guardrails: guardrailSource,
    overall: summarize('(all)', rows),
    bySegment: segments.map((segment) =>
      summarize(
        segment,
        rows.filter((row) => row.segment === segment),
      ),
    ),
    skipped: { paidByCard: byCard, noRecommendation },
    method:
      "actual = observed under the terms used; recommended = MODEL ESTIMATES: each invoice's observed days to pay replayed under the recommended net days (cash at the later of the two; still-unpaid invoices count as late and are left out of days to cash), card autopay from the portfolio's card failure record.",
  };
}
