import { useCallback } from 'react';
import { useAssociations, useCrmProperties } from '@hubspot/ui-extensions/crm';
import { apiFailure, callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import type {
  AcceptResponse,
  DealTermsInput,
  RecommendationResponse,
  TermsRecommendation,
} from '../api/paymentTerms';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';

/** HubSpot's object type id for companies. */
const COMPANIES = '0-2';
const DEAL_PROPERTIES = ['amount', 'deal_currency_code'];

export type DealTerms =
  | { kind: 'incomplete'; message: string }
  | { kind: 'recommendation'; input: DealTermsInput; recommendation: TermsRecommendation };

export type PaymentTermsApi = {
  state: ResourceState<DealTerms>;
  reload: () => void;
  accept: (optionId: string) => Promise<ApiResult<AcceptResponse>>;
};

/** HubSpot stores amounts as decimal text; the backend takes major units without extra zeros. */
export function normalizeAmount(raw: string | null | undefined): string | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec((raw ?? '').trim());
  if (match === null) return null;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? (match[1] ?? '') : `${match[1]}.${fraction}`;
}

type DealInput = { status: 'ready'; input: DealTermsInput } | { status: 'incomplete'; message: string };

function dealInput(properties: Record<string, string | null>, companyId: number | undefined): DealInput {
  const amount = normalizeAmount(properties['amount']);
  const currency = (properties['deal_currency_code'] ?? '').trim().toUpperCase();
  if (companyId === undefined)
    return { status: 'incomplete', message: 'Associate the deal with a company to get payment terms.' };
  if (amount === null || Number(amount) <= 0)
    return { status: 'incomplete', message: 'Give the deal an amount to get payment terms.' };
  if (currency === '')
    return { status: 'incomplete', message: 'Set the deal currency to get payment terms.' };
  return { status: 'ready', input: { crmCompanyId: String(companyId), amount, currency } };
}

/** The deal card's data: the deal's amount, currency and company from HubSpot, then the recommendation. */
export function usePaymentTerms(dealId: string): PaymentTermsApi {
  const baseUrl = useCollectionsApiUrl();
  const crm = useCrmProperties(DEAL_PROPERTIES);
  const companies = useAssociations({ toObjectType: COMPANIES, pageLength: 1 });
  const crmLoading = crm.isLoading || companies.isLoading;
  const crmError = crm.error ?? companies.error;
  const input = dealInput(crm.properties, companies.results[0]?.toObjectId);
  const key =
    crmLoading || crmError !== null ? 'waiting for the deal' : JSON.stringify([baseUrl, dealId, input]);

  const { state, reload } = useApiResource<DealTerms>(key, async () => {
    if (input.status === 'incomplete')
      return { ok: true, value: { kind: 'incomplete', message: input.message } };
    const result = await callCollectionsApi<RecommendationResponse>(baseUrl, {
      method: 'POST',
      path: `/api/v1/deals/${encodeURIComponent(dealId)}/payment-terms`,
      body: input.input,
    });
    return result.ok
      ? {
          ok: true,
          value: { kind: 'recommendation', input: input.input, recommendation: result.value.recommendation },
        }
      : result;
  });

  const accepting =
    state.status === 'success' && state.data.kind === 'recommendation' ? state.data.input : null;
  const accept = useCallback(
    (optionId: string) =>
      accepting === null
        ? Promise.resolve<ApiResult<AcceptResponse>>({
            ok: false,
            failure: apiFailure('Nothing to accept yet.'),
          })
        : callCollectionsApi<AcceptResponse>(baseUrl, {
            method: 'POST',
            path: `/api/v1/deals/${encodeURIComponent(dealId)}/payment-terms/accept`,
            body: { ...accepting, optionId },
          }),
    [accepting, baseUrl, dealId],
  );

  if (crmLoading) return { state: { status: 'loading' }, reload, accept };
  if (crmError !== null)
    return {
      state: { status: 'error', failure: apiFailure(`HubSpot could not read the deal: ${crmError.message}`) },
      reload: () => void crm.refetch().then(() => companies.refetch()),
      accept,
    };
  return { state, reload, accept };
}
