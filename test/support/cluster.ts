/**
 * Real processes for scale-out tests and benchmarks: `server/main.ts` in its roles, a Redis of our own
 * (so it can be restarted), and a PostgreSQL database of our own on the server DATABASE_URL names.
 * Everything listens on 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { cleanEnv, freePort, ROOT } from './processes';

export type Role = 'all' | 'server' | 'worker';

export type RoleProcess = {
  role: Role;
  port: number;
  child: ChildProcess;
  logs(): string;
  exited: Promise<number | null>;
};

/**
 * One process running `server/main.ts --role <role>` directly under node (tsx as a loader, no wrapper
 * process), so its pid is the process that does the work: SIGKILL kills it, /proc shows its memory.
 */
export async function startRole(role: Role, env: Record<string, string>): Promise<RoleProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--role', role], {
    cwd: ROOT,
    env: { ...cleanEnv(), HOST: '127.0.0.1', ...env, PORT: String(port) },
  });
  let logs = '';
  const keep = (chunk: Buffer) => {
    logs += chunk.toString();
    // Only the end matters for a failure report; a long run must not grow without bound.
    if (logs.length > 400000) logs = logs.slice(-200000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { role, port, child, logs: () => logs, exited };
}

export async function poll<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Waits until the process answers /readyz (server and worker alike). */
export function ready(processInfo: RoleProcess, timeoutMs = 90000): Promise<true> {
  return poll(
    async () => {
      if (processInfo.child.exitCode !== null)
        throw new Error(
          `${processInfo.role} exited ${processInfo.child.exitCode}: ${processInfo.logs().slice(-2000)}`,
        );
      const response = await fetch(`http://127.0.0.1:${processInfo.port}/readyz`);
      return response.ok ? true : undefined;
    },
    timeoutMs,
    `the ${processInfo.role} on port ${processInfo.port}`,
  );
}

export async function stopRole(
  processInfo: RoleProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (processInfo.child.exitCode === null && processInfo.child.signalCode === null)
    processInfo.child.kill(signal);
  return processInfo.exited;
}

/** Peak and current resident memory of a live process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { peakMiB: field('VmHWM'), rssMiB: field('VmRSS') };
  } catch {
    return undefined;
  }
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export type LocalRedis = {
  url: string;
  port: number;
  /** Kills Redis (SIGKILL: no save) and starts it again on the same port, empty. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
};

/** A Redis of our own, without persistence: a restart loses everything it held, the worst case. */
export async function startRedis(): Promise<LocalRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await poll(
      () =>
        new Promise<true | undefined>((resolve) => {
          const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
          resolve(ping.stdout.trim() === 'PONG' ? true : undefined);
        }),
      10000,
      `redis on ${port}`,
      50,
    );
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(downMs = 1000) {
      await kill();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    stop: kill,
  };
}

export type LocalDatabase = {
  url: string;
  name: string;
  /** Ends every other connection to the database (what a failover or a proxy restart does). */
  dropConnections(): Promise<number>;
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
};

/** A fresh database on the PostgreSQL server of `adminUrl`, dropped at the end. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<LocalDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const own = new pg.Client({ connectionString: url.toString() });
  await own.connect();
  return {
    url: url.toString(),
    name,
    async dropConnections() {
      const rows = await admin.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2`,
        [name, (own as unknown as { processID: number }).processID],
      );
      return rows.rows.filter((row) => row.ended).length;
    },
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await own.query<T>(sql, params)).rows;
    },
    async drop() {
      await own.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}
