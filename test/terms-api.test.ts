import request from 'supertest';
import pino from 'pino';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { loadDemoDataset } from '../src/use-cases/load-demo-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { DEFAULT_GUARDRAILS } from '../src/domain/terms/default-guardrails';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp, type AppState } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { apiContract } from './support/api-contract';

const contract = apiContract();

const SECRET = 'test-client-secret';
const BASE = 'https://collections.example.com';
const PORTAL = '5151';
const TODAY = '2026-09-01' as CalendarDate;

describe('payment-terms API for the deal card (signed like hubspot.fetch)', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  let customerId: string;
  let companyId: string;
  const now = Date.now();

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-terms-api-'));
    await loadDemoDataset(
      { store, writer: await createCsvDatasetWriter(dir), reader: createCsvDatasetReader(dir) },
      { tenant: PORTAL as TenantId, customers: 150, seed: 8, asOf: TODAY },
    );
    await rm(dir, { recursive: true, force: true });
    await refitTenantRiskModel(store, PORTAL as TenantId, TODAY);
    for await (const facts of store.streamAccountFacts(PORTAL as TenantId)) {
      if (
        facts.customer.segment === 'enterprise' &&
        facts.invoices.length > 0 &&
        facts.customer.crmCompanyId !== null
      ) {
        customerId = facts.customer.customerId;
        companyId = facts.customer.crmCompanyId;
        break;
      }
    }
    const state: AppState = { startedAt: now, demo: { state: 'off', tenant: PORTAL }, shuttingDown: false };
    app = contract.check(
      createHttpApp({
        store,
        state,
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: SECRET,
          publicBaseUrl: BASE,
          revopsUsers: ['ana@example.com'],
          demoTenant: 'demo' as TenantId,
          now: () => now,
          today: () => TODAY,
        },
      }),
    );
  }, 60000);

  afterAll(async () => {
    await store.close();
  });

  function post(path: string, user: string, body: unknown) {
    const url = `/api/v1${path}?portalId=${PORTAL}&userEmail=${encodeURIComponent(user)}`;
    const text = JSON.stringify(body);
    const timestamp = String(now);
    return request(app)
      .post(url)
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(SECRET, 'POST', `${BASE}${url.replace('%40', '@')}`, text, timestamp),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp)
      .set('Content-Type', 'application/json')
      .send(text);
  }

  function get(path: string, user: string) {
    const url = `/api/v1${path}${path.includes('?') ? '&' : '?'}portalId=${PORTAL}&userEmail=${encodeURIComponent(user)}`;
    const timestamp = String(now);
    return request(app)
      .get(url)
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(SECRET, 'GET', `${BASE}${url.replace('%40', '@')}`, '', timestamp),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp);
  }

  it('recommends terms for a deal with a customer or a prospect', async () => {
    const response = await post('/deals/D-1/payment-terms', 'ae@example.com', {
      customerId,
      amount: '90000',
      currency: 'usd',
    });
    expect(response.status).toBe(200);
    expect(response.body.recommendation.recommended).toEqual(expect.any(String));
    expect(response.body.recommendation.options[0].recommended).toBe(true);
    const prospect = await post('/deals/D-2/payment-terms', 'ae@example.com', {
      prospect: { segment: 'enterprise', employees: 2000, fundingStage: 'public', country: 'us' },
      amount: '250000.00',
      currency: 'USD',
      months: 36,
      billing: 'annual',
    });
    expect(prospect.status).toBe(200);
    expect(prospect.body.recommendation.buyer).toMatchObject({ kind: 'prospect', country: 'US' });
  });

  it('answers 422 naming the field for bad input and unknown customers', async () => {
    const cases: [unknown, string][] = [
      [{ customerId, amount: '12.345', currency: 'USD' }, 'amount'],
      [{ customerId, amount: '100', currency: 'ABC' }, 'currency'],
      [{ customerId: 'nobody', amount: '100', currency: 'USD' }, 'customerId'],
      [{ amount: '100', currency: 'USD' }, 'customerId'],
      [{ customerId, amount: '100', currency: 'USD', months: 0 }, 'months'],
      [{ prospect: { employees: -3 }, amount: '100', currency: 'USD' }, 'prospect.employees'],
    ];
    for (const [body, field] of cases) {
      const response = await post('/deals/D-3/payment-terms', 'ae@example.com', body);
      expect({ field, status: response.status }).toEqual({ field, status: 422 });
      expect(response.body.error.path).toBe(field);
    }
  });

  it('records an accepted recommendation (audited) and refuses options the guardrails block', async () => {
    const body = { customerId, amount: '90000', currency: 'USD' };
    const accepted = await post('/deals/D-9/payment-terms/accept', 'ae@example.com', body);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ ok: true, state: 'accepted', overridden: false });
    const blocked = await post('/deals/D-9/payment-terms/accept', 'ae@example.com', {
      ...body,
      optionId: 'card_autopay',
    });
    expect(blocked.status).toBe(422);
    expect(blocked.body.error.path).toBe('optionId');
    const listed = await get('/deals/D-9/payment-terms/accepted', 'ae@example.com');
    expect(listed.body.accepted).toHaveLength(1);
    expect(listed.body.accepted[0]).toMatchObject({ dealId: 'D-9', actor: 'ae@example.com', syncedAt: null });
    const events = await store.listEvents(PORTAL as TenantId, { subject: 'deal:D-9' });
    expect(events.map((event) => event.kind)).toEqual(['payment_terms_accepted']);
  });

  it('accepts terms per deal: a second deal with the same customer, amount and currency is its own acceptance', async () => {
    const body = { customerId, amount: '64000', currency: 'USD' };
    const first = await post('/deals/D-70/payment-terms/accept', 'ae@example.com', body);
    const second = await post('/deals/D-71/payment-terms/accept', 'ae2@example.com', body);
    expect(first.body).toMatchObject({ ok: true, state: 'accepted' });
    expect(second.body).toMatchObject({ ok: true, state: 'accepted' });
    const again = await post('/deals/D-71/payment-terms/accept', 'ae2@example.com', body);
    expect(again.body).toMatchObject({ ok: true, state: 'already_accepted' });

    const listedFirst = await get('/deals/D-70/payment-terms/accepted', 'ae@example.com');
    const listedSecond = await get('/deals/D-71/payment-terms/accepted', 'ae@example.com');
    expect(listedFirst.body.accepted).toEqual([
      expect.objectContaining({ dealId: 'D-70', customerId, actor: 'ae@example.com' }),
    ]);
    expect(listedSecond.body.accepted).toEqual([
      expect.objectContaining({ dealId: 'D-71', customerId, actor: 'ae2@example.com' }),
    ]);
    expect(listedFirst.body.accepted[0].recommendationId).not.toBe(
      listedSecond.body.accepted[0].recommendationId,
    );
    const audited = async (dealId: string) =>
      (await store.listEvents(PORTAL as TenantId, { subject: `deal:${dealId}` })).map((event) => [
        event.kind,
        event.actor,
      ]);
    expect(await audited('D-70')).toEqual([['payment_terms_accepted', 'ae@example.com']]);
    expect(await audited('D-71')).toEqual([['payment_terms_accepted', 'ae2@example.com']]);
    const recommendations = await Promise.all(
      ['D-70', 'D-71'].map((dealId) => post(`/deals/${dealId}/payment-terms`, 'ae@example.com', body)),
    );
    const [idA, idB] = recommendations.map((response) => response.body.recommendation.recommendationId);
    expect(idA).not.toBe(idB);
  });

  it('searches customers for the deal view in the store, one bounded page at a time', async () => {
    const facts = await store.getAccountFacts(PORTAL as TenantId, customerId);
    const name = facts!.customer.name!;
    const typed = name.slice(0, 4).toUpperCase();
    const found = await get(`/customers/search?q=${encodeURIComponent(typed)}&limit=50`, 'ae@example.com');
    expect(found.status).toBe(200);
    const customers = found.body.data.customers as { customerId: string; name: string; currency: string }[];
    expect(customers.map((customer) => customer.customerId)).toContain(customerId);
    for (const customer of customers)
      expect(
        customer.name.toLowerCase().startsWith(typed.toLowerCase()) || customer.customerId.startsWith(typed),
      ).toBe(true);
    expect(customers.find((customer) => customer.customerId === customerId)?.currency).toBe(
      [...facts!.invoices].sort((a, b) => (a.issuedOn < b.issuedOn ? 1 : -1))[0]?.currency ?? null,
    );

    // 150 customers in the book: a page of 5 says there are more; an id prefix finds by id.
    const page = await get('/customers/search?q=&limit=5', 'ae@example.com');
    expect(page.body.data.customers).toHaveLength(5);
    expect(page.body.data.more).toBe(true);
    const byId = await get(`/customers/search?q=${encodeURIComponent(customerId)}`, 'ae@example.com');
    expect(byId.body.data.customers[0].customerId).toBe(customerId);
    // LIKE wildcards are matched as themselves.
    const wildcard = await get('/customers/search?q=%25', 'ae@example.com');
    expect(wildcard.body.data).toEqual({ customers: [], more: false });
    const tooMany = await get('/customers/search?q=a&limit=5000', 'ae@example.com');
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.path).toBe('limit');
  });

  it('lets only RevOps change guardrails, validating them first', async () => {
    const denied = await post('/terms/guardrails/activate', 'ben@example.com', {
      guardrails: DEFAULT_GUARDRAILS,
      note: 'x',
    });
    expect(denied.status).toBe(403);
    const invalid = await post('/terms/guardrails/validate', 'ben@example.com', {
      guardrails: { ...DEFAULT_GUARDRAILS, defaults: { ...DEFAULT_GUARDRAILS.defaults, maxNetDays: -1 } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.path).toBe('guardrails.defaults.maxNetDays');
    const activated = await post('/terms/guardrails/activate', 'ana@example.com', {
      guardrails: DEFAULT_GUARDRAILS,
      note: 'start',
    });
    expect(activated.body).toMatchObject({ ok: true, version: 1 });
    const read = await get('/terms/guardrails', 'ben@example.com');
    expect(read.body.active.version).toBe(1);
  });

  it('serves the company card from the store, with an empty state for unmapped companies', async () => {
    const card = await get(`/companies/${companyId}/collections`, 'csm@example.com');
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ ok: true, data: { customerId, asOf: TODAY } });
    const data = card.body.data as {
      statusVariant: string;
      balances: { outstanding: { text: string }; aging: { bucket: string }[] }[];
      risk: { score: number } | null;
    };
    expect(['success', 'warning', 'danger', 'info']).toContain(data.statusVariant);
    for (const balance of data.balances) {
      expect(balance.outstanding.text).toMatch(/^[A-Z]{3} /);
      expect(balance.aging.map((bucket) => bucket.bucket)).toEqual([
        'current',
        '1-30',
        '31-60',
        '61-90',
        '90+',
      ]);
    }
    expect(data.risk).not.toBeNull();
    const unknown = await get('/companies/999999/collections', 'csm@example.com');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ ok: false, error: { code: 'no_billing_data' } });
  });

  it('creates a task from the card, shown on the card and audited', async () => {
    const created = await post(`/companies/${companyId}/tasks`, 'csm@example.com', {
      title: 'Call about the renewal',
      dueOn: '2026-09-05',
      priority: 'high',
    });
    expect(created.body).toMatchObject({
      ok: true,
      task: { title: 'Call about the renewal', assignee: 'csm@example.com' },
    });
    const bad = await post(`/companies/${companyId}/tasks`, 'csm@example.com', {
      title: '',
      dueOn: '2026-09-05',
    });
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'title' } });
    const card = await get(`/companies/${companyId}/collections`, 'csm@example.com');
    expect((card.body.data as { tasks: { title: string }[] }).tasks.map((task) => task.title)).toContain(
      'Call about the renewal',
    );
  });

  it('recommends terms for a deal by the CRM company, falling back to a prospect when none is mapped', async () => {
    const mapped = await post('/deals/D-50/payment-terms', 'ae@example.com', {
      crmCompanyId: companyId,
      amount: '50000',
      currency: 'USD',
    });
    expect(mapped.body.recommendation.buyer).toMatchObject({ kind: 'customer', customerId });
    const unmapped = await post('/deals/D-51/payment-terms', 'ae@example.com', {
      crmCompanyId: '424242',
      prospect: { segment: 'smb', employees: 20 },
      amount: '5000',
      currency: 'USD',
    });
    expect(unmapped.body.recommendation.buyer).toMatchObject({ kind: 'prospect', segment: 'smb' });
  });
});
