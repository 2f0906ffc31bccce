import { toDayNumber, type CalendarDate } from '../domain/dates';
import type { AccountFacts, Customer, TenantId } from '../domain/model';
import { prepareHistory, type CustomerHistory } from '../domain/risk/features';
import {
  accountRiskDetail,
  DEFAULT_TIERS,
  fromStoredRiskModel,
  type RiskModel,
  type RiskTiers,
} from '../domain/risk/risk-model';
import { DEFAULT_GUARDRAILS } from '../domain/terms/default-guardrails';
import { validateGuardrails, type Guardrails } from '../domain/terms/guardrails';
import { ownRecordOf } from '../domain/terms/own-record';
import { createInsightsAccumulator, type TermInsights } from '../domain/terms/insights';
import { recommendTerms, type Buyer, type Deal, type TermsRecommendation } from '../domain/terms/recommend';
import { stableId } from '../domain/terms/stable-id';
import type { LedgerStore } from '../ports/ledger';
import type { RiskModelStore } from '../ports/risk-models';
import type { TermsStore } from '../ports/terms';
import { fitTenantRiskModel, type PromiseReader } from './payment-risk';
import { refreshTermEvidence } from './term-evidence';

/** What recommending payment terms reads and keeps. */
type TermPorts = LedgerStore & TermsStore & RiskModelStore & PromiseReader;

/** A customer already in the books, or a prospect described by its firmographics only. */
export type BuyerQuery =
  | { kind: 'customer'; customerId: string }
  | {
      kind: 'prospect';
      name?: string | null;
      segment: string | null;
      employees: number | null;
      fundingStage: string | null;
      country: string | null;
    };

export class UnknownCustomerError extends Error {
  constructor(readonly customerId: string) {
    super(`unknown customer ${customerId}`);
  }
}

export type RecommendationResult = TermsRecommendation & {
  recommendationId: string;
  guardrailVersion: number | null;
  asOf: CalendarDate;
};

/** The tenant's active guardrails, or the defaults (version null) when RevOps has not set any. */
export async function activeGuardrails(
  store: TermsStore,
  tenant: TenantId,
): Promise<{ guardrails: Guardrails; version: number | null }> {
  const active = await store.getActiveTermGuardrails(tenant);
  if (active === undefined) return { guardrails: DEFAULT_GUARDRAILS, version: null };
  const parsed = validateGuardrails(active.body);
  if (!parsed.ok) throw new Error(`stored term guardrails version ${active.version} no longer validate`);
  return { guardrails: parsed.guardrails, version: active.version };
}

/** The buyer as the recommender sees it on `asOf`, from what was known before that day. */
export function buyerFromHistory(
  model: RiskModel,
  history: CustomerHistory,
  asOf: CalendarDate,
  kind: Buyer['kind'],
  tiers: RiskTiers = DEFAULT_TIERS,
): Buyer {
  const { risk, facts } = accountRiskDetail(model, history, asOf, tiers);
  const { customer } = history.facts;
  const peer =
    history.ledgers.length === 0
      ? risk
      : accountRiskDetail(model, prepareHistory(firmographicsOnly(customer)), asOf, tiers).risk;
  const day = toDayNumber(asOf);
  const last = history.ledgers
    .filter((ledger) => ledger.issuedDay < day)
    .reduce<(typeof history.ledgers)[number] | undefined>(
      (latest, ledger) => (latest === undefined || ledger.issuedDay >= latest.issuedDay ? ledger : latest),
      undefined,
    );
  return {
    kind,
    customerId: kind === 'customer' ? customer.customerId : null,
    name: customer.name,
    segment: customer.segment,
    employees: customer.employees,
    fundingStage: customer.fundingStage,
    country: customer.country,
    risk: {
      probabilityLate: Number(risk.probabilityLate.toFixed(4)),
      peerProbabilityLate: Number(peer.probabilityLate.toFixed(4)),
      score: risk.score,
      tier: risk.tier,
      reasons: risk.reasons.map((reason) => reason.text),
    },
    authorizationRevoked: facts.revoked,
    history: {
      record: kind === 'prospect' ? [] : ownRecordOf(history.ledgers, day),
      usualNetDays: last === undefined ? null : last.dueDay - last.issuedDay,
    },
  };
}

/** A company with these firmographics and no history: a prospect, or a customer's peer. */
function firmographicsOnly(customer: Customer): AccountFacts {
  return { customer, invoices: [], payments: [], subscriptions: [], disputes: [] };
}

function prospectFacts(query: Extract<BuyerQuery, { kind: 'prospect' }>): AccountFacts {
  return firmographicsOnly({
    customerId: '(prospect)',
    name: query.name ?? null,
    segment: query.segment,
    owner: null,
    paymentTerms: null,
    country: query.country,
    crmCompanyId: null,
    createdOn: null,
    employees: query.employees,
    fundingStage: query.fundingStage,
  });
}

async function riskModelFor(
  store: LedgerStore & RiskModelStore & PromiseReader,
  tenant: TenantId,
  asOf: CalendarDate,
): Promise<RiskModel> {
  const stored = await store.loadRiskModel(tenant);
  if (stored !== undefined) return fromStoredRiskModel(stored);
  return fitTenantRiskModel(store, tenant, asOf);
}

/**
 * Ranked payment-term options for a deal with this buyer, the recommended one and why. Uses the
 * tenant's stored risk model and term evidence (computing them when missing) and active guardrails.
 */
export async function recommendPaymentTerms(
  store: TermPorts,
  tenant: TenantId,
  query: BuyerQuery,
  deal: Deal,
  asOf: CalendarDate,
  tiers: RiskTiers = DEFAULT_TIERS,
  dealId: string | null = null,
): Promise<RecommendationResult> {
  const facts =
    query.kind === 'customer' ? await store.getAccountFacts(tenant, query.customerId) : prospectFacts(query);
  if (facts === undefined) throw new UnknownCustomerError(query.kind === 'customer' ? query.customerId : '');
  const [model, storedEvidence, { guardrails, version }, promises] = await Promise.all([
    riskModelFor(store, tenant, asOf),
    store.loadTermEvidence(tenant),
    activeGuardrails(store, tenant),
    query.kind === 'customer' ? store.listPromises(tenant, { customerId: query.customerId }) : [],
  ]);
  const evidence = storedEvidence ?? (await refreshTermEvidence(store, tenant, asOf));
  const buyer = buyerFromHistory(model, prepareHistory(facts, promises), asOf, query.kind, tiers);
  const recommendation = recommendTerms(guardrails, evidence, buyer, deal);
  return {
    ...recommendation,
    // Per deal: two deals with the same buyer, amount and currency are two recommendations.
    recommendationId: `rec_${stableId(JSON.stringify([tenant, dealId, version, evidence.asOf, asOf, query, deal, recommendation.recommended]))}`,
    guardrailVersion: version,
    asOf,
  };
}

export type AcceptOutcome =
  | { ok: true; state: 'accepted' | 'already_accepted'; optionId: string; overridden: boolean }
  | { ok: false; field: string; message: string };

/**
 * Records the AE's choice for a deal. The recommendation is recomputed, never taken from the caller,
 * so only an option the guardrails allow today can be accepted.
 */
export async function acceptPaymentTerms(
  store: TermPorts,
  tenant: TenantId,
  input: {
    dealId: string;
    query: BuyerQuery;
    deal: Deal;
    optionId?: string;
    actor: string;
    asOf: CalendarDate;
    tiers?: RiskTiers;
  },
): Promise<AcceptOutcome> {
  const recommendation = await recommendPaymentTerms(
    store,
    tenant,
    input.query,
    input.deal,
    input.asOf,
    input.tiers,
    input.dealId,
  );
  const optionId = input.optionId ?? recommendation.recommended;
  if (optionId === null)
    return { ok: false, field: 'optionId', message: 'no option is allowed for this deal' };
  const option = recommendation.options.find((candidate) => candidate.id === optionId);
  if (option === undefined) return { ok: false, field: 'optionId', message: `unknown option "${optionId}"` };
  if (!option.allowed)
    return {
      ok: false,
      field: 'optionId',
      message: `"${optionId}" is not allowed: ${option.blockedBy.join('; ')}`,
    };
  const state = await store.acceptTermRecommendation(tenant, {
    recommendationId: `${recommendation.recommendationId}:${optionId}`,
    dealId: input.dealId,
    customerId: input.query.kind === 'customer' ? input.query.customerId : null,
    optionId,
    recommendedOptionId: recommendation.recommended,
    guardrailVersion: recommendation.guardrailVersion,
    body: {
      option: {
        id: option.id,
        label: option.label,
        billing: option.billing,
        netDays: option.netDays,
        autopay: option.autopay,
      },
      deal: input.deal,
      explanation: recommendation.explanation,
      estimate: option.estimate,
      buyerRiskTier: recommendation.policy.riskTier,
    },
    actor: input.actor,
  });
  return { ok: true, state, optionId, overridden: optionId !== recommendation.recommended };
}

export async function paymentTermInsights(
  store: LedgerStore,
  tenant: TenantId,
  from: CalendarDate,
  to: CalendarDate,
): Promise<TermInsights> {
  const accumulator = createInsightsAccumulator(from, to);
  for await (const facts of store.streamAccountFacts(tenant)) accumulator.add(facts);
  return accumulator.result();
}
