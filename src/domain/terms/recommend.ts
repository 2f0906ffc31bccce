import { formatMoney, type CurrencyCode } from '../money';
import {
  cohortLabel,
  cohortSample,
  findCohort,
  quantile,
  type PayCycleCohort,
  type TermEvidence,
} from './evidence';
import {
  describeOddsRatio,
  netDaysCap,
  requirementReason,
  oddsRatio,
  termsRiskTier,
  resolvePolicy,
  securesPayment,
  type Guardrails,
  type ResolvedPolicy,
  type RiskTier,
  type TermOption,
} from './guardrails';
import { estimateOption, round, type Deal, type OptionEstimate } from './estimate';
import { PRIOR_INVOICES, type OwnInvoice } from './own-record';

export {
  estimateOption,
  invoiceSchedule,
  type Deal,
  type DealBilling,
  type OptionEstimate,
} from './estimate';

/**
 * The quote-stage payment-term recommender. How each option is scored: see estimate.ts (the buyer's
 * own record replayed under the option, shrunk toward similar companies as much as it is thin).
 *
 * How the recommendation is chosen, so that guardrails always win and a riskier buyer never gets
 * longer terms than a safer one:
 *  1. the policy (first matching one, else the defaults) gives the options offered and the net-day
 *     maximum; the buyer's risk tier can only lower that cap;
 *  2. the fit target is the net days within which (1 − acceptableLateShare) of similar companies pay;
 *     it depends on the buyer's firmographics only, never on its own record (a buyer that pays late
 *     must not earn longer terms by it);
 *  3. among the options under the cap, the shortest that fits (net days ≥ target, or card autopay);
 *     when none fits, the longest; with too little evidence, the policy default;
 *  4. when upfront or autopay is required (risk, revoked authorisation), the same choice among the
 *     upfront and autopay options no longer than step 3's. A buyer that revoked its card
 *     authorisation never gets card autopay: when step 3 chose it, or the policy requires securing
 *     payment, the choice is among the upfront options no longer than step 3's.
 */

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
    /** The buyer's invoices whose outcome is known (see own-record.ts). */
    record: OwnInvoice[];
    usualNetDays: number | null;
  };
};

export type ScoredOption = TermOption & {
  rank: number;
  recommended: boolean;
  allowed: boolean;
  blockedBy: string[];
  estimate: OptionEstimate;
  /** An allowed option ranked higher with exactly the same figures for this deal (shown as one). */
  sameFiguresAs: string | null;
  summary: string;
};

export type BuyerHistorySummary = {
  resolvedInvoices: number;
  lateInvoices: number;
  meanDaysLate: number | null;
  transferInvoices: number;
  usualNetDays: number | null;
};

export type TermsRecommendation = {
  buyer: Omit<Buyer, 'history'> & { history: BuyerHistorySummary };
  deal: Deal;
  policy: {
    id: string;
    maxNetDays: number;
    netDaysCap: number;
    riskTier: RiskTier;
    relativeRisk: number;
    /** The relative risk in bounded words (never "1992.0×"). */
    relativeRiskText: string;
    requiresUpfrontOrAutopay: string | null;
    /** Why card autopay cannot be offered (a revoked card authorisation), or null. */
    cardAutopayUnavailable: string | null;
  };
  evidence: {
    cohort: string | null;
    cohortCustomers: number;
    medianPayDays: number | null;
    fitNetDays: number | null;
    usedDefault: boolean;
    /** How many invoices the similar companies' evidence counts as against the buyer's own. */
    priorInvoices: number;
    asOf: string;
  };
  recommended: string | null;
  explanation: string;
  notes: string[];
  options: ScoredOption[];
  estimates: string;
};

function summarizeHistory(buyer: Buyer): BuyerHistorySummary {
  const { record, usualNetDays } = buyer.history;
  const late = record.filter((entry) => entry.daysLate > 0);
  return {
    resolvedInvoices: record.length,
    lateInvoices: late.length,
    meanDaysLate:
      record.length === 0
        ? null
        : round(record.reduce((sum, entry) => sum + entry.daysLate, 0) / record.length, 1),
    transferInvoices: record.filter((entry) => entry.transferPayDays !== null).length,
    usualNetDays,
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

/** "a" or "an" as the words are spoken: an 11-person, an 8-person, an SMB, an enterprise. */
function article(words: string): string {
  const digits = /^[\d,]+/.exec(words)?.[0].replace(/,/g, '');
  if (digits !== undefined)
    return digits.startsWith('8') || (/^1[18]/.test(digits) && digits.length % 3 === 2) ? 'an' : 'a';
  if (/^[A-Z]{2,}\b/.test(words)) return 'AEFHILMNORSX'.includes(words.charAt(0)) ? 'an' : 'a';
  return /^[aeio]/i.test(words) ? 'an' : 'a';
}

function describeBuyer(buyer: Buyer): string {
  const size = buyer.employees === null ? '' : `${buyer.employees.toLocaleString('en-US')}-person `;
  const segment =
    buyer.segment === null ? '' : `${buyer.segment === 'smb' ? 'SMB' : buyer.segment.replace(/_/g, '-')} `;
  const funding = buyer.fundingStage === null ? '' : ` (${buyer.fundingStage.replace(/_/g, ' ')})`;
  const country = buyer.country === null ? '' : ` in ${buyer.country}`;
  const words = `${size}${segment}company${country}${funding}`;
  return `${article(words)} ${words}`;
}

function describeHistory(buyer: Buyer, history: BuyerHistorySummary): string {
  if (buyer.kind === 'prospect')
    return 'no payment history (prospect): the estimates are those of similar companies';
  const n = history.resolvedInvoices;
  if (n === 0) return 'no invoice with a known outcome yet: the estimates are those of similar companies';
  const onTime = n - history.lateInvoices;
  const weight = Math.round((n / (n + PRIOR_INVOICES)) * 100);
  return `its own record leads: ${onTime} of its ${n} invoice${n === 1 ? '' : 's'} paid on time (its record weighs ${weight}% of each estimate, similar companies the rest)`;
}

function describeRisk(buyer: Buyer, relativeRisk: number, tier: RiskTier): string {
  if (buyer.kind === 'prospect')
    return `similar companies pay ${Math.round(buyer.risk.peerProbabilityLate * 100)}% of invoices late on their usual terms`;
  return `risk score ${buyer.risk.score}, ${describeOddsRatio(relativeRisk)} (${tier} risk for terms)`;
}

const dayCount = (days: number) => `${Math.round(days)} day${Math.round(days) === 1 ? '' : 's'}`;

/** When cash arrives, counted from signing. */
export function describeCashTiming(estimate: OptionEstimate): string {
  if (estimate.invoices === 1) return `cash ~${dayCount(estimate.daysFromSigningToFirstCash)} after signing`;
  return `cash from ~${dayCount(estimate.daysFromSigningToFirstCash)} to ~${dayCount(estimate.daysFromSigningToLastCash)} after signing (${estimate.invoices} invoices, on average ~${dayCount(estimate.expectedDaysFromSigningToCash)})`;
}

function optionSummary(option: TermOption, estimate: OptionEstimate, currency: CurrencyCode): string {
  const parts = [
    describeCashTiming(estimate),
    `${Math.round(estimate.probabilityLate * 100)}% chance an invoice is late`,
  ];
  if (estimate.discountMinor > 0)
    parts.push(`${formatMoney(estimate.discountMinor, currency)} upfront discount`);
  return `${option.label}: ${parts.join(', ')}`;
}

type Choice = {
  policy: ResolvedPolicy;
  relativeRisk: number;
  tier: RiskTier;
  cap: number;
  required: string | null;
  cardUnavailable: string | null;
  /** Step 3's choice (what the buyer would get with no requirement), and the final one. */
  base: TermOption | undefined;
  chosen: TermOption | undefined;
  usedDefault: boolean;
  /** Upfront is asked instead of card autopay, which the buyer cannot use. */
  upfrontInsteadOfCard: boolean;
};

function chooseOption(
  guardrails: Guardrails,
  policy: ResolvedPolicy,
  buyer: Buyer,
  fitPayDays: number | undefined,
  prefer: (a: TermOption, b: TermOption) => number,
): Choice {
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
  const cardUnavailable = buyer.authorizationRevoked ? 'the buyer revoked its card authorisation' : null;
  const underCap = offered.filter((option) => option.netDays <= cap);
  const fallback = byId.get(policy.default);
  const usedDefault = fitPayDays === undefined && fallback !== undefined && underCap.includes(fallback);
  const base = usedDefault ? fallback : choose(underCap, fitPayDays ?? 0, prefer);
  const upfrontInsteadOfCard = cardUnavailable !== null && base?.autopay === true && required === null;
  const secure = required !== null || upfrontInsteadOfCard;
  // Never card autopay for a buyer that revoked its card authorisation: upfront (by transfer) instead.
  const usable = underCap.filter((option) => cardUnavailable === null || !option.autopay);
  const finalPool =
    !secure || base === undefined
      ? usable
      : usable.filter((option) => securesPayment(option) && option.netDays <= base.netDays);
  const chosen = !secure ? base : choose(finalPool, fitPayDays ?? 0, prefer);
  return {
    policy,
    relativeRisk,
    tier,
    cap,
    required,
    cardUnavailable,
    base,
    chosen,
    usedDefault,
    upfrontInsteadOfCard,
  };
}

function blockedBy(option: TermOption, choice: Choice): string[] {
  const { policy, cap, tier, required, base, cardUnavailable } = choice;
  const reasons: string[] = [];
  if (!policy.allowed.includes(option.id)) reasons.push(`not offered under policy "${policy.policyId}"`);
  if (option.netDays > policy.maxNetDays)
    reasons.push(`${option.netDays} net days is over the policy maximum of ${policy.maxNetDays}`);
  else if (option.netDays > cap)
    reasons.push(`${option.netDays} net days is over the cap of ${cap} for ${tier} risk`);
  if (cardUnavailable !== null && option.autopay)
    reasons.push(`card autopay is unavailable: ${cardUnavailable}`);
  const secure = required !== null || choice.upfrontInsteadOfCard;
  if (secure && !securesPayment(option))
    reasons.push(
      required !== null
        ? `${cardUnavailable === null ? 'upfront or card autopay' : 'upfront'} is required (${required})`
        : 'upfront is required instead of card autopay',
    );
  else if (secure && base !== undefined && option.netDays > base.netDays)
    reasons.push(`longer than the ${base.netDays} net days this buyer would get without the requirement`);
  return reasons;
}

/** Allowed options with exactly the figures of one ranked above them are folded into it. */
function markSameFigures(options: ScoredOption[]): void {
  const seen = new Map<string, string>();
  for (const option of options) {
    if (!option.allowed) continue;
    const key = JSON.stringify([option.netDays, option.autopay, option.estimate]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, option.id);
    else option.sameFiguresAs = first;
  }
}

function notesFor(
  choice: Choice,
  cohort: PayCycleCohort | undefined,
  scored: readonly ScoredOption[],
  deal: Deal,
): string[] {
  const { policy, cap, tier, required } = choice;
  const notes: string[] = [];
  if (policy.policyId !== 'defaults') notes.push(`Policy "${policy.policyId}" applies.`);
  if (cap < policy.maxNetDays) notes.push(`Net days are capped at ${cap} for ${tier} risk.`);
  if (choice.cardUnavailable !== null)
    notes.push(
      `Card autopay is unavailable: ${choice.cardUnavailable}. Upfront or payment by transfer (wire) instead.`,
    );
  if (required !== null)
    notes.push(
      `${choice.cardUnavailable === null ? 'Upfront or card autopay' : 'Upfront payment'} is required because of ${required}.`,
    );
  else if (choice.upfrontInsteadOfCard)
    notes.push('Upfront payment is asked instead of the card autopay this buyer would otherwise get.');
  if (choice.usedDefault)
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
  for (const option of scored) {
    if (option.sameFiguresAs === null) continue;
    const same = scored.find((other) => other.id === option.sameFiguresAs);
    notes.push(
      `${option.label} gives the same invoices and cash timing as ${same?.label ?? option.sameFiguresAs} for this deal.`,
    );
  }
  return notes;
}

function explain(
  choice: Choice,
  buyer: Buyer,
  history: BuyerHistorySummary,
  cohort: PayCycleCohort | undefined,
  medianPayDays: number | undefined,
  fitPayDays: number | undefined,
  estimate: OptionEstimate | undefined,
): string {
  const { chosen, policy, required } = choice;
  if (chosen === undefined || estimate === undefined)
    return `No term option is allowed for ${describeBuyer(buyer)} under policy "${policy.policyId}": ask finance.`;
  const verb =
    required !== null || choice.upfrontInsteadOfCard
      ? 'is required for'
      : choice.usedDefault
        ? 'is the policy default for'
        : !chosen.autopay && fitPayDays !== undefined && chosen.netDays < fitPayDays
          ? 'is the longest term allowed for'
          : 'fits';
  const peers =
    cohort !== undefined && medianPayDays !== undefined
      ? `similar companies (${cohortLabel(cohort)}: ${cohort.customers} customers) take a median ${dayCount(medianPayDays)} to pay an invoice by transfer${fitPayDays === undefined ? '' : `, ${Math.round((1 - policy.acceptableLateShare) * 100)}% within ${dayCount(fitPayDays)}`}`
      : 'there is no payment evidence for similar companies yet';
  return (
    `${chosen.label} ${verb} ${describeBuyer(buyer)}: ${peers}; ${describeHistory(buyer, history)}; ` +
    `${describeRisk(buyer, choice.relativeRisk, choice.tier)}. ` +
    `Expected ${describeCashTiming(estimate)}, ${Math.round(estimate.probabilityLate * 100)}% chance an invoice is paid late.`
  );
}

/** Every option with its estimate and what blocks it, the recommended first, then by closeness to it. */
function rankOptions(
  options: readonly TermOption[],
  choice: Choice,
  estimateOf: (option: TermOption) => OptionEstimate,
  currency: CurrencyCode,
): ScoredOption[] {
  const { chosen } = choice;
  const scored: ScoredOption[] = options.map((option) => {
    const reasons = blockedBy(option, choice);
    return {
      ...option,
      rank: 0,
      recommended: chosen !== undefined && option.id === chosen.id,
      allowed: reasons.length === 0,
      blockedBy: reasons,
      estimate: estimateOf(option),
      sameFiguresAs: null,
      summary: optionSummary(option, estimateOf(option), currency),
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
  markSameFigures(scored);
  return scored;
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
  // The cohort decides the fit; the buyer's own record leads the estimates.
  const cohort = findCohort(evidence, buyer.segment, buyer.employees, policy.minEvidence);
  const cohortDays = cohort === undefined ? [] : cohortSample(cohort, 1);
  const enough = cohort !== undefined && cohort.customers >= policy.minEvidence;
  const fitPayDays = enough ? quantile(cohortDays, 1 - policy.acceptableLateShare) : undefined;
  const medianPayDays = cohort === undefined ? undefined : quantile(cohortDays, 0.5);
  const estimates = new Map(
    guardrails.options.map((option) => [
      option.id,
      estimateOption(
        option,
        deal,
        cohortDays,
        evidence.autopay,
        policy.upfrontDiscountPercent,
        buyer.history.record,
      ),
    ]),
  );
  const estimateOf = (option: TermOption) => estimates.get(option.id) as OptionEstimate;
  const prefer = (a: TermOption, b: TermOption) =>
    Number(b.billing === deal.billing) - Number(a.billing === deal.billing) ||
    estimateOf(a).expectedDaysFromSigningToCash - estimateOf(b).expectedDaysFromSigningToCash ||
    a.id.localeCompare(b.id);
  const choice = chooseOption(guardrails, policy, buyer, fitPayDays, prefer);
  const { chosen } = choice;

  const scored = rankOptions(guardrails.options, choice, estimateOf, deal.currency);

  const history = summarizeHistory(buyer);
  const { record: _record, ...buyerHistory } = buyer.history;
  return {
    buyer: { ...buyer, history: { ...history, usualNetDays: buyerHistory.usualNetDays } },
    deal,
    policy: {
      id: policy.policyId,
      maxNetDays: policy.maxNetDays,
      netDaysCap: choice.cap,
      riskTier: choice.tier,
      relativeRisk: choice.relativeRisk,
      relativeRiskText: describeOddsRatio(choice.relativeRisk),
      requiresUpfrontOrAutopay:
        choice.required ?? (choice.upfrontInsteadOfCard ? 'card autopay is unavailable' : null),
      cardAutopayUnavailable: choice.cardUnavailable,
    },
    evidence: {
      cohort: cohort === undefined ? null : cohortLabel(cohort),
      cohortCustomers: cohort?.customers ?? 0,
      medianPayDays: medianPayDays ?? null,
      fitNetDays: fitPayDays ?? null,
      usedDefault: choice.usedDefault,
      priorInvoices: PRIOR_INVOICES,
      asOf: evidence.asOf,
    },
    recommended: chosen?.id ?? null,
    explanation: explain(
      choice,
      buyer,
      history,
      cohort,
      medianPayDays,
      fitPayDays,
      chosen === undefined ? undefined : estimateOf(chosen),
    ),
    notes: notesFor(choice, cohort, scored, deal),
    options: scored,
    estimates: `Days to cash, late probability and amounts past due are model estimates: the buyer's own record (each of its invoices with a known outcome, replayed under the option) shrunk toward similar companies' transfer payments and the portfolio's card failures, which count as ${PRIOR_INVOICES} of its invoices. Guardrails and the risk tier decide what may be offered.`,
  };
}
