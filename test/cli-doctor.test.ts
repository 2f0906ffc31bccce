import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { sendWebhooks } from './emulators/stripe/webhook-sender';
import { cleanEnv, freePort, ROOT, runCollections } from './support/processes';

const API_KEY = 'sk_test_doctor';
const SECRET = 'whsec_doctor';
const OLD_VERSION = '2020-08-27';

type Finding = { integration: string; check: string; severity: string; count?: number; fix: string };
type Report = {
  healthy: boolean;
  tenants: {
    tenant: string;
    healthy: boolean;
    integrations: { integration: string; findings: Finding[] }[];
  }[];
};

async function text(url: string): Promise<string | undefined> {
  try {
    return await (await fetch(url)).text();
  } catch {
    return undefined;
  }
}

describe('an endpoint on an unsupported Stripe API version, seen by the server and by `collections doctor`', () => {
  let emu: StripeEmulator;
  let work: string;
  let env: Record<string, string>;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: API_KEY });
    emu.clock.set(Date.UTC(2026, 4, 4, 9, 0, 0) / 1000);
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-doctor-'));
    env = {
      COLLECTIONS_DATA_DIR: path.join(work, 'store'),
      DEFAULT_TENANT: 'acme',
      STRIPE_SECRET_KEY: API_KEY,
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: emu.url,
      DEMO_DATA: 'never',
    };
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await emu.close();
    await rm(work, { recursive: true, force: true });
  });

  it('logs an error, counts it on /metrics, keeps it failed; doctor exits 1 with the fix, and 0 once it is applied', async () => {
    const port = await freePort();
    const started = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'server/main.ts'],
      { cwd: ROOT, env: { ...cleanEnv(), ...env, PORT: String(port), LOG_LEVEL: 'info' } },
    );
    server = started;
    let logs = '';
    started.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    // The port answers 503 "starting" until the server is ready.
    for (let deadline = Date.now() + 90000; !(await text(`${base}/readyz`))?.includes('"ready"');) {
      if (Date.now() > deadline) throw new Error(`the server did not start\n${logs}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const customer = emu.scenario.createCustomer({
      email: 'ap@acme.example',
      metadata: { hubspot_company_id: '42' },
    });
    emu.scenario.createSubscription({ customer: String(customer.id), unitAmount: 90_00 });
    const events = emu.events({ apiVersion: OLD_VERSION });
    const report = await sendWebhooks(events, { url: `${base}/webhooks/stripe`, secret: SECRET });
    expect(report.deliveries.map((delivery) => delivery.attempts.at(-1)?.status)).toEqual([200, 200]);

    const counter = `collections_billing_events_refused_total{source="stripe",tenant="acme",reason="unsupported_api_version"} ${events.length}`;
    for (let deadline = Date.now() + 30000; !(await text(`${base}/metrics`))?.includes(counter);) {
      if (Date.now() > deadline) throw new Error(`no refusal counted on /metrics\n${logs}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const refusals = logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; eventId?: string; message?: string })
      .filter((line) => line.msg.startsWith('billing event refused'));
    expect(refusals.map((line) => [line.level, line.eventId])).toEqual(events.map((event) => [50, event.id]));
    expect(refusals[0]?.message).toContain(`Stripe API version ${OLD_VERSION} is not supported`);

    // While the server owns the embedded store, the doctor runs in the server and says the same.
    const whileRunning = await runCollections(['doctor', '--json', '--tenant', 'acme'], env);
    expect(whileRunning.code).toBe(1);
    const runningStripe = (JSON.parse(whileRunning.stdout) as Report).tenants[0]?.integrations.find(
      (integration) => integration.integration === 'stripe',
    );
    expect(runningStripe?.findings.map((finding) => [finding.check, finding.count])).toEqual([
      ['unsupported_api_version', events.length],
    ]);

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;

    const sick = await runCollections(['doctor', '--json'], env);
    expect(sick.code).toBe(1);
    const diagnosis = JSON.parse(sick.stdout) as Report;
    expect(diagnosis.healthy).toBe(false);
    const stripe = diagnosis.tenants
      .find((tenant) => tenant.tenant === 'acme')
      ?.integrations.find((integration) => integration.integration === 'stripe');
    expect(stripe?.findings).toEqual([
      expect.objectContaining({
        check: 'unsupported_api_version',
        severity: 'error',
        count: events.length,
        fix: expect.stringContaining('collections sync stripe --backfill --restart --tenant acme'),
      }),
    ]);

    // The fix: the endpoint's version is set (nothing more arrives on the old one), the objects read again.
    const backfill = await runCollections(['sync', 'stripe', '--backfill', '--restart', '--json'], env);
    expect(backfill.code).toBe(0);
    const healthy = await runCollections(['doctor'], env);
    expect(healthy.stdout).toContain('acme: healthy');
    expect(healthy.code).toBe(0);
  });
});
