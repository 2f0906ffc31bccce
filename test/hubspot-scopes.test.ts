import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createSecretCipher } from '../src/adapters/crypto/secret-cipher';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { endpointsNotCovered, HUBSPOT_ENDPOINTS } from '../src/adapters/hubspot/endpoint-scopes';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createHubspotOAuth } from '../src/adapters/hubspot/hubspot-oauth';
import { APP_SCOPES } from '../src/adapters/hubspot/properties';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { IntegrationError } from '../src/ports/crm-gateway';
import type { CollectionsStore } from '../src/ports/store';
import { completeInstall } from '../src/use-cases/crm-installation';
import { syncCrmUnlessPaused } from '../src/use-cases/crm-sync';
import { diagnose } from '../src/use-cases/doctor';
import { createMetrics, syncPausesOf } from '../server/http/metrics';
import { createApiV1 } from '../server/http/api-v1';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { seedHubspotBook } from './support/hubspot-book';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const NOW = Date.parse('2026-09-01T12:00:00Z');
const REDIRECT = 'https://collections.example.com/oauth/hubspot/callback';
const SECRET = 'settings-secret';
const BASE = 'https://collections.example.com';

/** The scopes the app asked for before tasks were read back: no contacts read scope. */
const OLD_SCOPES = APP_SCOPES.filter((scope) => scope !== 'crm.objects.contacts.read');

describe("HubSpot scopes: the app's scopes cover every endpoint the gateway calls", () => {
  it('APP_SCOPES and app-hsmeta.json reach every endpoint of the table', () => {
    const hsmeta = JSON.parse(readFileSync(path.join(__dirname, '..', 'app', 'app-hsmeta.json'), 'utf8')) as {
      config: { auth: { requiredScopes: string[] } };
    };
    expect(endpointsNotCovered(APP_SCOPES)).toEqual([]);
    expect(endpointsNotCovered(hsmeta.config.auth.requiredScopes)).toEqual([]);
    // The tasks batch read (HubSpot's spec: crm.objects.contacts.read) is what the old scopes missed.
    expect(endpointsNotCovered(OLD_SCOPES).map((endpoint) => endpoint.path)).toContain(
      '/crm/v3/objects/tasks/batch/read',
    );
  });
});

describe('HubSpot scopes against the emulator (scopes enforced per endpoint)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  const cipher = createSecretCipher(randomBytes(32));
  const companies: string[] = [];

  const oauth = () => createHubspotOAuth({ ...hs.oauthClient, basePath: hs.url, now: () => NOW });

  const install = (scopes: readonly string[]) =>
    completeInstall(store, oauth(), cipher, {
      code: hs.mintAuthCode({ redirectUri: REDIRECT, scopes: [...scopes] }),
      redirectUri: REDIRECT,
      tenantFor: () => TENANT,
    });

  const tokenOf = async (scopes: readonly string[]) =>
    (await oauth().exchangeCode(hs.mintAuthCode({ redirectUri: REDIRECT, scopes: [...scopes] }), REDIRECT))
      .accessToken;

  const gateway = (accessToken: string) =>
    createHubspotGateway({
      accessToken,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      maxRetries: 2,
      sleep: () => Promise.resolve(),
      timeZones: new Map(),
    });

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: null, rateLimit: false, clock: NOW });
    store = await createPgliteStore();
    await store.migrate();
    companies.push(...(await seedHubspotBook(hs, store, TENANT, AS_OF)));
  }, 120000);

  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  it('with the app scopes every call is accepted, and each one is an endpoint of the table', async () => {
    const crm = gateway(await tokenOf(APP_SCOPES));
    // The status property as an earlier version installed it, before its last value: install adds it.
    hs.defineProperty('companies', {
      name: 'collections_status',
      label: 'Collections status',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'companyinformation',
      options: ['current', 'overdue', 'failed_payment', 'disputed', 'paused'].map((value, index) => ({
        label: value,
        value,
        displayOrder: index,
        hidden: false,
      })),
    });
    hs.resetStats();
    await crm.ensureSchema();
    const companyId = companies[0] as string;
    hs.createTask({ hs_task_subject: 'Earlier task' }, { companyId });
    // An unknown id sends the batch back one record at a time (the PATCH endpoints).
    await crm.updateRecords('companies', [
      { crmId: companyId, properties: { collections_status: 'current' } },
      { crmId: '999999999', properties: { collections_status: 'current' } },
    ]);
    await crm.updateRecords('deals', [{ crmId: '999999998', properties: { collections_buyer_risk: 'low' } }]);
    // Assignees make the owners of the company and the owner with an e-mail be read.
    const created = await crm.createTasks([
      { key: 'scope-k1', companyId, subject: 'Call', body: '', dueMs: NOW, priority: 'HIGH', mayExist: true },
      {
        key: 'scope-k2',
        companyId,
        subject: 'Call',
        body: '',
        dueMs: NOW,
        priority: 'LOW',
        assignee: 'account_owner',
      },
      {
        key: 'scope-k3',
        companyId,
        subject: 'Call',
        body: '',
        dueMs: NOW,
        priority: 'LOW',
        assignee: 'ana@example.com',
      },
    ]);
    expect(created.created).toHaveLength(3);
    await crm.completeTasks(created.created.map((task) => task.crmTaskId));
    await crm.completeTasks(['999999997']);
    const dealId = hs.createDeal({ dealname: 'Scoped deal' }, { companyId });
    expect(await crm.companyOfDeal?.(dealId)).toBe(companyId);

    const routes = Object.keys(hs.stats().byRoute);
    const known = new Set(HUBSPOT_ENDPOINTS.map((endpoint) => `${endpoint.method} ${endpoint.path}`));
    expect(routes.filter((route) => !known.has(route))).toEqual([]);
    expect(hs.stats().byStatus['403']).toBeUndefined();
    // Every endpoint of the table was called here, so the table lists what the gateway does.
    expect([...known].filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('answers a call without its scope with 403 MISSING_SCOPES naming the scope, typed by the gateway', async () => {
    const crm = gateway(await tokenOf(OLD_SCOPES));
    const error = await crm.findTasks([{ key: 'k', companyId: companies[0] as string }]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(IntegrationError);
    expect(error).toMatchObject({ code: 'missing_permission', missingScopes: ['crm.objects.contacts.read'] });
  });

  it('a 403 MISSING_SCOPES after a lost task create pauses the sync for an hour, shown in doctor, /metrics and the settings API; a reinstall with the scopes clears it', async () => {
    const installed = await install(OLD_SCOPES);
    const token = cipher.decrypt(installed.accessTokenEnc as string, `hubspot:${TENANT}:access`);
    // A 5xx after the tasks landed: the gateway reads the company's tasks back before sending again.
    hs.setFaults({
      serverError: {
        trigger: { kind: 'first', count: 1 },
        paths: ['/crm/v3/objects/tasks/batch/create'],
        when: 'after',
      },
    });
    await gateway(token).ensureSchema();
    const report = await syncCrmUnlessPaused(store, gateway(token), TENANT, AS_OF, { now: () => NOW });
    hs.setFaults({});
    expect('stopped' in report && report.stopped).toMatchObject({
      kind: 'reconnect',
      missingScopes: ['crm.objects.contacts.read'],
    });

    const pause = (await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause;
    expect(pause).toMatchObject({
      kind: 'missing_scopes',
      code: 'missing_permission',
      count: 1,
      until: '2026-09-01T13:00:00Z',
      scopes: ['crm.objects.contacts.read'],
    });
    expect(pause?.reason).toContain('missing scopes crm.objects.contacts.read');

    const doctor = await diagnose(store, {
      now: new Date(NOW),
      billingSources: [],
      requiredScopes: { hubspot: APP_SCOPES },
      tenants: [TENANT],
    });
    const findings = doctor.tenants[0]?.integrations.flatMap((integration) => integration.findings) ?? [];
    expect(findings.find((finding) => finding.check === 'crm_reconnect_missing_scopes')?.problem).toContain(
      'missing scopes crm.objects.contacts.read',
    );
    expect(doctor.healthy).toBe(false);

    const metrics = createMetrics({ syncPauses: syncPausesOf(store), now: () => NOW });
    expect(await metrics.registry.metrics()).toContain(
      'collections_crm_sync_paused{crm="hubspot",tenant="4242",state="missing_scopes",missing_scopes="crm.objects.contacts.read"} 1',
    );

    const app = express().use(
      '/api/v1',
      createApiV1({
        store,
        signingSecret: SECRET,
        publicBaseUrl: BASE,
        revopsUsers: [],
        demoTenant: TENANT,
        now: () => NOW,
        today: () => AS_OF,
        resolveTenant: () => Promise.resolve(TENANT),
      }),
    );
    const url = `/api/v1/crm-sync-status?portalId=${TENANT}&userEmail=ana%40example.com`;
    const settings = await request(app)
      .get(url)
      .set('X-HubSpot-Request-Timestamp', String(NOW))
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(SECRET, 'GET', `${BASE}${url.replace('%40', '@')}`, '', String(NOW)),
      );
    expect(settings.status).toBe(200);
    expect(settings.body.connections).toEqual([
      {
        crm: 'hubspot',
        state: {
          kind: 'missing_scopes',
          until: '2026-09-01T13:00:00Z',
          scopes: ['crm.objects.contacts.read'],
        },
      },
    ]);

    // A reinstall granting the app's scopes ends the pause; the next sync runs to the end.
    const reinstalled = await install(APP_SCOPES);
    expect((await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause).toBeNull();
    const fresh = cipher.decrypt(reinstalled.accessTokenEnc as string, `hubspot:${TENANT}:access`);
    const again = await syncCrmUnlessPaused(store, gateway(fresh), TENANT, AS_OF, { now: () => NOW + 60000 });
    expect('stopped' in again && again.stopped).toBeNull();
  }, 60000);
});
