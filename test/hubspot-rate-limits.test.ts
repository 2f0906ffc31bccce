import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import { parseTenantId, type TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { openCrmGateway } from '../server/compose';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

describe('HubSpot budget by app kind and account tier (HUBSPOT_APP_KIND, HUBSPOT_TIER)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let company = '';

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false });
    company = hs.createCompany({ name: 'Budget' });
    store = await createPgliteStore();
    await store.migrate();
  }, 60000);
  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  /** Requests the gateway sends before its limiter first waits (virtual time: nothing sleeps). */
  async function requestsBeforeFirstWait(env: Record<string, string>): Promise<number> {
    const config = parseConfig({ HUBSPOT_ACCESS_TOKEN: 'pat-test', HUBSPOT_API_BASE: hs.url, ...env });
    let clock = Date.parse('2026-09-01T12:00:00Z');
    let firstWaitAt: number | undefined;
    const limiter = createInProcessRateLimiter({
      now: () => clock,
      sleep: (ms) => {
        firstWaitAt ??= hs.stats().requests;
        clock += ms;
        return Promise.resolve();
      },
    });
    const tenant = parseTenantId(config.defaultTenant) as TenantId;
    const gateway = await openCrmGateway(config, store, tenant, limiter);
    if (gateway === undefined) throw new Error('no gateway');
    hs.resetStats();
    for (let call = 0; call < 300 && firstWaitAt === undefined; call += 1)
      await gateway.updateRecords('companies', [{ crmId: company, properties: { name: `n${call}` } }]);
    await limiter.close();
    return firstWaitAt ?? Number.POSITIVE_INFINITY;
  }

  // HubSpot's documented burst limits per 10 s; the limiter keeps a little headroom under them.
  it.each([
    ['private app, Free', { HUBSPOT_TIER: 'free' }, 100],
    ['private app, Starter', { HUBSPOT_TIER: 'starter' }, 100],
    ['private app, Professional', { HUBSPOT_TIER: 'professional' }, 190],
    ['private app, Enterprise', { HUBSPOT_TIER: 'enterprise' }, 190],
    ['marketplace app, any tier', { HUBSPOT_APP_KIND: 'marketplace', HUBSPOT_TIER: 'enterprise' }, 110],
    [
      'an explicit HUBSPOT_REQUESTS_PER_10S',
      { HUBSPOT_TIER: 'enterprise', HUBSPOT_REQUESTS_PER_10S: '50' },
      50,
    ],
  ])(
    '%s (%j): %i requests per 10 s',
    async (_name, env, limit) => {
      const sent = await requestsBeforeFirstWait(env);
      expect(sent).toBeLessThanOrEqual(limit);
      expect(sent).toBeGreaterThanOrEqual(limit - 5);
    },
    60000,
  );

  it('takes the empty values of .env.example as unset', () => {
    const config = parseConfig({ HUBSPOT_REQUESTS_PER_10S: '', HUBSPOT_APP_KIND: '', HUBSPOT_TIER: 'free' });
    expect(config.crm).toMatchObject({ hubspotRequestsPer10s: undefined, hubspotAppKind: undefined });
  });

  it('refuses an unknown tier at start-up, naming the variable', () => {
    expect(() => parseConfig({ HUBSPOT_TIER: 'platinum' })).toThrow(/HUBSPOT_TIER/);
  });
});
