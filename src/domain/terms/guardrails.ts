import { z } from 'zod';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../money';
import { formatPath } from '../rules/rule-set';

/**
 * Payment-term guardrails as RevOps writes them (YAML or JSON): the term options the company
 * offers, the defaults, and ordered policies by segment, company size, funding stage, country and
 * deal size. The first policy whose conditions all hold applies; what it leaves out comes from the
 * defaults. Versioned and audited like rule sets.
 */
const optionId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _');
const billing = z.enum(['upfront', 'annual', 'quarterly', 'monthly']);
const tier = z.enum(['low', 'medium', 'high']);
const money = z.record(
  z.string().refine(isCurrencyCode, 'unknown currency code'),
  z.string().regex(/^\d+(\.\d+)?$/, 'an amount in major units, like "100000.00"'),
);
const words = z.array(z.string().min(1)).min(1);

export const termOptionSchema = z
  .object({
    id: optionId,
    label: z.string().min(1).max(80),
    /** upfront: the whole contract on one invoice at signing; otherwise one invoice per period. */
    billing,
    /** Days from each invoice to its due date (0 = due on receipt). */
    netDays: z.number().int().min(0).max(180),
    /** Charged automatically to a card on the due date. */
    autopay: z.boolean().default(false),
  })
  .strict();

const requirementSchema = z
  .object({
    /** Upfront or card autopay is required from this risk tier up (see excessRiskTiers). */
    riskTierAtLeast: tier.optional(),
    /** … or when the buyer's odds of paying late are at least this many times those of similar companies. */
    relativeRiskAtLeast: z.number().min(1).max(1000).optional(),
    /**
     * … or when the customer revoked a card authorisation in the last 180 days. Card autopay is then
     * unavailable to it whatever this says, so this requirement means upfront (paid by transfer).
     */
    authorizationRevoked: z.boolean().optional(),
  })
  .strict();

const settings = {
  /** Option ids that may be offered. */
  allowed: z.array(optionId).min(1),
  /** What to offer when there is too little evidence to fit terms to the buyer. */
  default: optionId,
  maxNetDays: z.number().int().min(0).max(180),
  /** Further caps on net days by risk tier; a higher tier never gets more days than a lower one. */
  maxNetDaysByRiskTier: z
    .object({
      low: z.number().int().min(0).max(180).optional(),
      medium: z.number().int().min(0).max(180).optional(),
      high: z.number().int().min(0).max(180).optional(),
    })
    .strict(),
  /**
   * Risk tiers for terms come from the buyer's relative risk: the model's odds that its next invoice
   * is paid late divided by those of a company with the same firmographics and no history. Lateness
   * that is only a long payables cycle is what fitting the terms fixes, so it does not count against it.
   */
  relativeRiskTiers: z
    .object({ medium: z.number().min(1).max(1000), high: z.number().min(1).max(1000) })
    .strict()
    .refine((value) => value.medium <= value.high, { message: 'medium must not exceed high' }),
  requireUpfrontOrAutopay: requirementSchema,
  /** Percent off the contract for paying it upfront. */
  upfrontDiscountPercent: z.number().min(0).max(50),
  /** Terms fit the buyer when at most this share of similar companies would pay an invoice late. */
  acceptableLateShare: z.number().min(0.01).max(0.9),
  /** Fewer similar companies than this and the default is offered instead of a fitted term. */
  minEvidence: z.number().int().min(1).max(10000),
};

const defaultsSchema = z.object(settings).strict();
const overridesSchema = z.object(settings).partial().strict();

export const policyConditionsSchema = z
  .object({
    segmentIn: words.optional(),
    employeesAtLeast: z.number().int().min(0).optional(),
    employeesBelow: z.number().int().min(1).optional(),
    fundingStageIn: words.optional(),
    countryIn: z.array(z.string().regex(/^[A-Z]{2}$/, 'a two-letter upper-case country code')).optional(),
    /** Deal amount thresholds per currency; a deal in a currency not listed does not match. */
    dealAtLeast: money.optional(),
    dealBelow: money.optional(),
  })
  .strict();

const policySchema = overridesSchema
  .extend({
    id: optionId,
    description: z.string().max(300).optional(),
    when: policyConditionsSchema,
  })
  .strict();

export const guardrailsSchema = z
  .object({
    options: z.array(termOptionSchema).min(1),
    defaults: defaultsSchema,
    policies: z.array(policySchema).default([]),
  })
  .strict()
  .superRefine((value, context) => {
    const issue = (path: (string | number)[], message: string) =>
      context.addIssue({ code: 'custom', path, message });
    const options = new Map<string, TermOption>();
    value.options.forEach((option, index) => {
      if (options.has(option.id)) issue(['options', index, 'id'], `duplicate option id "${option.id}"`);
      options.set(option.id, option);
      if (option.autopay && option.billing === 'upfront' && option.netDays > 0)
        issue(['options', index, 'netDays'], 'card autopay charges on the due date; use 0 net days');
    });
    const policyIds = new Set<string>();
    const check = (at: (string | number)[], merged: PolicySettings) => {
      merged.allowed.forEach((id, index) => {
        if (!options.has(id)) issue([...at, 'allowed', index], `unknown option "${id}"`);
      });
      if (!merged.allowed.includes(merged.default))
        issue([...at, 'default'], `"${merged.default}" is not among the allowed options`);
      const known = merged.allowed.flatMap((id) => options.get(id) ?? []);
      const fallback = options.get(merged.default);
      if (fallback !== undefined && fallback.netDays > merged.maxNetDays)
        issue([...at, 'default'], `"${merged.default}" has ${fallback.netDays} net days, over maxNetDays`);
      // When upfront or autopay can be required, the shortest option offered must be one, so a riskier
      // buyer is never pushed to longer terms than a safer one.
      const requirement = merged.requireUpfrontOrAutopay;
      const canRequire =
        requirement.riskTierAtLeast !== undefined ||
        requirement.relativeRiskAtLeast !== undefined ||
        requirement.authorizationRevoked === true;
      if (canRequire && known.length > 0) {
        const shortest = Math.min(...known.map((option) => option.netDays));
        if (!known.some((option) => option.netDays === shortest && securesPayment(option)))
          issue(
            [...at, 'allowed'],
            'upfront or card autopay can be required, so one of the shortest allowed options must be upfront or card autopay',
          );
        // A buyer who revoked its card authorisation cannot use card autopay: upfront must be there.
        else if (
          requirement.authorizationRevoked === true &&
          !known.some((option) => option.netDays === shortest && option.billing === 'upfront')
        )
          issue(
            [...at, 'allowed'],
            'upfront can be required after a revoked card authorisation (card autopay is then unavailable), so one of the shortest allowed options must be upfront',
          );
      }
    };
    check(['defaults'], value.defaults);
    value.policies.forEach((policy, index) => {
      if (policyIds.has(policy.id)) issue(['policies', index, 'id'], `duplicate policy id "${policy.id}"`);
      policyIds.add(policy.id);
      check(['policies', index], mergePolicy(value.defaults, policy));
      const { when } = policy;
      if (
        when.employeesAtLeast !== undefined &&
        when.employeesBelow !== undefined &&
        when.employeesAtLeast >= when.employeesBelow
      )
        issue(['policies', index, 'when', 'employeesBelow'], 'must be greater than employeesAtLeast');
      for (const key of ['dealAtLeast', 'dealBelow'] as const) {
        for (const [currency, amount] of Object.entries(when[key] ?? {})) {
          const parsed = parseMajorAmount(amount, currency as CurrencyCode);
          if (!parsed.ok) issue(['policies', index, 'when', key, currency], parsed.message);
        }
      }
    });
  });

export type TermOption = z.infer<typeof termOptionSchema>;
export type Guardrails = z.infer<typeof guardrailsSchema>;
export type PolicyConditions = z.infer<typeof policyConditionsSchema>;
export type PolicySettings = z.infer<typeof defaultsSchema>;
export type RiskTier = z.infer<typeof tier>;
export type GuardrailProblem = { path: string; message: string };

/** Upfront payment or a card on file charged automatically: the two ways to secure payment. */
export function securesPayment(option: TermOption): boolean {
  return option.billing === 'upfront' || option.autopay;
}

export function validateGuardrails(
  input: unknown,
): { ok: true; guardrails: Guardrails } | { ok: false; problems: GuardrailProblem[] } {
  const result = guardrailsSchema.safeParse(input);
  if (result.success) return { ok: true, guardrails: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
}

function mergePolicy(
  defaults: PolicySettings,
  policy: Partial<PolicySettings> & { id?: string },
): PolicySettings {
  return {
    allowed: policy.allowed ?? defaults.allowed,
    default: policy.default ?? defaults.default,
    maxNetDays: policy.maxNetDays ?? defaults.maxNetDays,
    maxNetDaysByRiskTier: { ...defaults.maxNetDaysByRiskTier, ...policy.maxNetDaysByRiskTier },
    relativeRiskTiers: policy.relativeRiskTiers ?? defaults.relativeRiskTiers,
    requireUpfrontOrAutopay: policy.requireUpfrontOrAutopay ?? defaults.requireUpfrontOrAutopay,
    upfrontDiscountPercent: policy.upfrontDiscountPercent ?? defaults.upfrontDiscountPercent,
    acceptableLateShare: policy.acceptableLateShare ?? defaults.acceptableLateShare,
    minEvidence: policy.minEvidence ?? defaults.minEvidence,
  };
}

/** What the guardrails need to know about the buyer and the deal to pick a policy. */
export type PolicySubject = {
  segment: string | null;
  employees: number | null;
  fundingStage: string | null;
  country: string | null;
  currency: CurrencyCode;
  amountMinor: number;
};

function amountIn(money: Record<string, string> | undefined, currency: CurrencyCode): number | undefined {
  const text = money?.[currency];
  if (text === undefined) return undefined;
  const parsed = parseMajorAmount(text, currency);
  return parsed.ok ? parsed.minor : undefined;
}

/** Every condition that is set must hold; an unknown attribute never satisfies a condition on it. */
export function policyMatches(when: PolicyConditions, subject: PolicySubject): boolean {
  const lower = (value: string | null) => value?.toLowerCase() ?? null;
  const inList = (list: string[] | undefined, value: string | null) =>
    list === undefined || (value !== null && list.some((entry) => entry.toLowerCase() === lower(value)));
  if (!inList(when.segmentIn, subject.segment)) return false;
  if (!inList(when.fundingStageIn, subject.fundingStage)) return false;
  if (!inList(when.countryIn, subject.country)) return false;
  if (when.employeesAtLeast !== undefined && (subject.employees ?? -1) < when.employeesAtLeast) return false;
  if (
    when.employeesBelow !== undefined &&
    (subject.employees === null || subject.employees >= when.employeesBelow)
  )
    return false;
  if (when.dealAtLeast !== undefined) {
    const threshold = amountIn(when.dealAtLeast, subject.currency);
    if (threshold === undefined || subject.amountMinor < threshold) return false;
  }
  if (when.dealBelow !== undefined) {
    const threshold = amountIn(when.dealBelow, subject.currency);
    if (threshold === undefined || subject.amountMinor >= threshold) return false;
  }
  return true;
}

export type ResolvedPolicy = PolicySettings & { policyId: string; options: TermOption[] };

/** The first matching policy merged over the defaults ('defaults' when none matches). */
export function resolvePolicy(guardrails: Guardrails, subject: PolicySubject): ResolvedPolicy {
  const policy = guardrails.policies.find((candidate) => policyMatches(candidate.when, subject));
  const merged = policy === undefined ? guardrails.defaults : mergePolicy(guardrails.defaults, policy);
  return { ...merged, policyId: policy?.id ?? 'defaults', options: guardrails.options };
}

const TIER_ORDER: readonly RiskTier[] = ['low', 'medium', 'high'];

/** The net-day cap for a tier: the tightest of maxNetDays and the caps of this tier and every lower one. */
export function netDaysCap(policy: PolicySettings, riskTier: RiskTier): number {
  let cap = policy.maxNetDays;
  for (const level of TIER_ORDER.slice(0, TIER_ORDER.indexOf(riskTier) + 1)) {
    const tierCap = policy.maxNetDaysByRiskTier[level];
    if (tierCap !== undefined) cap = Math.min(cap, tierCap);
  }
  return cap;
}

/** The buyer's risk tier for terms, from its relative risk (odds ratio) over similar companies. */
export function termsRiskTier(policy: PolicySettings, relativeRisk: number): RiskTier {
  if (relativeRisk >= policy.relativeRiskTiers.high) return 'high';
  if (relativeRisk >= policy.relativeRiskTiers.medium) return 'medium';
  return 'low';
}

/** Odds of p over odds of q, both kept away from 0 and 1 so the ratio stays finite. */
export function oddsRatio(p: number, q: number): number {
  const clamp = (value: number) => Math.min(0.999, Math.max(0.001, value));
  const odds = (value: number) => clamp(value) / (1 - clamp(value));
  return odds(p) / odds(q);
}

/**
 * The buyer's relative risk in words, bounded: a model's odds ratio can reach the thousands when
 * both probabilities sit near 0 or 1, and "1992.0×" or "0.0×" tells an AE nothing true.
 */
export function describeOddsRatio(ratio: number): string {
  if (ratio >= 10) return 'more than 10 times the odds of paying late of similar companies';
  if (ratio >= 1.5) return `about ${ratio.toFixed(1)} times the odds of paying late of similar companies`;
  if (ratio > 1 / 1.5) return 'about the same odds of paying late as similar companies';
  if (ratio > 0.1)
    return `about ${(1 / ratio).toFixed(1)} times lower odds of paying late than similar companies`;
  return 'less than a tenth of the odds of paying late of similar companies';
}

/** Why upfront or card autopay is required of this buyer, or null when it is not. */
export function requirementReason(
  policy: PolicySettings,
  buyer: { riskTier: RiskTier; relativeRisk: number; authorizationRevoked: boolean },
): string | null {
  const rule = policy.requireUpfrontOrAutopay;
  if (
    rule.riskTierAtLeast !== undefined &&
    TIER_ORDER.indexOf(buyer.riskTier) >= TIER_ORDER.indexOf(rule.riskTierAtLeast)
  )
    return `risk tier ${buyer.riskTier}`;
  if (rule.relativeRiskAtLeast !== undefined && buyer.relativeRisk >= rule.relativeRiskAtLeast)
    return `odds of paying late at least ${rule.relativeRiskAtLeast} times those of similar companies`;
  if (rule.authorizationRevoked === true && buyer.authorizationRevoked) return 'a revoked card authorisation';
  return null;
}
