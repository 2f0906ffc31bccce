/**
 * `collections dead-letter` on the embedded job queue (no REDIS_URL): the jobs live in the server
 * process, so the CLI asks the server that owns the embedded store. Real processes throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signWebhookPayload } from './emulators/stripe/webhook-sender';
import { freePort, runCollections, startServerProcess, type ServerProcess } from './support/processes';

jest.setTimeout(300000);

const WEBHOOK_SECRET = 'whsec_dead_letter_test';

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('collections dead-letter on the embedded queue', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dead-letters-'));
  });

  afterEach(async () => {
    if (server !== undefined && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server?.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists a job that failed for good with its reason, logs it, and replays it', async () => {
    const port = await freePort();
    // Stripe cannot be reached: every billing-event job fails until its attempts are used up.
    const unreachable = await freePort();
    const env = {
      COLLECTIONS_DATA_DIR: dataDir,
      PORT: String(port),
      STRIPE_SECRET_KEY: 'sk_test_dead_letters',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: `http://127.0.0.1:${unreachable}`,
    };
    const running = startServerProcess(env);
    server = running;
    await until('the server', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.ok ? true : undefined;
    });

    const empty = await runCollections(['dead-letter', 'list', '--json'], env);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ deadLetters: [] });

    const created = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: 'evt_dead_letter_1',
      object: 'event',
      type: 'invoice.paid',
      api_version: '2026-02-25.clover',
      created,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { id: 'in_dead_letter_1', object: 'invoice', customer: 'cus_dead_letter_1' } },
    });
    const delivered = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signWebhookPayload(payload, WEBHOOK_SECRET, created),
      },
      body: payload,
    });
    expect(delivered.status).toBe(200);

    const listed = await until('the dead letter', async () => {
      const result = await runCollections(['dead-letter', 'list', '--json'], env);
      const answer = JSON.parse(result.stdout) as {
        deadLetters: { jobId: string; name: string; attempts: number; error: string }[];
      };
      return answer.deadLetters.length > 0 ? answer.deadLetters : undefined;
    });
    expect(listed).toHaveLength(1);
    expect(listed[0]?.jobId).toContain('evt_dead_letter_1');
    expect(listed[0]?.attempts).toBeGreaterThan(1);
    expect(listed[0]?.error.length).toBeGreaterThan(0);

    const human = await runCollections(['dead-letter', 'list'], env);
    expect(human.stdout).toContain(listed[0]?.jobId);
    expect(human.stdout).toContain(listed[0]?.error);

    // Every failed run was logged with its reason; the last one as an error naming the dead letter.
    const lines = running
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; jobId?: string; err?: unknown });
    const failures = lines.filter((line) => line.jobId === listed[0]?.jobId && line.err !== undefined);
    expect(failures.filter((line) => line.level === 40)).toHaveLength((listed[0]?.attempts ?? 0) - 1);
    expect(failures.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([
      'job failed for good: kept as a dead letter',
    ]);

    const replayed = await runCollections(['dead-letter', 'replay', listed[0]?.jobId ?? '', '--json'], env);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ replayed: true });
    const unknown = await runCollections(['dead-letter', 'replay', 'no-such-job'], env);
    expect(unknown.code).toBe(2);
  });
});
