/**
 * `collections sync hubspot|salesforce` killed with SIGKILL at each stage of its run (right after its
 * first CRM call, after its company writes, after its first task batch), then run again: the CRM ends
 * with every open task once, none twice and none missing, and the store knows each task's CRM id.
 * The kill hits the real CLI process at the moment the CRM emulator has answered the call of the stage.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { keyInBody } from '../src/adapters/hubspot/hubspot-gateway';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import { TASK_KEY_FIELD } from '../src/adapters/salesforce/fields';
import type { CalendarDate } from '../src/domain/dates';
import type { Customer, TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import { createManualTask } from '../src/use-cases/account-card';
import { runCollectionsRules } from '../src/use-cases/collections-rules';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../src/use-cases/payment-risk';
import { startHubspotEmulator } from './emulators/hubspot/emulator';
import { startSalesforceEmulator } from './emulators/salesforce/emulator';
import { cleanEnv, ROOT, runCollections, type RunResult } from './support/processes';

const TENANT = 'killed-sync' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const HUBSPOT_TOKEN = 'pat-killed-sync';
/** Enough accounts that, with one manual task each, the tasks take several batches in both CRMs. */
const CUSTOMERS = 300;

type Crm = 'hubspot' | 'salesforce';
type Answered = { method: string; route: string; status: number };

/** One CRM emulator as the CLI sees it: its environment, and what the checks read from it. */
type CrmUnderTest = {
  env: Record<string, string>;
  /** The command that connects the CRM before a sync (properties, or the org's tokens). */
  connectArgs: string[];
  companyIds: string[];
  onAnswered(listener: ((entry: Answered) => void) | null): void;
  tasks(): { key: string; id: string }[];
  close(): Promise<void>;
};

/** A fresh emulator; companies are created in the same order, so they get the same ids every time. */
async function startCrm(crm: Crm, names: readonly string[]): Promise<CrmUnderTest> {
  if (crm === 'hubspot') {
    const hs = await startHubspotEmulator({
      accessToken: HUBSPOT_TOKEN,
      rateLimit: { requests: 1000, windowMs: 10000 },
    });
    return {
      env: {
        HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
        HUBSPOT_API_BASE: hs.url,
        HUBSPOT_REQUESTS_PER_10S: '1000',
      },
      connectArgs: ['hubspot', 'install', '--json'],
      companyIds: names.map((name) => hs.createCompany({ name })),
      onAnswered: (listener) => hs.onRequestDone(listener),
      tasks: () =>
        hs.objects('tasks').flatMap((task) => {
          const key = keyInBody(task.properties['hs_task_body'] ?? '');
          return key === undefined ? [] : [{ key, id: task.id }];
        }),
      close: () => hs.close(),
    };
  }
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sf = await startSalesforceEmulator({
    accessToken: null,
    jwtPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    dailyApiLimit: 10_000_000,
  });
  const keyDir = await mkdtemp(path.join(os.tmpdir(), 'collections-jwt-'));
  const keyFile = path.join(keyDir, 'integration.key');
  await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  return {
    env: {
      SALESFORCE_CLIENT_ID: sf.oauthClient.clientId,
      SALESFORCE_CLIENT_SECRET: sf.oauthClient.clientSecret,
      SALESFORCE_LOGIN_URL: sf.url,
      SALESFORCE_JWT_USERNAME: sf.users[0]?.username ?? 'emulator@example.com',
      SALESFORCE_JWT_KEY_FILE: keyFile,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
    connectArgs: ['salesforce', 'connect', '--jwt', '--tenant', TENANT, '--json'],
    companyIds: names.map((name) => sf.createAccount({ Name: name })),
    onAnswered: (listener) => sf.onRequestDone(listener),
    tasks: () =>
      sf.records('Task').flatMap((task) => {
        const key = task.fields[TASK_KEY_FIELD];
        return typeof key === 'string' ? [{ key, id: task.id }] : [];
      }),
    close: async () => {
      await sf.close();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}

/**
 * Where the first run dies: once the emulator answered the `nth` call matching `call`. The routes are
 * the CRMs' own: HubSpot batch endpoints (100 records a call); Salesforce sObject Collections (200 a
 * call), tasks upserted by their key, after the API usage read of the org's budget.
 */
type Stage = { name: string; call: (entry: Answered) => boolean; nth: (mapped: number) => number };

const companyWrites: Record<Crm, (entry: Answered) => boolean> = {
  hubspot: (entry) => entry.route.endsWith('/companies/batch/update'),
  salesforce: (entry) => entry.route === 'PATCH /composite/sobjects',
};
const taskWrites: Record<Crm, (entry: Answered) => boolean> = {
  hubspot: (entry) => entry.route.endsWith('/tasks/batch/create'),
  salesforce: (entry) => entry.route.startsWith('PATCH /composite/sobjects/Task/'),
};
const BATCH: Record<Crm, number> = { hubspot: 100, salesforce: 200 };

const stagesOf = (crm: Crm): Stage[] => [
  { name: 'after its first call', call: () => true, nth: () => 1 },
  {
    name: 'after its company writes',
    call: companyWrites[crm],
    nth: (mapped) => Math.ceil(mapped / BATCH[crm]),
  },
  { name: 'after a task batch', call: taskWrites[crm], nth: () => 1 },
];

type Template = {
  dataDir: string;
  names: string[];
  companyIds: string[];
  /** Keys of the open tasks of mapped accounts: what the CRM must hold once each. */
  expected: string[];
};

/** The book imported, its rules run and one manual task per mapped account, in a data folder to copy. */
async function buildTemplate(crm: Crm, work: string): Promise<Template> {
  const names: string[] = [];
  const rows = [...generateDemoDataset({ customers: CUSTOMERS, seed: 11, asOf: AS_OF })];
  for (const entry of rows) {
    if (entry.file !== 'customers.csv') continue;
    const customer = entry.row as Customer;
    if (customer.crmCompanyId !== null) names.push(customer.name ?? customer.customerId);
  }
  const emulator = await startCrm(crm, names);
  const companyIds = emulator.companyIds;
  await emulator.close();
  let next = 0;
  const mapped = rows.map((entry) => {
    if (entry.file !== 'customers.csv') return entry;
    const customer = entry.row as Customer;
    if (customer.crmCompanyId === null) return entry;
    const crmCompanyId = companyIds[next++] ?? null;
    return { ...entry, row: { ...customer, crmCompanyId } };
  });
  const csv = path.join(work, `${crm}-book`);
  const writer = await createCsvDatasetWriter(csv);
  for (const row of mapped) await writer.write(row);
  await writer.close();
  const dataDir = path.join(work, `${crm}-template`);
  const store = await createPgliteStore({ dataDir });
  try {
    await store.migrate();
    const imported = await importDataset(store, createCsvDatasetReader(csv), { tenant: TENANT });
    if (!imported.ok) throw new Error(JSON.stringify(imported.problems.slice(0, 3)));
    await refitTenantRiskModel(store, TENANT, AS_OF);
    const ruleSet = validateRuleSet(DEFAULT_RULE_SET);
    if (!ruleSet.ok) throw new Error('default rule set');
    await runCollectionsRules(store, TENANT, ruleSet.ruleSet, null, AS_OF);
    for (const companyId of companyIds)
      await createManualTask(
        store,
        TENANT,
        companyId,
        {
          title: 'Confirm the billing contact',
          dueOn: AS_OF,
          priority: 'medium',
          assignee: 'csm@example.com',
        },
        AS_OF,
      );
    const mappedCustomers = new Set<string>();
    for (const entry of mapped)
      if (entry.file === 'customers.csv' && (entry.row as Customer).crmCompanyId !== null)
        mappedCustomers.add((entry.row as Customer).customerId);
    const open = await store.listTasks(TENANT, { state: 'open' });
    const expected = open.filter((task) => mappedCustomers.has(task.customerId)).map((task) => task.actionId);
    return { dataDir, names, companyIds, expected };
  } finally {
    await store.close();
  }
}

/** Runs `collections sync <crm>` and kills it (SIGKILL) the moment the emulator answered the stage's call. */
function syncKilledAt(
  crm: Crm,
  emulator: CrmUnderTest,
  env: Record<string, string>,
  stage: Stage,
): Promise<RunResult & { signal: NodeJS.Signals | null; tasksAtKill: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'collections.mjs'), 'sync', crm, '--as-of', AS_OF, '--json'],
      { cwd: ROOT, env: { ...cleanEnv(), ...env } },
    );
    const nth = stage.nth(emulator.companyIds.length);
    let stdout = '';
    let stderr = '';
    let seen = 0;
    let tasksAtKill: number | null = null;
    emulator.onAnswered((entry) => {
      if (tasksAtKill !== null || !stage.call(entry)) return;
      seen += 1;
      if (seen < nth) return;
      child.kill('SIGKILL');
      tasksAtKill = emulator.tasks().length;
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sync ${crm} was not killed ${stage.name} in time\n${stderr}`));
    }, 120000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      emulator.onAnswered(null);
      resolve({ code, signal, stdout, stderr, tasksAtKill });
    });
  });
}

/** The keys of the tasks in the CRM after the sync (killed at `stage` first, when given) and a full run. */
async function syncToEnd(crm: Crm, template: Template, work: string, stage: Stage | null): Promise<string[]> {
  const emulator = await startCrm(crm, template.names);
  const dataDir = path.join(work, (stage?.name ?? 'not killed').replace(/\W+/g, '-'));
  try {
    expect(emulator.companyIds).toEqual(template.companyIds);
    await cp(template.dataDir, dataDir, { recursive: true });
    const env = {
      ...emulator.env,
      COLLECTIONS_DATA_DIR: dataDir,
      DEFAULT_TENANT: TENANT,
      DEMO_DATA: 'never',
      LOG_LEVEL: 'warn',
    };
    const connect = await runCollections(emulator.connectArgs, env);
    expect([connect.code, connect.code === 0 ? '' : connect.stderr]).toEqual([0, '']);

    if (stage !== null) {
      const killed = await syncKilledAt(crm, emulator, env, stage);
      expect(killed.signal).toBe('SIGKILL');
      // The kill came where the stage says: tasks in the CRM only once a task batch was answered.
      const atKill = killed.tasksAtKill ?? -1;
      if (stage.name === 'after a task batch') {
        expect(atKill).toBeGreaterThan(0);
        expect(atKill).toBeLessThan(template.expected.length);
      } else expect(atKill).toBe(0);
    }
    const full = await runCollections(['sync', crm, '--as-of', AS_OF, '--json'], env);
    expect([full.code, full.code === 0 ? '' : full.stderr]).toEqual([0, '']);

    const inCrm = emulator.tasks();
    const perKey = new Map<string, number>();
    for (const task of inCrm) perKey.set(task.key, (perKey.get(task.key) ?? 0) + 1);
    expect([...perKey].filter(([, count]) => count > 1)).toEqual([]);

    // The store agrees: each open task of a mapped account is in the CRM under the id the CRM gave it,
    // and nothing is left marked for a later sync.
    const store = await createPgliteStore({ dataDir });
    try {
      const mapped = new Set(template.expected);
      const open = (await store.listTasks(TENANT, { state: 'open' })).filter((task) =>
        mapped.has(task.actionId),
      );
      const crmIdOf = new Map(inCrm.map((task) => [task.key, task.id]));
      expect(open.map((task) => [task.actionId, task.crmTaskId]).sort()).toEqual(
        open.map((task) => [task.actionId, crmIdOf.get(task.actionId)]).sort(),
      );
      expect(open.map((task) => task.actionId).sort()).toEqual([...perKey.keys()].sort());
      expect(await store.listCrmSyncPending(TENANT, crm)).toEqual({ unfinished: [], tasksToCreate: [] });
    } finally {
      await store.close();
    }
    return [...perKey.keys()].sort();
  } finally {
    await emulator.close();
  }
}

describe.each(['hubspot', 'salesforce'] as const)('collections sync %s killed part way', (crm) => {
  let work: string;
  let template: Template;
  let uninterrupted: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), `collections-killed-${crm}-`));
    template = await buildTemplate(crm, work);
  }, 180000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('without a kill, creates each open task once, more than one batch of them', async () => {
    uninterrupted = await syncToEnd(crm, template, work, null);
    expect(uninterrupted.length).toBeGreaterThan(BATCH[crm]);
    expect(template.expected).toEqual(expect.arrayContaining(uninterrupted));
  });

  it.each(stagesOf(crm).map((stage) => [stage.name, stage] as const))(
    'killed %s, then run again: every task once in the CRM, none twice, none missing',
    async (_name, stage) => {
      expect(uninterrupted.length).toBeGreaterThan(0);
      expect(await syncToEnd(crm, template, work, stage)).toEqual(uninterrupted);
    },
  );
});
