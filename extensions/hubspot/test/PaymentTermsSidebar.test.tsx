import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Heading,
  LoadingSpinner,
  Select,
  TableRow,
  Tag,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { PaymentTermsSidebar } from '../../../app/cards/PaymentTermsSidebar';
import { normalizeAmount } from '../../../app/cards/hooks/usePaymentTerms';
import {
  change,
  configureContext,
  createRecommendation,
  createTermOption,
  mockCollectionsApi,
  textOf,
} from './mocks';

const RECOMMEND = 'POST /api/v1/deals/555/payment-terms';
const ACCEPT = 'POST /api/v1/deals/555/payment-terms/accept';
const DEAL = { crmCompanyId: '987', amount: '120000', currency: 'USD' };

function renderDealCard(
  deal: { properties?: Record<string, string | null>; companyIds?: number[]; loading?: boolean } = {},
) {
  const renderer = createRenderer('crm.record.sidebar');
  configureContext(renderer.mocks.context, 555);
  const properties = deal.properties ?? { amount: '120000.00', deal_currency_code: 'usd' };
  renderer.mocks.useCrmProperties.willCall(() => ({
    properties,
    error: null,
    isLoading: deal.loading ?? false,
    isRefetching: false,
    refetch: async () => {},
  }));
  renderer.mocks.useAssociations.willCall(() => ({
    results: (deal.companyIds ?? [987]).map((toObjectId) => ({
      toObjectId,
      associationTypes: [],
      properties: {},
    })),
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => {},
    pagination: {
      hasNextPage: false,
      hasPreviousPage: false,
      currentPage: 1,
      pageSize: 1,
      nextPage: () => {},
      previousPage: () => {},
      reset: () => {},
    },
  }));
  renderer.render(<PaymentTermsSidebar />);
  return renderer;
}

describe('deal Payment terms sidebar', () => {
  it("asks for terms with the deal's amount, currency and company, and shows the ranked options", async () => {
    const { requests } = mockCollectionsApi({
      [RECOMMEND]: { body: { ok: true, dealId: '555', recommendation: createRecommendation() } },
    });
    const { find, findAll, getRootNode, maybeFind, waitFor, mocks } = renderDealCard();
    expect(maybeFind(LoadingSpinner)).not.toBeNull();
    await waitFor(() => expect(textOf(find(Heading))).toBe('Recommended: Net 60'));

    expect(mocks.useCrmProperties.calls[0]?.[0]).toEqual(['amount', 'deal_currency_code']);
    expect(mocks.useAssociations.calls[0]?.[0]).toEqual({ toObjectType: '0-2', pageLength: 1 });
    expect(requests).toEqual([{ method: 'POST', path: '/api/v1/deals/555/payment-terms', body: DEAL }]);

    const root = textOf(getRootNode());
    expect(root).toContain('30 of 40 similar companies pay within 59 days');
    const rows = findAll(TableRow).map(textOf);
    expect(rows[1]).toContain('1. Net 60');
    expect(rows[1]).toContain('Recommended');
    expect(rows[2]).toContain('2. Net 30');
    expect(rows.some((row) => row.includes('Net 90'))).toBe(false);
    expect(root).toContain('Net 90: longer than the 60-day cap for medium-risk buyers');
    expect(find(Tag, (node) => textOf(node) === 'medium risk').props.variant).toBe('warning');
    expect(find(Select, { name: 'termsOption' }).props.value).toBe('net_60');
  });

  it('shows cash timing from signing, folds options with the same figures and never an unbounded ratio', async () => {
    const recommendation = createRecommendation({
      policy: {
        id: 'defaults',
        riskTier: 'high',
        relativeRisk: 1992,
        relativeRiskText: 'more than 10 times the odds of paying late of similar companies',
        cardAutopayUnavailable: null,
      },
      options: [
        createTermOption({ id: 'net_60', label: 'Net 60', rank: 1, recommended: true }),
        createTermOption({
          id: 'quarterly',
          label: 'Quarterly, net 30',
          rank: 2,
          estimate: {
            expectedDaysToCash: 30,
            daysFromSigningToFirstCash: 30,
            daysFromSigningToLastCash: 304,
            probabilityLate: 0.2,
            invoices: 4,
            discountMinor: 0,
          },
        }),
        createTermOption({ id: 'same', label: 'Same as net 60', rank: 3, sameFiguresAs: 'net_60' }),
      ],
    });
    mockCollectionsApi({ [RECOMMEND]: { body: { ok: true, dealId: '555', recommendation } } });
    const { findAll, getRootNode, waitFor, find } = renderDealCard();
    await waitFor(() => expect(textOf(find(Heading))).toBe('Recommended: Net 60'));
    const rows = findAll(TableRow).map(textOf);
    expect(rows[0]).toContain('Days from signing to cash');
    expect(rows[2]).toContain('30–304');
    expect(rows.some((row) => row.includes('Same as net 60'))).toBe(false);
    const root = textOf(getRootNode());
    expect(root).toContain('high tier (more than 10 times the odds of paying late of similar companies)');
    expect(root).not.toMatch(/\d\.\d×/);
  });

  it('accepts the recommended option', async () => {
    const { requests } = mockCollectionsApi({
      [RECOMMEND]: { body: { ok: true, dealId: '555', recommendation: createRecommendation() } },
      [ACCEPT]: { body: { ok: true, state: 'accepted', optionId: 'net_60', overridden: false } },
    });
    const { findByTestId, maybeFind, maybeFindByTestId, find, waitFor } = renderDealCard();
    await waitFor(() => expect(maybeFindByTestId(Button, 'accept-terms')).not.toBeNull());
    findByTestId(Button, 'accept-terms').trigger('onClick');
    await waitFor(() => expect(maybeFind(Alert, { title: 'Terms accepted' })).not.toBeNull());
    expect(requests[1]).toEqual({
      method: 'POST',
      path: '/api/v1/deals/555/payment-terms/accept',
      body: { ...DEAL, optionId: 'net_60' },
    });
    expect(textOf(find(Alert, { title: 'Terms accepted' }))).toBe('Net 60.');
  });

  it('accepts another allowed option the user chose', async () => {
    const { requests } = mockCollectionsApi({
      [RECOMMEND]: { body: { ok: true, dealId: '555', recommendation: createRecommendation() } },
      [ACCEPT]: { body: { ok: true, state: 'accepted', optionId: 'net_30', overridden: true } },
    });
    const { find, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderDealCard();
    await waitFor(() => expect(maybeFindByTestId(Button, 'accept-terms')).not.toBeNull());
    expect(find(Select, { name: 'termsOption' }).props.options.map((option) => option.value)).toEqual([
      'net_60',
      'net_30',
    ]);
    change(find(Select, { name: 'termsOption' }), 'net_30');
    findByTestId(Button, 'accept-terms').trigger('onClick');
    await waitFor(() => expect(maybeFind(Alert, { title: 'Terms accepted' })).not.toBeNull());
    expect(requests[1]?.body).toEqual({ ...DEAL, optionId: 'net_30' });
    expect(textOf(find(Alert, { title: 'Terms accepted' }))).toBe('Net 30, instead of the recommendation.');
  });

  it('shows why an acceptance was refused', async () => {
    mockCollectionsApi({
      [RECOMMEND]: { body: { ok: true, dealId: '555', recommendation: createRecommendation() } },
      [ACCEPT]: {
        body: { ok: false, error: { path: 'optionId', message: 'net_30 is blocked by the guardrails' } },
      },
    });
    const { find, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderDealCard();
    await waitFor(() => expect(maybeFindByTestId(Button, 'accept-terms')).not.toBeNull());
    findByTestId(Button, 'accept-terms').trigger('onClick');
    await waitFor(() => expect(maybeFind(Alert, { title: 'Could not accept the terms' })).not.toBeNull());
    expect(textOf(find(Alert, { title: 'Could not accept the terms' }))).toBe(
      'optionId: net_30 is blocked by the guardrails',
    );
  });

  it('needs a company, an amount and a currency before asking', async () => {
    const { requests } = mockCollectionsApi({});
    const { find, waitFor } = renderDealCard({ companyIds: [] });
    await waitFor(() => expect(textOf(find(EmptyState))).toContain('Associate the deal with a company'));
    expect(requests).toEqual([]);
  });

  it('waits for HubSpot to load the deal', () => {
    const { requests } = mockCollectionsApi({});
    const { maybeFind } = renderDealCard({ loading: true });
    expect(maybeFind(LoadingSpinner)).not.toBeNull();
    expect(requests).toEqual([]);
  });

  it('shows a generic error when the backend refuses the deal without a readable body', async () => {
    mockCollectionsApi({ [RECOMMEND]: { status: 422 } });
    const { find, waitFor } = renderDealCard();
    await waitFor(() => expect(textOf(find(ErrorState))).toContain('rejected the input'));
  });

  it('normalizes HubSpot amounts to decimal major units', () => {
    expect(normalizeAmount('120000.00')).toBe('120000');
    expect(normalizeAmount(' 99.50 ')).toBe('99.5');
    expect(normalizeAmount('1e5')).toBeNull();
    expect(normalizeAmount(null)).toBeNull();
  });
});
