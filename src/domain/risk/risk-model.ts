import { addDays, toDayNumber, type CalendarDate } from '../dates';
import { settledInFullDay } from '../invoice-ledger';
import { classifyDecline } from '../decline-classes';
import type { Invoice } from '../model';
import { formatMoney } from '../money';
import { shortDate, type PromiseAmount } from '../promises';
import {
  computeInvoiceFeatures,
  FEATURE_NAMES,
  lateOutcome,
  seriouslyLateOutcome,
  termsDaysOf,
  type CustomerHistory,
  type FeatureFacts,
  type FeatureName,
  type RiskPriors,
  type TermsSource,
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
  'broken_promises',
]);

/** Probabilities of being seriously late at or above which an account is medium and high risk. */
export type RiskTiers = { medium: number; high: number };
export const DEFAULT_TIERS: RiskTiers = { medium: 0.1, high: 0.3 };

/** One fitted logistic model of one outcome. */
export type RiskHead = {
  logistic: LogisticModel;
  /** Features left out of the fit (a monotone feature that wanted a negative weight, or disputes when off). */
  dropped: FeatureName[];
  trainingSize: number;
  /** Share of the training rows with the outcome. */
  trainingRate: number;
};

/**
 * Two outcomes from the same features: `logistic` is the probability that an invoice is paid late at
 * all (payment terms advice), `seriouslyLate` the probability that it is still unpaid
 * SERIOUSLY_LATE_DAYS days after its due date (the risk score). Both are fitted on the tenant's own
 * history.
 */
export type RiskModel = {
  logistic: LogisticModel;
  dropped: FeatureName[];
  priors: RiskPriors;
  withDisputes: boolean;
  /** Fitted on outcomes known before this day. */
  fittedBefore: CalendarDate;
  trainingSize: number;
  trainingLateRate: number;
  /** Absent in models stored before this outcome existed: the score then falls back to lateness. */
  seriouslyLate?: RiskHead;
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
        const paid = settledInFullDay(ledger, day - 1) ?? day - 1;
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

type TrainingRow = {
  values: Record<FeatureName, number>;
  late: 0 | 1;
  seriouslyLate: 0 | 1 | undefined;
};

/**
 * Fits one outcome with monotone features kept monotone: while a monotone feature gets a negative
 * weight, the most negative one is left out and the rest refitted (one at a time, since correlated
 * features often turn positive once their twin is gone).
 */
function fitHead(
  rows: readonly { values: Record<FeatureName, number>; y: 0 | 1 }[],
  initiallyDropped: readonly FeatureName[],
  lambda: number,
): RiskHead {
  const dropped = [...initiallyDropped];
  let previous: LogisticModel | undefined;
  for (;;) {
    const names = FEATURE_NAMES.filter((name) => !dropped.includes(name));
    const samples: Sample[] = rows.map((row) => ({ x: vector(row.values, names), y: row.y }));
    const logistic = fitLogistic(samples, names, { lambda, start: previous });
    previous = logistic;
    let worst: { name: FeatureName; weight: number } | null = null;
    for (const [j, name] of names.entries()) {
      const weight = logistic.weights[j] as number;
      if (MONOTONE.has(name) && weight < 0 && (worst === null || weight < worst.weight))
        worst = { name, weight };
    }
    if (worst === null) {
      const positives = rows.filter((row) => row.y === 1).length;
      return {
        logistic,
        dropped,
        trainingSize: rows.length,
        trainingRate: rows.length === 0 ? 0 : positives / rows.length,
      };
    }
    dropped.push(worst.name);
  }
}

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
  const rows: TrainingRow[] = [];
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
        const serious = seriouslyLateOutcome(ledger, day - 1);
        rows.push({
          values: features.values,
          late: outcome ? 1 : 0,
          seriouslyLate: serious === undefined ? undefined : serious ? 1 : 0,
        });
      }
    },
    fit() {
      const lambda = options.lambda ?? 1;
      const initiallyDropped: FeatureName[] = withDisputes ? [] : ['open_disputes'];
      const late = fitHead(
        rows.map((row) => ({ values: row.values, y: row.late })),
        initiallyDropped,
        lambda,
      );
      const seriousRows: { values: Record<FeatureName, number>; y: 0 | 1 }[] = [];
      for (const row of rows)
        if (row.seriouslyLate !== undefined) seriousRows.push({ values: row.values, y: row.seriouslyLate });
      return {
        logistic: late.logistic,
        dropped: late.dropped,
        priors,
        withDisputes,
        fittedBefore: before,
        trainingSize: rows.length,
        trainingLateRate: rows.length === 0 ? priors.lateRate : late.trainingRate,
        seriouslyLate: fitHead(seriousRows, initiallyDropped, lambda),
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
  /** Probability that the invoice is paid after its due date (or not at all). */
  probabilityLate: number;
  /** Probability that it is still unpaid SERIOUSLY_LATE_DAYS days after its due date. */
  probabilitySeriouslyLate: number;
  /** Why the seriously-late probability is what it is (the late one for a model without that outcome). */
  reasons: Reason[];
  mitigating: Reason[];
  facts: FeatureFacts;
};

const pct = (value: number): string => `${Math.round(value * 100)}%`;
const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);
const codeText = (code: string | null) => (code ?? 'no code').replace(/_/g, ' ');

function segmentRate(facts: FeatureFacts, model: RiskModel): number {
  return (
    (facts.segment === null ? undefined : model.priors.lateRateBySegment.get(facts.segment)) ??
    model.priors.lateRate
  );
}

function historyText(code: FeatureName, facts: FeatureFacts, model: RiskModel): string {
  if (facts.resolved === 0) {
    return code === 'prior_late_share'
      ? `no paid invoices yet: ${facts.segment ?? 'similar'} customers pay late ${pct(segmentRate(facts, model))} of the time`
      : 'no paid invoices yet';
  }
  if (code === 'history_size')
    return `${facts.resolved} paid invoice${plural(facts.resolved, '', 's')} on record`;
  if (code === 'mean_days_late')
    return `paid invoices were paid on average ${(facts.meanDaysLate ?? 0).toFixed(1)} days late`;
  if (code === 'recent_days_late') {
    return facts.lateOver10InLast6 > 0
      ? `${facts.lateOver10InLast6} of the last ${facts.lastSixResolved} paid invoices ${plural(facts.lateOver10InLast6, 'was', 'were')} paid more than 10 days late`
      : facts.resolved === 1
        ? `the one paid invoice was paid ${(facts.recentDaysLate ?? 0).toFixed(1)} days late`
        : `the last ${Math.min(3, facts.resolved)} paid invoices were paid on average ${(facts.recentDaysLate ?? 0).toFixed(1)} days late`;
  }
  return `${facts.late} of ${facts.resolved} paid invoices ${plural(facts.late, 'was', 'were')} paid late`;
}

function declineText(code: FeatureName, facts: FeatureFacts): string {
  const hard = code === 'recent_hard_declines';
  const count = hard ? facts.recentHardDeclines : facts.recentSoftDeclines;
  const kind = hard ? 'hard' : 'soft';
  if (count === 0) return `no ${kind} card declines in the last 90 days`;
  const last = hard ? facts.lastHardDeclineCode : facts.lastSoftDeclineCode;
  const advice = classifyDecline(last);
  return `${count} ${kind} card decline${plural(count, '', 's')} in the last 90 days, last: ${codeText(last)} (${advice.retry === 'never' ? 'needs a new card or action, not a retry' : 'a retry may work'})`;
}

function termsText(facts: FeatureFacts): string {
  switch (facts.termsSource) {
    case 'default':
      return `no payment terms on record (${facts.termsDays} days assumed)`;
    case 'last_invoice':
      return facts.termsDays === 0
        ? 'the last invoice was due on receipt'
        : `the last invoice was due ${facts.termsDays} days after issue`;
    default:
      return facts.termsDays === 0 ? 'due on receipt' : `payment terms of ${facts.termsDays} days`;
  }
}

const moneyList = (amounts: readonly PromiseAmount[]) =>
  amounts.map((amount) => formatMoney(amount.amountMinor, amount.currency)).join(' + ');

/**
 * "1 promise to pay broken in the last 12 months (USD 12,000.00 due Nov 15)"; with several, the latest
 * is the one told, and a partly kept one says what came in by its deadline.
 */
function promiseText(facts: FeatureFacts): string {
  const { broken, partlyKept } = facts.promises;
  if (broken.length === 0 && partlyKept.length === 0) return 'no promise to pay broken in the last 12 months';
  const promises = (count: number) => `${count} ${plural(count, 'promise', 'promises')} to pay`;
  const counts =
    broken.length === 0
      ? `${promises(partlyKept.length)} only partly kept`
      : partlyKept.length === 0
        ? `${promises(broken.length)} broken`
        : `${promises(broken.length)} broken and ${partlyKept.length} only partly kept`;
  const all = [...broken, ...partlyKept];
  const latest = all.reduce((a, b) => (b.promisedOn > a.promisedOn ? b : a));
  const received = latest.received.filter((amount) => amount.amountMinor > 0);
  const detail =
    `${moneyList(latest.amounts)} due ${shortDate(latest.promisedOn)}` +
    (received.length > 0 ? `, ${moneyList(received)} received` : '');
  return `${counts} in the last 12 months (${all.length > 1 ? 'the latest: ' : ''}${detail})`;
}

/** A sentence that is true of the facts behind a feature (each case reads only `facts`). */
function reasonText(code: FeatureName, facts: FeatureFacts, invoice: Invoice, model: RiskModel): string {
  const money = (minor: number) => formatMoney(minor, invoice.currency);
  switch (code) {
    case 'prior_late_share':
    case 'history_size':
    case 'mean_days_late':
    case 'recent_days_late':
      return historyText(code, facts, model);
    case 'open_overdue_invoices':
    case 'oldest_days_past_due':
      if (facts.openOverdue === 0) return 'nothing is overdue';
      return `${facts.openOverdue} ${plural(facts.openOverdue, 'invoice is', 'invoices are')} overdue, the oldest by ${facts.oldestDaysPastDue} ${plural(facts.oldestDaysPastDue, 'day', 'days')}`;
    case 'overdue_vs_amount':
      if (facts.openOverdue === 0) return 'nothing is overdue';
      return facts.overdueMinor === 0
        ? `nothing is overdue in ${invoice.currency}`
        : `${money(facts.overdueMinor)} is overdue`;
    case 'recent_soft_declines':
    case 'recent_hard_declines':
      return declineText(code, facts);
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
      return termsText(facts);
    case 'card_autopay':
      return facts.cardAutopay ? 'pays by card automatically' : 'pays by invoice, not card autopay';
    case 'tenure':
      return `customer for ${Math.round(facts.tenureDays / 30)} months`;
    case 'renewal_soon':
      return facts.daysToRenewal === null ? 'no renewal in sight' : `renews in ${facts.daysToRenewal} days`;
    case 'segment_late_rate':
      return `${facts.segment ?? 'unsegmented'} customers pay late ${pct(segmentRate(facts, model))} of the time`;
    case 'broken_promises':
      return promiseText(facts);
  }
}

/** Contributions smaller than this (in log-odds) are not worth a sentence. */
const MIN_REASON_WEIGHT = 0.05;

function explain(
  model: RiskModel,
  logistic: LogisticModel,
  contributions: readonly number[],
  facts: FeatureFacts,
  invoice: Invoice,
): { reasons: Reason[]; mitigating: Reason[] } {
  const names = logistic.featureNames as FeatureName[];
  // Features that share a sentence (overdue count and age, say) become one reason with their summed weight.
  const merged = new Map<string, Reason>();
  names.forEach((code, j) => {
    const weight = contributions[j] as number;
    if (Math.abs(weight) < MIN_REASON_WEIGHT) return;
    const text = reasonText(code, facts, invoice, model);
    const key = `${weight > 0 ? '+' : '-'}${text}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, { code, text, weight });
    else existing.weight += weight;
  });
  const reasons = [...merged.values()].map((reason) => ({
    ...reason,
    weight: Number(reason.weight.toFixed(3)),
  }));
  return {
    reasons: reasons.filter((reason) => reason.weight > 0).sort((a, b) => b.weight - a.weight),
    mitigating: reasons.filter((reason) => reason.weight < 0).sort((a, b) => a.weight - b.weight),
  };
}

export function scoreInvoice(
  model: RiskModel,
  history: CustomerHistory,
  invoice: Invoice,
  predictionDay: number,
  termsSource: TermsSource = 'invoice',
): InvoiceRisk {
  const features = computeInvoiceFeatures(history, invoice, predictionDay, {
    withDisputes: model.withDisputes,
    priors: model.priors,
    termsSource,
  });
  const late = scoreLogistic(
    model.logistic,
    vector(features.values, model.logistic.featureNames as FeatureName[]),
  );
  const seriousModel = model.seriouslyLate?.logistic ?? model.logistic;
  const serious =
    model.seriouslyLate === undefined
      ? late
      : scoreLogistic(seriousModel, vector(features.values, seriousModel.featureNames as FeatureName[]));
  return {
    probabilityLate: late.probability,
    probabilitySeriouslyLate: serious.probability,
    ...explain(model, seriousModel, serious.contributions, features.facts, invoice),
    facts: features.facts,
  };
}

export type AccountRisk = {
  /** 0–100: probabilitySeriouslyLate in percent. */
  score: number;
  tier: 'low' | 'medium' | 'high';
  probabilityLate: number;
  /** Probability that the next invoice is still unpaid SERIOUSLY_LATE_DAYS days after its due date. */
  probabilitySeriouslyLate: number;
  reasons: Reason[];
  mitigating: Reason[];
};

export function tierOf(probability: number, tiers: RiskTiers = DEFAULT_TIERS): AccountRisk['tier'] {
  return probability >= tiers.high ? 'high' : probability >= tiers.medium ? 'medium' : 'low';
}

/**
 * The account's risk: the probabilities that its next invoice (its usual amount, on the customer's
 * payment terms) is paid late and is lost, from everything known on asOf (the facts the account
 * status shows for that day, so the reasons' day counts agree with it).
 */
export function accountRisk(
  model: RiskModel,
  history: CustomerHistory,
  asOf: CalendarDate,
  tiers: RiskTiers = DEFAULT_TIERS,
): AccountRisk {
  return accountRiskDetail(model, history, asOf, tiers).risk;
}

/** The account's next invoice: usual amount in the latest currency, on the customer's terms. */
function nextInvoice(
  history: CustomerHistory,
  asOf: CalendarDate,
): { invoice: Invoice; termsSource: TermsSource } {
  const day = toDayNumber(asOf);
  const known = history.ledgers.filter((ledger) => ledger.issuedDay <= day);
  const last = known.reduce<(typeof known)[number] | undefined>(
    (latest, ledger) => (latest === undefined || ledger.issuedDay >= latest.issuedDay ? ledger : latest),
    undefined,
  );
  const amounts = known
    .filter((ledger) => last !== undefined && ledger.invoice.currency === last.invoice.currency)
    .map((ledger) => ledger.invoice.amountMinor)
    .sort((a, b) => a - b);
  const customerTerms = termsDaysOf(history.facts.customer.paymentTerms);
  const [terms, termsSource]: [number, TermsSource] =
    customerTerms !== null
      ? [customerTerms, 'customer']
      : last !== undefined
        ? [last.dueDay - last.issuedDay, 'last_invoice']
        : [30, 'default'];
  const issuedOn = addDays(asOf, 1);
  return {
    invoice: {
      invoiceId: '(next invoice)',
      customerId: history.facts.customer.customerId,
      currency: last?.invoice.currency ?? ('USD' as Invoice['currency']),
      amountMinor: amounts[Math.floor(amounts.length / 2)] ?? 0,
      issuedOn,
      dueOn: addDays(issuedOn, terms),
      paidOn: null,
      voidedOn: null,
      subscriptionId: null,
    },
    termsSource,
  };
}

/** The account's risk and the facts behind it (revoked authorisation, lateness, declines). */
export function accountRiskDetail(
  model: RiskModel,
  history: CustomerHistory,
  asOf: CalendarDate,
  tiers: RiskTiers = DEFAULT_TIERS,
): { risk: AccountRisk; facts: FeatureFacts } {
  const { invoice, termsSource } = nextInvoice(history, asOf);
  // Issued the day after asOf, so everything dated on asOf is known, as in the account status.
  const risk = scoreInvoice(model, history, invoice, toDayNumber(asOf) + 1, termsSource);
  return {
    risk: {
      score: Math.round(risk.probabilitySeriouslyLate * 100),
      tier: tierOf(risk.probabilitySeriouslyLate, tiers),
      probabilityLate: risk.probabilityLate,
      probabilitySeriouslyLate: risk.probabilitySeriouslyLate,
      reasons: risk.reasons.filter((reason) => reason.code !== 'amount_vs_typical'),
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
