import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createAccountDetail, fail, mockFetch, ok, okFlat, renderView } from '../test/mocks';
import { AccountView } from './AccountView';

const PATH = '/accounts/C-1042';

describe('AccountView', () => {
  it('shows the account: status, balances and aging, risk, renewal, failure, next step and timeline', async () => {
    mockFetch({ [`GET ${PATH}`]: ok(createAccountDetail()) });
    renderView(<AccountView customerId="C-1042" />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Robotics' })).toBeInTheDocument();
    expect(screen.getByTestId('account-status')).toHaveTextContent('Overdue');
    expect(screen.getByText('also Failed payment')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /USD 9000.00 outstanding by days past due/ })).toBeInTheDocument();
    expect(screen.getByText('Paid 4 of the last 6 invoices late')).toBeInTheDocument();
    expect(
      screen.getByText('71 % chance the next invoice is still unpaid 30 days after it falls due.'),
    ).toBeInTheDocument();
    expect(screen.getByText('In renewal window')).toBeInTheDocument();
    expect(screen.getByText(/Let automatic retries run/)).toBeInTheDocument();
    expect(screen.getByText(/Acme Robotics renews in 45 days/)).toBeInTheDocument();
    expect(screen.getByRole('rowheader', { name: 'in_1' })).toBeInTheDocument();
    const timeline = screen.getByTestId('timeline');
    expect(within(timeline).getAllByRole('listitem')).toHaveLength(2);
    expect(within(timeline).getByText('Payment failed')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Portfolio' })).toHaveAttribute('href', '/');
  });

  it('keeps the recommended step while its task is open, and says which rule made each task', async () => {
    mockFetch({
      [`GET ${PATH}`]: ok(
        createAccountDetail({
          tasks: [
            {
              taskId: 't-1',
              ruleId: 'renewal-window-overdue',
              title: 'Acme Robotics renews in 45 days with USD 2500.00 overdue',
              dueOn: '2026-11-29',
              priority: 'high',
              state: 'open',
              assignee: 'account_owner',
            },
            {
              taskId: 't-2',
              ruleId: 'manual',
              title: 'Call the CFO',
              dueOn: '2026-11-30',
              priority: 'medium',
              state: 'open',
              assignee: 'ana@example.com',
            },
          ],
        }),
      ),
    });
    renderView(<AccountView customerId="C-1042" />);
    expect(
      await screen.findByText('A task for this step is already open (see the tasks).'),
    ).toBeInTheDocument();
    const tasks = screen.getByRole('region', { name: 'Open collections tasks' });
    expect(within(tasks).getByText(/rule renewal-window-overdue/)).toBeInTheDocument();
    expect(within(tasks).getByText(/created by hand/)).toBeInTheDocument();
    expect(screen.queryByText('No open tasks.')).toBeNull();
  });

  it('does not claim a task is open when none is', async () => {
    mockFetch({ [`GET ${PATH}`]: ok(createAccountDetail()) });
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByText('No open tasks.')).toBeInTheDocument();
    expect(screen.queryByText(/already open/)).toBeNull();
  });

  it('shows a loading state', () => {
    mockFetch({ [`GET ${PATH}`]: 'pending' });
    renderView(<AccountView customerId="C-1042" />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading the account…');
    expect(screen.getByRole('heading', { level: 1, name: 'C-1042' })).toBeInTheDocument();
  });

  it('shows the server message when the account cannot be loaded', async () => {
    mockFetch({ [`GET ${PATH}`]: fail('no account C-1042') });
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('no account C-1042');
  });

  it('shows a network failure and retries', async () => {
    let attempts = 0;
    mockFetch({
      [`GET ${PATH}`]: () => {
        attempts += 1;
        return attempts === 1 ? 'network-error' : ok(createAccountDetail());
      },
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Robotics' })).toBeInTheDocument();
  });

  it('says when the card on file expires before the renewal, and nothing when it does not', async () => {
    mockFetch({
      [`GET ${PATH}`]: ok(
        createAccountDetail({
          cardExpiry: {
            expires: '11/26',
            expiresOn: '2026-11-30',
            nextChargeOn: '2026-12-15',
            what: 'renewal',
            text: 'Card on file expires 11/26, renewal 2026-12-15',
          },
        }),
      ),
    });
    const { unmount } = renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByTestId('card-expiry')).toHaveTextContent(
      'Card on file expires 11/26, renewal 2026-12-15',
    );
    unmount();

    mockFetch({ [`GET ${PATH}`]: ok(createAccountDetail({ cardExpiry: null })) });
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Robotics' })).toBeInTheDocument();
    expect(screen.queryByTestId('card-expiry')).toBeNull();
  });

  it('says so when an account has nothing outstanding and no history', async () => {
    const detail = createAccountDetail({
      status: 'current',
      statusLabel: 'Current',
      statusVariant: 'success',
      situations: ['current'],
      balances: [],
      openInvoices: [],
      lastFailure: null,
      risk: null,
      renewal: null,
      nextStep: null,
      oldestDaysPastDue: 0,
      overdueInvoiceCount: 0,
    });
    mockFetch({ [`GET ${PATH}`]: ok({ ...detail, timeline: [] }) });
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByText('Nothing is outstanding.')).toBeInTheDocument();
    expect(screen.getByText('No open invoices.')).toBeInTheDocument();
    expect(screen.getByText('No billing history yet.')).toBeInTheDocument();
    expect(screen.getByText('No risk score yet.')).toBeInTheDocument();
    expect(screen.getByText('Nothing is due today under the active rules.')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Last failed payment' })).toBeNull();
  });

  it('pauses automation with a reason and an expiry, then refreshes the account', async () => {
    let paused = false;
    const calls = mockFetch({
      [`GET ${PATH}`]: () =>
        ok(
          paused
            ? createAccountDetail({
                status: 'paused',
                statusLabel: 'Automation paused',
                statusVariant: 'info',
                paused: { reason: 'Renewal call on Friday', until: '2026-12-15' },
              })
            : createAccountDetail(),
        ),
      [`POST ${PATH}/pause`]: (call) => {
        paused = true;
        return okFlat({ paused: call.body as Record<string, unknown> });
      },
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    await screen.findByTestId('account-status');

    const until = screen.getByLabelText('Paused until');
    expect(until).toHaveValue('2026-12-11');
    await user.type(screen.getByLabelText('Reason'), 'Renewal call on Friday');
    await user.clear(until);
    await user.type(until, '2026-12-15');
    await user.click(screen.getByRole('button', { name: 'Pause automation' }));

    await waitFor(() => expect(screen.getByTestId('account-status')).toHaveTextContent('Automation paused'));
    const post = calls.find((call) => call.method === 'POST');
    expect(post).toEqual({
      method: 'POST',
      path: `${PATH}/pause`,
      body: { reason: 'Renewal call on Friday', until: '2026-12-15' },
    });
    expect(calls.filter((call) => call.method === 'GET' && call.path === PATH)).toHaveLength(2);
    expect(screen.getByRole('status')).toHaveTextContent('Automation paused until');
    expect(screen.getByRole('button', { name: 'Resume automation' })).toBeInTheDocument();
  });

  it('asks for a reason before pausing', async () => {
    const calls = mockFetch({ [`GET ${PATH}`]: ok(createAccountDetail()) });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    await user.click(await screen.findByRole('button', { name: 'Pause automation' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Give a reason');
    expect(screen.getByLabelText('Reason')).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((call) => call.method === 'POST')).toBe(false);
  });

  it('shows the server rejecting the date next to the date field', async () => {
    mockFetch({
      [`GET ${PATH}`]: ok(createAccountDetail()),
      [`POST ${PATH}/pause`]: fail('must not be in the past', { path: 'until' }),
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    await user.type(await screen.findByLabelText('Reason'), 'Call');
    await user.click(screen.getByRole('button', { name: 'Pause automation' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('must not be in the past');
    expect(screen.getByLabelText('Paused until')).toHaveAttribute('aria-invalid', 'true');
  });

  it('resumes a paused account', async () => {
    let paused = true;
    const calls = mockFetch({
      [`GET ${PATH}`]: () =>
        ok(createAccountDetail(paused ? { paused: { reason: 'Renewal call', until: '2026-12-15' } } : {})),
      [`DELETE ${PATH}/pause`]: () => {
        paused = false;
        return okFlat({ resumed: true });
      },
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByText(/Renewal call/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Resume automation' }));
    expect(await screen.findByRole('button', { name: 'Pause automation' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Automation resumed.');
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET ${PATH}`,
      `DELETE ${PATH}/pause`,
      `GET ${PATH}`,
    ]);
  });

  it('offers no way back to the portfolio when embedded', async () => {
    mockFetch({ [`GET ${PATH}`]: ok(createAccountDetail()) });
    renderView(<AccountView customerId="C-1042" embedded />);
    await screen.findByTestId('account-status');
    expect(screen.queryByRole('link', { name: 'Portfolio' })).toBeNull();
  });
});
