import { computeAccountStatus } from './account-status';
import { buildLedgers } from './invoice-ledger';
import type { AccountFacts } from './model';
import {
  promiseDeadline,
  promiseHoldsOn,
  promiseMetrics,
  promiseOutcome,
  unkeptPromiseTitle,
  type PromiseToPay,
  type StoredPromise,
} from './promises';
import { DEFAULT_RULE_SET } from './rules/default-rule-set';
import { accountContext, evaluateRuleSet } from './rules/evaluate';
import { validateRuleSet, type RuleSet } from './rules/rule-set';
import { createSimulator } from './rules/simulate';
import { cur, day, facts, invoice, payment } from './test-facts';

/** USD 12,000.00 on INV-1 and EUR 500.00 on INV-2, both due 2026-11-30. */
const book: AccountFacts = facts({
  invoices: [
    invoice({
      invoiceId: 'INV-1',
      amountMinor: 1_200_000,
      issuedOn: day('2026-11-01'),
      dueOn: day('2026-11-30'),
    }),
    invoice({
      invoiceId: 'INV-2',
      currency: cur('EUR'),
      amountMinor: 50_000,
      issuedOn: day('2026-11-01'),
      dueOn: day('2026-11-30'),
    }),
    invoice({
      invoiceId: 'INV-3',
      amountMinor: 300_000,
      issuedOn: day('2026-11-01'),
      dueOn: day('2026-11-30'),
    }),
  ],
});

function promise(overrides: Partial<PromiseToPay> = {}): PromiseToPay {
  return {
    promiseId: 'PR-1',
    customerId: 'C-1',
    amounts: [{ currency: cur('USD'), amountMinor: 1_200_000 }],
    promisedOn: day('2026-12-15'),
    graceDays: 3,
    invoiceIds: ['INV-1'],
    madeBy: 'Jane, AP',
    note: null,
    recordedBy: 'dana',
    recordedOn: day('2026-12-01'),
    ...overrides,
  };
}

const paid = (id: string, invoiceId: string, amountMinor: number, on: string, currency = 'USD') =>
  payment({ paymentId: id, invoiceId, amountMinor, attemptedOn: day(on), currency: cur(currency) });

function outcome(p: PromiseToPay, payments: AccountFacts['payments'], on: string) {
  return promiseOutcome(p, buildLedgers(book.invoices, payments), day(on));
}

describe('promiseOutcome decides from payments only', () => {
  it('is open until the promised day plus the grace, then broken when nothing came in', () => {
    expect(promiseDeadline(promise())).toBe('2026-12-18');
    expect(outcome(promise(), [], '2026-12-18').state).toBe('open');
    expect(outcome(promise(), [], '2026-12-19')).toEqual({
      state: 'broken',
      received: [{ currency: 'USD', amountMinor: 0 }],
    });
  });

  it('is kept as soon as the whole amount is paid, early included, and within the grace', () => {
    const early = [paid('P-1', 'INV-1', 1_200_000, '2026-12-05')];
    expect(outcome(promise(), early, '2026-12-05').state).toBe('kept');
    const inGrace = [paid('P-1', 'INV-1', 1_200_000, '2026-12-18')];
    expect(outcome(promise(), inGrace, '2026-12-17').state).toBe('open');
    expect(outcome(promise(), inGrace, '2026-12-30').state).toBe('kept');
  });

  it('is partly kept with what came in by the deadline; a payment after it does not count', () => {
    const payments = [
      paid('P-1', 'INV-1', 400_000, '2026-12-10'),
      paid('P-2', 'INV-1', 800_000, '2026-12-19'),
    ];
    expect(outcome(promise(), payments, '2026-12-20')).toEqual({
      state: 'partly_kept',
      received: [{ currency: 'USD', amountMinor: 400_000 }],
    });
  });

  it('counts only the named invoices, and only money moved from the day it was recorded', () => {
    const payments = [
      paid('P-0', 'INV-1', 100_000, '2026-11-30'),
      paid('P-3', 'INV-3', 300_000, '2026-12-02'),
    ];
    expect(outcome(promise(), payments, '2026-12-19').state).toBe('broken');
    // Naming no invoice, any payment on the account counts: 300,000 of 1,200,000.
    expect(outcome(promise({ invoiceIds: [] }), payments, '2026-12-19')).toEqual({
      state: 'partly_kept',
      received: [{ currency: 'USD', amountMinor: 300_000 }],
    });
  });

  it('nets refunds, and keeps each currency apart: kept only when every currency is paid', () => {
    const both = promise({
      invoiceIds: [],
      amounts: [
        { currency: cur('EUR'), amountMinor: 50_000 },
        { currency: cur('USD'), amountMinor: 1_200_000 },
      ],
    });
    const usdOnly = [paid('P-1', 'INV-1', 1_200_000, '2026-12-10')];
    expect(outcome(both, usdOnly, '2026-12-19')).toEqual({
      state: 'partly_kept',
      received: [
        { currency: 'EUR', amountMinor: 0 },
        { currency: 'USD', amountMinor: 1_200_000 },
      ],
    });
    const refunded = [
      ...usdOnly,
      paid('P-2', 'INV-2', 50_000, '2026-12-11', 'EUR'),
      { ...paid('R-1', 'INV-1', 200_000, '2026-12-12'), status: 'refunded' as const },
    ];
    expect(outcome(both, refunded, '2026-12-19').received).toEqual([
      { currency: 'EUR', amountMinor: 50_000 },
      { currency: 'USD', amountMinor: 1_000_000 },
    ]);
  });

  it('words the escalation with the promise and what was received', () => {
    expect(unkeptPromiseTitle(promise(), [{ currency: cur('USD'), amountMinor: 400_000 }])).toBe(
      'Promise of USD 12,000.00 due Dec 15 was not kept; USD 4,000.00 received',
    );
    expect(unkeptPromiseTitle(promise(), [{ currency: cur('USD'), amountMinor: 0 }])).toBe(
      'Promise of USD 12,000.00 due Dec 15 was not kept; nothing received',
    );
  });
});

function ruleSet(): RuleSet {
  const result = validateRuleSet(DEFAULT_RULE_SET);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

describe('the promised rail', () => {
  /** One USD invoice due 2026-01-31, never paid: the playbook's 7-day reminder is due 02-07. */
  const unpaid = facts({ invoices: [invoice({ issuedOn: day('2026-01-01'), dueOn: day('2026-01-31') })] });
  const onFeb7 = promise({
    amounts: [{ currency: cur('USD'), amountMinor: 100_000 }],
    recordedOn: day('2026-02-05'),
    promisedOn: day('2026-02-10'),
  });

  function evaluate(promises: PromiseToPay[], on: string) {
    const status = computeAccountStatus(unpaid, day(on));
    const holds = promiseHoldsOn(promises, buildLedgers(unpaid.invoices, unpaid.payments), day(on));
    const context = accountContext(unpaid, status, {
      riskTier: null,
      openTasks: [],
      contacts: [],
      holdUntil: null,
      promises: holds,
    });
    return evaluateRuleSet(ruleSet(), [context], day(on));
  }

  it('holds reminders on a promised invoice while the promise is open, and counts the rail', () => {
    expect(evaluate([], '2026-02-07').tasks.map((task) => task.tone)).toEqual(['gentle']);
    const held = evaluate([onFeb7], '2026-02-07');
    expect(held.tasks).toEqual([]);
    expect(held.skipped).toEqual([
      expect.objectContaining({ rail: 'promised', why: 'promise to pay open until 2026-02-13' }),
    ]);
    // A promise on another invoice holds nothing here.
    expect(evaluate([{ ...onFeb7, invoiceIds: ['INV-9'] }], '2026-02-07').tasks).toHaveLength(1);
    // Past its deadline (02-10 + 3 days) it holds nothing.
    expect(evaluate([onFeb7], '2026-02-14').skipped.map((s) => s.rail)).not.toContain('promised');
  });

  it('is honoured by a replay on the days the promise was open', () => {
    const replay = (promises: PromiseToPay[]) => {
      const simulator = createSimulator(ruleSet(), day('2026-02-01'), day('2026-02-13'), {
        keepActions: true,
      });
      simulator.add(unpaid, () => 'low', { pauses: [], tags: [], promises });
      return { actions: simulator.actions.map((task) => task.plannedOn), summary: simulator.result() };
    };
    expect(replay([]).actions).toEqual(['2026-02-07']);
    const held = replay([onFeb7]);
    expect(held.actions).toEqual([]);
    expect(held.summary.skippedByRail.promised).toBe(1);
  });
});

describe('promiseMetrics', () => {
  const settled = (
    id: string,
    customerId: string,
    state: StoredPromise['state'],
    settledOn: string | null,
  ) => ({
    ...promise({ promiseId: id, customerId }),
    state,
    settledOn: settledOn === null ? null : day(settledOn),
    received: [],
  });

  it('counts kept over decided in the window by owner and segment, and sums what is promised ahead per currency', () => {
    const asOf = day('2026-12-31');
    const promises: StoredPromise[] = [
      settled('A', 'C-1', 'kept', '2026-12-01'),
      settled('B', 'C-1', 'broken', '2026-11-15'),
      settled('C', 'C-2', 'partly_kept', '2026-10-10'),
      settled('D', 'C-2', 'kept', '2026-10-02'), // 90 days before asOf: outside the window
      settled('E', 'C-3', 'kept', '2026-12-20'),
      { ...settled('F', 'C-3', 'open', null), promisedOn: day('2027-01-15') },
      {
        ...settled('G', 'C-1', 'open', null),
        promisedOn: day('2027-01-30'),
        amounts: [
          { currency: cur('EUR'), amountMinor: 700 },
          { currency: cur('USD'), amountMinor: 50 },
        ],
      },
      { ...settled('H', 'C-1', 'open', null), promisedOn: day('2027-01-31') }, // 31 days ahead
    ];
    const accounts = new Map([
      ['C-1', { owner: 'dana', segment: 'smb' }],
      ['C-2', { owner: 'lee', segment: 'smb' }],
      ['C-3', { owner: 'dana', segment: null }],
    ]);
    const metrics = promiseMetrics(promises, accounts, asOf);
    expect(metrics.total).toEqual({
      key: 'total',
      decided: 4,
      kept: 2,
      partlyKept: 1,
      broken: 1,
      keptRate: 0.5,
    });
    expect(metrics.byOwner).toEqual([
      { key: 'dana', decided: 3, kept: 2, partlyKept: 0, broken: 1, keptRate: 2 / 3 },
      { key: 'lee', decided: 1, kept: 0, partlyKept: 1, broken: 0, keptRate: 0 },
    ]);
    expect(metrics.bySegment).toEqual([
      { key: '(none)', decided: 1, kept: 1, partlyKept: 0, broken: 0, keptRate: 1 },
      { key: 'smb', decided: 3, kept: 1, partlyKept: 1, broken: 1, keptRate: 1 / 3 },
    ]);
    // F: USD 12,000.00; G: EUR 7.00 and USD 0.50; H is 31 days out.
    expect(metrics.promisedAhead).toEqual([
      { currency: 'EUR', amountMinor: 700 },
      { currency: 'USD', amountMinor: 1_200_050 },
    ]);
  });
});
