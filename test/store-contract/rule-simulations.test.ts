import type { RuleSimulations } from '../../src/ports/rule-simulations';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('RuleSimulations contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: RuleSimulations;

  beforeAll(() => {
    store = opened();
  });

  it('keeps a simulation per tenant with its progress, and leaves a finished one as it is', async () => {
    const tenant = newTenant();
    const request = { ruleSets: [{ name: 'x' }], from: '2026-01-01', to: '2026-01-31' };
    await store.createRuleSimulation(tenant, 'sim-1', request, new Date('2000-01-01T00:00:00Z'));
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      simulationId: 'sim-1',
      state: 'queued',
      request,
      accountsDone: 0,
      accountsTotal: null,
      result: null,
      error: null,
    });
    expect(await store.getRuleSimulation(newTenant(), 'sim-1')).toBeUndefined();
    await store.updateRuleSimulation(tenant, 'sim-1', {
      state: 'running',
      accountsDone: 5,
      accountsTotal: 9,
    });
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      state: 'running',
      accountsDone: 5,
      accountsTotal: 9,
    });
    await store.updateRuleSimulation(tenant, 'sim-1', {
      state: 'done',
      accountsDone: 9,
      result: { summaries: [{ tasks: 3 }] },
    });
    await store.updateRuleSimulation(tenant, 'sim-1', { state: 'failed', error: 'late' });
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toMatchObject({
      state: 'done',
      accountsDone: 9,
      accountsTotal: 9,
      result: { summaries: [{ tasks: 3 }] },
      error: null,
    });
    // Creating another drops the tenant's simulations created before the given instant.
    await store.createRuleSimulation(tenant, 'sim-2', request, new Date('2999-01-01T00:00:00Z'));
    expect(await store.getRuleSimulation(tenant, 'sim-1')).toBeUndefined();
    expect((await store.getRuleSimulation(tenant, 'sim-2'))?.state).toBe('queued');
  });
});
