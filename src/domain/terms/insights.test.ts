import { customer, day, invoice, payment } from '../test-facts';
import { createInsightsAccumulator } from './insights';
import { createTermEvidenceAccumulator, findCohort, quantile, cohortSample } from './evidence';
import { prepareHistory } from '../risk/features';
import type { AccountFacts } from '../model';

function facts(overrides: Partial<AccountFacts>): AccountFacts {
  return { customer: customer(), invoices: [], payments: [], subscriptions: [], disputes: [], ...overrides };
}

const book = facts({
  customer: customer({ customerId: 'C-1', segment: 'enterprise', employees: 1500, owner: 'dana' }),
  invoices: [
    // net 30, paid 10 days late
    invoice({
      invoiceId: 'A',
      issuedOn: day('2026-01-01'),
      dueOn: day('2026-01-31'),
      paidOn: day('2026-02-10'),
      amountMinor: 10_000,
    }),
    // net 60, paid on time
    invoice({
      invoiceId: 'B',
      issuedOn: day('2026-03-01'),
      dueOn: day('2026-04-30'),
      paidOn: day('2026-04-20'),
      amountMinor: 30_000,
    }),
    // net 30, still open and past due at the end of the period
    invoice({
      invoiceId: 'C',
      issuedOn: day('2026-05-01'),
      dueOn: day('2026-05-31'),
      paidOn: null,
      amountMinor: 20_000,
    }),
  ],
});

describe('payment-term insights', () => {
  it('late rate, days to cash and DSO by term, segment and owner', () => {
    const accumulator = createInsightsAccumulator(day('2026-01-01'), day('2026-06-29'));
    accumulator.add(book);
    const result = accumulator.result();
    expect(result.days).toBe(180);
    const net30 = result.groups.payment_term.find((group) => group.key === 'net_30')!;
    expect(net30).toMatchObject({
      invoices: 2,
      resolved: 2,
      late: 2,
      lateRate: 1,
      paid: 1,
      meanDaysToCash: 40,
    });
    // C is 29 days past due on 2026-06-29; A was 10 days late.
    expect(net30.meanDaysLateWhenLate).toBe(19.5);
    expect(result.groups.payment_term.find((group) => group.key === 'net_60')).toMatchObject({
      late: 0,
      lateRate: 0,
    });
    const segment = result.groups.segment[0]!;
    expect(segment).toMatchObject({ key: 'enterprise', invoices: 3, late: 2 });
    // Simple DSO: 20,000 open of 60,000 sold in 180 days.
    expect(segment.currencies[0]).toMatchObject({
      currency: 'USD',
      sales: 60_000,
      endingAr: 20_000,
      dso: 60,
    });
    expect(result.groups.owner[0]!.key).toBe('dana');
  });

  it('card-paid invoices are their own term and stay out of the payables-cycle evidence', () => {
    const card = facts({
      customer: customer({ customerId: 'C-2', segment: 'enterprise', employees: 1500 }),
      invoices: [
        invoice({
          invoiceId: 'K',
          issuedOn: day('2026-02-01'),
          dueOn: day('2026-02-01'),
          paidOn: null,
          amountMinor: 500,
        }),
      ],
      payments: [
        payment({
          paymentId: 'P',
          invoiceId: 'K',
          amountMinor: 500,
          attemptedOn: day('2026-02-03'),
          method: 'card',
        }),
      ],
    });
    const insights = createInsightsAccumulator(day('2026-01-01'), day('2026-06-29'));
    insights.add(card);
    expect(insights.result().groups.payment_term.map((group) => group.key)).toEqual(['card']);

    const evidence = createTermEvidenceAccumulator(day('2026-07-01'));
    evidence.add(prepareHistory(book));
    evidence.add(prepareHistory(card));
    const result = evidence.result();
    expect(result.autopay).toEqual({ invoices: 1, late: 1, daysLateWhenLate: 2 });
    const cohort = findCohort(result, 'enterprise', 1200, 1)!;
    expect(cohort.key).toBe('enterprise|1000-4999');
    // A took 40 days from issue to cash, B 50; C is unpaid and not evidence yet.
    expect(cohort.counts[40]).toBe(1);
    expect(cohort.counts[50]).toBe(1);
    expect(quantile(cohortSample(cohort, 1), 0.5)).toBe(40);
    expect(quantile(cohortSample(cohort, 1), 0.75)).toBe(50);
  });
});
