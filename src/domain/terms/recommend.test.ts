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
      resolvedInvoices: 8,
      lateInvoices: 2,
      meanDaysLate: 3,
      payDays: [40, 44, 47],
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
    expect(result.explanation).toContain('procurement takes about 49 days');
    expect(result.explanation).toContain('its invoices were paid on average 3.0 days late');
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
    expect(revoked.policy.requiresUpfrontOrAutopay).toBe('a revoked payment authorisation');
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
        history: {
          resolvedInvoices: 0,
          lateInvoices: 0,
          meanDaysLate: null,
          payDays: [],
          usualNetDays: null,
        },
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
    expect(autopay.estimate.probabilityLate).toBeCloseTo(0.08, 5);
  });

  it('is deterministic', () => {
    const once = JSON.stringify(recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(), DEAL));
    expect(JSON.stringify(recommendTerms(DEFAULT_GUARDRAILS, EVIDENCE, buyer(), DEAL))).toBe(once);
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
        resolvedInvoices: draw.payDays.length,
        lateInvoices: 0,
        meanDaysLate: null,
        payDays: draw.payDays,
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
