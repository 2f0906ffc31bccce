import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import type { CrmGateway } from '../src/ports/crm-gateway';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

/** What the contract needs to see of a CRM, through its emulator. */
type Harness = {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  gateway(): CrmGateway;
  newCompany(): string;
  /** A record id of the right shape that names nothing. */
  missingCompany: string;
  field(crmId: string, property: 'status' | 'billingId' | 'overdue'): string | null;
  tasksOf(companyId: string): { id: string; subject: string; done: boolean }[];
  /** The next task create lands but its answer is a 5xx. */
  loseNextCreateAnswer(): void;
  clearFaults(): void;
};

const fast = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

function hubspot(): Harness {
  let hs: HubspotEmulator;
  const limiter = createInProcessRateLimiter();
  const names = {
    status: 'collections_status',
    billingId: 'collections_billing_customer_id',
    overdue: 'collections_overdue_amount',
  };
  return {
    name: 'HubSpot',
    async start() {
      hs = await startHubspotEmulator({ accessToken: 'pat-contract', rateLimit: false });
    },
    stop: async () => {
      await limiter.close();
      await hs.close();
    },
    gateway: () =>
      createHubspotGateway({
        accessToken: 'pat-contract',
        basePath: hs.url,
        limiter,
        limiterKey: 'hubspot:contract',
        sleep: fast,
      }),
    newCompany: () => hs.createCompany({ name: `Company ${Math.random()}` }),
    missingCompany: '10999999999',
    field: (crmId, property) => hs.object('companies', crmId)?.properties[names[property]] ?? null,
    tasksOf: (companyId) =>
      hs
        .objects('tasks')
        .filter((task) => task.associations.some((a) => String(a.toObjectId) === companyId))
        .map((task) => ({
          id: task.id,
          subject: task.properties['hs_task_subject'] ?? '',
          done: task.properties['hs_task_status'] === 'COMPLETED',
        })),
    loseNextCreateAnswer: () =>
      hs.setFaults({
        serverError: {
          trigger: { kind: 'first', count: 1 },
          paths: ['/crm/v3/objects/tasks/batch/create'],
          when: 'after',
        },
      }),
    clearFaults: () => hs.clearFaults(),
  };
}

function salesforce(): Harness {
  let sf: SalesforceEmulator;
  const names = {
    status: 'Collections_Status__c',
    billingId: 'Collections_Billing_Customer_Id__c',
    overdue: 'Collections_Overdue_Amount__c',
  };
  return {
    name: 'Salesforce',
    async start() {
      sf = await startSalesforceEmulator();
    },
    stop: () => sf.close(),
    gateway: () => createSalesforceGateway({ ...sf.connectionConfig(), sleep: fast }),
    newCompany: () => sf.createAccount({ Name: `Account ${Math.random()}` }),
    missingCompany: '001000000000999AAA',
    field: (crmId, property) => {
      const value = sf.record(crmId)?.fields[names[property]];
      return value === undefined || value === null ? null : String(value);
    },
    tasksOf: (companyId) =>
      sf
        .records('Task')
        .filter((task) => task.fields['WhatId'] === companyId)
        .map((task) => ({
          id: task.id,
          subject: String(task.fields['Subject'] ?? ''),
          done: task.fields['Status'] === 'Completed',
        })),
    loseNextCreateAnswer: () =>
      sf.setFaults({
        serviceUnavailable: {
          trigger: { kind: 'first', count: 1 },
          paths: ['/composite/sobjects'],
          when: 'after',
        },
      }),
    clearFaults: () => sf.clearFaults(),
  };
}

describe.each([hubspot(), salesforce()])('CRM gateway contract: $name', (crm) => {
  beforeAll(() => crm.start());
  afterAll(() => crm.stop());

  it('ensures its schema idempotently', async () => {
    const first = await crm.gateway().ensureSchema();
    const second = await crm.gateway().ensureSchema();
    expect(second.created).toEqual([]);
    expect([...second.existing].sort()).toEqual([...first.created, ...first.existing].sort());
  });

  it('writes records in batches; a record the CRM does not know is reported, the others written', async () => {
    const companies = Array.from({ length: 3 }, () => crm.newCompany());
    const gateway = crm.gateway();
    const result = await gateway.updateRecords('companies', [
      ...companies.map((crmId, index) => ({
        crmId,
        properties: {
          collections_billing_customer_id: `cus_contract_${index}_${crmId}`,
          collections_status: 'overdue',
          collections_overdue_amount: '1250.50',
        },
      })),
      { crmId: crm.missingCompany, properties: { collections_status: 'current' } },
    ]);
    expect([...result.written].sort()).toEqual([...companies].sort());
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ crmId: crm.missingCompany });
    expect(['not_found', 'invalid']).toContain(result.failed[0]?.code);
    for (const [index, crmId] of companies.entries()) {
      expect(crm.field(crmId, 'status')).toBe('overdue');
      expect(crm.field(crmId, 'billingId')).toBe(`cus_contract_${index}_${crmId}`);
      expect(Number(crm.field(crmId, 'overdue'))).toBe(1250.5);
    }
    // Clearing a value.
    await gateway.updateRecords('companies', [
      { crmId: companies[0] as string, properties: { collections_status: '' } },
    ]);
    expect(crm.field(companies[0] as string, 'status')).toBeNull();
    expect(gateway.stats().requests).toBeGreaterThan(0);
  });

  it('creates each task once, also when the answer to a create that landed was lost', async () => {
    const company = crm.newCompany();
    const task = (key: string, subject: string) => ({
      key,
      companyId: company,
      subject,
      body: 'Call accounts payable about the overdue invoice.',
      dueMs: Date.UTC(2026, 8, 3, 9),
      priority: 'HIGH' as const,
    });
    const created = await crm
      .gateway()
      .createTasks([task(`k1-${company}`, 'First'), task(`k2-${company}`, 'Second')]);
    expect(created.failed).toEqual([]);
    expect(created.created.map((entry) => entry.key).sort()).toEqual([`k1-${company}`, `k2-${company}`]);
    expect(
      crm
        .tasksOf(company)
        .map((entry) => entry.subject)
        .sort(),
    ).toEqual(['First', 'Second']);

    crm.loseNextCreateAnswer();
    try {
      const again = await crm.gateway().createTasks([task(`k3-${company}`, 'Third')]);
      expect(again.failed).toEqual([]);
      expect(again.created).toHaveLength(1);
    } finally {
      crm.clearFaults();
    }
    expect(crm.tasksOf(company).filter((entry) => entry.subject === 'Third')).toHaveLength(1);

    const ids = created.created.map((entry) => entry.crmTaskId);
    const completed = await crm.gateway().completeTasks(ids);
    expect([...completed.written].sort()).toEqual([...ids].sort());
    expect(
      crm
        .tasksOf(company)
        .filter((entry) => entry.done)
        .map((entry) => entry.subject)
        .sort(),
    ).toEqual(['First', 'Second']);
  });

  it('finds tasks by key, and only ours', async () => {
    const company = crm.newCompany();
    const created = await crm.gateway().createTasks([
      {
        key: `find-${company}`,
        companyId: company,
        subject: 'Find me',
        body: 'Created, then looked for by its key.',
        dueMs: Date.UTC(2026, 8, 3, 9),
        priority: 'LOW',
      },
    ]);
    const id = created.created[0]?.crmTaskId;
    expect(id).toBeDefined();
    const found = await crm.gateway().findTasks([
      { key: `find-${company}`, companyId: company },
      { key: `never-${company}`, companyId: company },
    ]);
    expect([...found]).toEqual([[`find-${company}`, id]]);
    expect((await crm.gateway().findTasks([])).size).toBe(0);
  });
});
