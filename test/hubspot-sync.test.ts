import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import type { CollectionsStore } from '../src/ports/store';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { runCollectionsRules } from '../src/use-cases/collections-rules';
import { syncCrm, syncCrmUnlessPaused } from '../src/use-cases/crm-sync';
import { createManualTask } from '../src/use-cases/account-card';
import { recordPromiseToPay } from '../src/use-cases/promises';
import { createAccountRefreshHandler, REFRESH_WINDOW_MS } from '../src/jobs/crm-jobs';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { acceptPaymentTerms } from '../src/use-cases/payment-terms';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const TOKEN = 'pat-test';

async function importRows(
  store: CollectionsStore,
  rows: Parameters<Awaited<ReturnType<typeof createCsvDatasetWriter>>['write']>[0][],
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-hubspot-'));
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

describe('HubSpot install and sync through the official SDK (emulator)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  const crmIds = new Map<string, string>();
  let invoices: Invoice[] = [];

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: TOKEN, rateLimit: { requests: 1000, windowMs: 10000 } });
    store = await createPgliteStore();
    await store.migrate();
    // A demo book whose CRM companies exist in the emulator (the last mapped one is deleted in HubSpot).
    const rows = [...generateDemoDataset({ customers: 60, seed: 4, asOf: AS_OF })].map((entry) => {
      if (entry.file !== 'customers.csv') return entry;
      const customer = entry.row as Customer;
      if (customer.crmCompanyId === null) return entry;
      const id = hs.createCompany({ name: customer.name ?? customer.customerId });
      crmIds.set(customer.customerId, id);
      return { ...entry, row: { ...customer, crmCompanyId: id } };
    });
    invoices = rows.filter((entry) => entry.file === 'invoices.csv').map((entry) => entry.row as Invoice);
    await importRows(store, rows);
    await refitTenantRiskModel(store, TENANT, AS_OF);
    const ruleSet = validateRuleSet(DEFAULT_RULE_SET);
    if (!ruleSet.ok) throw new Error('default rule set');
    await runCollectionsRules(store, TENANT, ruleSet.ruleSet, null, AS_OF);
  }, 120000);

  afterAll(async () => {
    await store.close();
    await hs.close();
  });

  const gateway = (rateLimit = { requests: 1000, windowMs: 10000 }) =>
    createHubspotGateway({
      accessToken: TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit,
      maxRetries: 3,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    });

  it('installs the property group and properties once; a second install writes nothing', async () => {
    const first = await gateway().ensureSchema();
    expect(first.created).toEqual(
      expect.arrayContaining([
        'companies:group',
        'companies.collections_billing_customer_id',
        'deals.collections_recommended_terms',
      ]),
    );
    const unique = hs
      .properties('companies')
      .find((property) => property.name === 'collections_billing_customer_id');
    expect(unique).toMatchObject({ hasUniqueValue: true, groupName: 'collections' });
    hs.resetStats();
    const second = await gateway().ensureSchema();
    expect(second.created).toEqual([]);
    expect(Object.keys(hs.stats().byRoute).every((route) => route.startsWith('GET'))).toBe(true);
  });

  it('writes what the engine says to every mapped company, creates tasks once, and re-syncs with zero writes', async () => {
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(report.stopped).toBeNull();
    expect(report.failed).toEqual([]);
    expect(report.mapped).toBe(crmIds.size);
    expect(report.written).toBe(crmIds.size);
    for (const [customerId, companyId] of crmIds) {
      const status = await getAccountStatus(store, TENANT, customerId, AS_OF);
      const company = hs.object('companies', companyId);
      expect(company?.properties).toMatchObject({
        collections_billing_customer_id: customerId,
        collections_status: status?.status,
        collections_oldest_days_past_due: String(status?.oldestDaysPastDue),
        collections_risk_score: String(status?.risk?.score),
      });
    }
    const open = await store.listTasks(TENANT, { state: 'open' });
    const mappedOpen = open.filter((task) => crmIds.has(task.customerId));
    expect(mappedOpen.length).toBeGreaterThan(0);
    expect(report.tasksCreated).toBe(mappedOpen.length);
    const tasks = hs.objects('tasks');
    expect(tasks).toHaveLength(mappedOpen.length);
    for (const task of mappedOpen) {
      const crmTask = tasks.find(
        (candidate) =>
          candidate.properties['hs_task_subject'] === task.title &&
          candidate.associations.some((a) => a.toObjectId === crmIds.get(task.customerId)),
      );
      expect(crmTask?.associations[0]?.associationTypeIds).toContain(192);
    }

    hs.resetStats();
    const again = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(again.changed).toBe(0);
    expect(again.tasksCreated).toBe(0);
    expect(hs.stats().writes.inputs).toBe(0);
    // Only the companies of open tasks held by a company role are read, 100 a call, to see whether
    // their owner or CSM changed.
    const roleCompanies = new Set(
      mappedOpen
        .filter((task) => ['account_owner', 'csm', 'ae'].includes(task.assignee ?? ''))
        .map((task) => crmIds.get(task.customerId)),
    );
    expect(again.apiRequests).toBe(Math.ceil(roleCompanies.size / 100));
    expect(hs.stats().byRoute['POST /crm/v3/objects/companies/batch/read'] ?? 0).toBe(again.apiRequests);
  });

  it('completes the task and shows the account current once its invoices are paid', async () => {
    const candidates = (await store.listTasks(TENANT, { state: 'open' })).filter(
      (task) => task.crmTaskId !== null && task.ruleId !== 'manual',
    );
    let task: (typeof candidates)[number] | undefined;
    for (const candidate of candidates) {
      const facts = await store.getAccountFacts(TENANT, candidate.customerId);
      if (facts !== undefined && facts.disputes.length === 0) {
        task = candidate;
        break;
      }
    }
    if (task === undefined) throw new Error('no task to resolve');
    const facts = await store.getAccountFacts(TENANT, task.customerId);
    const unpaid = (facts?.invoices ?? []).filter(
      (invoice) => invoice.paidOn === null && invoice.voidedOn === null,
    );
    expect(unpaid.length).toBeGreaterThan(0);
    // Paid in full, the way a billing export reports it.
    const paidSoFar = (invoiceId: string) =>
      (facts?.payments ?? [])
        .filter((payment) => payment.invoiceId === invoiceId)
        .reduce(
          (sum, payment) =>
            sum +
            (payment.status === 'succeeded'
              ? payment.amountMinor
              : payment.status === 'refunded'
                ? -payment.amountMinor
                : 0),
          0,
        );
    await importRows(store, [
      ...unpaid.map((invoice) => ({ file: 'invoices.csv' as const, row: { ...invoice, paidOn: AS_OF } })),
      ...unpaid.map((invoice) => ({
        file: 'payments.csv' as const,
        row: {
          paymentId: `py_settle_${invoice.invoiceId}`,
          invoiceId: invoice.invoiceId,
          currency: invoice.currency,
          amountMinor: invoice.amountMinor - paidSoFar(invoice.invoiceId),
          attemptedOn: AS_OF,
          status: 'succeeded' as const,
          declineCode: null,
          method: 'card',
        },
      })),
    ]);
    const status = await getAccountStatus(store, TENANT, task.customerId, AS_OF);
    expect(status?.status).toBe('current');
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(report.tasksCompleted).toBeGreaterThan(0);
    expect(hs.object('tasks', task.crmTaskId as string)?.properties['hs_task_status']).toBe('COMPLETED');
    const stored = (await store.listTasks(TENANT, { customerId: task.customerId })).find(
      (t) => t.actionId === task.actionId,
    );
    expect(stored?.state).toBe('completed');
    expect(
      hs.object('companies', crmIds.get(task.customerId) as string)?.properties['collections_status'],
    ).toBe('current');
    expect(invoices.length).toBeGreaterThan(0);
  });

  it('refreshes cards and HubSpot from the job after a billing change, writing only that account', async () => {
    let target: { customerId: string; unpaid: Invoice[] } | undefined;
    for (const [customerId] of crmIds) {
      const facts = await store.getAccountFacts(TENANT, customerId);
      const unpaid = (facts?.invoices ?? []).filter(
        (invoice) =>
          invoice.paidOn === null &&
          invoice.voidedOn === null &&
          !(facts?.payments ?? []).some((payment) => payment.invoiceId === invoice.invoiceId),
      );
      if (unpaid.length > 0 && (facts?.disputes.length ?? 0) === 0) {
        target = { customerId, unpaid };
        break;
      }
    }
    if (target === undefined) throw new Error('no account with unpaid invoices');
    const companyId = crmIds.get(target.customerId) as string;
    await syncCrm(store, gateway(), TENANT, AS_OF);
    const before = hs.object('companies', companyId)?.properties['collections_outstanding_amount'];
    expect((await store.listStaleAccountCards(TENANT, AS_OF, 1000)).length).toBe(0);

    await importRows(store, [
      ...target.unpaid.map((invoice) => ({
        file: 'invoices.csv' as const,
        row: { ...invoice, paidOn: AS_OF },
      })),
      ...target.unpaid.map((invoice) => ({
        file: 'payments.csv' as const,
        row: {
          paymentId: `py_job_${invoice.invoiceId}`,
          invoiceId: invoice.invoiceId,
          currency: invoice.currency,
          amountMinor: invoice.amountMinor,
          attemptedOn: AS_OF,
          status: 'succeeded' as const,
          declineCode: null,
          method: 'card',
        },
      })),
    ]);
    expect(await store.listStaleAccountCards(TENANT, AS_OF, 1000)).toEqual([target.customerId]);
    hs.resetStats();
    const summaries: Record<string, unknown>[] = [];
    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => gateway(),
      onDone: (event) => summaries.push(event.summary),
    });
    await handler(
      { tenant: TENANT },
      { jobId: 'refresh-test', attempt: 1, signal: new AbortController().signal },
    );
    expect(summaries[0]).toMatchObject({ stale: 1, written: 1 });
    expect(hs.stats().writes.inputs).toBe(1);
    const after = hs.object('companies', companyId)?.properties['collections_outstanding_amount'];
    expect(after).not.toBe(before);
    const card = await store.getAccountCardByCrmId(TENANT, companyId);
    expect(card?.cardVersion).toBe(card?.version);
    expect(await store.listStaleAccountCards(TENANT, AS_OF, 1000)).toEqual([]);
  });

  it('writes task text that a spreadsheet would run as a formula with an apostrophe in front', async () => {
    const [customerId, companyId] = [...crmIds][2] as [string, string];
    const title = '=HYPERLINK("http://evil.example","Open")';
    const planned = await createManualTask(
      store,
      TENANT,
      companyId,
      { title, body: '@SUM(A1:A9)', dueOn: AS_OF, priority: 'low', assignee: 'csm@example.com' },
      AS_OF,
    );
    expect(planned?.customerId).toBe(customerId);
    await syncCrm(store, gateway(), TENANT, AS_OF);
    const [task] = hs
      .objects('tasks')
      .filter((candidate) =>
        (candidate.properties['hs_task_body'] ?? '').endsWith(`[collections task ${planned?.actionId}]`),
      );
    expect(task?.properties['hs_task_subject']).toBe(`'${title}`);
    expect(task?.properties['hs_task_body']?.startsWith("'@SUM(A1:A9)")).toBe(true);
  });

  it('writes the open promise to pay onto the company, and clears it once none is open', async () => {
    const [customerId, companyId] = [...crmIds][4] as [string, string];
    const recorded = await recordPromiseToPay(
      store,
      TENANT,
      customerId,
      { amounts: [{ currency: 'USD', amount: '12000' }], promisedOn: '2026-09-15', madeBy: 'Jane, AP' },
      'csm@example.com',
      AS_OF,
    );
    expect(recorded.outcome).toBe('recorded');
    await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(hs.object('companies', companyId)?.properties['collections_promise']).toBe(
      'USD 12,000.00 by 2026-09-15',
    );
    // Past the promised day and its grace, the promise no longer holds anything.
    await syncCrm(store, gateway(), TENANT, '2026-10-01' as CalendarDate);
    expect(hs.object('companies', companyId)?.properties['collections_promise'] ?? '').toBe('');
  });

  it('creates a task once when HubSpot created it but the answer was lost', async () => {
    const [customerId, companyId] = [...crmIds][1] as [string, string];
    const planned = await createManualTask(
      store,
      TENANT,
      companyId,
      { title: 'Call about the renewal', dueOn: AS_OF, priority: 'high', assignee: 'csm@example.com' },
      AS_OF,
    );
    expect(planned?.customerId).toBe(customerId);
    const created = '/crm/v3/objects/tasks/batch/create';
    hs.setFaults({ serverError: { trigger: { kind: 'first', count: 1 }, paths: [created], when: 'after' } });
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    const faults = hs.stats().faults;
    hs.clearFaults();
    expect(faults.serverErrors).toBe(1);
    expect(report.failed).toEqual([]);
    const inHubspot = hs
      .objects('tasks')
      .filter((task) =>
        (task.properties['hs_task_body'] ?? '').endsWith(`[collections task ${planned?.actionId}]`),
      );
    expect(inHubspot).toHaveLength(1);
    const stored = (await store.listTasks(TENANT, { customerId })).find(
      (task) => task.actionId === planned?.actionId,
    );
    expect(stored?.crmTaskId).toBe(inHubspot[0]?.id);
  });

  it('finishes a refresh that died after its task creates landed, without a second task', async () => {
    const [customerId, companyId] = [...crmIds][2] as [string, string];
    const planned = await createManualTask(
      store,
      TENANT,
      companyId,
      { title: 'Check the card on file', dueOn: AS_OF, priority: 'medium', assignee: 'csm@example.com' },
      AS_OF,
    );
    const key = `[collections task ${planned?.actionId}]`;
    const created = '/crm/v3/objects/tasks/batch/create';
    // Every create lands and its answer is lost; without retries the refresh fails part way.
    hs.setFaults({ dropConnection: { trigger: { kind: 'always' }, paths: [created], when: 'after' } });
    const noRetries = createHubspotGateway({
      accessToken: TOKEN,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      rateLimit: { requests: 1000, windowMs: 10000 },
      maxRetries: 0,
    });
    const context = { jobId: 'refresh-died', attempt: 1, signal: new AbortController().signal };
    const dying = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => noRetries,
    });
    await expect(dying({ tenant: TENANT }, context)).rejects.toThrow();
    hs.clearFaults();
    const landed = () =>
      hs.objects('tasks').filter((task) => (task.properties['hs_task_body'] ?? '').endsWith(key));
    expect(landed()).toHaveLength(1);
    const left = await store.listCrmSyncPending(TENANT, 'hubspot');
    expect(left.unfinished).toContain(customerId);
    expect(left.tasksToCreate).toContain(customerId);

    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => gateway(),
    });
    await handler({ tenant: TENANT }, { ...context, jobId: 'refresh-again' });
    expect(landed()).toHaveLength(1);
    const stored = (await store.listTasks(TENANT, { customerId })).find(
      (task) => task.actionId === planned?.actionId,
    );
    expect(stored?.crmTaskId).toBe(landed()[0]?.id);
    expect(await store.listCrmSyncPending(TENANT, 'hubspot')).toEqual({ unfinished: [], tasksToCreate: [] });
  });

  it('queues a refresh for later instead of syncing a tenant another worker is syncing', async () => {
    const locks = createInProcessLocks();
    const queue = createInProcessJobQueue();
    hs.resetStats();
    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => gateway(),
      locks,
      queue,
    });
    const context = { jobId: 'refresh-busy', attempt: 1, signal: new AbortController().signal };
    let release = (): void => undefined;
    const held = locks.withLock(`account-refresh:${TENANT}`, { ttlMs: 5000, waitMs: 0 }, () => {
      return new Promise<void>((resolve) => (release = resolve));
    });
    const before = Date.now();
    await handler({ tenant: TENANT }, context);
    const after = Date.now();
    release();
    await held;
    expect(hs.stats().requests).toBe(0);
    // Queued again in the window it gave up in (between the two readings of the clock).
    const states: (string | undefined)[] = [];
    const windowOf = (at: number) => Math.floor(at / REFRESH_WINDOW_MS);
    for (let window = windowOf(before); window <= windowOf(after); window += 1)
      states.push((await queue.getJob(`account-refresh:${TENANT}:${window}`))?.state);
    expect(states).toContain('waiting');
    await queue.close();
  });

  it('pauses the sync at the daily limit until the limit resets, and says so', async () => {
    await store.saveCrmInstallation({
      tenant: TENANT,
      crm: 'hubspot',
      accountId: 'private-app:test',
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    });
    await store.saveCrmSyncState(
      TENANT,
      'hubspot',
      [...crmIds].map(([customerId, crmId]) => ({ customerId, crmId, hash: 'stale' })),
    );
    hs.setDailyLimit(0);
    try {
      const first = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF);
      expect('skipped' in first).toBe(false);
      if ('skipped' in first) return;
      expect(first.stopped?.action).toMatch(/daily API limit/);
      const pause = (await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause;
      expect(Date.parse(pause?.until ?? '')).toBeGreaterThan(Date.now());
      hs.resetStats();
      const second = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF);
      expect(second).toEqual({ skipped: pause });
      expect(hs.stats().requests).toBe(0);
      // The next day the sync runs again.
      const tomorrow = Date.parse(pause?.until ?? '') + 1000;
      hs.setDailyLimit(null);
      const third = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF, { now: () => tomorrow });
      expect('skipped' in third ? null : third.stopped).toBeNull();
      expect((await store.getCrmInstallationForTenant(TENANT, 'hubspot'))?.syncPause).toBeNull();
    } finally {
      hs.setDailyLimit(null);
    }
  });

  it('keeps under the budget, waits out 429s, retries 5xx, and reports records HubSpot rejects', async () => {
    // Make every record change, then sync against a tight limit with faults.
    await store.saveCrmSyncState(
      TENANT,
      'hubspot',
      [...crmIds].map(([customerId, crmId]) => ({ customerId, crmId, hash: 'stale' })),
    );
    const batches = ['/crm/v3/objects/companies/batch/update'];
    hs.setFaults({
      rateLimit: { trigger: { kind: 'first', count: 2 }, paths: batches, retryAfterSeconds: 1 },
      serverError: { trigger: { kind: 'first', count: 1 }, paths: batches },
    });
    const report = await syncCrm(store, gateway({ requests: 5, windowMs: 400 }), TENANT, AS_OF);
    const faults = hs.stats().faults;
    hs.clearFaults();
    expect(report.stopped).toBeNull();
    expect(report.written).toBe(crmIds.size);
    expect(report.failed).toEqual([]);
    expect(report.rateLimited).toBeGreaterThan(0);
    expect(faults.rateLimited).toBe(report.rateLimited);
    expect(faults.serverErrors).toBeGreaterThan(0);
  });

  it('writes accepted payment terms to their deal once', async () => {
    const [customerId, companyId] = [...crmIds][0] as [string, string];
    const dealId = hs.createDeal({ dealname: 'Renewal 2027' }, { companyId });
    const accepted = await acceptPaymentTerms(store, TENANT, {
      dealId,
      query: { kind: 'customer', customerId },
      deal: { amountMinor: 4_800_000, currency: 'USD' as Invoice['currency'], months: 12, billing: null },
      actor: 'ae@example.com',
      asOf: AS_OF,
    });
    expect(accepted.ok).toBe(true);
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(report.dealsWritten).toBe(1);
    expect(hs.object('deals', dealId)?.properties['collections_recommended_terms']).toMatch(
      /net|upfront|autopay/i,
    );
    expect(hs.object('deals', dealId)?.properties['collections_buyer_risk']).toMatch(/^(low|medium|high)$/);
    const again = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(again.dealsWritten).toBe(0);
  });
});
