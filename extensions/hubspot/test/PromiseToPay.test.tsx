import { act } from 'react';
import {
  Alert,
  Checkbox,
  DateInput,
  Form,
  Input,
  Select,
  StatusTag,
  Tag,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CollectionsSidebar } from '../../../app/cards/CollectionsSidebar';
import { CollectionsTab } from '../../../app/cards/CollectionsTab';
import type { AccountCardView } from '../../../app/cards/api/accountView';
import {
  change,
  configureContext,
  createAccountView,
  createPromise,
  mockCollectionsApi,
  money,
  textOf,
} from './mocks';

const ACCOUNT = 'GET /api/v1/companies/4501/collections';
const RECORD = 'POST /api/v1/accounts/cus_0042/promises';

function renderTab() {
  const renderer = createRenderer('crm.record.tab');
  configureContext(renderer.mocks.context, 4501);
  renderer.render(<CollectionsTab />);
  return renderer;
}

function renderSidebar() {
  const renderer = createRenderer('crm.record.sidebar');
  configureContext(renderer.mocks.context, 4501);
  renderer.render(<CollectionsSidebar />);
  return renderer;
}

/** Ticks a checkbox the way HubSpot reports it: checked, with the box's value. */
function tick(box: { props: { value?: string; onChange?: (checked: boolean, value: string) => void } }) {
  act(() => box.props.onChange?.(true, box.props.value ?? ''));
}

const usd = (minor: number, text: string) => ({ minor, currency: 'USD', text });

/** Two USD invoices and one EUR invoice: USD is the account's main currency. */
function twoCurrencyAccount(overrides: Partial<AccountCardView> = {}): AccountCardView {
  const base = createAccountView();
  const [eurInvoice] = base.openInvoices;
  if (eurInvoice === undefined) throw new Error('the mock account has open invoices');
  return createAccountView({
    openInvoices: [
      { ...eurInvoice, invoiceId: 'in_eur' },
      {
        ...eurInvoice,
        invoiceId: 'INV-1',
        amount: usd(800_000, 'USD 8,000.00'),
        outstanding: usd(800_000, 'USD 8,000.00'),
      },
      {
        ...eurInvoice,
        invoiceId: 'INV-2',
        amount: usd(400_000, 'USD 4,000.00'),
        outstanding: usd(400_000, 'USD 4,000.00'),
      },
    ],
    ...overrides,
  });
}

const recorded = {
  ok: true,
  data: {
    recorded: true,
    promise: {
      ...createPromise({ invoiceIds: ['INV-1', 'INV-2'], madeBy: 'Jane, AP' }),
      customerId: 'cus_0042',
    },
  },
};

describe('promises to pay on the company tab', () => {
  it('shows the open promise with what it holds, and how the latest ones ended', async () => {
    const view = createAccountView({
      promises: {
        open: [createPromise({ invoiceIds: ['INV-1', 'INV-2'], madeBy: 'Jane, AP' })],
        lastOutcomes: [
          createPromise({
            promiseId: 'pr_k',
            state: 'kept',
            settledOn: '2026-11-10',
            received: [usd(1_200_000, 'USD 12,000.00')],
          }),
          createPromise({
            promiseId: 'pr_p',
            state: 'partly_kept',
            settledOn: '2026-11-01',
            received: [usd(400_000, 'USD 4,000.00')],
          }),
          createPromise({
            promiseId: 'pr_b',
            state: 'broken',
            promisedOn: '2026-10-01',
            settledOn: '2026-10-05',
          }),
        ],
      },
    });
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: view } } });
    const { find, findAll, waitFor, maybeFindByTestId } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Text, 'promise-pr_1')).not.toBeNull());
    expect(textOf(find(Text, { testId: 'promise-pr_1' }))).toBe(
      'Promise: USD 12,000.00 by 2026-12-15 (from Jane, AP) — reminders on INV-1, INV-2 held until 2026-12-18',
    );
    const outcomes = findAll(Tag)
      .map((tag) => textOf(tag))
      .filter((label) => ['Kept', 'Partly kept', 'Broken'].includes(label));
    expect(outcomes).toEqual(['Kept', 'Partly kept', 'Broken']);
    const texts = findAll(Text).map((node) => textOf(node));
    expect(texts).toContain('USD 12,000.00 by 2026-12-15 (settled 2026-11-10)');
    expect(texts).toContain('USD 4,000.00 of USD 12,000.00 (settled 2026-11-01)');
    expect(texts).toContain('USD 12,000.00 by 2026-10-01, nothing received (settled 2026-10-05)');
  });

  it('says so when no promise was recorded', async () => {
    mockCollectionsApi({
      [ACCOUNT]: [
        { body: { ok: true, data: createAccountView({ promises: { open: [], lastOutcomes: [] } }) } },
      ],
    });
    const { findAll, waitFor, maybeFindByTestId } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'promise-form')).not.toBeNull());
    expect(findAll(Text).map((node) => textOf(node))).toContain('No promise to pay recorded.');
  });

  it('records a promise in the main currency on the chosen invoices, then reloads the account', async () => {
    const after = twoCurrencyAccount({
      promises: {
        open: [createPromise({ invoiceIds: ['INV-1', 'INV-2'], madeBy: 'Jane, AP' })],
        lastOutcomes: [],
      },
    });
    const { requests } = mockCollectionsApi({
      [ACCOUNT]: [{ body: { ok: true, data: twoCurrencyAccount() } }, { body: { ok: true, data: after } }],
      [RECORD]: { body: recorded },
    });
    const { find, findAll, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'promise-form')).not.toBeNull());

    expect(find(Select, { name: 'promiseCurrency' }).props.value).toBe('USD');
    expect(findAll(Checkbox, { name: 'promiseInvoice' }).map((box) => box.props.value)).toEqual([
      'INV-1',
      'INV-2',
    ]);
    change(find(Input, { name: 'promiseAmount' }), ' 12000.00 ');
    change(find(DateInput, { name: 'promiseDate' }), { year: 2026, month: 11, date: 15 });
    tick(find(Checkbox, { value: 'INV-2' }));
    tick(find(Checkbox, { value: 'INV-1' }));
    change(find(Input, { name: 'promiseMadeBy' }), 'Jane, AP ');
    change(find(TextArea, { name: 'promiseNote' }), 'Wire after the board meeting');
    findByTestId(Form, 'promise-form').trigger('onSubmit');

    await waitFor(() => expect(maybeFind(Alert, { title: 'Promise recorded' })).not.toBeNull());
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      ACCOUNT,
      RECORD,
      ACCOUNT,
    ]);
    expect(requests[1]?.body).toEqual({
      amounts: [{ currency: 'USD', amount: '12000.00' }],
      promisedOn: '2026-12-15',
      invoiceIds: ['INV-2', 'INV-1'],
      madeBy: 'Jane, AP',
      note: 'Wire after the board meeting',
    });
    expect(textOf(find(Alert, { title: 'Promise recorded' }))).toContain('held until 2026-12-18');
    await waitFor(() => expect(maybeFindByTestId(Text, 'promise-pr_1')).not.toBeNull());
    expect(find(Input, { name: 'promiseAmount' }).props.value).toBe('');
  });

  it('offers the invoices of the chosen currency only, and drops the ticked ones on a change', async () => {
    const { requests } = mockCollectionsApi({
      [ACCOUNT]: { body: { ok: true, data: twoCurrencyAccount() } },
      [RECORD]: { body: recorded },
    });
    const { find, findAll, findByTestId, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'promise-form')).not.toBeNull());
    tick(find(Checkbox, { value: 'INV-1' }));
    change(find(Select, { name: 'promiseCurrency' }), 'EUR');
    expect(findAll(Checkbox, { name: 'promiseInvoice' }).map((box) => box.props.value)).toEqual(['in_eur']);
    change(find(Input, { name: 'promiseAmount' }), '500');
    change(find(DateInput, { name: 'promiseDate' }), { year: 2026, month: 11, date: 1 });
    findByTestId(Form, 'promise-form').trigger('onSubmit');
    await waitFor(() => expect(requests).toHaveLength(2));
    expect(requests[1]?.body).toEqual({
      amounts: [{ currency: 'EUR', amount: '500' }],
      promisedOn: '2026-12-01',
      invoiceIds: [],
    });
  });

  it('does not send a promise without an amount in digits and a date', async () => {
    const { requests } = mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView() } } });
    const { find, findByTestId, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'promise-form')).not.toBeNull());
    findByTestId(Form, 'promise-form').trigger('onSubmit');
    expect(find(Input, { name: 'promiseAmount' }).props.validationMessage).toBe(
      'Enter the amount in digits, e.g. 12000.00',
    );
    expect(find(DateInput, { name: 'promiseDate' }).props.error).toBe(true);
    change(find(Input, { name: 'promiseAmount' }), '0.00');
    change(find(DateInput, { name: 'promiseDate' }), { year: 2026, month: 11, date: 15 });
    findByTestId(Form, 'promise-form').trigger('onSubmit');
    expect(find(Input, { name: 'promiseAmount' }).props.validationMessage).toBe(
      'The amount must be more than 0',
    );
    expect(requests).toHaveLength(1);
  });

  it('shows where the backend refused a promise', async () => {
    mockCollectionsApi({
      [ACCOUNT]: { body: { ok: true, data: createAccountView() } },
      [RECORD]: {
        status: 200,
        body: {
          ok: false,
          error: { code: 'invalid_request', path: 'promisedOn', message: 'at most 180 days ahead' },
        },
      },
    });
    const { find, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'promise-form')).not.toBeNull());
    change(find(Input, { name: 'promiseAmount' }), '4500.00');
    change(find(DateInput, { name: 'promiseDate' }), { year: 2027, month: 11, date: 15 });
    findByTestId(Form, 'promise-form').trigger('onSubmit');
    await waitFor(() => expect(maybeFind(Alert, { title: 'Could not record the promise' })).not.toBeNull());
    expect(textOf(find(Alert, { title: 'Could not record the promise' }))).toContain(
      'promisedOn: at most 180 days ahead',
    );
  });
});

describe('promises to pay on the company sidebar', () => {
  it('shows one line while a promise is open', async () => {
    const view = createAccountView({
      promises: { open: [createPromise({ invoiceIds: [], amounts: [money(450_000)] })], lastOutcomes: [] },
    });
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: view } } });
    const { find, maybeFindByTestId, waitFor } = renderSidebar();
    await waitFor(() => expect(maybeFindByTestId(Text, 'open-promise')).not.toBeNull());
    expect(textOf(find(Text, { testId: 'open-promise' }))).toBe(
      'Promise: €4500.00 by 2026-12-15 — reminders on the account held until 2026-12-18',
    );
  });

  it('shows no promise line when none is open', async () => {
    const view = createAccountView({
      promises: { open: [], lastOutcomes: [createPromise({ state: 'kept', settledOn: '2026-11-10' })] },
    });
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: view } } });
    const { find, maybeFindByTestId, waitFor } = renderSidebar();
    await waitFor(() => expect(textOf(find(StatusTag))).toBe('Overdue'));
    expect(maybeFindByTestId(Text, 'open-promise')).toBeNull();
  });
});
