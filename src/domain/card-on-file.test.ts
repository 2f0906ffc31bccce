import { computeAccountStatus } from './account-status';
import { cardExpiryLabel, cardExpiryNotice, cardValidThrough } from './card-on-file';
import type { CardOnFile } from './model';
import { DEFAULT_RULE_SET } from './rules/default-rule-set';
import { accountContext, evaluateRuleSet } from './rules/evaluate';
import { validateRuleSet } from './rules/rule-set';
import { customer, day, facts, invoice, payment, subscription } from './test-facts';

const card = (expMonth: number, expYear: number, expiresOn: string): CardOnFile => ({
  brand: 'visa',
  last4: '4242',
  expMonth,
  expYear,
  expiresOn: day(expiresOn),
  updatedOn: day('2024-01-10'),
});

const NOVEMBER_26 = card(11, 2026, '2026-11-30');

describe('cardValidThrough', () => {
  it.each([
    [11, 2026, '2026-11-30'],
    [12, 2026, '2026-12-31'],
    [2, 2028, '2028-02-29'],
    [2, 2027, '2027-02-28'],
    [1, 2030, '2030-01-31'],
  ])('a card expiring %i/%i is valid through %s', (month, year, last) => {
    expect(cardValidThrough(month, year)).toBe(last);
  });

  it.each([
    [0, 2026],
    [13, 2026],
    [1.5, 2026],
    [6, 99],
  ])('%i/%i is no expiry', (month, year) => {
    expect(cardValidThrough(month, year)).toBeUndefined();
  });

  it('prints the expiry as on the card and the notice the cards show', () => {
    expect(cardExpiryLabel({ expMonth: 3, expYear: 2031 })).toBe('03/31');
    expect(
      cardExpiryNotice(NOVEMBER_26, {
        expiresOn: day('2026-11-30'),
        nextChargeOn: day('2026-12-15'),
        what: 'renewal',
      }),
    ).toBe('Card on file expires 11/26, renewal 2026-12-15');
  });
});

describe('computeAccountStatus: the card on file against the next charge', () => {
  const renewing = subscription({ startedOn: day('2025-12-15'), renewsOn: day('2026-12-15') });

  it('reports a card that expires before the next renewal', () => {
    const status = computeAccountStatus(
      facts({ customer: customer({ cardOnFile: NOVEMBER_26 }), subscriptions: [renewing] }),
      day('2026-06-01'),
    );
    expect(status.cardOnFile).toEqual(NOVEMBER_26);
    expect(status.cardExpiresBeforeNext).toEqual({
      expiresOn: '2026-11-30',
      nextChargeOn: '2026-12-15',
      what: 'renewal',
    });
  });

  it('says nothing when the card is valid through the renewal day, or there is no card', () => {
    const onTheDay = computeAccountStatus(
      facts({
        customer: customer({ cardOnFile: card(12, 2026, '2026-12-31') }),
        subscriptions: [subscription({ startedOn: day('2025-12-31'), renewsOn: day('2026-12-31') })],
      }),
      day('2026-06-01'),
    );
    expect(onTheDay.cardExpiresBeforeNext).toBeNull();
    const none = computeAccountStatus(facts({ subscriptions: [renewing] }), day('2026-06-01'));
    expect(none).toMatchObject({ cardOnFile: null, cardExpiresBeforeNext: null });
  });

  it('counts an open subscription invoice due before the renewal as the next charge', () => {
    const status = computeAccountStatus(
      facts({
        customer: customer({ cardOnFile: card(6, 2026, '2026-06-30') }),
        subscriptions: [renewing],
        invoices: [invoice({ issuedOn: day('2026-06-20'), dueOn: day('2026-07-05'), subscriptionId: 'S-1' })],
      }),
      day('2026-06-25'),
    );
    expect(status.cardExpiresBeforeNext).toEqual({
      expiresOn: '2026-06-30',
      nextChargeOn: '2026-07-05',
      what: 'invoice',
    });
  });

  it('is preventive only: once a payment has failed, the failure is what shows', () => {
    const status = computeAccountStatus(
      facts({
        customer: customer({ cardOnFile: NOVEMBER_26 }),
        subscriptions: [renewing],
        invoices: [invoice({ issuedOn: day('2026-05-01'), dueOn: day('2026-05-01'), subscriptionId: 'S-1' })],
        payments: [
          payment({ attemptedOn: day('2026-05-01'), status: 'failed', declineCode: 'insufficient_funds' }),
        ],
      }),
      day('2026-06-01'),
    );
    expect(status.lastFailure).not.toBeNull();
    expect(status.cardExpiresBeforeNext).toBeNull();
  });
});

describe('the default playbook on a card that will fail', () => {
  const validated = validateRuleSet(DEFAULT_RULE_SET);
  if (!validated.ok) throw new Error('the default rule set does not validate');
  const ruleSet = validated.ruleSet;
  const account = facts({
    customer: customer({ cardOnFile: NOVEMBER_26, owner: 'dana' }),
    subscriptions: [subscription({ startedOn: day('2025-12-15'), renewsOn: day('2026-12-15') })],
  });
  const asOf = day('2026-06-01');
  const context = (openTasks: { ruleId: string; invoiceId: string | null }[] = []) =>
    accountContext(account, computeAccountStatus(account, asOf), {
      riskTier: null,
      openTasks,
      contacts: [],
      holdUntil: null,
    });

  it('plans one gentle, low-priority task for the account owner, caused by the card', () => {
    const { tasks } = evaluateRuleSet(ruleSet, [context()], asOf);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      ruleId: 'card-expires-before-renewal',
      invoiceId: null,
      cause: 'card_expiry',
      assignee: 'account_owner',
      priority: 'low',
      tone: 'gentle',
      dueOn: '2026-06-06',
      title: 'Card on file expires 11/26, before the renewal on 2026-12-15: ask for an updated card',
    });
  });

  it('plans nothing more while that task is open', () => {
    const { tasks, skipped } = evaluateRuleSet(
      ruleSet,
      [context([{ ruleId: 'card-expires-before-renewal', invoiceId: null }])],
      asOf,
    );
    expect(tasks).toEqual([]);
    expect(skipped.map((entry) => entry.rail)).toEqual(['open_task']);
  });
});
