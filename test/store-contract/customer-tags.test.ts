import type { CustomerTags } from '../../src/ports/customer-tags';
import type { LedgerStore } from '../../src/ports/ledger';
import { customer, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CustomerTags contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CustomerTags;
  let setup: LedgerStore;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('keeps billing tags from imports and CRM tags apart, and lists them merged per customer', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, {
      ...sampleDataset(),
      customers: [customer('C-1', { tags: ['strategic', 'public sector'] }), customer('C-2')],
    });
    expect([...(await store.listCustomerTags(tenant)).entries()]).toEqual([
      ['C-1', ['public sector', 'strategic']],
    ]);
    expect(await store.setCrmTags(tenant, 'C-2', ['strategic'])).toBe(true);
    expect(await store.setCrmTags(tenant, 'C-404', ['strategic'])).toBe(false);
    expect(await store.setCrmTags(tenant, 'C-1', ['strategic', 'renewal risk'])).toBe(true);
    const merged = await store.listCustomerTags(tenant);
    expect(merged.get('C-1')).toEqual(['public sector', 'renewal risk', 'strategic']);
    expect(merged.get('C-2')).toEqual(['strategic']);
    expect([...(await store.listCustomerTags(tenant, ['C-2'])).keys()]).toEqual(['C-2']);
    // A later import rewrites the billing tags only; the CRM's stay.
    await importData(setup, tenant, { ...sampleDataset(), customers: [customer('C-1'), customer('C-2')] });
    expect((await store.listCustomerTags(tenant)).get('C-1')).toEqual(['renewal risk', 'strategic']);
    expect((await store.listCustomerTags(newTenant())).size).toBe(0);
  });
});
