import type { CurrencyCode } from '../domain/money';
import {
  parseCustomerRow,
  parseDisputeRow,
  parseInvoiceRow,
  parsePaymentRow,
  parseSubscriptionRow,
} from './dataset-rows';

const invoice = {
  invoice_id: 'INV-1',
  customer_id: 'C-1',
  currency: 'usd',
  amount: '1200.50',
  issued_on: '2026-01-01',
  due_on: '2026-01-31',
  paid_on: '',
  voided_on: '',
  subscription_id: 'S-1',
};

describe('dataset rows', () => {
  it('reads a good invoice into minor units with empty cells as null', () => {
    expect(parseInvoiceRow(invoice)).toEqual({
      ok: true,
      row: {
        invoiceId: 'INV-1',
        customerId: 'C-1',
        currency: 'USD',
        amountMinor: 120050,
        issuedOn: '2026-01-01',
        dueOn: '2026-01-31',
        paidOn: null,
        voidedOn: null,
        subscriptionId: 'S-1',
      },
    });
  });

  it('reports every bad column of a row, naming the column', () => {
    const result = parseInvoiceRow({
      ...invoice,
      invoice_id: '',
      amount: '12.345',
      due_on: '2026-02-30',
      currency: 'USD',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { column: 'invoice_id', message: 'is required' },
        { column: 'amount', message: 'USD has 2 decimals, got "12.345"' },
        { column: 'due_on', message: 'expected a date YYYY-MM-DD, got "2026-02-30"' },
      ]),
    );
    expect(result.problems).toHaveLength(3);
  });

  it('reports an unknown currency once, on the currency column', () => {
    const result = parseInvoiceRow({ ...invoice, currency: 'ABC' });
    expect(result).toEqual({
      ok: false,
      problems: [{ column: 'currency', message: 'unknown currency "ABC"' }],
    });
  });

  it('rejects negative amounts and due dates before the issue date', () => {
    const result = parseInvoiceRow({ ...invoice, amount: '-1.00', due_on: '2025-12-01' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.column).sort()).toEqual(['amount', 'due_on']);
  });

  it('reads the day an invoice was marked uncollectible, not before it was issued', () => {
    const marked = parseInvoiceRow({ ...invoice, uncollectible_on: '2026-03-01' });
    expect(marked.ok && marked.row.uncollectibleOn).toBe('2026-03-01');
    const unmarked = parseInvoiceRow({ ...invoice, uncollectible_on: '' });
    expect(unmarked.ok && 'uncollectibleOn' in unmarked.row).toBe(false);
    const early = parseInvoiceRow({ ...invoice, uncollectible_on: '2020-01-01' });
    expect(early.ok).toBe(false);
    if (!early.ok) expect(early.problems.map((problem) => problem.column)).toEqual(['uncollectible_on']);
  });

  it('takes zero- and three-decimal currencies exactly', () => {
    const yen = parseInvoiceRow({ ...invoice, currency: 'JPY', amount: '150000' });
    const dinar = parseInvoiceRow({ ...invoice, currency: 'KWD', amount: '99.125' });
    expect(yen.ok && yen.row.amountMinor).toBe(150000);
    expect(dinar.ok && dinar.row.amountMinor).toBe(99125);
    expect(parseInvoiceRow({ ...invoice, currency: 'JPY', amount: '1.5' }).ok).toBe(false);
  });

  it('uses the invoice currency for payments without one and checks the status', () => {
    const payment = {
      payment_id: 'P-1',
      invoice_id: 'INV-1',
      currency: '',
      amount: '10.000',
      attempted_on: '2026-01-05',
      status: 'failed',
      decline_code: 'Insufficient_Funds',
      method: 'card',
    };
    const parsed = parsePaymentRow(payment, 'KWD' as CurrencyCode);
    expect(parsed.ok && parsed.row).toMatchObject({
      currency: 'KWD',
      amountMinor: 10000,
      declineCode: 'insufficient_funds',
    });
    const inFlight = parsePaymentRow(
      { ...payment, status: 'pending', decline_code: '', currency: 'USD', amount: '1' },
      undefined,
    );
    expect(inFlight.ok && inFlight.row.status).toBe('pending');
    const bad = parsePaymentRow({ ...payment, status: 'settled', currency: 'USD', amount: '1' }, undefined);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.column).toBe('status');
    const declinedSuccess = parsePaymentRow(
      { ...payment, status: 'succeeded', currency: 'USD', amount: '1' },
      undefined,
    );
    expect(declinedSuccess.ok).toBe(false);
  });

  it('requires a cancel date for canceled subscriptions and a resolution date for decided disputes', () => {
    const subscription = parseSubscriptionRow({
      subscription_id: 'S-1',
      customer_id: 'C-1',
      plan: 'pro',
      currency: 'EUR',
      amount: '99',
      interval: 'month',
      started_on: '2025-01-01',
      renews_on: '',
      status: 'canceled',
      canceled_on: '',
    });
    expect(subscription).toEqual({
      ok: false,
      problems: [{ column: 'canceled_on', message: 'is required when status is canceled' }],
    });
    const dispute = parseDisputeRow(
      {
        dispute_id: 'D-1',
        invoice_id: 'INV-1',
        opened_on: '2026-02-01',
        resolved_on: '',
        outcome: 'won',
        amount: '',
      },
      'USD' as CurrencyCode,
    );
    expect(dispute).toEqual({
      ok: false,
      problems: [{ column: 'resolved_on', message: 'is required when an outcome is given' }],
    });
  });

  it('normalises country codes and rejects other forms', () => {
    const good = parseCustomerRow({ customer_id: 'C-1', country: 'de' });
    expect(good.ok && good.row.country).toBe('DE');
    expect(parseCustomerRow({ customer_id: 'C-1', country: 'Germany' }).ok).toBe(false);
  });
});

describe('customer tags', () => {
  it('reads tags separated by ;, normalised to lower case, and refuses a part that is no tag', () => {
    const tagged = parseCustomerRow({ customer_id: 'C-1', tags: ' Strategic ;Public  Sector;strategic' });
    expect(tagged.ok && tagged.row.tags).toEqual(['strategic', 'public sector']);
    const none = parseCustomerRow({ customer_id: 'C-1' });
    expect(none.ok && none.row.tags).toEqual([]);
    const bad = parseCustomerRow({ customer_id: 'C-1', tags: 'strategic; a,b' });
    expect(bad.ok ? [] : bad.problems.map((problem) => problem.column)).toEqual(['tags']);
  });
});
