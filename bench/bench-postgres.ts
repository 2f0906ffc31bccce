/**
 * The PostgreSQL the store-bound benchmarks measure beside PGlite: a fresh `collections_bench`
 * database on BENCH_DATABASE_URL's server when it is set, else a temporary cluster started from the
 * PostgreSQL binaries found under /usr/lib/postgresql/<version>/bin, on a free loopback port, and
 * removed at the end (also on failure and on Ctrl-C).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const BENCH_DATABASE = 'collections_bench';

export type BenchPostgres = {
  /** The fresh bench database. */
  url: string;
  /** Where it runs, for the report. */
  server: string;
  /** Drops the bench database and recreates it empty. */
  recreate(): Promise<void>;
  stop(): Promise<void>;
};

export type NoPostgres = { skipped: string };

const SEARCH_ROOT = '/usr/lib/postgresql';

/** The newest version's bin folder that has initdb and pg_ctl. */
async function findBinaries(): Promise<string | undefined> {
  const versions = await readdir(SEARCH_ROOT).catch(() => [] as string[]);
  return versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => path.join(SEARCH_ROOT, version, 'bin'))
    .find((bin) => existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}

/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` user. */
async function clusterOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops and creates the bench database through the server's `postgres` database. */
async function recreateDatabase(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
}

async function onServer(serverUrl: string): Promise<BenchPostgres> {
  await recreateDatabase(serverUrl);
  const { hostname, port } = new URL(serverUrl);
  return {
    url: databaseUrl(serverUrl, BENCH_DATABASE),
    server: `BENCH_DATABASE_URL (${hostname}:${port || 5432}), database ${BENCH_DATABASE}`,
    recreate: () => recreateDatabase(serverUrl),
    async stop() {
      const admin = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`).finally(() => admin.end());
    },
  };
}

async function temporaryCluster(bin: string): Promise<BenchPostgres> {
  const owner = await clusterOwner();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-bench-pg-'));
  const data = path.join(dir, 'data');
  const pgCtl = path.join(bin, 'pg_ctl');
  const asOwner = { ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C' } };
  let started = false;

  // A synchronous last resort for a process that exits without running `stop`.
  const removeNow = (): void => {
    if (started) {
      try {
        execFileSync(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w'], { ...asOwner, stdio: 'ignore' });
      } catch {
        // Already stopped.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeNow);

  try {
    if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
    await run(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      asOwner,
    );
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}`;
    started = true;
    await run(
      pgCtl,
      ['start', '-D', data, '-w', '-l', path.join(dir, 'postgres.log'), '-o', options],
      asOwner,
    );
    const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await recreateDatabase(serverUrl);
    const version = path.basename(path.dirname(bin));
    let stopping: Promise<void> | undefined;
    return {
      url: databaseUrl(serverUrl, BENCH_DATABASE),
      server: `temporary PostgreSQL ${version} cluster on 127.0.0.1:${port}`,
      recreate: () => recreateDatabase(serverUrl),
      // Once, however many callers; the exit fallback stays until the folder is gone.
      stop: () =>
        (stopping ??= (async () => {
          await run(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w'], asOwner).catch(() => undefined);
          started = false;
          await rm(dir, { recursive: true, force: true });
          process.removeListener('exit', removeNow);
        })()),
    };
  } catch (error) {
    process.removeListener('exit', removeNow);
    removeNow();
    throw error;
  }
}

/** PostgreSQL for the bench, or why there is none. Stopped on SIGINT/SIGTERM as well as by `stop`. */
export async function startBenchPostgres(): Promise<BenchPostgres | NoPostgres> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  let postgres: BenchPostgres;
  if (serverUrl !== undefined && serverUrl !== '') postgres = await onServer(serverUrl);
  else {
    const bin = await findBinaries();
    if (bin === undefined)
      return {
        skipped: `no initdb and pg_ctl under ${SEARCH_ROOT}/<version>/bin and BENCH_DATABASE_URL is not set`,
      };
    postgres = await temporaryCluster(bin);
  }
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the bench PostgreSQL\n`);
    void postgres.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  const stop = postgres.stop;
  return {
    ...postgres,
    async stop() {
      await stop();
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
    },
  };
}
