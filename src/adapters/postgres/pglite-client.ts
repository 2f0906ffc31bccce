import { mkdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type {
  PgliteError,
  PgliteRecycle,
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
} from './pglite-worker.mjs';
import type { SqlClient, SqlSession, SqlStatement, SqlValue, TuplesOptions } from './sql-client';
import { readWireResults } from './wire-rows';
import { lockDataDir, type DataDirHolder, type DataDirLock, type DataDirOwner } from './data-dir-lock';

export type PgliteOptions = {
  /** Who holds the data directory while it is open (named to any other opener). */
  owner?: DataDirOwner;
  /** A lock left by a process that is no longer running was taken over. */
  onTakeover?: (previous: DataDirHolder) => void;
};

// An .mts file, so Node loads it as an ES module straight from source (type stripping); .mjs once compiled.
const WORKER_FILE = new URL(
  import.meta.url.endsWith('.ts') ? './pglite-worker.mts' : './pglite-worker.mjs',
  import.meta.url,
);

type Answer = { rows: unknown[]; command: string | null; wire?: Uint8Array };

function toError(error: PgliteError): Error {
  return Object.assign(new Error(error.message), error);
}

/**
 * PGlite runs on a worker thread: its statements execute synchronously in WebAssembly, and a long
 * import or report must not stall the event loop that serves HTTP and jobs. (A worker also gives it a
 * plain Node module loader, which sandboxes such as Jest's would otherwise deny it.)
 *
 * PGlite is a single connection, so this client serializes work: a transaction holds the
 * connection until it ends, and statements issued outside it wait instead of joining it.
 *
 * A data directory is locked while it is open: a second opener, in this process or another, gets a
 * DataDirLockedError instead of a second PostgreSQL on the same files.
 */
export async function openPgliteClient(
  dataDir: string | undefined,
  options: PgliteOptions = {},
): Promise<SqlClient> {
  let lock: DataDirLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir, options.owner ?? { role: 'collections' }, options.onTakeover);
  }
  try {
    return await startPglite(dataDir, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

type Request = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Requests to the worker and their answers, matched by id; every one pending fails once it stops. */
function workerChannel(worker: Worker) {
  const waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;

  const stop = (error: Error): void => {
    stopped ??= error;
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: PgliteReply) => {
    const waiter = waiting.get(reply.id);
    if (waiter === undefined) return;
    waiting.delete(reply.id);
    if (reply.ok) waiter.resolve({ rows: reply.rows, command: reply.command, wire: reply.wire });
    else waiter.reject(toError(reply.error));
  });
  worker.on('error', stop);
  worker.on('exit', (code) => stop(new Error(`the PGlite worker stopped (exit code ${code})`)));

  const answer = (id: number, request?: PgliteRequest): Promise<Answer> =>
    new Promise((resolve, reject) => {
      if (stopped !== undefined) {
        reject(stopped);
        return;
      }
      waiting.set(id, { resolve, reject });
      if (request !== undefined) worker.postMessage(request);
    });

  return {
    /** The worker's answer to its start-up. */
    started: (): Promise<Answer> => answer(0),
    ask: (request: Request): Promise<Answer> => {
      const id = nextId++;
      return answer(id, { ...request, id } as PgliteRequest);
    },
    stopped: (): boolean => stopped !== undefined,
    stop,
    /** Gives the memory of an answer read to the end back to the worker, which writes the next into it. */
    recycle(wire: Uint8Array): void {
      const memory = wire.buffer;
      if (stopped !== undefined || !(memory instanceof ArrayBuffer) || memory.byteLength === 0) return;
      worker.postMessage({ op: 'recycle', memory } satisfies PgliteRecycle, [memory]);
    },
  };
}

type Statements = {
  run: (sql: string, params: readonly SqlValue[], prepare?: string) => Promise<Answer>;
  runScript: (sql: string) => Promise<void>;
};

/** `work` between BEGIN and COMMIT (ROLLBACK when it fails); statements after its end are refused. */
async function inTransaction<T>(
  { run, runScript }: Statements,
  work: (tx: SqlSession) => Promise<T>,
): Promise<T> {
  let open = true;
  const inside = <R>(action: () => Promise<R>): Promise<R> =>
    open ? action() : Promise.reject(new Error('the transaction has already ended'));
  const tx: SqlSession = {
    query: <Row>(sql: string, params: readonly SqlValue[] = [], options: { prepare?: string } = {}) =>
      inside(async () => (await run(sql, params, options.prepare)).rows as Row[]),
    exec: (sql) => inside(() => runScript(sql)),
  };
  await runScript('BEGIN');
  let result: T;
  try {
    result = await work(tx);
  } catch (error) {
    open = false;
    await runScript('ROLLBACK').catch(() => undefined);
    throw error;
  }
  open = false;
  const committed = await run('COMMIT', []);
  // COMMIT of a transaction that already failed answers ROLLBACK instead of raising.
  if (committed.command === 'ROLLBACK') throw new Error('transaction failed earlier and was rolled back');
  return result;
}

async function startPglite(dataDir: string | undefined, lock: DataDirLock | undefined): Promise<SqlClient> {
  const workerData: PgliteWorkerData = { dataDir: dataDir ?? null };
  const worker = new Worker(WORKER_FILE, { workerData });
  const channel = workerChannel(worker);
  try {
    await channel.started();
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const statements: Statements = {
    run: (sql, params, prepare) =>
      channel.ask({ op: 'query', sql, params: [...params], ...(prepare === undefined ? {} : { prepare }) }),
    runScript: async (sql) => {
      await channel.ask({ op: 'exec', sql });
    },
  };
  const { run, runScript } = statements;
  const runTuples = async (
    list: readonly SqlStatement[],
    { keyRangeOfFirst = false, keyset }: TuplesOptions,
  ): Promise<Uint8Array> => {
    const answer = await channel.ask({
      op: 'tuples',
      statements: list.map(({ sql, params }) => ({ sql, params: [...params] })),
      keyRangeOfFirst,
      ...(keyset === undefined
        ? {}
        : { keyset: { next: { sql: keyset.next.sql, params: [...keyset.next.params] }, rows: keyset.rows } }),
    });
    return answer.wire ?? new Uint8Array(0);
  };

  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };

  return {
    kind: 'pglite',
    query: <Row>(sql: string, params: readonly SqlValue[] = [], options: { prepare?: string } = {}) =>
      exclusive(async () => (await run(sql, params, options.prepare)).rows as Row[]),
    exec: (sql) => exclusive(() => runScript(sql)),
    // Read outside the exclusive section, so the next statement reaches the worker meanwhile.
    queryTuples: async (list: readonly SqlStatement[], options: TuplesOptions = {}) => {
      const wire = await exclusive(() => runTuples(list, options));
      return readWireResults(wire, list.length, () => channel.recycle(wire));
    },
    transaction: <T>(work: (tx: SqlSession) => Promise<T>) =>
      exclusive(() => inTransaction(statements, work)),
    close: () =>
      exclusive(async () => {
        try {
          if (!channel.stopped()) await channel.ask({ op: 'close' });
        } finally {
          channel.stop(new Error('the PGlite store is closed'));
          await worker.terminate();
          await lock?.release();
        }
      }),
  };
}
