import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, freePort, ROOT } from './support/processes';

type Health = {
  status: string;
  store: string;
  demoData?: { state: string; tenant: string; invoices?: number };
};

async function getJson<T>(url: string): Promise<{ status: number; body: T } | undefined> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as T };
  } catch {
    return undefined;
  }
}

describe('the product process (npm start)', () => {
  let work: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-start-'));
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('serves /healthz and /readyz, loads demo data into an empty store, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    // As `npm start` runs it: Node with tsx as its loader, so SIGTERM reaches the server's handler.
    const started = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: {
        ...cleanEnv(),
        PORT: String(port),
        COLLECTIONS_DATA_DIR: path.join(work, 'store'),
        DEMO_CUSTOMERS: '40',
        LOG_LEVEL: 'info',
      },
    });
    child = started;
    let logs = '';
    started.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));

    const base = `http://127.0.0.1:${port}`;
    let health: Health | undefined;
    const deadline = Date.now() + 90000;
    while (Date.now() < deadline) {
      const answer = await getJson<Health>(`${base}/healthz`);
      // While it starts (the port is bound before the store opens) the answer is 503 "starting".
      const demoState = answer?.body.demoData?.state;
      if (answer !== undefined && (demoState === 'loaded' || demoState === 'failed')) {
        health = answer.body;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health).toMatchObject({
      status: 'ok',
      store: 'pglite',
      demoData: { state: 'loaded', tenant: 'demo' },
    });
    expect(health?.demoData?.invoices).toBeGreaterThan(40);

    const ready = await getJson<{ status: string }>(`${base}/readyz`);
    expect(ready).toEqual({ status: 200, body: { status: 'ready', store: 'pglite' } });
    const missing = await getJson<{ error: string }>(`${base}/nope`);
    expect(missing?.status).toBe(404);

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('"msg":"stopped"');
    child = undefined;
  });
});
