import { toDayNumber, type CalendarDate } from '../dates';
import { buildLedgers } from '../invoice-ledger';
import type { AccountFacts } from '../model';
import type { StoredPromise } from '../promises';
import { cur, customer, day, facts, invoice, payment } from '../test-facts';
import { FEATURE_NAMES, prepareHistory, type FeatureName } from './features';
import type { LogisticModel } from './logistic';
import { judgePromises, promiseHistoryOn } from './promise-history';
import {
  accountRisk,
  fromStoredRiskModel,
  toStoredRiskModel,
  type RiskModel,
  type StoredRiskModel,
} from './risk-model';

const AS_OF = day('2026-06-30');
const priors = { lateRate: 0.2, meanDaysLate: 5, lateRateBySegment: new Map([['smb', 0.25]]) };

/**
 * K: two invoices of USD 1,000.00. K-1 (due 2026-03-31) was paid USD 400.00 on 04-10 and the rest on
 * 05-20; K-2 (due 2026-05-31) is unpaid.
 */
const accountK: AccountFacts = facts({
  customer: customer({ customerId: 'K', segment: 'smb', createdOn: day('2025-06-01') }),
  invoices: [
    invoice({ invoiceId: 'K-1', customerId: 'K', issuedOn: day('2026-03-01'), dueOn: day('2026-03-31') }),
    invoice({ invoiceId: 'K-2', customerId: 'K', issuedOn: day('2026-05-01'), dueOn: day('2026-05-31') }),
  ],
  payments: [
    payment({ paymentId: 'Q1', invoiceId: 'K-1', amountMinor: 40000, attemptedOn: day('2026-04-10') }),
    payment({ paymentId: 'Q2', invoiceId: 'K-1', amountMinor: 60000, attemptedOn: day('2026-05-20') }),
  ],
});

function promiseK(
  promiseId: string,
  promisedOn: CalendarDate,
  invoiceIds: string[],
  recordedOn: CalendarDate = day('2026-04-01'),
): StoredPromise {
  return {
    promiseId,
    customerId: 'K',
    amounts: [{ currency: cur('USD'), amountMinor: 100000 }],
    promisedOn,
    graceDays: 3,
    invoiceIds,
    madeBy: 'ap@k.example',
    note: null,
    recordedBy: 'dana',
    recordedOn,
    state: 'open',
    settledOn: null,
    received: [],
  };
}

/**
 * PK-1: USD 1,000.00 on K-1 by 04-10 (deadline 04-13): USD 400.00 came in, partly kept. PK-2: USD
 * 1,000.00 on K-2 by 06-05 (deadline 06-08, recorded 06-01): nothing, broken. PK-3: USD 1,000.00 on K-1
 * by 05-18 (deadline 05-21, recorded 05-01): the rest came on 05-20, so USD 600.00 of it, partly kept.
 */
const promisesK = [
  promiseK('PK-1', day('2026-04-10'), ['K-1']),
  promiseK('PK-2', day('2026-06-05'), ['K-2'], day('2026-06-01')),
  promiseK('PK-3', day('2026-05-18'), ['K-1'], day('2026-05-01')),
];

/** A model of one feature: log-odds = ln(1/9) + weight × broken_promises (every other weight 0). */
function promiseOnlyModel(weight: number, names: readonly FeatureName[] = FEATURE_NAMES): RiskModel {
  const logistic: LogisticModel = {
    featureNames: [...names],
    means: names.map(() => 0),
    scales: names.map(() => 1),
    intercept: Math.log(1 / 9),
    weights: names.map((name) => (name === 'broken_promises' ? weight : 0)),
    lambda: 1,
    iterations: 0,
  };
  return {
    logistic,
    dropped: [],
    priors,
    withDisputes: false,
    fittedBefore: day('2026-01-01'),
    trainingSize: 100,
    trainingLateRate: 0.1,
    seriouslyLate: { logistic, dropped: [], trainingSize: 100, trainingRate: 0.1 },
  };
}

describe('promise history as a risk feature', () => {
  it('weighs a broken promise 1 and a partly kept one 0.5 (worked by hand)', () => {
    const history = prepareHistory(accountK, promisesK);
    const known = toDayNumber(AS_OF);
    const told = promiseHistoryOn(history.promises, known);
    expect(told.broken.map((promise) => promise.promiseId)).toEqual(['PK-2']);
    expect(told.partlyKept.map((promise) => [promise.promiseId, promise.received])).toEqual([
      ['PK-1', [{ currency: 'USD', amountMinor: 40000 }]],
      ['PK-3', [{ currency: 'USD', amountMinor: 60000 }]],
    ]);
    // log(1 + 1 + 0.5 × 2) = log 3.
    const risk = accountRisk(promiseOnlyModel(1), history, AS_OF);
    expect(risk.reasons).toEqual([
      {
        code: 'broken_promises',
        text: '1 promise to pay broken and 2 only partly kept in the last 12 months (the latest: USD 1,000.00 due Jun 5)',
        weight: Number(Math.log(3).toFixed(3)),
      },
    ]);
    // On 06-08 PK-2's deadline has not passed (known day 06-08): only the two partly kept count.
    const earlier = promiseHistoryOn(history.promises, toDayNumber(day('2026-06-08')));
    expect([earlier.broken.length, earlier.partlyKept.length]).toEqual([0, 2]);
  });

  it('judges each promise once from the ledger, as of the day after its deadline', () => {
    const judged = judgePromises(promisesK, buildLedgers(accountK.invoices, accountK.payments));
    expect(judged.map((promise) => promise.unkept?.state ?? 'kept')).toEqual([
      'partly_kept',
      'broken',
      'partly_kept',
    ]);
    expect(judged.map((promise) => promise.deadlineDay)).toEqual(
      ['2026-04-13', '2026-06-08', '2026-05-21'].map((date) => toDayNumber(day(date))),
    );
  });

  it('scores a customer with a broken promise higher than the same customer without it', () => {
    const model = promiseOnlyModel(1);
    const broken = [promiseK('PK-2', day('2026-06-05'), ['K-2'], day('2026-06-01'))];
    const without = accountRisk(model, prepareHistory(accountK), AS_OF);
    const withBroken = accountRisk(model, prepareHistory(accountK, broken), AS_OF);
    // Odds 1/9 without; 1/9 × e^(log 2) = 2/9 with one broken promise.
    expect(without.probabilitySeriouslyLate).toBeCloseTo(0.1, 12);
    expect(withBroken.probabilitySeriouslyLate).toBeCloseTo(2 / 11, 12);
    expect(withBroken.score).toBe(18);
    expect(without.score).toBe(10);
    expect(without.reasons).toEqual([]);
    expect(withBroken.reasons.map((reason) => reason.text)).toEqual([
      '1 promise to pay broken in the last 12 months (USD 1,000.00 due Jun 5)',
    ]);
  });
});

describe('risk models stored before the promise feature', () => {
  const oldNames = FEATURE_NAMES.filter((name) => name !== 'broken_promises');
  /** As saved by the store before: a feature list without broken_promises, plain JSON. */
  const stored = JSON.parse(
    JSON.stringify(toStoredRiskModel(promiseOnlyModel(1, oldNames))),
  ) as StoredRiskModel;

  it('still load and score by feature name, ignoring the promises they never learned', () => {
    const model = fromStoredRiskModel(stored);
    expect(model.logistic.featureNames).toHaveLength(FEATURE_NAMES.length - 1);
    expect(model.logistic.featureNames).not.toContain('broken_promises');
    const withBroken = accountRisk(model, prepareHistory(accountK, promisesK), AS_OF);
    // Every weight of the old model is 0: the intercept alone, odds 1/9.
    expect(withBroken.probabilitySeriouslyLate).toBeCloseTo(0.1, 12);
    expect(withBroken.probabilityLate).toBeCloseTo(0.1, 12);
    expect([...withBroken.reasons, ...withBroken.mitigating]).toEqual([]);
  });

  it('read each weight against its own feature, wherever it stands in the list', () => {
    // An old model with a weight on open_overdue_invoices only (K-2 is overdue: log(1 + 1) = log 2).
    const overdueOnly: StoredRiskModel = {
      ...stored,
      seriouslyLate: {
        ...stored.seriouslyLate!,
        logistic: {
          ...stored.seriouslyLate!.logistic,
          weights: oldNames.map((name) => (name === 'open_overdue_invoices' ? 1 : 0)),
        },
      },
    };
    const risk = accountRisk(fromStoredRiskModel(overdueOnly), prepareHistory(accountK, promisesK), AS_OF);
    // Odds 1/9 × 2.
    expect(risk.probabilitySeriouslyLate).toBeCloseTo(2 / 11, 12);
    expect(risk.reasons.map((reason) => reason.code)).toEqual(['open_overdue_invoices']);
  });
});
