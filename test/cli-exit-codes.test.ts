/**
 * The exit code of every `collections` command, through `runCli` as the bin calls it: a usage error is 2
 * for every command `buildProgram()` registers, a run that did its work is 0, and a CRM sync or install
 * that was paused, stopped or blocked is 3. Commands report their code to `runCli` alone; the bin is the
 * only one to hand it to the process, which one run through the bin itself checks.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../server/cli/main';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { runCollections } from './support/processes';

const AS_OF = '2026-09-01';
const HUBSPOT_TOKEN = 'pat-exit-codes';
const STRIPE_KEY = 'sk_test_exit_codes';
const SF_TENANT = 'sf-exit-codes';
/** Each step runs several commands, each opening the embedded store; a busy machine makes that slow. */
const LONG = 300000;

type Run = { code: number; stdout: string; stderr: string };

/** Runs the CLI in this process, capturing what it prints. */
async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (text: string) => void) =>
    ((chunk: unknown) => {
      append(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture((text) => (stdout += text)));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture((text) => (stderr += text)));
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Every command's words, group commands included, found by walking the program as built. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const here = [...prefix, child.name()];
    return [here, ...commandPaths(child, here)];
  });
}

const TOP_LEVEL = commandPaths(buildProgram()).filter((words) => words.length === 1);

/** Settings a developer's shell may hold that would point the CLI at something other than this test's. */
const FOREIGN =
  /^(DATABASE_URL|REDIS_URL|COLLECTIONS_|DEFAULT_TENANT|DEMO_|STRIPE_|HUBSPOT_|SALESFORCE_|TOKEN_)/;

describe('collections exit codes', () => {
  const saved = { ...process.env };
  let work: string;
  let book: string;
  let hs: HubspotEmulator;
  let sf: SalesforceEmulator;
  let stripe: StripeEmulator;
  let env: Record<string, string>;
  /** Top-level commands a success path below has run. */
  const succeeded = new Set<string>();

  const expectCode = async (args: string[], code: number): Promise<Run> => {
    const result = await run(args);
    // What it printed on standard error says why, when the code is not the one expected.
    const why = result.code === code ? '' : result.stderr;
    expect({ args, code: result.code, why }).toEqual({ args, code, why: '' });
    if (code === 2) expect(result.stderr).toMatch(/^collections: /);
    if (code === 0) succeeded.add(args[0] ?? '');
    return result;
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-exit-codes-'));
    book = path.join(work, 'book');
    hs = await startHubspotEmulator({ accessToken: HUBSPOT_TOKEN, rateLimit: false });
    stripe = await startStripeEmulator({ apiKey: STRIPE_KEY });
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    sf = await startSalesforceEmulator({
      accessToken: null,
      jwtPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      dailyApiLimit: 10_000_000,
    });
    const keyFile = path.join(work, 'integration.key');
    await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
      mode: 0o600,
    });
    env = {
      COLLECTIONS_DATA_DIR: path.join(work, 'store'),
      DEFAULT_TENANT: 'acme',
      DEMO_DATA: 'never',
      LOG_LEVEL: 'warn',
      HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
      HUBSPOT_API_BASE: hs.url,
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_API_BASE: stripe.url,
      SALESFORCE_CLIENT_ID: sf.oauthClient.clientId,
      SALESFORCE_CLIENT_SECRET: sf.oauthClient.clientSecret,
      SALESFORCE_LOGIN_URL: sf.url,
      SALESFORCE_JWT_USERNAME: sf.users[0]?.username ?? 'emulator@example.com',
      SALESFORCE_JWT_KEY_FILE: keyFile,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    };
    for (const key of Object.keys(process.env)) if (FOREIGN.test(key)) delete process.env[key];
    Object.assign(process.env, env);
  });

  afterEach(() => {
    // A command that set it would fail the next assertion; leave none behind for Jest itself.
    process.exitCode = undefined;
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([hs?.close(), sf?.close(), stripe?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it.each(commandPaths(buildProgram()).map((words) => [words.join(' '), words]))(
    '%s: an unknown option is a usage error (2), and the command does not run',
    async (_name, words) => {
      const result = await run([...(words as string[]), '--no-such-option', '--json']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/error: |Usage: /);
      expect(process.exitCode).toBeUndefined();
    },
  );

  it(
    '0 for datasets and the store: demo-data, import, migrate, tenants',
    async () => {
      await expectCode(
        ['demo-data', book, '--customers', '40', '--seed', '5', '--as-of', AS_OF, '--json'],
        0,
      );
      await expectCode(['import', book, '--json'], 0);
      await expectCode(['migrate', '--json'], 0);
      await expectCode(['tenants', '--json'], 0);
    },
    LONG,
  );

  it(
    '0 for one account and the portfolio: status, report, pause, resume, promises',
    async () => {
      const customers = (await readFile(path.join(book, 'customers.csv'), 'utf8')).split('\n');
      const customer = customers[1]?.split(',')[0] ?? '';
      expect(customer).not.toBe('');
      await expectCode(['status', customer, '--as-of', AS_OF, '--json'], 0);
      await expectCode(['report', '--as-of', AS_OF, '--json'], 0);
      await expectCode(['pause', customer, '--reason', 'renewal call', '--until', '2099-12-31', '--json'], 0);
      await expectCode(['resume', customer, '--json'], 0);
      const promisedBy = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);
      await expectCode(
        ['promises', 'add', '--customer', customer, '--amount', 'USD:10.00', '--by', promisedBy, '--json'],
        0,
      );
      await expectCode(['promises', 'list', '--customer', customer, '--json'], 0);
    },
    LONG,
  );

  it(
    '0 for risk, rules and their work: backtest, risk-fit, rules, tasks, audit, terms',
    async () => {
      await expectCode(['backtest', book, '--split', '2026-03-01', '--json'], 0);
      await expectCode(['risk-fit', '--before', AS_OF, '--json'], 0);
      await expectCode(['rules', 'default', '--json'], 0);
      await expectCode(['rules', 'run', '--as-of', AS_OF, '--json'], 0);
      await expectCode(['tasks', '--json'], 0);
      await expectCode(['audit', '--limit', '5', '--json'], 0);
      await expectCode(['terms', 'guardrails', 'default', '--json'], 0);
      await expectCode(['terms', 'insights', '--to', AS_OF, '--json'], 0);
    },
    LONG,
  );

  it(
    '0 for billing and CRM: sync stripe, crm-companies, unmapped, hubspot, salesforce',
    async () => {
      await expectCode(['sync', 'stripe', '--backfill', '--json'], 0);
      const companies = path.join(work, 'companies.csv');
      await writeFile(companies, 'crm_company_id,domain\n9001,exit-codes.example\n');
      await expectCode(['crm-companies', companies, '--json'], 0);
      await expectCode(['unmapped', '--json'], 0);
      await expectCode(['hubspot', 'install', '--json'], 0);
      await expectCode(['sync', 'hubspot', '--as-of', AS_OF, '--json'], 0);
      await expectCode(['salesforce', 'connect', '--jwt', '--tenant', SF_TENANT, '--json'], 0);
      await expectCode(['salesforce', 'launch-secret', '--tenant', SF_TENANT, '--json'], 0);
      await expectCode(['sync', 'salesforce', '--tenant', SF_TENANT, '--as-of', AS_OF, '--json'], 0);
    },
    LONG,
  );

  it(
    '0 for dead letters, and for the doctor 0 when its report says healthy, 1 otherwise',
    async () => {
      await expectCode(['dead-letter', 'list', '--json'], 0);
      const doctor = await run(['doctor', '--json']);
      const healthy = (JSON.parse(doctor.stdout) as { healthy: boolean }).healthy;
      expect(doctor.code).toBe(healthy ? 0 : 1);
      succeeded.add('doctor');
      expect(process.exitCode).toBeUndefined();
    },
    LONG,
  );

  it('has run a success path for every top-level command', () => {
    expect(TOP_LEVEL.map(([name]) => name).filter((name) => !succeeded.has(name ?? ''))).toEqual([]);
  });

  it(
    '2 for bad input that commander cannot see: no such customer, nothing to read, no account set up',
    async () => {
      await expectCode(['status', 'C-nobody', '--json'], 2);
      await expectCode(['sync', 'stripe', '--json'], 2);
      await expectCode(['dead-letter', 'replay', 'no-such-job'], 2);
      await expectCode(['salesforce', 'launch-secret', '--tenant', 'no-org', '--json'], 2);
      expect(process.exitCode).toBeUndefined();
    },
    LONG,
  );

  it(
    '3 when a CRM sync stops at the daily limit, and again while it stays paused',
    async () => {
      hs.setDailyLimit(0);
      try {
        const stopped = await expectCode(['sync', 'hubspot', '--as-of', AS_OF, '--json'], 3);
        expect((JSON.parse(stopped.stdout) as { stopped: { action: string } | null }).stopped).not.toBeNull();
        expect(process.exitCode).toBeUndefined();
        const paused = await expectCode(['sync', 'hubspot', '--as-of', AS_OF], 3);
        expect(paused.stdout).toMatch(/is paused until/);
        expect(process.exitCode).toBeUndefined();
      } finally {
        hs.setDailyLimit(null);
      }
    },
    LONG,
  );

  it(
    '3 through the bin itself: the process ends with the code the command reported',
    async () => {
      const paused = await runCollections(['sync', 'hubspot', '--as-of', AS_OF, '--json'], env);
      expect(paused).toMatchObject({ code: 3, stderr: '' });
      expect(JSON.parse(paused.stdout)).toMatchObject({ skipped: { until: expect.any(String) } });
    },
    LONG,
  );

  it(
    '3 when install cannot create a property an admin archived, and says which',
    async () => {
      const response = await fetch(`${hs.url}/crm/v3/properties/companies/collections_risk_score`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${HUBSPOT_TOKEN}` },
      });
      expect(response.status).toBe(204);
      const blocked = await expectCode(['hubspot', 'install', '--json'], 3);
      expect(JSON.parse(blocked.stdout)).toMatchObject({ ok: false, blocked: [expect.anything()] });
      expect(process.exitCode).toBeUndefined();
    },
    LONG,
  );
});
