import type { Server } from 'node:http';
import pino from 'pino';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { processCrmEvent } from '../src/use-cases/crm-events';
import { syncCrm } from '../src/use-cases/crm-sync';
import { hubspotAppOptions, hubspotTenantResolver, openCrmGateway } from '../server/compose';
import { createHttpApp } from '../server/http/app';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { seedHubspotBook } from './support/hubspot-book';
import { freePort } from './support/processes';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const SECRET = 'echo-client-secret';
const APP_ID = 31337;

/**
 * The sync writes `collections_automation_paused`; HubSpot sends every change of it back as a webhook,
 * ours included. Ours must not touch a pause set in the app; a person's change in HubSpot still counts.
 */
describe('HubSpot webhooks of our own writes are recognised (emulator → webhook route → events)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let server: Server;
  let companies: string[] = [];
  const queued: string[] = [];
  let config: ReturnType<typeof parseConfig>;

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    hs = await startHubspotEmulator({
      rateLimit: false,
      portalId: Number(TENANT),
      oauth: { clientSecret: SECRET },
      webhooks: {
        targetUrl: `${base}/webhooks/hubspot`,
        properties: ['collections_automation_paused'],
        appId: APP_ID,
      },
    });
    store = await createPgliteStore();
    await store.migrate();
    companies = await seedHubspotBook(hs, store, TENANT, AS_OF);
    config = parseConfig({
      HUBSPOT_ACCESS_TOKEN: hs.accessToken ?? '',
      HUBSPOT_API_BASE: hs.url,
      HUBSPOT_PORTAL_ID: TENANT,
      HUBSPOT_CLIENT_SECRET: SECRET,
      HUBSPOT_APP_ID: String(APP_ID),
      DEFAULT_TENANT: TENANT,
      PUBLIC_BASE_URL: base,
    });
    const limiter = createInProcessRateLimiter();
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: {
        signingSecret: SECRET,
        publicBaseUrl: base,
        revopsUsers: [],
        demoTenant: TENANT,
        today: () => AS_OF,
        resolveTenant: hubspotTenantResolver(config, store),
      },
      hubspotApp: hubspotAppOptions(
        config,
        store,
        (tenant) => openCrmGateway(config, store, tenant, limiter),
        async (_tenant, eventId) => {
          queued.push(eventId);
        },
      ),
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
    });
    const gateway = await openCrmGateway(config, store, TENANT, limiter);
    await gateway?.ensureSchema();
  }, 120000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await hs.close();
  });

  /** Delivers what HubSpot has to send, then applies the stored events as the job does. */
  async function deliverAndApply(): Promise<string[]> {
    const statuses = await hs.flushWebhooks();
    expect(statuses.every((status) => status === 200)).toBe(true);
    const outcomes: string[] = [];
    while (queued.length > 0) {
      const eventId = queued.shift() as string;
      const appId = config.crm.hubspotAppId;
      outcomes.push(
        await processCrmEvent(store, TENANT, eventId, {
          today: AS_OF,
          ...(appId === undefined ? {} : { appId }),
        }),
      );
    }
    return outcomes;
  }

  const customerOf = async (companyId: string) =>
    (await store.findCustomerIdByCrmId(TENANT, companyId)) as string;

  it('a pause set in the app survives the echo of our own write; a change by a person in HubSpot applies', async () => {
    const paused = companies[0] as string;
    const other = companies[1] as string;
    const customer = await customerOf(paused);
    await store.pauseAutomation(TENANT, customer, {
      reason: 'promise to pay on the 15th',
      until: '2026-09-15' as CalendarDate,
      actor: 'ana@example.com',
    });
    const gateway = await openCrmGateway(config, store, TENANT, createInProcessRateLimiter());
    if (gateway === undefined) throw new Error('no HubSpot gateway');
    const report = await syncCrm(store, gateway, TENANT, AS_OF);
    expect(report.stopped).toBeNull();
    expect(hs.object('companies', paused)?.properties['collections_automation_paused']).toBe('true');

    await deliverAndApply();
    expect(await store.getAutomationPause(TENANT, customer)).toEqual({
      reason: 'promise to pay on the 15th',
      until: '2026-09-15',
    });
    expect(await store.getAutomationPause(TENANT, await customerOf(other))).toBeNull();

    // A person pauses another company in HubSpot, and resumes the first: both apply.
    hs.userEdit('companies', other, { collections_automation_paused: 'true' });
    hs.userEdit('companies', paused, { collections_automation_paused: 'false' });
    await deliverAndApply();
    expect(await store.getAutomationPause(TENANT, await customerOf(other))).toEqual({
      reason: 'paused in HubSpot',
      until: '2026-10-01',
    });
    expect(await store.getAutomationPause(TENANT, customer)).toBeNull();
  }, 60000);
});
