import fc from 'fast-check';
import { computeAccountStatus, SITUATION_PRECEDENCE, type AccountStatus } from './account-status';
import { addDays, type CalendarDate } from './dates';
import type { Invoice, PaymentAttempt } from './model';
import { cur, day, dispute, facts, invoice, payment, subscription } from './test-facts';

/** Whole days from one date to a later one, by the calendar (UTC midnight to UTC midnight). */
const addDaysBetween = (from: CalendarDate, to: CalendarDate): number =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

const usd = (status: AccountStatus) => status.balances.find((balance) => balance.currency === 'USD');

describe('computeAccountStatus: balances and aging', () => {
  it('is current with nothing outstanding and no invoices', () => {
    const status = computeAccountStatus(facts(), day('2026-03-01'));
    expect(status).toMatchObject({
      status: 'current',
      situations: ['current'],
      balances: [],
      oldestDaysPastDue: 0,
    });
    expect(status.averageDaysLate).toBeNull();
  });

  it('treats an invoice due today as current, and one due yesterday as 1 day past due', () => {
    const account = facts({ invoices: [invoice({ dueOn: day('2026-03-01') })] });
    const dueToday = computeAccountStatus(account, day('2026-03-01'));
    expect(dueToday.status).toBe('current');
    expect(usd(dueToday)?.aging.current).toBe(100000);
    const dayAfter = computeAccountStatus(account, day('2026-03-02'));
    expect(dayAfter).toMatchObject({ status: 'overdue', oldestDaysPastDue: 1, overdueInvoiceCount: 1 });
    expect(usd(dayAfter)).toMatchObject({ overdueMinor: 100000, aging: { d1_30: 100000 } });
  });

  it.each([
    [0, 'current'],
    [1, 'd1_30'],
    [30, 'd1_30'],
    [31, 'd31_60'],
    [60, 'd31_60'],
    [61, 'd61_90'],
    [90, 'd61_90'],
    [91, 'd90Plus'],
  ] as const)('puts an invoice %i days past due in %s', (daysPastDue, bucket) => {
    const due = day('2026-01-31');
    const status = computeAccountStatus(
      facts({ invoices: [invoice({ dueOn: due })] }),
      addDays(due, daysPastDue),
    );
    expect(usd(status)?.aging[bucket]).toBe(100000);
    expect(status.oldestDaysPastDue).toBe(daysPastDue);
  });

  it('counts days past due across a leap day', () => {
    const status = computeAccountStatus(
      facts({ invoices: [invoice({ issuedOn: day('2028-01-30'), dueOn: day('2028-02-28') })] }),
      day('2028-03-01'),
    );
    expect(status.oldestDaysPastDue).toBe(2);
  });

  it('nets partial payments, and a refund after payment makes the invoice outstanding again', () => {
    const account = facts({
      invoices: [invoice()],
      payments: [
        payment({ paymentId: 'P-1', amountMinor: 40000, attemptedOn: day('2026-01-20') }),
        payment({ paymentId: 'P-2', amountMinor: 60000, attemptedOn: day('2026-02-05') }),
        payment({ paymentId: 'P-3', amountMinor: 25000, attemptedOn: day('2026-03-10'), status: 'refunded' }),
      ],
    });
    expect(usd(computeAccountStatus(account, day('2026-02-01')))?.outstandingMinor).toBe(60000);
    expect(computeAccountStatus(account, day('2026-02-06')).balances).toEqual([]);
    const afterRefund = computeAccountStatus(account, day('2026-03-15'));
    expect(usd(afterRefund)).toMatchObject({ outstandingMinor: 25000, overdueMinor: 25000 });
  });

  it('ignores paid_on when payment rows exist', () => {
    const account = facts({
      invoices: [invoice({ paidOn: day('2026-01-15') })],
      payments: [payment({ amountMinor: 30000, attemptedOn: day('2026-01-15') })],
    });
    expect(usd(computeAccountStatus(account, day('2026-02-15')))?.outstandingMinor).toBe(70000);
  });

  it('counts a voided invoice until its void date only', () => {
    const account = facts({ invoices: [invoice({ voidedOn: day('2026-02-10') })] });
    expect(usd(computeAccountStatus(account, day('2026-02-09')))?.outstandingMinor).toBe(100000);
    expect(computeAccountStatus(account, day('2026-02-10')).balances).toEqual([]);
  });

  it('does not count an invoice issued after asOf', () => {
    const account = facts({ invoices: [invoice({ issuedOn: day('2026-05-01'), dueOn: day('2026-05-31') })] });
    expect(computeAccountStatus(account, day('2026-04-30')).balances).toEqual([]);
  });

  it('keeps an overpayment as a credit, never as negative outstanding', () => {
    const account = facts({
      invoices: [invoice(), invoice({ invoiceId: 'INV-2', dueOn: day('2026-02-01') })],
      payments: [payment({ amountMinor: 130000, attemptedOn: day('2026-01-10') })],
    });
    const balance = usd(computeAccountStatus(account, day('2026-03-01')));
    expect(balance).toMatchObject({ outstandingMinor: 100000, creditMinor: 30000, overdueMinor: 100000 });
  });

  it('keeps currencies apart, including zero- and three-decimal ones', () => {
    const account = facts({
      invoices: [
        invoice({ invoiceId: 'JP-1', currency: cur('JPY'), amountMinor: 150000 }),
        invoice({ invoiceId: 'KW-1', currency: cur('KWD'), amountMinor: 12345 }),
        invoice({ invoiceId: 'US-1' }),
      ],
    });
    const status = computeAccountStatus(account, day('2026-02-15'));
    expect(status.balances.map((balance) => [balance.currency, balance.outstandingMinor])).toEqual([
      ['JPY', 150000],
      ['KWD', 12345],
      ['USD', 100000],
    ]);
  });
});

describe('computeAccountStatus: balances near 2^53 minor units', () => {
  const MAX = 9007199254740991; // 2^53 − 1
  const account = (amounts: number[]) =>
    facts({
      invoices: amounts.map((amountMinor, index) => invoice({ invoiceId: `INV-${index}`, amountMinor })),
    });

  it('adds balances exactly up to 2^53 − 1 minor units', () => {
    const status = computeAccountStatus(account([MAX - 2, 2]), day('2026-03-01'));
    expect(usd(status)).toMatchObject({ outstandingMinor: MAX, overdueMinor: MAX, aging: { d1_30: MAX } });
  });

  it('refuses a balance beyond it, naming the exact value', () => {
    expect(() => computeAccountStatus(account([MAX, 2]), day('2026-03-01'))).toThrow(
      /9007199254740993 minor units/,
    );
  });

  it('refuses a paid amount beyond it (payments are summed per invoice)', () => {
    const big = facts({
      invoices: [invoice({ amountMinor: MAX })],
      payments: [
        payment({ paymentId: 'P-1', amountMinor: MAX }),
        payment({ paymentId: 'P-2', amountMinor: 2 }),
      ],
    });
    expect(() => computeAccountStatus(big, day('2026-03-01'))).toThrow(/9007199254740993 minor units/);
  });
});

describe('computeAccountStatus: situations', () => {
  const failed = (overrides: Partial<PaymentAttempt>): PaymentAttempt =>
    payment({
      status: 'failed',
      declineCode: 'insufficient_funds',
      attemptedOn: day('2026-01-31'),
      ...overrides,
    });

  it('reports the latest failure on an outstanding invoice with its class and action', () => {
    const account = facts({
      invoices: [invoice()],
      payments: [
        failed({ paymentId: 'P-1', declineCode: 'insufficient_funds', attemptedOn: day('2026-01-31') }),
        failed({ paymentId: 'P-2', declineCode: 'expired_card', attemptedOn: day('2026-02-03') }),
      ],
    });
    const status = computeAccountStatus(account, day('2026-02-05'));
    expect(status.status).toBe('failed_payment');
    expect(status.situations).toEqual(['failed_payment', 'overdue']);
    expect(status.lastFailure).toMatchObject({
      invoiceId: 'INV-1',
      code: 'expired_card',
      class: 'hard_new_data',
      on: '2026-02-03',
      failuresSinceSuccess: 2,
    });
    expect(status.lastFailure?.action).toContain('card-update');
  });

  it('forgets a failure once a later success paid the invoice', () => {
    const account = facts({
      invoices: [invoice()],
      payments: [failed({ paymentId: 'P-1' }), payment({ paymentId: 'P-2', attemptedOn: day('2026-02-03') })],
    });
    expect(computeAccountStatus(account, day('2026-02-02')).lastFailure).not.toBeNull();
    const status = computeAccountStatus(account, day('2026-02-05'));
    expect(status.lastFailure).toBeNull();
    expect(status.status).toBe('current');
  });

  it('treats a revoked authorisation as a churn signal, not a failed payment', () => {
    const account = facts({
      invoices: [invoice({ dueOn: day('2026-01-31') })],
      payments: [failed({ declineCode: 'revocation_of_authorization' })],
    });
    const status = computeAccountStatus(account, day('2026-02-02'));
    expect(status.churnSignals).toEqual(['payment_authorization_revoked']);
    expect(status.lastFailure?.class).toBe('hard_revoked');
    expect(status.situations).toEqual(['overdue']);
    expect(computeAccountStatus(account, day('2026-05-01')).churnSignals).toEqual([
      'payment_authorization_revoked',
    ]);
    expect(computeAccountStatus(account, day('2026-05-02')).churnSignals).toEqual([]);
  });

  it('holds disputed invoices apart from overdue ones', () => {
    const account = facts({
      invoices: [invoice()],
      disputes: [dispute({ amountMinor: 40000 })],
    });
    const status = computeAccountStatus(account, day('2026-02-15'));
    expect(status.situations).toEqual(['disputed']);
    // The dispute names 40k of the 100k invoice; the whole invoice is held, none of it overdue.
    expect(usd(status)).toMatchObject({ disputedMinor: 100000, overdueMinor: 0, outstandingMinor: 100000 });
    expect(status).toMatchObject({ overdueInvoiceCount: 0, oldestDaysPastDue: 0 });
    expect(status.openDisputes).toEqual([
      expect.objectContaining({ disputeId: 'D-1', amountMinor: 40000, daysOpen: 5, currency: 'USD' }),
    ]);
    const resolved = facts({
      invoices: [invoice()],
      disputes: [dispute({ resolvedOn: day('2026-02-12'), outcome: 'won' })],
    });
    expect(computeAccountStatus(resolved, day('2026-02-15')).situations).toEqual(['overdue']);
  });

  it('counts only the undisputed invoice as overdue beside a disputed one', () => {
    const account = facts({
      invoices: [
        // 15 days past due on 2026-02-15, disputed.
        invoice({ invoiceId: 'INV-1', amountMinor: 100000 }),
        // 5 days past due, not disputed.
        invoice({
          invoiceId: 'INV-2',
          amountMinor: 30000,
          issuedOn: day('2026-01-10'),
          dueOn: day('2026-02-10'),
        }),
      ],
      disputes: [dispute({ invoiceId: 'INV-1' })],
    });
    const status = computeAccountStatus(account, day('2026-02-15'));
    expect(status.situations).toEqual(['disputed', 'overdue']);
    expect(usd(status)).toMatchObject({
      outstandingMinor: 130000,
      disputedMinor: 100000,
      overdueMinor: 30000,
    });
    expect(status).toMatchObject({ overdueInvoiceCount: 1, oldestDaysPastDue: 5 });
  });

  it('keeps a dispute on a paid card invoice open business without inventing a balance', () => {
    const account = facts({
      invoices: [invoice()],
      payments: [payment({ attemptedOn: day('2026-01-31') })],
      disputes: [dispute({ openedOn: day('2026-02-20'), reason: 'fraudulent' })],
    });
    const status = computeAccountStatus(account, day('2026-03-01'));
    expect(status.situations).toEqual(['disputed']);
    expect(status.balances).toEqual([]);
    expect(status.openDisputes).toEqual([expect.objectContaining({ disputeId: 'D-1', amountMinor: 100000 })]);
  });

  it('puts paused first while the pause lasts', () => {
    const account = facts({ invoices: [invoice()], disputes: [dispute()] });
    const pause = { reason: 'renewal negotiation', until: day('2026-02-20') };
    const paused = computeAccountStatus(account, day('2026-02-15'), { pause });
    expect(paused.status).toBe('paused');
    expect(paused.situations).toEqual(['paused', 'disputed']);
    expect(computeAccountStatus(account, day('2026-02-21'), { pause }).status).toBe('disputed');
  });

  it('finds the next renewal among live subscriptions and flags the renewal window', () => {
    const account = facts({
      subscriptions: [
        subscription({ subscriptionId: 'S-1', renewsOn: day('2026-09-01') }),
        subscription({ subscriptionId: 'S-2', renewsOn: day('2026-04-01') }),
        subscription({
          subscriptionId: 'S-3',
          renewsOn: day('2026-03-05'),
          status: 'canceled',
          canceledOn: day('2026-02-01'),
        }),
      ],
    });
    const status = computeAccountStatus(account, day('2026-03-01'));
    expect(status).toMatchObject({ nextRenewalOn: '2026-04-01', daysToRenewal: 31, inRenewalWindow: true });
    expect(computeAccountStatus(account, day('2026-03-01'), { renewalWindowDays: 30 }).inRenewalWindow).toBe(
      false,
    );
  });

  it('reads canceled_on as the day the cancellation takes effect: live until then, no renewal from then on', () => {
    // Cancellation requested in January, effective at the end of the term on 2026-06-01, which is
    // also the day the subscription would have renewed.
    const scheduled = subscription({ renewsOn: day('2026-06-01'), canceledOn: day('2026-06-01') });
    const before = computeAccountStatus(facts({ subscriptions: [scheduled] }), day('2026-03-01'));
    expect(before).toMatchObject({ nextRenewalOn: null, daysToRenewal: null, inRenewalWindow: false });
    expect(before.churnSignals).toEqual([]);
    const after = computeAccountStatus(facts({ subscriptions: [scheduled] }), day('2026-06-01'));
    expect(after.churnSignals).toEqual(['all_subscriptions_canceled']);
    expect(after.nextRenewalOn).toBeNull();

    // Effective after the next renewal (a quarterly plan ending at a later term): that renewal still comes.
    const later = subscription({ renewsOn: day('2026-04-01'), canceledOn: day('2026-07-01') });
    expect(computeAccountStatus(facts({ subscriptions: [later] }), day('2026-03-01'))).toMatchObject({
      nextRenewalOn: '2026-04-01',
      daysToRenewal: 31,
      churnSignals: [],
    });
  });

  it('averages days late over invoices paid in the last 365 days', () => {
    const account = facts({
      invoices: [
        invoice({ invoiceId: 'A', dueOn: day('2026-01-31'), paidOn: day('2026-02-10') }),
        invoice({ invoiceId: 'B', dueOn: day('2026-01-31'), paidOn: day('2026-01-20') }),
        invoice({
          invoiceId: 'C',
          issuedOn: day('2024-01-01'),
          dueOn: day('2024-01-31'),
          paidOn: day('2024-06-01'),
        }),
      ],
    });
    const status = computeAccountStatus(account, day('2026-03-01'));
    expect(status.averageDaysLate).toBe(5);
    expect(status.paidInvoicesLastYear).toBe(2);
  });
});

const dates = fc.integer({ min: 0, max: 400 }).map((offset) => addDays(day('2025-01-01'), offset));

const invoiceArb = fc
  .record({
    id: fc.integer({ min: 1, max: 8 }),
    currency: fc.constantFrom('USD', 'EUR', 'JPY', 'KWD'),
    amount: fc.integer({ min: 0, max: 1_000_000 }),
    issued: dates,
    terms: fc.integer({ min: 0, max: 60 }),
    voidAfter: fc.option(fc.integer({ min: 0, max: 200 })),
    paidAfter: fc.option(fc.integer({ min: 0, max: 200 })),
  })
  .map((r): Invoice =>
    invoice({
      invoiceId: `INV-${r.id}`,
      currency: cur(r.currency),
      amountMinor: r.amount,
      issuedOn: r.issued,
      dueOn: addDays(r.issued, r.terms),
      voidedOn: r.voidAfter === null ? null : addDays(r.issued, r.voidAfter),
      paidOn: r.paidAfter === null ? null : addDays(r.issued, r.paidAfter),
    }),
  );

const paymentArb = fc
  .record({
    id: fc.integer({ min: 1, max: 1000 }),
    invoice: fc.integer({ min: 1, max: 8 }),
    amount: fc.integer({ min: 0, max: 1_200_000 }),
    on: dates,
    status: fc.constantFrom('succeeded', 'failed', 'refunded'),
    code: fc.constantFrom('insufficient_funds', 'expired_card', 'revocation_of_authorization', null),
  })
  .map((r): PaymentAttempt =>
    payment({
      paymentId: `P-${r.id}`,
      invoiceId: `INV-${r.invoice}`,
      amountMinor: r.amount,
      attemptedOn: r.on,
      status: r.status as PaymentAttempt['status'],
      declineCode: r.status === 'failed' ? r.code : null,
    }),
  );

const accountArb = fc
  .record({
    invoices: fc.uniqueArray(invoiceArb, { selector: (i) => i.invoiceId, maxLength: 6 }),
    payments: fc.uniqueArray(paymentArb, { selector: (p) => p.paymentId, maxLength: 10 }),
    disputed: fc.option(fc.integer({ min: 1, max: 8 })),
  })
  .map(({ invoices, payments, disputed }) =>
    facts({
      invoices,
      // Payment currency follows the invoice's, as the import guarantees.
      payments: payments.flatMap((p) => {
        const target = invoices.find((i) => i.invoiceId === p.invoiceId);
        return target === undefined ? [] : [{ ...p, currency: target.currency }];
      }),
      disputes:
        disputed === null ? [] : [dispute({ invoiceId: `INV-${disputed}`, openedOn: day('2025-06-01') })],
    }),
  );

describe('computeAccountStatus: invariants', () => {
  it('aging buckets sum to outstanding and nothing is negative, per currency', () => {
    fc.assert(
      fc.property(accountArb, dates, (account, asOf) => {
        const status = computeAccountStatus(account, asOf);
        for (const balance of status.balances) {
          const { current, d1_30, d31_60, d61_90, d90Plus } = balance.aging;
          expect(current + d1_30 + d31_60 + d61_90 + d90Plus).toBe(balance.outstandingMinor);
          expect(balance.outstandingMinor).toBeGreaterThanOrEqual(0);
          expect(balance.overdueMinor).toBeLessThanOrEqual(balance.outstandingMinor);
          expect(balance.disputedMinor).toBeLessThanOrEqual(balance.outstandingMinor);
          expect(balance.creditMinor).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('status is the highest-precedence situation', () => {
    fc.assert(
      fc.property(accountArb, dates, fc.boolean(), (account, asOf, pausedNow) => {
        const pause = pausedNow ? { reason: 'r', until: asOf } : null;
        const status = computeAccountStatus(account, asOf, { pause });
        const ranked = [...status.situations].sort(
          (a, b) => SITUATION_PRECEDENCE.indexOf(a) - SITUATION_PRECEDENCE.indexOf(b),
        );
        expect(status.status).toBe(ranked[0]);
        expect(status.situations).toEqual(ranked);
        expect(status.situations.includes('paused')).toBe(pausedNow);
      }),
    );
  });

  it('never adds across currencies: an invoice in another currency leaves the others alone', () => {
    fc.assert(
      fc.property(accountArb, dates, fc.integer({ min: 1, max: 1_000_000 }), (account, asOf, amount) => {
        const before = computeAccountStatus(account, asOf);
        const extra = invoice({
          invoiceId: 'EXTRA',
          currency: cur('CHF'),
          amountMinor: amount,
          issuedOn: day('2025-01-01'),
          dueOn: day('2025-01-01'),
        });
        const after = computeAccountStatus({ ...account, invoices: [...account.invoices, extra] }, asOf);
        expect(after.balances.filter((balance) => balance.currency !== 'CHF')).toEqual(before.balances);
        expect(after.balances.find((balance) => balance.currency === 'CHF')?.outstandingMinor).toBe(amount);
      }),
    );
  });

  it('overdue and disputed balances follow the invoice fields: a disputed invoice is never overdue', () => {
    fc.assert(
      fc.property(accountArb, dates, (account, asOf) => {
        const status = computeAccountStatus(account, asOf);
        const expected = new Map<string, { overdue: number; disputed: number }>();
        let count = 0;
        let oldest = 0;
        for (const inv of account.invoices) {
          if (inv.issuedOn > asOf || (inv.voidedOn !== null && inv.voidedOn <= asOf)) continue;
          const rows = account.payments.filter((p) => p.invoiceId === inv.invoiceId);
          const paid =
            rows.length === 0
              ? inv.paidOn !== null && inv.paidOn <= asOf
                ? inv.amountMinor
                : 0
              : rows
                  .filter((p) => p.attemptedOn <= asOf)
                  .reduce(
                    (sum, p) =>
                      sum +
                      (p.status === 'succeeded'
                        ? p.amountMinor
                        : p.status === 'refunded'
                          ? -p.amountMinor
                          : 0),
                    0,
                  );
          const outstanding = Math.max(0, inv.amountMinor - paid);
          if (outstanding === 0) continue;
          const disputed = account.disputes.some(
            (d) => d.invoiceId === inv.invoiceId && d.openedOn <= asOf && (d.resolvedOn ?? '9999') > asOf,
          );
          const entry = expected.get(inv.currency) ?? { overdue: 0, disputed: 0 };
          if (disputed) entry.disputed += outstanding;
          else if (inv.dueOn < asOf) {
            entry.overdue += outstanding;
            count += 1;
            oldest = Math.max(oldest, addDaysBetween(inv.dueOn, asOf));
          }
          expected.set(inv.currency, entry);
        }
        for (const [currency, entry] of expected) {
          const balance = status.balances.find((b) => b.currency === currency);
          expect(balance?.overdueMinor ?? 0).toBe(entry.overdue);
          expect(balance?.disputedMinor ?? 0).toBe(entry.disputed);
        }
        expect(status.overdueInvoiceCount).toBe(count);
        expect(status.oldestDaysPastDue).toBe(oldest);
        expect(status.situations.includes('overdue')).toBe(count > 0);
      }),
    );
  });

  it('paying an invoice never raises the overdue amount or the days past due', () => {
    fc.assert(
      fc.property(accountArb, dates, fc.nat(), (account, asOf, pick) => {
        const target = account.invoices[pick % Math.max(1, account.invoices.length)];
        if (target === undefined) return;
        const before = computeAccountStatus(account, asOf);
        const paid = {
          ...account,
          payments: [
            ...account.payments,
            payment({
              paymentId: 'PAY-X',
              invoiceId: target.invoiceId,
              currency: target.currency,
              amountMinor: target.amountMinor,
              attemptedOn: asOf as CalendarDate,
            }),
          ],
        };
        const after = computeAccountStatus(paid, asOf);
        for (const balance of after.balances) {
          const earlier = before.balances.find((b) => b.currency === balance.currency);
          expect(balance.overdueMinor).toBeLessThanOrEqual(earlier?.overdueMinor ?? 0);
          expect(balance.outstandingMinor).toBeLessThanOrEqual(earlier?.outstandingMinor ?? 0);
        }
        expect(after.oldestDaysPastDue).toBeLessThanOrEqual(before.oldestDaysPastDue);
      }),
    );
  });
});
