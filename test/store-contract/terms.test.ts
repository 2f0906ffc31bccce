import type { AuditLog } from '../../src/ports/audit-log';
import type { AutomationStore } from '../../src/ports/automation';
import type { TermsStore } from '../../src/ports/terms';
import { date } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('TermsStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: TermsStore;
  let setup: AutomationStore & AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('versions term guardrails apart from rule sets, stores evidence and records acceptances once', async () => {
    const tenant = newTenant();
    await setup.activateNewRuleSet(tenant, { name: 'rules', rules: [] }, 'revops@example.com', 'rules');
    const first = await store.activateNewTermGuardrails(tenant, { g: 1 }, 'revops@example.com', 'start');
    const second = await store.activateNewTermGuardrails(tenant, { g: 2 }, 'revops@example.com', 'tighter');
    expect([first.version, second.version]).toEqual([1, 2]);
    expect((await store.getActiveTermGuardrails(tenant))?.body).toEqual({ g: 2 });
    expect((await store.reactivateTermGuardrails(tenant, 1, 'revops@example.com', 'back'))?.active).toBe(
      true,
    );
    expect((await store.getActiveTermGuardrails(tenant))?.version).toBe(1);
    expect((await setup.getActiveRuleSet(tenant))?.body).toEqual({ name: 'rules', rules: [] });
    expect(await store.listTermGuardrailVersions(newTenant())).toEqual([]);
    expect(
      (await setup.listEvents(tenant, { subject: 'term-guardrails:1' })).map((event) => event.kind),
    ).toEqual(['term_guardrails_rolled_back', 'term_guardrails_activated']);

    expect(await store.loadTermEvidence(tenant)).toBeUndefined();
    const evidence = {
      asOf: date('2026-01-01'),
      cohorts: {},
      autopay: { invoices: 3, late: 1, daysLateWhenLate: 4 },
    };
    await store.saveTermEvidence(tenant, evidence);
    await store.saveTermEvidence(tenant, { ...evidence, asOf: date('2026-02-01') });
    expect(await store.loadTermEvidence(tenant)).toEqual({ ...evidence, asOf: '2026-02-01' });

    const acceptance = {
      recommendationId: 'rec_1:net_30',
      dealId: 'D-1',
      customerId: 'C-1',
      optionId: 'net_30',
      recommendedOptionId: 'net_45',
      guardrailVersion: 1,
      body: { option: 'net_30' },
      actor: 'ae@example.com',
    };
    expect(await store.acceptTermRecommendation(tenant, acceptance)).toBe('accepted');
    expect(await store.acceptTermRecommendation(tenant, acceptance)).toBe('already_accepted');
    const listed = await store.listTermAcceptances(tenant, { dealId: 'D-1', unsynced: true });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ ...acceptance, syncedAt: null });
    expect(await store.listTermAcceptances(newTenant())).toEqual([]);
    const [event] = await setup.listEvents(tenant, { subject: 'deal:D-1' });
    expect(event).toMatchObject({
      kind: 'payment_terms_accepted',
      payload: { overridden: true, optionId: 'net_30' },
    });
  });

  it('marks acceptances synced, so only the others are still to be written', async () => {
    const tenant = newTenant();
    const acceptance = (dealId: string) => ({
      recommendationId: `rec_${dealId}:upfront`,
      dealId,
      customerId: 'C-1',
      optionId: 'upfront',
      recommendedOptionId: 'upfront',
      guardrailVersion: null,
      body: { option: 'upfront' },
      actor: 'ae@example.com',
    });
    await store.acceptTermRecommendation(tenant, acceptance('D-1'));
    await store.acceptTermRecommendation(tenant, acceptance('D-2'));
    await store.markTermAcceptancesSynced(tenant, []);
    expect(await store.listTermAcceptances(tenant, { unsynced: true })).toHaveLength(2);
    await store.markTermAcceptancesSynced(tenant, ['rec_D-1:upfront']);
    const unsynced = async () =>
      (await store.listTermAcceptances(tenant, { unsynced: true })).map((row) => row.dealId);
    expect(await unsynced()).toEqual(['D-2']);
    const synced = (await store.listTermAcceptances(tenant, { dealId: 'D-1' }))[0];
    expect(synced?.syncedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await store.markTermAcceptancesSynced(newTenant(), ['rec_D-2:upfront']);
    expect(await unsynced()).toEqual(['D-2']);
  });
});
