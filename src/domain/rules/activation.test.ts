import { day } from '../test-facts';
import { activationWindow, impactOf, ruleImpacts, versionLabel } from './activation';
import { validateRuleSet, type RuleSet } from './rule-set';
import type { SimulationSummary } from './simulate';

function parsed(document: unknown): RuleSet {
  const result = validateRuleSet(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

const rule = (id: string, description?: string) => ({
  id,
  ...(description === undefined ? {} : { description }),
  then: { tone: 'gentle' },
});

function summary(overrides: Partial<SimulationSummary>): SimulationSummary {
  return {
    from: day('2026-01-01'),
    to: day('2026-03-31'),
    days: 90,
    accounts: 10,
    tasks: 0,
    tasksByRule: {},
    accountsContacted: 0,
    contacts: 0,
    contactsInRenewalWindow: 0,
    accountsHeldForDisputes: 0,
    skippedByRail: {
      paused: 0,
      held: 0,
      open_task: 0,
      disputed: 0,
      contact_cap: 0,
      cooldown: 0,
      promised: 0,
    },
    accountsSkippedByRails: 0,
    contactsPerAccountWeek: { max: 0, cap: 2 },
    peakTasksPerAssigneePerWeek: {},
    ...overrides,
  };
}

describe('activation preview figures', () => {
  it('covers the last 90 days, today included', () => {
    expect(activationWindow(day('2026-03-31'))).toEqual({ from: '2026-01-01', to: '2026-03-31' });
  });

  it("names the busiest assignee's busiest week, and the contacts per account against the cap", () => {
    const impact = impactOf(
      summary({
        tasks: 12,
        accountsContacted: 5,
        contactsInRenewalWindow: 2,
        contactsPerAccountWeek: { max: 2, cap: 3 },
        peakTasksPerAssigneePerWeek: {
          finance_queue: { week: day('2026-02-02'), tasks: 4 },
          account_owner: { week: day('2026-02-09'), tasks: 7 },
        },
      }),
    );
    expect(impact).toEqual({
      tasks: 12,
      accountsContacted: 5,
      contactsInRenewalWindow: 2,
      peakTasksPerAssignee: { assignee: 'account_owner', tasks: 7 },
      maxContactsPerAccountWeek: 2,
      contactCapPerWeek: 3,
    });
    expect(impactOf(summary({})).peakTasksPerAssignee).toBeNull();
  });

  it('lists every rule of either set, with 0 where it never fired or is missing', () => {
    const active = parsed({ name: 'a', rules: [rule('old'), rule('kept', 'Kept rule')] });
    const proposed = parsed({ name: 'p', rules: [rule('kept', 'Kept rule'), rule('new')] });
    const rows = ruleImpacts(
      active,
      proposed,
      summary({ tasksByRule: { old: 3, kept: 2 } }),
      summary({ tasksByRule: { kept: 1, new: 0, 'dispute-review': 1 } }),
    );
    expect(rows).toEqual([
      { id: 'kept', label: 'Kept rule', active: { tasks: 2 }, proposed: { tasks: 1 } },
      { id: 'new', label: 'new', active: { tasks: 0 }, proposed: { tasks: 0 } },
      { id: 'old', label: 'old', active: { tasks: 3 }, proposed: { tasks: 0 } },
      {
        id: 'dispute-review',
        label: 'Dispute review (safety rail: every open dispute gets one)',
        active: { tasks: 0 },
        proposed: { tasks: 1 },
      },
    ]);
  });

  it('labels a version by number, state and note', () => {
    expect(versionLabel({ version: 3, note: 'calmer reminders', active: true })).toBe(
      'v3 (active, "calmer reminders")',
    );
    expect(versionLabel({ version: 2, note: null, active: false })).toBe('v2');
    expect(versionLabel({ version: 0, note: 'Default collections playbook', active: false })).toBe(
      'v0 ("Default collections playbook")',
    );
  });
});
