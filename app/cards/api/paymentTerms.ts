/**
 * The deal card's routes: `POST /api/v1/deals/{dealId}/payment-terms` and `.../accept`. Only the
 * fields the card shows are typed here; the backend sends more (evidence, estimates, the deal).
 */
export type RiskTier = 'low' | 'medium' | 'high';

export type TermOptionView = {
  id: string;
  label: string;
  netDays: number;
  billing: 'upfront' | 'annual' | 'quarterly' | 'monthly';
  autopay: boolean;
  rank: number;
  recommended: boolean;
  allowed: boolean;
  blockedBy: string[];
  /** An allowed option ranked above it with exactly the same figures for this deal. */
  sameFiguresAs: string | null;
  summary: string;
  estimate: {
    expectedDaysToCash: number;
    /** Days from signing to the cash of the first and of the last invoice. */
    daysFromSigningToFirstCash: number;
    daysFromSigningToLastCash: number;
    probabilityLate: number;
    invoices: number;
    discountMinor: number;
  };
};

export type TermsRecommendation = {
  recommended: string | null;
  explanation: string;
  notes: string[];
  policy: {
    id: string;
    riskTier: RiskTier;
    relativeRisk: number;
    /** The relative risk in bounded words. */
    relativeRiskText: string;
    cardAutopayUnavailable: string | null;
  };
  buyer: { kind: 'customer' | 'prospect'; risk: { score: number; tier: RiskTier } };
  options: TermOptionView[];
  recommendationId: string;
};

/** `amount` in major units as a decimal string ("120000.00"); `months` defaults to 12 on the backend. */
export type DealTermsInput = { crmCompanyId: string; amount: string; currency: string; months?: number };

export type RecommendationResponse = { ok: true; dealId: string; recommendation: TermsRecommendation };

export type AcceptResponse = {
  ok: true;
  state: 'accepted' | 'already_accepted';
  optionId: string;
  overridden: boolean;
};
