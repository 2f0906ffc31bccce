import type { AutomationStore } from '../../src/ports/automation';
import type { CardStore } from '../../src/ports/cards';
import type { LedgerStore } from '../../src/ports/ledger';
import type { RiskModelStore } from '../../src/ports/risk-models';
import { date, payment, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CardStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CardStore;
  let setup: LedgerStore & AutomationStore & RiskModelStore;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('keeps precomputed cards fresh: every change that shows on a card makes it stale', async () => {
    const tenant = newTenant();
    const other = newTenant();
    const day = date('2026-03-01');
    await importData(setup, tenant, sampleDataset());
    expect(await store.getAccountCardByCrmId(tenant, 'hs-nobody')).toBeUndefined();
    const first = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(first).toMatchObject({ customerId: 'C-1', card: null });
    expect((await store.listStaleAccountCards(tenant, day, 10)).sort()).toEqual(['C-1', 'C-2']);

    const versions = await store.getAccountCardVersions(tenant);
    const save = (card: unknown, version = versions.get('C-1') ?? 0) =>
      store.saveAccountCards(tenant, [{ customerId: 'C-1', version, asOf: day, card }]);
    expect(await save({ shown: 1 })).toBe(1);
    const fresh = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(fresh).toMatchObject({ customerId: 'C-1', asOf: '2026-03-01', card: { shown: 1 } });
    expect(fresh?.cardVersion).toBe(fresh?.version);
    expect(await store.listStaleAccountCards(tenant, day, 10)).toEqual(['C-2']);
    // A new day makes every card stale.
    expect((await store.listStaleAccountCards(tenant, date('2026-03-02'), 10)).sort()).toEqual([
      'C-1',
      'C-2',
    ]);
    expect(await store.getAccountCardByCrmId(other, 'hs-C-1')).toBeUndefined();
    // On a shared PostgreSQL database other runs' tenants map the same sample ids.
    expect(await store.findTenantsByCrmCompanyId('hs-C-1')).toContain(tenant);
    expect(await store.findTenantsByCrmCompanyId('hs-C-1')).not.toContain(other);

    const staleAfter = async (change: () => Promise<unknown>) => {
      const before = (await store.getAccountCardVersions(tenant)).get('C-1') ?? 0;
      await change();
      const after = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
      expect(after?.version).toBeGreaterThan(before);
      expect(after?.cardVersion).not.toBe(after?.version);
      // A card computed from the facts read before the change is not saved over it.
      expect(await save({ shown: 'old' }, before)).toBe(0);
      expect(await save({ shown: 'new' }, after?.version)).toBe(1);
    };
    const pause = { reason: 'renewal call', until: date('2026-04-01'), actor: 'csm@example.com' };
    await staleAfter(() => setup.pauseAutomation(tenant, 'C-1', pause));
    await staleAfter(() => setup.resumeAutomation(tenant, 'C-1', 'csm@example.com'));
    await staleAfter(() =>
      importData(setup, tenant, { payments: [payment('P-late', 'INV-1', { amountMinor: 100 })] }),
    );
    await staleAfter(() => setup.saveRiskModel(tenant, { version: 1 } as never));
    await staleAfter(() => setup.activateNewRuleSet(tenant, { rules: [] }, 'revops@example.com', 'test'));
    expect(await store.getAccountCardByCrmId(tenant, 'hs-C-1')).toMatchObject({ card: { shown: 'new' } });

    // Another tenant's cards are untouched.
    await store.invalidateAccountCards(other, 'all');
    const untouched = await store.getAccountCardByCrmId(tenant, 'hs-C-1');
    expect(untouched?.cardVersion).toBe(untouched?.version);
    await store.invalidateAccountCards(tenant, 'all');
    expect((await store.listStaleAccountCards(tenant, day, 10)).sort()).toEqual(['C-1', 'C-2']);
  });
});
