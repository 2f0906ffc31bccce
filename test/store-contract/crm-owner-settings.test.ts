import type { CrmOwnerSettingsStore } from '../../src/ports/crm-owner-settings';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CrmOwnerSettingsStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CrmOwnerSettingsStore;

  beforeAll(() => {
    store = opened();
  });

  it("keeps each tenant's CRM owner settings apart: none chosen, a property, then none on purpose", async () => {
    const tenant = newTenant();
    const other = newTenant();
    expect(await store.getCrmOwnerSettings(tenant, 'hubspot')).toBeUndefined();
    await store.saveCrmOwnerSettings(tenant, 'hubspot', { csmProperty: 'csm_owner' }, 'revops@example.com');
    expect(await store.getCrmOwnerSettings(tenant, 'hubspot')).toMatchObject({
      csmProperty: 'csm_owner',
      updatedBy: 'revops@example.com',
    });
    expect(await store.getCrmOwnerSettings(other, 'hubspot')).toBeUndefined();
    expect(await store.getCrmOwnerSettings(tenant, 'salesforce')).toBeUndefined();
    await store.saveCrmOwnerSettings(tenant, 'hubspot', { csmProperty: null }, 'admin@example.com');
    const none = await store.getCrmOwnerSettings(tenant, 'hubspot');
    expect(none).toMatchObject({ csmProperty: null, updatedBy: 'admin@example.com' });
    expect(none?.updatedAt).toBeInstanceOf(Date);
  });
});
