import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import { runDailyEvaluation } from '../src/jobs/daily';
import type { CollectionsStore } from '../src/ports/store';
import { runCollectionsRules } from '../src/use-cases/collections-rules';
import { evaluatePromises, recordPromiseToPay } from '../src/use-cases/promises';
import { currency, customer, date, importData, invoice, payment } from './support/ledger-rows';
import { newTenant } from './support/store-engines';

/** USD 12,000.00 due 2026-11-30 and USD 3,000.00 due 2026-12-31, both unpaid; the owner is dana. */
const book = {
  customers: [customer('C-1', { owner: 'dana', name: 'Acme' })],
  invoices: [
    invoice('INV-1', 'C-1', {
      amountMinor: 1_200_000,
      issuedOn: date('2026-11-01'),
      dueOn: date('2026-11-30'),
    }),
    invoice('INV-2', 'C-1', {
      amountMinor: 300_000,
      issuedOn: date('2026-12-01'),
      dueOn: date('2026-12-31'),
    }),
  ],
};

const promised = {
  amounts: [{ currency: 'USD', amount: '12000.00' }],
  promisedOn: '2026-12-15',
  invoiceIds: ['INV-1'],
  madeBy: 'Jane, AP',
  note: 'after their board meeting',
};

function defaultRules() {
  const parsed = validateRuleSet(DEFAULT_RULE_SET);
  if (!parsed.ok) throw new Error('the default playbook no longer validates');
  return parsed.ruleSet;
}

describe('promises to pay end to end on a PGlite store', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
  });

  it('refuses bad input naming the field, and an invoice of another account', async () => {
    const tenant = newTenant();
    await importData(store, tenant, {
      ...book,
      customers: [...book.customers, customer('C-2')],
      invoices: [...book.invoices, invoice('INV-9', 'C-2')],
    });
    const today = date('2026-12-07');
    const record = (input: unknown) => recordPromiseToPay(store, tenant, 'C-1', input, 'dana', today);
    expect(await record({ ...promised, amounts: [{ currency: 'USD', amount: '-5' }] })).toEqual({
      outcome: 'invalid',
      problem: { path: 'amounts.0.amount', message: expect.stringMatching(/negative/) },
    });
    expect(await record({ ...promised, promisedOn: '2026-12-01' })).toMatchObject({
      problem: { path: 'promisedOn' },
    });
    expect(await record({ ...promised, invoiceIds: ['INV-9'] })).toMatchObject({
      problem: { path: 'invoiceIds.0', message: 'INV-9 is not an invoice of C-1' },
    });
    expect(await record({ ...promised, amounts: [{ currency: 'EUR', amount: '100.00' }] })).toMatchObject({
      problem: { path: 'invoiceIds.0' },
    });
    expect(await record({ ...promised, extra: 1 })).toMatchObject({ problem: { path: 'extra' } });
    expect(await recordPromiseToPay(store, tenant, 'C-404', promised, 'dana', today)).toEqual({
      outcome: 'unknown_customer',
    });
    expect(await store.listPromises(tenant)).toEqual([]);
  });

  it('holds the reminder on the promised invoice while open, then escalates a partly kept promise once', async () => {
    const tenant = newTenant();
    await importData(store, tenant, book);
    const recordedOn = date('2026-12-07');
    const recorded = await recordPromiseToPay(store, tenant, 'C-1', promised, 'dana', recordedOn, {
      graceDays: 3,
    });
    expect(recorded.outcome).toBe('recorded');

    // INV-1 is 7 days past due, the only overdue invoice: the playbook's reminder is held by the promise.
    const held = await runCollectionsRules(store, tenant, defaultRules(), null, recordedOn);
    expect(held.evaluation.tasks.filter((task) => task.tone !== null)).toEqual([]);
    expect(held.evaluation.skipped).toContainEqual(
      expect.objectContaining({
        customerId: 'C-1',
        rail: 'promised',
        why: 'promise to pay open until 2026-12-18',
      }),
    );

    // USD 4,000.00 arrives on 12-12; nothing more by 12-15 + 3 days.
    await importData(store, tenant, {
      payments: [payment('P-1', 'INV-1', { amountMinor: 400_000, attemptedOn: date('2026-12-12') })],
    });
    expect(await evaluatePromises(store, tenant, date('2026-12-18'))).toEqual({
      settled: [],
      tasksCreated: 0,
    });

    const day = date('2026-12-19') as CalendarDate;
    await runDailyEvaluation(store, tenant, day);
    const [settled] = await store.listPromises(tenant, { customerId: 'C-1' });
    expect(settled).toMatchObject({
      state: 'partly_kept',
      settledOn: '2026-12-19',
      received: [{ currency: currency('USD'), amountMinor: 400_000 }],
    });
    const escalations = (await store.listTasks(tenant, { customerId: 'C-1' })).filter(
      (task) => task.cause === 'promise',
    );
    expect(escalations).toEqual([
      expect.objectContaining({
        title: 'Promise of USD 12,000.00 due Dec 15 was not kept; USD 4,000.00 received',
        priority: 'high',
        assignee: 'account_owner',
        invoiceId: 'INV-1',
        tone: null,
        state: 'open',
      }),
    ]);

    // The same day again, and the next: settled once, one task.
    await runDailyEvaluation(store, tenant, day);
    expect(await evaluatePromises(store, tenant, date('2026-12-20'))).toEqual({
      settled: [],
      tasksCreated: 0,
    });
    expect(
      (await store.listTasks(tenant, { customerId: 'C-1' })).filter((t) => t.cause === 'promise'),
    ).toHaveLength(1);
    const kinds = (await store.listEvents(tenant, { subject: 'C-1' })).map((event) => event.kind);
    expect(kinds.filter((kind) => kind.startsWith('promise_'))).toEqual([
      'promise_partly_kept',
      'promise_recorded',
    ]);
  });

  it('settles a promise kept early as kept, with no task, and a promise with nothing paid as broken', async () => {
    const tenant = newTenant();
    await importData(store, tenant, book);
    await recordPromiseToPay(store, tenant, 'C-1', promised, 'dana', date('2026-12-07'));
    await recordPromiseToPay(
      store,
      tenant,
      'C-1',
      { amounts: [{ currency: 'USD', amount: '3000' }], promisedOn: '2026-12-10', invoiceIds: ['INV-2'] },
      'dana',
      date('2026-12-07'),
    );
    await importData(store, tenant, {
      payments: [payment('P-1', 'INV-1', { amountMinor: 1_200_000, attemptedOn: date('2026-12-09') })],
    });
    // 12-09: INV-1's promise is kept (paid in full); INV-2's is open until 12-13.
    expect((await evaluatePromises(store, tenant, date('2026-12-09'))).settled.map((s) => s.state)).toEqual([
      'kept',
    ]);
    const later = await evaluatePromises(store, tenant, date('2026-12-14'));
    expect(later).toMatchObject({ settled: [{ state: 'broken' }], tasksCreated: 1 });
    const [task] = (await store.listTasks(tenant, { customerId: 'C-1' })).filter(
      (t) => t.cause === 'promise',
    );
    expect(task?.title).toBe('Promise of USD 3,000.00 due Dec 10 was not kept; nothing received');
  });
});
