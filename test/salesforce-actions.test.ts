/**
 * The Salesforce package's Flow actions against the real route: each request built and signed the way
 * CollectionsActionClient.cls builds and signs it (replicated here in Node), verified with the org's
 * launch secret as the backend keeps it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createSecretCipher } from '../src/adapters/crypto/secret-cipher';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, TenantId } from '../src/domain/model';
import type { CrmInstallation } from '../src/ports/crm-installations';
import type { CollectionsStore } from '../src/ports/store';
import { ensureLaunchSecret } from '../src/use-cases/crm-installation';
import { importDataset } from '../src/use-cases/import-dataset';
import { createHttpApp, type AppState } from '../server/http/app';

const ORG = '00D000000000001EAA';
const TENANT = ORG as TenantId;
const SECRET = 'test-launch-secret-0123456789abcdef0123456789';
const USER = '005000000000001AAA';
const ACCOUNT = '001000000000001AAA';
const UNMAPPED_ACCOUNT = '001000000000009AAA';
const OPPORTUNITY = '006000000000001AAA';
const AS_OF = '2026-09-01' as CalendarDate;
const NOW_S = Date.parse('2026-09-01T09:00:00Z') / 1000;

type Row = Parameters<Awaited<ReturnType<typeof createCsvDatasetWriter>>['write']>[0];

// ---- CollectionsActionClient.cls, replicated --------------------------------------------------

/** JSON.createGenerator(false): requestId, user, recordId, then the inputs by name, nulls left out. */
function apexBody(requestId: string, recordId: string, inputs: Record<string, string | null>): string {
  const sorted = Object.keys(inputs)
    .sort()
    .filter((name) => inputs[name] !== null)
    .map((name) => [name, inputs[name]]);
  return JSON.stringify({ requestId, user: USER, recordId, inputs: Object.fromEntries(sorted) });
}

/** EncodingUtil.base64Encode(Crypto.generateMac('hmacSHA256', Blob.valueOf(org + '\n' + ts + '\n' + body), key)). */
function apexSignature(secret: string, org: string, timestamp: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${org}\n${timestamp}\n${body}`, 'utf8'))
    .digest('base64');
}

// ---- Tests ------------------------------------------------------------------------------------

describe('Salesforce Flow actions (POST /salesforce/actions/:action, signed as the Apex signs)', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  const cipher = createSecretCipher(randomBytes(32));

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const customer: Customer = {
      customerId: 'cus_sf',
      name: 'Salesforce Co',
      segment: null,
      owner: null,
      paymentTerms: null,
      country: null,
      crmCompanyId: ACCOUNT,
      createdOn: null,
      employees: null,
      fundingStage: null,
    };
    // GBP 800.00 due Aug 12: 20 days past due on Sep 1.
    const invoice: Invoice = {
      invoiceId: 'in_sf',
      customerId: 'cus_sf',
      currency: 'GBP' as Invoice['currency'],
      amountMinor: 80000,
      issuedOn: '2026-07-13' as CalendarDate,
      dueOn: '2026-08-12' as CalendarDate,
      paidOn: null,
      voidedOn: null,
      subscriptionId: null,
    };
    const rows: Row[] = [
      { file: 'customers.csv', row: customer },
      { file: 'invoices.csv', row: invoice },
    ];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-actions-'));
    try {
      const writer = await createCsvDatasetWriter(dir);
      for (const row of rows) await writer.write(row);
      await writer.close();
      const imported = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
      if (!imported.ok) throw new Error(JSON.stringify(imported.problems.slice(0, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const installation: CrmInstallation = {
      tenant: TENANT,
      crm: 'salesforce',
      accountId: ORG,
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    };
    await store.saveCrmInstallation(installation);
    await ensureLaunchSecret(store, cipher, installation, () => SECRET);
    const state: AppState = { startedAt: 0, demo: { state: 'off', tenant: ORG }, shuttingDown: false };
    app = createHttpApp({
      store,
      state,
      logger: pino({ level: 'silent' }),
      salesforceActions: { cipher, today: () => AS_OF, now: () => NOW_S * 1000 },
    });
  }, 60000);

  afterAll(async () => {
    await store.close();
  });

  function post(
    action: string,
    recordId: string,
    inputs: Record<string, string | null>,
    options: { requestId?: string; org?: string; secret?: string; timestamp?: number } = {},
  ) {
    const body = apexBody(options.requestId ?? randomBytes(16).toString('hex'), recordId, inputs);
    const org = options.org ?? ORG;
    const timestamp = String(options.timestamp ?? NOW_S);
    return request(app)
      .post(`/salesforce/actions/${action}`)
      .set('Content-Type', 'application/json')
      .set('X-Collections-Org', org)
      .set('X-Collections-Timestamp', timestamp)
      .set('X-Collections-Signature', apexSignature(options.secret ?? SECRET, org, timestamp, body))
      .send(body);
  }

  it('reads the account status for a Decision element', async () => {
    const response = await post('get-collections-status', ACCOUNT, {});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ok: true,
      outputs: expect.objectContaining({
        status: 'overdue',
        overdue_amount: '800.00',
        currency: 'GBP',
        days_past_due: '20',
        days_to_renewal: '',
        automation_paused: 'false',
      }),
    });
  });

  it('pauses the account once per request id, recorded as the Salesforce user', async () => {
    const requestId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const inputs = { reason: 'Finance review', days: '10', note: null };
    const first = await post('pause-collections', ACCOUNT, inputs, { requestId });
    expect(first.body).toEqual({
      ok: true,
      outputs: { paused_until: '2026-09-11', billing_customer_id: 'cus_sf' },
    });
    const again = await post('pause-collections', ACCOUNT, inputs, { requestId });
    expect(again.body).toEqual(first.body);
    expect((await store.listPauseHistory(TENANT, ['cus_sf'])).get('cus_sf')).toHaveLength(1);
    expect(await store.getAutomationPause(TENANT, 'cus_sf')).toEqual({
      reason: 'Finance review',
      until: '2026-09-11',
    });
    const audited = await store.listEvents(TENANT, { subject: 'cus_sf' });
    expect(audited.filter((event) => event.kind === 'automation_paused')).toEqual([
      expect.objectContaining({
        actor: `salesforce:${USER}`,
        payload: { reason: 'Finance review', until: '2026-09-11' },
      }),
    ]);
  });

  it('records a promise with who made it and the invoices it covers (CollectionsPromiseAction)', async () => {
    const response = await post('record-promise-to-pay', ACCOUNT, {
      amount: '800.00',
      currency: 'GBP',
      promised_date: '2026-09-20',
      made_by: 'Sam Lee, AP',
      invoice_ids: 'in_sf',
      note: null,
    });
    // Grace is the default 3 days: Sep 20 + 3.
    expect(response.body).toEqual({
      ok: true,
      outputs: { promise_id: expect.any(String), promise_deadline: '2026-09-23' },
    });
    const [promise] = await store.listPromises(TENANT, { customerId: 'cus_sf' });
    expect(promise).toMatchObject({
      promiseId: response.body.outputs.promise_id,
      amounts: [{ currency: 'GBP', amountMinor: 80000 }],
      invoiceIds: ['in_sf'],
      madeBy: 'Sam Lee, AP',
      recordedBy: `salesforce:${USER}`,
    });
    const foreign = await post('record-promise-to-pay', ACCOUNT, {
      amount: '10',
      currency: 'GBP',
      promised_date: '2026-09-20',
      invoice_ids: 'in_sf,in_other',
    });
    expect(foreign.body).toEqual({
      ok: false,
      errorCode: 'INVALID_INPUT',
      errorMessage: 'invoice_ids: in_other is not an invoice of cus_sf',
    });
    expect(await store.listPromises(TENANT, { customerId: 'cus_sf' })).toHaveLength(1);
  });

  it('recommends terms on an opportunity for the account the Flow passes as its AccountId', async () => {
    const inputs = { amount: '24000', currency: 'GBP', months: null };
    const withAccount = await post('recommend-payment-terms', OPPORTUNITY, {
      ...inputs,
      company_id: ACCOUNT,
    });
    expect(withAccount.body).toMatchObject({ ok: true, outputs: { buyer: 'customer' } });
    // The 15-character form of the same account id.
    const shortId = await post('recommend-payment-terms', OPPORTUNITY, {
      ...inputs,
      company_id: ACCOUNT.slice(0, 15),
    });
    expect(shortId.body).toMatchObject({ ok: true, outputs: { buyer: 'customer' } });
    const withoutAccount = await post('recommend-payment-terms', OPPORTUNITY, {
      ...inputs,
      company_id: null,
    });
    expect(withoutAccount.body).toMatchObject({ ok: true, outputs: { buyer: 'prospect' } });
    const onAccount = await post('recommend-payment-terms', ACCOUNT, inputs);
    expect(onAccount.body).toMatchObject({ ok: false, errorCode: 'NO_RECORD' });
  });

  it('answers refusals the Flow can branch on', async () => {
    const unmapped = await post('get-collections-status', UNMAPPED_ACCOUNT, {});
    expect(unmapped.body).toEqual({
      ok: false,
      errorCode: 'NO_BILLING_DATA',
      errorMessage: `no billing customer is mapped to company ${UNMAPPED_ACCOUNT}`,
    });
    const bad = await post('pause-collections', ACCOUNT, { reason: 'x', days: '400' });
    expect(bad.body).toEqual({ ok: false, errorCode: 'INVALID_INPUT', errorMessage: 'days: at most 365' });
    const onContact = await post('pause-collections', '003000000000001AAA', { reason: 'x', days: '3' });
    expect(onContact.body).toMatchObject({ ok: false, errorCode: 'NO_RECORD' });
  });

  it('refuses a bad signature, a stale timestamp (401) and an org not connected (403)', async () => {
    const before = await store.listPauseHistory(TENANT);
    const inputs = { reason: 'x', days: '3' };
    expect((await post('pause-collections', ACCOUNT, inputs, { secret: `${SECRET}-not` })).status).toBe(401);
    expect((await post('pause-collections', ACCOUNT, inputs, { timestamp: NOW_S - 301 })).status).toBe(401);
    expect((await post('pause-collections', ACCOUNT, inputs, { timestamp: NOW_S - 299 })).status).toBe(200);
    expect((await post('pause-collections', ACCOUNT, inputs, { org: '00D000000000002EAA' })).status).toBe(
      403,
    );
    const history = (await store.listPauseHistory(TENANT)).get('cus_sf') ?? [];
    expect(history).toHaveLength((before.get('cus_sf') ?? []).length + 1);
  });
});
