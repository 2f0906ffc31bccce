import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createSecretCipher } from '../src/adapters/crypto/secret-cipher';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createPgliteStore } from '../src/adapters/postgres';
import { createRedisLocks } from '../src/adapters/redis/locks';
import {
  createSalesforceGateway,
  type SalesforceGatewayOptions,
} from '../src/adapters/salesforce/salesforce-gateway';
import { createSalesforceOAuth } from '../src/adapters/salesforce/salesforce-oauth';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, Invoice, TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import type { CollectionsStore } from '../src/ports/store';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { runCollectionsRules } from '../src/use-cases/collections-rules';
import { createManualTask } from '../src/use-cases/account-card';
import { recordPromiseToPay } from '../src/use-cases/promises';
import { completeInstall, createAccessTokenProvider } from '../src/use-cases/crm-installation';
import { createAccountRefreshHandler } from '../src/jobs/crm-jobs';
import { syncCrm, syncCrmUnlessPaused } from '../src/use-cases/crm-sync';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const TENANT = 'sf-org' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const fast = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

async function importRows(
  store: CollectionsStore,
  tenant: TenantId,
  rows: Parameters<Awaited<ReturnType<typeof createCsvDatasetWriter>>['write']>[0][],
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant });
    if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('Salesforce sync through jsforce (emulator)', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  const accounts = new Map<string, string>();

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ bulkProcessingDelayMs: 10 });
    store = await createPgliteStore();
    await store.migrate();
    const rows = [...generateDemoDataset({ customers: 50, seed: 5, asOf: AS_OF })].map((entry) => {
      if (entry.file !== 'customers.csv') return entry;
      const customer = entry.row as Customer;
      if (customer.crmCompanyId === null) return entry;
      const id = sf.createAccount({ Name: customer.name ?? customer.customerId });
      accounts.set(customer.customerId, id);
      return { ...entry, row: { ...customer, crmCompanyId: id } };
    });
    await importRows(store, TENANT, rows);
    await refitTenantRiskModel(store, TENANT, AS_OF);
    const ruleSet = validateRuleSet(DEFAULT_RULE_SET);
    if (!ruleSet.ok) throw new Error('default rule set');
    await runCollectionsRules(store, TENANT, ruleSet.ruleSet, null, AS_OF);
  }, 120000);

  afterAll(async () => {
    await store.close();
    await sf.close();
  });

  const gateway = (options: Partial<SalesforceGatewayOptions> = {}) =>
    createSalesforceGateway({
      ...sf.connectionConfig(),
      sleep: fast,
      budget: {
        share: 0.1,
        orgPauseAt: 0.8,
        usedToday: () => store.crmApiUsageSince(TENANT, 'salesforce', new Date(Date.now() - 86400000)),
        record: (requests) => store.recordCrmApiUsage(TENANT, 'salesforce', requests, new Date()),
      },
      ...options,
    });

  it('finds the package fields, and says which are missing when the package is not deployed', async () => {
    const schema = await gateway().ensureSchema();
    expect(schema.created).toEqual([]);
    expect(schema.existing).toEqual(
      expect.arrayContaining(['Account.Collections_Status__c', 'Task.Collections_Task_Key__c']),
    );
  });

  it('writes what the engine says to every mapped account, tasks once with their account, re-sync writes nothing', async () => {
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(report.stopped).toBeNull();
    expect(report.failed).toEqual([]);
    expect(report.written).toBe(accounts.size);
    for (const [customerId, accountId] of accounts) {
      const status = await getAccountStatus(store, TENANT, customerId, AS_OF);
      const fields = sf.record(accountId)?.fields;
      expect(fields).toMatchObject({
        Collections_Billing_Customer_Id__c: customerId,
        Collections_Status__c: status?.status,
        Collections_Oldest_Days_Past_Due__c: status?.oldestDaysPastDue,
        Collections_Risk_Score__c: status?.risk?.score,
        Collections_Automation_Paused__c: false,
      });
    }
    const open = (await store.listTasks(TENANT, { state: 'open' })).filter((task) =>
      accounts.has(task.customerId),
    );
    expect(open.length).toBeGreaterThan(0);
    expect(report.tasksCreated).toBe(open.length);
    const tasks = sf.records('Task');
    expect(tasks).toHaveLength(open.length);
    for (const task of open) {
      const crmTask = sf.findByExternalId('Task', 'Collections_Task_Key__c', task.actionId);
      expect(crmTask?.fields).toMatchObject({
        WhatId: accounts.get(task.customerId),
        Subject: task.title.slice(0, 255),
        Status: 'Not Started',
        ActivityDate: task.dueOn,
      });
    }
    sf.resetStats();
    const again = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(again.changed).toBe(0);
    expect(again.tasksCreated).toBe(0);
    expect(sf.stats().records.updated + sf.stats().records.created).toBe(0);
  });

  it("gives a task to the assignee's Salesforce user, found by e-mail", async () => {
    const [customerId, accountId] = [...accounts][2] as [string, string];
    const manual = await createManualTask(
      store,
      TENANT,
      accountId,
      { title: 'Call the CFO', dueOn: AS_OF, priority: 'medium', assignee: 'emulator@example.com' },
      AS_OF,
    );
    expect(manual?.customerId).toBe(customerId);
    await syncCrm(store, gateway(), TENANT, AS_OF);
    const task = sf.findByExternalId('Task', 'Collections_Task_Key__c', manual?.actionId as string);
    expect(task?.fields).toMatchObject({ WhatId: accountId, OwnerId: sf.userId, Priority: 'Normal' });
  });

  it('writes the open promise to pay onto the account, and clears it once none is open', async () => {
    const [customerId, accountId] = [...accounts][3] as [string, string];
    const recorded = await recordPromiseToPay(
      store,
      TENANT,
      customerId,
      { amounts: [{ currency: 'EUR', amount: '12000.50' }], promisedOn: '2026-09-15', madeBy: 'Jane, AP' },
      'csm@example.com',
      AS_OF,
    );
    expect(recorded.outcome).toBe('recorded');
    await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(sf.record(accountId)?.fields['Collections_Promise__c']).toBe('EUR 12,000.50 by 2026-09-15');
    // Past the promised day and its grace, the promise no longer holds anything.
    await syncCrm(store, gateway(), TENANT, '2026-10-01' as CalendarDate);
    expect(sf.record(accountId)?.fields['Collections_Promise__c']).toBeNull();
  });

  it('completes the task and shows the account current once its invoices are paid', async () => {
    let task: Awaited<ReturnType<typeof store.listTasks>>[number] | undefined;
    for (const candidate of await store.listTasks(TENANT, { state: 'open' })) {
      const candidateFacts = await store.getAccountFacts(TENANT, candidate.customerId);
      if (
        candidate.crmTaskId !== null &&
        candidate.ruleId !== 'manual' &&
        candidateFacts?.disputes.length === 0
      ) {
        task = candidate;
        break;
      }
    }
    if (task === undefined) throw new Error('no task to resolve');
    const facts = await store.getAccountFacts(TENANT, task.customerId);
    const unpaid = (facts?.invoices ?? []).filter(
      (invoice) => invoice.paidOn === null && invoice.voidedOn === null,
    );
    const paidSoFar = (invoice: Invoice) =>
      (facts?.payments ?? [])
        .filter((payment) => payment.invoiceId === invoice.invoiceId)
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
    await importRows(store, TENANT, [
      ...unpaid.map((invoice) => ({ file: 'invoices.csv' as const, row: { ...invoice, paidOn: AS_OF } })),
      ...unpaid.map((invoice) => ({
        file: 'payments.csv' as const,
        row: {
          paymentId: `py_sf_${invoice.invoiceId}`,
          invoiceId: invoice.invoiceId,
          currency: invoice.currency,
          amountMinor: invoice.amountMinor - paidSoFar(invoice),
          attemptedOn: AS_OF,
          status: 'succeeded' as const,
          declineCode: null,
          method: 'card',
        },
      })),
    ]);
    const report = await syncCrm(store, gateway(), TENANT, AS_OF);
    expect(report.tasksCompleted).toBeGreaterThan(0);
    expect(sf.record(task.crmTaskId as string)?.fields['Status']).toBe('Completed');
    const status = await getAccountStatus(store, TENANT, task.customerId, AS_OF);
    expect(sf.record(accounts.get(task.customerId) as string)?.fields['Collections_Status__c']).toBe(
      status?.status,
    );
  });

  it('retries locked rows alone, backs off 503s, and writes everything', async () => {
    await store.saveCrmSyncState(
      TENANT,
      'salesforce',
      [...accounts].map(([customerId, crmId]) => ({ customerId, crmId, hash: 'stale' })),
    );
    sf.setFaults({
      lockError: { trigger: { kind: 'everyKth', k: 7 }, objects: ['Account'] },
      serviceUnavailable: { trigger: { kind: 'first', count: 1 }, paths: ['/composite/sobjects'] },
    });
    const sync = gateway();
    const report = await syncCrm(store, sync, TENANT, AS_OF);
    const faults = sf.stats().faults;
    sf.clearFaults();
    expect(faults.lockErrors).toBeGreaterThan(0);
    expect(faults.serviceUnavailable).toBe(1);
    expect(report.failed).toEqual([]);
    expect(report.written).toBe(accounts.size);
    expect(sync.stats().retries).toBeGreaterThan(1);
  });

  it('keeps an account whose row stayed locked for the next refresh, which writes it', async () => {
    const [customerId, accountId] = [...accounts][0] as [string, string];
    await store.saveCrmSyncState(TENANT, 'salesforce', [{ customerId, crmId: accountId, hash: 'stale' }]);
    await store.invalidateAccountCards(TENANT, [customerId]);
    // Every write of an Account row is refused as locked, retries included.
    sf.setFaults({ lockError: { trigger: { kind: 'always' }, objects: ['Account'] } });
    const handler = createAccountRefreshHandler({
      store,
      today: () => AS_OF,
      gatewayFor: async () => gateway(),
    });
    const context = { jobId: 'refresh-locked', attempt: 1, signal: new AbortController().signal };
    try {
      await handler({ tenant: TENANT }, context);
    } finally {
      sf.clearFaults();
    }
    expect((await store.listCrmSyncPending(TENANT, 'salesforce')).unfinished).toEqual([customerId]);
    const hash = async () => (await store.getCrmSyncState(TENANT, 'salesforce')).get(customerId)?.hash;
    expect(await hash()).toBe('stale');

    await handler({ tenant: TENANT }, { ...context, jobId: 'refresh-unlocked' });
    expect(await hash()).not.toBe('stale');
    expect(sf.record(accountId)?.fields['Collections_Billing_Customer_Id__c']).toBe(customerId);
    expect((await store.listCrmSyncPending(TENANT, 'salesforce')).unfinished).toEqual([]);
  });

  it('writes many changes with one Bulk API 2.0 job, and finishes a job a crash left behind', async () => {
    await store.saveCrmSyncState(
      TENANT,
      'salesforce',
      [...accounts].map(([customerId, crmId]) => ({ customerId, crmId, hash: 'stale' })),
    );
    const jobsBefore = sf.bulkJobs().length;
    const report = await syncCrm(store, gateway({ bulkThreshold: 10, bulkPollMs: 20 }), TENANT, AS_OF);
    expect(report.bulkJobs).toHaveLength(1);
    expect(sf.bulkJobs()).toHaveLength(jobsBefore + 1);
    expect(report.written).toBe(accounts.size);
    expect(await store.getCrmBulkJob(TENANT, 'salesforce')).toBeUndefined();

    // A job started, then the process died: the next sync finishes it and records what it wrote.
    const [customerId, accountId] = [...accounts][0] as [string, string];
    const crashed = gateway({ bulkPollMs: 20 });
    const jobId = await crashed.bulk?.start('companies', [
      { crmId: accountId, properties: { collections_status: 'paused' } },
    ]);
    await store.saveCrmBulkJob(TENANT, 'salesforce', {
      jobId: jobId as string,
      type: 'companies',
      entries: [{ customerId, crmId: accountId, hash: 'from-the-crashed-run' }],
    });
    const resumed = await syncCrm(store, gateway({ bulkPollMs: 20 }), TENANT, AS_OF);
    expect(resumed.bulkJobs).toEqual([jobId]);
    expect(await store.getCrmBulkJob(TENANT, 'salesforce')).toBeUndefined();
    // The state the job wrote was recorded, so the account (now different) is written again.
    expect(resumed.written).toBe(1);
  });

  it('keeps to its share of the daily allocation and pauses when the org runs hot', async () => {
    await store.saveCrmInstallation({
      tenant: TENANT,
      crm: 'salesforce',
      accountId: '00Dtestorg',
      accessTokenEnc: null,
      refreshTokenEnc: null,
      expiresAt: null,
      scopes: [],
      installedBy: 'test',
      syncPause: null,
    });
    await store.saveCrmSyncState(
      TENANT,
      'salesforce',
      [...accounts].map(([customerId, crmId]) => ({ customerId, crmId, hash: 'stale' })),
    );
    const { max } = sf.apiUsage();
    sf.setApiUsage(Math.ceil(max * 0.85));
    try {
      const hot = await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF);
      if ('skipped' in hot) throw new Error('should have run');
      expect(hot.stopped?.reason).toMatch(/org has used 85 %/);
      expect(hot.written).toBe(0);
      const pause = (await store.getCrmInstallationForTenant(TENANT, 'salesforce'))?.syncPause;
      expect(Date.parse(pause?.until ?? '')).toBeGreaterThan(Date.now() + 10 * 60000);
      expect(await syncCrmUnlessPaused(store, gateway(), TENANT, AS_OF)).toEqual({ skipped: pause });
    } finally {
      sf.setApiUsage(0);
      await store.setCrmSyncPause(TENANT, 'salesforce', null);
    }
    // Our own share: 10 % of the allocation, counted across syncs.
    const spent = gateway({
      budget: { share: 0.1, orgPauseAt: 0.8, usedToday: async () => max, record: async () => undefined },
    });
    const capped = await syncCrm(store, spent, TENANT, AS_OF);
    expect(capped.stopped?.reason).toMatch(/our share of the org's daily API allocation is used/);
  });
});

describe('Salesforce OAuth: PKCE install, refresh-token rotation across workers, JWT bearer (emulator)', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  const cipher = createSecretCipher(randomBytes(32));
  const redirectUri = 'https://collections.example.com/oauth/salesforce/callback';

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ accessToken: null });
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await sf.close();
  });

  const oauth = () => createSalesforceOAuth({ ...sf.oauthClient, loginUrl: sf.url });

  it('installs with PKCE, stores the tokens encrypted, and refuses a wrong verifier', async () => {
    const verifier = randomBytes(48).toString('base64url');
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(oauth().authorizeUrl({ redirectUri, state: 's1', codeChallenge: challenge }));
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const wrong = sf.mintAuthCode({ redirectUri, codeChallenge: challenge });
    await expect(
      completeInstall(store, oauth(), cipher, {
        code: wrong,
        redirectUri,
        codeVerifier: randomBytes(48).toString('base64url'),
        tenantFor: (org) => org as TenantId,
      }),
    ).rejects.toThrow(/refused the grant/);
    const code = sf.mintAuthCode({ redirectUri, codeChallenge: challenge });
    const installation = await completeInstall(store, oauth(), cipher, {
      code,
      redirectUri,
      codeVerifier: verifier,
      tenantFor: () => TENANT,
    });
    expect(installation.instanceUrl).toBe(sf.url);
    expect(installation.refreshTokenEnc).toMatch(/^v1\./);
    expect((await store.getCrmInstallationForTenant(TENANT, 'salesforce'))?.accountId).toBe(
      installation.accountId,
    );
  });

  it('two workers refreshing at once use the rotated refresh token once; the family stays valid', async () => {
    const redisUrl = process.env.REDIS_URL;
    const locksA = redisUrl ? createRedisLocks({ url: redisUrl }) : createInProcessLocks();
    const locksB = redisUrl ? createRedisLocks({ url: redisUrl }) : locksA;
    try {
      const before = sf.stats().oauth;
      const worker = (locks: typeof locksA) =>
        createAccessTokenProvider({ store, oauth: oauth(), cipher, locks });
      const [a, b] = await Promise.all([
        worker(locksA)(TENANT, { forceRefresh: true }),
        worker(locksB)(TENANT, { forceRefresh: true }),
      ]);
      const after = sf.stats().oauth;
      expect(after.refreshGrants - before.refreshGrants).toBe(1);
      expect(after.refreshTokenReuse).toBe(before.refreshTokenReuse);
      expect(a).toBe(b);
      expect(sf.isAccessTokenValid(a)).toBe(true);
      // The stored refresh token is the rotated one: it still works.
      const next = await worker(locksA)(TENANT, { forceRefresh: true });
      expect(sf.isAccessTokenValid(next)).toBe(true);
      expect(sf.stats().oauth.refreshTokenReuse).toBe(before.refreshTokenReuse);
    } finally {
      await locksA.close();
      if (locksB !== locksA) await locksB.close();
    }
  });

  it('marks the org "reconnect needed" when the session is refused even after a refresh', async () => {
    const rows = [...generateDemoDataset({ customers: 8, seed: 2, asOf: AS_OF })].map((entry) => {
      if (entry.file !== 'customers.csv') return entry;
      const customer = entry.row as Customer;
      return {
        ...entry,
        row: { ...customer, crmCompanyId: sf.createAccount({ Name: customer.customerId }) },
      };
    });
    await importRows(store, TENANT, rows);
    const installation = await store.getCrmInstallationForTenant(TENANT, 'salesforce');
    const provider = createAccessTokenProvider({
      store,
      oauth: oauth(),
      cipher,
      locks: createInProcessLocks(),
    });
    let current = await provider(TENANT);
    const sync = createSalesforceGateway({
      instanceUrl: installation?.instanceUrl ?? sf.url,
      accessToken: current,
      refresh: async () => {
        current = await provider(TENANT, { forceRefresh: true, refused: current });
        return current;
      },
      sleep: fast,
    });
    sf.setFaults({ sessionExpired: { trigger: { kind: 'always' } } });
    try {
      const report = await syncCrmUnlessPaused(store, sync, TENANT, AS_OF);
      if ('skipped' in report) throw new Error('should have run');
      expect(report.stopped?.kind).toBe('reconnect');
    } finally {
      sf.clearFaults();
    }
    const pause = (await store.getCrmInstallationForTenant(TENANT, 'salesforce'))?.syncPause;
    expect(pause).toMatchObject({
      kind: 'reconnect',
      code: 'unauthorized',
      count: 1,
      until: '9999-12-31T00:00:00Z',
    });
  });

  it('connects an integration user with the JWT bearer flow (no refresh token)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    sf.registerJwtPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const tokens = await oauth().jwtBearer({
      username: 'emulator@example.com',
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.instanceUrl).toBe(sf.url);
    expect(sf.isAccessTokenValid(tokens.accessToken)).toBe(true);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(
      oauth().jwtBearer({
        username: 'emulator@example.com',
        privateKeyPem: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      }),
    ).rejects.toThrow(/refused/);
  });
});
