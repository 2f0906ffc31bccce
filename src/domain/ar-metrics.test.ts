import {
  bestPossibleDso,
  buildPortfolioReport,
  collectionEffectivenessIndex,
  countbackDelinquency,
  countbackDso,
  countbackMonths,
  monthIndexOf,
  simpleDso,
} from './ar-metrics';
import { customer, day, facts, invoice, payment } from './test-facts';

describe('DSO formulas', () => {
  it('countback DSO matches the worked example (AR 212k; sales 100k, 80k, 70k over 30-day months)', () => {
    const dso = countbackDso(212000, [
      { sales: 100000, days: 30 },
      { sales: 80000, days: 30 },
      { sales: 70000, days: 30 },
    ]);
    expect(dso).toBeCloseTo(30 + 30 + (32 / 70) * 30, 10);
    expect(dso).toBeCloseTo(73.71, 2);
  });

  it('countback DSO: inside the first month, zero AR, and AR beyond every month', () => {
    expect(countbackDso(50, [{ sales: 100, days: 31 }])).toBeCloseTo(15.5, 10);
    expect(countbackDso(0, [{ sales: 100, days: 31 }])).toBe(0);
    expect(
      countbackDso(500, [
        { sales: 100, days: 30 },
        { sales: 0, days: 31 },
      ]),
    ).toBe(61);
    expect(countbackDso(10, [])).toBeNull();
  });

  it('builds countback months with the current month counting the days elapsed', () => {
    const sales = new Map([
      [monthIndexOf(day('2028-03-10')), 10],
      [monthIndexOf(day('2028-02-01')), 20],
    ]);
    expect(countbackMonths(day('2028-03-10'), sales, 3)).toEqual([
      { sales: 10, days: 10 },
      { sales: 20, days: 29 },
      { sales: 0, days: 31 },
    ]);
  });

  it('simple and best possible DSO', () => {
    expect(simpleDso(45000, 90000, 90)).toBe(45);
    expect(bestPossibleDso(30000, 90000, 90)).toBe(30);
    expect(simpleDso(1, 0, 90)).toBeNull();
  });

  it('countback best possible DSO and ADD use the same months as countback DSO, so ADD = DSO − best', () => {
    const months = [
      { sales: 100000, days: 30 },
      { sales: 80000, days: 30 },
      { sales: 70000, days: 30 },
    ];
    // AR 212k as in the worked example (73.71 days); 50k of it not yet due: 50/100 of the latest month.
    const figures = countbackDelinquency(212000, 50000, months);
    expect(figures.dso).toBeCloseTo(73.714, 3);
    expect(figures.bestPossibleDso).toBeCloseTo(15, 10);
    expect(figures.averageDaysDelinquent).toBeCloseTo(58.714, 3);
    // 130k current: the whole latest month (30 days) and 30/80 of the one before (11.25 days).
    expect(countbackDelinquency(212000, 130000, months).bestPossibleDso).toBeCloseTo(41.25, 10);
    // Nothing past due: best possible DSO is DSO itself and nothing is delinquent.
    expect(countbackDelinquency(90000, 90000, months)).toEqual({
      dso: 27,
      bestPossibleDso: 27,
      averageDaysDelinquent: 0,
    });
    expect(countbackDelinquency(10, 0, [])).toEqual({
      dso: null,
      bestPossibleDso: 0,
      averageDaysDelinquent: null,
    });
  });

  it('CEI: (beginning + sales − ending total) / (beginning + sales − ending current) × 100', () => {
    // 50k + 100k − 60k = 90k collected out of 50k + 100k − 40k = 110k collectible.
    expect(collectionEffectivenessIndex(50000, 100000, 60000, 40000)).toBeCloseTo((90 / 110) * 100, 10);
    expect(collectionEffectivenessIndex(0, 0, 0, 0)).toBeNull();
  });
});

describe('buildPortfolioReport', () => {
  const asOf = day('2026-06-30');
  const accounts = [
    facts({
      customer: customer({ customerId: 'A', owner: 'dana', segment: 'smb' }),
      invoices: [
        // Issued in the window, not yet due: current AR.
        invoice({
          invoiceId: 'A1',
          customerId: 'A',
          amountMinor: 30000,
          issuedOn: day('2026-06-15'),
          dueOn: day('2026-07-15'),
        }),
        // Issued in the window, 20 days past due.
        invoice({
          invoiceId: 'A2',
          customerId: 'A',
          amountMinor: 20000,
          issuedOn: day('2026-05-11'),
          dueOn: day('2026-06-10'),
        }),
        // Issued before the window, outstanding at its start, paid inside it.
        invoice({
          invoiceId: 'A3',
          customerId: 'A',
          amountMinor: 50000,
          issuedOn: day('2026-03-01'),
          dueOn: day('2026-03-31'),
          paidOn: day('2026-04-20'),
        }),
      ],
    }),
    facts({
      customer: customer({ customerId: 'B', owner: 'eli', segment: 'enterprise' }),
      invoices: [
        // 100 days past due.
        invoice({
          invoiceId: 'B1',
          customerId: 'B',
          amountMinor: 40000,
          issuedOn: day('2026-02-20'),
          dueOn: day('2026-03-22'),
        }),
        invoice({
          invoiceId: 'B2',
          customerId: 'B',
          currency: 'EUR' as never,
          amountMinor: 7000,
          issuedOn: day('2026-06-01'),
          dueOn: day('2026-07-01'),
        }),
      ],
      payments: [
        payment({
          paymentId: 'PB1',
          invoiceId: 'B1',
          status: 'failed',
          declineCode: 'insufficient_funds',
          amountMinor: 40000,
          attemptedOn: day('2026-03-22'),
        }),
        payment({
          paymentId: 'PB2',
          invoiceId: 'B1',
          status: 'succeeded',
          amountMinor: 10000,
          attemptedOn: day('2026-05-01'),
        }),
      ],
    }),
  ];

  it('computes the total per currency by the formulas', () => {
    const report = buildPortfolioReport(accounts, asOf);
    expect(report.total.accounts).toBe(2);
    const usd = report.total.currencies.find((c) => c.currency === 'USD');
    const eur = report.total.currencies.find((c) => c.currency === 'EUR');
    expect(eur).toMatchObject({ arMinor: 7000, currentArMinor: 7000, accounts: 1 });
    // AR: A1 30k + A2 20k + B1 30k (40k − 10k).
    expect(usd).toMatchObject({
      accounts: 2,
      arMinor: 80000,
      currentArMinor: 30000,
      pastDueArMinor: 50000,
      aging: { current: 30000, d1_30: 20000, d31_60: 0, d61_90: 0, d90Plus: 30000 },
      creditSales90Minor: 50000,
      // At 2026-04-01: A3 50k (due 03-31) and B1 40k outstanding.
      beginningAr90Minor: 90000,
      failedMinor: 40000,
      recoveredMinor: 10000,
    });
    expect(usd?.delinquencyRate).toBeCloseTo(50000 / 80000, 10);
    expect(usd?.atRiskRate).toBeCloseTo(30000 / 80000, 10);
    expect(usd?.simpleDso).toBeCloseTo((80000 / 50000) * 90, 10);
    expect(usd?.bestPossibleDso).toBeCloseTo((30000 / 50000) * 90, 10);
    expect(usd?.averageDaysDelinquent).toBeCloseTo(((80000 - 30000) / 50000) * 90, 10);
    expect(usd?.cei).toBeCloseTo(((90000 + 50000 - 80000) / (90000 + 50000 - 30000)) * 100, 10);
    expect(usd?.failedPaymentRecoveryRate).toBeCloseTo(0.25, 10);
    // Countback from June (30 days, sales 30k), May (31 days, 20k), April (0), March (50k + 0), Feb (40k).
    // 80k − 30k = 50k; − 20k = 30k; − 0 = 30k; 30k < 50k → 30 + 31 + 30 + 30/50 × 31.
    expect(usd?.countbackDso).toBeCloseTo(30 + 31 + 30 + (30000 / 50000) * 31, 10);
    // The 30k not yet due is June's 30k of sales: 30 of June's 30 days.
    expect(usd?.countbackBestPossibleDso).toBeCloseTo(30, 10);
    expect(usd?.countbackAverageDaysDelinquent).toBeCloseTo(31 + 30 + (30000 / 50000) * 31, 10);
  });

  it('never reports a best possible DSO above the DSO it goes with, by either method', () => {
    for (const by of ['owner', 'segment', 'currency'] as const) {
      const report = buildPortfolioReport(accounts, asOf, { by });
      for (const metrics of [report.total, ...report.slices].flatMap((slice) => slice.currencies)) {
        expect(metrics.bestPossibleDso ?? 0).toBeLessThanOrEqual(metrics.simpleDso ?? 0);
        expect(metrics.countbackBestPossibleDso ?? 0).toBeLessThanOrEqual(metrics.countbackDso ?? 0);
      }
    }
  });

  it('slices by owner and keeps slices summing to the total', () => {
    const report = buildPortfolioReport(accounts, asOf, { by: 'owner' });
    expect(report.slices.map((slice) => slice.key)).toEqual(['dana', 'eli']);
    const arOf = (key: string) =>
      report.slices.find((slice) => slice.key === key)?.currencies.find((c) => c.currency === 'USD')?.arMinor;
    expect(arOf('dana')).toBe(50000);
    expect(arOf('eli')).toBe(30000);
    expect((arOf('dana') ?? 0) + (arOf('eli') ?? 0)).toBe(
      report.total.currencies.find((c) => c.currency === 'USD')?.arMinor,
    );
  });

  it('slices by currency and names missing values', () => {
    const byCurrency = buildPortfolioReport(accounts, asOf, { by: 'currency' });
    expect(byCurrency.slices.map((slice) => [slice.key, slice.accounts])).toEqual([
      ['EUR', 1],
      ['USD', 2],
    ]);
    const bySegment = buildPortfolioReport(
      [facts({ customer: customer({ segment: null }), invoices: [invoice()] })],
      asOf,
      {
        by: 'segment',
      },
    );
    expect(bySegment.slices[0]?.key).toBe('(none)');
  });
});

describe('money totals near 2^53 minor units', () => {
  const MAX = 9007199254740991; // 2^53 − 1
  const asOf = day('2026-03-15');
  const book = (amounts: number[]) => [
    facts({
      invoices: amounts.map((amountMinor, index) => invoice({ invoiceId: `INV-${index}`, amountMinor })),
    }),
  ];

  it('sums exactly up to 2^53 − 1 minor units', () => {
    const total = buildPortfolioReport(book([MAX - 2, 2]), asOf).total.currencies[0];
    expect(total?.arMinor).toBe(MAX);
    expect(total?.pastDueArMinor).toBe(MAX);
  });

  it('refuses a total beyond it, naming the exact value, instead of one off by a minor unit', () => {
    expect(() => buildPortfolioReport(book([MAX, 2]), asOf)).toThrow(/9007199254740993 minor units/);
  });
});
