import { computeAccountStatus } from '../domain/account-status';
import type { AccountRisk } from '../domain/risk/risk-model';
import type { CardOnFile } from '../domain/model';
import type { StoredPromise } from '../domain/promises';
import { cur, customer, day, dispute, facts, invoice, payment, subscription } from '../domain/test-facts';
import type { StoredTask } from '../ports/store';
import { companyFields, resolution } from './crm-sync';

describe('companyFields', () => {
  const status = computeAccountStatus(
    facts({
      invoices: [invoice({ amountMinor: 123_456, dueOn: day('2026-01-31') })],
      payments: [
        payment({
          status: 'failed',
          declineCode: '=cmd|calc',
          amountMinor: 123_456,
          attemptedOn: day('2026-02-01'),
        }),
      ],
    }),
    day('2026-03-01'),
  );
  const risk: AccountRisk = {
    score: 71,
    tier: 'high',
    probabilityLate: 0.8,
    probabilitySeriouslyLate: 0.71,
    reasons: [{ code: 'segment_late_rate', text: '-segment pays late', weight: 1 }],
    mitigating: [],
  };

  it('puts an apostrophe before text a spreadsheet would run as a formula', () => {
    const fields = companyFields('=HYPERLINK("http://evil.example")', status, risk);
    expect(fields['collections_billing_customer_id']).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(fields['collections_risk_reasons']).toBe("'-segment pays late");
    // Text that starts otherwise is left alone, whatever it holds further on.
    expect(fields['collections_last_payment_failure']).toMatch(/^2026-02-01: =cmd\|calc /);
  });

  it('writes numbers, dates and flags as they are', () => {
    const fields = companyFields('C-1', status, risk);
    expect(fields).toMatchObject({
      collections_billing_customer_id: 'C-1',
      collections_overdue_amount: '1234.56',
      collections_outstanding_amount: '1234.56',
      collections_oldest_days_past_due: '29',
      collections_risk_score: '71',
      collections_automation_paused: 'false',
    });
  });
});

describe('companyFields: the open promise and the card that will fail', () => {
  const renewing = subscription({ startedOn: day('2025-12-15'), renewsOn: day('2026-12-15') });
  const visa: CardOnFile = {
    brand: 'visa',
    last4: '4242',
    expMonth: 11,
    expYear: 2026,
    expiresOn: day('2026-11-30'),
    updatedOn: null,
  };
  const openPromise = (
    promiseId: string,
    promisedOn: string,
    amounts: StoredPromise['amounts'],
  ): StoredPromise => ({
    promiseId,
    customerId: 'C-1',
    amounts,
    promisedOn: day(promisedOn),
    graceDays: 3,
    invoiceIds: [],
    madeBy: 'Jane, AP',
    note: null,
    recordedBy: 'csm@example.com',
    recordedOn: day('2026-06-01'),
    state: 'open',
    settledOn: null,
    received: [],
  });

  it('writes the open promises, the earliest first, each currency on its own', () => {
    const status = computeAccountStatus(facts({ subscriptions: [renewing] }), day('2026-06-01'));
    const fields = companyFields('C-1', status, null, [
      openPromise('pr_2', '2026-07-01', [{ currency: cur('EUR'), amountMinor: 50_000 }]),
      openPromise('pr_1', '2026-06-15', [
        { currency: cur('USD'), amountMinor: 1_200_000 },
        { currency: cur('JPY'), amountMinor: 30_000 },
      ]),
    ]);
    expect(fields['collections_promise']).toBe(
      'USD 12,000.00 + JPY 30,000 by 2026-06-15; EUR 500.00 by 2026-07-01',
    );
    expect(companyFields('C-1', status, null)['collections_promise']).toBe('');
  });

  it('names the card on file while it expires before the next charge, and is empty otherwise', () => {
    const expiring = computeAccountStatus(
      facts({ customer: customer({ cardOnFile: visa }), subscriptions: [renewing] }),
      day('2026-06-01'),
    );
    expect(companyFields('C-1', expiring, null)['collections_card_on_file']).toBe(
      'Visa ending 4242 expires 11/26, before the renewal on 2026-12-15',
    );
    const renewed = computeAccountStatus(
      facts({
        customer: customer({ cardOnFile: { ...visa, expYear: 2029, expiresOn: day('2029-11-30') } }),
        subscriptions: [renewing],
      }),
      day('2026-06-01'),
    );
    expect(companyFields('C-1', renewed, null)['collections_card_on_file']).toBe('');
    const noCard = computeAccountStatus(facts({ subscriptions: [renewing] }), day('2026-06-01'));
    expect(companyFields('C-1', noCard, null)['collections_card_on_file']).toBe('');
  });
});

describe('resolution: a task closes when its own cause is resolved', () => {
  const asOf = day('2026-03-10');
  // One overdue invoice under an open dispute, one overdue invoice without one.
  const disputedFacts = facts({
    invoices: [invoice({ invoiceId: 'INV-1' }), invoice({ invoiceId: 'INV-2' })],
    disputes: [dispute({ invoiceId: 'INV-1' })],
  });
  const task = (cause: StoredTask['cause'], ruleId: string, invoiceId: string | null): StoredTask => ({
    actionId: `${ruleId}:${invoiceId ?? '-'}`,
    customerId: 'C-1',
    ruleId,
    invoiceId,
    cause,
    plannedOn: asOf,
    assignee: 'csm',
    title: 't',
    body: '',
    dueOn: asOf,
    priority: 'low',
    tone: null,
    dunningStage: null,
    requireReview: false,
    reason: '',
    state: 'open',
    ruleVersion: 1,
    crmTaskId: null,
  });

  it('closes a dispute task when the dispute closes, whatever its rule is called', () => {
    const open = computeAccountStatus(disputedFacts, asOf);
    const closed = computeAccountStatus({ ...disputedFacts, disputes: [] }, asOf);
    expect(resolution(task('dispute', 'legal-hold', 'INV-1'), open)).toBeNull();
    expect(resolution(task('dispute', 'legal-hold', 'INV-1'), closed)).toBe('the dispute on INV-1 is closed');
    // A rule whose id says "dispute" but whose task is about the overdue invoice waits for payment.
    expect(resolution(task('invoice', 'dispute-followup', 'INV-1'), closed)).toBeNull();
  });

  it('closes an invoice task when its invoice is paid, an account task when the account is current', () => {
    // Paid as the billing system says: the invoice's own paid date.
    const paid = computeAccountStatus(
      {
        ...disputedFacts,
        invoices: [
          invoice({ invoiceId: 'INV-1' }),
          invoice({ invoiceId: 'INV-2', paidOn: day('2026-03-01') }),
        ],
      },
      asOf,
    );
    expect(resolution(task('invoice', 'reminder', 'INV-2'), paid)).toBe('invoice INV-2 is paid or voided');
    expect(resolution(task('account', 'churn-call', null), paid)).toBeNull();
    const current = computeAccountStatus(facts({ invoices: [] }), asOf);
    expect(resolution(task('account', 'churn-call', null), current)).toBe('the account is current');
    expect(resolution(task('manual', 'manual', null), current)).toBeNull();
    // An unkept promise's follow-up stays with the owner even once the promised invoice is paid.
    expect(resolution(task('promise', 'promise', 'INV-2'), paid)).toBeNull();
  });

  it('closes a card expiry task when the card on file is updated, and only then', () => {
    const renewing = subscription({ startedOn: day('2025-12-15'), renewsOn: day('2026-12-15') });
    const withCard = (expMonth: number, expYear: number, expiresOn: string) =>
      computeAccountStatus(
        facts({
          customer: customer({
            cardOnFile: {
              brand: 'visa',
              last4: '4242',
              expMonth,
              expYear,
              expiresOn: day(expiresOn),
              updatedOn: null,
            },
          }),
          subscriptions: [renewing],
        }),
        day('2026-06-01'),
      );
    const cardTask = task('card_expiry', 'card-expires-before-renewal', null);
    expect(resolution(cardTask, withCard(11, 2026, '2026-11-30'))).toBeNull();
    expect(resolution(cardTask, withCard(11, 2029, '2029-11-30'))).toBe('the card on file was updated');
    // No card at all is no update: the task stays for the owner.
    const noCard = computeAccountStatus(facts({ subscriptions: [renewing] }), day('2026-06-01'));
    expect(resolution(cardTask, noCard)).toBeNull();
  });
});
