import express from 'express';
import request from 'supertest';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createApiV1 } from '../server/http/api-v1';
import { hubspotSignatureV3 } from '../server/http/signed-request';

const TENANT = '4242' as TenantId;
const NOW = Date.parse('2026-09-01T12:00:00Z');
const SECRET = 'status-secret';
const BASE = 'https://collections.example.com';

/** The settings page's CRM connection: a limit's pause that has ended reads as running. */
describe('GET /api/v1/crm-sync-status', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });
  afterAll(() => store.close());

  const statusWith = async (pause: { until: string; reason: string } | null) => {
    const failure =
      pause === null
        ? null
        : { kind: 'limit' as const, code: 'daily_limit' as const, count: 1, scopes: [], ...pause };
    await store.saveCrmInstallation({
      tenant: TENANT,
      crm: 'hubspot',
      accountId: TENANT,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    });
    await store.setCrmSyncPause(TENANT, 'hubspot', failure);
    const app = express().use(
      '/api/v1',
      createApiV1({
        store,
        signingSecret: SECRET,
        publicBaseUrl: BASE,
        revopsUsers: [],
        demoTenant: TENANT,
        now: () => NOW,
        today: () => '2026-09-01' as CalendarDate,
        resolveTenant: () => Promise.resolve(TENANT),
      }),
    );
    const url = `/api/v1/crm-sync-status?portalId=${TENANT}&userEmail=ana@example.com`;
    const response = await request(app)
      .get(url)
      .set('X-HubSpot-Request-Timestamp', String(NOW))
      .set('X-HubSpot-Signature-v3', hubspotSignatureV3(SECRET, 'GET', `${BASE}${url}`, '', String(NOW)));
    expect(response.status).toBe(200);
    return (response.body as { connections: { state: unknown }[] }).connections[0]?.state;
  };

  it('shows a limit pause until it ends, then running', async () => {
    const reason = "HubSpot's daily API limit is reached";
    expect(await statusWith({ until: '2026-09-02T04:00:00Z', reason })).toEqual({
      kind: 'limit',
      until: '2026-09-02T04:00:00Z',
      reason,
    });
    expect(await statusWith({ until: '2026-09-01T04:00:00Z', reason })).toEqual({ kind: 'running' });
    expect(await statusWith(null)).toEqual({ kind: 'running' });
  });
});
