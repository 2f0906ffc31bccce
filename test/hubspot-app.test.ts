import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { APP_SCOPES } from '../src/adapters/hubspot/properties';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createAccessTokenProvider } from '../src/use-cases/crm-installation';
import { processCrmEvent } from '../src/use-cases/crm-events';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import {
  hubspotAppOptions,
  hubspotTenantResolver,
  openCrmGateway,
  openHubspotOAuth,
  openSecretCipher,
} from '../server/compose';
import { createHttpApp } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const PORTAL = '4242';
const OTHER_TENANT = 'other-portal' as TenantId;
const CLIENT = { clientId: 'collections-client', clientSecret: 'collections-secret' };
const BASE = 'https://collections.example.com';
const AS_OF = '2026-09-01' as CalendarDate;

async function importBook(store: CollectionsStore, tenant: TenantId, crmIdOf: (index: number) => string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-app-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    let index = 0;
    for (const entry of generateDemoDataset({ customers: 12, seed: 9, asOf: AS_OF })) {
      if (entry.file === 'customers.csv') {
        const customer = entry.row as Customer;
        await writer.write({ ...entry, row: { ...customer, crmCompanyId: crmIdOf(index) } });
        index += 1;
      } else await writer.write(entry);
    }
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant });
    if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('HubSpot app: OAuth install, token refresh, webhooks, portal checks (emulator)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  const limiter = createInProcessRateLimiter();
  let config: ReturnType<typeof parseConfig>;
  let app: ReturnType<typeof createHttpApp>;
  const queued: { tenant: TenantId; eventId: string }[] = [];

  beforeAll(async () => {
    hs = await startHubspotEmulator({
      accessToken: null,
      portalId: Number(PORTAL),
      rateLimit: false,
      oauth: { ...CLIENT, accessTokenTtlSeconds: 1800 },
    });
    store = await createPgliteStore();
    await store.migrate();
    config = parseConfig({
      HUBSPOT_CLIENT_ID: CLIENT.clientId,
      HUBSPOT_CLIENT_SECRET: CLIENT.clientSecret,
      HUBSPOT_API_BASE: hs.url,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PUBLIC_BASE_URL: BASE,
    });
    app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: {
        signingSecret: CLIENT.clientSecret,
        publicBaseUrl: BASE,
        revopsUsers: [],
        demoTenant: 'demo' as TenantId,
        today: () => AS_OF,
        resolveTenant: hubspotTenantResolver(config, store),
      },
      hubspotApp: hubspotAppOptions(
        config,
        store,
        (tenant) => openCrmGateway(config, store, tenant, limiter),
        async (tenant, eventId) => {
          queued.push({ tenant, eventId });
        },
      ),
    });
  });

  afterAll(async () => {
    await limiter.close();
    await store.close();
    await hs.close();
  });

  const redirectUri = `${BASE}/oauth/hubspot/callback`;

  const startInstall = async (): Promise<string> => {
    const response = await request(app).get('/oauth/hubspot/install');
    expect(response.status).toBe(302);
    const location = new URL(response.headers['location'] as string);
    expect(location.origin + location.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(location.searchParams.get('redirect_uri')).toBe(redirectUri);
    expect(location.searchParams.get('scope')).toContain('crm.objects.companies.write');
    return location.searchParams.get('state') as string;
  };

  it('installs through OAuth: tokens stored encrypted, properties created, a code used once', async () => {
    const state = await startInstall();
    const code = hs.mintAuthCode({ redirectUri });
    const callback = await request(app).get('/oauth/hubspot/callback').query({ code, state });
    expect(callback.status).toBe(200);
    expect(callback.text).toContain(`Portal ${PORTAL} is connected`);

    const installation = await store.getCrmInstallation('hubspot', PORTAL);
    expect(installation).toMatchObject({ tenant: PORTAL, accountId: PORTAL });
    expect(installation?.accessTokenEnc).toMatch(/^v1\./);
    expect(installation?.refreshTokenEnc).toMatch(/^v1\./);
    // The stored value is not a token the API accepts; the decrypted one is.
    const cipher = openSecretCipher(config);
    const plain = cipher?.decrypt(installation?.accessTokenEnc as string, `hubspot:${PORTAL}:access`);
    expect(plain).toBeDefined();
    expect(installation?.accessTokenEnc).not.toContain(plain as string);
    expect(hs.properties('companies').map((property) => property.name)).toContain('collections_status');

    const reused = await request(app)
      .get('/oauth/hubspot/callback')
      .query({ code, state: await startInstall() });
    expect(reused.status).toBe(400);
    expect(reused.text).toMatch(/refused the grant/);
    const forged = await request(app)
      .get('/oauth/hubspot/callback')
      .query({ code: hs.mintAuthCode({ redirectUri }), state: `${Date.now() + 60000}.nonce.forged` });
    expect(forged.status).toBe(400);
    expect(forged.text).toMatch(/state/);
    const denied = await request(app).get('/oauth/hubspot/callback').query({ error: 'access_denied', state });
    expect(denied.status).toBe(400);
  });

  it('takes an install state once, in whichever process gets the callback', async () => {
    const tokenCalls = () => hs.stats().byRoute['POST /oauth/2026-03/token'] ?? 0;
    // A second server process on the same store.
    const other = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      hubspotApp: hubspotAppOptions(
        config,
        store,
        (tenant) => openCrmGateway(config, store, tenant, limiter),
        () => Promise.resolve(),
      ),
    });
    const state = await startInstall();
    const first = await request(app)
      .get('/oauth/hubspot/callback')
      .query({ code: hs.mintAuthCode({ redirectUri }), state });
    expect(first.status).toBe(200);

    const callsBefore = tokenCalls();
    for (const server of [app, other]) {
      const again = await request(server)
        .get('/oauth/hubspot/callback')
        .query({ code: hs.mintAuthCode({ redirectUri }), state });
      expect(again.status).toBe(400);
      expect(again.text).toContain('state: already used');
    }
    // Refused before the code was exchanged.
    expect(tokenCalls()).toBe(callsBefore);
  });

  it('refuses a signed card request from a portal without an installation (403) and opens no tenant', async () => {
    const stranger = '31337';
    const signedGet = (path: string) => {
      const url = `/api/v1${path}?portalId=${stranger}&userEmail=csm%40example.com`;
      const timestamp = String(Date.now());
      return request(app)
        .get(url)
        .set(
          'X-HubSpot-Signature-v3',
          hubspotSignatureV3(CLIENT.clientSecret, 'GET', `${BASE}${url.replace('%40', '@')}`, '', timestamp),
        )
        .set('X-HubSpot-Request-Timestamp', timestamp);
    };
    const tenantsBefore = await store.listTenants();
    for (const path of ['/rules', '/companies/900/collections', '/session']) {
      const response = await signedGet(path);
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
      expect(response.body).toMatchObject({
        ok: false,
        error: { message: expect.stringContaining(stranger) },
      });
    }
    const pause = `/api/v1/accounts/C-1/pause?portalId=${stranger}&userEmail=csm%40example.com`;
    const body = JSON.stringify({ reason: 'x', until: '2026-12-01' });
    const timestamp = String(Date.now());
    const paused = await request(app)
      .post(pause)
      .set('Content-Type', 'application/json')
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(
          CLIENT.clientSecret,
          'POST',
          `${BASE}${pause.replace('%40', '@')}`,
          body,
          timestamp,
        ),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp)
      .send(body);
    expect(paused.status).toBe(403);
    expect(await store.listTenants()).toEqual(tenantsBefore);
    expect(await store.listEvents(stranger as TenantId)).toEqual([]);
    // Only the default playbook every portal starts with (version 0, never activated): nothing stored.
    expect(
      (await store.listRuleSetVersions(stranger as TenantId)).map((v) => [v.version, v.activatedAt]),
    ).toEqual([[0, null]]);
  });

  it('asks at install for exactly the scopes the app declares', () => {
    const hsmeta = JSON.parse(readFileSync(path.join(__dirname, '..', 'app', 'app-hsmeta.json'), 'utf8')) as {
      config: { auth: { requiredScopes: string[] } };
    };
    expect([...APP_SCOPES].sort()).toEqual([...hsmeta.config.auth.requiredScopes].sort());
  });

  it('refreshes the access token before it expires and keeps working after the old one expired', async () => {
    const oauth = openHubspotOAuth(config);
    const cipher = openSecretCipher(config);
    if (oauth === undefined || cipher === undefined) throw new Error('OAuth not configured');
    const before = await store.getCrmInstallation('hubspot', PORTAL);
    const tokenCalls = () => hs.stats().byRoute['POST /oauth/2026-03/token'] ?? 0;
    const callsBefore = tokenCalls();
    // 27 minutes later the 30-minute token is within the refresh margin.
    const later = () => Date.now() + 27 * 60 * 1000;
    const token = createAccessTokenProvider({
      store,
      oauth,
      cipher,
      locks: createInProcessLocks(),
      now: later,
    });
    const [first, second] = await Promise.all([token(PORTAL as TenantId), token(PORTAL as TenantId)]);
    expect(first).toBe(second);
    const after = await store.getCrmInstallation('hubspot', PORTAL);
    expect(after?.accessTokenEnc).not.toBe(before?.accessTokenEnc);
    expect(after?.expiresAt?.getTime()).toBeGreaterThan(before?.expiresAt?.getTime() ?? 0);
    expect(tokenCalls()).toBe(callsBefore + 1); // one refresh for both callers

    // The old token expires on HubSpot's clock; the gateway (through the composition root) still works.
    hs.clock.advance(1801_000);
    const gateway = await openCrmGateway(config, store, PORTAL as TenantId, limiter);
    const schema = await gateway?.ensureSchema();
    expect(schema?.created).toEqual([]);
    expect(tokenCalls()).toBe(callsBefore + 2); // refused once as expired, refreshed, repeated
    expect(hs.stats().unauthorized).toBeGreaterThan(0);
  });

  it('takes webhook events signed v3 once, in order, from installed portals only', async () => {
    await importBook(store, PORTAL as TenantId, (index) => `${900 + index}`);
    const customerId = await store.findCustomerIdByCrmId(PORTAL as TenantId, '900');
    expect(customerId).toBeDefined();
    const event = (eventId: number, occurredAt: number, value: string, portalId = Number(PORTAL)) => ({
      eventId,
      subscriptionId: 77,
      portalId,
      appId: 1,
      occurredAt,
      subscriptionType: 'object.propertyChange',
      objectTypeId: '0-2',
      objectId: 900,
      propertyName: 'collections_automation_paused',
      propertyValue: value,
      changeSource: 'CRM_UI',
      sourceId: 'userId:123',
      attemptNumber: 0,
    });
    const post = (events: unknown[], secret = CLIENT.clientSecret, timestamp = String(Date.now())) => {
      const body = JSON.stringify(events);
      return request(app)
        .post('/webhooks/hubspot')
        .set('Content-Type', 'application/json')
        .set(
          'X-HubSpot-Signature-v3',
          hubspotSignatureV3(secret, 'POST', `${BASE}/webhooks/hubspot`, body, timestamp),
        )
        .set('X-HubSpot-Request-Timestamp', timestamp)
        .send(body);
    };
    const process = async () => {
      while (queued.length > 0) {
        const next = queued.shift() as { tenant: TenantId; eventId: string };
        await processCrmEvent(store, next.tenant, next.eventId, { today: AS_OF });
      }
    };

    expect((await post([event(1, 2000, 'true')], 'wrong-secret')).status).toBe(401);
    expect(
      (await post([event(1, 2000, 'true')], CLIENT.clientSecret, String(Date.now() - 6 * 60000))).status,
    ).toBe(401);
    expect(queued).toEqual([]);

    const first = await post([event(1, 2000, 'true'), event(2, 2100, 'true', 999999)]);
    expect(first.body).toEqual({ received: 1, duplicates: 0, ignored: 1 });
    await process();
    expect(await store.getAutomationPause(PORTAL as TenantId, customerId as string)).toEqual({
      reason: 'paused in HubSpot',
      until: '2026-10-01',
    });
    // A redelivery is a duplicate; an older change arriving late does not undo a newer one.
    expect((await post([event(1, 2000, 'true')])).body).toEqual({ received: 0, duplicates: 1, ignored: 0 });
    await post([event(3, 1000, 'false')]);
    await process();
    expect(await store.getAutomationPause(PORTAL as TenantId, customerId as string)).not.toBeNull();
    await post([event(4, 3000, 'false')]);
    await process();
    expect(await store.getAutomationPause(PORTAL as TenantId, customerId as string)).toBeNull();
    expect((await store.getWebhookEvent(PORTAL as TenantId, 'hubspot', '3'))?.state).toBe('ignored');

    // A company merged into another moves its billing customer; a deleted one is unmapped.
    await post([
      {
        ...event(5, 4000, ''),
        subscriptionType: 'object.merge',
        objectId: 901,
        primaryObjectId: 950,
        mergedObjectIds: [901],
        newObjectId: 950,
      },
      { ...event(6, 4100, ''), subscriptionType: 'company.deletion', objectId: 902 },
    ]);
    await process();
    const moved = await store.findCustomerIdByCrmId(PORTAL as TenantId, '950');
    expect(moved).toBeDefined();
    expect(await store.findCustomerIdByCrmId(PORTAL as TenantId, '901')).toBeUndefined();
    expect(await store.findCustomerIdByCrmId(PORTAL as TenantId, '902')).toBeUndefined();
  });

  it("refuses a card request for another portal's record (403) and answers its own from the store", async () => {
    await importBook(store, OTHER_TENANT, (index) => `${7000 + index}`);
    const get = (companyId: string) => {
      const url = `/api/v1/companies/${companyId}/collections?portalId=${PORTAL}&userEmail=csm%40example.com`;
      const timestamp = String(Date.now());
      return request(app)
        .get(url)
        .set(
          'X-HubSpot-Signature-v3',
          hubspotSignatureV3(CLIENT.clientSecret, 'GET', `${BASE}${url.replace('%40', '@')}`, '', timestamp),
        )
        .set('X-HubSpot-Request-Timestamp', timestamp);
    };
    const foreign = await get('7001');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const own = await get('903');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ ok: true, data: { asOf: AS_OF } });
    // The card was saved: the next request is a fresh precomputed card.
    const stored = await store.getAccountCardByCrmId(PORTAL as TenantId, '903');
    expect(stored?.cardVersion).toBe(stored?.version);
    expect(stored?.asOf).toBe(AS_OF);
    expect((await get('123456')).body).toMatchObject({ ok: false, error: { code: 'no_billing_data' } });
  });
});
