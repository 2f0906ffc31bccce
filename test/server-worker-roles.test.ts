import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cleanEnv, freePort, ROOT } from './support/processes';

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const shared = databaseUrl !== undefined && databaseUrl !== '' && redisUrl !== undefined && redisUrl !== '';

function start(
  role: 'server' | 'worker',
  env: Record<string, string>,
): { child: ChildProcess; logs: () => string } {
  // Node itself, with tsx as its loader: the tsx command relays a signal to its child and, when the
  // child has not confirmed it within 30 ms (a busy event loop), kills it outright (exit 143). The
  // signal handling under test is the process's own.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--role', role], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
  });
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  return { child, logs: () => logs };
}

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

// Separate processes share PostgreSQL and Redis; the embedded store belongs to one process.
(shared ? describe : describe.skip)('npm run server and npm run worker as separate processes', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('the server enqueues, the worker runs the job, both stop cleanly', async () => {
    const tenant = `roles-${randomUUID().slice(0, 8)}`;
    const [serverPort, workerPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: databaseUrl as string,
      REDIS_URL: redisUrl as string,
      DEFAULT_TENANT: tenant,
      DEMO_DATA: 'always',
      DEMO_CUSTOMERS: '30',
      LOG_LEVEL: 'info',
    };
    const worker = start('worker', { ...env, PORT: String(workerPort) });
    const server = start('server', { ...env, PORT: String(serverPort) });
    children.push(worker.child, server.child);
    try {
      // The worker answers health and metrics only.
      const health = await poll(
        async () => {
          const response = await fetch(`http://127.0.0.1:${workerPort}/healthz`);
          return response.ok ? ((await response.json()) as { role: string }) : undefined;
        },
        90000,
        'the worker',
      );
      expect(health.role).toBe('worker');
      expect((await fetch(`http://127.0.0.1:${workerPort}/api/v1/session`)).status).toBe(404);

      // The demo book the server queued is loaded by the worker, and the server's API shows it.
      const accounts = await poll(
        async () => {
          const response = await fetch(`http://127.0.0.1:${serverPort}/api/v1/accounts?sort=risk&limit=5`);
          const body = (await response.json()) as { ok: boolean; data?: { accounts: unknown[] } };
          // Cards are computed while the worker still writes: wait for the whole list.
          return body.ok && (body.data?.accounts.length ?? 0) >= 5 ? body.data?.accounts : undefined;
        },
        120000,
        'the demo book loaded by the worker',
      );
      expect(accounts.length).toBe(5);
      const metrics = await poll(
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
          return /collections_jobs_total\{name="load-demo-data",outcome="completed"\} 1/.test(text)
            ? text
            : undefined;
        },
        30000,
        'the worker metrics',
      );
      expect(metrics).toMatch(/collections_dead_letters \d+/);
      expect(server.logs()).not.toMatch(/demo data loaded/);
      expect(worker.logs()).toMatch(/demo data loaded/);
    } catch (error) {
      throw new Error(
        `${String(error)}\n--- worker\n${worker.logs().slice(-3000)}\n--- server\n${server.logs().slice(-3000)}`,
        { cause: error },
      );
    } finally {
      worker.child.kill('SIGTERM');
      server.child.kill('SIGTERM');
    }
    expect(await exited(worker.child)).toBe(0);
    expect(await exited(server.child)).toBe(0);
  });

  it('refuses a role without Redis', async () => {
    const alone = start('worker', { DATABASE_URL: databaseUrl as string, PORT: String(await freePort()) });
    children.push(alone.child);
    expect(await exited(alone.child)).toBe(2);
    expect(alone.logs()).toMatch(/REDIS_URL/);
  });
});
