import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { CollectionsStore } from '../src/ports/store';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { createHttpApp } from '../server/http/app';
import { monthEnds } from '../server/http/portfolio-api';
import { SESSION_COOKIE, signSession } from '../server/http/workspace-session';
import { apiContract } from './support/api-contract';

const contract = apiContract();

const TENANT = 'demo' as TenantId;
const AS_OF = '2026-09-15' as CalendarDate;

describe('workspace API (local demo mode and embedded sessions)', () => {
  let store: CollectionsStore;
  let demo: ReturnType<typeof createHttpApp>;
  let production: ReturnType<typeof createHttpApp>;
  const sessionSecret = 'workspace-session-secret';

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-workspace-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const entry of generateDemoDataset({ customers: 60, seed: 7, asOf: AS_OF }))
        await writer.write(entry);
      await writer.close();
      const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
      if (!result.ok) throw new Error('import failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await refitTenantRiskModel(store, TENANT, AS_OF);
    const app = (signingSecret: string | undefined) =>
      contract.check(
        createHttpApp({
          store,
          state: { startedAt: Date.now(), demo: { state: 'loaded', tenant: TENANT }, shuttingDown: false },
          logger: pino({ level: 'silent' }),
          api: {
            signingSecret,
            publicBaseUrl: 'https://collections.example.com',
            revopsUsers: [],
            demoTenant: TENANT,
            today: () => AS_OF,
            sessionSecret,
          },
        }),
      );
    demo = app(undefined);
    production = app('hubspot-client-secret');
  }, 120000);

  afterAll(() => store.close());

  it('says who is asking', async () => {
    const session = await request(demo).get('/api/v1/session');
    expect(session.body).toEqual({
      ok: true,
      data: { tenant: TENANT, user: 'local-demo', revops: true, embedded: null },
    });
  });

  it('answers portfolio metrics overall and by a dimension, and a monthly trend', async () => {
    const total = await request(demo).get('/api/v1/portfolio');
    expect(total.body.ok).toBe(true);
    const usd = total.body.data.total.currencies.find(
      (entry: { currency: string }) => entry.currency === 'USD',
    );
    expect(usd.arMinor).toBeGreaterThan(0);
    expect(
      usd.aging.current + usd.aging.d1_30 + usd.aging.d31_60 + usd.aging.d61_90 + usd.aging.d90Plus,
    ).toBe(usd.arMinor);
    const byOwner = await request(demo).get('/api/v1/portfolio?by=owner');
    expect(byOwner.body.data.by).toBe('owner');
    expect(byOwner.body.data.slices.length).toBeGreaterThan(1);
    expect((await request(demo).get('/api/v1/portfolio?by=planet')).status).toBe(422);

    const trend = await request(demo).get('/api/v1/portfolio/trend?months=3');
    expect(trend.body.data.points.map((point: { asOf: string }) => point.asOf)).toEqual([
      '2026-07-31',
      '2026-08-31',
      '2026-09-15',
    ]);
    expect(monthEnds('2026-03-31' as CalendarDate, 3)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
    expect((await request(demo).get('/api/v1/portfolio/trend?months=100')).status).toBe(422);
  });

  it('lists the accounts that most need attention, by risk, overdue or renewal', async () => {
    const byRisk = await request(demo).get('/api/v1/accounts?sort=risk&limit=10');
    const scores = byRisk.body.data.accounts.map((account: { riskScore: number }) => account.riskScore);
    expect(scores).toHaveLength(10);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const byRenewal = await request(demo).get('/api/v1/accounts?sort=renewal&limit=60');
    const days = byRenewal.body.data.accounts
      .map((account: { daysToRenewal: number | null }) => account.daysToRenewal)
      .filter((value: number | null) => value !== null);
    expect([...days].sort((a, b) => a - b)).toEqual(days);
    expect((await request(demo).get('/api/v1/accounts?sort=name')).status).toBe(422);
  });

  it('ranks the worklist by money at risk, filters by owner and situation, pages on the server', async () => {
    type Row = {
      customerId: string;
      owner: string | null;
      situations: string[];
      moneyAtRisk: { minor: number; currency: string };
      outstanding: { minor: number } | null;
      renewalValue: { minor: number };
      openTasks: number;
      paused: unknown;
    };
    const all = await request(demo).get('/api/v1/worklist?limit=200');
    expect(all.body.ok).toBe(true);
    const { currency, owners, total } = all.body.data as {
      currency: string;
      owners: string[];
      total: number;
    };
    const rows = all.body.data.accounts as Row[];
    expect(rows.length).toBe(total);
    expect(total).toBeGreaterThan(0);
    const amounts = rows.map((row) => row.moneyAtRisk.minor);
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
    for (const row of rows) {
      expect(row.moneyAtRisk.currency).toBe(currency);
      expect(row.situations.some((situation) => situation !== 'paused')).toBe(true);
      // Expected loss never exceeds what could be lost: the balance plus the renewal at stake.
      expect(row.moneyAtRisk.minor).toBeLessThanOrEqual(
        (row.outstanding?.minor ?? 0) + row.renewalValue.minor,
      );
    }
    // Owners come from the book, not from the page.
    expect(owners.length).toBeGreaterThan(1);

    const owner = rows.find((row) => row.owner !== null)?.owner as string;
    const mine = await request(demo).get(`/api/v1/worklist?limit=200&owner=${encodeURIComponent(owner)}`);
    expect(mine.body.data.accounts.map((row: Row) => row.customerId)).toEqual(
      rows.filter((row) => row.owner === owner).map((row) => row.customerId),
    );
    const failed = await request(demo).get('/api/v1/worklist?limit=200&situation=failed_payment');
    expect(failed.body.data.accounts.map((row: Row) => row.customerId)).toEqual(
      rows.filter((row) => row.situations.includes('failed_payment')).map((row) => row.customerId),
    );
    expect(failed.body.data.accounts.length).toBeGreaterThan(0);
    const first = await request(demo).get('/api/v1/worklist?limit=3&offset=0');
    const second = await request(demo).get('/api/v1/worklist?limit=3&offset=3');
    expect(
      [...first.body.data.accounts, ...second.body.data.accounts].map((row: Row) => row.customerId),
    ).toEqual(rows.slice(0, 6).map((row) => row.customerId));
    expect(first.body.data.total).toBe(total);
    expect((await request(demo).get('/api/v1/worklist?situation=angry')).status).toBe(422);
    expect((await request(demo).get('/api/v1/worklist?limit=0')).status).toBe(422);
  });

  it('creates a collections task from a worklist row: stored open, audited, shown on the row', async () => {
    const list = await request(demo).get('/api/v1/worklist?limit=1');
    const row = list.body.data.accounts[0] as { customerId: string; openTasks: number };
    const before = await store.listTasks(TENANT, { customerId: row.customerId, state: 'open' });
    const created = await request(demo)
      .post(`/api/v1/accounts/${row.customerId}/tasks`)
      .send({ title: 'Call about the overdue invoices', dueOn: '2026-09-17', priority: 'high' });
    expect(created.body).toMatchObject({ ok: true, task: { customerId: row.customerId, ruleId: 'manual' } });
    const after = await store.listTasks(TENANT, { customerId: row.customerId, state: 'open' });
    expect(after.length).toBe(before.length + 1);
    expect(after.find((task) => task.title === 'Call about the overdue invoices')).toMatchObject({
      assignee: 'local-demo',
      dueOn: '2026-09-17',
      priority: 'high',
      crmTaskId: null,
    });
    const audit = await request(demo).get('/api/v1/audit?limit=5');
    expect(audit.body.data.events[0]).toMatchObject({
      kind: 'task_created',
      subject: row.customerId,
      actor: 'local-demo',
      payload: { ruleId: 'manual' },
    });
    const again = await request(demo).get('/api/v1/worklist?limit=200');
    const updated = again.body.data.accounts.find(
      (entry: { customerId: string }) => entry.customerId === row.customerId,
    );
    expect(updated.openTasks).toBe(before.length + 1);
    const invalid = await request(demo).post(`/api/v1/accounts/${row.customerId}/tasks`).send({ title: '' });
    expect(invalid.status).toBe(422);
  });

  it('shows an account with its timeline, and a pause from the workspace at once', async () => {
    const list = await request(demo).get('/api/v1/accounts?sort=overdue&limit=1');
    const customerId = list.body.data.accounts[0].customerId as string;
    const account = await request(demo).get(`/api/v1/accounts/${customerId}`);
    expect(account.body.data.card.customerId).toBe(customerId);
    const timeline = account.body.data.timeline as { on: string; kind: string }[];
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.map((entry) => entry.on)).toEqual(
      [...timeline.map((entry) => entry.on)].sort().reverse(),
    );
    expect(timeline.some((entry) => entry.kind === 'invoice_issued')).toBe(true);

    const paused = await request(demo)
      .post(`/api/v1/accounts/${customerId}/pause`)
      .send({ reason: 'renewal call on Friday', until: '2026-10-01' });
    expect(paused.body.ok).toBe(true);
    const after = await request(demo).get(`/api/v1/accounts/${customerId}`);
    expect(after.body.data.card.paused).toEqual({ reason: 'renewal call on Friday', until: '2026-10-01' });
    expect(after.body.data.card.statusLabel).toBe('Automation paused');
    const audit = await request(demo).get('/api/v1/audit?limit=5');
    expect(audit.body.data.events[0]).toMatchObject({ kind: 'automation_paused', subject: customerId });
    expect((await request(demo).get('/api/v1/accounts/nobody')).body).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('keeps an embedded session to its one view and record', async () => {
    const list = await request(demo).get('/api/v1/accounts?sort=risk&limit=2');
    const [mine, other] = list.body.data.accounts.map(
      (account: { customerId: string }) => account.customerId,
    );
    const cookie = (session: Partial<Parameters<typeof signSession>[1]> = {}) =>
      `${SESSION_COOKIE}=${encodeURIComponent(
        signSession(sessionSecret, {
          tenant: TENANT,
          user: 'salesforce:005000000000001AAA',
          view: 'account',
          customerId: mine,
          crmRecordId: '001000000000001AAA',
          exp: Math.floor(Date.now() / 1000) + 600,
          ...session,
        }),
      )}`;
    expect((await request(production).get('/api/v1/session')).status).toBe(401);
    const session = await request(production).get('/api/v1/session').set('Cookie', cookie());
    expect(session.body.data).toMatchObject({ revops: false, embedded: { view: 'account', recordId: mine } });
    expect((await request(production).get(`/api/v1/accounts/${mine}`).set('Cookie', cookie())).body.ok).toBe(
      true,
    );
    expect((await request(production).get(`/api/v1/accounts/${other}`).set('Cookie', cookie())).status).toBe(
      403,
    );
    expect((await request(production).get('/api/v1/portfolio').set('Cookie', cookie())).status).toBe(403);
    expect((await request(production).get('/api/v1/rules').set('Cookie', cookie())).status).toBe(403);
    const pause = await request(production)
      .post(`/api/v1/accounts/${other}/pause`)
      .set('Cookie', cookie())
      .send({ reason: 'x', until: '2026-10-01' });
    expect(pause.status).toBe(403);
    // Expired or forged sessions are no sessions.
    expect(
      (
        await request(production)
          .get('/api/v1/session')
          .set('Cookie', cookie({ exp: 1000 }))
      ).status,
    ).toBe(401);
    const forged = cookie().replace(/\.[^.]+$/, '.forged');
    expect((await request(production).get('/api/v1/session').set('Cookie', forged)).status).toBe(401);
    const rules = cookie({ view: 'rules', customerId: null, crmRecordId: null });
    expect((await request(production).get('/api/v1/rules').set('Cookie', rules)).status).toBe(200);
    expect((await request(production).get(`/api/v1/accounts/${mine}`).set('Cookie', rules)).status).toBe(403);
  });
  it('answers the trend after a backdated import with the book as it now is, closed months included', async () => {
    const usdAr = (body: { data: { points: { currencies: { currency: string; arMinor: number }[] }[] } }) =>
      body.data.points.map(
        (point) => point.currencies.find((entry) => entry.currency === 'USD')?.arMinor ?? 0,
      );
    const session = await store.beginImport(TENANT);
    await session.stageCustomers([
      {
        line: 2,
        row: {
          customerId: 'C-TREND',
          name: 'Trend Test Ltd',
          segment: null,
          owner: null,
          paymentTerms: null,
          country: null,
          crmCompanyId: null,
          createdOn: null,
          employees: null,
          fundingStage: null,
        },
      },
    ]);
    await session.stageInvoices([
      {
        line: 2,
        row: {
          invoiceId: 'INV-TREND',
          customerId: 'C-TREND',
          currency: 'USD' as CurrencyCode,
          amountMinor: 123_400,
          issuedOn: '2026-07-05' as CalendarDate,
          dueOn: '2026-08-04' as CalendarDate,
          paidOn: null,
          voidedOn: null,
          subscriptionId: null,
        },
      },
    ]);
    await session.commit();
    const before = await request(demo).get('/api/v1/portfolio/trend?months=3');
    expect(before.body.data.points.map((point: { stale: boolean }) => point.stale)).toEqual([
      false,
      false,
      false,
    ]);

    // The invoice turns out to have been paid on 20 July.
    const payment = await store.beginImport(TENANT);
    await payment.stagePayments([
      {
        line: 2,
        row: {
          paymentId: 'P-TREND',
          invoiceId: 'INV-TREND',
          currency: 'USD' as CurrencyCode,
          amountMinor: 123_400,
          attemptedOn: '2026-07-20' as CalendarDate,
          status: 'succeeded',
          declineCode: null,
          method: 'card',
        },
      },
    ]);
    await payment.commit();
    const after = await request(demo).get('/api/v1/portfolio/trend?months=3');
    const drop = usdAr(before.body).map((ar, index) => ar - (usdAr(after.body)[index] ?? 0));
    expect(drop).toEqual([123_400, 123_400, 123_400]);
    expect(after.body.data.points.map((point: { stale: boolean }) => point.stale)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
