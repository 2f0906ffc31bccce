import { z } from 'zod';
import { riskTier } from './common';

const billing = z.enum(['upfront', 'annual', 'quarterly', 'monthly']);

/** One payment-term option, scored for the deal (the estimate carries more figures than listed). */
export const termOptionView = z
  .object({
    id: z.string(),
    label: z.string(),
    billing,
    netDays: z.number().int(),
    autopay: z.boolean(),
    rank: z.number().int(),
    recommended: z.boolean(),
    allowed: z.boolean(),
    blockedBy: z.array(z.string()),
    /** An allowed option ranked above it with exactly the same figures for this deal. */
    sameFiguresAs: z.string().nullable(),
    summary: z.string(),
    estimate: z.looseObject({
      invoices: z.number().int(),
      discountMinor: z.number(),
      expectedDaysToCash: z.number(),
      /** Days from signing to cash: amount-weighted, and of the first and the last invoice. */
      expectedDaysFromSigningToCash: z.number(),
      daysFromSigningToFirstCash: z.number(),
      daysFromSigningToLastCash: z.number(),
      probabilityLate: z.number(),
      expectedDaysLate: z.number(),
    }),
  })
  .meta({ id: 'TermOptionView' });

/** The recommendation for a deal; its evidence, the buyer's history and the estimates come along. */
export const termsRecommendation = z
  .looseObject({
    recommended: z.string().nullable(),
    explanation: z.string(),
    notes: z.array(z.string()),
    policy: z.looseObject({
      id: z.string(),
      riskTier,
      relativeRisk: z.number(),
      /** The relative risk in bounded words. */
      relativeRiskText: z.string(),
      requiresUpfrontOrAutopay: z.string().nullable(),
      cardAutopayUnavailable: z.string().nullable(),
    }),
    buyer: z.looseObject({
      kind: z.enum(['customer', 'prospect']),
      name: z.string().nullable(),
      risk: z.looseObject({ score: z.number(), tier: riskTier, reasons: z.array(z.string()) }),
    }),
    deal: z.looseObject({ amountMinor: z.number().int(), currency: z.string(), months: z.number().int() }),
    options: z.array(termOptionView),
    recommendationId: z.string(),
  })
  .meta({ id: 'TermsRecommendation' });

export const recommendationResponse = z
  .object({ ok: z.literal(true), dealId: z.string(), recommendation: termsRecommendation })
  .meta({ id: 'RecommendationResponse' });

export const acceptResponse = z
  .object({
    ok: z.literal(true),
    state: z.enum(['accepted', 'already_accepted']),
    optionId: z.string(),
    overridden: z.boolean(),
  })
  .meta({ id: 'AcceptResponse' });

export const customerMatch = z
  .object({
    customerId: z.string(),
    name: z.string().nullable(),
    segment: z.string().nullable(),
    country: z.string().nullable(),
    employees: z.number().int().nullable(),
    fundingStage: z.string().nullable(),
    crmCompanyId: z.string().nullable(),
    /** The currency of its latest invoice; null without invoices. */
    currency: z.string().nullable(),
  })
  .meta({ id: 'CustomerMatch' });

export const customerSearchResponse = z
  .object({
    ok: z.literal(true),
    data: z.object({ customers: z.array(customerMatch), more: z.boolean() }),
  })
  .meta({ id: 'CustomerSearchResponse' });

export const termAcceptance = z
  .object({
    recommendationId: z.string(),
    dealId: z.string().nullable(),
    customerId: z.string().nullable(),
    optionId: z.string(),
    recommendedOptionId: z.string().nullable(),
    guardrailVersion: z.number().int().nullable(),
    /** The recommendation as shown to the AE. */
    body: z.unknown(),
    actor: z.string(),
    acceptedAt: z.string(),
    syncedAt: z.string().nullable(),
  })
  .meta({ id: 'TermAcceptance' });

export const acceptedTermsResponse = z
  .object({ ok: z.literal(true), accepted: z.array(termAcceptance) })
  .meta({ id: 'AcceptedTermsResponse' });

const guardrailVersion = z.object({
  version: z.number().int(),
  source: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  note: z.string().nullable(),
  active: z.boolean(),
  activatedAt: z.string().nullable(),
});

export const guardrailsResponse = z
  .object({
    ok: z.literal(true),
    active: z
      .object({ version: z.number().int(), guardrails: z.unknown(), createdBy: z.string() })
      .nullable(),
    default: z.unknown(),
    versions: z.array(guardrailVersion),
  })
  .meta({ id: 'GuardrailsResponse' });

export const validateGuardrailsResponse = z
  .object({ ok: z.literal(true), policies: z.array(z.string()) })
  .meta({ id: 'ValidateGuardrailsResponse' });
