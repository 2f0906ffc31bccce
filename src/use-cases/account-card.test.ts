import { addDays } from '../domain/dates';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set';
import { validateRuleSet } from '../domain/rules/rule-set';
import { DEFAULT_TIERS } from '../domain/risk/risk-model';
import { day, facts, invoice } from '../domain/test-facts';
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
