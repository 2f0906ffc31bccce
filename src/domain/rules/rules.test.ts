import fc from 'fast-check';
import { computeAccountStatus, type AccountStatus } from '../account-status';
import { addDays, type CalendarDate } from '../dates';
import { day, dispute, facts, invoice, payment, subscription } from '../test-facts';
import { DEFAULT_RULE_SET } from './default-rule-set';
import { conditionsHold, evaluateRuleSet, type AccountContext } from './evaluate';
import { diffRuleSets, sameRuleSet } from './diff';
import { createSimulator, simulationSpanProblem } from './simulate';
import { pathSegments, validateRuleSet, type RuleSet } from './rule-set';

const asOf = day('2026-03-01');

function context(status: AccountStatus, overrides: Partial<AccountContext> = {}): AccountContext {
  return {
    status,
    name: 'Acme',
    segment: 'smb',
    owner: 'dana',
    paymentTerms: 'net_30',
    riskTier: 'low',
    openTasks: [],
    contacts: [],
    holdUntil: null,
    tags: [],
    promises: [],
    ...overrides,
  };
}

/** An account with one invoice `daysPastDue` days past due on asOf. */
function overdue(daysPastDue: number, overrides: Parameters<typeof facts>[0] = {}): AccountStatus {
  const dueOn = addDays(asOf, -daysPastDue);
  return computeAccountStatus(
    facts({ invoices: [invoice({ issuedOn: addDays(dueOn, -30), dueOn })], ...overrides }),
    asOf,
  );
}

function ruleSet(): RuleSet {
  const result = validateRuleSet(DEFAULT_RULE_SET);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.ruleSet;
}

describe('rule set validation', () => {
  it('accepts the default rule set', () => {
    expect(validateRuleSet(DEFAULT_RULE_SET).ok).toBe(true);
  });

  it('names every problem by its path in the document', () => {
    const result = validateRuleSet({
      name: 'x',
      rules: [
        { id: 'ok', then: { tone: 'gentle' } },
        { id: 'ok2', when: { daysPastDue: { min: -1 } }, then: { tone: 'loud' } },
        { id: 'Bad Id', when: { overdueAtLeast: { XYZ: '5' }, daysPastDue: { min: 9, max: 3 } }, then: {} },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.path).sort()).toEqual([
      'rules[1].then.tone',
      'rules[1].when.daysPastDue.min',
      'rules[2].id',
      'rules[2].then',
      'rules[2].when.daysPastDue',
      'rules[2].when.overdueAtLeast.XYZ',
    ]);
    expect(result.problems.find((p) => p.path === 'rules[1].when.daysPastDue.min')?.message).toMatch(
      />=\s*0|≥/,
    );
  });

  it('then checks duplicate ids and amounts against their currency', () => {
    const result = validateRuleSet({
      name: 'x',
      rules: [
        { id: 'a', then: { tone: 'gentle' } },
        { id: 'a', when: { overdueAtLeast: { USD: '10.001', JPY: '5' } }, then: { tone: 'gentle' } },
      ],
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'rules[1].id', message: 'duplicate rule id "a" (first used by rules[0])' },
        { path: 'rules[1].when.overdueAtLeast.USD', message: 'USD has 2 decimals, got "10.001"' },
      ],
    });
  });
});

describe('conditions', () => {
  const when = (conditions: object) => ({ ...conditions }) as Parameters<typeof conditionsHold>[0];

  it.each([
    [{ daysPastDue: { min: 7, max: 14 } }, 7, true],
    [{ daysPastDue: { min: 7, max: 14 } }, 15, false],
    [{ daysPastDue: { min: 7, max: 14 } }, 0, false],
    [{ overdueAtLeast: { USD: '1000.00' } }, 10, true],
    [{ overdueAtLeast: { USD: '1000.01' } }, 10, false],
    [{ overdueAtLeast: { EUR: '1.00' } }, 10, false],
    [{ situationsInclude: ['overdue'] }, 3, true],
    [{ situationsExclude: ['overdue'] }, 3, false],
    [{ inRenewalWindow: false }, 3, true],
  ])('%j on an account %i days past due → %s', (conditions, daysPastDue, expected) => {
    expect(conditionsHold(when(conditions), context(overdue(daysPastDue)), asOf)).toBe(expected);
  });

  it('matches decline classes, failure counts, churn, risk tier, segment, owner, terms and earlier contacts', () => {
    const failing = overdue(3, {
      payments: [
        payment({
          paymentId: 'P1',
          status: 'failed',
          declineCode: 'insufficient_funds',
          attemptedOn: day('2026-02-20'),
        }),
        payment({
          paymentId: 'P2',
          status: 'failed',
          declineCode: 'insufficient_funds',
          attemptedOn: day('2026-02-25'),
        }),
      ],
    });
    const account = context(failing, { riskTier: 'high', contacts: [day('2026-02-10')] });
    expect(conditionsHold(when({ declineClassIn: ['soft_funds'] }), account, asOf)).toBe(true);
    expect(conditionsHold(when({ declineClassIn: ['hard_new_data'] }), account, asOf)).toBe(false);
    expect(conditionsHold(when({ failuresAtLeast: 2 }), account, asOf)).toBe(true);
    expect(conditionsHold(when({ failuresAtLeast: 3 }), account, asOf)).toBe(false);
    expect(conditionsHold(when({ churnSignal: false }), account, asOf)).toBe(true);
    expect(conditionsHold(when({ riskTierIn: ['high'] }), account, asOf)).toBe(true);
    expect(conditionsHold(when({ riskTierIn: ['low'] }), account, asOf)).toBe(false);
    expect(
      conditionsHold(
        when({ segmentIn: ['smb'], ownerIn: ['dana'], paymentTermsIn: ['net_30'] }),
        account,
        asOf,
      ),
    ).toBe(true);
    expect(conditionsHold(when({ ownerIn: ['eli'] }), account, asOf)).toBe(false);
    expect(conditionsHold(when({ earlierContacts: { min: 1, max: 1 } }), account, asOf)).toBe(true);
    expect(conditionsHold(when({ earlierContacts: { min: 2 } }), account, asOf)).toBe(false);
  });

  it('ignores disputed invoices in overdue conditions', () => {
    const disputed = overdue(20, {
      disputes: [dispute({ invoiceId: 'INV-1', openedOn: day('2026-02-20') })],
    });
    expect(conditionsHold(when({ daysPastDue: { min: 1 } }), context(disputed), asOf)).toBe(false);
  });
});

describe('evaluateRuleSet with the default rule set', () => {
  it('follows the overdue tiers with the tone rising by risk', () => {
    const rules = ruleSet();
    const low = evaluateRuleSet(rules, [context(overdue(35))], asOf);
    const high = evaluateRuleSet(rules, [context(overdue(35), { riskTier: 'high' })], asOf);
    expect(low.tasks.map((task) => [task.ruleId, task.tone, task.assignee])).toEqual([
      ['overdue-30-low-risk', 'helpful', 'account_owner'],
    ]);
    expect(high.tasks.map((task) => [task.ruleId, task.tone])).toEqual([
      ['overdue-30-elevated-risk', 'firm'],
    ]);
    expect(evaluateRuleSet(rules, [context(overdue(8))], asOf).tasks[0]?.ruleId).toBe('overdue-7');
    expect(evaluateRuleSet(rules, [context(overdue(3))], asOf).tasks).toEqual([]);
    expect(low.tasks[0]?.title).toBe('Call Acme: 35 days past due (USD 1,000.00)');
    expect(low.tasks[0]?.reason).toContain('USD 1,000.00 overdue');
  });

  it('keeps a card failure, a dispute and a churn signal apart', () => {
    const rules = ruleSet();
    const expired = overdue(2, {
      payments: [payment({ status: 'failed', declineCode: 'expired_card', attemptedOn: day('2026-02-27') })],
    });
    expect(evaluateRuleSet(rules, [context(expired)], asOf).tasks.map((t) => t.ruleId)).toEqual([
      'hard-decline-card-update',
    ]);
    const soft = overdue(2, {
      payments: [
        payment({ status: 'failed', declineCode: 'insufficient_funds', attemptedOn: day('2026-02-27') }),
      ],
    });
    expect(evaluateRuleSet(rules, [context(soft)], asOf).tasks).toEqual([]);
    const revoked = overdue(2, {
      payments: [
        payment({
          status: 'failed',
          declineCode: 'revocation_of_authorization',
          attemptedOn: day('2026-02-27'),
        }),
      ],
    });
    const churn = evaluateRuleSet(rules, [context(revoked)], asOf);
    expect(churn.tasks.map((t) => [t.ruleId, t.assignee])).toEqual([
      ['churn-revoked-authorization', 'account_owner'],
    ]);
    expect(churn.holds).toEqual([
      { customerId: 'C-1', ruleId: 'churn-revoked-authorization', until: '2026-03-31' },
    ]);
    const disputed = overdue(40, {
      disputes: [dispute({ invoiceId: 'INV-1', openedOn: day('2026-02-20') })],
    });
    expect(
      evaluateRuleSet(rules, [context(disputed)], asOf).tasks.map((t) => [t.ruleId, t.invoiceId, t.tone]),
    ).toEqual([['dispute-review', 'INV-1', null]]);
  });

  it('hands accounts near renewal to a person, gently', () => {
    const renewing = overdue(35, { subscriptions: [subscription({ renewsOn: day('2026-04-15') })] });
    const result = evaluateRuleSet(ruleSet(), [context(renewing, { riskTier: 'high' })], asOf);
    expect(result.tasks.map((t) => [t.ruleId, t.tone, t.assignee, t.requireReview])).toEqual([
      ['renewal-window-overdue', 'gentle', 'account_owner', true],
    ]);
  });

  it('respects the escape hatch, holds, open tasks, caps and cooldowns', () => {
    const rules = ruleSet();
    const paused = computeAccountStatus(facts({ invoices: [invoice({ dueOn: day('2026-01-01') })] }), asOf, {
      pause: { reason: 'CFO on leave', until: day('2026-03-10') },
    });
    expect(evaluateRuleSet(rules, [context(paused)], asOf)).toMatchObject({
      tasks: [],
      skipped: [{ why: expect.stringContaining('paused') }],
    });
    expect(
      evaluateRuleSet(rules, [context(overdue(35), { holdUntil: day('2026-03-01') })], asOf).tasks,
    ).toEqual([]);
    expect(
      evaluateRuleSet(
        rules,
        [context(overdue(35), { openTasks: [{ ruleId: 'overdue-30-low-risk', invoiceId: null }] })],
        asOf,
      ).tasks,
    ).toEqual([]);
    expect(
      evaluateRuleSet(rules, [context(overdue(35), { contacts: [day('2026-02-28')] })], asOf).skipped[0]?.why,
    ).toContain('cooldown');
    expect(
      evaluateRuleSet(
        rules,
        [context(overdue(35), { contacts: [day('2026-02-24'), day('2026-02-26')] })],
        asOf,
      ).skipped[0]?.why,
    ).toContain('contact cap');
  });

  it('is deterministic: the same input gives the same action ids', () => {
    const accounts = [context(overdue(35)), context(overdue(65))];
    expect(evaluateRuleSet(ruleSet(), accounts, asOf)).toEqual(evaluateRuleSet(ruleSet(), accounts, asOf));
  });
});

describe('safety rails (properties)', () => {
  const accountArb = fc
    .record({
      daysPastDue: fc.integer({ min: 0, max: 200 }),
      renewsIn: fc.option(fc.integer({ min: 0, max: 400 })),
      disputed: fc.boolean(),
      decline: fc.option(
        fc.constantFrom('insufficient_funds', 'expired_card', 'revocation_of_authorization', 'fraudulent'),
      ),
      tier: fc.constantFrom('low', 'medium', 'high'),
      contacts: fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 4 }),
    })
    .map((r) => {
      const dueOn = addDays(asOf, -r.daysPastDue);
      const status = computeAccountStatus(
        facts({
          invoices: [invoice({ issuedOn: addDays(dueOn, -30), dueOn })],
          payments:
            r.decline === null
              ? []
              : [payment({ status: 'failed', declineCode: r.decline, attemptedOn: addDays(asOf, -1) })],
          disputes: r.disputed ? [dispute({ openedOn: addDays(asOf, -2) })] : [],
          subscriptions:
            r.renewsIn === null
              ? []
              : [subscription({ startedOn: day('2025-01-01'), renewsOn: addDays(asOf, r.renewsIn) })],
        }),
        asOf,
      );
      return context(status, {
        riskTier: r.tier as AccountContext['riskTier'],
        contacts: r.contacts.map((daysAgo) => addDays(asOf, -daysAgo) as CalendarDate),
      });
    });

  it('never uses a firm tone in the renewal window, never duns a disputed invoice, never exceeds the caps', () => {
    const rules = ruleSet();
    fc.assert(
      fc.property(accountArb, (account) => {
        const { tasks } = evaluateRuleSet(rules, [account], asOf);
        if (account.status.inRenewalWindow) expect(tasks.every((task) => task.tone !== 'firm')).toBe(true);
        const disputedInvoices = new Set(account.status.openDisputes.map((d) => d.invoiceId));
        for (const task of tasks) {
          if (task.invoiceId !== null && disputedInvoices.has(task.invoiceId))
            expect(task.ruleId).toBe('dispute-review');
        }
        if (account.status.openInvoices.every((invoice) => invoice.disputed)) {
          expect(tasks.filter((task) => task.tone !== null)).toEqual([]);
        }
        const contactsThisWeek = account.contacts.filter((c) => c > addDays(asOf, -7)).length;
        const newContacts = tasks.filter((task) => task.tone !== null).length;
        expect(contactsThisWeek + newContacts).toBeLessThanOrEqual(
          Math.max(contactsThisWeek, rules.caps.maxContactsPerWeek),
        );
        const keys = tasks.map((task) => `${task.ruleId}:${task.invoiceId}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('diffRuleSets', () => {
  it('reports added, removed, moved and changed rules by path', () => {
    const before = ruleSet();
    const after: RuleSet = {
      ...before,
      caps: { ...before.caps, maxContactsPerWeek: 1 },
      rules: [
        ...before.rules.filter((rule) => rule.id !== 'overdue-7').reverse(),
        { id: 'new-rule', when: {}, then: { tone: 'gentle' } },
      ],
    };
    const overdue15 = after.rules.findIndex((rule) => rule.id === 'overdue-15');
    after.rules[overdue15] = {
      ...after.rules[overdue15]!,
      then: { ...after.rules[overdue15]!.then, tone: 'firm' },
    };
    const changes = diffRuleSets(before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { kind: 'changed', path: 'caps.maxContactsPerWeek', before: 2, after: 1 },
        {
          kind: 'removed',
          path: `rules[${before.rules.findIndex((rule) => rule.id === 'overdue-7')}]`,
          ruleId: 'overdue-7',
        },
        { kind: 'added', path: `rules[${after.rules.length - 1}]`, ruleId: 'new-rule' },
        { kind: 'changed', path: `rules[${overdue15}].then.tone`, before: 'helpful', after: 'firm' },
        expect.objectContaining({ kind: 'moved', ruleId: 'overdue-90' }),
      ]),
    );
    expect(diffRuleSets(before, before)).toEqual([]);
  });
});

describe('createSimulator (replay of a hand-built history)', () => {
  it('creates exactly the tier tasks the playbook describes, once per tier, and stops when paid', () => {
    const simulator = createSimulator(ruleSet(), day('2026-02-01'), day('2026-05-15'), { keepActions: true });
    const unpaid = facts({ invoices: [invoice({ issuedOn: day('2026-01-01'), dueOn: day('2026-01-31') })] });
    const paidLate = facts({
      customer: { ...unpaid.customer, customerId: 'C-2' },
      invoices: [
        invoice({
          invoiceId: 'INV-2',
          customerId: 'C-2',
          issuedOn: day('2026-01-01'),
          dueOn: day('2026-01-31'),
          paidOn: day('2026-02-20'),
        }),
      ],
    });
    simulator.add(unpaid, () => 'low');
    simulator.add(paidLate, () => 'low');
    const actions = simulator.actions.map((task) => [
      task.customerId,
      task.actionId.split(':').pop(),
      task.ruleId,
      task.tone,
    ]);
    expect(actions).toEqual([
      ['C-1', '2026-02-07', 'overdue-7', 'gentle'],
      ['C-1', '2026-02-15', 'overdue-15', 'helpful'],
      ['C-1', '2026-03-02', 'overdue-30-low-risk', 'helpful'],
      ['C-1', '2026-04-01', 'overdue-60', 'firm'],
      ['C-1', '2026-05-01', 'overdue-90', null],
      ['C-2', '2026-02-07', 'overdue-7', 'gentle'],
      ['C-2', '2026-02-15', 'overdue-15', 'helpful'],
    ]);
    const summary = simulator.result();
    expect(summary).toMatchObject({
      days: 104,
      accounts: 2,
      tasks: 7,
      contacts: 6,
      accountsContacted: 2,
      contactsInRenewalWindow: 0,
      accountsHeldForDisputes: 0,
      tasksByRule: {
        'overdue-7': 2,
        'overdue-15': 2,
        'overdue-30-low-risk': 1,
        'overdue-60': 1,
        'overdue-90': 1,
      },
    });
    expect(summary.peakTasksPerAssigneePerWeek['finance_queue']).toEqual({ week: '2026-02-02', tasks: 2 });
  });
});

describe('simulationSpanProblem', () => {
  it('counts both ends: a leap year is 366 days, one more day is too many', () => {
    expect(simulationSpanProblem(day('2024-01-01'), day('2024-12-31'), 366)).toBeUndefined();
    expect(simulationSpanProblem(day('2023-01-01'), day('2024-01-01'), 366)).toBeUndefined();
    expect(simulationSpanProblem(day('2023-01-01'), day('2024-01-02'), 366)).toEqual({
      path: 'to',
      message: 'at most 366 days from 2023-01-01 (2023-01-01..2024-01-02 is 367 days)',
    });
    expect(simulationSpanProblem(day('2026-03-01'), day('2026-03-01'), 1)).toBeUndefined();
  });

  it('refuses an end before the start', () => {
    expect(simulationSpanProblem(day('2026-03-02'), day('2026-03-01'), 366)?.path).toBe('to');
  });
});

describe('tags in rules', () => {
  it('holds for any of the named tags and for none of the excluded ones', () => {
    const status = overdue(10);
    const when = { tags: { anyOf: ['strategic', 'public sector'], noneOf: ['do not chase'] } };
    expect(conditionsHold(when, context(status, { tags: ['public sector'] }), asOf)).toBe(true);
    expect(conditionsHold(when, context(status, { tags: [] }), asOf)).toBe(false);
    expect(conditionsHold(when, context(status, { tags: ['strategic', 'do not chase'] }), asOf)).toBe(false);
    expect(conditionsHold({ tags: { noneOf: ['strategic'] } }, context(status), asOf)).toBe(true);
  });

  it('takes only tags as stored, and names a problem by its path', () => {
    const document = (tags: unknown) => ({
      name: 'x',
      rules: [{ id: 'r', when: { tags }, then: { tone: 'gentle' } }],
    });
    expect(validateRuleSet(document({ anyOf: ['public sector'] })).ok).toBe(true);
    const upper = validateRuleSet(document({ anyOf: ['Strategic'] }));
    expect(upper.ok ? [] : upper.problems.map((problem) => problem.path)).toEqual([
      'rules[0].when.tags.anyOf[0]',
    ]);
    const empty = validateRuleSet(document({}));
    expect(empty.ok ? [] : empty.problems.map((problem) => problem.path)).toEqual(['rules[0].when.tags']);
    const unknown = validateRuleSet(document({ allOf: ['strategic'] }));
    expect(unknown.ok ? [] : unknown.problems.map((problem) => problem.path)).toEqual([
      'rules[0].when.tags.allOf',
      'rules[0].when.tags',
    ]);
  });

  it('reads a path back into its keys', () => {
    expect(pathSegments('rules[12].when.overdueAtLeast.USD')).toEqual([
      'rules',
      12,
      'when',
      'overdueAtLeast',
      'USD',
    ]);
    expect(pathSegments('caps')).toEqual(['caps']);
    expect(pathSegments('(document)')).toEqual([]);
  });
});

describe('sameRuleSet', () => {
  it('ignores key order and defaults written out, not a changed value or rule order', () => {
    const base = ruleSet();
    const reordered = validateRuleSet(
      JSON.parse(
        JSON.stringify({
          rules: DEFAULT_RULE_SET.rules,
          caps: DEFAULT_RULE_SET.caps,
          name: DEFAULT_RULE_SET.name,
        }),
      ),
    );
    expect(reordered.ok && sameRuleSet(base, reordered.ruleSet)).toBe(true);
    expect(sameRuleSet(base, { ...base, caps: { ...base.caps, maxContactsPerWeek: 1 } })).toBe(false);
    expect(sameRuleSet(base, { ...base, rules: [...base.rules].reverse() })).toBe(false);
  });
});
