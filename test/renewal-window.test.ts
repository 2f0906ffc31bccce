import { createPgliteStore } from '../src/adapters/postgres';
import { addDays } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { customer, day, subscription } from '../src/domain/test-facts';
import type { CollectionsStore } from '../src/ports/store';
import { loadCardContext } from '../src/use-cases/account-card';
import { forEachAccountStatus, getAccountStatus } from '../src/use-cases/collections-picture';
import { loadActiveRules } from '../src/use-cases/renewal-window';

const TENANT = 'renewals' as TenantId;
const AS_OF = day('2026-06-15');
/** RENEWAL_WINDOW_DAYS as a deployment might set it. */
const CONFIGURED = 30;

/**
 * One renewal window per tenant: whatever reads it (the card and CRM fields, a status, the streamed
 * book the reports and the day's rules go over) sees the same one, and an account is in its renewal
 * window everywhere or nowhere.
 */
describe('the renewal window has one source', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const session = await store.beginImport(TENANT);
    // Renews in 20 days (inside 30), in 60 days (outside 30, inside 90 and 120), in 100 days (inside 120 only).
    const renewals = { 'C-20': 20, 'C-60': 60, 'C-100': 100 };
    await session.stageCustomers(
      Object.keys(renewals).map((customerId, index) => ({ line: index + 2, row: customer({ customerId }) })),
    );
    await session.stageSubscriptions(
      Object.entries(renewals).map(([customerId, days], index) => ({
        line: index + 2,
        row: subscription({ subscriptionId: `S-${customerId}`, customerId, renewsOn: addDays(AS_OF, days) }),
      })),
    );
    await session.commit();
  }, 60000);

  afterAll(async () => {
    await store.close();
  });

  /** Which accounts each reader puts in the renewal window, and the window it used. */
  async function windows(): Promise<Record<string, unknown>> {
    const ids = ['C-20', 'C-60', 'C-100'];
    const card = await loadCardContext(store, TENANT, { renewalWindowDays: CONFIGURED });
    const one = await Promise.all(
      ids.map((id) => getAccountStatus(store, TENANT, id, AS_OF, { renewalWindowDays: CONFIGURED })),
    );
    const streamed: string[] = [];
    await forEachAccountStatus(
      store,
      TENANT,
      AS_OF,
      (status, facts) => {
        if (status.inRenewalWindow) streamed.push(facts.customer.customerId);
      },
      { renewalWindowDays: CONFIGURED },
    );
    const rules = await loadActiveRules(store, TENANT, CONFIGURED);
    return {
      card: card.renewalWindowDays,
      rules: rules.ruleSet?.renewalWindowDays,
      status: ids.filter((_, index) => one[index]?.inRenewalWindow),
      streamed: streamed.sort(),
    };
  }

  it('is the configured default while the default playbook (version 0) is active', async () => {
    expect(await windows()).toEqual({ card: 30, rules: 30, status: ['C-20'], streamed: ['C-20'] });
  });

  it("is the activated rule set's own window once RevOps activates one", async () => {
    await store.activateNewRuleSet(
      TENANT,
      { ...DEFAULT_RULE_SET, renewalWindowDays: 120 },
      'revops@example.com',
      'longer window',
    );
    expect(await windows()).toEqual({
      card: 120,
      rules: 120,
      status: ['C-20', 'C-60', 'C-100'],
      streamed: ['C-100', 'C-20', 'C-60'],
    });
  });
});
