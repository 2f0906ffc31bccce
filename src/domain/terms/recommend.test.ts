import fc from 'fast-check';
import { cur } from '../test-facts';
import { DEFAULT_GUARDRAILS } from './default-guardrails';
import type { TermEvidence } from './evidence';
import {
  netDaysCap,
  oddsRatio,
  resolvePolicy,
  securesPayment,
  termsRiskTier,
  validateGuardrails,
  type Guardrails,
  type TermOption,
} from './guardrails';
import { describeOddsRatio } from './guardrails';
import type { OwnInvoice } from './own-record';
import { invoiceSchedule, recommendTerms, type Buyer, type Deal } from './recommend';

/** A cohort whose customers pay after exactly these days (one invoice each). */
function cohortOf(key: string, payDays: number[]): TermEvidence['cohorts'][string] {
  const counts: number[] = [];
  for (const days of payDays) counts[days] = (counts[days] ?? 0) + 1;
  return {
    key,
    customers: payDays.length,
    counts: Array.from(counts, (count) => count ?? 0),
    termsCounts: {},
  };
}

function evidenceWith(
  payDays: number[],
  keys = ['enterprise|1000-4999', 'enterprise|*', '*|*'],
): TermEvidence {
  return {
    asOf: '2026-11-01' as TermEvidence['asOf'],
    cohorts: Object.fromEntries(keys.map((key) => [key, cohortOf(key, payDays)])),
    autopay: { invoices: 1000, late: 80, daysLateWhenLate: 6 },
  };
}

function buyer(overrides: Partial<Buyer> = {}, risk: Partial<Buyer['risk']> = {}): Buyer {
  return {
    kind: 'customer',
    customerId: 'C-1',
    name: 'Acme',
    segment: 'enterprise',
    employees: 1200,
    fundingStage: 'public',
    country: 'US',
    authorizationRevoked: false,
    history: {
      // Three invoices paid by transfer after 40, 44 and 47 days on net 45; five by card, one 10 days late.
      record: [
        ...[40, 44, 47].map((days) => ({ daysLate: Math.max(0, days - 45), transferPayDays: days })),
        ...[0, 0, 0, 0, 10].map((daysLate) => ({ daysLate, transferPayDays: null })),
      ],
      usualNetDays: 45,
    },
    ...overrides,
    risk: { probabilityLate: 0.3, peerProbabilityLate: 0.3, score: 30, tier: 'medium', reasons: [], ...risk },
  };
}

const DEAL: Deal = { amountMinor: 12_000_000, currency: cur('USD'), months: 12, billing: null };
// Procurement of 30 to 59 days for most similar companies, 70 for a quarter of them.
const EVIDENCE = evidenceWith([
  ...Array.from({ length: 30 }, (_, i) => 30 + i),
  ...Array.from({ length: 10 }, () => 70),
]);

describe('payment-term guardrails', () => {
  it('accepts the built-in guardrails', () => {
    expect(validateGuardrails(DEFAULT_GUARDRAILS).ok).toBe(true);
  });

  it('names every problem by its path', () => {
    const broken = structuredClone(DEFAULT_GUARDRAILS) as unknown as {
      defaults: { allowed: string[]; default: string };
      policies: {
        when: { dealBelow?: Record<string, string>; employeesBelow?: number; employeesAtLeast?: number };
      }[];
    };
    broken.defaults.allowed = ['net_30', 'net_99'];
    broken.defaults.default = 'net_45';
    broken.policies[0]!.when.employeesBelow = 10;
    broken.policies[2]!.when.dealBelow = { USD: '10.001' };
    const result = validateGuardrails(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'defaults.allowed[1]',
        'defaults.default',
        'defaults.allowed',
        'policies[0].when.employeesBelow',
        'policies[2].when.dealBelow.USD',
      ]),
    );
    expect(result.problems.find((p) => p.path === 'defaults.allowed')?.message).toMatch(
      /upfront or card autopay/,
    );
  });

  it('picks the first matching policy; an unknown attribute never matches a condition on it', () => {
    const subject = {
      segment: 'enterprise',
      employees: 1200,
      fundingStage: 'public',
      country: 'US',
      currency: cur('USD'),
      amountMinor: 12_000_000,
    };
    expect(resolvePolicy(DEFAULT_GUARDRAILS, subject).policyId).toBe('large_enterprise');
    expect(resolvePolicy(DEFAULT_GUARDRAILS, { ...subject, employees: null }).policyId).toBe('defaults');
    expect(
      resolvePolicy(DEFAULT_GUARDRAILS, { ...subject, employees: 40, segment: 'smb', amountMinor: 500_000 })
        .policyId,
    ).toBe('small_deals_by_card');
    // A small deal in a currency the policy does not list does not match it.
    expect(
      resolvePolicy(DEFAULT_GUARDRAILS, {
        ...subject,
        segment: 'smb',
        currency: cur('CHF'),
        amountMinor: 500_000,
      }).policyId,
    ).toBe('defaults');
  });

  it('caps net days by tier, a higher tier never above a lower one', () => {
    const policy = resolvePolicy(DEFAULT_GUARDRAILS, {
      segment: 'enterprise',
      employees: 1200,
      fundingStage: null,
      country: null,
      currency: cur('USD'),
      amountMinor: 1,
    });
    expect([netDaysCap(policy, 'low'), netDaysCap(policy, 'medium'), netDaysCap(policy, 'high')]).toEqual([
      60, 45, 30,
    ]);
    expect(termsRiskTier(policy, oddsRatio(0.3, 0.3))).toBe('low');
    expect(termsRiskTier(policy, oddsRatio(0.6, 0.3))).toBe('medium');
    expect(termsRiskTier(policy, oddsRatio(0.8, 0.3))).toBe('high');
  });
});

describe('invoice schedules', () => {
  it('splits a contract into whole invoices that add up to it, upfront with its discount', () => {
    const option = (billing: TermOption['billing']): TermOption => ({
      id: 'x',
      label: 'x',
      billing,
      netDays: 30,
      autopay: false,
    });
    const deal = { ...DEAL, amountMinor: 1_000_001, months: 14 };
    const quarterly = invoiceSchedule(option('quarterly'), deal, 3);
    expect(quarterly.amounts).toHaveLength(5);
    expect(quarterly.amounts.reduce((a, b) => a + b, 0)).toBe(1_000_001);
    expect(quarterly.offsets[1]).toBe(91);
    const annual = invoiceSchedule(option('annual'), deal, 3);
    expect(annual.amounts).toEqual([857_143, 142_858]);
    const upfront = invoiceSchedule(option('upfront'), deal, 3);
    expect(upfront).toEqual({ offsets: [0], amounts: [970_001], discountMinor: 30_000 });
  });
});

describe('recommendTerms', () => {
  it('fits the terms to the procurement cycle of similar companies and explains why', () => {
    const result = recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(), DEAL);
    // 30 of the 40 similar companies pay within 59 days: net 60 is the shortest allowed term that fits.
    expect(result.evidence.fitNetDays).toBe(59);
    expect(result.recommended).toBe('net_60');
    expect(result.options[0]).toMatchObject({ id: 'net_60', rank: 1, recommended: true, allowed: true });
    expect(result.explanation).toMatch(
      /^Annual in advance, net 60 fits a 1,200-person enterprise company in US/,
    );
    expect(result.explanation).toContain('take a median 49 days to pay an invoice by transfer');
    expect(result.explanation).toContain('6 of its 8 invoices paid on time');
    const net30 = result.options.find((option) => option.id === 'net_30');
    const net60 = result.options.find((option) => option.id === 'net_60');
    expect(net30!.estimate.probabilityLate).toBeGreaterThan(net60!.estimate.probabilityLate);
    expect(net30!.estimate.expectedDaysToCash).toBeLessThanOrEqual(net60!.estimate.expectedDaysToCash);
    expect(result.options.find((option) => option.id === 'card_autopay')!.blockedBy[0]).toMatch(
      /not offered/,
    );
    expect(result.estimates).toMatch(/model estimates/);
  });

  it('caps a riskier buyer and requires upfront or autopay when the policy says so', () => {
    const medium = recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer({}, { probabilityLate: 0.6 }), DEAL);
    expect(medium.policy.riskTier).toBe('medium');
    expect(medium.recommended).toBe('net_45');
    const revoked = recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer({ authorizationRevoked: true }), DEAL);
    expect(revoked.policy.requiresUpfrontOrAutopay).toBe('a revoked card authorisation');
    expect(revoked.recommended).toBe('upfront_net_30');
    expect(revoked.explanation).toMatch(/is required for/);
    const high = recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer({}, { probabilityLate: 0.9 }), DEAL);
    expect(high.policy.riskTier).toBe('high');
    expect(high.recommended).toBe('upfront_net_30');
  });

  it('never lengthens terms to meet a requirement for upfront or autopay', () => {
    const guardrails = validateGuardrails({
      options: [
        { id: 'upfront', label: 'Upfront', billing: 'upfront', netDays: 0 },
        { id: 'upfront_net_45', label: 'Upfront, net 45', billing: 'upfront', netDays: 45 },
        { id: 'net_30', label: 'Net 30', billing: 'annual', netDays: 30 },
      ],
      defaults: {
        ...DEFAULT_GUARDRAILS.defaults,
        allowed: ['upfront', 'upfront_net_45', 'net_30'],
        default: 'net_30',
        maxNetDays: 60,
        maxNetDaysByRiskTier: {},
      },
    });
    if (!guardrails.ok) throw new Error(JSON.stringify(guardrails.problems));
    const quick = evidenceWith(Array.from({ length: 40 }, (_, i) => 10 + (i % 10)));
    const safe = recommendTerms(guardrails.guardrails, quick, buyer(), DEAL);
    expect(safe.recommended).toBe('net_30');
    const revoked = recommendTerms(guardrails.guardrails, quick, buyer({ authorizationRevoked: true }), DEAL);
    expect(revoked.recommended).toBe('upfront');
    expect(revoked.options.find((option) => option.id === 'upfront_net_45')!.blockedBy.join()).toMatch(
      /longer than the 30 net days/,
    );
  });

  it('offers the policy default when similar companies are too few', () => {
    const thin = evidenceWith([50, 55, 60]);
    const result = recommendTerms(
      DEFAULT_GUARDRAILS,
      thin,
      buyer({
        kind: 'prospect',
        history: { record: [], usualNetDays: null },
      }),
      DEAL,
    );
    expect(result.evidence.usedDefault).toBe(true);
    expect(result.recommended).toBe('net_45');
    expect(result.notes.join(' ')).toMatch(/Too little evidence/);
  });

  it('recommends card autopay for a small deal where the policy offers it', () => {
    const small = { ...DEAL, amountMinor: 600_000 };
    const result = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({ segment: 'smb', employees: 30, fundingStage: 'bootstrapped' }),
      small,
    );
    expect(result.policy.id).toBe('small_deals_by_card');
    expect(result.recommended).toBe('card_autopay');
    const autopay = result.options[0]!;
    expect(autopay.estimate.invoices).toBe(12);
    // Its own five card invoices, one late, shrunk toward the portfolio's 8%: (1 + 5 × 0.08) / (5 + 5).
    expect(autopay.estimate.probabilityLate).toBeCloseTo(0.14, 5);
  });

  it('is deterministic', () => {
    const once = JSON.stringify(recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(), DEAL));
    expect(JSON.stringify(recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(), DEAL))).toBe(once);
  });
});

describe("the buyer's own record leads its estimates", () => {
  // 40 similar companies: 35 pay by transfer after 50 days, 5 after 20. On net 30, 35 of 40 = 87.5% are
  // late, by 20 days each: 17.5 expected days late. Prior strength: 5 invoices.
  const cohort = evidenceWith(
    [...Array.from({ length: 35 }, () => 50), ...Array.from({ length: 5 }, () => 20)],
    ['smb|1-49', 'smb|*', '*|*'],
  );
  const seed = { segment: 'smb', employees: 20, fundingStage: 'seed' } as const;
  const byCard = (daysLate: number[]): OwnInvoice[] =>
    daysLate.map((days) => ({ daysLate: days, transferPayDays: null }));
  // 33 of 35 on time, by card; the two late ones 5 and 10 days late.
  const punctual = buyer(
    {
      ...seed,
      history: { record: byCard([...Array.from({ length: 33 }, () => 0), 5, 10]), usualNetDays: 30 },
    },
    { probabilityLate: 0.08, peerProbabilityLate: 0.3, score: 8, tier: 'low' },
  );
  const net30 = (result: ReturnType<typeof recommendTerms>) =>
    result.options.find((option) => option.id === 'net_30')!.estimate;

  it('shrinks 2 late of 35 toward the cohort only by a prior worth 5 invoices', () => {
    const result = recommendTerms(DEFAULT_GUARDRAILS, cohort, punctual, DEAL);
    expect(result.policy.id).toBe('early_stage');
    expect(result.recommended).toBe('net_30');
    // (2 + 5 × 0.875) / (35 + 5) = 6.375 / 40; days late (5 + 10 + 5 × 17.5) / 40 = 2.5625.
    expect(net30(result).probabilityLate).toBe(0.159);
    expect(net30(result).expectedDaysLate).toBe(2.6);
    expect(net30(result).expectedDaysToCash).toBe(32.6);
    expect(result.explanation).toContain('33 of its 35 invoices paid on time');
    expect(result.explanation).toContain('16% chance an invoice is paid late');
    expect(result.explanation).not.toMatch(/8\d% chance/);
  });

  it('gives a prospect the cohort, and a thin record mostly the cohort', () => {
    const prospect = buyer({ ...seed, kind: 'prospect', history: { record: [], usualNetDays: null } });
    expect(net30(recommendTerms(DEFAULT_GUARDRAILS, cohort, prospect, DEAL)).probabilityLate).toBe(0.875);
    const once = buyer({ ...seed, history: { record: byCard([0]), usualNetDays: 30 } });
    // (0 + 5 × 0.875) / (1 + 5) = 0.7291…
    expect(net30(recommendTerms(DEFAULT_GUARDRAILS, cohort, once, DEAL)).probabilityLate).toBe(0.729);
  });

  it("replays the buyer's own transfer payments under each option's net days", () => {
    // Ten invoices on net 45, each paid by transfer after 40 days: on time then, 10 days late on net 30.
    const slowPayer = buyer({
      ...seed,
      history: {
        record: Array.from({ length: 10 }, () => ({ daysLate: 0, transferPayDays: 40 })),
        usualNetDays: 45,
      },
    });
    const result = recommendTerms(DEFAULT_GUARDRAILS, cohort, slowPayer, DEAL);
    // Net 30: (10 + 5 × 0.875) / 15 = 0.9583…; net 45: (0 + 5 × 35/40) / 15 = 0.2916… (cohort 5 days late).
    expect(net30(result).probabilityLate).toBe(0.958);
    expect(result.options.find((option) => option.id === 'net_45')!.estimate.probabilityLate).toBe(0.292);
  });

  it('is not pushed to stricter terms than a buyer with no record by the cohort', () => {
    const prospect = buyer({ ...seed, kind: 'prospect', history: { record: [], usualNetDays: null } });
    const days = (who: Buyer) =>
      recommendTerms(DEFAULT_GUARDRAILS, cohort, who, DEAL).options.find((option) => option.recommended)!
        .netDays;
    expect(days(punctual)).toBe(30);
    expect(days(punctual)).toBeGreaterThanOrEqual(days(prospect));
  });
});

describe('a revoked card authorisation', () => {
  const small = { ...DEAL, amountMinor: 600_000 };
  const smb = { segment: 'smb', employees: 30, fundingStage: 'bootstrapped' } as const;

  it('makes card autopay unavailable, never required: upfront instead', () => {
    const usual = recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(smb), small);
    expect(usual.policy.id).toBe('small_deals_by_card');
    expect(usual.recommended).toBe('card_autopay');
    const revoked = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({ ...smb, authorizationRevoked: true }),
      small,
    );
    expect(revoked.recommended).toBe('upfront');
    const card = revoked.options.find((option) => option.id === 'card_autopay')!;
    expect(card.allowed).toBe(false);
    expect(card.blockedBy.join()).toMatch(/card autopay is unavailable/);
    expect(revoked.policy.cardAutopayUnavailable).not.toBeNull();
    expect(revoked.notes.join(' ')).toMatch(/Card autopay is unavailable/);
    expect(revoked.explanation).not.toMatch(/autopay is required/i);
  });

  it('asks for upfront instead of card autopay even when the policy does not require securing payment', () => {
    const noRequirement = structuredClone(DEFAULT_GUARDRAILS);
    noRequirement.defaults.requireUpfrontOrAutopay = {};
    for (const policy of noRequirement.policies) delete policy.requireUpfrontOrAutopay;
    const result = recommendTerms(
      noRequirement,
      EVIDENCE,
      buyer({ ...smb, authorizationRevoked: true }),
      small,
    );
    expect(result.recommended).toBe('upfront');
    expect(result.options.find((option) => option.id === 'card_autopay')!.allowed).toBe(false);
    expect(result.options.find((option) => option.id === 'net_30')!.blockedBy.join()).toMatch(
      /upfront is required instead of card autopay/,
    );
  });

  it('is refused by validation when the policy could require upfront but offers none among its shortest', () => {
    const broken = structuredClone(DEFAULT_GUARDRAILS);
    broken.policies[2]!.allowed = ['card_autopay', 'net_30'];
    broken.policies[2]!.default = 'card_autopay';
    const result = validateGuardrails(broken);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.path)).toContain('policies[2].allowed');
  });
});

describe('explanations and options an AE can read', () => {
  it('never shows an unbounded odds ratio', () => {
    const extreme = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({}, { probabilityLate: 0.999, peerProbabilityLate: 0.01 }),
      DEAL,
    );
    expect(extreme.explanation).toContain('more than 10 times the odds of paying late');
    const tiny = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({}, { probabilityLate: 0.001, peerProbabilityLate: 0.6 }),
      DEAL,
    );
    expect(tiny.explanation).toContain('less than a tenth of the odds');
    for (const text of [extreme.explanation, tiny.explanation, ...extreme.notes, ...tiny.notes])
      expect(text).not.toMatch(/\d\.\d×/);
    expect(describeOddsRatio(2)).toBe('about 2.0 times the odds of paying late of similar companies');
    expect(describeOddsRatio(1.2)).toBe('about the same odds of paying late as similar companies');
    expect(describeOddsRatio(0.25)).toBe('about 4.0 times lower odds of paying late than similar companies');
  });

  it('folds options with identical figures into the higher ranked one and says so', () => {
    const oneMonth = { ...DEAL, months: 1 };
    const result = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({ segment: 'mid_market', employees: 300, fundingStage: 'seed' }),
      oneMonth,
    );
    // A one-month contract is one invoice on net 30 whether billed annually, quarterly or monthly.
    const oneInvoice = ['monthly_net_30', 'net_30', 'quarterly_net_30'];
    const kept = result.options.find((option) => option.recommended)!;
    expect(oneInvoice).toContain(kept.id);
    const same = result.options.filter((option) => option.sameFiguresAs !== null);
    expect(same.map((option) => option.id).sort()).toEqual(oneInvoice.filter((id) => id !== kept.id));
    expect(same.every((option) => option.sameFiguresAs === kept.id)).toBe(true);
    expect(result.notes).toContain(
      `${same[0]!.label} gives the same invoices and cash timing as ${kept.label} for this deal.`,
    );
    const year = recommendTerms(
      DEFAULT_GUARDRAILS,
      EVIDENCE,
      buyer({ segment: 'mid_market', employees: 300, fundingStage: 'seed' }),
      DEAL,
    );
    expect(year.options.filter((option) => option.sameFiguresAs !== null)).toEqual([]);
    const summaries = year.options.filter((option) => option.allowed).map((option) => option.summary);
    expect(new Set(summaries).size).toBe(summaries.length);
  });

  it('shows cash timing from signing for each option', () => {
    // No evidence at all: everyone pays on the due date, so each invoice's cash is 30 days after it.
    const none: TermEvidence = {
      asOf: EVIDENCE.asOf,
      cohorts: {},
      autopay: { invoices: 0, late: 0, daysLateWhenLate: 0 },
    };
    const prospect = buyer({ kind: 'prospect', history: { record: [], usualNetDays: null } });
    const result = recommendTerms(DEFAULT_GUARDRAILS, none, prospect, DEAL);
    const quarterly = result.options.find((option) => option.id === 'quarterly_net_30')!;
    // Quarterly invoices 0, 91, 183 and 274 days after signing (3 × 30.4375 days apart, rounded).
    expect(quarterly.estimate.daysFromSigningToFirstCash).toBe(30);
    expect(quarterly.estimate.daysFromSigningToLastCash).toBe(304);
    expect(quarterly.estimate.expectedDaysFromSigningToCash).toBe(167);
    expect(quarterly.summary).toContain(
      'cash from ~30 days to ~304 days after signing (4 invoices, on average ~167 days)',
    );
    const annual = result.options.find((option) => option.id === 'net_45')!;
    expect(annual.summary).toContain('cash ~45 days after signing');
  });
});

// Random but valid guardrails: options, a default policy and a couple of policies.
const optionArb = fc.record({
  billing: fc.constantFrom<TermOption['billing']>('upfront', 'annual', 'quarterly', 'monthly'),
  netDays: fc.constantFrom(0, 15, 30, 45, 60, 90),
  autopay: fc.boolean(),
});

const guardrailsArb: fc.Arbitrary<Guardrails> = fc
  .record({
    options: fc.array(optionArb, { minLength: 1, maxLength: 7 }),
    maxNetDays: fc.constantFrom(0, 30, 45, 60, 90),
    medium: fc.option(fc.constantFrom(0, 30, 45, 60), { nil: undefined }),
    high: fc.option(fc.constantFrom(0, 15, 30), { nil: undefined }),
    requireTier: fc.option(fc.constantFrom('medium' as const, 'high' as const), { nil: undefined }),
    requireRevoked: fc.boolean(),
    relativeMedium: fc.double({ min: 1, max: 3, noNaN: true }),
    relativeSpread: fc.double({ min: 0, max: 5, noNaN: true }),
    acceptableLateShare: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
    minEvidence: fc.integer({ min: 1, max: 60 }),
    policyMax: fc.constantFrom(30, 60, 90),
    pick: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  })
  .map((draw) => {
    // Always include a secured option at 0 net days, so requirements can be met.
    const options: TermOption[] = [
      { id: 'secure', label: 'Upfront', billing: 'upfront', netDays: 0, autopay: false },
      ...draw.options.map((option, index) => ({
        id: `o${index}`,
        label: `Option ${index}`,
        ...option,
        autopay: option.autopay && option.netDays === 0,
      })),
    ];
    const allowed = [
      'secure',
      ...options
        .slice(1)
        .filter((_o, index) => draw.pick[index] !== false)
        .map((o) => o.id),
    ];
    const withinMax = allowed.filter(
      (id) => (options.find((o) => o.id === id)?.netDays ?? 0) <= draw.maxNetDays,
    );
    const defaults = {
      allowed,
      default: withinMax[withinMax.length - 1] ?? 'secure',
      maxNetDays: draw.maxNetDays,
      maxNetDaysByRiskTier: {
        ...(draw.medium === undefined ? {} : { medium: draw.medium }),
        ...(draw.high === undefined ? {} : { high: draw.high }),
      },
      relativeRiskTiers: { medium: draw.relativeMedium, high: draw.relativeMedium + draw.relativeSpread },
      requireUpfrontOrAutopay: {
        ...(draw.requireTier === undefined ? {} : { riskTierAtLeast: draw.requireTier }),
        ...(draw.requireRevoked ? { authorizationRevoked: true } : {}),
      },
      upfrontDiscountPercent: 2,
      acceptableLateShare: draw.acceptableLateShare,
      minEvidence: draw.minEvidence,
    };
    return {
      options,
      defaults,
      policies: [
        {
          id: 'big',
          when: { employeesAtLeast: 1000 },
          maxNetDays: draw.policyMax,
          allowed: options.map((o) => o.id),
          default: 'secure',
        },
      ],
    };
  })
  .filter((candidate) => validateGuardrails(candidate).ok);

const buyerArb = fc.record({
  probabilityLate: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
  revoked: fc.boolean(),
  payDays: fc.array(fc.integer({ min: 0, max: 150 }), { maxLength: 12 }),
});
const firmographicsArb = fc.record({
  employees: fc.constantFrom(30, 300, 1200, 8000),
  peer: fc.double({ min: 0.01, max: 0.95, noNaN: true }),
});
const dealArb = fc.record({
  amountMinor: fc.integer({ min: 1, max: 50_000_000 }),
  months: fc.integer({ min: 1, max: 36 }),
  billing: fc.constantFrom<Deal['billing']>(null, 'annual', 'quarterly', 'monthly', 'upfront'),
});
const evidenceArb = fc
  .array(fc.integer({ min: 0, max: 120 }), { minLength: 0, maxLength: 80 })
  .map((days) =>
    evidenceWith(days, [
      'enterprise|1000-4999',
      'enterprise|200-999',
      'enterprise|5000+',
      'enterprise|1-49',
      'enterprise|*',
      '*|*',
    ]),
  );

type BuyerDraw = { probabilityLate: number; revoked: boolean; payDays: number[] };

function makeBuyer(draw: BuyerDraw, firm: { employees: number; peer: number }): Buyer {
  return buyer(
    {
      employees: firm.employees,
      authorizationRevoked: draw.revoked,
      history: {
        record: draw.payDays.map((days) => ({ daysLate: 0, transferPayDays: days })),
        usualNetDays: 30,
      },
    },
    { probabilityLate: draw.probabilityLate, peerProbabilityLate: firm.peer },
  );
}

describe('recommendTerms properties', () => {
  it('guardrails always win over the model', () => {
    fc.assert(
      fc.property(
        guardrailsArb,
        evidenceArb,
        buyerArb,
        firmographicsArb,
        dealArb,
        (guardrails, evidence, draw, firm, dealDraw) => {
          const deal: Deal = { ...dealDraw, currency: cur('USD') };
          const result = recommendTerms(guardrails, evidence, makeBuyer(draw, firm), deal);
          const policy = resolvePolicy(guardrails, {
            segment: 'enterprise',
            employees: firm.employees,
            fundingStage: 'public',
            country: 'US',
            currency: deal.currency,
            amountMinor: deal.amountMinor,
          });
          const cap = netDaysCap(policy, result.policy.riskTier);
          for (const option of result.options) {
            if (!option.allowed) continue;
            expect(policy.allowed).toContain(option.id);
            expect(option.netDays).toBeLessThanOrEqual(Math.min(policy.maxNetDays, cap));
            if (result.policy.requiresUpfrontOrAutopay !== null) expect(securesPayment(option)).toBe(true);
          }
          const chosen = result.options.find((option) => option.recommended);
          if (chosen !== undefined) {
            expect(chosen.allowed).toBe(true);
            expect(chosen.rank).toBe(1);
          }
          // Something is always recommended while anything at all is allowed.
          expect(chosen === undefined).toBe(!result.options.some((option) => option.allowed));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never gives a riskier buyer longer terms than a safer one under the same guardrails', () => {
    fc.assert(
      fc.property(
        guardrailsArb,
        evidenceArb,
        buyerArb,
        buyerArb,
        firmographicsArb,
        dealArb,
        (guardrails, evidence, first, second, firm, dealDraw) => {
          const deal: Deal = { ...dealDraw, currency: cur('USD') };
          // The riskier of the two: at least the other's probability and revoked flag; histories are free.
          const riskier = {
            ...first,
            probabilityLate: Math.max(first.probabilityLate, second.probabilityLate),
            revoked: first.revoked || second.revoked,
          };
          const safer = {
            ...second,
            probabilityLate: Math.min(first.probabilityLate, second.probabilityLate),
            revoked: first.revoked && second.revoked,
          };
          const netDays = (draw: BuyerDraw) => {
            const result = recommendTerms(guardrails, evidence, makeBuyer(draw, firm), deal);
            return result.options.find((option) => option.recommended)?.netDays ?? -1;
          };
          expect(netDays(riskier)).toBeLessThanOrEqual(netDays(safer));
        },
      ),
      { numRuns: 300 },
    );
  });
});
