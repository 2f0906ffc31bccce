import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  createSession,
  createWorklist,
  createWorklistAccount,
  fail,
  mockFetch,
  ok,
  okFlat,
  renderView,
} from '../test/mocks';
import { WorklistSection } from './AttentionTable';

const FIRST_PAGE = 'GET /worklist?offset=0&limit=25';

describe('WorklistSection', () => {
  it('shows the accounts in the server order with money at risk, situations and the next step', async () => {
    mockFetch({ [FIRST_PAGE]: ok(createWorklist()) });
    renderView(<WorklistSection />);
    const table = await screen.findByTestId('worklist-table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('link')[0]?.textContent)).toEqual([
      'Acme Robotics',
      'C-7',
    ]);
    const first = rows[0] as HTMLElement;
    expect(within(first).getByText('USD 1810.00')).toBeInTheDocument();
    expect(within(first).getByText(/renewal USD 1200.00 at stake/)).toBeInTheDocument();
    expect(within(first).getByText('Overdue · Renewal at risk')).toBeInTheDocument();
    expect(
      within(first).getByText('Acme Robotics renews in 40 days: ask for a card update (expired_card)'),
    ).toBeInTheDocument();
    expect(within(table).getByRole('columnheader', { name: 'Money at risk' })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    expect(screen.getByText('Accounts 1–2 of 2')).toBeInTheDocument();
  });

  it('filters by owner ("My accounts" for the signed-in owner) and situation on the server, from page one', async () => {
    const calls = mockFetch({
      [FIRST_PAGE]: ok(createWorklist({ total: 60 })),
      'GET /worklist?offset=25&limit=25': ok(createWorklist({ total: 60, offset: 25 })),
      'GET /worklist?owner=local-demo&offset=0&limit=25': ok(createWorklist()),
      'GET /worklist?owner=local-demo&situation=failed_payment&offset=0&limit=25': ok(
        createWorklist({ accounts: [createWorklistAccount()], total: 1 }),
      ),
    });
    const user = userEvent.setup();
    renderView(<WorklistSection />, { session: createSession({ user: 'local-demo' }) });
    await screen.findByTestId('worklist-table');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(calls.map((call) => call.path)).toContain('/worklist?offset=25&limit=25'));
    const owner = screen.getByLabelText('Owner');
    expect(within(owner).getByRole('option', { name: 'My accounts' })).toHaveValue('local-demo');
    await user.selectOptions(owner, 'local-demo');
    await user.selectOptions(screen.getByLabelText('Situation'), 'failed_payment');
    await waitFor(() =>
      expect(calls.at(-1)?.path).toBe(
        '/worklist?owner=local-demo&situation=failed_payment&offset=0&limit=25',
      ),
    );
    expect(await screen.findByText('Accounts 1–1 of 1')).toBeInTheDocument();
  });

  it('creates the next step as a task in one click, and reloads the row', async () => {
    let created = false;
    const calls = mockFetch({
      [FIRST_PAGE]: () =>
        ok(
          createWorklist({
            accounts: [createWorklistAccount({ openTasks: created ? 1 : 0 })],
            total: 1,
          }),
        ),
      'POST /accounts/C-1042/tasks': (call) => {
        created = true;
        return okFlat({ task: { actionId: 'manual:C-1042:1', ...(call.body as object) } });
      },
    });
    const user = userEvent.setup();
    renderView(<WorklistSection />);
    await user.click(await screen.findByRole('button', { name: 'Create task for Acme Robotics' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Task created: Acme Robotics renews in 40 days: ask for a card update (expired_card)',
    );
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({
      title: 'Acme Robotics renews in 40 days: ask for a card update (expired_card)',
      dueOn: '2026-09-16',
      priority: 'high',
    });
    expect(calls.filter((call) => call.path === '/worklist?offset=0&limit=25')).toHaveLength(2);
  });

  it('pauses automation for two weeks in one click, then shows the pause', async () => {
    let paused = false;
    const calls = mockFetch({
      [FIRST_PAGE]: () =>
        ok(
          createWorklist({
            accounts: [
              createWorklistAccount({
                paused: paused ? { reason: 'Paused from the worklist', until: '2026-09-29' } : null,
              }),
            ],
            total: 1,
          }),
        ),
      'POST /accounts/C-1042/pause': (call) => {
        paused = true;
        return okFlat({ paused: call.body });
      },
    });
    const user = userEvent.setup();
    renderView(<WorklistSection />);
    await user.click(
      await screen.findByRole('button', { name: 'Pause automation for Acme Robotics for 14 days' }),
    );
    expect(await screen.findByText(/Paused until/)).toBeInTheDocument();
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({
      reason: 'Paused from the worklist',
      until: '2026-09-29',
    });
    expect(screen.queryByRole('button', { name: /Pause automation/ })).toBeNull();
  });

  it('says why an action failed, and when nothing needs attention', async () => {
    mockFetch({
      [FIRST_PAGE]: ok(createWorklist({ accounts: [createWorklistAccount({ nextStep: null })], total: 1 })),
      'POST /accounts/C-1042/tasks': fail('the store is unavailable', { status: 503 }),
    });
    const user = userEvent.setup();
    renderView(<WorklistSection />);
    await user.click(await screen.findByRole('button', { name: 'Create task for Acme Robotics' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the store is unavailable');

    mockFetch({ [FIRST_PAGE]: ok(createWorklist({ accounts: [], total: 0 })) });
    renderView(<WorklistSection />);
    expect(await screen.findByText('No account has a payment problem.')).toBeInTheDocument();
  });
});
