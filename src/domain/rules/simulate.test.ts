import { day, facts, invoice } from '../test-facts';
import type { PauseSpan } from '../pauses';
import { DEFAULT_RULE_SET } from './default-rule-set';
import { validateRuleSet, type RuleSet } from './rule-set';
import { createSimulator, type AccountHistory } from './simulate';

function parsed(document: unknown): RuleSet {
  const result = validateRuleSet(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

/** One USD invoice due 2026-01-31, never paid: 7 days past due on 02-07, 60 on 04-01. */
const unpaid = facts({ invoices: [invoice({ issuedOn: day('2026-01-01'), dueOn: day('2026-01-31') })] });

const pause = (startedOn: string, until: string, endedOn: string | null = null): PauseSpan => ({
  reason: 'talking to their CFO',
  startedOn: day(startedOn),
  until: day(until),
  endedOn: endedOn === null ? null : day(endedOn),
});

function replay(from: string, to: string, history?: AccountHistory, ruleSet = parsed(DEFAULT_RULE_SET)) {
  const simulator = createSimulator(ruleSet, day(from), day(to), { keepActions: true });
  simulator.add(unpaid, () => 'low', history);
  return {
    summary: simulator.result(),
    actions: simulator.actions.map((task) => [task.plannedOn, task.ruleId, task.tone]),
  };
}

describe('createSimulator honours the pauses of each simulated day', () => {
  it('gives a period entirely inside a pause nothing, and counts the account once under the pause rail', () => {
    const { summary, actions } = replay('2026-02-01', '2026-02-28', {
      pauses: [pause('2026-02-01', '2026-02-28')],
      tags: [],
    });
    expect(actions).toEqual([]);
    expect(summary).toMatchObject({ tasks: 0, contacts: 0, accountsContacted: 0, accountsSkippedByRails: 1 });
    expect(summary.skippedByRail).toEqual({
      paused: 1,
      held: 0,
      open_task: 0,
      disputed: 0,
      contact_cap: 0,
      cooldown: 0,
      promised: 0,
    });
  });

  it('withholds even the firm stage inside a pause, which the same replay without it sends', () => {
    const firm = (history?: AccountHistory) =>
      replay('2026-03-25', '2026-04-10', history).actions.filter(([, , tone]) => tone === 'firm');
    // 60 days past the 01-31 due day is 04-01: the playbook's firm final-notice review.
    expect(firm()).toEqual([['2026-04-01', 'overdue-60', 'firm']]);
    expect(firm({ pauses: [pause('2026-03-20', '2026-04-30')], tags: [] })).toEqual([]);
  });

  it('resumes on the day a pause was lifted, and ignores a pause that started after the period', () => {
    const lifted = replay('2026-02-01', '2026-02-28', {
      pauses: [pause('2026-02-01', '2026-02-28', '2026-02-10')],
      tags: [],
    });
    // Lifted on 02-10, 10 days past due: the 7-day reminder goes out that day, the 15-day one on 02-15.
    expect(lifted.actions).toEqual([
      ['2026-02-10', 'overdue-7', 'gentle'],
      ['2026-02-15', 'overdue-15', 'helpful'],
    ]);
    // Two contacts five days apart: two in one 7-day span, the cap is 2.
    expect(lifted.summary.contactsPerAccountWeek).toEqual({ max: 2, cap: 2 });

    const later = replay('2026-02-01', '2026-02-28', {
      pauses: [pause('2026-03-05', '2026-03-31')],
      tags: [],
    });
    expect(later.actions).toEqual([
      ['2026-02-07', 'overdue-7', 'gentle'],
      ['2026-02-15', 'overdue-15', 'helpful'],
    ]);
    expect(later.summary.contactsPerAccountWeek).toEqual({ max: 1, cap: 2 });
  });
});

describe('createSimulator summaries', () => {
  it('lists every rule of the set, 0 when it never fired', () => {
    const { summary } = replay('2026-02-01', '2026-02-28');
    const ids = parsed(DEFAULT_RULE_SET).rules.map((rule) => rule.id);
    expect(Object.keys(summary.tasksByRule).sort()).toEqual([...ids].sort());
    expect(summary.tasksByRule['churn-revoked-authorization']).toBe(0);
    expect(summary.tasksByRule['overdue-7']).toBe(1);
  });

  it('counts each rail on its own: an open task is not a contact cap', () => {
    const twoReminders = parsed({
      name: 'two reminders',
      caps: { maxContactsPerWeek: 1, minHoursBetweenContacts: 24 },
      rules: [
        {
          id: 'first',
          when: { daysPastDue: { min: 1 } },
          then: { createTask: { assignee: 'finance_queue', title: 'first' }, tone: 'gentle' },
        },
        {
          id: 'second',
          when: { daysPastDue: { min: 3 } },
          then: { createTask: { assignee: 'finance_queue', title: 'second' }, tone: 'gentle' },
        },
      ],
    });
    const { summary, actions } = replay('2026-02-01', '2026-02-10', undefined, twoReminders);
    // 02-01: the first reminder; 02-03 to 02-07: the second is over the weekly cap of 1 (the first was
    // within 7 days); from 02-02 the first's task is still open. 02-08: the second goes out.
    expect(actions).toEqual([
      ['2026-02-01', 'first', 'gentle'],
      ['2026-02-08', 'second', 'gentle'],
    ]);
    expect(summary.skippedByRail).toMatchObject({ open_task: 1, contact_cap: 1, cooldown: 0, paused: 0 });
    expect(summary.accountsSkippedByRails).toBe(2);
    expect(summary.contactsPerAccountWeek).toEqual({ max: 1, cap: 1 });
  });

  it('targets and exempts accounts by tag', () => {
    const exempt = parsed({
      ...DEFAULT_RULE_SET,
      rules: DEFAULT_RULE_SET.rules.map((rule) => ({
        ...rule,
        when: { ...rule.when, tags: { noneOf: ['strategic'] } },
      })),
    });
    expect(replay('2026-02-01', '2026-02-28', { pauses: [], tags: ['strategic'] }, exempt).actions).toEqual(
      [],
    );
    expect(
      replay('2026-02-01', '2026-02-28', { pauses: [], tags: ['public sector'] }, exempt).actions,
    ).toHaveLength(2);
  });
});
