import { screen, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  createAttentionAccount,
  createRecommendation,
  fail,
  mockFetch,
  money,
  ok,
  okFlat,
  renderView,
  type MockRoutes,
} from '../test/mocks';
import { DealView } from './DealView';

const ACCOUNTS = 'GET /accounts?sort=risk&limit=500';

function routes(overrides: MockRoutes = {}): MockRoutes {
  return {
    [ACCOUNTS]: ok({
      accounts: [
        createAttentionAccount(),
        createAttentionAccount({ customerId: 'C-2', name: 'Globex', outstanding: money(10_000, 'EUR') }),
      ],
    }),
    'POST /deals/D-1/payment-terms': okFlat({ dealId: 'D-1', recommendation: createRecommendation() }),
    ...overrides,
  };
}

async function requestTerms(user: UserEvent, customer = 'C-1042'): Promise<void> {
  const dealId = screen.getByLabelText('Deal or opportunity id');
  await user.clear(dealId);
  await user.type(dealId, 'D-1');
  await user.selectOptions(await screen.findByLabelText('Customer'), customer);
  await user.type(screen.getByLabelText('Contract amount'), '120000.00');
  await user.click(screen.getByRole('button', { name: 'Recommend terms' }));
}

describe('DealView', () => {
  it('asks for terms and shows the ranked options with the recommended one highlighted', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    expect(screen.getByRole('heading', { level: 1, name: 'Payment terms for a deal' })).toBeInTheDocument();
    await screen.findByRole('option', { name: 'Acme Robotics (C-1042)' });
    await requestTerms(user);

    expect(await screen.findByRole('heading', { name: 'Recommendation' })).toBeInTheDocument();
    expect(calls.find((call) => call.method === 'POST')).toEqual({
      method: 'POST',
      path: '/deals/D-1/payment-terms',
      body: { customerId: 'C-1042', amount: '120000.00', currency: 'USD', months: 12 },
    });
    expect(screen.getByText(/Net 30 fits/)).toBeInTheDocument();
    const recommended = screen.getByTestId('option-net_30');
    expect(recommended).toHaveClass('option-recommended');
    expect(within(recommended).getByText('Recommended')).toBeInTheDocument();
    expect(within(recommended).getByText('38.4 days')).toBeInTheDocument();
    expect(within(recommended).getByText('18%')).toBeInTheDocument();
    expect(within(recommended).getByRole('radio')).toBeChecked();
    const blocked = screen.getByTestId('option-net_60');
    expect(within(blocked).getByRole('radio')).toBeDisabled();
    expect(within(blocked).getByText(/above the 45-day maximum/)).toBeInTheDocument();
    const ranks = screen.getAllByRole('radio').map((radio) => (radio as HTMLInputElement).value);
    expect(ranks).toEqual(['net_30', 'upfront', 'net_60']);
  });

  it('takes the currency of the chosen customer', async () => {
    mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    await user.selectOptions(await screen.findByLabelText('Customer'), 'C-2');
    expect(screen.getByLabelText('Currency')).toHaveValue('EUR');
  });

  it('accepts the recommended option', async () => {
    const calls = mockFetch(
      routes({
        'POST /deals/D-1/payment-terms/accept': okFlat({
          state: 'accepted',
          optionId: 'net_30',
          overridden: false,
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    await user.click(await screen.findByRole('button', { name: 'Accept “Annual in advance, net 30”' }));
    expect(await screen.findByText('Accepted “Annual in advance, net 30” for deal D-1.')).toBeInTheDocument();
    expect(calls.at(-1)).toEqual({
      method: 'POST',
      path: '/deals/D-1/payment-terms/accept',
      body: { customerId: 'C-1042', amount: '120000.00', currency: 'USD', months: 12, optionId: 'net_30' },
    });
  });

  it('accepts another allowed option as an override', async () => {
    const calls = mockFetch(
      routes({
        'POST /deals/D-1/payment-terms/accept': okFlat({
          state: 'accepted',
          optionId: 'upfront',
          overridden: true,
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    await user.click(await screen.findByLabelText(/Whole contract upfront/));
    expect(screen.getByText(/differs from the recommendation/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Accept “Whole contract upfront, due on receipt”' }));
    expect(await screen.findByRole('status')).toHaveTextContent('recorded with your name');
    expect(calls.at(-1)?.body).toMatchObject({ optionId: 'upfront' });
  });

  it('shows a refused acceptance', async () => {
    mockFetch(
      routes({
        'POST /deals/D-1/payment-terms/accept': fail('"upfront" is not allowed: policy changed', {
          status: 422,
          path: 'optionId',
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    await user.click(await screen.findByRole('button', { name: /Accept/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('policy changed');
  });

  it('checks the form before asking the server', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    await screen.findByRole('option', { name: 'Acme Robotics (C-1042)' });
    await user.type(screen.getByLabelText('Contract amount'), '12,000');
    await user.click(screen.getByRole('button', { name: 'Recommend terms' }));
    expect(screen.getByText('Choose the customer.')).toBeInTheDocument();
    expect(screen.getByText(/An amount in major units/)).toBeInTheDocument();
    expect(screen.getByLabelText('Contract amount')).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((call) => call.method === 'POST')).toBe(false);
  });

  it('puts a 422 from the server next to its field', async () => {
    mockFetch(
      routes({
        'POST /deals/D-1/payment-terms': fail('USD has 2 decimals, got "1.234"', {
          status: 422,
          path: 'amount',
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    expect(await screen.findByText('USD has 2 decimals, got "1.234"')).toBeInTheDocument();
    expect(screen.getByLabelText('Contract amount')).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows a general failure as an alert', async () => {
    mockFetch(
      routes({
        'POST /deals/D-1/payment-terms': fail('unknown customer C-1042', { status: 422, path: 'x' }),
      }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    expect(await screen.findByRole('alert')).toHaveTextContent('unknown customer C-1042');
  });

  it('shows loading states', async () => {
    mockFetch(routes({ [ACCOUNTS]: 'pending' }));
    renderView(<DealView />);
    expect(screen.getByLabelText('Customer')).toBeDisabled();
    expect(screen.getByRole('option', { name: 'Loading customers…' })).toBeInTheDocument();
  });

  it('lets the customer id be typed when the list cannot be loaded', async () => {
    mockFetch(routes({ [ACCOUNTS]: fail('opened for one record only', { status: 403 }) }));
    renderView(<DealView />);
    expect(await screen.findByText(/type the customer id/)).toBeInTheDocument();
    expect(screen.getByLabelText('Customer').tagName).toBe('INPUT');
  });

  it('uses the embedding opportunity and its customer, and no customer list, when embedded', () => {
    const calls = mockFetch(routes());
    renderView(<DealView embedded dealId="006A" customerId="C-1042" />);
    expect(screen.getByLabelText('Customer')).toHaveValue('C-1042');
    expect(screen.getByLabelText('Deal or opportunity id')).toHaveValue('006A');
    expect(screen.getByLabelText('Deal or opportunity id')).toHaveAttribute('readonly');
    expect(calls).toHaveLength(0);
  });
});
