/**
 * Hosts one PGlite database on a worker thread and answers statements sent by pglite-client.ts.
 * Loaded by Node directly (type stripping), so it imports packages and types only, no local modules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

export type PgliteWorkerData = { dataDir: string | null };

export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'close' };

export type PgliteError = { message: string; code?: string; detail?: string; hint?: string };

/** id 0 answers the start-up: the database is open, or it failed to open. */
export type PgliteReply =
  | { id: number; ok: true; rows: unknown[]; command: string | null }
  | { id: number; ok: false; error: PgliteError };

const INT8_OID = 20;
const DATE_OID = 1082;

// Kept in step with TYPE_PARSERS of node-postgres-client.ts: BIGINT as a safe-integer number,
// DATE as its text.
const parsers = {
  [INT8_OID]: (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is not a safe integer`);
    return value;
  },
  [DATE_OID]: (text: string): string => text,
};

function describeError(error: unknown): PgliteError {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = error as Error & { code?: unknown; detail?: unknown; hint?: unknown };
  return {
    message: error.message,
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.detail === 'string' ? { detail: fields.detail } : {}),
    ...(typeof fields.hint === 'string' ? { hint: fields.hint } : {}),
  };
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('pglite-worker.mts runs as a worker thread');
  const { dataDir } = workerData as PgliteWorkerData;
  let db: PGlite;
  try {
    db = await PGlite.create({ ...(dataDir === null ? {} : { dataDir }), parsers });
  } catch (error) {
    port.postMessage({ id: 0, ok: false, error: describeError(error) } satisfies PgliteReply);
    return;
  }

  // The client sends one statement at a time; PGlite would queue overlapping ones anyway.
  port.on('message', (request: PgliteRequest) => {
    const answer = async (): Promise<PgliteReply> => {
      switch (request.op) {
        case 'query': {
          const result = await db.query(request.sql, request.params);
          return { id: request.id, ok: true, rows: result.rows, command: result.command ?? null };
        }
        case 'exec': {
          await db.exec(request.sql);
          return { id: request.id, ok: true, rows: [], command: null };
        }
        case 'close': {
          await db.close();
          return { id: request.id, ok: true, rows: [], command: null };
        }
      }
    };
    answer().then(
      (reply) => port.postMessage(reply),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, error: describeError(error) }),
    );
  });
  port.postMessage({ id: 0, ok: true, rows: [], command: null } satisfies PgliteReply);
}

void serve();
