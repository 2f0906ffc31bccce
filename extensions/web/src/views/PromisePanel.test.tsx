import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PromiseView } from '../api/types';
import { createAccountDetail, fail, mockFetch, money, ok, okFlat, renderView } from '../test/mocks';
import { AccountView } from './AccountView';

const PATH = '/accounts/C-1042';

function promise(overrides: Partial<PromiseView> = {}): PromiseView {
  return {
    promiseId: 'pr_1',
    amounts: [money(1_200_000)],
    promisedOn: '2026-12-04',
    deadline: '2026-12-07',
    invoiceIds: ['in_1'],
    madeBy: 'Jane, AP',
    note: null,
    recordedBy: 'dana',
    state: 'open',
    settledOn: null,
    received: [],
    ...overrides,
  };
}

describe('PromisePanel on the account view', () => {
  it('lists open promises and the latest outcomes with their state', async () => {
    mockFetch({
      [`GET ${PATH}`]: ok(
        createAccountDetail({
          promises: {
            open: [promise()],
            lastOutcomes: [
              promise({
                promiseId: 'pr_0',
                state: 'partly_kept',
                settledOn: '2026-10-20',
                received: [money(400_000)],
              }),
            ],
          },
        }),
      ),
    });
    renderView(<AccountView customerId="C-1042" />);
    const list = await screen.findByTestId('promises');
    const [open, partly] = within(list).getAllByRole('listitem');
    expect(open).toHaveTextContent('Open');
    expect(open).toHaveTextContent('USD 12000.00 by');
    expect(open).toHaveTextContent('from Jane, AP');
    expect(open).toHaveTextContent('reminders held until');
    expect(partly).toHaveTextContent('Partly kept');
    expect(partly).toHaveTextContent('USD 4000.00 received');
  });

  it('records a promise with the amount, currency, date, chosen invoices, who made it and a note', async () => {
    let recorded = false;
    const calls = mockFetch({
      [`GET ${PATH}`]: () =>
        ok(createAccountDetail(recorded ? { promises: { open: [promise()], lastOutcomes: [] } } : {})),
      [`POST ${PATH}/promises`]: () => {
        recorded = true;
        return okFlat({ data: { recorded: true, promise: promise() } });
      },
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    expect(await screen.findByText('No promise to pay recorded.')).toBeInTheDocument();

    const form = screen.getByRole('form', { name: 'Record promise' });
    await user.type(within(form).getByLabelText('Amount'), '12000.00');
    const date = within(form).getByLabelText('Promised by');
    await user.clear(date);
    await user.type(date, '2026-12-04');
    await user.click(within(form).getByRole('checkbox', { name: /in_1/ }));
    await user.type(within(form).getByLabelText('From'), 'Jane, AP');
    await user.type(within(form).getByLabelText('Note'), 'after the board meeting');
    await user.click(within(form).getByRole('button', { name: 'Record promise' }));

    await waitFor(() => expect(screen.getByTestId('promises')).toHaveTextContent('Open'));
    expect(calls.find((call) => call.method === 'POST')).toEqual({
      method: 'POST',
      path: `${PATH}/promises`,
      body: {
        amounts: [{ currency: 'USD', amount: '12000.00' }],
        promisedOn: '2026-12-04',
        invoiceIds: ['in_1'],
        madeBy: 'Jane, AP',
        note: 'after the board meeting',
      },
    });
  });

  it('shows the problem beside the field the server names', async () => {
    mockFetch({
      [`GET ${PATH}`]: ok(createAccountDetail()),
      [`POST ${PATH}/promises`]: fail('amount must not be negative', {
        path: 'amounts.0.amount',
        status: 422,
      }),
    });
    const user = userEvent.setup();
    renderView(<AccountView customerId="C-1042" />);
    const form = await screen.findByRole('form', { name: 'Record promise' });
    await user.type(within(form).getByLabelText('Amount'), '-5');
    await user.click(within(form).getByRole('button', { name: 'Record promise' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('amount must not be negative');
    expect(within(form).getByLabelText('Amount')).toHaveAttribute('aria-invalid', 'true');
  });
});
