import { addDays } from '../domain/dates';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set';
import { validateRuleSet } from '../domain/rules/rule-set';
import type { StoredPromise } from '../domain/promises';
import { FEATURE_NAMES } from '../domain/risk/features';
import type { LogisticModel } from '../domain/risk/logistic';
import { DEFAULT_TIERS, type RiskModel } from '../domain/risk/risk-model';
import { cur, day, facts, invoice } from '../domain/test-facts';
import type { StoredTask } from '../ports/store';
import { buildAccountCard, type CardContext } from './account-card';

const asOf = day('2026-06-15');

function context(): CardContext {
  const parsed = validateRuleSet(DEFAULT_RULE_SET);
  if (!parsed.ok) throw new Error('the default rule set does not validate');
  return { model: undefined, ruleSet: parsed.ruleSet, renewalWindowDays: 90, riskTiers: DEFAULT_TIERS };
}

describe('buildAccountCard', () => {
  const account = facts({
    invoices: [invoice({ amountMinor: 50000, issuedOn: addDays(asOf, -50), dueOn: addDays(asOf, -20) })],
  });

  it('keeps recommending the step whose task is already open, and ranks the account by money at risk', () => {
    const fresh = buildAccountCard(account, asOf, context(), null, []);
    expect(fresh.nextStep?.ruleId).toBe('overdue-15');
    const open: StoredTask = {
      ...(fresh.nextStep as NonNullable<typeof fresh.nextStep>),
      state: 'open',
      ruleVersion: null,
      crmTaskId: null,
    };
    const later = buildAccountCard(account, asOf, context(), null, [open]);
    expect(later.nextStep?.ruleId).toBe('overdue-15');
    expect(later.openTasks).toEqual([open]);
    // No model yet: 50000 outstanding 20 days past due at the age curve's 2 % + 20/30 × 4 %.
    expect(later.worklist?.byCurrency['USD']?.totalMinor).toBe(Math.round(50000 * (0.02 + (20 / 30) * 0.04)));
    expect(later.worklist?.situations).toEqual(['overdue']);
  });
});

describe('buildAccountCard risk reasons', () => {
  /** Log-odds ln(1/9) + broken_promises: only the promise feature speaks. */
  function promiseModel(): RiskModel {
    const logistic: LogisticModel = {
      featureNames: [...FEATURE_NAMES],
      means: FEATURE_NAMES.map(() => 0),
      scales: FEATURE_NAMES.map(() => 1),
      intercept: Math.log(1 / 9),
      weights: FEATURE_NAMES.map((name) => (name === 'broken_promises' ? 1 : 0)),
      lambda: 1,
      iterations: 0,
    };
    return {
      logistic,
      dropped: [],
      priors: { lateRate: 0.2, meanDaysLate: 5, lateRateBySegment: new Map() },
      withDisputes: false,
      fittedBefore: day('2026-01-01'),
      trainingSize: 100,
      trainingLateRate: 0.1,
      seriouslyLate: { logistic, dropped: [], trainingSize: 100, trainingRate: 0.1 },
    };
  }
  // INV-1 of USD 500.00, due 2026-05-26, unpaid; promised by 2026-06-01 (deadline 06-04): broken.
  const account = facts({
    invoices: [invoice({ amountMinor: 50000, issuedOn: addDays(asOf, -50), dueOn: addDays(asOf, -20) })],
  });
  const broken: StoredPromise = {
    promiseId: 'PR-1',
    customerId: 'C-1',
    amounts: [{ currency: cur('USD'), amountMinor: 50000 }],
    promisedOn: day('2026-06-01'),
    graceDays: 3,
    invoiceIds: ['INV-1'],
    madeBy: null,
    note: null,
    recordedBy: 'dana',
    recordedOn: day('2026-05-28'),
    state: 'broken',
    settledOn: day('2026-06-05'),
    received: [],
  };

  it('tells a broken promise to pay among the reasons, and scores the account higher for it', () => {
    const card = buildAccountCard(account, asOf, { ...context(), model: promiseModel() }, null, [], [broken]);
    const without = buildAccountCard(account, asOf, { ...context(), model: promiseModel() }, null, []);
    expect(card.risk?.reasons.map((reason) => reason.text)).toEqual([
      '1 promise to pay broken in the last 12 months (USD 500.00 due Jun 1)',
    ]);
    // Odds 1/9 × 2 against 1/9.
    expect(card.risk?.probabilitySeriouslyLate).toBeCloseTo(2 / 11, 12);
    expect(without.risk?.probabilitySeriouslyLate).toBeCloseTo(0.1, 12);
    expect(without.risk?.reasons).toEqual([]);
  });
});
