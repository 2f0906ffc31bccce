import pino from 'pino';
import request from 'supertest';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp, type AppState } from '../server/http/app';
import { apiContract } from './support/api-contract';

const contract = apiContract();

/** Without a HubSpot signing secret, /api/v1 is a local demo only when no CRM is configured at all. */
describe('/api/v1 without a HubSpot signing secret', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
  });

  function appWith(demo: boolean | undefined) {
    const state: AppState = {
      startedAt: Date.now(),
      demo: { state: 'off', tenant: 'demo' },
      shuttingDown: false,
    };
    return contract.check(
      createHttpApp({
        store,
        state,
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: undefined,
          publicBaseUrl: 'http://127.0.0.1:3000',
          revopsUsers: [],
          demoTenant: 'demo' as TenantId,
          today: () => '2026-03-01' as CalendarDate,
          ...(demo === undefined ? {} : { demo }),
        },
      }),
    );
  }

  it('gives the local demo RevOps rights when no CRM is configured', async () => {
    const response = await request(appWith(undefined)).get('/api/v1/rules');
    expect(response.status).toBe(200);
  });

  it('refuses a caller without a workspace session when a CRM (Salesforce) is configured', async () => {
    const response = await request(appWith(false)).get('/api/v1/rules');
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.body)).toContain('workspace');
  });
});
