import { generateKeyPairSync } from 'node:crypto';
import {
  createSalesforceGateway,
  type SalesforceBudget,
  type SalesforceGatewayOptions,
} from '../src/adapters/salesforce/salesforce-gateway';
import { createSalesforceOAuth, jwtAudienceFor } from '../src/adapters/salesforce/salesforce-oauth';
import { IntegrationError } from '../src/ports/crm-gateway';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const instant = () => Promise.resolve();

/** Our own count of requests, as the store keeps it for the budget. */
function countingBudget(share = 0.5, orgPauseAt = 0.8): SalesforceBudget & { recorded: () => number } {
  let used = 0;
  return {
    share,
    orgPauseAt,
    usedToday: () => Promise.resolve(used),
    record: (requests) => {
      used += requests;
      return Promise.resolve();
    },
    recorded: () => used,
  };
}

async function rejection(promise: Promise<unknown>): Promise<IntegrationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IntegrationError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('a Salesforce org with a least-privilege integration user', () => {
  let sf: SalesforceEmulator;
  const gateway = (extra: Partial<SalesforceGatewayOptions> = {}) =>
    createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant, ...extra });
  const limitsCalls = () => sf.requestLog().filter((entry) => entry.route.endsWith('/limits'));

  beforeEach(async () => {
    sf = await startSalesforceEmulator({ dailyApiLimit: 1000 });
  });
  afterEach(() => sf.close());

  describe('API usage', () => {
    it('writes without View Setup and Configuration, asking /limits once at most', async () => {
      const first = sf.createAccount({ Name: 'Acme' });
      const second = sf.createAccount({ Name: 'Globex' });
      const sync = gateway({ budget: countingBudget() });

      const one = await sync.updateRecords('companies', [
        { crmId: first, properties: { collections_status: 'overdue' } },
      ]);
      const two = await sync.updateRecords('companies', [
        { crmId: second, properties: { collections_status: 'current' } },
      ]);

      expect(one).toEqual({ written: [first], failed: [] });
      expect(two).toEqual({ written: [second], failed: [] });
      expect(sf.record(first)?.fields['Collections_Status__c']).toBe('overdue');
      expect(limitsCalls().map((entry) => entry.status)).toEqual([403]);
    });

    it('pauses on the usage the Sforce-Limit-Info header reports once the org passes the pause mark', async () => {
      const id = sf.createAccount({ Name: 'Acme' });
      sf.setApiUsage(850);
      const sync = gateway({ budget: countingBudget(0.5, 0.8) });

      // The refused /limits answer carries the header: 850 of 1000 is 85 %, past the 80 % mark.
      const error = await rejection(
        sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'overdue' } }]),
      );

      expect(error.code).toBe('daily_limit');
      expect(error.message).toContain('85 %');
      expect(limitsCalls().map((entry) => entry.status)).toEqual([403]);
      expect(sf.apiUsage().used).toBe(850);
      expect(sf.record(id)?.fields['Collections_Status__c']).toBeNull();
    });

    it('follows the header from one answer to the next', async () => {
      const id = sf.createAccount({ Name: 'Acme' });
      sf.setApiUsage(790);
      const sync = gateway({ budget: countingBudget(0.5, 0.8) });

      await sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'overdue' } }]);
      // The last answer said 791 of 1000; this call goes out and its answer says 801.
      sf.setApiUsage(800);
      await sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'current' } }]);
      const error = await rejection(
        sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'disputed' } }]),
      );

      expect(error.code).toBe('daily_limit');
      expect(error.message).toContain('80 %');
      expect(sf.record(id)?.fields['Collections_Status__c']).toBe('current');
    });

    it('with View Setup and Configuration, reads /limits before the first write and keeps to the share', async () => {
      sf.setUserPermissions({ viewSetupAndConfiguration: true });
      const id = sf.createAccount({ Name: 'Acme' });
      sf.setApiUsage(850);
      const sync = gateway({ budget: countingBudget(0.5, 0.8) });

      const error = await rejection(
        sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'overdue' } }]),
      );

      expect(error.code).toBe('daily_limit');
      expect(limitsCalls().map((entry) => entry.status)).toEqual([200]);
      expect(sf.apiUsage().used).toBe(850);
      expect(sf.record(id)?.fields['Collections_Status__c']).toBeNull();
    });
  });

  describe('connecting', () => {
    it('names the fields the integration user may read but not update', async () => {
      sf.setUserPermissions({
        readOnlyFields: ['Account.Collections_Risk_Tier__c', 'Task.Collections_Task_Key__c'],
      });

      const error = await rejection(gateway().ensureSchema());

      expect(error.code).toBe('missing_permission');
      expect(error.message).toContain('Account.Collections_Risk_Tier__c, Task.Collections_Task_Key__c');
      expect(error.message).not.toContain('Collections_Status__c');
    });

    it('passes when every collections field is updateable', async () => {
      const result = await gateway().ensureSchema();

      expect(result.existing).toContain('Account.Collections_Risk_Tier__c');
      expect(result.existing).toContain('Task.Collections_Task_Key__c');
    });
  });

  describe('REQUEST_LIMIT_EXCEEDED', () => {
    it('the concurrent-request form waits a moment and sends the call again', async () => {
      const id = sf.createAccount({ Name: 'Acme' });
      sf.setFaults({ requestLimit: { trigger: { kind: 'first', count: 1 }, form: 'concurrent' } });
      const waits: number[] = [];
      const sync = gateway({
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      });

      const result = await sync.updateRecords('companies', [
        { crmId: id, properties: { collections_status: 'overdue' } },
      ]);

      expect(result).toEqual({ written: [id], failed: [] });
      expect(sf.stats().requestLimitExceeded).toBe(1);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(5000);
      expect(waits[0]).toBeLessThan(60_000);
    });

    it('the daily form pauses the sync until usage falls, without sending again', async () => {
      const id = sf.createAccount({ Name: 'Acme' });
      sf.setFaults({ requestLimit: { trigger: { kind: 'first', count: 1 } } });
      const sync = gateway();

      const error = await rejection(
        sync.updateRecords('companies', [{ crmId: id, properties: { collections_status: 'overdue' } }]),
      );

      expect(error.code).toBe('daily_limit');
      expect(error.retryAfterMs).toBe(15 * 60 * 1000);
      expect(sf.stats().requestLimitExceeded).toBe(1);
      expect(sf.record(id)?.fields['Collections_Status__c']).toBeNull();
    });
  });
});

describe('Bulk API 2.0 jobs', () => {
  let sf: SalesforceEmulator;
  const poll = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 10)));

  beforeEach(async () => {
    sf = await startSalesforceEmulator({ bulkProcessingDelayMs: 20 });
  });
  afterEach(() => sf.close());

  const updates = (ids: readonly string[], status: string) =>
    ids.map((crmId) => ({ crmId, properties: { collections_status: status } }));

  it('a job Salesforce aborts is a failure of that job: its records come back to be sent again', async () => {
    const ids = [sf.createAccount({ Name: 'Acme' }), sf.createAccount({ Name: 'Globex' })];
    sf.setBulkProcessingDelay(60_000);
    const writer = createSalesforceGateway({ ...sf.connectionConfig(), sleep: poll, bulkPollMs: 10 }).bulk;
    if (writer === undefined) throw new Error('no bulk writer');

    const jobId = await writer.start('companies', updates(ids, 'overdue'));
    sf.bulk.setState(jobId, { state: 'Aborted' });
    const result = await writer.finish(jobId);

    expect(result.written).toEqual([]);
    expect(result.failed.map((failure) => failure.crmId).sort()).toEqual([...ids].sort());
    expect(result.failed.every((failure) => failure.code === 'temporary')).toBe(true);
    expect(result.failed[0]?.message).toContain('Aborted');
    for (const id of ids) expect(sf.record(id)?.fields['Collections_Status__c']).toBeNull();
  });

  it('an upload whose answer was lost goes again in a new job; the first job is aborted', async () => {
    const ids = [sf.createAccount({ Name: 'Acme' }), sf.createAccount({ Name: 'Globex' })];
    sf.setFaults({
      serviceUnavailable: {
        trigger: { kind: 'first', count: 1 },
        paths: ['/jobs/ingest'],
        methods: ['PUT'],
        when: 'after',
      },
    });
    const writer = createSalesforceGateway({ ...sf.connectionConfig(), sleep: poll, bulkPollMs: 10 }).bulk;
    if (writer === undefined) throw new Error('no bulk writer');

    const jobId = await writer.start('companies', updates(ids, 'overdue'));
    const result = await writer.finish(jobId);

    expect(result).toEqual({ written: expect.arrayContaining(ids) as unknown, failed: [] });
    expect(sf.bulkJobs().map((job) => job.state)).toEqual(['Aborted', 'JobComplete']);
    expect(sf.bulkJobs()[1]?.id).toBe(jobId);
    for (const id of ids) expect(sf.record(id)?.fields['Collections_Status__c']).toBe('overdue');
  });

  it('a close whose answer was lost is waited for, not uploaded again beside the job that runs', async () => {
    const ids = [sf.createAccount({ Name: 'Initech' }), sf.createAccount({ Name: 'Umbrella' })];
    sf.setFaults({
      serviceUnavailable: {
        trigger: { kind: 'first', count: 1 },
        paths: ['/jobs/ingest'],
        methods: ['PATCH'],
        when: 'after',
      },
    });
    const writer = createSalesforceGateway({ ...sf.connectionConfig(), sleep: poll, bulkPollMs: 10 }).bulk;
    if (writer === undefined) throw new Error('no bulk writer');
    const before = sf.bulkJobs().length;

    const jobId = await writer.start('companies', updates(ids, 'disputed'));
    const result = await writer.finish(jobId);

    expect(result).toEqual({ written: expect.arrayContaining(ids) as unknown, failed: [] });
    const jobs = sf.bulkJobs().slice(before);
    expect(jobs.map((job) => job.state)).toEqual(['JobComplete']);
    expect(jobs[0]?.id).toBe(jobId);
    for (const id of ids) expect(sf.record(id)?.fields['Collections_Status__c']).toBe('disputed');
  });

  it('every status check of a job counts against the API budget', async () => {
    sf.setUserPermissions({ viewSetupAndConfiguration: true });
    const ids = [sf.createAccount({ Name: 'Acme' })];
    const budget = countingBudget();
    const writer = createSalesforceGateway({
      ...sf.connectionConfig(),
      sleep: poll,
      bulkPollMs: 10,
      budget,
    }).bulk;
    if (writer === undefined) throw new Error('no bulk writer');

    await writer.finish(await writer.start('companies', updates(ids, 'overdue')));

    const checks = sf
      .requestLog()
      .filter((entry) => entry.method === 'GET' && /\/jobs\/ingest\/\w+$/.test(entry.url));
    expect(checks.length).toBeGreaterThan(0);
    expect(budget.recorded()).toBe(sf.requestLog().length);
  });
});

describe('a collections task someone completed or took over', () => {
  let sf: SalesforceEmulator;
  const task = (companyId: string, extra: object = {}) => ({
    key: 'task-overdue-1',
    companyId,
    subject: 'Call about the overdue invoice',
    body: 'Invoice in_1 is 30 days past due.',
    dueMs: Date.UTC(2026, 8, 1),
    priority: 'HIGH' as const,
    ...extra,
  });

  beforeEach(async () => {
    sf = await startSalesforceEmulator({
      users: [{ username: 'integration@example.com' }, { username: 'ae@example.com' }],
    });
  });
  afterEach(() => sf.close());

  /** Created by a sync, then completed and reassigned in Salesforce by a person. */
  async function handledTask(): Promise<{ accountId: string; taskId: string; owner: string }> {
    const accountId = sf.createAccount({ Name: 'Acme' });
    const sync = createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant });
    const created = await sync.createTasks([task(accountId)]);
    const taskId = created.created[0]?.crmTaskId ?? '';
    const owner = sf.users[1]?.userId ?? '';
    sf.updateRecord(taskId, { Status: 'Completed', OwnerId: owner });
    return { accountId, taskId, owner };
  }

  it('stays completed and with its new owner when a sync that may have created it sends it again', async () => {
    const { accountId, taskId, owner } = await handledTask();
    const sync = createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant });

    const again = await sync.createTasks([
      task(accountId, { mayExist: true, assignee: 'integration@example.com' }),
    ]);

    expect(again).toEqual({ created: [{ key: 'task-overdue-1', crmTaskId: taskId }], failed: [] });
    expect(sf.record(taskId)?.fields).toMatchObject({ Status: 'Completed', OwnerId: owner });
    expect(sf.records('Task')).toHaveLength(1);
  });

  it('stays completed when its upsert is tried again after the row was locked', async () => {
    const { accountId, taskId, owner } = await handledTask();
    sf.setFaults({ lockError: { trigger: { kind: 'first', count: 1 }, objects: ['Task'] } });
    const sync = createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant });

    const again = await sync.createTasks([task(accountId)]);

    expect(again).toEqual({ created: [{ key: 'task-overdue-1', crmTaskId: taskId }], failed: [] });
    expect(sf.stats().faults.lockErrors).toBe(1);
    expect(sf.record(taskId)?.fields).toMatchObject({ Status: 'Completed', OwnerId: owner });
  });

  it('a task that does not exist yet is created open, with its owner', async () => {
    const accountId = sf.createAccount({ Name: 'Acme' });
    const sync = createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant });
    const owner = sf.users[1]?.userId ?? '';

    const result = await sync.createTasks([task(accountId, { mayExist: true, assignee: 'ae@example.com' })]);

    const id = result.created[0]?.crmTaskId ?? '';
    expect(sf.record(id)?.fields).toMatchObject({
      Status: 'Not Started',
      OwnerId: owner,
      WhatId: accountId,
      Collections_Task_Key__c: 'task-overdue-1',
    });
  });
});

describe('task owners from the rules roles', () => {
  let sf: SalesforceEmulator;

  beforeEach(async () => {
    sf = await startSalesforceEmulator({
      users: ['integration', 'ae', 'csm', 'finance', 'gone'].map((name) => ({
        username: `${name}@example.com`,
      })),
    });
  });
  afterEach(() => sf.close());

  const userId = (name: string) =>
    sf.users.find((user) => user.username === `${name}@example.com`)?.userId ?? '';
  const task = (key: string, companyId: string, assignee: string) => ({
    key,
    companyId,
    subject: key,
    body: '',
    dueMs: Date.UTC(2026, 8, 1),
    priority: 'MEDIUM' as const,
    assignee,
  });

  it('account owner, Account Team CSM, finance user, a named user; unknown or inactive ones go to finance', async () => {
    const teamed = sf.createAccount({ Name: 'Acme', OwnerId: userId('ae') });
    const alone = sf.createAccount({ Name: 'Globex', OwnerId: userId('gone') });
    sf.createRecord('AccountTeamMember', {
      AccountId: teamed,
      UserId: userId('csm'),
      TeamMemberRole: 'Customer Success Manager',
    });
    sf.updateRecord(userId('gone'), { IsActive: false });
    const sync = createSalesforceGateway({
      ...sf.connectionConfig(),
      sleep: instant,
      taskOwners: { csmRole: 'Customer Success Manager', financeUser: 'finance@example.com' },
    });

    const result = await sync.createTasks([
      task('owner', teamed, 'account_owner'),
      task('csm', teamed, 'csm'),
      task('finance', teamed, 'finance_queue'),
      task('named', teamed, 'user:csm@example.com'),
      task('no-csm', alone, 'csm'),
      task('inactive-owner', alone, 'account_owner'),
    ]);

    const ownerOf = (key: string) =>
      sf.record(result.created.find((entry) => entry.key === key)?.crmTaskId ?? '')?.fields['OwnerId'];
    expect(result.failed).toEqual([]);
    expect(ownerOf('owner')).toBe(userId('ae'));
    expect(ownerOf('csm')).toBe(userId('csm'));
    expect(ownerOf('finance')).toBe(userId('finance'));
    expect(ownerOf('named')).toBe(userId('csm'));
    expect(ownerOf('no-csm')).toBe(userId('finance'));
    expect(ownerOf('inactive-owner')).toBe(userId('finance'));
  });

  it('a CSM lookup field on the Account wins over the team role; without a finance user, the integration user', async () => {
    const account = sf.createAccount({ Name: 'Acme', OwnerId: userId('ae') });
    sf.createRecord('AccountTeamMember', {
      AccountId: account,
      UserId: userId('csm'),
      TeamMemberRole: 'CSM',
    });
    const sync = createSalesforceGateway({
      ...sf.connectionConfig(),
      sleep: instant,
      taskOwners: { csmField: 'OwnerId', csmRole: 'CSM' },
    });

    const result = await sync.createTasks([
      task('csm', account, 'csm'),
      task('finance', account, 'finance_queue'),
    ]);

    const ownerOf = (key: string) =>
      sf.record(result.created.find((entry) => entry.key === key)?.crmTaskId ?? '')?.fields['OwnerId'];
    expect(ownerOf('csm')).toBe(userId('ae'));
    expect(ownerOf('finance')).toBe(userId('integration'));
  });
});

describe('the JWT bearer audience', () => {
  it.each([
    ['https://login.salesforce.com', undefined, 'https://login.salesforce.com'],
    ['https://test.salesforce.com', undefined, 'https://test.salesforce.com'],
    ['https://acme.my.salesforce.com', undefined, 'https://login.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', undefined, 'https://test.salesforce.com'],
    ['https://acme.my.salesforce.com', 'sandbox', 'https://test.salesforce.com'],
    ['https://test.salesforce.com', 'production', 'https://login.salesforce.com'],
  ] as const)('login URL %s, org type %s: aud %s', (loginUrl, orgType, audience) => {
    expect(jwtAudienceFor(loginUrl, orgType)).toBe(audience);
  });

  it.each(['production', 'sandbox'] as const)(
    'a %s org accepts the assertion the adapter signs, whatever URL the token is asked from',
    async (orgType) => {
      const sf = await startSalesforceEmulator({ orgType });
      try {
        const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
        sf.registerJwtPublicKey(keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
        const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const oauth = (type?: 'production' | 'sandbox') =>
          createSalesforceOAuth({
            ...sf.oauthClient,
            loginUrl: sf.url,
            ...(type === undefined ? {} : { orgType: type }),
          });

        const tokens = await oauth(orgType).jwtBearer({ username: 'emulator@example.com', privateKeyPem });
        expect(sf.isAccessTokenValid(tokens.accessToken)).toBe(true);
        const other = orgType === 'sandbox' ? 'production' : 'sandbox';
        await expect(
          oauth(other).jwtBearer({ username: 'emulator@example.com', privateKeyPem }),
        ).rejects.toThrow(/audience is invalid/);
      } finally {
        await sf.close();
      }
    },
  );
});
