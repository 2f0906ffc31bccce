import pino from 'pino';
import request from 'supertest';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp } from '../server/http/app';
import { apiContract } from './support/api-contract';
import { customer, date, importData, invoice } from './support/ledger-rows';

const contract = apiContract();

const TENANT = 'demo' as TenantId;
const TODAY = '2026-12-07' as CalendarDate;

describe('promises API (local demo mode)', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    await importData(store, TENANT, {
      customers: [customer('C-1', { owner: 'dana' }), customer('C-2')],
      invoices: [
        invoice('INV-1', 'C-1', {
          amountMinor: 1_200_000,
          issuedOn: date('2026-11-01'),
          dueOn: date('2026-11-30'),
        }),
        invoice('INV-9', 'C-2'),
      ],
    });
    app = contract.check(
      createHttpApp({
        store,
        state: { startedAt: Date.now(), demo: { state: 'loaded', tenant: TENANT }, shuttingDown: false },
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: undefined,
          publicBaseUrl: 'https://collections.example.com',
          revopsUsers: [],
          demoTenant: TENANT,
          today: () => TODAY,
          promiseGraceDays: 5,
        },
      }),
    );
  }, 60000);

  afterAll(() => store.close());

  it('records a promise as the signed user, with the configured grace, and lists it', async () => {
    const body = {
      amounts: [{ currency: 'USD', amount: '12000.00' }],
      promisedOn: '2026-12-15',
      invoiceIds: ['INV-1'],
      madeBy: 'Jane, AP',
      note: 'after the board meeting',
    };
    const recorded = await request(app).post('/api/v1/accounts/C-1/promises').send(body);
    expect(recorded.status).toBe(200);
    const promise = {
      promiseId: expect.any(String),
      customerId: 'C-1',
      amounts: [{ minor: 1_200_000, currency: 'USD', text: 'USD 12,000.00' }],
      promisedOn: '2026-12-15',
      deadline: '2026-12-20',
      graceDays: 5,
      invoiceIds: ['INV-1'],
      madeBy: 'Jane, AP',
      note: 'after the board meeting',
      recordedBy: 'local-demo',
      recordedOn: TODAY,
      state: 'open',
      settledOn: null,
      received: [],
    };
    expect(recorded.body).toEqual({ ok: true, data: { recorded: true, promise } });
    const again = await request(app).post('/api/v1/accounts/C-1/promises').send(body);
    expect(again.body.data.recorded).toBe(false);

    const listed = await request(app).get('/api/v1/accounts/C-1/promises?state=open');
    expect(listed.body).toEqual({ ok: true, data: { promises: [promise] } });
    expect((await request(app).get('/api/v1/accounts/C-1/promises?state=broken')).body.data.promises).toEqual(
      [],
    );
    expect((await request(app).get('/api/v1/accounts/C-1/promises?state=late')).status).toBe(422);

    // The account card carries it as open, holding reminders until its deadline.
    const detail = await request(app).get('/api/v1/accounts/C-1');
    expect(detail.body.data.card.promises.open.map((p: { promiseId: string }) => p.promiseId)).toEqual([
      recorded.body.data.promise.promiseId,
    ]);
    expect(detail.body.data.timeline).toContainEqual({
      on: TODAY,
      kind: 'promise_recorded',
      invoiceId: 'INV-1',
      amount: { minor: 1_200_000, currency: 'USD', text: 'USD 12,000.00' },
      text: 'Promise to pay USD 12,000.00 by 2026-12-15 (Jane, AP), recorded by local-demo',
    });

    // The portfolio counts it as promised within the next 30 days; nothing is decided yet.
    const portfolio = await request(app).get('/api/v1/portfolio?by=owner');
    expect(portfolio.body.data.promises).toMatchObject({
      total: { decided: 0, keptRate: null },
      byOwner: [],
      promisedAhead: [{ currency: 'USD', amountMinor: 1_200_000 }],
    });
  });

  it('refuses bad input naming the field, and an unknown account, with 200 and ok: false (as the cards need)', async () => {
    const post = (customerId: string, body: unknown) =>
      request(app)
        .post(`/api/v1/accounts/${customerId}/promises`)
        .send(body as object);
    const valid = { amounts: [{ currency: 'USD', amount: '10.00' }], promisedOn: '2026-12-15' };
    const problem = async (body: unknown) => {
      const answer = await post('C-1', body);
      expect([answer.status, answer.body.ok]).toEqual([200, false]);
      return answer.body.error.path as string;
    };
    expect(await problem({ ...valid, amounts: [] })).toBe('amounts');
    expect(await problem({ ...valid, amounts: [{ currency: 'XYZ', amount: '1' }] })).toBe(
      'amounts.0.currency',
    );
    expect(await problem({ ...valid, amounts: [{ currency: 'USD', amount: '1.001' }] })).toBe(
      'amounts.0.amount',
    );
    expect(await problem({ ...valid, promisedOn: '15/12/2026' })).toBe('promisedOn');
    expect(await problem({ ...valid, invoiceIds: ['INV-9'] })).toBe('invoiceIds.0');
    expect(await problem({ ...valid, madeBy: 7 })).toBe('madeBy');
    const unknown = await post('C-404', valid);
    expect([unknown.status, unknown.body.ok]).toEqual([200, false]);
    expect(unknown.body.error.code).toBe('not_found');
    expect(await store.listPromises(TENANT, { customerId: 'C-404' })).toEqual([]);
  });
});
