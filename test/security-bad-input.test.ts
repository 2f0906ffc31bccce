import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore } from '../src/adapters/postgres';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { createHttpApp } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { apiContract } from './support/api-contract';

const contract = apiContract();

const TENANT = 'demo' as TenantId;
const TODAY = '2026-09-15' as CalendarDate;
const BASE = 'https://collections.example.com';
const HUBSPOT_SECRET = 'bad-input-client-secret';
const INJECTION = "'; DROP TABLE customers; --";
const SCRIPT = '<script>alert(1)</script>';

/** Refused requests must leave the store exactly as it was. */
async function snapshot(store: CollectionsStore) {
  return JSON.stringify({
    counts: await store.counts(TENANT),
    pauses: [...(await store.listAutomationPauses(TENANT)).entries()],
    tasks: await store.listTasks(TENANT),
    acceptances: await store.listTermAcceptances(TENANT),
    events: await store.listEvents(TENANT, { limit: 500 }),
    hubspot: await store.countWebhookEvents(TENANT, 'hubspot'),
    stripe: await store.countWebhookEvents(TENANT, 'stripe'),
  });
}

describe('bad input: too large, not JSON, wrong types, unknown fields, injection strings', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  let customerId: string;
  let companyId: string;
  const now = Date.now();

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-bad-input-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 30, seed: 3, asOf: TODAY }))
        await writer.write(entry);
      await writer.close();
      const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
      if (!result.ok) throw new Error('import failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    for await (const facts of store.streamAccountFacts(TENANT)) {
      if (facts.customer.crmCompanyId !== null && facts.invoices.length > 0) {
        customerId = facts.customer.customerId;
        companyId = facts.customer.crmCompanyId;
        break;
      }
    }
    const source = createStripeSource({
      secretKey: 'sk_test_bad_input',
      webhookSecret: 'whsec_bad_input',
      apiBase: 'http://127.0.0.1:9',
      timeZone: 'UTC',
      crm: 'hubspot',
      maxRequestsPerSecond: 10,
    });
    app = contract.check(
      createHttpApp({
        store,
        state: { startedAt: now, demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
        logger: pino({ level: 'silent' }),
        // Local demo mode (no signing secret): validation is what is under test here.
        api: {
          signingSecret: undefined,
          publicBaseUrl: BASE,
          revopsUsers: [],
          demoTenant: TENANT,
          today: () => TODAY,
        },
        hubspotApp: {
          clientSecret: HUBSPOT_SECRET,
          publicBaseUrl: BASE,
          oauth: {
            crm: 'hubspot',
            authorizeUrl: () => 'https://app.hubspot.com/oauth/authorize',
            exchangeCode: () => Promise.reject(new Error('not in this test')),
            refresh: () => Promise.reject(new Error('not in this test')),
          },
          cipher: { encrypt: (text) => text, decrypt: (text) => text },
          tenantFor: () => TENANT,
          resolveTenant: (portalId) => Promise.resolve(portalId === '777' ? TENANT : undefined),
          onEvent: () => Promise.resolve(),
          now: () => now,
        },
        billingWebhooks: [{ source, tenant: TENANT, queue: createInProcessJobQueue() }],
      }),
    );
  }, 120000);

  afterAll(() => store.close());

  const hubspotWebhook = (raw: string) => {
    const timestamp = String(now);
    return request(app)
      .post('/webhooks/hubspot')
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(HUBSPOT_SECRET, 'POST', `${BASE}/webhooks/hubspot`, raw, timestamp),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp)
      .set('Content-Type', 'application/json')
      .send(raw);
  };

  it('bodies over 1 MB: 413 on the API and both webhooks, nothing written', async () => {
    const before = await snapshot(store);
    const huge = JSON.stringify({ reason: 'x'.repeat(1_100_000), until: '2026-10-01' });
    const api = await request(app)
      .post(`/api/v1/accounts/${customerId}/pause`)
      .set('Content-Type', 'application/json')
      .send(huge);
    expect(api.status).toBe(413);
    expect(api.body).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const events = JSON.stringify(
      Array.from({ length: 6000 }, (_, index) => ({
        eventId: index,
        portalId: 777,
        occurredAt: now,
        subscriptionType: 'company.propertyChange',
        objectId: 1,
        propertyValue: 'y'.repeat(200),
      })),
    );
    expect(events.length).toBeGreaterThan(1_048_576);
    expect((await hubspotWebhook(events)).status).toBe(413);
    const stripe = await request(app)
      .post('/webhooks/stripe')
      .set('Stripe-Signature', 't=1,v1=00')
      .set('Content-Type', 'application/json')
      .send(huge);
    expect(stripe.status).toBe(413);
    expect(await snapshot(store)).toBe(before);
  });

  it('malformed JSON: 400, nothing written', async () => {
    const before = await snapshot(store);
    for (const route of [`/api/v1/accounts/${customerId}/pause`, '/api/v1/rules/validate']) {
      const answer = await request(app)
        .post(route)
        .set('Content-Type', 'application/json')
        .send('{"reason": "x", until: ');
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ ok: false, error: { code: 'invalid_json' } });
    }
    const hubspot = await hubspotWebhook('[{"eventId": 1,');
    expect(hubspot.status).toBe(400);
    const stripe = await request(app)
      .post('/webhooks/stripe')
      .set('Stripe-Signature', 't=1,v1=00')
      .send('{not json');
    expect(stripe.status).toBe(400);
    expect(await snapshot(store)).toBe(before);
  });

  it('card task route: wrong types and unknown fields are named, nothing written', async () => {
    const before = await snapshot(store);
    const post = (body: string | object) =>
      request(app).post(`/api/v1/companies/${companyId}/tasks`).send(body);
    expect((await post({ title: 5, dueOn: '2026-09-20' })).body).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', path: 'title' },
    });
    expect((await post({ title: 'Call', dueOn: 20260920 })).body).toMatchObject({
      ok: false,
      error: { path: 'dueOn' },
    });
    expect((await post({ title: 'Call', dueOn: '2026-09-20', priority: 'urgent' })).body).toMatchObject({
      ok: false,
      error: { path: 'priority' },
    });
    const unknown = await post({ title: 'Call', dueOn: '2026-09-20', assignee: 'boss@example.com' });
    expect(unknown.body).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(unknown.body.error.message).toContain('assignee');
    expect((await post([1, 2, 3])).body).toMatchObject({ ok: false });
    expect((await post('title=Call')).body).toMatchObject({ ok: false });
    expect(await snapshot(store)).toBe(before);
  });

  it('pause route: wrong types are named, nothing written; unknown fields are dropped, never stored', async () => {
    const before = await snapshot(store);
    const post = (body: string | object) =>
      request(app).post(`/api/v1/accounts/${customerId}/pause`).send(body);
    expect((await post({ reason: 42, until: '2026-10-01' })).body).toMatchObject({
      ok: false,
      error: { path: 'reason' },
    });
    expect((await post({ reason: 'x', until: 'next week' })).body).toMatchObject({
      ok: false,
      error: { path: 'until' },
    });
    expect((await post({ reason: 'x', until: '2020-01-01' })).body).toMatchObject({
      ok: false,
      error: { path: 'until' },
    });
    expect((await post({ reason: ' ', until: '2026-10-01' })).body).toMatchObject({
      ok: false,
      error: { path: 'reason' },
    });
    expect(await snapshot(store)).toBe(before);
    // An unknown field (here a forged actor) is refused by name, and nothing is written.
    const extra = await post({ reason: 'call Friday', until: '2026-10-01', actor: 'ceo@example.com' });
    expect(extra.body).toMatchObject({ ok: false, error: { path: 'actor' } });
    expect(await snapshot(store)).toBe(before);
    const [event] = await store.listEvents(TENANT, { subject: customerId, limit: 1 });
    expect(JSON.stringify(event ?? {})).not.toContain('ceo@example.com');
  });

  it('deal terms route: wrong types and unknown fields → 422 naming the field, nothing written', async () => {
    const before = await snapshot(store);
    const deal = { customerId, amount: '120000.00', currency: 'USD', months: 12 };
    const cases: [object, string][] = [
      [{ ...deal, amount: 120000 }, 'amount'],
      [{ ...deal, amount: '-5' }, 'amount'],
      [{ ...deal, currency: 'XXQ' }, 'currency'],
      [{ ...deal, months: 'twelve' }, 'months'],
      [{ ...deal, months: 1000 }, 'months'],
      [{ ...deal, billing: 'weekly' }, 'billing'],
      [{ ...deal, customerId: 7 }, 'customerId'],
      [{ ...deal, prospect: { name: 'x' } }, 'customerId'],
      [{ ...deal, prospect: undefined, customerId: undefined, crmCompanyId: undefined }, 'customerId'],
    ];
    for (const [body, field] of cases) {
      for (const route of ['/api/v1/deals/d1/payment-terms', '/api/v1/deals/d1/payment-terms/accept']) {
        const answer = await request(app).post(route).send(body);
        expect({ route, field, status: answer.status, path: answer.body.error?.path }).toEqual({
          route,
          field,
          status: 422,
          path: field,
        });
      }
    }
    const unknown = await request(app)
      .post('/api/v1/deals/d1/payment-terms/accept')
      .send({ ...deal, optionId: 'net30', discount: 50 });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toContain('discount');
    expect(await snapshot(store)).toBe(before);
  });

  it('injection strings in ids and text are refused or stored and returned inertly', async () => {
    const customersBefore = (await store.counts(TENANT)).customers;
    const id = encodeURIComponent(INJECTION);
    expect((await request(app).get(`/api/v1/accounts/${id}`)).body).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: `no account ${INJECTION}` },
    });
    expect(
      (await request(app).post(`/api/v1/accounts/${id}/pause`).send({ reason: 'x', until: '2026-10-01' }))
        .body,
    ).toMatchObject({ ok: false });
    expect((await request(app).get(`/api/v1/companies/${id}/collections`)).body).toMatchObject({
      ok: false,
      error: { code: 'no_billing_data' },
    });
    const terms = await request(app)
      .post(`/api/v1/deals/${encodeURIComponent(SCRIPT)}/payment-terms`)
      .send({ customerId: INJECTION, amount: '100.00', currency: 'USD' });
    expect(terms.status).toBe(422);

    // Stored verbatim as data, returned as JSON (never HTML, never sniffed).
    const title = `${SCRIPT} ${INJECTION}`;
    const task = await request(app)
      .post(`/api/v1/companies/${companyId}/tasks`)
      .send({ title, dueOn: '2026-09-20', body: INJECTION });
    expect(task.body).toMatchObject({ ok: true, task: { title } });
    expect(task.headers['content-type']).toMatch(/^application\/json/);
    expect(task.headers['x-content-type-options']).toBe('nosniff');
    const pause = await request(app)
      .post(`/api/v1/accounts/${customerId}/pause`)
      .send({ reason: `${SCRIPT}${INJECTION}`, until: '2026-10-01' });
    expect(pause.body.ok).toBe(true);
    const account = await request(app).get(`/api/v1/accounts/${customerId}`);
    expect(account.body.data.card.paused.reason).toBe(`${SCRIPT}${INJECTION}`);
    expect(account.body.data.card.tasks.map((entry: { title: string }) => entry.title)).toContain(title);
    await request(app).delete(`/api/v1/accounts/${customerId}/pause`);

    // The tables are all still there, with their rows.
    expect((await store.counts(TENANT)).customers).toBe(customersBefore);
    expect(await store.getAccountFacts(TENANT, customerId)).toBeDefined();
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  it('HTML pages escape what they echo: the OAuth error page with error=<script>', async () => {
    const answer = await request(app)
      .get('/oauth/hubspot/callback')
      .query({ error: `${SCRIPT}"><img src=x onerror=alert(1)>` });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).not.toContain('<script>');
    expect(answer.text).not.toContain('<img');
    expect(answer.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    // And even if something slipped through, the page's CSP allows no script at all.
    expect(answer.headers['content-security-policy']).toContain("script-src 'none'");
  });
});
