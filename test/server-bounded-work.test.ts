import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { cleanEnv, freePort, ROOT } from './support/processes';

type Started = { child: ChildProcess; exited: Promise<number | null>; logs: () => string };

function startServer(env: Record<string, string>): Started {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'server/main.ts'],
    { cwd: ROOT, env: { ...cleanEnv(), LOG_LEVEL: 'info', ...env } },
  );
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, logs: () => logs };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T } | undefined> {
  try {
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as T };
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A calendar date `days` before today (UTC). */
function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

describe('the server process keeps its admin API local and its request work bounded', () => {
  let work: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-bounded-'));
  });

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  // 192.0.2.1 (TEST-NET-1) is never an address of this machine: the test stays on loopback either way.
  it.each([
    ['HOST is not a loopback address', { HOST: '192.0.2.1' }, 'HOST=192.0.2.1'],
    ['NODE_ENV=production', { NODE_ENV: 'production', HOST: '127.0.0.1' }, 'NODE_ENV=production'],
  ])(
    'refuses to start in demo mode when %s: exit 2, says why and what to set, opens nothing',
    async (_case, env, named) => {
      const dataDir = path.join(work, `refused-${named.replace(/\W/g, '')}`);
      const port = await freePort();
      const started = startServer({ ...env, PORT: String(port), COLLECTIONS_DATA_DIR: dataDir });
      running.push(started.child);
      // Either it exits, or it answers (then it started, and the test fails without waiting for it).
      let code: number | null | 'answering' | undefined;
      void started.exited.then((exitCode) => (code ??= exitCode));
      for (let attempt = 0; attempt < 600 && code === undefined; attempt += 1) {
        if ((await getJson(`http://127.0.0.1:${port}/healthz`)) !== undefined) code ??= 'answering';
        else await pause(100);
      }
      started.child.kill('SIGKILL');
      expect(code).toBe(2);
      expect(started.logs()).toContain('HUBSPOT_CLIENT_SECRET');
      expect(started.logs()).toContain('demo mode');
      expect(started.logs()).toContain(named);
      expect(started.logs()).not.toContain('    at ');
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('refuses a simulation over centuries at once (422) and keeps /healthz answering while a ten-year one runs as a job', async () => {
    const port = await freePort();
    const started = startServer({
      PORT: String(port),
      COLLECTIONS_DATA_DIR: path.join(work, 'store'),
      DEMO_CUSTOMERS: '200',
    });
    running.push(started.child);
    const base = `http://127.0.0.1:${port}`;
    let demo: string | undefined;
    for (let attempt = 0; attempt < 600 && demo !== 'loaded' && demo !== 'failed'; attempt += 1) {
      const health = await getJson<{ demoData?: { state: string } }>(`${base}/healthz`);
      demo = health?.body.demoData?.state;
      if (demo !== 'loaded') await pause(200);
    }
    expect(demo).toBe('loaded');

    const post = (route: string, from: string, to: string) =>
      getJson<{ ok: boolean; error?: { path?: string }; simulation?: { id: string } }>(
        `${base}/api/v1${route}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ruleSet: DEFAULT_RULE_SET, from, to }),
        },
      );
    const centuries = await post('/rules/simulate', '1900-01-01', '2999-12-31');
    expect(centuries).toMatchObject({ status: 422, body: { ok: false, error: { path: 'to' } } });

    const from = daysAgo(3659);
    const to = daysAgo(0);
    const job = await post('/rules/simulations', from, to);
    expect(job?.status).toBe(202);
    const id = job?.body.simulation?.id as string;

    type Polled = {
      simulation: {
        state: string;
        accounts: { done: number; total: number | null };
        summaries?: { days: number; accounts: number }[];
      };
    };
    let healthyWhileRunning = 0;
    let last: Polled['simulation'] | undefined;
    for (let polls = 0; polls < 3000; polls += 1) {
      const health = await getJson<{ status: string }>(`${base}/healthz`);
      const polled = await getJson<Polled>(`${base}/api/v1/rules/simulations/${id}`);
      last = polled?.body.simulation;
      if (last?.state === 'done' || last?.state === 'failed') break;
      // Answered after the replay started and before it finished.
      const { done, total } = last?.accounts ?? { done: 0, total: null };
      if (health?.status === 200 && last?.state === 'running' && done > 0 && total !== null && done < total)
        healthyWhileRunning += 1;
      await pause(100);
    }
    expect(healthyWhileRunning).toBeGreaterThan(0);
    expect(last).toMatchObject({
      state: 'done',
      accounts: { done: 200, total: 200 },
      summaries: [{ days: 3660, accounts: 200 }],
    });

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});
