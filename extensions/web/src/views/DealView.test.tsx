import { screen, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { CustomerMatch } from '../api/types';
import {
  createOption,
  createRecommendation,
  fail,
  mockFetch,
  ok,
  okFlat,
  renderView,
  type MockRoutes,
  type RecordedCall,
} from '../test/mocks';
import { DealView } from './DealView';

function match(overrides: Partial<CustomerMatch> = {}): CustomerMatch {
  return {
    customerId: 'C-1042',
    name: 'Acme Robotics',
    segment: 'mid_market',
    country: 'US',
    employees: 240,
    fundingStage: 'series_b',
    crmCompanyId: '901',
    currency: 'USD',
    ...overrides,
  };
}

const search = (text: string) => `GET /customers/search?q=${encodeURIComponent(text)}&limit=20`;

/** The server's answer to every prefix of `typed` (the view searches as the AE types). */
function searchRoutes(typed: string, customers: CustomerMatch[], more = false): MockRoutes {
  const routes: MockRoutes = {};
  for (let length = 1; length <= typed.length; length += 1)
    routes[search(typed.slice(0, length))] = ok({ customers, more });
  return routes;
}

function routes(overrides: MockRoutes = {}): MockRoutes {
  return {
    [search('')]: ok({ customers: [match()], more: true }),
    ...searchRoutes('Acme', [match()]),
    ...searchRoutes('Glo', [
      match({ customerId: 'C-2', name: 'Globex', currency: 'EUR', crmCompanyId: null }),
    ]),
    'POST /deals/D-1/payment-terms': okFlat({ dealId: 'D-1', recommendation: createRecommendation() }),
    ...overrides,
  };
}

const posts = (calls: RecordedCall[]) => calls.filter((call) => call.method === 'POST');

/** The value beside a term of an option's facts. */
const fact = (option: HTMLElement, term: string) =>
  within(option).getByText(term).nextElementSibling?.textContent;

async function chooseCustomer(user: UserEvent, typed = 'Acme', label = 'Acme Robotics (C-1042)') {
  await user.type(screen.getByLabelText('Customer'), typed);
  await user.click(await screen.findByRole('button', { name: label }));
}

async function requestTerms(user: UserEvent): Promise<void> {
  const dealId = screen.getByLabelText('Deal or opportunity id');
  await user.clear(dealId);
  await user.type(dealId, 'D-1');
  await chooseCustomer(user);
  await user.type(screen.getByLabelText('Contract amount'), '120000.00');
  await user.click(screen.getByRole('button', { name: 'Recommend terms' }));
}

describe('DealView', () => {
  it('asks for terms and shows the ranked options with the recommended one highlighted', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    expect(screen.getByRole('heading', { level: 1, name: 'Payment terms for a deal' })).toBeInTheDocument();
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
    expect(fact(recommended, 'Days to cash per invoice')).toBe('38.4 days');
    expect(fact(recommended, 'Cash from signing')).toBe('38.4 days');
    expect(within(recommended).getByText('18%')).toBeInTheDocument();
    expect(within(recommended).getByRole('radio')).toBeChecked();
    const blocked = screen.getByTestId('option-net_60');
    expect(within(blocked).getByRole('radio')).toBeDisabled();
    expect(within(blocked).getByText(/above the 45-day maximum/)).toBeInTheDocument();
    const ranks = within(screen.getByRole('group', { name: 'Payment terms, best first' }))
      .getAllByRole('radio')
      .map((radio) => (radio as HTMLInputElement).value);
    expect(ranks).toEqual(['net_30', 'upfront', 'net_60']);
  });

  it('searches customers on the server as the AE types, never loading the whole book', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    expect(await screen.findByText(/More customers match/)).toBeInTheDocument();
    await chooseCustomer(user, 'Glo', 'Globex (C-2)');
    expect(screen.getByLabelText('Currency')).toHaveValue('EUR');
    expect(screen.getByText(/Chosen: Globex \(C-2\)/)).toBeInTheDocument();
    const paths = calls.map((call) => call.path);
    expect(paths).toContain('/customers/search?q=Glo&limit=20');
    expect(paths.every((path) => path.startsWith('/customers/search?'))).toBe(true);
  });

  it('says when nothing matches', async () => {
    mockFetch(routes(searchRoutes('Zed', [])));
    const user = userEvent.setup();
    renderView(<DealView />);
    await user.type(screen.getByLabelText('Customer'), 'Zed');
    expect(await screen.findByText('No customer matches “Zed”.')).toBeInTheDocument();
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
    expect(posts(calls).at(-1)).toEqual({
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
    expect(posts(calls).at(-1)?.body).toMatchObject({ optionId: 'upfront' });
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
    await screen.findByRole('button', { name: 'Acme Robotics (C-1042)' });
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

  it('shows the search loading', async () => {
    mockFetch(routes({ [search('')]: 'pending' }));
    renderView(<DealView />);
    expect(await screen.findByText('Searching…')).toBeInTheDocument();
  });

  it('lets the customer id be typed when the search is refused', async () => {
    const calls = mockFetch(routes({ [search('')]: fail('opened for one record only', { status: 403 }) }));
    const user = userEvent.setup();
    renderView(<DealView />);
    expect(await screen.findByText(/type the customer id/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Customer'), 'C-1042');
    await user.type(screen.getByLabelText('Contract amount'), '5000');
    const dealId = screen.getByLabelText('Deal or opportunity id');
    await user.clear(dealId);
    await user.type(dealId, 'D-1');
    await user.click(screen.getByRole('button', { name: 'Recommend terms' }));
    await screen.findByRole('heading', { name: 'Recommendation' });
    expect(calls.find((call) => call.method === 'POST')?.body).toMatchObject({ customerId: 'C-1042' });
  });

  it('uses the embedding opportunity and its customer, and no customer list, when embedded', () => {
    const calls = mockFetch(routes());
    renderView(<DealView embedded dealId="006A" customerId="C-1042" />);
    expect(screen.getByLabelText('Customer')).toHaveValue('C-1042');
    expect(screen.getByLabelText('Deal or opportunity id')).toHaveValue('006A');
    expect(screen.getByLabelText('Deal or opportunity id')).toHaveAttribute('readonly');
    expect(calls).toHaveLength(0);
  });
  it('recommends for a prospect from the segment, size and country the AE gives, labelled as such', async () => {
    const prospect = createRecommendation({
      buyer: { kind: 'prospect', name: 'Initech', risk: { score: 31, tier: 'medium', reasons: [] } },
      explanation: 'Annual in advance, net 30 fits a 40-person smb company in DE: similar companies …',
    });
    const calls = mockFetch(
      routes({ 'POST /deals/D-1/payment-terms': okFlat({ dealId: 'D-1', recommendation: prospect }) }),
    );
    const user = userEvent.setup();
    renderView(<DealView />);
    await user.click(screen.getByLabelText('Prospect (no billing history)'));
    expect(screen.queryByLabelText('Customer')).not.toBeInTheDocument();
    const dealId = screen.getByLabelText('Deal or opportunity id');
    await user.clear(dealId);
    await user.type(dealId, 'D-1');
    await user.type(screen.getByLabelText('Company name'), 'Initech');
    await user.selectOptions(screen.getByLabelText('Segment'), 'smb');
    await user.type(screen.getByLabelText('Employees'), '40');
    await user.selectOptions(screen.getByLabelText('Funding stage'), 'series_a');
    await user.type(screen.getByLabelText('Country'), 'de');
    await user.selectOptions(screen.getByLabelText('Currency'), 'EUR');
    await user.type(screen.getByLabelText('Contract amount'), '48000');
    await user.click(screen.getByRole('button', { name: 'Recommend terms' }));

    expect(await screen.findByText(/Prospect: no billing history/)).toBeInTheDocument();
    expect(screen.getByText(/cohort-based/)).toBeInTheDocument();
    expect(calls.find((call) => call.method === 'POST')).toEqual({
      method: 'POST',
      path: '/deals/D-1/payment-terms',
      body: {
        prospect: { name: 'Initech', segment: 'smb', employees: 40, fundingStage: 'series_a', country: 'DE' },
        amount: '48000',
        currency: 'EUR',
        months: 12,
      },
    });
  });

  it('asks a prospect for its segment and checks size and country before asking the server', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<DealView />);
    await user.click(screen.getByLabelText('Prospect (no billing history)'));
    await user.type(screen.getByLabelText('Employees'), 'many');
    await user.type(screen.getByLabelText('Country'), 'D1');
    await user.type(screen.getByLabelText('Contract amount'), '1000');
    await user.click(screen.getByRole('button', { name: 'Recommend terms' }));
    expect(screen.getByText(/Choose the segment/)).toBeInTheDocument();
    expect(screen.getByLabelText('Segment')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText(/A whole number of employees/)).toBeInTheDocument();
    expect(screen.getByText(/A two-letter country code/)).toBeInTheDocument();
    expect(calls.some((call) => call.method === 'POST')).toBe(false);
  });

  it('shows options with the same figures once, and cash timing from signing', async () => {
    const quarterly = createOption({
      id: 'quarterly_net_30',
      label: 'Quarterly installments, net 30',
      billing: 'quarterly',
      rank: 2,
      recommended: false,
      estimate: {
        invoices: 4,
        expectedDaysToCash: 30,
        expectedDaysFromSigningToCash: 167,
        daysFromSigningToFirstCash: 30,
        daysFromSigningToLastCash: 304,
        probabilityLate: 0.18,
        expectedDaysLate: 0,
        discountMinor: 0,
      },
    });
    const monthly = createOption({
      id: 'monthly_net_30',
      label: 'Monthly installments, net 30',
      billing: 'monthly',
      rank: 3,
      recommended: false,
      sameFiguresAs: 'net_30',
    });
    const recommendation = createRecommendation({ options: [createOption(), quarterly, monthly] });
    mockFetch(routes({ 'POST /deals/D-1/payment-terms': okFlat({ dealId: 'D-1', recommendation }) }));
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    await screen.findByRole('heading', { name: 'Recommendation' });
    expect(screen.queryByTestId('option-monthly_net_30')).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId('option-net_30')).getByText(/Same invoices and cash timing/),
    ).toHaveTextContent('Same invoices and cash timing for this deal: Monthly installments, net 30.');
    expect(fact(screen.getByTestId('option-net_30'), 'Cash from signing')).toBe('38.4 days');
    expect(fact(screen.getByTestId('option-quarterly_net_30'), 'Cash from signing')).toBe(
      '30 days (first) to 304 days (last of 4 invoices)',
    );
  });

  it('says card autopay is unavailable after a revoked card authorisation', async () => {
    const recommendation = createRecommendation({
      policy: {
        id: 'small_deals_by_card',
        riskTier: 'low',
        relativeRisk: 0.5,
        requiresUpfrontOrAutopay: 'a revoked card authorisation',
        cardAutopayUnavailable: 'the buyer revoked its card authorisation',
      },
    });
    mockFetch(routes({ 'POST /deals/D-1/payment-terms': okFlat({ dealId: 'D-1', recommendation }) }));
    const user = userEvent.setup();
    renderView(<DealView />);
    await requestTerms(user);
    expect(
      await screen.findByText(
        /card autopay unavailable \(the buyer revoked its card authorisation\): upfront required/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/upfront or autopay required/)).not.toBeInTheDocument();
  });
});
