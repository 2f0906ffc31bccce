import { computeAccountStatus } from '../domain/account-status';
import type { CalendarDate } from '../domain/dates';
import type { AccountFacts, Invoice, PaymentAttempt } from '../domain/model';
import type { CurrencyCode } from '../domain/money';
import { crmInvoices } from './crm-invoices';

const AS_OF = '2026-09-01' as CalendarDate;
const USD = 'usd' as CurrencyCode;
const day = (text: string) => text as CalendarDate;

function invoice(invoiceId: string, issuedOn: string, dueOn: string, extra: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId,
    customerId: 'cus_1',
    currency: USD,
    amountMinor: 120000,
    issuedOn: day(issuedOn),
    dueOn: day(dueOn),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
    ...extra,
  };
}

function paid(invoiceId: string, on: string, amountMinor = 120000): PaymentAttempt {
  return {
    paymentId: `pay_${invoiceId}`,
    invoiceId,
    currency: USD,
    amountMinor,
    attemptedOn: day(on),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
  };
}

describe('the invoices an account lists in the CRM', () => {
  const facts: AccountFacts = {
    customer: {
      customerId: 'cus_1',
      name: 'Acme',
      segment: null,
      owner: null,
      paymentTerms: null,
      country: null,
      crmCompanyId: '001A',
      createdOn: null,
      employees: null,
      fundingStage: null,
    },
    invoices: [
      invoice('in_overdue', '2026-07-01', '2026-08-01'),
      invoice('in_disputed', '2026-08-01', '2026-08-20'),
      invoice('in_part', '2026-08-10', '2026-09-10'),
      invoice('in_paid_recently', '2026-06-01', '2026-07-01'),
      invoice('in_paid_long_ago', '2026-01-01', '2026-02-01'),
      invoice('in_void', '2026-07-15', '2026-08-15', { voidedOn: day('2026-08-16') }),
      invoice('in_future', '2026-09-05', '2026-10-05'),
    ],
    payments: [
      paid('in_part', '2026-08-12', 20000),
      paid('in_paid_recently', '2026-07-20'),
      paid('in_paid_long_ago', '2026-02-03'),
    ],
    subscriptions: [],
    disputes: [
      {
        disputeId: 'dp_1',
        invoiceId: 'in_disputed',
        openedOn: day('2026-08-25'),
        resolvedOn: null,
        reason: 'product_not_received',
        amountMinor: null,
        outcome: null,
      },
    ],
  };

  const listed = crmInvoices(facts, computeAccountStatus(facts, AS_OF), '001A', AS_OF);
  const byId = new Map(listed.map((entry) => [entry.invoiceId, entry]));

  it('lists the open ones and those closed in the last 90 days, under the company', () => {
    expect([...byId.keys()].sort()).toEqual(
      ['in_disputed', 'in_overdue', 'in_paid_recently', 'in_part', 'in_void'].sort(),
    );
    expect(listed.every((entry) => entry.companyId === '001A')).toBe(true);
  });

  it('an overdue invoice: open, all outstanding, 31 days past due', () => {
    expect(byId.get('in_overdue')).toMatchObject({
      status: 'open',
      amountMinor: 120000,
      outstandingMinor: 120000,
      daysPastDue: 31,
      paidOn: null,
      dueOn: '2026-08-01',
    });
  });

  it('a partly paid invoice owes the rest; a disputed one says so', () => {
    expect(byId.get('in_part')).toMatchObject({ status: 'open', outstandingMinor: 100000, daysPastDue: 0 });
    expect(byId.get('in_disputed')).toMatchObject({ status: 'disputed', daysPastDue: 12 });
  });

  it('a paid invoice carries its payment day; a voided one is void', () => {
    expect(byId.get('in_paid_recently')).toMatchObject({
      status: 'paid',
      paidOn: '2026-07-20',
      outstandingMinor: 0,
      daysPastDue: 0,
    });
    expect(byId.get('in_void')).toMatchObject({ status: 'void', paidOn: null, outstandingMinor: 0 });
  });
});
