import type Stripe from 'stripe';
import { createPgliteStore } from '../src/adapters/postgres';
import { mapCustomer } from '../src/adapters/stripe/mapping';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import type { CollectionsStore } from '../src/ports/store';
import { planCollectionsActions } from '../src/use-cases/collections-rules';
import { applyCrmEvent } from '../src/use-cases/crm-events';

const TENANT = 'tags' as TenantId;
const day = (text: string) => text as CalendarDate;

const customer = (customerId: string, crmCompanyId: string, tags: string[]): Customer => ({
  customerId,
  name: customerId,
  segment: 'smb',
  owner: 'dana',
  paymentTerms: 'net_30',
  country: 'US',
  crmCompanyId,
  createdOn: null,
  employees: null,
  fundingStage: null,
  tags,
});

/** 7 days past due on 2026-02-07: the default playbook's first reminder is due that day. */
const overdue = (customerId: string): Invoice => ({
  invoiceId: `INV-${customerId}`,
  customerId,
  currency: 'USD' as Invoice['currency'],
  amountMinor: 50_000,
  issuedOn: day('2026-01-01'),
  dueOn: day('2026-01-31'),
  paidOn: null,
  voidedOn: null,
  subscriptionId: null,
});

const tagsEvent = (objectId: string, value: string, occurredAt: number) => ({
  eventId: `e-${occurredAt}`,
  portalId: '1',
  occurredAt,
  subscriptionType: 'object.propertyChange',
  objectTypeId: '0-2',
  objectId,
  propertyName: 'collections_tags',
  propertyValue: value,
});

describe('customer tags from every source, as rules see them', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const session = await store.beginImport(TENANT);
    await session.stageCustomers([
      { line: 2, row: customer('C-1', 'hs-1', ['strategic']) },
      { line: 3, row: customer('C-2', 'hs-2', []) },
      { line: 4, row: customer('C-3', 'hs-3', []) },
    ]);
    await session.stageInvoices(
      ['C-1', 'C-2', 'C-3'].map((id, index) => ({ line: index + 2, row: overdue(id) })),
    );
    await session.commit();
  });

  afterAll(() => store.close());

  it('reads Stripe metadata collections_tags like the dataset column, leaving out parts that are no tag', () => {
    const stripeCustomer: Stripe.Customer = {
      id: 'cus_1',
      object: 'customer',
      address: null,
      balance: 0,
      created: 1767225600,
      currency: 'usd',
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: 'ACME',
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: { collections_tags: 'Strategic; Public Sector; not,a tag' },
      name: 'Acme',
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    const mapped = mapCustomer(stripeCustomer, { timeZone: 'UTC', crm: 'hubspot' });
    if (mapped.kind !== 'customer') throw new Error('not a customer');
    expect(mapped.row).toMatchObject({ customerId: 'cus_1', tags: ['strategic', 'public sector'] });
  });

  it('takes the HubSpot company property, newest change first, and exempts tagged accounts in rules', async () => {
    const applied = await applyCrmEvent(store, TENANT, tagsEvent('hs-2', 'Strategic', 2000), {
      today: day('2026-02-07'),
    });
    expect(applied.outcome).toBe('applied');
    const older = await applyCrmEvent(store, TENANT, tagsEvent('hs-2', '', 1000), {
      today: day('2026-02-07'),
    });
    expect(older.outcome).toBe('ignored');
    expect([...(await store.listCustomerTags(TENANT)).entries()]).toEqual([
      ['C-1', ['strategic']],
      ['C-2', ['strategic']],
    ]);

    const exempt = validateRuleSet({
      ...DEFAULT_RULE_SET,
      rules: DEFAULT_RULE_SET.rules.map((rule) => ({
        ...rule,
        when: { ...rule.when, tags: { noneOf: ['strategic'] } },
      })),
    });
    if (!exempt.ok) throw new Error(JSON.stringify(exempt.problems));
    const plan = await planCollectionsActions(store, TENANT, exempt.ruleSet, day('2026-02-07'));
    // C-1 is tagged in the dataset, C-2 in HubSpot: only C-3 gets the 7-day reminder.
    expect(plan.evaluation.tasks.map((task) => [task.customerId, task.ruleId])).toEqual([
      ['C-3', 'overdue-7'],
    ]);
  });
});
