import { formatMoney, type CurrencyCode } from '../money';
import {
  cohortLabel,
  cohortSample,
  findCohort,
  quantile,
  type PayCycleCohort,
  type PayDaysSample,
  type TermEvidence,
} from './evidence';
import {
  netDaysCap,
  requirementReason,
  oddsRatio,
  termsRiskTier,
  resolvePolicy,
  securesPayment,
  type Guardrails,
  type RiskTier,
  type TermOption,
} from './guardrails';

/**
 * The quote-stage payment-term recommender. How each option is scored: a buyer pays an invoice by
 * transfer when its payables cycle is done, or on the due date if that comes later, so cash arrives
 * max(net days, cycle) days after the invoice. The cycle is a weighted sample of days-to-pay from the
 * buyer's own transfer-paid invoices and from companies like it (segment × size). Card autopay is
 * charged on the due date and is late only when the charge fails (the portfolio's autopay record).
 *
 * How the recommendation is chosen, so that guardrails always win and a riskier buyer never gets
 * longer terms than a safer one:
 *  1. the policy (first matching one, else the defaults) gives the options offered and the net-day
 *     maximum; the buyer's risk tier can only lower that cap;
 *  2. the fit target is the net days within which (1 − acceptableLateShare) of similar companies pay;
 *     it depends on the buyer's firmographics only, never on its own risk;
 *  3. among the options under the cap, the shortest that fits (net days ≥ target, or card autopay);
 *     when none fits, the longest; with too little evidence, the policy default;
 *  4. when upfront or autopay is required (risk, revoked authorisation), the same choice among the
 *     upfront and autopay options no longer than step 3's.
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

export type Buyer = {
  kind: 'customer' | 'prospect';
  customerId: string | null;
  name: string | null;
  segment: string | null;
  employees: number | null;
  fundingStage: string | null;
  country: string | null;
  /**
   * The model's probability that the buyer's next invoice is paid late, that of a company with the same
   * firmographics and no history (the peer), and the account's own tier as the account view shows it.
   */
  risk: {
    probabilityLate: number;
    peerProbabilityLate: number;
    score: number;
    tier: RiskTier;
    reasons: string[];
  };
  authorizationRevoked: boolean;
  history: {
    /** Invoices whose payment outcome is known. */
    resolvedInvoices: number;
    lateInvoices: number;
    meanDaysLate: number | null;
    /** Days from issue to payment of its most recent transfer-paid invoices. */
    payDays: number[];
    usualNetDays: number | null;
  };
};

export type OptionEstimate = {
  invoices: number;
  contractAmountMinor: number;
  discountMinor: number;
  expectedDaysToCash: number;
  expectedDaysFromSigningToCash: number;
  probabilityLate: number;
  expectedDaysLate: number;
  expectedOutstandingPast30Minor: number;
  expectedOutstandingPast60Minor: number;
};

export type ScoredOption = TermOption & {
  rank: number;
  recommended: boolean;
  allowed: boolean;
  blockedBy: string[];
  estimate: OptionEstimate;
  summary: string;
};

export type TermsRecommendation = {
  buyer: Omit<Buyer, 'history'> & {
    history: Omit<Buyer['history'], 'payDays'> & { transferInvoices: number };
  };
  deal: Deal;
  policy: {
    id: string;
    maxNetDays: number;
    netDaysCap: number;
    riskTier: RiskTier;
    relativeRisk: number;
    requiresUpfrontOrAutopay: string | null;
  };
  evidence: {
    cohort: string | null;
    cohortCustomers: number;
    medianPayDays: number | null;
    fitNetDays: number | null;
    usedDefault: boolean;
    asOf: string;
  };
  recommended: string | null;
  explanation: string;
  notes: string[];
  options: ScoredOption[];
  estimates: string;
};

/** Weight of the portfolio evidence against the buyer's own invoices (each weighs 1). */
const COHORT_WEIGHT = 3;
const DAYS_PER_MONTH = 30.4375;
const PERIOD_MONTHS: Readonly<Record<Exclude<DealBilling, 'upfront'>, number>> = {
  annual: 12,
  quarterly: 3,
  monthly: 1,
};

const round = (value: number, digits: number) => Number(value.toFixed(digits));

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

export function estimateOption(
  option: TermOption,
  deal: Deal,
  sample: PayDaysSample,
  autopay: TermEvidence['autopay'],
  discountPercent: number,
): OptionEstimate {
  const schedule = invoiceSchedule(option, deal, discountPercent);
  const n = option.netDays;
  let pLate: number;
  let daysLate: number;
  let past30: number;
  let past60: number;
  if (option.autopay) {
    // A failed charge is retried and dunned; the portfolio says how late such invoices end up.
    pLate = autopay.invoices === 0 ? 0 : autopay.late / autopay.invoices;
    const mean = Math.max(1, autopay.daysLateWhenLate);
    daysLate = pLate * mean;
    past30 = pLate * Math.exp(-30 / mean);
    past60 = pLate * Math.exp(-60 / mean);
  } else {
    // Without any evidence the buyer is assumed to pay on the due date.
    const effective = sample.length === 0 ? [{ days: n, weight: 1 }] : sample;
    pLate = expectation(effective, (days) => (days > n ? 1 : 0));
    daysLate = expectation(effective, (days) => Math.max(0, days - n));
    past30 = expectation(effective, (days) => (days > n + 30 ? 1 : 0));
    past60 = expectation(effective, (days) => (days > n + 60 ? 1 : 0));
  }
  const daysToCash = n + daysLate;
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
    probabilityLate: round(pLate, 3),
    expectedDaysLate: round(daysLate, 1),
    expectedOutstandingPast30Minor: Math.round(total * past30),
    expectedOutstandingPast60Minor: Math.round(total * past60),
  };
}

/** Step 3's choice among `candidates` (see the module comment). */
function choose(
  candidates: readonly TermOption[],
  fitNetDays: number,
  prefer: (a: TermOption, b: TermOption) => number,
): TermOption | undefined {
  const fits = candidates.filter((option) => option.autopay || option.netDays >= fitNetDays);
  const pool = fits.length > 0 ? fits : candidates;
  const target =
    fits.length > 0
      ? Math.min(...pool.map((option) => option.netDays))
      : Math.max(...pool.map((option) => option.netDays));
  return pool.filter((option) => option.netDays === target).sort(prefer)[0];
}

function describeBuyer(buyer: Buyer): string {
  const size = buyer.employees === null ? '' : `${buyer.employees.toLocaleString('en-US')}-person `;
  const segment = buyer.segment === null ? '' : `${buyer.segment.replace(/_/g, '-')} `;
  const funding = buyer.fundingStage === null ? '' : ` (${buyer.fundingStage.replace(/_/g, ' ')})`;
  const country = buyer.country === null ? '' : ` in ${buyer.country}`;
  return `a ${size}${segment}company${country}${funding}`;
}

function describeHistory(buyer: Buyer): string {
  const { history } = buyer;
  if (buyer.kind === 'prospect') return 'no payment history (prospect)';
  if (history.resolvedInvoices === 0) return 'no paid invoices yet';
  if (history.lateInvoices === 0) return `all ${history.resolvedInvoices} of its invoices were paid on time`;
  return `its invoices were paid on average ${(history.meanDaysLate ?? 0).toFixed(1)} days late (${history.lateInvoices} of ${history.resolvedInvoices} late)`;
}

function describeRisk(buyer: Buyer, relativeRisk: number, tier: RiskTier): string {
  if (buyer.kind === 'prospect')
    return `similar companies pay ${Math.round(buyer.risk.peerProbabilityLate * 100)}% of invoices late on their usual terms`;
  return `risk score ${buyer.risk.score}, odds of paying late ${relativeRisk.toFixed(1)}× those of similar companies (${tier} risk for terms)`;
}

const dayCount = (days: number) => `${Math.round(days)} day${Math.round(days) === 1 ? '' : 's'}`;

function optionSummary(option: TermOption, estimate: OptionEstimate, currency: CurrencyCode): string {
  const parts = [
    `cash in ~${dayCount(estimate.expectedDaysToCash)} per invoice`,
    `${Math.round(estimate.probabilityLate * 100)}% chance an invoice is late`,
  ];
  if (estimate.invoices > 1) parts.push(`${estimate.invoices} invoices`);
  if (estimate.discountMinor > 0)
    parts.push(`${formatMoney(estimate.discountMinor, currency)} upfront discount`);
  return `${option.label}: ${parts.join(', ')}`;
}

export function recommendTerms(
  guardrails: Guardrails,
  evidence: TermEvidence,
  buyer: Buyer,
  deal: Deal,
): TermsRecommendation {
  const policy = resolvePolicy(guardrails, {
    segment: buyer.segment,
    employees: buyer.employees,
    fundingStage: buyer.fundingStage,
    country: buyer.country,
    currency: deal.currency,
    amountMinor: deal.amountMinor,
  });
  const byId = new Map(guardrails.options.map((option) => [option.id, option]));
  const offered = policy.allowed.flatMap((id) => byId.get(id) ?? []);
  const relativeRisk = round(oddsRatio(buyer.risk.probabilityLate, buyer.risk.peerProbabilityLate), 3);
  const tier = termsRiskTier(policy, relativeRisk);
  const cap = netDaysCap(policy, tier);
  const required = requirementReason(policy, {
    riskTier: tier,
    relativeRisk,
    authorizationRevoked: buyer.authorizationRevoked,
  });

  // Evidence: the cohort decides the fit; the buyer's own invoices refine the estimates.
  const cohort: PayCycleCohort | undefined = findCohort(
    evidence,
    buyer.segment,
    buyer.employees,
    policy.minEvidence,
  );
  const cohortDays = cohort === undefined ? [] : cohortSample(cohort, 1);
  const enough = cohort !== undefined && cohort.customers >= policy.minEvidence;
  const fitPayDays = enough ? quantile(cohortDays, 1 - policy.acceptableLateShare) : undefined;
  const medianPayDays = cohort === undefined ? undefined : quantile(cohortDays, 0.5);
  const sample: PayDaysSample = [
    ...buyer.history.payDays.map((days) => ({ days, weight: 1 })),
    ...(cohort === undefined ? [] : cohortSample(cohort, COHORT_WEIGHT)),
  ];
  const estimates = new Map(
    guardrails.options.map((option) => [
      option.id,
      estimateOption(option, deal, sample, evidence.autopay, policy.upfrontDiscountPercent),
    ]),
  );
  const estimateOf = (option: TermOption) => estimates.get(option.id) as OptionEstimate;
  const prefer = (a: TermOption, b: TermOption) =>
    Number(b.billing === deal.billing) - Number(a.billing === deal.billing) ||
    estimateOf(a).expectedDaysFromSigningToCash - estimateOf(b).expectedDaysFromSigningToCash ||
    a.id.localeCompare(b.id);

  const underCap = offered.filter((option) => option.netDays <= cap);
  const fallback = byId.get(policy.default);
  const usedDefault = fitPayDays === undefined && fallback !== undefined && underCap.includes(fallback);
  const base = usedDefault ? fallback : choose(underCap, fitPayDays ?? 0, prefer);
  const finalPool =
    required === null || base === undefined
      ? underCap
      : underCap.filter((option) => securesPayment(option) && option.netDays <= base.netDays);
  const chosen = required === null ? base : choose(finalPool, fitPayDays ?? 0, prefer);

  const blockedBy = (option: TermOption): string[] => {
    const reasons: string[] = [];
    if (!policy.allowed.includes(option.id)) reasons.push(`not offered under policy "${policy.policyId}"`);
    if (option.netDays > policy.maxNetDays)
      reasons.push(`${option.netDays} net days is over the policy maximum of ${policy.maxNetDays}`);
    else if (option.netDays > cap)
      reasons.push(`${option.netDays} net days is over the cap of ${cap} for ${tier} risk`);
    if (required !== null && !securesPayment(option))
      reasons.push(`upfront or card autopay is required (${required})`);
    else if (required !== null && base !== undefined && option.netDays > base.netDays)
      reasons.push(`longer than the ${base.netDays} net days this buyer would get without the requirement`);
    return reasons;
  };

  const scored = guardrails.options.map((option) => {
    const reasons = blockedBy(option);
    return {
      ...option,
      rank: 0,
      recommended: chosen !== undefined && option.id === chosen.id,
      allowed: reasons.length === 0,
      blockedBy: reasons,
      estimate: estimateOf(option),
      summary: optionSummary(option, estimateOf(option), deal.currency),
    };
  });
  const anchor = chosen?.netDays ?? 0;
  scored.sort(
    (a, b) =>
      Number(b.recommended) - Number(a.recommended) ||
      Number(b.allowed) - Number(a.allowed) ||
      Math.abs(a.netDays - anchor) - Math.abs(b.netDays - anchor) ||
      a.estimate.expectedDaysFromSigningToCash - b.estimate.expectedDaysFromSigningToCash ||
      a.id.localeCompare(b.id),
  );
  scored.forEach((option, index) => (option.rank = index + 1));

  const notes: string[] = [];
  if (policy.policyId !== 'defaults') notes.push(`Policy "${policy.policyId}" applies.`);
  if (cap < policy.maxNetDays) notes.push(`Net days are capped at ${cap} for ${tier} risk.`);
  if (required !== null) notes.push(`Upfront or card autopay is required because of ${required}.`);
  if (usedDefault)
    notes.push(
      `Too little evidence about companies like it (${cohort?.customers ?? 0} customers, ${policy.minEvidence} needed): the policy default applies.`,
    );
  const upfront = scored.find(
    (option) => option.allowed && option.estimate.discountMinor > 0 && !option.recommended,
  );
  if (upfront !== undefined)
    notes.push(
      `If the buyer can pay upfront: ${upfront.label} with ${formatMoney(upfront.estimate.discountMinor, deal.currency)} off (${policy.upfrontDiscountPercent}%).`,
    );

  let explanation: string;
  if (chosen === undefined) {
    explanation = `No term option is allowed for ${describeBuyer(buyer)} under policy "${policy.policyId}": ask finance.`;
  } else {
    const estimate = estimateOf(chosen);
    const why = [
      `${chosen.label} ${
        required !== null
          ? 'is required for'
          : usedDefault
            ? 'is the policy default for'
            : !chosen.autopay && fitPayDays !== undefined && chosen.netDays < fitPayDays
              ? 'is the longest term allowed for'
              : 'fits'
      } ${describeBuyer(buyer)}`,
      cohort !== undefined && medianPayDays !== undefined
        ? `whose procurement takes about ${medianPayDays} days (median of ${cohort.customers} ${cohortLabel(cohort)}${fitPayDays === undefined ? '' : `; ${Math.round((1 - policy.acceptableLateShare) * 100)}% pay within ${fitPayDays} days`})`
        : 'with no payment evidence for similar companies yet',
    ].join(' ');
    explanation =
      `${why}; ${describeHistory(buyer)}; ${describeRisk(buyer, relativeRisk, tier)}. ` +
      `Expected cash ${dayCount(estimate.expectedDaysToCash)} after each invoice, ` +
      `${Math.round(estimate.probabilityLate * 100)}% chance an invoice is paid late.`;
  }

  const { payDays, ...history } = buyer.history;
  return {
    buyer: { ...buyer, history: { ...history, transferInvoices: payDays.length } },
    deal,
    policy: {
      id: policy.policyId,
      maxNetDays: policy.maxNetDays,
      netDaysCap: cap,
      riskTier: tier,
      relativeRisk,
      requiresUpfrontOrAutopay: required,
    },
    evidence: {
      cohort: cohort === undefined ? null : cohortLabel(cohort),
      cohortCustomers: cohort?.customers ?? 0,
      medianPayDays: medianPayDays ?? null,
      fitNetDays: fitPayDays ?? null,
      usedDefault,
      asOf: evidence.asOf,
    },
    recommended: chosen?.id ?? null,
    explanation,
    notes,
    options: scored,
    estimates:
      "Days to cash, late probability and amounts past due are model estimates: payables cycles from the buyer's own and similar companies' transfer-paid invoices, card failures from the portfolio. Guardrails and the risk tier decide what may be offered.",
  };
}
