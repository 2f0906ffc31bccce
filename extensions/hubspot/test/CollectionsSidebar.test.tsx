import {
  DescriptionListItem,
  EmptyState,
  ErrorState,
  LoadingSpinner,
  StatusTag,
  Tag,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CollectionsSidebar } from '../../../app/cards/CollectionsSidebar';
import { configureContext, createAccountView, mockCollectionsApi, money, textOf } from './mocks';

const ACCOUNT = 'GET /api/v1/companies/77/collections';

function renderSidebar() {
  const renderer = createRenderer('crm.record.sidebar');
  configureContext(renderer.mocks.context, 77);
  renderer.render(<CollectionsSidebar />);
  return renderer;
}

describe('company Collections sidebar', () => {
  it('shows status, overdue amounts, risk and renewal at a glance', async () => {
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView() } } });
    const { find, maybeFind, waitFor } = renderSidebar();
    expect(maybeFind(LoadingSpinner)).not.toBeNull();
    await waitFor(() => expect(textOf(find(StatusTag))).toBe('Overdue'));
    expect(textOf(find(DescriptionListItem, { label: 'Overdue' }))).toBe('€4500.00, oldest 47 days');
    expect(textOf(find(DescriptionListItem, { label: 'Payment risk' }))).toBe('72 high risk');
    expect(textOf(find(DescriptionListItem, { label: 'Renewal' }))).toContain('2027-01-15 (in 56 days)');
    expect(maybeFind(Tag, (node) => textOf(node) === 'In renewal window')).not.toBeNull();
  });

  it('says when nothing is overdue and the account is not scored', async () => {
    const current = createAccountView({
      statusLabel: 'Current',
      statusVariant: 'success',
      balances: [{ ...createAccountView().balances[0]!, overdue: money(0) }],
      risk: null,
      renewal: null,
    });
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: current } } });
    const { find, waitFor } = renderSidebar();
    await waitFor(() => expect(find(StatusTag).props.variant).toBe('success'));
    expect(textOf(find(DescriptionListItem, { label: 'Overdue' }))).toBe('Nothing overdue');
    expect(textOf(find(DescriptionListItem, { label: 'Payment risk' }))).toBe('Not scored yet');
    expect(textOf(find(DescriptionListItem, { label: 'Renewal' }))).toBe('No renewal date');
  });

  it('shows the empty state for a company without billing data', async () => {
    mockCollectionsApi({
      [ACCOUNT]: {
        body: { ok: false, error: { code: 'no_billing_data', message: 'Not a billing customer yet.' } },
      },
    });
    const { find, waitFor } = renderSidebar();
    await waitFor(() => expect(textOf(find(EmptyState))).toContain('Not a billing customer yet.'));
  });

  it('shows an error when the backend cannot be reached', async () => {
    mockCollectionsApi({ [ACCOUNT]: 'unreachable' });
    const { find, waitFor } = renderSidebar();
    await waitFor(() => expect(textOf(find(ErrorState))).toContain('could not be reached'));
  });
});
