import { computeAccountStatus } from '../account-status';
import type { CalendarDate } from '../dates';
import type { AccountFacts } from '../model';
import type { StoredPromise } from '../promises';
import { cur, customer, day, dispute, facts, invoice, payment, subscription } from '../test-facts';
import { FEATURE_NAMES, prepareHistory, termsDaysOf, type FeatureName, type RiskPriors } from './features';
import type { LogisticModel } from './logistic';
import { accountRisk, type Reason, type RiskModel } from './risk-model';

function promiseOf(fields: {
  promiseId: string;
  recordedOn: CalendarDate;
  promisedOn: CalendarDate;
  amountMinor: number;
  invoiceIds?: string[];
}): StoredPromise {
  return {
    promiseId: fields.promiseId,
    customerId: 'A',
    amounts: [{ currency: cur('USD'), amountMinor: fields.amountMinor }],
    promisedOn: fields.promisedOn,
    graceDays: 3,
    invoiceIds: fields.invoiceIds ?? [],
    madeBy: null,
    note: null,
    recordedBy: 'dana',
    recordedOn: fields.recordedOn,
    state: 'open',
    settledOn: null,
    received: [],
  };
}

/**
 * Every reason sentence is checked against facts worked out by hand from the accounts below. The
 * models are built by hand so that every feature speaks: each contributes about +1 (or −1) to the
 * log-odds whatever its value, so every sentence is shown, as a reason (or as mitigating).
 */
const AS_OF = day('2026-06-30');
const priors: RiskPriors = { lateRate: 0.2, meanDaysLate: 5, lateRateBySegment: new Map([['smb', 0.25]]) };

function everyFeatureSpeaks(sign: 1 | -1): RiskModel {
  const names = [...FEATURE_NAMES];
  const logistic: LogisticModel = {
    featureNames: names,
    means: names.map(() => -sign * 1000),
    scales: names.map(() => 1),
    intercept: 0,
    weights: names.map(() => 0.001),
    lambda: 1,
    iterations: 0,
  };
  return {
    logistic,
    dropped: [],
    priors,
    withDisputes: true,
    fittedBefore: day('2026-01-01'),
    trainingSize: 0,
    trainingLateRate: 0.2,
    seriouslyLate: { logistic, dropped: [], trainingSize: 0, trainingRate: 0.01 },
  };
}

const pairs = (reasons: readonly Reason[]) =>
  reasons.map((reason): [FeatureName, string] => [reason.code, reason.text]).sort();

/**
 * A: net 45 customer. A-1 paid 10 days late; A-2 paid on time, then fully refunded (open again, due
 * 2026-03-03: 28 + 30 + 31 + 30 = 119 days past due on 2026-06-30); A-3 unpaid, due 2026-05-01 (60 days
 * past due), declined for insufficient funds on 05-02 and for an expired card on 05-05; A-4 not yet due;
 * A-5 past due but under an open dispute (disputed, not overdue). Renews 2026-08-15 (31 + 15 = 46 days).
 */
const accountA: AccountFacts = facts({
  customer: customer({
    customerId: 'A',
    paymentTerms: 'net_45',
    segment: 'smb',
    createdOn: day('2025-12-31'),
  }),
  invoices: [
    invoice({
      invoiceId: 'A-1',
      customerId: 'A',
      amountMinor: 100000,
      issuedOn: day('2026-01-01'),
      dueOn: day('2026-01-31'),
    }),
    invoice({
      invoiceId: 'A-2',
      customerId: 'A',
      amountMinor: 50000,
      issuedOn: day('2026-02-01'),
      dueOn: day('2026-03-03'),
    }),
    invoice({
      invoiceId: 'A-3',
      customerId: 'A',
      amountMinor: 80000,
      issuedOn: day('2026-04-01'),
      dueOn: day('2026-05-01'),
    }),
    invoice({
      invoiceId: 'A-4',
      customerId: 'A',
      amountMinor: 80000,
      issuedOn: day('2026-06-01'),
      dueOn: day('2026-07-01'),
    }),
    invoice({
      invoiceId: 'A-5',
      customerId: 'A',
      amountMinor: 30000,
      issuedOn: day('2026-03-15'),
      dueOn: day('2026-04-14'),
    }),
  ],
  payments: [
    payment({ paymentId: 'P1', invoiceId: 'A-1', amountMinor: 100000, attemptedOn: day('2026-02-10') }),
    payment({ paymentId: 'P2', invoiceId: 'A-2', amountMinor: 50000, attemptedOn: day('2026-03-01') }),
    payment({
      paymentId: 'P3',
      invoiceId: 'A-2',
      amountMinor: 50000,
      attemptedOn: day('2026-03-20'),
      status: 'refunded',
    }),
    payment({
      paymentId: 'P4',
      invoiceId: 'A-3',
      amountMinor: 80000,
      attemptedOn: day('2026-05-02'),
      status: 'failed',
      declineCode: 'insufficient_funds',
    }),
    payment({
      paymentId: 'P5',
      invoiceId: 'A-3',
      amountMinor: 80000,
      attemptedOn: day('2026-05-05'),
      status: 'failed',
      declineCode: 'expired_card',
    }),
  ],
  disputes: [dispute({ disputeId: 'D1', invoiceId: 'A-5', openedOn: day('2026-04-20') })],
  subscriptions: [
    subscription({ customerId: 'A', startedOn: day('2025-08-15'), renewsOn: day('2026-08-15') }),
  ],
});

const expectedA: [FeatureName, string][] = [
  ['prior_late_share', '1 of 1 paid invoices was paid late'],
  ['history_size', '1 paid invoice on record'],
  ['mean_days_late', 'paid invoices were paid on average 10.0 days late'],
  ['recent_days_late', 'the one paid invoice was paid 10.0 days late'],
  ['open_overdue_invoices', '2 invoices are overdue, the oldest by 119 days'],
  ['overdue_vs_amount', 'USD 1,300.00 is overdue'],
  [
    'recent_soft_declines',
    '1 soft card decline in the last 90 days, last: insufficient funds (a retry may work)',
  ],
  [
    'recent_hard_declines',
    '1 hard card decline in the last 90 days, last: expired card (needs a new card or action, not a retry)',
  ],
  ['authorization_revoked', 'no revoked payment authorisation'],
  ['open_disputes', 'open dispute on A-5 (USD 300.00)'],
  ['payment_terms_days', 'payment terms of 45 days'],
  ['card_autopay', 'pays by card automatically'],
  // From 2025-12-31 to the next invoice on 2026-07-01: 182 days, 6 months.
  ['tenure', 'customer for 6 months'],
  ['renewal_soon', 'renews in 46 days'],
  ['segment_late_rate', 'smb customers pay late 25% of the time'],
  ['broken_promises', 'no promise to pay broken in the last 12 months'],
];

/**
 * A's promises to pay, as of 2026-06-30. PA-1 (USD 800.00 on A-3 by 05-15, 3 days' grace: deadline
 * 05-18): only failed attempts on A-3, so broken. PA-2 (USD 1,000.00 on any invoice by 03-01, deadline
 * 03-04, recorded 02-20): P2 brought USD 500.00 on 03-01; its refund on 03-20 is after the deadline, so
 * partly kept, whatever the state stored on it says. PA-3 (USD 1,000.00 by 02-10): P1 paid it on the
 * day, kept. PA-4 (deadline 2025-06-20, more than 12 months before) and PA-5 (deadline 06-30, the
 * as-of day itself, not yet decided on it) do not count.
 */
const promisesA: StoredPromise[] = [
  promiseOf({
    promiseId: 'PA-1',
    recordedOn: day('2026-04-20'),
    promisedOn: day('2026-05-15'),
    amountMinor: 80000,
    invoiceIds: ['A-3'],
  }),
  {
    ...promiseOf({
      promiseId: 'PA-2',
      recordedOn: day('2026-02-20'),
      promisedOn: day('2026-03-01'),
      amountMinor: 100000,
    }),
    state: 'kept',
    settledOn: day('2026-03-25'),
  },
  promiseOf({
    promiseId: 'PA-3',
    recordedOn: day('2026-02-01'),
    promisedOn: day('2026-02-10'),
    amountMinor: 100000,
  }),
  promiseOf({
    promiseId: 'PA-4',
    recordedOn: day('2025-06-01'),
    promisedOn: day('2025-06-17'),
    amountMinor: 100000,
  }),
  promiseOf({
    promiseId: 'PA-5',
    recordedOn: day('2026-06-20'),
    promisedOn: day('2026-06-27'),
    amountMinor: 100000,
  }),
];

/**
 * B: no stated terms. B-1 (due 05-15) paid early on 05-10 by bank debit after an expired card on
 * 05-08; B-2 (due 06-15) paid 15 days late on the as-of day itself; B-3 (issued 06-10, due 06-29, 19
 * days) unpaid, one day past due.
 */
const accountB: AccountFacts = facts({
  customer: customer({ customerId: 'B', paymentTerms: null, segment: 'enterprise' }),
  invoices: [
    invoice({ invoiceId: 'B-1', customerId: 'B', issuedOn: day('2026-05-01'), dueOn: day('2026-05-15') }),
    invoice({ invoiceId: 'B-2', customerId: 'B', issuedOn: day('2026-06-01'), dueOn: day('2026-06-15') }),
    invoice({ invoiceId: 'B-3', customerId: 'B', issuedOn: day('2026-06-10'), dueOn: day('2026-06-29') }),
  ],
  payments: [
    payment({
      paymentId: 'Q1',
      invoiceId: 'B-1',
      attemptedOn: day('2026-05-08'),
      status: 'failed',
      declineCode: 'expired_card',
    }),
    payment({ paymentId: 'Q2', invoiceId: 'B-1', attemptedOn: day('2026-05-10'), method: 'us_bank_account' }),
    payment({ paymentId: 'Q3', invoiceId: 'B-2', attemptedOn: AS_OF, method: 'us_bank_account' }),
  ],
});

const expectedB: [FeatureName, string][] = [
  ['prior_late_share', '1 of 2 paid invoices was paid late'],
  ['history_size', '2 paid invoices on record'],
  ['mean_days_late', 'paid invoices were paid on average 7.5 days late'],
  ['recent_days_late', '1 of the last 2 paid invoices was paid more than 10 days late'],
  ['open_overdue_invoices', '1 invoice is overdue, the oldest by 1 day'],
  ['overdue_vs_amount', 'USD 1,000.00 is overdue'],
  ['recent_soft_declines', 'no soft card declines in the last 90 days'],
  [
    'recent_hard_declines',
    '1 hard card decline in the last 90 days, last: expired card (needs a new card or action, not a retry)',
  ],
  ['authorization_revoked', 'no revoked payment authorisation'],
  ['open_disputes', 'no open disputes'],
  ['payment_terms_days', 'the last invoice was due 19 days after issue'],
  ['card_autopay', 'pays by invoice, not card autopay'],
  // From 2026-05-01 (first invoice) to 2026-07-01: 61 days, 2 months.
  ['tenure', 'customer for 2 months'],
  ['renewal_soon', 'no renewal in sight'],
  ['segment_late_rate', 'enterprise customers pay late 20% of the time'],
  ['broken_promises', 'no promise to pay broken in the last 12 months'],
];

/** C: a net 30 customer with nothing billed yet. Sentences that coincide become one reason. */
const accountC: AccountFacts = facts({
  customer: customer({ customerId: 'C', paymentTerms: 'Net 30', segment: 'smb', createdOn: AS_OF }),
});

const expectedC: [FeatureName, string][] = [
  ['prior_late_share', 'no paid invoices yet: smb customers pay late 25% of the time'],
  ['history_size', 'no paid invoices yet'],
  ['open_overdue_invoices', 'nothing is overdue'],
  ['recent_soft_declines', 'no soft card declines in the last 90 days'],
  ['recent_hard_declines', 'no hard card declines in the last 90 days'],
  ['authorization_revoked', 'no revoked payment authorisation'],
  ['open_disputes', 'no open disputes'],
  ['payment_terms_days', 'payment terms of 30 days'],
  ['card_autopay', 'pays by invoice, not card autopay'],
  ['tenure', 'customer for 0 months'],
  ['renewal_soon', 'no renewal in sight'],
  ['segment_late_rate', 'smb customers pay late 25% of the time'],
  ['broken_promises', 'no promise to pay broken in the last 12 months'],
];

describe('risk reasons are true of the facts', () => {
  const cases: [string, AccountFacts, [FeatureName, string][]][] = [
    ['A (refund, disputed, soft and hard declines, customer terms)', accountA, expectedA],
    ['B (paid on the as-of day, one day past due, terms from the last invoice)', accountB, expectedB],
    ['C (no history)', accountC, expectedC],
  ];

  it.each(cases)('account %s: every sentence, as a reason', (_, account, expected) => {
    const risk = accountRisk(everyFeatureSpeaks(1), prepareHistory(account), AS_OF);
    expect(risk.mitigating).toEqual([]);
    expect(pairs(risk.reasons)).toEqual([...expected].sort());
  });

  it.each(cases)('account %s: every sentence, as mitigating', (_, account, expected) => {
    const risk = accountRisk(everyFeatureSpeaks(-1), prepareHistory(account), AS_OF);
    expect(risk.reasons).toEqual([]);
    expect(pairs(risk.mitigating)).toEqual([...expected].sort());
  });

  it('tells the promises to pay that were not kept, judged from the payments by their deadlines', () => {
    const promiseReason = (promises: readonly StoredPromise[], sign: 1 | -1) => {
      const risk = accountRisk(everyFeatureSpeaks(sign), prepareHistory(accountA, promises), AS_OF);
      return [...risk.reasons, ...risk.mitigating].find((reason) => reason.code === 'broken_promises')?.text;
    };
    const [pa1, pa2] = promisesA as [StoredPromise, StoredPromise];
    expect(promiseReason(promisesA, 1)).toBe(
      '1 promise to pay broken and 1 only partly kept in the last 12 months (the latest: USD 800.00 due May 15)',
    );
    expect(promiseReason([pa1], 1)).toBe(
      '1 promise to pay broken in the last 12 months (USD 800.00 due May 15)',
    );
    expect(promiseReason([pa2], -1)).toBe(
      '1 promise to pay only partly kept in the last 12 months (USD 1,000.00 due Mar 1, USD 500.00 received)',
    );
    expect(promiseReason(promisesA.slice(2), 1)).toBe('no promise to pay broken in the last 12 months');
    // Another customer's promise is not A's.
    expect(promiseReason([{ ...pa1, customerId: 'B' }], 1)).toBe(
      'no promise to pay broken in the last 12 months',
    );
  });

  it('never calls an account with something overdue "nothing is overdue", nor a hard decline soft', () => {
    for (const sign of [1, -1] as const) {
      for (const account of [accountA, accountB]) {
        const risk = accountRisk(everyFeatureSpeaks(sign), prepareHistory(account), AS_OF);
        const all = [...risk.reasons, ...risk.mitigating];
        expect(all.map((reason) => reason.text)).not.toContain('nothing is overdue');
        const soft = all.find((reason) => reason.code === 'recent_soft_declines');
        expect(soft?.text).not.toMatch(/expired card/);
        expect(all.find((reason) => reason.code === 'recent_hard_declines')?.text).toMatch(/expired card/);
      }
    }
  });

  it('counts overdue days, paid invoices and the renewal as the account status does', () => {
    const a = computeAccountStatus(accountA, AS_OF);
    expect([a.overdueInvoiceCount, a.oldestDaysPastDue, a.daysToRenewal]).toEqual([2, 119, 46]);
    // The refunded A-2 is not paid: only A-1, 10 days late, was paid in the last year.
    expect([a.paidInvoicesLastYear, a.averageDaysLate]).toEqual([1, 10]);
    const b = computeAccountStatus(accountB, AS_OF);
    expect([b.overdueInvoiceCount, b.oldestDaysPastDue]).toEqual([1, 1]);
    expect([b.paidInvoicesLastYear, b.averageDaysLate]).toEqual([2, 7.5]);
  });

  it('reads payment terms as customers write them', () => {
    expect(termsDaysOf('net_45')).toBe(45);
    expect(termsDaysOf('Net 30')).toBe(30);
    expect(termsDaysOf('NET-60')).toBe(60);
    expect(termsDaysOf('due_on_receipt')).toBe(0);
    expect(termsDaysOf('Due upon receipt')).toBe(0);
    expect(termsDaysOf('2/10 net 30')).toBeNull();
    expect(termsDaysOf(null)).toBeNull();
  });
});
