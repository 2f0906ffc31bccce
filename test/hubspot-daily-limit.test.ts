import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { IntegrationError } from '../src/ports/crm-gateway';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrmUnlessPaused } from '../src/use-cases/crm-sync';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { seedHubspotBook } from './support/hubspot-book';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const NEXT_DAY = '2026-09-02' as CalendarDate;
// 22:00 in Sydney (AEST, UTC+10 in September): the portal's day ends two hours later, at 14:00 UTC.
const NOW = Date.parse('2026-09-01T12:00:00Z');
const SYDNEY_MIDNIGHT = '2026-09-01T14:00:00Z';

describe("HubSpot daily limit: paused until midnight in the portal's time zone", () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let companies: string[] = [];

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false, clock: NOW, timeZone: 'Australia/Sydney' });
    store = await createPgliteStore();
    await store.migrate();
    companies = await seedHubspotBook(hs, store, TENANT, AS_OF);
  }, 120000);

  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  beforeEach(() => {
    hs.setDailyLimit(null);
    hs.resetRateLimits();
  });

  const gateway = () =>
    createHubspotGateway({
      accessToken: hs.accessToken as string,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      sleep: () => Promise.resolve(),
      now: () => hs.clock.now(),
      timeZones: new Map(),
    });

  it('a DAILY 429 (no Retry-After) waits until the portal midnight, read from the account details', async () => {
    const crm = gateway();
    const update = [{ crmId: companies[0] as string, properties: { name: 'Renamed' } }];
    await crm.updateRecords('companies', update);
    hs.setDailyLimit(0);
    const error = await crm.updateRecords('companies', update).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IntegrationError);
    expect(error).toMatchObject({ code: 'daily_limit', retryAfterMs: Date.parse(SYDNEY_MIDNIGHT) - NOW });
    expect((error as Error).message).toContain('Australia/Sydney');
    expect(hs.stats().byRoute['GET /account-info/v3/details']).toBe(1);
  });

  it('the sync pauses until that midnight and its state says why', async () => {
    await store.saveCrmInstallation({
      tenant: TENANT,
      crm: 'hubspot',
      accountId: 'private-app:test',
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    });
    await gateway().ensureSchema();
    hs.resetRateLimits();
    // Room for the time zone and one batch: the limit is reached part way through the sync.
    hs.setDailyLimit(2);
    const report = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF, { now: () => NOW });
    expect('stopped' in report && report.stopped?.kind).toBe('limit');
    const pause = (await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause;
    expect(pause?.until).toBe(SYDNEY_MIDNIGHT);
    expect(pause?.reason).toContain('resets at midnight Australia/Sydney');
    // Before then the sync does not call HubSpot; after the reset (the portal's new day) it runs.
    hs.resetStats();
    expect(await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF, { now: () => NOW + 60000 })).toEqual({
      skipped: pause,
    });
    expect(hs.stats().requests).toBe(0);
    hs.clock.set(Date.parse(SYDNEY_MIDNIGHT) + 1000);
    // The new day's allowance is what the rest of the sync needs (2 calls would stop it again).
    hs.setDailyLimit(1000);
    const after = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF, {
      now: () => Date.parse(SYDNEY_MIDNIGHT) + 1000,
    });
    expect('stopped' in after && after.stopped).toBeNull();
  }, 60000);

  it('429s that never stop: each call waits a bounded number of times, then the sync pauses, typed and counted', async () => {
    const waits: number[] = [];
    const throttled = createHubspotGateway({
      accessToken: hs.accessToken as string,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      maxRateLimitWaits: 3,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      now: () => hs.clock.now(),
      timeZones: new Map(),
    });
    const start = hs.clock.now();
    await store.setCrmSyncPause(TENANT, 'hubspot', null);
    hs.setFaults({ rateLimit: { trigger: { kind: 'always' }, retryAfterSeconds: 2 } });
    try {
      hs.resetStats();
      // A day later every account's days past due changed: the sync has companies to write.
      const report = await syncCrmUnlessPaused(store, throttled, TENANT, NEXT_DAY, { now: () => start });
      expect('stopped' in report && report.stopped).toMatchObject({ kind: 'limit', code: 'rate_limited' });
      // The first call sent, then three waits of its Retry-After and three more tries: four 429s in all.
      // (The portal's time zone is read first, also refused: the gateway goes on without it.)
      expect(hs.stats().byRoute).toEqual({
        'GET /account-info/v3/details': 1,
        'POST /crm/v3/objects/companies/batch/update': 4,
      });
      expect(waits).toEqual([2000, 2000, 2000]);
      const pause = (await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause;
      expect(pause).toMatchObject({ kind: 'limit', code: 'rate_limited', count: 1, scopes: [] });
      expect(Date.parse(pause?.until ?? '')).toBe(start + 5 * 60000);
      // Still refused when the pause ends: the same failure again, counted on.
      const later = Date.parse(pause?.until ?? '') + 1000;
      await syncCrmUnlessPaused(store, throttled, TENANT, NEXT_DAY, { now: () => later });
      expect((await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause).toMatchObject({
        code: 'rate_limited',
        count: 2,
        until: new Date(later + 5 * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    } finally {
      hs.setFaults({});
      await store.setCrmSyncPause(TENANT, 'hubspot', null);
    }
  }, 60000);
});
