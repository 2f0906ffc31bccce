import type { StoredRiskModel } from '../../src/domain/risk/risk-model';
import type { RiskModelStore } from '../../src/ports/risk-models';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('RiskModelStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: RiskModelStore;

  beforeAll(() => {
    store = opened();
  });

  it('keeps one model per tenant, replaced on every refit', async () => {
    const tenant = newTenant();
    expect(await store.loadRiskModel(tenant)).toBeUndefined();
    const model = (lateRate: number) =>
      ({
        version: 1,
        priors: { lateRate, meanDaysLate: 12.5, lateRateBySegment: { 'mid-market': lateRate / 2 } },
      }) as unknown as StoredRiskModel;
    await store.saveRiskModel(tenant, model(0.25));
    expect(await store.loadRiskModel(tenant)).toEqual(model(0.25));
    await store.saveRiskModel(tenant, model(0.5));
    expect(await store.loadRiskModel(tenant)).toEqual(model(0.5));
    expect(await store.loadRiskModel(newTenant())).toBeUndefined();
  });
});
