import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, Subscription, TenantId } from '../src/domain/model';
import { DEFAULT_GUARDRAILS } from '../src/domain/terms/default-guardrails';
import type { CrmGateway } from '../src/ports/crm-gateway';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { createHttpApp, type AppState } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const PORTAL = '6161';
const TENANT = PORTAL as TenantId;
const SECRET = 'workflow-client-secret';
const BASE = 'https://collections.example.com';
const TOKEN = 'pat-workflow-actions';
const AS_OF = '2026-09-01' as CalendarDate;
const NOW = Date.parse('2026-09-01T09:00:00Z');

type Row = Parameters<Awaited<ReturnType<typeof createCsvDatasetWriter>>['write']>[0];

function customer(customerId: string, crmCompanyId: string): Row {
  const row: Customer = {
    customerId,
    name: customerId,
    segment: 'smb',
    owner: null,
    paymentTerms: null,
    country: 'US',
    crmCompanyId,
    createdOn: '2025-01-01' as CalendarDate,
    employees: 40,
    fundingStage: null,
  };
  return { file: 'customers.csv', row };
}

function invoice(
  invoiceId: string,
  customerId: string,
  currency: string,
  amountMinor: number,
  issuedOn: string,
  dueOn: string,
  paidOn: string | null = null,
): Row {
  const row: Invoice = {
    invoiceId,
    customerId,
    currency: currency as Invoice['currency'],
    amountMinor,
    issuedOn: issuedOn as CalendarDate,
    dueOn: dueOn as CalendarDate,
    paidOn: paidOn as CalendarDate | null,
    voidedOn: null,
    subscriptionId: null,
  };
  return { file: 'invoices.csv', row };
}

function subscription(customerId: string, renewsOn: string): Row {
  const row: Subscription = {
    subscriptionId: `sub_${customerId}`,
    customerId,
    plan: 'pro',
    currency: 'USD' as Subscription['currency'],
    amountMinor: 120000,
    interval: 'year',
    startedOn: '2025-10-15' as CalendarDate,
    renewsOn: renewsOn as CalendarDate,
    status: 'active',
    canceledOn: null,
  };
  return { file: 'subscriptions.csv', row };
}

async function importRows(store: CollectionsStore, rows: readonly Row[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-workflow-actions-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
    if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A gateway to an emulator, as the composition root opens one for an installed portal. */
function emulatorGateway(emulator: HubspotEmulator, accessToken: string): CrmGateway {
  return createHubspotGateway({
    accessToken,
    limiter: createInProcessRateLimiter(),
    limiterKey: `hubspot:${PORTAL}`,
    basePath: emulator.url,
    rateLimit: { requests: 1000, windowMs: 10000 },
    maxRetries: 3,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    timeZones: new Map(),
  });
}

describe('HubSpot custom workflow actions (signed calls, emulator for the CRM side)', () => {
  let hs: HubspotEmulator;
  /** A portal whose installation was granted no deal or company read scope. */
  let narrow: HubspotEmulator;
  /** Which CRM connection the tenant has while a test runs. */
  let connection: 'full' | 'narrow' | 'none' = 'full';
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  const company: Record<'overdue' | 'current' | 'promise' | 'unmapped', string> = {
    overdue: '',
    current: '',
    promise: '',
    unmapped: '',
  };
  let dealId = '';

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: TOKEN, rateLimit: { requests: 1000, windowMs: 10000 } });
    narrow = await startHubspotEmulator({
      accessToken: TOKEN,
      rateLimit: false,
      privateAppScopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
    });
    store = await createPgliteStore();
    await store.migrate();
    company.overdue = hs.createCompany({ name: 'Overdue Co' });
    company.current = hs.createCompany({ name: 'Current Co' });
    company.promise = hs.createCompany({ name: 'Promise Co' });
    company.unmapped = hs.createCompany({ name: 'Not billed' });
    dealId = hs.createDeal({ dealname: 'Renewal', amount: '24000' }, { companyId: company.overdue });
    // A demo book (no CRM ids) so the risk model and the term evidence have history to learn from.
    const demo = [...generateDemoDataset({ customers: 40, seed: 11, asOf: AS_OF })].map((entry) =>
      entry.file === 'customers.csv'
        ? { ...entry, row: { ...(entry.row as Customer), crmCompanyId: null } }
        : entry,
    );
    await importRows(store, [
      ...demo,
      customer('cus_overdue', company.overdue),
      // USD 1,200.00 due Aug 2 (30 days past due on Sep 1); EUR 50.00 due Aug 20 (12 days).
      invoice('in_usd', 'cus_overdue', 'USD', 120000, '2026-07-03', '2026-08-02'),
      invoice('in_eur', 'cus_overdue', 'EUR', 5000, '2026-07-21', '2026-08-20'),
      subscription('cus_overdue', '2026-10-15'),
      customer('cus_current', company.current),
      invoice('in_paid', 'cus_current', 'USD', 40000, '2026-07-01', '2026-07-31', '2026-07-20'),
      customer('cus_promise', company.promise),
      invoice('in_open', 'cus_promise', 'USD', 50000, '2026-08-01', '2026-08-31'),
    ]);
    await refitTenantRiskModel(store, TENANT, AS_OF);
    await store.saveCrmInstallation({
      tenant: TENANT,
      crm: 'hubspot',
      accountId: PORTAL,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    });
    const state: AppState = { startedAt: NOW, demo: { state: 'off', tenant: PORTAL }, shuttingDown: false };
    app = createHttpApp({
      store,
      state,
      logger: pino({ level: 'silent' }),
      workflowActions: {
        clientSecret: SECRET,
        publicBaseUrl: BASE,
        resolveTenant: async (portalId) => (await store.getCrmInstallation('hubspot', portalId))?.tenant,
        today: () => AS_OF,
        promiseGraceDays: 3,
        now: () => NOW,
        gatewayFor: async (tenant) => {
          if (tenant !== TENANT || connection === 'none') return undefined;
          return emulatorGateway(connection === 'full' ? hs : narrow, TOKEN);
        },
      },
    });
  }, 120000);

  afterAll(async () => {
    await store.close();
    await hs.close();
    await narrow.close();
  });

  afterEach(() => {
    connection = 'full';
  });

  let calls = 0;
  /** A call as HubSpot sends it to the action's actionUrl, signed v3 with the app's client secret. */
  function call(
    action: string,
    input: {
      object?: { objectId: string; objectType: string };
      inputFields?: Record<string, unknown>;
      callbackId?: string;
      portalId?: number;
      secret?: string;
      /** v2 only, as HubSpot's custom action guide documents for these calls. */
      signature?: 'v2' | 'v3';
    },
  ) {
    calls += 1;
    const url = `/hubspot/workflow-actions/${action}`;
    const body = JSON.stringify({
      callbackId: input.callbackId ?? `ap-${PORTAL}-${calls}-1-0`,
      origin: {
        portalId: input.portalId ?? Number(PORTAL),
        actionDefinitionId: 7001,
        actionDefinitionVersion: 1,
      },
      context: { source: 'WORKFLOWS', workflowId: 9001 },
      ...(input.object === undefined
        ? {}
        : { object: { objectId: Number(input.object.objectId), objectType: input.object.objectType } }),
      inputFields: input.inputFields ?? {},
    });
    const timestamp = String(NOW);
    if (input.signature === 'v2')
      return request(app)
        .post(url)
        .set('Content-Type', 'application/json')
        .set('X-HubSpot-Signature-Version', 'v2')
        .set(
          'X-HubSpot-Signature',
          // v2: hex SHA-256 of client secret + method + URI + body (HubSpot's request validation page).
          createHash('sha256')
            .update(`${input.secret ?? SECRET}POST${BASE}${url}${body}`)
            .digest('hex'),
        )
        .send(body);
    return request(app)
      .post(url)
      .set('Content-Type', 'application/json')
      .set('X-HubSpot-Request-Timestamp', timestamp)
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(input.secret ?? SECRET, 'POST', `${BASE}${url}`, body, timestamp),
      )
      .send(body);
  }

  const onCompany = (key: keyof typeof company) => ({ objectId: company[key], objectType: 'COMPANY' });

  it('gets the collections status: main currency, oldest days past due, days to renewal', async () => {
    const response = await call('get-collections-status', { object: onCompany('overdue') });
    expect(response.status).toBe(200);
    const outputs = response.body.outputFields as Record<string, string>;
    expect(outputs).toMatchObject({
      hs_execution_state: 'SUCCESS',
      status: 'overdue',
      // USD owes the most (1,200.00 against EUR 50.00): its overdue amount, never the two added.
      overdue_amount: '1200.00',
      currency: 'USD',
      days_past_due: '30',
      // Sep 1 → Oct 15: 29 days left in September and 15 in October.
      days_to_renewal: '44',
      automation_paused: 'false',
    });
    expect(['low', 'medium', 'high']).toContain(outputs['risk_tier']);
  });

  it('pauses collections for the company: stored once, and a retried callback acts no more', async () => {
    const callbackId = 'ap-6161-pause-1';
    const first = await call('pause-collections', {
      callbackId,
      object: onCompany('current'),
      inputFields: { reason: 'Customer in procurement review', days: '14' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      outputFields: {
        hs_execution_state: 'SUCCESS',
        paused_until: '2026-09-15',
        billing_customer_id: 'cus_current',
      },
    });
    expect(await store.getAutomationPause(TENANT, 'cus_current')).toEqual({
      reason: 'Customer in procurement review',
      until: '2026-09-15',
    });
    // HubSpot retries with the same callback id (here even with other inputs): the first answer again.
    const retry = await call('pause-collections', {
      callbackId,
      object: onCompany('current'),
      inputFields: { reason: 'Changed my mind', days: 30 },
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await store.getAutomationPause(TENANT, 'cus_current')).toEqual({
      reason: 'Customer in procurement review',
      until: '2026-09-15',
    });
    expect((await store.listPauseHistory(TENANT, ['cus_current'])).get('cus_current')).toHaveLength(1);
    const audited = await store.listEvents(TENANT, { subject: 'cus_current' });
    expect(audited.filter((event) => event.kind === 'automation_paused')).toEqual([
      expect.objectContaining({ actor: 'hubspot-workflow' }),
    ]);
  });

  it('writes the pause back to the CRM company on the next sync (emulator)', async () => {
    const gateway = createHubspotGateway({
      accessToken: TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: `hubspot:${PORTAL}`,
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      maxRetries: 3,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    });
    await gateway.ensureSchema();
    await syncCrm(store, gateway, TENANT, AS_OF);
    const paused = hs.object('companies', company.current)?.properties;
    expect(paused?.['collections_automation_paused']).toBe('true');
    expect(paused?.['collections_status']).toBe('paused');
    // What the status action answers is what the CRM holds for the company.
    const overdue = hs.object('companies', company.overdue)?.properties;
    const status = await call('get-collections-status', { object: onCompany('overdue') });
    expect(status.body.outputFields).toMatchObject({
      status: overdue?.['collections_status'],
      risk_tier: overdue?.['collections_risk_tier'],
      overdue_amount: overdue?.['collections_overdue_amount'],
    });
    const after = await call('get-collections-status', { object: onCompany('current') });
    expect(after.body.outputFields).toMatchObject({ status: 'paused', automation_paused: 'true' });
  });

  it('records a promise to pay, with the grace period in its deadline', async () => {
    const response = await call('record-promise-to-pay', {
      object: onCompany('promise'),
      inputFields: { amount: '500.00', currency: 'usd', promised_date: '2026-09-15', note: 'Paying by wire' },
    });
    expect(response.status).toBe(200);
    expect(response.body.outputFields).toMatchObject({
      hs_execution_state: 'SUCCESS',
      promise_deadline: '2026-09-18',
      promise_id: expect.any(String),
    });
    const promises = await store.listPromises(TENANT, { customerId: 'cus_promise' });
    expect(promises).toHaveLength(1);
    expect(promises[0]).toMatchObject({
      promiseId: response.body.outputFields.promise_id,
      amounts: [{ currency: 'USD', amountMinor: 50000 }],
      promisedOn: '2026-09-15',
      graceDays: 3,
      note: 'Paying by wire',
      state: 'open',
    });
  });

  it('takes a HubSpot date property (milliseconds at midnight UTC) as the promised date', async () => {
    const response = await call('record-promise-to-pay', {
      object: onCompany('promise'),
      inputFields: {
        amount: 120,
        currency: 'USD',
        promised_date: String(Date.parse('2026-09-20T00:00:00Z')),
      },
    });
    expect(response.body.outputFields).toMatchObject({ promise_deadline: '2026-09-23' });
  });

  it('records who made a promise and the invoices it covers', async () => {
    const response = await call('record-promise-to-pay', {
      object: onCompany('promise'),
      inputFields: {
        amount: '250.00',
        currency: 'USD',
        promised_date: '2026-09-10',
        made_by: '  Dana Ortiz (AP) ',
        invoice_ids: ' in_open , ',
      },
    });
    expect(response.body.outputFields).toMatchObject({
      hs_execution_state: 'SUCCESS',
      promise_deadline: '2026-09-13',
    });
    const promises = await store.listPromises(TENANT, { customerId: 'cus_promise' });
    expect(
      promises.find((promise) => promise.promiseId === response.body.outputFields.promise_id),
    ).toMatchObject({
      amounts: [{ currency: 'USD', amountMinor: 25000 }],
      invoiceIds: ['in_open'],
      madeBy: 'Dana Ortiz (AP)',
      note: null,
      recordedBy: 'hubspot-workflow',
    });
  });

  it.each([
    ['in_usd', 'invoice_ids: in_usd is not an invoice of cus_promise'],
    ['in_open,in_nope', 'invoice_ids: in_nope is not an invoice of cus_promise'],
  ])("refuses invoice ids %j that are not the account's, recording nothing", async (invoiceIds, message) => {
    const before = await store.listPromises(TENANT, { customerId: 'cus_promise' });
    const response = await call('record-promise-to-pay', {
      object: onCompany('promise'),
      inputFields: { amount: '75', currency: 'USD', promised_date: '2026-09-12', invoice_ids: invoiceIds },
    });
    expect(response.body).toEqual({
      outputFields: {
        hs_execution_state: 'FAIL_CONTINUE',
        error_code: 'INVALID_INPUT',
        error_message: message,
      },
    });
    expect(await store.listPromises(TENANT, { customerId: 'cus_promise' })).toEqual(before);
  });

  it('recommends payment terms for a deal from the company it is given', async () => {
    const labels = DEFAULT_GUARDRAILS.options.map((option) => option.label);
    const known = await call('recommend-payment-terms', {
      object: { objectId: dealId, objectType: 'DEAL' },
      inputFields: { amount: '24000', currency: 'USD', company_id: company.overdue },
    });
    expect(known.status).toBe(200);
    expect(known.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'customer' });
    expect(labels).toContain(known.body.outputFields.recommended_terms);
    expect(['low', 'medium', 'high']).toContain(known.body.outputFields.risk_tier);
    // The given company wins over the deal's own (Overdue Co, primary): one without billing data.
    const given = await call('recommend-payment-terms', {
      object: { objectId: dealId, objectType: 'DEAL' },
      inputFields: { amount: 24000, currency: 'USD', company_id: company.unmapped },
    });
    expect(given.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'prospect' });
    expect(labels).toContain(given.body.outputFields.recommended_terms);
  });

  describe("recommending payment terms from the deal's associated company (associations v4)", () => {
    const terms = (deal: string, inputFields: Record<string, unknown> = {}) =>
      call('recommend-payment-terms', {
        object: { objectId: deal, objectType: 'DEAL' },
        inputFields: { amount: '24000', currency: 'USD', ...inputFields },
      });

    it("takes the deal's primary company when no company id is given (a blank one is none)", async () => {
      const response = await terms(dealId, { company_id: '' });
      expect(response.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'customer' });
    });

    it('prefers the company labelled Primary over one listed before it', async () => {
      const deal = hs.createDeal({ dealname: 'Two companies' });
      hs.associate('deals', deal, 'companies', company.unmapped);
      hs.associate('deals', deal, 'companies', company.current, 5);
      // As HubSpot lists them: the unmapped company first, Current Co (primary, type 5) second.
      expect(hs.associations('deals', deal, 'companies').map((link) => link.toObjectId)).toEqual([
        company.unmapped,
        company.current,
      ]);
      const response = await terms(deal);
      expect(response.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'customer' });
    });

    it('takes the first company when none is labelled Primary', async () => {
      const billed = hs.createDeal({ dealname: 'Unlabelled, billed' });
      hs.associate('deals', billed, 'companies', company.current);
      const unbilled = hs.createDeal({ dealname: 'Unlabelled, not billed' });
      hs.associate('deals', unbilled, 'companies', company.unmapped);
      hs.associate('deals', unbilled, 'companies', company.current);
      expect((await terms(billed)).body.outputFields).toMatchObject({ buyer: 'customer' });
      expect((await terms(unbilled)).body.outputFields).toMatchObject({ buyer: 'prospect' });
    });

    it('treats a deal without a company as a prospect', async () => {
      const lone = hs.createDeal({ dealname: 'New logo' });
      const response = await terms(lone);
      expect(response.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'prospect' });
    });

    it('answers MISSING_SCOPE when the installation may not read deals or companies', async () => {
      connection = 'narrow';
      const response = await terms(dealId);
      expect(response.status).toBe(200);
      expect(response.body.outputFields).toMatchObject({
        hs_execution_state: 'FAIL_CONTINUE',
        error_code: 'MISSING_SCOPE',
      });
      expect(response.body.outputFields.error_message).toContain('crm.objects.deals.read');
      expect(response.body.outputFields.error_message).toContain('give company_id');
      // A company id needs no CRM read.
      const given = await terms(dealId, { company_id: company.overdue });
      expect(given.body.outputFields).toMatchObject({ hs_execution_state: 'SUCCESS', buyer: 'customer' });
    });

    it('answers NOT_AVAILABLE when the portal has no CRM connection to look in', async () => {
      connection = 'none';
      const response = await terms(dealId);
      expect(response.body.outputFields).toEqual({
        hs_execution_state: 'FAIL_CONTINUE',
        error_code: 'NOT_AVAILABLE',
        error_message:
          "the deal's company cannot be looked up: the CRM is not connected for this account; give company_id",
      });
    });
  });

  it.each([
    ['pause-collections', { days: '14' }, 'reason: required'],
    ['pause-collections', { reason: 'x', days: 'two weeks' }, 'days: a whole number of days'],
    ['pause-collections', { reason: 'x', days: '0' }, 'days: at least 1'],
    ['record-promise-to-pay', { amount: '10', currency: 'USD' }, 'promised_date: required'],
    [
      'record-promise-to-pay',
      { amount: '0', currency: 'USD', promised_date: '2026-09-10' },
      'amount: must be more than 0',
    ],
    [
      'record-promise-to-pay',
      { amount: '10', currency: 'USD', promised_date: '2026-02-30' },
      'promised_date: expected a date (YYYY-MM-DD)',
    ],
    [
      'record-promise-to-pay',
      { amount: '10', currency: 'USD', promised_date: '2026-08-01' },
      'promised_date: must not be before today (2026-09-01)',
    ],
  ])('names the bad input of %s %j', async (action, inputFields, message) => {
    const response = await call(action, { object: onCompany('promise'), inputFields });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      outputFields: {
        hs_execution_state: 'FAIL_CONTINUE',
        error_code: 'INVALID_INPUT',
        error_message: message,
      },
    });
  });

  it('names an unknown currency and a bad deal amount', async () => {
    const currency = await call('record-promise-to-pay', {
      object: onCompany('promise'),
      inputFields: { amount: '10', currency: 'XYZ', promised_date: '2026-09-10' },
    });
    expect(currency.body.outputFields).toMatchObject({ error_code: 'INVALID_INPUT' });
    expect(currency.body.outputFields.error_message).toMatch(/^currency: /);
    const amount = await call('recommend-payment-terms', {
      object: { objectId: dealId, objectType: 'DEAL' },
      inputFields: { amount: 'lots', currency: 'USD' },
    });
    expect(amount.body.outputFields.error_message).toMatch(/^amount: /);
  });

  it('says why it did nothing for a company without billing data or a record of another type', async () => {
    const unmapped = await call('pause-collections', {
      object: onCompany('unmapped'),
      inputFields: { reason: 'x', days: '3' },
    });
    expect(unmapped.body.outputFields).toEqual({
      hs_execution_state: 'FAIL_CONTINUE',
      error_code: 'NO_BILLING_DATA',
      error_message: `no billing customer is mapped to company ${company.unmapped}`,
    });
    const onDeal = await call('get-collections-status', { object: { objectId: dealId, objectType: 'DEAL' } });
    expect(onDeal.body.outputFields).toMatchObject({ error_code: 'NO_RECORD' });
  });

  it('refuses a bad signature (401) and a portal without an installation (403), acting on nothing', async () => {
    const before = await store.listPauseHistory(TENANT);
    const forged = await call('pause-collections', {
      object: onCompany('overdue'),
      inputFields: { reason: 'x', days: '3' },
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
    const stranger = await call('pause-collections', {
      portalId: 999,
      object: onCompany('overdue'),
      inputFields: { reason: 'x', days: '3' },
    });
    expect(stranger.status).toBe(403);
    expect(await store.listPauseHistory(TENANT)).toEqual(before);
    expect(await store.getAutomationPause(TENANT, 'cus_overdue')).toBeNull();
  });

  it('takes the v2 signature the custom action guide documents, and refuses a wrong one', async () => {
    const signedV2 = await call('get-collections-status', { object: onCompany('overdue'), signature: 'v2' });
    expect(signedV2.status).toBe(200);
    expect(signedV2.body.outputFields).toMatchObject({ status: 'overdue' });
    const forged = await call('get-collections-status', {
      object: onCompany('overdue'),
      signature: 'v2',
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
  });

  it('answers 404 for an action it does not have', async () => {
    const response = await call('delete-everything', { object: onCompany('overdue') });
    expect(response.status).toBe(404);
  });
});
