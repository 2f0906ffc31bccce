import { DEFAULT_RULE_SET } from './default-rule-set';
import { describeRule, describeRuleSet } from './describe';
import { conditionsSchema, validateRuleSet, type RuleSet } from './rule-set';

const TASK = { assignee: 'finance_queue', title: 'Look at {{name}}' };

function parsed(document: unknown): RuleSet {
  const result = validateRuleSet(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

/** The sentence for one rule with these conditions and actions, in a set with a 60-day window. */
function words(when: Record<string, unknown>, then: Record<string, unknown> = { createTask: TASK }): string {
  const ruleSet = parsed({ name: 'test', renewalWindowDays: 60, rules: [{ id: 'r', when, then }] });
  const [described] = describeRuleSet(ruleSet);
  if (described === undefined) throw new Error('no sentence');
  return described.text;
}

const PLAIN_TASK =
  'a task (not a customer contact) for the finance queue (the account owner inside the renewal window), ' +
  'medium priority, due in 2 days.';

describe('describeRule: conditions', () => {
  it.each([
    [{ daysPastDue: { min: 15, max: 29 } }, 'When the oldest overdue invoice is 15–29 days past due'],
    [{ daysPastDue: { min: 7 } }, 'When the oldest overdue invoice is at least 7 days past due'],
    [{ daysPastDue: { max: 14 } }, 'When the oldest overdue invoice is at most 14 days past due'],
    [{ daysPastDue: { min: 30, max: 30 } }, 'When the oldest overdue invoice is exactly 30 days past due'],
    [{ daysPastDue: {} }, 'When an invoice is overdue'],
    [{ daysPastDue: { min: 1 } }, 'When an invoice is overdue'],
    [{ overdueAtLeast: { USD: '1000' } }, 'When at least USD 1,000.00 is overdue'],
    [
      { overdueAtLeast: { JPY: '150000', KWD: '12.5' } },
      'When at least JPY 150,000 or KWD 12.500 is overdue',
    ],
    [{ situationsInclude: ['disputed'] }, 'When the account has an open dispute'],
    [
      { situationsInclude: ['failed_payment', 'overdue', 'paused'] },
      'When the account has a failed payment, is overdue or is paused',
    ],
    [
      { situationsExclude: ['disputed', 'payment_in_flight'] },
      'When the account has no open dispute and has no payment on its way',
    ],
    [{ situationsInclude: ['current'] }, 'When the account is current'],
    [
      { declineClassIn: ['hard_new_data', 'soft_funds'] },
      'When the last payment failed with a hard decline that needs new card details or a soft decline for lack of funds',
    ],
    [
      { declineClassIn: ['action_required', 'hard_risk', 'hard_revoked'] },
      'When the last payment failed with a decline that needs the customer to authenticate, a hard decline for risk or a revoked authorisation',
    ],
    [
      { declineClassIn: ['soft_technical', 'ambiguous', 'hard_other', 'unknown'] },
      'When the last payment failed with a soft technical decline, an ambiguous decline, another hard decline or an unclassified decline',
    ],
    [{ failuresAtLeast: 3 }, 'When the payment has failed at least 3 times since it last succeeded'],
    [{ failuresAtLeast: 1 }, 'When the payment has failed at least once since it last succeeded'],
    [{ churnSignal: true }, 'When there is a churn signal'],
    [{ churnSignal: false }, 'When there is no churn signal'],
    [
      { churnSignalIn: ['stop_payment_order', 'all_subscriptions_canceled'] },
      'When the customer placed a stop-payment order or every subscription was canceled',
    ],
    [
      { churnSignalIn: ['payment_authorization_revoked'] },
      'When the customer revoked the payment authorisation',
    ],
    [{ riskTierIn: ['medium', 'high'] }, 'When the buyer is medium or high risk'],
    [{ riskTierIn: ['low', 'unknown'] }, 'When the buyer is low risk or has no risk score yet'],
    [{ riskTierIn: ['unknown'] }, 'When the buyer has no risk score yet'],
    [{ daysToRenewal: { min: 30, max: 60 } }, 'When the renewal is 30–60 days away'],
    [{ daysToRenewal: { max: 1 } }, 'When the renewal is at most 1 day away'],
    [{ daysToRenewal: {} }, 'When a renewal is scheduled'],
    [{ segmentIn: ['smb', 'mid_market'] }, 'When the segment is "smb" or "mid_market"'],
    [{ ownerIn: ['ana@example.com'] }, 'When the owner is "ana@example.com"'],
    [
      { paymentTermsIn: ['net_30', 'net_45', 'net_60'] },
      'When the payment terms are "net_30", "net_45" or "net_60"',
    ],
    [{ tags: { anyOf: ['strategic'] } }, 'When the account is tagged "strategic"'],
    [
      { tags: { anyOf: ['strategic', 'public sector'] } },
      'When the account is tagged "strategic" or "public sector"',
    ],
    [{ tags: { noneOf: ['do-not-chase'] } }, 'When the account is not tagged "do-not-chase"'],
    [
      { tags: { anyOf: ['enterprise'], noneOf: ['strategic', 'public sector'] } },
      'When the account is tagged "enterprise" and is tagged neither "strategic" nor "public sector"',
    ],
    [
      { earlierContacts: { max: 0 } },
      'When the account had at most 0 automated contacts in the previous 90 days',
    ],
    [
      { earlierContacts: { min: 1, max: 3 } },
      'When the account had 1–3 automated contacts in the previous 90 days',
    ],
    [
      { earlierContacts: { min: 1 } },
      'When the account had at least 1 automated contact in the previous 90 days',
    ],
  ])('%j', (when, opening) => {
    expect(words(when)).toBe(`${opening}: ${PLAIN_TASK}`);
  });

  it('places the renewal window last, with the set’s own window length', () => {
    expect(
      words({ inRenewalWindow: false, daysPastDue: { min: 15, max: 29 }, riskTierIn: ['medium', 'high'] }),
    ).toBe(
      'When the oldest overdue invoice is 15–29 days past due and the buyer is medium or high risk, ' +
        `outside the 60-day renewal window: a task (not a customer contact) for the finance queue, medium priority, due in 2 days.`,
    );
    expect(words({ inRenewalWindow: true })).toBe(
      'For every account inside the 60-day renewal window: a task (not a customer contact) for the account ' +
        'owner (inside the renewal window, instead of the finance queue), medium priority, due in 2 days.',
    );
  });

  it('says a rule without conditions applies to every account', () => {
    expect(words({})).toBe(`For every account: ${PLAIN_TASK}`);
  });

  it('has words for every condition of the rule language', () => {
    const samples: Record<string, unknown> = {
      daysPastDue: { min: 3 },
      overdueAtLeast: { EUR: '5' },
      situationsInclude: ['overdue'],
      situationsExclude: ['overdue'],
      declineClassIn: ['unknown'],
      failuresAtLeast: 2,
      churnSignal: true,
      churnSignalIn: ['stop_payment_order'],
      riskTierIn: ['high'],
      inRenewalWindow: false,
      daysToRenewal: { min: 1 },
      segmentIn: ['smb'],
      ownerIn: ['x'],
      paymentTermsIn: ['net_30'],
      earlierContacts: { max: 2 },
      tags: { anyOf: ['strategic'] },
      cardExpiresBeforeRenewal: true,
    };
    const unconditional = words({});
    for (const key of Object.keys(conditionsSchema.shape)) {
      expect(samples).toHaveProperty([key]);
      const text = words({ [key]: samples[key] });
      expect(text).not.toBe(unconditional);
      expect(text).not.toContain('undefined');
    }
  });
});

describe('describeRule: actions', () => {
  it('names the tone, the task type from the dunning stage, the assignee, the priority and the due day', () => {
    expect(
      words(
        { daysPastDue: { min: 15, max: 29 } },
        {
          createTask: { assignee: 'account_owner', title: 't', priority: 'high', dueInDays: 5 },
          tone: 'helpful',
          dunningStage: 'reminder_2',
        },
      ),
    ).toBe(
      'When the oldest overdue invoice is 15–29 days past due: a helpful second reminder task for the ' +
        'account owner, high priority, due in 5 days.',
    );
  });

  it.each([
    [
      { assignee: 'csm', title: 't', dueInDays: 1 },
      'the CSM (the account owner inside the renewal window)',
      'due in 1 day',
    ],
    [
      { assignee: 'ae', title: 't', dueInDays: 0 },
      'the AE (the account owner inside the renewal window)',
      'due the same day',
    ],
    [
      { assignee: { user: 'li@example.com' }, title: 't', dueInDays: 10 },
      'user "li@example.com" (the account owner inside the renewal window)',
      'due in 10 days',
    ],
  ])('assignee %j', (createTask, who, due) => {
    expect(words({ daysPastDue: { min: 7 } }, { createTask, tone: 'gentle' })).toBe(
      `When the oldest overdue invoice is at least 7 days past due: a gentle task for ${who}, medium priority, ${due}.`,
    );
  });

  it('reads an unknown dunning stage as written and an owner task outside the window as is', () => {
    expect(
      words(
        { inRenewalWindow: false },
        {
          createTask: { assignee: 'finance_queue', title: 't', priority: 'low' },
          dunningStage: 'legal_hold',
        },
      ),
    ).toBe(
      'For every account outside the 60-day renewal window: a legal hold task (not a customer contact) for ' +
        'the finance queue, low priority, due in 2 days.',
    );
  });

  it('tells the renewal-window rail: firm is softened and the owner gets the task', () => {
    const firm = { createTask: TASK, tone: 'firm', dunningStage: 'escalation' };
    expect(words({ inRenewalWindow: true }, firm)).toBe(
      'For every account inside the 60-day renewal window: a helpful (firm is softened inside the renewal ' +
        'window) escalation task for the account owner (inside the renewal window, instead of the finance ' +
        'queue), medium priority, due in 2 days.',
    );
    expect(words({ inRenewalWindow: false }, firm)).toBe(
      'For every account outside the 60-day renewal window: a firm escalation task for the finance queue, ' +
        'medium priority, due in 2 days.',
    );
    expect(words({ failuresAtLeast: 2 }, firm)).toBe(
      'When the payment has failed at least 2 times since it last succeeded: a firm (helpful inside the ' +
        'renewal window) escalation task for the finance queue (the account owner inside the renewal window), ' +
        'medium priority, due in 2 days.',
    );
  });

  it('says one task per overdue invoice, review and hold', () => {
    expect(
      words(
        { daysPastDue: { min: 60 }, inRenewalWindow: false },
        {
          createTask: { ...TASK, perInvoice: true, priority: 'high' },
          tone: 'firm',
          dunningStage: 'final_notice',
          requireReview: true,
          holdDays: 14,
        },
      ),
    ).toBe(
      'When the oldest overdue invoice is at least 60 days past due, outside the 60-day renewal window: a firm ' +
        'final notice task for each overdue invoice for the finance queue, high priority, due in 2 days; ' +
        'marked for review; then no automated action on the account for 14 days (later rules are skipped that day).',
    );
  });

  it('says when a rule creates no task, and what then has no effect', () => {
    expect(words({ churnSignal: true }, { holdDays: 1 })).toBe(
      'When there is a churn signal: no task; then no automated action on the account for 1 day (later rules ' +
        'are skipped that day).',
    );
    expect(words({}, { tone: 'gentle', dunningStage: 'reminder_1', requireReview: true })).toBe(
      'For every account: no task; (tone gentle, dunning stage reminder_1 and review apply to tasks only).',
    );
  });
});

describe('describeRuleSet', () => {
  it('gives every rule of the default playbook one sentence, in order, true of its fields', () => {
    const ruleSet = parsed(DEFAULT_RULE_SET);
    const described = describeRuleSet(ruleSet);
    expect(described.map((rule) => rule.id)).toEqual(DEFAULT_RULE_SET.rules.map((rule) => rule.id));
    const byId = new Map(described.map((rule) => [rule.id, rule.text]));
    expect(byId.get('overdue-15')).toBe(
      'When the oldest overdue invoice is 15–29 days past due and the account has no failed payment, outside ' +
        'the 90-day renewal window: a helpful second reminder task for the finance queue, medium priority, due ' +
        'in 2 days.',
    );
    expect(byId.get('overdue-90')).toBe(
      'When the oldest overdue invoice is at least 90 days past due, outside the 90-day renewal window: a ' +
        'write-off or agency review task (not a customer contact) for the finance queue, high priority, due in ' +
        '5 days; marked for review.',
    );
    expect(byId.get('churn-revoked-authorization')).toBe(
      'When the customer revoked the payment authorisation or the customer placed a stop-payment order: a ' +
        'gentle task for the account owner, high priority, due in 1 day; then no automated action on the ' +
        'account for 30 days (later rules are skipped that day).',
    );
    for (const rule of described) expect(rule.text).toMatch(/^(When|For every account)\b.*\.$/);
  });

  it('defaults to a 90-day window when called for one rule', () => {
    const [rule] = parsed({
      name: 'x',
      rules: [
        {
          id: 'a',
          when: { inRenewalWindow: true },
          then: { createTask: { assignee: 'account_owner', title: 't' }, tone: 'gentle' },
        },
      ],
    }).rules;
    if (rule === undefined) throw new Error('no rule');
    expect(describeRule(rule)).toBe(
      'For every account inside the 90-day renewal window: a gentle task for the account owner, medium ' +
        'priority, due in 2 days.',
    );
  });
});
