import type { CrmInstallations } from '../../src/ports/crm-installations';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CrmInstallations contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CrmInstallations;

  beforeAll(() => {
    store = opened();
  });

  it('keeps CRM installations and their sync pauses', async () => {
    const tenant = newTenant();
    const portal = String(Math.floor(Math.random() * 1e9));
    const installation = {
      tenant,
      crm: 'hubspot',
      accountId: portal,
      accessTokenEnc: 'v1:enc-access',
      refreshTokenEnc: 'v1:enc-refresh',
      expiresAt: new Date('2026-03-01T10:30:00.000Z'),
      scopes: ['crm.objects.companies.write', 'oauth'],
      installedBy: 'admin@example.com',
      instanceUrl: null,
      launchSecretEnc: null,
      syncPause: null,
    };
    await store.saveCrmInstallation(installation);
    expect(await store.getCrmInstallation('hubspot', portal)).toEqual(installation);
    expect(await store.getCrmInstallationForTenant(tenant, 'hubspot')).toEqual(installation);
    const refreshed = {
      ...installation,
      accessTokenEnc: 'v1:enc-2',
      expiresAt: new Date('2026-03-01T11:00:00Z'),
    };
    await store.saveCrmInstallation({ ...refreshed, installedBy: null });
    expect(await store.getCrmInstallation('hubspot', portal)).toEqual(refreshed);
    expect((await store.listCrmInstallations('hubspot')).map((row) => row.accountId)).toContain(portal);
    const limit = {
      kind: 'limit' as const,
      code: 'daily_limit' as const,
      count: 2,
      until: '2026-03-02T00:00:00Z',
      reason: 'daily limit',
      scopes: [],
    };
    await store.setCrmSyncPause(tenant, 'hubspot', limit);
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toEqual(limit);
    // New credentials end a pause that waits for a person, and only such a pause.
    await store.saveCrmInstallation({ ...refreshed, accessTokenEnc: 'v1:enc-3' });
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toEqual(limit);
    const scopes = {
      kind: 'missing_scopes' as const,
      code: 'missing_permission' as const,
      count: 1,
      until: '2026-03-01T13:00:00Z',
      reason: 'missing scopes crm.objects.deals.write',
      scopes: ['crm.objects.deals.write'],
    };
    await store.setCrmSyncPause(tenant, 'hubspot', scopes);
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toEqual(scopes);
    await store.saveCrmInstallation({ ...refreshed, accessTokenEnc: 'v1:enc-4' });
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toBeNull();
    await store.saveCrmInstallation(refreshed);
    await store.setCrmSyncPause(tenant, 'hubspot', null);
    expect((await store.getCrmInstallation('hubspot', portal))?.syncPause).toBeNull();
  });

  it('spends a launch nonce once, also when racing, per tenant, until it expires', async () => {
    const tenant = newTenant();
    const now = new Date('2026-03-01T10:00:00Z');
    const expires = new Date('2026-03-01T10:02:00Z');
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, now)).toBe(true);
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, now)).toBe(false);
    expect(await store.useLaunchNonce(tenant, 'nonce-1', expires, new Date('2026-03-01T10:01:59Z'))).toBe(
      false,
    );
    expect(await store.useLaunchNonce(newTenant(), 'nonce-1', expires, now)).toBe(true);

    const racing = await Promise.all(
      Array.from({ length: 8 }, () => store.useLaunchNonce(tenant, 'nonce-2', expires, now)),
    );
    expect(racing.filter((first) => first)).toHaveLength(1);

    // Once expired a nonce is forgotten (its token is refused by then anyway).
    const later = new Date('2026-03-01T10:02:01Z');
    expect(await store.useLaunchNonce(tenant, 'nonce-1', new Date('2026-03-01T10:04:00Z'), later)).toBe(true);
    expect(await store.useLaunchNonce(tenant, 'nonce-2', new Date('2026-03-01T10:04:00Z'), later)).toBe(true);
  });

  it('spends an install state once, whichever caller asks first, until it expires', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const expires = new Date('2026-03-01T10:10:00Z');
    const nonce = `state-${newTenant()}`;
    const racing = await Promise.all(
      Array.from({ length: 8 }, () => store.useInstallState('hubspot', nonce, expires, now)),
    );
    expect(racing.filter((first) => first)).toHaveLength(1);
    expect(await store.useInstallState('hubspot', nonce, expires, now)).toBe(false);
    expect(await store.useInstallState('salesforce', nonce, expires, now)).toBe(true);
  });
});
