/**
 * One process owns an embedded (PGlite) data directory. Real processes throughout: the server as
 * `npm start` runs it, and the `collections` bin.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  freePort,
  runCollections,
  startCollections,
  startServerProcess,
  type RunResult,
  type ServerProcess,
} from './support/processes';

jest.setTimeout(300000);

type Counts = {
  customers: number;
  invoices: number;
  payments: number;
  subscriptions: number;
  disputes: number;
};

type Server = ServerProcess;
const startServer = startServerProcess;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function ready(server: Server): Promise<void> {
  await until(`the server on port ${server.port}`, async () => {
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.logs().slice(-2000)}`);
    const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    return response.ok ? true : undefined;
  });
}

/** Resolves once the store's lock file names `pid` as its holder. */
function lockHeldBy(store: string, pid: number): Promise<true> {
  return until(`process ${pid} to lock ${store}`, async () => {
    const holder = JSON.parse(await readFile(path.join(store, 'collections.lock'), 'utf8')) as {
      pid: number;
    };
    return holder.pid === pid ? true : undefined;
  });
}

function tenantsOf(listed: RunResult): Map<string, Counts> {
  expect({ code: listed.code, stderr: listed.code === 0 ? '' : listed.stderr }).toEqual({
    code: 0,
    stderr: '',
  });

  const body = JSON.parse(listed.stdout) as { tenants: { tenant: string; counts: Counts }[] };
  return new Map(body.tenants.map((entry) => [entry.tenant, entry.counts]));
}

describe('one owner of an embedded data directory', () => {
  let work: string;
  let book: string;
  let bookCounts: Counts;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-owner-'));
    book = path.join(work, 'book');
    const generated = await runCollections(
      ['demo-data', book, '--customers', '120', '--seed', '11', '--as-of', '2026-11-01', '--json'],
      { COLLECTIONS_DATA_DIR: path.join(work, 'unused') },
    );
    expect(generated.code).toBe(0);
    const rows = (JSON.parse(generated.stdout) as { rows: Record<string, number> }).rows;
    bookCounts = {
      customers: rows['customers.csv'] ?? 0,
      invoices: rows['invoices.csv'] ?? 0,
      payments: rows['payments.csv'] ?? 0,
      subscriptions: rows['subscriptions.csv'] ?? 0,
      disputes: rows['disputes.csv'] ?? 0,
    };
  });

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('keeps an import made while the server runs (the quick start), and a busy port never reaches the store', async () => {
    const store = path.join(work, 'readme-store');
    const port = await freePort();
    const env = { COLLECTIONS_DATA_DIR: store, LOG_LEVEL: 'warn' };
    const server = startServer({ ...env, PORT: String(port), DEMO_CUSTOMERS: '20', LOG_LEVEL: 'info' });
    children.push(server.child);
    await ready(server);
    const pid = server.child.pid as number;

    // A second start on the busy port fails before it opens (or creates) any store.
    const elsewhere = path.join(work, 'never-created');
    for (const dataDir of [elsewhere, store]) {
      const second = startServer({ COLLECTIONS_DATA_DIR: dataDir, PORT: String(port) });
      children.push(second.child);
      expect(await second.exited).toBe(1);
      expect(second.logs()).toContain('cannot listen');
      expect(second.logs()).toContain('EADDRINUSE');
      expect(second.logs()).not.toContain('in use by process');
    }
    expect(existsSync(elsewhere)).toBe(false);

    // The CLI does not open the store beside the server: the import is handed to the server, and it
    // is still there once the server has stopped.
    const imported = await runCollections(['import', book, '--tenant', 'acme', '--json'], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(tenantsOf(await runCollections(['tenants', '--json'], env)).get('acme')).toEqual(bookCounts);
    const body = JSON.parse(imported.stdout) as { outcome: { inserted: Counts }; via: { pid: number } };
    expect(body.outcome.inserted).toMatchObject(bookCounts);
    expect(body.via.pid).toBe(pid);
    expect(existsSync(path.join(store, 'collections.lock'))).toBe(false);

    // Read-only commands are refused, naming the server (exit 2), not run on a second PGlite.
    const again = startServer({ ...env, PORT: String(await freePort()), DEMO_DATA: 'never' });
    children.push(again.child);
    await ready(again);
    const listed = await runCollections(['tenants'], env);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain(`in use by process ${again.child.pid}`);
    expect(listed.stderr).toContain(`serving http://127.0.0.1:${again.port}`);
    expect(listed.stderr).not.toMatch(/Aborted|\n\s+at /);

    // A server killed without warning leaves its lock behind; the next opener takes it over.
    again.child.kill('SIGKILL');
    await again.exited;
    const afterKill = await runCollections(['tenants', '--json'], env);
    expect(afterKill.stderr).toContain(`took over the store lock of process ${again.child.pid}`);
    expect(tenantsOf(afterKill).get('acme')).toEqual(bookCounts);
  });

  it('lets one of two CLI writers in and refuses the other cleanly; a killed writer’s lock is taken over', async () => {
    const store = path.join(work, 'cli-store');
    const env = { COLLECTIONS_DATA_DIR: store, LOG_LEVEL: 'warn' };

    // The first writer is frozen while it holds the store, so the second certainly meets it.
    const first = startCollections(['import', book, '--tenant', 'one', '--json'], env);
    children.push(first.child);
    const firstPid = first.child.pid as number;
    await lockHeldBy(store, firstPid);
    first.child.kill('SIGSTOP');
    await lockHeldBy(store, firstPid);
    const second = await runCollections(['import', book, '--tenant', 'two', '--json'], env);
    first.child.kill('SIGCONT');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`in use by process ${firstPid}`);
    expect(second.stderr).toContain('collections CLI: collections.mjs import');
    expect(second.stderr).not.toMatch(/Aborted|\n\s+at /);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: false, holder: { pid: firstPid } });
    const firstDone = await first.done;
    expect(firstDone.code).toBe(0);
    expect(firstDone.stderr).not.toContain('Aborted');

    const afterTwo = tenantsOf(await runCollections(['tenants', '--json'], env));
    expect(afterTwo.get('one')).toEqual(bookCounts);
    expect(afterTwo.has('two')).toBe(false);

    // kill -9 while it holds the store: the lock stays behind, naming a process that is gone.
    const killed = startCollections(['import', book, '--tenant', 'three', '--json'], env);
    children.push(killed.child);
    await lockHeldBy(store, killed.child.pid as number);
    killed.child.kill('SIGKILL');
    await killed.done;
    await lockHeldBy(store, killed.child.pid as number);
    const retried = await runCollections(['import', book, '--tenant', 'three', '--json'], env);
    expect(retried.code).toBe(0);
    expect(retried.stderr).toContain(`took over the store lock of process ${killed.child.pid}`);
    const afterRetry = tenantsOf(await runCollections(['tenants', '--json'], env));
    expect(afterRetry.get('three')).toEqual(bookCounts);
    expect(afterRetry.get('one')).toEqual(bookCounts);
  });

  it('refuses an empty PORT, naming it, before touching the store', async () => {
    const store = path.join(work, 'empty-port-store');
    const server = startServer({ COLLECTIONS_DATA_DIR: store, PORT: '' });
    children.push(server.child);
    expect(await server.exited).toBe(2);
    expect(server.logs()).toContain('PORT: is empty');
    expect(existsSync(store)).toBe(false);
  });
});
