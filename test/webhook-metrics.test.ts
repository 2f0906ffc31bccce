import pino from 'pino';
import request from 'supertest';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp } from '../server/http/app';
import { createMetrics } from '../server/http/metrics';

const TENANT = 'demo' as TenantId;

/** The value of one series of the webhook counter, read from the Prometheus text. */
function webhookCount(text: string, source: string, status: number): number | undefined {
  const line = text
    .split('\n')
    .find((entry) =>
      entry.startsWith(`collections_webhook_requests_total{source="${source}",status="${status}"} `),
    );
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('webhook metrics', () => {
  let store: CollectionsStore;
  const queue = createInProcessJobQueue();

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await queue.close();
    await store.close();
  });

  it('count every webhook request under its source (stripe, hubspot) and unknown paths as other', async () => {
    const metrics = createMetrics({});
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      metrics,
      billingWebhooks: [
        {
          source: createStripeSource({
            secretKey: 'sk_test_metrics',
            webhookSecret: 'whsec_metrics',
            timeZone: 'UTC',
            crm: 'hubspot',
          }),
          tenant: TENANT,
          queue,
        },
      ],
      hubspotApp: {
        clientSecret: 'hubspot-app-secret',
        publicBaseUrl: 'https://collections.example.com',
        tenantFor: () => TENANT,
        resolveTenant: () => Promise.resolve(undefined),
        onEvent: () => Promise.resolve(),
      },
    });
    const post = (path: string) => request(app).post(path).set('Content-Type', 'application/json').send('[]');

    expect((await post('/webhooks/stripe').set('Stripe-Signature', 't=1,v1=00')).status).toBe(400);
    expect((await post('/webhooks/stripe')).status).toBe(400);
    expect((await post('/webhooks/hubspot')).status).toBe(401);
    expect((await post('/webhooks/made-up-source')).status).toBe(404);

    const text = (await request(app).get('/metrics')).text;
    expect(webhookCount(text, 'stripe', 400)).toBe(2);
    expect(webhookCount(text, 'hubspot', 401)).toBe(1);
    expect(webhookCount(text, 'other', 404)).toBe(1);
    expect(text).not.toContain('source="undefined"');
    expect(text).not.toContain('made-up-source');
  });
});
