import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from './App';
import {
  createAccountDetail,
  createReport,
  createRulesAnswer,
  createSession,
  createTrend,
  fail,
  mockFetch,
  ok,
  type MockRoutes,
} from './test/mocks';

function routes(overrides: MockRoutes = {}): MockRoutes {
  return {
    'GET /session': ok(createSession()),
    'GET /portfolio?by=owner': ok(createReport()),
    'GET /portfolio/trend?months=12': ok(createTrend()),
    'GET /accounts?sort=risk&limit=50': ok({ accounts: [] }),
    'GET /accounts/C-1042': ok(createAccountDetail()),
    'GET /rules': { body: createRulesAnswer() },
    'GET /audit?limit=50': ok({ events: [] }),
    ...overrides,
  };
}

describe('App', () => {
  beforeEach(() => {
    window.location.hash = '';
  });

  it('opens on the portfolio with a navigation between the views', async () => {
    mockFetch(routes());
    const user = userEvent.setup();
    render(<App />);
    expect(screen.getByRole('status')).toHaveTextContent('Opening the collections workspace');
    const nav = await screen.findByRole('navigation', { name: 'Workspace' });
    expect(within(nav).getByRole('link', { name: 'Portfolio' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'Portfolio' })).toBeInTheDocument();

    await user.click(within(nav).getByRole('link', { name: 'Rules' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Collection rules' })).toHaveFocus();
    expect(window.location.hash).toBe('#/rules');
    expect(within(nav).getByRole('link', { name: 'Rules' })).toHaveAttribute('aria-current', 'page');
  });

  it('routes /accounts/:id to the account', async () => {
    window.location.hash = '#/accounts/C-1042';
    mockFetch(routes());
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Robotics' })).toBeInTheDocument();
  });

  it('shows only the embedded account, without navigation', async () => {
    window.location.hash = '#/rules';
    const calls = mockFetch(
      routes({ 'GET /session': ok(createSession({ embedded: { view: 'account', recordId: 'C-1042' } })) }),
    );
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Robotics' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
    expect(screen.queryByRole('link', { name: 'Portfolio' })).toBeNull();
    expect(calls.map((call) => call.path)).toEqual(['/session', '/accounts/C-1042']);
  });

  it('shows only the rules when embedded for rules', async () => {
    mockFetch(routes({ 'GET /session': ok(createSession({ embedded: { view: 'rules', recordId: null } })) }));
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Collection rules' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
  });

  it('shows the deal view for an embedded opportunity', async () => {
    mockFetch(
      routes({
        'GET /session': ok(
          createSession({
            embedded: {
              view: 'opportunity-terms',
              recordId: 'C-1042',
              customerId: 'C-1042',
              crmRecordId: '006A',
            },
          }),
        ),
      }),
    );
    render(<App />);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Payment terms for a deal' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
    expect(screen.getByLabelText('Deal or opportunity id')).toHaveValue('006A');
    expect(screen.getByLabelText('Customer')).toHaveValue('C-1042');
  });

  it('explains an embedded account view without a record', async () => {
    mockFetch(
      routes({ 'GET /session': ok(createSession({ embedded: { view: 'account', recordId: null } })) }),
    );
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('no billing customer linked');
  });

  it('shows why the workspace could not open', async () => {
    mockFetch(routes({ 'GET /session': fail('signed request without portalId and user', { status: 401 }) }));
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('signed request without portalId and user');
  });

  it('has a page for unknown addresses', async () => {
    window.location.hash = '#/nowhere';
    mockFetch(routes());
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
  });
});
