import { addDays, toDayNumber, type CalendarDate } from '../dates';
import { classifyDecline } from '../decline-classes';
import type { Invoice } from '../model';
import { formatMoney } from '../money';
import {
  computeInvoiceFeatures,
  FEATURE_NAMES,
  lateOutcome,
  type CustomerHistory,
  type FeatureFacts,
  type FeatureName,
  type RiskPriors,
} from './features';
import { fitLogistic, scoreLogistic, type LogisticModel, type Sample } from './logistic';

/** More of these never lowers the risk: their weights are kept ≥ 0 (monotone by construction). */
const MONOTONE: ReadonlySet<FeatureName> = new Set<FeatureName>([
  'prior_late_share',
  'mean_days_late',
  'recent_days_late',
  'open_overdue_invoices',
  'oldest_days_past_due',
  'overdue_vs_amount',
  'recent_soft_declines',
  'recent_hard_declines',
  'authorization_revoked',
  'open_disputes',
  'segment_late_rate',
]);

export type RiskTiers = { medium: number; high: number };
export const DEFAULT_TIERS: RiskTiers = { medium: 0.3, high: 0.6 };

export type RiskModel = {
  logistic: LogisticModel;
  /** Features left out of the fit (a monotone feature that wanted a negative weight, or disputes when off). */
  dropped: FeatureName[];
  priors: RiskPriors;
  withDisputes: boolean;
  /** Fitted on outcomes known before this day. */
  fittedBefore: CalendarDate;
  trainingSize: number;
  trainingLateRate: number;
};

export type RiskOptions = { withDisputes?: boolean; lambda?: number; maxTrainingSamples?: number };

/** Portfolio and segment late rates from the outcomes known before `day`, fed one customer at a time. */
export function createPriorsAccumulator(day: number): {
  add(history: CustomerHistory): void;
  result(): RiskPriors;
} {
  let late = 0;
  let total = 0;
  let daysLate = 0;
  const bySegment = new Map<string, { late: number; total: number }>();
  return {
    add(history) {
      const segment = history.facts.customer.segment;
      for (const ledger of history.ledgers) {
        if (ledger.issuedDay >= day) continue;
        const outcome = lateOutcome(ledger, day - 1);
        if (outcome === undefined) continue;
        total += 1;
        if (outcome) late += 1;
        const paid =
          ledger.paidInFullDay !== null && ledger.paidInFullDay < day ? ledger.paidInFullDay : day - 1;
        daysLate += Math.min(90, Math.max(0, paid - ledger.dueDay));
        if (segment !== null) {
          const entry = bySegment.get(segment) ?? { late: 0, total: 0 };
          entry.total += 1;
          if (outcome) entry.late += 1;
          bySegment.set(segment, entry);
        }
      }
    },
    result() {
      const lateRate = total === 0 ? 0.2 : late / total;
      const lateRateBySegment = new Map<string, number>();
      // Segments with few outcomes lean on the portfolio rate.
      for (const [segment, entry] of bySegment) {
        lateRateBySegment.set(segment, (entry.late + 20 * lateRate) / (entry.total + 20));
      }
      return { lateRate, meanDaysLate: total === 0 ? 0 : daysLate / total, lateRateBySegment };
    },
  };
}

export function computePriors(histories: Iterable<CustomerHistory>, day: number): RiskPriors {
  const accumulator = createPriorsAccumulator(day);
  for (const history of histories) accumulator.add(history);
  return accumulator.result();
}

function vector(values: Record<FeatureName, number>, names: readonly FeatureName[]): number[] {
  return names.map((name) => values[name]);
}

export type TrainingSet = { add(history: CustomerHistory): void; fit(): RiskModel };

/**
 * Training rows: every invoice issued before `before` whose outcome was known by then, each described
 * by the features known on its own issue date. Deterministic: when there are more than
 * maxTrainingSamples, every k-th eligible invoice is kept (k from `eligibleEstimate`).
 */
export function createTrainingSet(
  before: CalendarDate,
  priors: RiskPriors,
  options: RiskOptions & { eligibleEstimate?: number } = {},
): TrainingSet {
  const day = toDayNumber(before);
  const withDisputes = options.withDisputes ?? false;
  const stride = Math.max(
    1,
    Math.ceil((options.eligibleEstimate ?? 0) / (options.maxTrainingSamples ?? 250000)),
  );
  const rows: { values: Record<FeatureName, number>; y: 0 | 1 }[] = [];
  let seen = 0;
  return {
    add(history) {
      for (const ledger of history.ledgers) {
        if (ledger.issuedDay >= day) continue;
        const outcome = lateOutcome(ledger, day - 1);
        if (outcome === undefined) continue;
        seen += 1;
        if (seen % stride !== 0) continue;
        const features = computeInvoiceFeatures(history, ledger.invoice, ledger.issuedDay, {
          withDisputes,
          priors,
        });
        rows.push({ values: features.values, y: outcome ? 1 : 0 });
      }
    },
    fit() {
      const dropped: FeatureName[] = withDisputes ? [] : ['open_disputes'];
      let logistic: LogisticModel;
      for (;;) {
        const names = FEATURE_NAMES.filter((name) => !dropped.includes(name));
        const samples: Sample[] = rows.map((row) => ({ x: vector(row.values, names), y: row.y }));
        logistic = fitLogistic(samples, names, { lambda: options.lambda ?? 1 });
        const wrong = names.filter((name, j) => MONOTONE.has(name) && (logistic.weights[j] as number) < 0);
        if (wrong.length === 0) break;
        dropped.push(...wrong);
      }
      const positives = rows.filter((row) => row.y === 1).length;
      return {
        logistic,
        dropped,
        priors,
        withDisputes,
        fittedBefore: before,
        trainingSize: rows.length,
        trainingLateRate: rows.length === 0 ? priors.lateRate : positives / rows.length,
      };
    },
  };
}

/** Fits a tenant's model on its own history before `before` (all customers in memory). */
export function fitRiskModel(
  histories: readonly CustomerHistory[],
  before: CalendarDate,
  options: RiskOptions = {},
): RiskModel {
  const priors = computePriors(histories, toDayNumber(before));
  const training = createTrainingSet(before, priors, options);
  for (const history of histories) training.add(history);
  return training.fit();
}

export type Reason = { code: FeatureName; text: string; weight: number };

export type InvoiceRisk = {
  probabilityLate: number;
  reasons: Reason[];
  mitigating: Reason[];
  facts: FeatureFacts;
};

const pct = (value: number): string => `${Math.round(value * 100)}%`;

function reasonText(code: FeatureName, facts: FeatureFacts, invoice: Invoice, model: RiskModel): string {
  const money = (minor: number) => formatMoney(minor, invoice.currency);
  switch (code) {
    case 'prior_late_share':
    case 'history_size':
      return facts.resolved === 0
        ? `no payment history yet: ${facts.segment ?? 'similar'} customers pay late ${pct(
            (facts.segment === null ? undefined : model.priors.lateRateBySegment.get(facts.segment)) ??
              model.priors.lateRate,
          )} of the time`
        : `${facts.late} of ${facts.resolved} past invoices were paid late`;
    case 'mean_days_late':
      return facts.meanDaysLate === null
        ? 'no payment history yet'
        : `past invoices were paid on average ${facts.meanDaysLate.toFixed(1)} days late`;
    case 'recent_days_late':
      return facts.lastSixResolved > 0 && facts.lateOver10InLast6 > 0
        ? `${facts.lateOver10InLast6} of the last ${facts.lastSixResolved} invoices were paid more than 10 days late`
        : `the last invoices were paid on average ${(facts.recentDaysLate ?? 0).toFixed(1)} days late`;
    case 'open_overdue_invoices':
    case 'oldest_days_past_due':
      if (facts.openOverdue === 0) return 'nothing is overdue';
      return `${facts.openOverdue} invoice${facts.openOverdue === 1 ? ' is' : 's are'} overdue, the oldest by ${facts.oldestDaysPastDue} days`;
    case 'overdue_vs_amount':
      if (facts.overdueMinor === 0) return 'nothing is overdue';
      return `${money(facts.overdueMinor)} is already overdue`;
    case 'recent_soft_declines':
    case 'recent_hard_declines': {
      const advice = classifyDecline(facts.lastDeclineCode);
      const count = facts.recentSoftDeclines + facts.recentHardDeclines;
      if (count === 0) return 'no card declines in the last 90 days';
      return `card declined ${count} time${count === 1 ? '' : 's'} in the last 90 days, last: ${(facts.lastDeclineCode ?? 'no code').replace(/_/g, ' ')} (${advice.retry === 'never' ? 'needs a new card or action, not a retry' : 'a retry may work'})`;
    }
    case 'authorization_revoked':
      return facts.revoked
        ? 'the customer revoked the payment authorisation (churn signal)'
        : 'no revoked payment authorisation';
    case 'open_disputes': {
      const first = facts.openDisputes[0];
      return first === undefined
        ? 'no open disputes'
        : `open dispute on ${first.invoiceId} (${money(first.amountMinor)})${facts.openDisputes.length > 1 ? ` and ${facts.openDisputes.length - 1} more` : ''}`;
    }
    case 'amount_vs_typical':
      return facts.amountRatio === null
        ? 'first invoice in this currency'
        : `invoice is ${facts.amountRatio >= 1 ? `${facts.amountRatio.toFixed(1)}×` : `${Math.round(facts.amountRatio * 100)}% of`} this customer's usual amount`;
    case 'payment_terms_days':
      return facts.termsDays === 0 ? 'due on receipt' : `payment terms of ${facts.termsDays} days`;
    case 'card_autopay':
      return facts.cardAutopay ? 'pays by card automatically' : 'pays by invoice, not card autopay';
    case 'tenure':
      return `customer for ${Math.round(facts.tenureDays / 30)} months`;
    case 'renewal_soon':
      return facts.daysToRenewal === null ? 'no renewal in sight' : `renews in ${facts.daysToRenewal} days`;
    case 'segment_late_rate':
      return `${facts.segment ?? 'unsegmented'} customers pay late ${pct(
        (facts.segment === null ? undefined : model.priors.lateRateBySegment.get(facts.segment)) ??
          model.priors.lateRate,
      )} of the time`;
  }
}

/** Contributions smaller than this (in log-odds) are not worth a sentence. */
const MIN_REASON_WEIGHT = 0.05;

export function scoreInvoice(
  model: RiskModel,
  history: CustomerHistory,
  invoice: Invoice,
  predictionDay: number,
): InvoiceRisk {
  const features = computeInvoiceFeatures(history, invoice, predictionDay, {
    withDisputes: model.withDisputes,
    priors: model.priors,
  });
  const names = model.logistic.featureNames as FeatureName[];
  const scored = scoreLogistic(model.logistic, vector(features.values, names));
  const all = names
    .map((code, j) => ({ code, weight: scored.contributions[j] as number }))
    .filter((entry) => Math.abs(entry.weight) >= MIN_REASON_WEIGHT);
  // Features that share a sentence (overdue count and age, say) become one reason with their summed weight.
  const merged = new Map<string, Reason>();
  for (const entry of all) {
    const text = reasonText(entry.code, features.facts, invoice, model);
    const key = `${entry.weight > 0 ? '+' : '-'}${text}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, { code: entry.code, text, weight: entry.weight });
    else existing.weight += entry.weight;
  }
  const reasons = [...merged.values()].map((reason) => ({
    ...reason,
    weight: Number(reason.weight.toFixed(3)),
  }));
  return {
    probabilityLate: scored.probability,
    reasons: reasons.filter((reason) => reason.weight > 0).sort((a, b) => b.weight - a.weight),
    mitigating: reasons.filter((reason) => reason.weight < 0).sort((a, b) => a.weight - b.weight),
    facts: features.facts,
  };
}

export type AccountRisk = {
  score: number;
  tier: 'low' | 'medium' | 'high';
  probabilityLate: number;
  reasons: Reason[];
  mitigating: Reason[];
};

export function tierOf(probability: number, tiers: RiskTiers = DEFAULT_TIERS): AccountRisk['tier'] {
  return probability >= tiers.high ? 'high' : probability >= tiers.medium ? 'medium' : 'low';
}

/**
 * The account's risk: the probability that its next invoice (its usual amount and terms, issued on
 * asOf) is paid late, from what is known before asOf.
 */
export function accountRisk(
  model: RiskModel,
  history: CustomerHistory,
  asOf: CalendarDate,
  tiers: RiskTiers = DEFAULT_TIERS,
): AccountRisk {
  return accountRiskDetail(model, history, asOf, tiers).risk;
}

/** The account's risk and the facts behind it (revoked authorisation, lateness, declines). */
export function accountRiskDetail(
  model: RiskModel,
  history: CustomerHistory,
  asOf: CalendarDate,
  tiers: RiskTiers = DEFAULT_TIERS,
): { risk: AccountRisk; facts: FeatureFacts } {
  const day = toDayNumber(asOf);
  const known = history.ledgers.filter((ledger) => ledger.issuedDay < day);
  const last = known.reduce<(typeof known)[number] | undefined>(
    (latest, ledger) => (latest === undefined || ledger.issuedDay >= latest.issuedDay ? ledger : latest),
    undefined,
  );
  const sameCurrency = known.filter(
    (ledger) => last !== undefined && ledger.invoice.currency === last.invoice.currency,
  );
  const amounts = sameCurrency.map((ledger) => ledger.invoice.amountMinor).sort((a, b) => a - b);
  const terms = last === undefined ? 30 : last.dueDay - last.issuedDay;
  const next: Invoice = {
    invoiceId: '(next invoice)',
    customerId: history.facts.customer.customerId,
    currency: last?.invoice.currency ?? ('USD' as Invoice['currency']),
    amountMinor: amounts[Math.floor(amounts.length / 2)] ?? 0,
    issuedOn: asOf,
    dueOn: addDays(asOf, terms),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
  };
  const risk = scoreInvoice(model, history, next, day);
  const reasons = risk.reasons.filter((reason) => reason.code !== 'amount_vs_typical');
  return {
    risk: {
      score: Math.round(risk.probabilityLate * 100),
      tier: tierOf(risk.probabilityLate, tiers),
      probabilityLate: risk.probabilityLate,
      reasons,
      mitigating: risk.mitigating.filter((reason) => reason.code !== 'amount_vs_typical'),
    },
    facts: risk.facts,
  };
}

/** A model as plain JSON (for storage): the segment map becomes an object. */
export type StoredRiskModel = Omit<RiskModel, 'priors'> & {
  priors: { lateRate: number; meanDaysLate: number; lateRateBySegment: Record<string, number> };
};

export function toStoredRiskModel(model: RiskModel): StoredRiskModel {
  return {
    ...model,
    priors: { ...model.priors, lateRateBySegment: Object.fromEntries(model.priors.lateRateBySegment) },
  };
}

export function fromStoredRiskModel(stored: StoredRiskModel): RiskModel {
  return {
    ...stored,
    priors: { ...stored.priors, lateRateBySegment: new Map(Object.entries(stored.priors.lateRateBySegment)) },
  };
}
