import fc from 'fast-check';
import { buildPortfolioReport } from './ar-metrics';
import { addDays, type CalendarDate } from './dates';
import { firstDayFiguresChange, type InvoiceHistory } from './history-change';
import type { AccountFacts, Invoice, PaymentAttempt } from './model';
import type { CurrencyCode } from './money';

const date = (text: string): CalendarDate => text as CalendarDate;

/** Issued 10 October 2026, due 9 November, 100.00 USD, nothing paid. */
function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId: 'INV-1',
    customerId: 'C-1',
    currency: 'USD' as CurrencyCode,
    amountMinor: 10_000,
    issuedOn: date('2026-10-10'),
    dueOn: date('2026-11-09'),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
    ...overrides,
  };
}

function attempt(paymentId: string, on: string, overrides: Partial<PaymentAttempt> = {}): PaymentAttempt {
  return {
    paymentId,
    invoiceId: 'INV-1',
    currency: 'USD' as CurrencyCode,
    amountMinor: 10_000,
    attemptedOn: date(on),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
    ...overrides,
  };
}

const history = (changes: Partial<Invoice> = {}, payments: PaymentAttempt[] = []): InvoiceHistory => ({
  invoice: invoice(changes),
  payments,
});

describe('firstDayFiguresChange: the first day a write can move portfolio figures', () => {
  it('is the issue day for a new invoice, a removed one, and a change to what the invoice is', () => {
    expect(firstDayFiguresChange(undefined, history())).toBe('2026-10-10');
    expect(firstDayFiguresChange(history(), undefined)).toBe('2026-10-10');
    expect(firstDayFiguresChange(history(), history({ amountMinor: 9_000 }))).toBe('2026-10-10');
    expect(firstDayFiguresChange(history(), history({ dueOn: date('2026-11-30') }))).toBe('2026-10-10');
    // Reissued earlier: from the earlier of the two issue days.
    expect(firstDayFiguresChange(history(), history({ issuedOn: date('2026-09-28') }))).toBe('2026-09-28');
  });

  it('is null when nothing a report reads changed', () => {
    expect(firstDayFiguresChange(history(), history())).toBeNull();
    expect(firstDayFiguresChange(history(), history({ subscriptionId: 'S-1' }))).toBeNull();
    expect(firstDayFiguresChange(history(), history({ uncollectibleOn: date('2026-11-20') }))).toBeNull();
    expect(firstDayFiguresChange(undefined, undefined)).toBeNull();
  });

  it("is the payment's day for a payment of an older invoice, not the invoice's issue day", () => {
    expect(firstDayFiguresChange(history(), history({}, [attempt('P-1', '2026-11-14')]))).toBe('2026-11-14');
    // The billing system's balance moving with the payment row (a Stripe invoice paid by card).
    expect(
      firstDayFiguresChange(
        history({ amountRemainingMinor: 10_000 }),
        history({ amountRemainingMinor: 0, paidOn: date('2026-11-14') }, [attempt('P-1', '2026-11-14')]),
      ),
    ).toBe('2026-11-14');
    // A partial payment: from its day.
    expect(
      firstDayFiguresChange(history(), history({}, [attempt('P-1', '2026-11-02', { amountMinor: 2_500 })])),
    ).toBe('2026-11-02');
  });

  it('is the day a balance settled without a payment row moved: paid day, else the issue day', () => {
    // Paid out of band with no day given: the invoice reads as settled from its issue day on.
    expect(
      firstDayFiguresChange(history({ amountRemainingMinor: 10_000 }), history({ amountRemainingMinor: 0 })),
    ).toBe('2026-10-10');
    expect(
      firstDayFiguresChange(
        history({ amountRemainingMinor: 10_000 }),
        history({ amountRemainingMinor: 0, paidOn: date('2026-11-03') }),
      ),
    ).toBe('2026-11-03');
  });

  it('is the voiding day for a void, and the first failure only when the first failure moves', () => {
    expect(firstDayFiguresChange(history(), history({ voidedOn: date('2026-11-05') }))).toBe('2026-11-05');
    const failed = attempt('P-1', '2026-11-09', { status: 'failed', declineCode: 'insufficient_funds' });
    expect(firstDayFiguresChange(history(), history({}, [failed]))).toBe('2026-11-09');
    // A later failure leaves the first one, and every figure, as it was.
    const later = attempt('P-2', '2026-11-16', { status: 'failed', declineCode: 'insufficient_funds' });
    expect(firstDayFiguresChange(history({}, [failed]), history({}, [failed, later]))).toBeNull();
  });

  it('never reaches before the issue day', () => {
    expect(firstDayFiguresChange(history(), history({}, [attempt('P-0', '2026-10-01')]))).toBe('2026-10-10');
  });
});

describe('firstDayFiguresChange against the portfolio report itself', () => {
  const START = date('2026-09-01');
  const day = fc.integer({ min: 0, max: 150 }).map((offset) => addDays(START, offset));
  const payment = fc.record({
    paymentId: fc.constantFrom('P-1', 'P-2', 'P-3'),
    on: day,
    amountMinor: fc.integer({ min: 1, max: 12_000 }),
    status: fc.constantFrom('succeeded', 'failed', 'refunded', 'pending') as fc.Arbitrary<
      PaymentAttempt['status']
    >,
  });
  const core = fc.record({
    amountMinor: fc.constantFrom(0, 5_000, 10_000),
    issuedOn: day,
    dueIn: fc.integer({ min: 0, max: 45 }),
  });
  const state = fc.record({
    paidOn: fc.option(day, { nil: null }),
    voidedOn: fc.option(day, { nil: null }),
    amountRemainingMinor: fc.option(fc.constantFrom(0, 2_500, 5_000, 10_000), { nil: null }),
    payments: fc.uniqueArray(payment, { selector: (entry) => entry.paymentId, maxLength: 3 }),
  });
  type Drawn = { core: { amountMinor: number; issuedOn: CalendarDate; dueIn: number } } & {
    state: {
      paidOn: CalendarDate | null;
      voidedOn: CalendarDate | null;
      amountRemainingMinor: number | null;
      payments: readonly {
        paymentId: string;
        on: CalendarDate;
        amountMinor: number;
        status: PaymentAttempt['status'];
      }[];
    };
  };
  const asHistory = (drawn: Drawn | undefined): InvoiceHistory | undefined =>
    drawn === undefined
      ? undefined
      : {
          invoice: invoice({
            amountMinor: drawn.core.amountMinor,
            issuedOn: drawn.core.issuedOn,
            dueOn: addDays(drawn.core.issuedOn, drawn.core.dueIn),
            paidOn: drawn.state.paidOn,
            voidedOn: drawn.state.voidedOn,
            amountRemainingMinor: drawn.state.amountRemainingMinor,
          }),
          payments: drawn.state.payments.map((entry) =>
            attempt(entry.paymentId, entry.on, { amountMinor: entry.amountMinor, status: entry.status }),
          ),
        };
  // Mostly the same invoice before and after with its payments or stated balance changed, sometimes
  // another invoice altogether, sometimes none on one side.
  const pair = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(core, state, state).map(
        ([c, x, y]) =>
          [
            { core: c, state: x },
            { core: c, state: y },
          ] as const,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(core, state, payment).map(
        ([c, x, added]) =>
          [
            { core: c, state: x },
            {
              core: c,
              state: {
                ...x,
                payments: [...x.payments.filter((entry) => entry.paymentId !== added.paymentId), added],
              },
            },
          ] as const,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(core, state, core, state).map(
        ([c, x, d, y]) =>
          [
            { core: c, state: x },
            { core: d, state: y },
          ] as const,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(core, state).map(([c, x]) => [undefined, { core: c, state: x }] as const),
    },
  );

  it('leaves every report dated before it as it was', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const before = asHistory(a);
        const after = asHistory(b);
        const changedFrom = firstDayFiguresChange(before, after);
        const facts = (entry: InvoiceHistory | undefined): AccountFacts[] => [
          {
            customer: {
              customerId: 'C-1',
              name: null,
              segment: null,
              owner: null,
              paymentTerms: null,
              country: null,
              crmCompanyId: null,
              createdOn: null,
              employees: null,
              fundingStage: null,
            },
            invoices: entry === undefined ? [] : [entry.invoice],
            payments: entry === undefined ? [] : [...entry.payments],
            subscriptions: [],
            disputes: [],
          },
        ];
        for (let offset = -10; offset <= 400; offset += 1) {
          const asOf = addDays(START, offset);
          if (changedFrom !== null && asOf >= changedFrom) break;
          expect(buildPortfolioReport(facts(after), asOf)).toEqual(buildPortfolioReport(facts(before), asOf));
        }
      }),
      { numRuns: 300 },
    );
  });
});
