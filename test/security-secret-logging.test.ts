import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, freePort, ROOT } from './support/processes';

/** Values that must never appear in the process's output, whatever the log level. */
const SECRETS = {
  HUBSPOT_CLIENT_SECRET: 'hs-client-secret-7f3a9c2e51',
  HUBSPOT_ACCESS_TOKEN: 'pat-na1-0d8e4b7a-private-token-55',
  STRIPE_SECRET_KEY: 'sk_test_51SecretKeyValue0123456789',
  STRIPE_WEBHOOK_SECRET: 'whsec_webhookSecretValue987654',
  SALESFORCE_CLIENT_SECRET: 'sf-client-secret-A1B2C3D4E5',
  TOKEN_ENCRYPTION_KEY: Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'),
};
const REDIS_PASSWORD = 's3cretpass';
/** REDIS_URL now carries the job queue, which must be reachable at start: a local Redis with a password. */
const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;

describe('secrets never reach the logs of the real process', () => {
  let work: string;
  let child: ChildProcess | undefined;
  let redis: ChildProcess | undefined;
  let redisUrl: string | undefined;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-secrets-'));
    if (!HAS_REDIS) return;
    const port = await freePort();
    const server = spawn('redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--requirepass',
      REDIS_PASSWORD,
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    redis = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10000);
      server.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    redisUrl = `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}`;
  }, 20000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    redis?.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  });

  it('starts with secrets set and LOG_LEVEL=debug, does some work, stops, and never prints a secret', async () => {
    const port = await freePort();
    const started = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'server/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...cleanEnv(),
          ...SECRETS,
          PORT: String(port),
          COLLECTIONS_DATA_DIR: path.join(work, 'store'),
          LOG_LEVEL: 'debug',
          HUBSPOT_CLIENT_ID: 'hs-client-id',
          HUBSPOT_PORTAL_ID: '4242',
          SALESFORCE_CLIENT_ID: 'sf-client-id',
          // Nothing here is called for real: the APIs point at a closed port.
          STRIPE_API_BASE: 'http://127.0.0.1:9',
          HUBSPOT_API_BASE: 'http://127.0.0.1:9',
          SALESFORCE_LOGIN_URL: 'http://127.0.0.1:9',
          ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
        },
      },
    );
    child = started;
    let output = '';
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60000;
    let up = false;
    while (Date.now() < deadline && !up) {
      up = await fetch(`${base}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect({ up, output: up ? '' : output }).toEqual({ up: true, output: '' });

    // Some work: refused webhooks (bad signatures, one carrying a secret-looking header), the API
    // without a signature, the install redirect, a callback with a forged state.
    const hubspot = await fetch(`${base}/webhooks/hubspot`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': 'forged',
        'x-hubspot-request-timestamp': String(Date.now()),
        authorization: `Bearer ${SECRETS.HUBSPOT_ACCESS_TOKEN}`,
      },
      body: '[]',
    });
    expect(hubspot.status).toBe(401);
    const stripe = await fetch(`${base}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=forged' },
      body: JSON.stringify({ id: 'evt_1', type: 'invoice.paid' }),
    });
    expect(stripe.status).toBe(400);
    expect((await fetch(`${base}/api/v1/session`)).status).toBe(401);
    const install = await fetch(`${base}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(install.status).toBe(302);
    const callback = await fetch(`${base}/oauth/hubspot/callback?code=abc&state=forged.state.sig`);
    expect(callback.status).toBe(400);
    const body = await callback.text();
    expect((await fetch(`${base}/readyz`)).status).toBeLessThan(600);

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;

    // The work was logged (so the check below looks at real output)…
    expect(output).toContain('"msg":"hubspot webhook refused"');
    expect(output).toContain('webhook refused: bad signature');
    if (redisUrl !== undefined) expect(output).toContain('redis://:redacted@127.0.0.1:');
    expect(output).toContain('"msg":"stopped"');
    // …and no secret is in it, nor in what the pages answered.
    for (const [name, value] of [...Object.entries(SECRETS), ['REDIS_URL password', REDIS_PASSWORD]]) {
      expect({ name, inLogs: output.includes(value as string) }).toEqual({ name, inLogs: false });
      expect({ name, inPage: body.includes(value as string) }).toEqual({ name, inPage: false });
    }
  }, 120000);
});
