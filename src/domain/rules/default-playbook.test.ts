import { computeAccountStatus } from '../account-status';
import { addDays, type CalendarDate } from '../dates';
import { classifyDecline, DECLINE_CLASSES, declineCodesOf } from '../decline-classes';
import { day, dispute, facts, invoice, payment, subscription } from '../test-facts';
import { DEFAULT_RULE_SET } from './default-rule-set';
import { accountContext, evaluateRuleSet, type Evaluation, type PlannedTask } from './evaluate';
import { validateRuleSet, type RuleSet } from './rule-set';

const asOf = day('2026-06-15');
const AMOUNT = 250000;
const AMOUNT_TEXT = 'USD 2,500.00';

type Scenario = {
  daysPastDue?: number;
  /** Decline codes of failed attempts on the invoice, oldest first, from its due date on. */
  declines?: string[];
  /** Days until the subscription renews; far away when absent. */
  renewalInDays?: number;
  disputed?: boolean;
  inFlight?: boolean;
  paused?: boolean;
  tier?: 'low' | 'medium' | 'high' | null;
  /** Days before asOf of the first failure (the due date when absent). */
  failedDaysAgo?: number;
};

function ruleSet(): RuleSet {
  const result = validateRuleSet(DEFAULT_RULE_SET);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

/** One customer, one unpaid invoice of USD 2,500.00 and one yearly subscription, built by hand. */
function evaluate(scenario: Scenario): Evaluation {
  const daysPastDue = scenario.daysPastDue ?? 0;
  const dueOn = addDays(asOf, -daysPastDue);
  const firstFailure = addDays(asOf, -(scenario.failedDaysAgo ?? daysPastDue));
  const payments = (scenario.declines ?? []).map((code, index) =>
    payment({
      paymentId: `P-${index}`,
      amountMinor: AMOUNT,
      attemptedOn: addDays(firstFailure, index) as CalendarDate,
      status: 'failed',
      declineCode: code,
    }),
  );
  if (scenario.inFlight)
    payments.push(
      payment({ paymentId: 'P-debit', amountMinor: AMOUNT, attemptedOn: asOf, status: 'pending' }),
    );
  const account = facts({
    invoices: [invoice({ amountMinor: AMOUNT, issuedOn: addDays(dueOn, -30), dueOn })],
    payments,
    subscriptions: [
      subscription({
        startedOn: day('2025-01-01'),
        renewsOn: addDays(asOf, scenario.renewalInDays ?? 200),
      }),
    ],
    disputes: scenario.disputed ? [dispute({ openedOn: addDays(asOf, -5) })] : [],
  });
  const status = computeAccountStatus(account, asOf, {
    renewalWindowDays: DEFAULT_RULE_SET.renewalWindowDays,
    pause: scenario.paused ? { reason: 'talking to their CFO', until: addDays(asOf, 10) } : null,
  });
  const context = accountContext(account, status, {
    riskTier: scenario.tier === undefined ? 'low' : scenario.tier,
    openTasks: [],
    contacts: [],
    holdUntil: null,
  });
  return evaluateRuleSet(ruleSet(), [context], asOf);
}

/** What every task of the default playbook must satisfy, whatever the situation. */
function expectTruthful(task: PlannedTask, scenario: Scenario): void {
  const text = `${task.title} ${task.body}`;
  expect(text).not.toMatch(/\{\{|\bnothing\b|\bnone\b|n\/a|undefined|null/);
  expect(task.title).not.toMatch(/decide next step/i);
  const inWindow = scenario.renewalInDays !== undefined && scenario.renewalInDays <= 90;
  if (inWindow) {
    expect(task.assignee).toBe('account_owner');
    expect(task.tone).not.toBe('firm');
  }
  if (task.ruleId.startsWith('renewal-window'))
    expect(task.title).toContain(`renews in ${scenario.renewalInDays} days`);
  else expect(task.title).not.toContain('renews');
  // Any amount a title states is what is overdue (the one invoice, worked out by hand).
  for (const amount of task.title.match(/USD \d[\d,]*\.\d\d/g) ?? []) expect(amount).toBe(AMOUNT_TEXT);
  for (const days of task.title.match(/(\d+) days past due/g) ?? [])
    expect(days).toBe(`${scenario.daysPastDue} days past due`);
  const failures = task.title.match(/failed (\d+) times/);
  if (failures !== null) expect(Number(failures[1])).toBe(scenario.declines?.length);
}

/** The first task about a failed payment names the decline and carries its advice. */
function expectFailureAdvice(task: PlannedTask, scenario: Scenario): void {
  const last = scenario.declines?.at(-1);
  if (last === undefined) return;
  expect(task.title).toContain(last);
  expect(task.body).toContain(classifyDecline(last).action);
}

const CASES: {
  name: string;
  scenario: Scenario;
  rule: string | null;
  assignee?: string;
  tone?: string | null;
}[] = [
  { name: 'nothing due', scenario: {}, rule: null },
  { name: 'overdue inside the grace days', scenario: { daysPastDue: 3 }, rule: null },
  {
    name: 'overdue 8 days',
    scenario: { daysPastDue: 8 },
    rule: 'overdue-7',
    assignee: 'finance_queue',
    tone: 'gentle',
  },
  {
    name: 'overdue 20 days',
    scenario: { daysPastDue: 20 },
    rule: 'overdue-15',
    assignee: 'finance_queue',
    tone: 'helpful',
  },
  {
    name: 'overdue 35 days, low risk',
    scenario: { daysPastDue: 35 },
    rule: 'overdue-30-low-risk',
    assignee: 'account_owner',
    tone: 'helpful',
  },
  {
    name: 'overdue 35 days, no risk score yet',
    scenario: { daysPastDue: 35, tier: null },
    rule: 'overdue-30-low-risk',
    assignee: 'account_owner',
    tone: 'helpful',
  },
  {
    name: 'overdue 35 days, high risk',
    scenario: { daysPastDue: 35, tier: 'high' },
    rule: 'overdue-30-elevated-risk',
    assignee: 'finance_queue',
    tone: 'firm',
  },
  {
    name: 'overdue 70 days',
    scenario: { daysPastDue: 70 },
    rule: 'overdue-60',
    assignee: 'finance_queue',
    tone: 'firm',
  },
  {
    name: 'overdue 120 days',
    scenario: { daysPastDue: 120 },
    rule: 'overdue-90',
    assignee: 'finance_queue',
    tone: null,
  },
  {
    name: 'overdue 20 days, renewal in 30 days',
    scenario: { daysPastDue: 20, renewalInDays: 30 },
    rule: 'renewal-window-overdue',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'overdue 120 days, renewal in 60 days',
    scenario: { daysPastDue: 120, renewalInDays: 60 },
    rule: 'renewal-window-overdue',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'expired card, renewal in 40 days',
    scenario: { daysPastDue: 3, declines: ['expired_card'], renewalInDays: 40 },
    rule: 'renewal-window-card-update',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'expired card on an invoice not yet due, renewal in 40 days',
    scenario: { daysPastDue: 0, failedDaysAgo: 1, declines: ['expired_card'], renewalInDays: 40 },
    rule: 'renewal-window-card-update',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'expired card, no renewal near',
    scenario: { daysPastDue: 3, declines: ['expired_card'] },
    rule: 'hard-decline-card-update',
    assignee: 'finance_queue',
    tone: 'helpful',
  },
  {
    name: 'insufficient funds once',
    scenario: { daysPastDue: 3, declines: ['insufficient_funds'] },
    rule: null,
  },
  {
    name: 'insufficient funds three times',
    scenario: {
      daysPastDue: 5,
      declines: ['insufficient_funds', 'insufficient_funds', 'insufficient_funds'],
    },
    rule: 'soft-decline-after-retries',
    assignee: 'finance_queue',
    tone: 'helpful',
  },
  {
    name: 'insufficient funds twice, renewal in 20 days',
    scenario: { daysPastDue: 4, declines: ['insufficient_funds', 'insufficient_funds'], renewalInDays: 20 },
    rule: 'renewal-window-soft-decline',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'an unclassified decline three times',
    scenario: { daysPastDue: 5, declines: ['mystery_code', 'mystery_code', 'mystery_code'] },
    rule: 'soft-decline-after-retries',
    assignee: 'finance_queue',
    tone: 'helpful',
  },
  {
    name: 'authorisation revoked last week',
    scenario: { daysPastDue: 6, declines: ['revocation_of_authorization'] },
    rule: 'churn-revoked-authorization',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'stop-payment order, renewal in 10 days',
    scenario: { daysPastDue: 6, declines: ['stop_payment_order'], renewalInDays: 10 },
    rule: 'churn-revoked-authorization',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'authorisation revoked four months ago',
    scenario: { daysPastDue: 120, declines: ['revocation_of_authorization'] },
    rule: 'revoked-authorization-follow-up',
    assignee: 'account_owner',
    tone: 'gentle',
  },
  {
    name: 'disputed',
    scenario: { daysPastDue: 20, disputed: true },
    rule: 'dispute-review',
    assignee: 'finance_queue',
    tone: null,
  },
  {
    name: 'disputed, renewal in 30 days',
    scenario: { daysPastDue: 20, disputed: true, renewalInDays: 30 },
    rule: 'dispute-review',
    assignee: 'account_owner',
    tone: null,
  },
  { name: 'a bank debit on its way', scenario: { daysPastDue: 20, inFlight: true }, rule: null },
  { name: 'automation paused', scenario: { daysPastDue: 40, paused: true }, rule: null },
];

describe('the default playbook, situation by situation', () => {
  it.each(CASES)('$name → $rule', ({ scenario, rule, assignee, tone }) => {
    const { tasks } = evaluate(scenario);
    const first = tasks[0];
    if (rule === null) {
      expect(tasks).toEqual([]);
      return;
    }
    expect(first?.ruleId).toBe(rule);
    if (first === undefined) return;
    expect(first.assignee).toBe(assignee);
    expect(first.tone).toBe(tone);
    for (const task of tasks) expectTruthful(task, scenario);
    expectFailureAdvice(first, scenario);
  });

  it('says what is overdue, for how long and when the renewal is, as the facts have it', () => {
    const [task] = evaluate({ daysPastDue: 20, renewalInDays: 30 }).tasks;
    expect(task?.title).toBe(`Acme renews in 30 days with ${AMOUNT_TEXT} overdue`);
    expect(task?.body).toContain('Oldest invoice 20 days past due');
    const [reminder] = evaluate({ daysPastDue: 8 }).tasks;
    expect(reminder?.title).toBe(`Friendly reminder to Acme: ${AMOUNT_TEXT} overdue`);
  });

  it('asks the relationship owner, gently, for a card update when a card expires near renewal', () => {
    const [task] = evaluate({ daysPastDue: 3, declines: ['expired_card'], renewalInDays: 40 }).tasks;
    expect(task?.title).toBe('Acme renews in 40 days: ask for a card update (expired_card)');
    expect(task?.body).toContain(classifyDecline('expired_card').action);
    expect(task?.dunningStage).toBe('card_update');
  });

  it('pauses nothing but the automation: a paused account is skipped with its reason', () => {
    const evaluation = evaluate({ daysPastDue: 40, paused: true });
    expect(evaluation.skipped[0]?.why).toContain('talking to their CFO');
  });
});

describe('the recommended next step agrees with the failure advice, for every decline code', () => {
  const codes = DECLINE_CLASSES.flatMap((declineClass) =>
    (declineClass === 'unknown' ? ['mystery_code'] : declineCodesOf(declineClass)).map((code) => ({
      declineClass,
      code,
    })),
  );
  it.each(
    codes.flatMap((entry) => [
      { ...entry, renewalInDays: 30 },
      { ...entry, renewalInDays: undefined },
    ]),
  )('$code ($declineClass), renewal in $renewalInDays days', ({ code, renewalInDays }) => {
    const scenario: Scenario = {
      daysPastDue: 10,
      declines: [code, code, code],
      ...(renewalInDays === undefined ? {} : { renewalInDays }),
    };
    const [first] = evaluate(scenario).tasks;
    expect(first).toBeDefined();
    if (first === undefined) return;
    expectFailureAdvice(first, scenario);
    expect(String(first.dunningStage)).not.toMatch(/reminder|final|escalation/);
    expectTruthful(first, scenario);
  });
});
