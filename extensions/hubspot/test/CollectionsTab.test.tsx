import {
  Alert,
  BarChart,
  Button,
  DateInput,
  EmptyState,
  ErrorState,
  Form,
  Input,
  LoadingSpinner,
  Select,
  StatisticsItem,
  StatusTag,
  TableRow,
  Tag,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CollectionsTab } from '../../../app/cards/CollectionsTab';
import { change, configureContext, createAccountView, mockCollectionsApi, textOf } from './mocks';

const ACCOUNT = 'GET /api/v1/companies/4501/collections';

function renderTab() {
  const renderer = createRenderer('crm.record.tab');
  configureContext(renderer.mocks.context, 4501);
  renderer.render(<CollectionsTab />);
  return renderer;
}

describe('company Collections tab', () => {
  it('shows a spinner, then the billing account of the company', async () => {
    const { requests } = mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView() } } });
    const { find, findAll, maybeFind, waitFor } = renderTab();
    expect(maybeFind(LoadingSpinner)).not.toBeNull();

    await waitFor(() => expect(textOf(find(StatusTag))).toBe('Overdue'));
    expect(requests).toEqual([
      { method: 'GET', path: '/api/v1/companies/4501/collections', body: undefined },
    ]);
    expect(find(StatusTag).props.variant).toBe('warning');
    expect(find(StatisticsItem, { label: 'Overdue (EUR)' }).props.number).toBe('€4500.00');
    expect(find(StatisticsItem, { label: 'Outstanding (EUR)' }).props.number).toBe('€12500.00');
    expect(find(StatisticsItem, { label: 'Oldest days past due' }).props.number).toBe(47);

    const chart = find(BarChart);
    expect(chart.props.data).toContainEqual({ bucket: '1-30', amount: 3000, currency: 'EUR' });
    expect(chart.props.axes.x.field).toBe('bucket');

    const invoiceRows = findAll(TableRow).map(textOf);
    expect(invoiceRows.some((row) => row.includes('in_099') && row.includes('Disputed'))).toBe(true);
    expect(invoiceRows.some((row) => row.includes('in_101') && row.includes('2 failed attempts'))).toBe(true);
    expect(invoiceRows.some((row) => row.includes('dp_7') && row.includes('product_not_received'))).toBe(
      true,
    );

    const failure = find(Alert, { title: 'Last payment failed on 2026-11-02: soft (funds)' });
    expect(textOf(failure)).toContain('Retry near payday');
    expect(textOf(find(Alert, { title: 'Recommended next step: Call the finance contact' }))).toContain(
      'Tone: firm',
    );
    expect(find(Tag, (node) => textOf(node) === 'high risk').props.variant).toBe('error');
    expect(maybeFind(Tag, (node) => textOf(node) === 'In renewal window')).not.toBeNull();
    expect(textOf(find(TableRow, (row) => textOf(row).includes('Send the statement')))).toContain('high');
    const text = textOf(find(Alert, { title: 'Last payment failed on 2026-11-02: soft (funds)' }));
    expect(text).toContain('insufficient_funds');
  });

  it('warns when the card on file expires before the renewal', async () => {
    mockCollectionsApi({
      [ACCOUNT]: {
        body: {
          ok: true,
          data: createAccountView({
            cardExpiry: {
              expires: '11/26',
              expiresOn: '2026-11-30',
              nextChargeOn: '2026-12-15',
              what: 'renewal',
              text: 'Card on file expires 11/26, renewal 2026-12-15',
            },
          }),
        },
      },
    });
    const { getRootNode, waitFor, find } = renderTab();
    await waitFor(() => expect(textOf(getRootNode())).toContain('Risk and renewal'));
    expect(textOf(find(Alert, { title: 'Card on file will fail' }))).toContain(
      'Card on file expires 11/26, renewal 2026-12-15',
    );
  });

  it('shows no card warning when the card outlives the next charge', async () => {
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView({ cardExpiry: null }) } } });
    const { getRootNode, waitFor, maybeFind } = renderTab();
    await waitFor(() => expect(textOf(getRootNode())).toContain('Risk and renewal'));
    expect(maybeFind(Alert, { title: 'Card on file will fail' })).toBeNull();
  });

  it('shows the risk reasons and mitigating factors', async () => {
    mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView() } } });
    const { getRootNode, waitFor } = renderTab();
    await waitFor(() => expect(textOf(getRootNode())).toContain('Raises the risk'));
    expect(textOf(getRootNode())).toContain('Paid 3 of the last 5 invoices late');
    expect(textOf(getRootNode())).toContain('Customer for 6 years');
    expect(textOf(getRootNode())).toContain('2027-01-15 (in 56 days)');
  });

  it('shows the empty state when the company has no billing data', async () => {
    mockCollectionsApi({
      [ACCOUNT]: {
        body: {
          ok: false,
          error: { code: 'no_billing_data', message: 'No billing customer is linked to this company.' },
        },
      },
    });
    const { find, waitFor } = renderTab();
    await waitFor(() => expect(find(EmptyState).props.title).toBe('No billing data for this company'));
    expect(textOf(find(EmptyState))).toContain('No billing customer is linked to this company.');
  });

  it('shows an error with the backend message, and retries', async () => {
    mockCollectionsApi({
      [ACCOUNT]: [
        { body: { ok: false, error: { code: 'store_unavailable', message: 'The store is not reachable.' } } },
        { body: { ok: true, data: createAccountView() } },
      ],
    });
    const { find, waitFor } = renderTab();
    await waitFor(() => expect(textOf(find(ErrorState))).toContain('The store is not reachable.'));
    find(Button, (node) => textOf(node) === 'Try again').trigger('onClick');
    await waitFor(() => expect(textOf(find(StatusTag))).toBe('Overdue'));
  });

  it('shows a generic error when HubSpot hides the body of a failed request', async () => {
    mockCollectionsApi({ [ACCOUNT]: { status: 502 } });
    const { find, waitFor } = renderTab();
    await waitFor(() => expect(textOf(find(ErrorState))).toContain('failed (HTTP 502)'));
  });

  it('says so when the backend URL is not configured', async () => {
    const fetch = mockCollectionsApi({});
    const renderer = createRenderer('crm.record.tab');
    renderer.render(<CollectionsTab />);
    await renderer.waitFor(() => expect(textOf(renderer.find(ErrorState))).toContain('COLLECTIONS_API_URL'));
    expect(fetch.requests).toEqual([]);
  });

  it('pauses automation with the reason and date, then reloads the account', async () => {
    const paused = createAccountView({
      paused: { reason: 'Negotiating a payment plan', until: '2026-12-31' },
    });
    const { requests } = mockCollectionsApi({
      [ACCOUNT]: [{ body: { ok: true, data: createAccountView() } }, { body: { ok: true, data: paused } }],
      'POST /api/v1/accounts/cus_0042/pause': {
        body: { ok: true, paused: { reason: 'Negotiating a payment plan', until: '2026-12-31' } },
      },
    });
    const { find, findByTestId, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'pause-form')).not.toBeNull());

    change(find(Input, { name: 'pauseReason' }), '  Negotiating a payment plan ');
    change(find(DateInput, { name: 'pauseUntil' }), { year: 2026, month: 11, date: 31 });
    findByTestId(Form, 'pause-form').trigger('onSubmit');

    await waitFor(() => expect(maybeFindByTestId(Button, 'resume-button')).not.toBeNull());
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      ACCOUNT,
      'POST /api/v1/accounts/cus_0042/pause',
      ACCOUNT,
    ]);
    expect(requests[1]?.body).toEqual({ reason: 'Negotiating a payment plan', until: '2026-12-31' });
    expect(textOf(find(Alert, { title: 'Automation paused until 2026-12-31' }))).toContain(
      'Negotiating a payment plan',
    );
  });

  it('does not send a pause without a reason and a date', async () => {
    const { requests } = mockCollectionsApi({ [ACCOUNT]: { body: { ok: true, data: createAccountView() } } });
    const { find, findByTestId, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'pause-form')).not.toBeNull());
    findByTestId(Form, 'pause-form').trigger('onSubmit');
    expect(find(Input, { name: 'pauseReason' }).props.validationMessage).toBe('Say why automation stops');
    expect(find(DateInput, { name: 'pauseUntil' }).props.error).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('shows where the backend refused a pause', async () => {
    mockCollectionsApi({
      [ACCOUNT]: { body: { ok: true, data: createAccountView() } },
      'POST /api/v1/accounts/cus_0042/pause': {
        body: { ok: false, error: { path: 'until', message: 'must not be in the past' } },
      },
    });
    const { find, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'pause-form')).not.toBeNull());
    change(find(Input, { name: 'pauseReason' }), 'Plan');
    change(find(DateInput, { name: 'pauseUntil' }), { year: 2026, month: 0, date: 2 });
    findByTestId(Form, 'pause-form').trigger('onSubmit');
    await waitFor(() => expect(maybeFind(Alert, { title: 'Could not pause' })).not.toBeNull());
    expect(textOf(find(Alert, { title: 'Could not pause' }))).toContain('until: must not be in the past');
  });

  it('resumes a paused account, then reloads it', async () => {
    const paused = createAccountView({ paused: { reason: 'Plan agreed', until: '2026-12-31' } });
    const { requests } = mockCollectionsApi({
      [ACCOUNT]: [{ body: { ok: true, data: paused } }, { body: { ok: true, data: createAccountView() } }],
      'DELETE /api/v1/accounts/cus_0042/pause': { body: { ok: true, resumed: true } },
    });
    const { findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Button, 'resume-button')).not.toBeNull());
    findByTestId(Button, 'resume-button').trigger('onClick');
    await waitFor(() => expect(maybeFindByTestId(Form, 'pause-form')).not.toBeNull());
    expect(maybeFind(Alert, { title: 'Automation resumed' })).not.toBeNull();
    expect(requests.map((request) => request.method)).toEqual(['GET', 'DELETE', 'GET']);
  });

  it('creates a task with title, due date and priority, then reloads the account', async () => {
    const withTask = createAccountView({
      tasks: [
        ...createAccountView().tasks,
        {
          taskId: 't_2',
          title: 'Ask for a remittance advice',
          dueOn: '2026-11-25',
          priority: 'low',
          state: 'open',
          assignee: 'owner',
        },
      ],
    });
    const { requests } = mockCollectionsApi({
      [ACCOUNT]: [{ body: { ok: true, data: createAccountView() } }, { body: { ok: true, data: withTask } }],
      'POST /api/v1/companies/4501/tasks': {
        body: { ok: true, task: { title: 'Ask for a remittance advice', dueOn: '2026-11-25' } },
      },
    });
    const { find, findByTestId, maybeFind, maybeFindByTestId, waitFor } = renderTab();
    await waitFor(() => expect(maybeFindByTestId(Form, 'task-form')).not.toBeNull());

    change(find(Input, { name: 'taskTitle' }), 'Ask for a remittance advice');
    change(find(DateInput, { name: 'taskDueOn' }), { year: 2026, month: 10, date: 25 });
    change(find(Select, { name: 'taskPriority' }), 'low');
    findByTestId(Form, 'task-form').trigger('onSubmit');

    await waitFor(() =>
      expect(maybeFind(TableRow, (row) => textOf(row).includes('remittance'))).not.toBeNull(),
    );
    expect(requests[1]).toEqual({
      method: 'POST',
      path: '/api/v1/companies/4501/tasks',
      body: { title: 'Ask for a remittance advice', dueOn: '2026-11-25', priority: 'low' },
    });
    expect(requests).toHaveLength(3);
    expect(textOf(find(Alert, { title: 'Task created' }))).toContain('due 2026-11-25');
    expect(find(Input, { name: 'taskTitle' }).props.value).toBe('');
  });
});
