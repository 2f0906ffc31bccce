import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import type { RateGrant, RateLimiter } from '../src/ports/rate-limiter';
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

describe('HubSpot counts a request when it arrives, not when the limiter granted it', () => {
  /** The real limiter, each grant (numbered from 1) passed through `onGrant` on its way out. */
  function eachGrant(
    limiter: RateLimiter,
    onGrant: (grant: RateGrant, id: number) => RateGrant,
  ): RateLimiter {
    let grants = 0;
    return {
      kind: limiter.kind,
      acquire: (key, budget, signal) => limiter.acquire(key, budget, signal),
      hold: async (key, budget, signal) => onGrant(await limiter.hold(key, budget, signal), (grants += 1)),
      close: () => limiter.close(),
    };
  }

  /** The real limiter, with each grant's `sent` and `answered` written down in order. */
  const recording = (limiter: RateLimiter, events: string[]) =>
    eachGrant(limiter, (grant, id) => ({
      waitedMs: grant.waitedMs,
      sent: async () => {
        events.push(`sent ${id}`);
        await grant.sent();
      },
      answered: async () => {
        events.push(`answered ${id}`);
        await grant.answered();
      },
    }));

  it("moves each grant to when the SDK's request left, before its answer", async () => {
    const hs = await startHubspotEmulator({ rateLimit: false, latency: { ms: 50 } });
    const limiter = createInProcessRateLimiter();
    const events: string[] = [];
    try {
      const companies = Array.from({ length: 3 }, (_, index) => hs.createCompany({ name: `Sent ${index}` }));
      const gateway = createHubspotGateway({
        accessToken: 'pat-test',
        limiter: recording(limiter, events),
        limiterKey: 'hubspot:sent-times',
        basePath: hs.url,
      });
      for (const [index, crmId] of companies.entries())
        await gateway.updateRecords('companies', [{ crmId, properties: { name: `Sent ${index} renamed` } }]);
      // The time-zone read, then one call per company: each seen leaving, then answered.
      expect(events).toEqual([
        'sent 1',
        'answered 1',
        'sent 2',
        'answered 2',
        'sent 3',
        'answered 3',
        'sent 4',
        'answered 4',
      ]);
    } finally {
      await limiter.close();
      await hs.close();
    }
  });

  it('keeps under the window when a busy event loop holds granted requests back', async () => {
    // 12 per second at HubSpot; the limiter keeps 2 of headroom, so grants 10 per window.
    const budget = { requests: 12, windowMs: 1000 };
    const hs = await startHubspotEmulator({ rateLimit: budget });
    const limiter = createInProcessRateLimiter();
    try {
      const companies = Array.from({ length: 20 }, (_, index) => hs.createCompany({ name: `Late ${index}` }));
      // Right after the 10th grant the process is busy for 500 ms (computing the next accounts, say):
      // the first 10 requests leave, and reach HubSpot, 0.5 s after their grants. Counted from their
      // grants, the next 10 would be sent 1.15 s after those, when HubSpot still holds the first 10
      // and allows only 2 more: 8 answers of 429. Counted from when they left, none.
      const busy = eachGrant(limiter, (grant, id) => {
        if (id === 10) {
          const until = Date.now() + 500;
          while (Date.now() < until) {
            // the event loop is held, as by a long synchronous computation
          }
        }
        return grant;
      });
      const gateway = createHubspotGateway({
        accessToken: 'pat-test',
        limiter: busy,
        limiterKey: 'hubspot:late-arrivals',
        basePath: hs.url,
        rateLimit: budget,
      });
      const written = await Promise.all(
        companies.map((crmId, index) =>
          gateway.updateRecords('companies', [{ crmId, properties: { name: `Late ${index} renamed` } }]),
        ),
      );
      expect(written.flatMap((result) => result.written).sort()).toEqual([...companies].sort());
      expect(hs.stats().rateLimited).toBe(0);
    } finally {
      await limiter.close();
      await hs.close();
    }
  }, 30000);
});
