import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { openSalesforceGateway, salesforceAppOptions } from '../server/compose';
import { createHttpApp } from '../server/http/app';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const BASE = 'https://collections.example.com';
const AS_OF = '2026-09-01' as CalendarDate;

/** The token CollectionsLaunch.cls issues (see extensions/salesforce/README.md). */
function launchToken(secret: string, claims: Record<string, unknown>): string {
  const json = Buffer.from(JSON.stringify(claims), 'utf8');
  return `${json.toString('base64url')}.${createHmac('sha256', secret).update(json).digest('base64url')}`;
}

describe('Salesforce app: OAuth with PKCE and the embedded views (emulator)', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  /** A second server process over the same store. */
  let otherProcess: ReturnType<typeof createHttpApp>;
  const locks = createInProcessLocks();
  let org = '';
  let secret = '';
  let tenant = '' as TenantId;
  const accountIds: string[] = [];

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ accessToken: null });
    store = await createPgliteStore();
    await store.migrate();
    const config = parseConfig({
      SALESFORCE_CLIENT_ID: sf.oauthClient.clientId,
      SALESFORCE_CLIENT_SECRET: sf.oauthClient.clientSecret,
      SALESFORCE_LOGIN_URL: sf.url,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PUBLIC_BASE_URL: BASE,
    });
    const options = salesforceAppOptions(
      config,
      (forTenant) => openSalesforceGateway(config, store, forTenant, locks),
      () => AS_OF,
    );
    if (options === undefined) throw new Error('Salesforce app not configured');
    const serverProcess = () =>
      createHttpApp({
        store,
        state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
        logger: pino({ level: 'silent' }),
        salesforceApp: options,
      });
    app = serverProcess();
    otherProcess = serverProcess();
  });

  afterAll(async () => {
    await locks.close();
    await store.close();
    await sf.close();
  });

  it('connects an org: PKCE verifier in an HttpOnly cookie, tokens stored, a launch secret issued once', async () => {
    const install = await request(app).get('/oauth/salesforce/install');
    expect(install.status).toBe(302);
    const location = new URL(install.headers['location'] as string);
    expect(location.pathname).toBe('/services/oauth2/authorize');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    const challenge = location.searchParams.get('code_challenge') as string;
    const state = location.searchParams.get('state') as string;
    const setCookie = String(install.headers['set-cookie']);
    expect(setCookie).toMatch(/collections_sf_pkce=.*HttpOnly/);
    expect(setCookie).not.toContain(challenge);
    const cookie = setCookie.split(';')[0] as string;

    const redirectUri = `${BASE}/oauth/salesforce/callback`;
    const noCookie = await request(app)
      .get('/oauth/salesforce/callback')
      .query({ code: sf.mintAuthCode({ redirectUri, codeChallenge: challenge }), state });
    expect(noCookie.status).toBe(400);
    expect(noCookie.text).toMatch(/PKCE verifier/);

    const callback = await request(app)
      .get('/oauth/salesforce/callback')
      .set('Cookie', cookie)
      .query({ code: sf.mintAuthCode({ redirectUri, codeChallenge: challenge }), state });
    expect(callback.status).toBe(200);
    const match = /Org (\S+) is connected.*Launch_Secret__c = ([A-Za-z0-9_-]+)/.exec(callback.text);
    expect(match).not.toBeNull();
    org = match?.[1] as string;
    secret = match?.[2] as string;
    const installation = await store.getCrmInstallation('salesforce', org);
    expect(installation?.launchSecretEnc).toMatch(/^v1\./);
    expect(installation?.accessTokenEnc).toMatch(/^v1\./);
    tenant = installation?.tenant as TenantId;

    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-app-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 6, seed: 3, asOf: AS_OF })) {
        if (entry.file !== 'customers.csv') await writer.write(entry);
        else {
          const customer = entry.row as Customer;
          const id = sf.createAccount({ Name: customer.customerId });
          accountIds.push(id);
          await writer.write({ ...entry, row: { ...customer, crmCompanyId: id } });
        }
      }
      await writer.close();
      const result = await importDataset(store, createCsvDatasetReader(dir), { tenant });
      expect(result.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens the account view with a launch token from its own org, once, while it is fresh', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = (overrides: Record<string, unknown> = {}) => ({
      org,
      user: '005000000000001AAA',
      view: 'account',
      recordId: accountIds[0],
      iat: now,
      exp: now + 60,
      nonce: randomBytes(16).toString('hex'),
      ...overrides,
    });
    const open = (token: string, view = 'account', on = app) =>
      request(on).get(`/embed/salesforce/${view}`).query({ launch: token });

    const token = launchToken(secret, claims());
    const first = await open(token);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.text).toMatch(/Oldest days past due/);
    const replay = await open(token);
    expect(replay.status).toBe(401);
    expect(replay.text).toMatch(/already used/);
    // Single use across server processes: the store remembers the nonce, not the process.
    expect((await open(token, 'account', otherProcess)).status).toBe(401);
    const elsewhere = launchToken(secret, claims());
    expect((await open(elsewhere, 'account', otherProcess)).status).toBe(200);
    expect((await open(elsewhere)).status).toBe(401);

    expect((await open(launchToken('another-secret', claims()))).status).toBe(401);
    expect((await open(launchToken(secret, claims({ iat: now - 300, exp: now - 240 })))).status).toBe(401);
    expect((await open(launchToken(secret, claims({ exp: now + 3600 })))).status).toBe(401);
    expect((await open(launchToken(secret, claims({ org: '00D000000000999AAA' })))).status).toBe(403);
    expect((await open(launchToken(secret, claims()), 'rules')).status).toBe(403);
    const rules = await open(launchToken(secret, claims({ view: 'rules', recordId: null })), 'rules');
    expect(rules.status).toBe(501);
    const tampered = token.replace(
      /^[^.]+/,
      Buffer.from(JSON.stringify(claims({ recordId: accountIds[1] }))).toString('base64url'),
    );
    expect((await open(tampered)).status).toBe(401);
  });
});
