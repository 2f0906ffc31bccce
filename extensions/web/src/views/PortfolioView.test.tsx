import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  createReport,
  createTrend,
  createWorklist,
  fail,
  mockFetch,
  ok,
  renderView,
  type MockRoutes,
} from '../test/mocks';
import { PortfolioView } from './PortfolioView';

function routes(overrides: MockRoutes = {}): MockRoutes {
  return {
    'GET /portfolio?by=owner': ok(createReport()),
    'GET /portfolio/trend?months=12': ok(createTrend()),
    'GET /worklist?offset=0&limit=25': ok(createWorklist()),
    ...overrides,
  };
}

describe('PortfolioView', () => {
  it('shows AR and aging per currency, the trend, comparisons by owner, recovery and the worklist', async () => {
    mockFetch(routes());
    renderView(<PortfolioView />);

    expect(screen.getByRole('heading', { level: 1, name: 'Portfolio' })).toBeInTheDocument();
    const aging = await screen.findByRole('img', { name: /accounts receivable in USD by days past due/ });
    expect(aging.querySelectorAll('rect').length).toBeGreaterThan(0);
    expect(screen.getByRole('img', { name: /accounts receivable in EUR/ })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 3, name: 'USD' })).toBeInTheDocument();
    expect(screen.getAllByText('$125,000.00').length).toBeGreaterThan(0);

    expect(
      await screen.findByRole('img', { name: /Line chart over 3 month ends in USD/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /countback DSO in USD for 2 owner groups/ })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /share of AR in USD past due/ })).toBeInTheDocument();
    expect(
      screen.getByRole('img', { name: /failed payment amounts in USD later recovered/ }),
    ).toBeInTheDocument();

    expect(screen.getAllByText(/n = 25 · AR/).length).toBeGreaterThan(0);

    const table = await screen.findByTestId('worklist-table');
    const link = within(table).getByRole('link', { name: 'Acme Robotics' });
    expect(link).toHaveAttribute('href', '/accounts/C-1042');
    expect(within(table).getByRole('link', { name: 'C-7' })).toHaveAttribute('href', '/accounts/C-7');
  });

  it('puts the worklist first, before the portfolio figures', async () => {
    mockFetch(routes());
    renderView(<PortfolioView />);
    await screen.findByTestId('worklist-table');
    const headings = screen.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent);
    expect(headings[0]).toBe('Worklist');
    expect(headings.indexOf('Receivables and aging')).toBeGreaterThan(0);
  });

  it('gives every chart a data table behind a disclosure', async () => {
    mockFetch(routes());
    renderView(<PortfolioView />);
    await screen.findByTestId('worklist-table');
    const summaries = screen.getAllByText(/^Data table:/);
    expect(summaries.length).toBeGreaterThanOrEqual(5);
    const details = summaries[0]?.closest('details');
    expect(details).not.toBeNull();
    expect(
      within(details as HTMLElement).getByRole('rowheader', { name: 'All accounts' }),
    ).toBeInTheDocument();
  });

  it('shows loading states while the server answers', () => {
    mockFetch(
      routes({
        'GET /portfolio?by=owner': 'pending',
        'GET /portfolio/trend?months=12': 'pending',
        'GET /worklist?offset=0&limit=25': 'pending',
      }),
    );
    renderView(<PortfolioView />);
    const statuses = screen.getAllByRole('status');
    expect(statuses.map((status) => status.textContent)).toEqual([
      'Loading the worklist…',
      'Loading the portfolio…',
      'Loading the trend…',
    ]);
  });

  it('shows the server message when a part fails, and the rest still loads', async () => {
    mockFetch(
      routes({
        'GET /portfolio?by=owner': fail('the store is unavailable', { status: 503 }),
        'GET /portfolio/trend?months=12': { status: 403, body: {} },
      }),
    );
    renderView(<PortfolioView />);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the store is unavailable'),
        expect.stringContaining('You are not allowed to do this.'),
      ]),
    );
    expect(await screen.findByTestId('worklist-table')).toBeInTheDocument();
  });

  it('says when the latest point lags billing changes made since it was computed', async () => {
    const trend = createTrend();
    const points = trend.points.map((point, index) =>
      index === trend.points.length - 1
        ? { ...point, computedAt: '2026-11-28T02:00:00.000Z', stale: true }
        : { ...point, computedAt: '2026-11-28T02:00:00.000Z', stale: false },
    );
    mockFetch(routes({ 'GET /portfolio/trend?months=12': ok({ points }) }));
    renderView(<PortfolioView />);
    const note = await screen.findByTestId('trend-latest-stale');
    expect(note.textContent).toContain('billing changes since then are not in it yet');
  });

  it('adds no note when every point is current', async () => {
    mockFetch(routes());
    renderView(<PortfolioView />);
    await screen.findByRole('img', { name: /Line chart over 3 month ends in USD/ });
    expect(screen.queryByTestId('trend-latest-stale')).toBeNull();
  });

  it('says so when there is nothing to show', async () => {
    mockFetch(
      routes({
        'GET /portfolio?by=owner': ok(
          createReport({ total: { key: 'all', accounts: 0, currencies: [] }, slices: [] }),
        ),
        'GET /portfolio/trend?months=12': ok({ points: [] }),
        'GET /worklist?offset=0&limit=25': ok(createWorklist({ accounts: [], total: 0 })),
      }),
    );
    renderView(<PortfolioView />);
    expect(await screen.findByText(/No receivables yet/)).toBeInTheDocument();
    expect(await screen.findByText('No account has a payment problem.')).toBeInTheDocument();
    expect(await screen.findByText('No history yet to draw a trend.')).toBeInTheDocument();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('regroups the charts', async () => {
    const calls = mockFetch(routes({ 'GET /portfolio?by=segment': ok(createReport({ by: 'segment' })) }));
    const user = userEvent.setup();
    renderView(<PortfolioView />);
    await screen.findByTestId('worklist-table');
    await user.selectOptions(screen.getByLabelText('Group by'), 'segment');
    await waitFor(() => expect(calls.map((call) => call.path)).toContain('/portfolio?by=segment'));
    expect(
      await screen.findByRole('heading', { name: /DSO and delinquency by segment/ }),
    ).toBeInTheDocument();
  });

  it('compares owners in the chosen currency', async () => {
    mockFetch(routes());
    const user = userEvent.setup();
    renderView(<PortfolioView />);
    await screen.findByRole('img', { name: /accounts receivable in USD/ });
    await user.selectOptions(screen.getByLabelText('Currency for trend and comparisons'), 'EUR');
    expect(screen.getByRole('heading', { name: 'DSO and delinquency by owner (EUR)' })).toBeInTheDocument();
    expect(screen.getByText('No owner has receivables in EUR.')).toBeInTheDocument();
  });
});
