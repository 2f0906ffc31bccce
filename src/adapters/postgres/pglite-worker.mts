/**
 * Hosts one PGlite database on a worker thread and answers statements sent by pglite-client.ts.
 * Loaded by Node directly (type stripping), so it imports packages and types only, no local modules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, protocol } from '@electric-sql/pglite';

type BackendMessage = { name: string };
type RowDescription = { name: 'rowDescription'; fields: { name: string; dataTypeID: number }[] };
type ParameterDescription = { name: 'parameterDescription'; dataTypeIDs: number[] };
type DataRow = { name: 'dataRow'; fields: (string | null)[] };
type CommandComplete = { name: 'commandComplete'; text: string };

export type PgliteWorkerData = { dataDir: string | null };

export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; prepare?: string }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'tuples'; statements: TuplesStatement[]; keyRangeOfFirst: boolean }
  | { id: number; op: 'close' };

export type TuplesStatement = { sql: string; params: (string | number | null)[] };

export type PgliteError = { message: string; code?: string; detail?: string; hint?: string };

/** id 0 answers the start-up: the database is open, or it failed to open. */
export type PgliteReply =
  | { id: number; ok: true; rows: unknown[]; command: string | null; wire?: Uint8Array<ArrayBuffer> }
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

/**
 * A 32 MB buffer pool instead of PostgreSQL's 128 MB: the data files are in the OS page cache already,
 * so a bigger pool mostly keeps a second copy in this process. Measured over a 100,000-account book,
 * the status pass and random account reads take the same time either way, and the smaller pool keeps
 * the pass's peak resident memory under 1 GB (V8 compiles PGlite in the background in its first
 * seconds, which alone takes about 580 MB).
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

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

type Prepared = { sql: string; paramTypes: number[]; fields: { name: string; dataTypeID: number }[] };

type Answer = { rows: unknown[]; command: string | null };

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

/**
 * Named statements, parsed and planned once: `db.query` parses, describes and plans every statement
 * anew in six calls into WebAssembly, which for a short indexed read costs several times its execution.
 * A prepared statement runs as one Bind/Execute/Sync message.
 */
function preparedStatements(db: PGlite) {
  const statements = new Map<string, Prepared>();
  const { serialize } = protocol;

  const prepare = async (name: string, sql: string): Promise<Prepared> => {
    const { messages } = await db.execProtocol(
      joined([
        serialize.parse({ name, text: sql }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
    );
    const statement: Prepared = { sql, paramTypes: [], fields: [] };
    for (const message of messages as BackendMessage[]) {
      if (message.name === 'parameterDescription')
        statement.paramTypes = (message as ParameterDescription).dataTypeIDs;
      if (message.name === 'rowDescription')
        statement.fields = (message as RowDescription).fields.map((field) => ({
          name: field.name,
          dataTypeID: field.dataTypeID,
        }));
    }
    statements.set(name, statement);
    return statement;
  };

  return async (name: string, sql: string, params: readonly unknown[]): Promise<Answer> =>
    db.runExclusive(async () => {
      const statement = statements.get(name) ?? (await prepare(name, sql));
      if (statement.sql !== sql) throw new Error(`statement ${name} is already prepared with other SQL`);
      const values = params.map((value, index) => {
        if (value === null || value === undefined) return null;
        const serializer = db.serializers[statement.paramTypes[index] ?? 0];
        return serializer === undefined ? String(value) : serializer(value);
      });
      const { messages } = await db.execProtocol(
        joined([serialize.bind({ statement: name, values }), serialize.execute({}), serialize.sync()]),
      );
      const rows: Record<string, unknown>[] = [];
      let command: string | null = null;
      for (const message of messages as BackendMessage[]) {
        if (message.name === 'dataRow') {
          const row: Record<string, unknown> = {};
          (message as DataRow).fields.forEach((text, index) => {
            const field = statement.fields[index];
            if (field === undefined) return;
            const parser = db.parsers[field.dataTypeID];
            row[field.name] = text === null || parser === undefined ? text : parser(text, field.dataTypeID);
          });
          rows.push(row);
        } else if (message.name === 'commandComplete') {
          command = (message as CommandComplete).text.split(' ')[0] ?? null;
        }
      }
      return { rows, command };
    });
}

/**
 * Bytes appended in place to one staging buffer that lives as long as the worker (doubling as needed),
 * handed out as an exact-size copy: each answer allocates once, at its final size, instead of a
 * chain of ever larger buffers whose memory is new to the process every time.
 */
function staging() {
  let buffer = new Uint8Array(1 << 20);
  let length = 0;
  return {
    reset(): void {
      length = 0;
    },
    append(chunk: Uint8Array): void {
      if (length + chunk.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, length + chunk.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(chunk, length);
      length += chunk.length;
    },
    view: (): Uint8Array => buffer.subarray(0, length),
    copy: (): Uint8Array<ArrayBuffer> => buffer.slice(0, length),
  };
}

/**
 * A Bind message that asks for every result column in the binary format, from one that asks for the
 * text format: its last field, the count of result format codes (0: all text), becomes one code, 1
 * (binary), for all columns (PostgreSQL protocol, "Bind" in Message Formats). PostgreSQL then writes
 * numbers and dates without formatting them as text, work its one thread here would otherwise do.
 */
function binaryResults(bind: Uint8Array): Uint8Array {
  const message = new Uint8Array(bind.length + 2);
  message.set(bind.subarray(0, bind.length - 2));
  const view = new DataView(message.buffer);
  view.setInt32(1, view.getInt32(1) + 2);
  view.setInt16(bind.length - 2, 1);
  view.setInt16(bind.length, 1);
  return message;
}

const DATA_ROW = 0x44;

/** The first column of the first and the last DataRow in `wire`, as text; nulls when there is none. */
function keyRange(wire: Uint8Array): [string | null, string | null] {
  const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
  const decoder = new TextDecoder();
  let first: string | null = null;
  let last: Uint8Array | null = null;
  for (let offset = 0; offset + 5 <= wire.length; offset += 1 + view.getInt32(offset + 1)) {
    // DataRow: type, length, column count (int16), then the first column's length (int32) and bytes.
    if (wire[offset] !== DATA_ROW || view.getInt32(offset + 7) < 0) continue;
    last = wire.subarray(offset + 11, offset + 11 + view.getInt32(offset + 7));
    first ??= decoder.decode(last);
  }
  return [first, last === null ? null : decoder.decode(last)];
}

/**
 * Runs read statements as pipelines (Parse, Bind, Describe, Execute each; one Sync) and hands back
 * PostgreSQL's answers as they left the database. The caller's thread decodes them (wire-rows.ts), so
 * this thread spends nothing on rows beyond producing them, and the bytes change threads without a copy.
 *
 * With `keyRangeOfFirst`, the first statement runs alone, and the first column of its first and last
 * rows is appended to the parameters of the others (null and null when it has no rows): each is then
 * planned with the key range it reads, so PostgreSQL sizes it and picks its scan knowing it.
 */
async function pipelineTuples(
  db: PGlite,
  statements: readonly TuplesStatement[],
  keyRangeOfFirst: boolean,
): Promise<Uint8Array<ArrayBuffer>> {
  const { serialize } = protocol;
  wire.reset();
  const run = (batch: readonly TuplesStatement[]) =>
    db.execProtocolRawStream(
      joined([
        ...batch.flatMap(({ sql, params }) => [
          serialize.parse({ text: sql }),
          // Parameters go as text; results come back in the binary format (wire-rows.ts reads both).
          binaryResults(
            serialize.bind({ values: params.map((value) => (value === null ? null : String(value))) }),
          ),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
        ]),
        serialize.sync(),
      ]),
      { onRawData: wire.append },
    );
  await db.runExclusive(async () => {
    const [head, ...others] = statements;
    if (!keyRangeOfFirst || head === undefined) {
      await run(statements);
      return;
    }
    await run([head]);
    const range = keyRange(wire.view());
    await run(others.map(({ sql, params }) => ({ sql, params: [...params, ...range] })));
  });
  return wire.copy();
}

const wire = staging();

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('pglite-worker.mts runs as a worker thread');
  const { dataDir } = workerData as PgliteWorkerData;
  let db: PGlite;
  try {
    db = await PGlite.create({
      ...(dataDir === null ? {} : { dataDir }),
      parsers,
      startParams: START_PARAMS,
    });
  } catch (error) {
    port.postMessage({ id: 0, ok: false, error: describeError(error) } satisfies PgliteReply);
    return;
  }

  const runPrepared = preparedStatements(db);
  // The client sends one statement at a time; PGlite would queue overlapping ones anyway.
  port.on('message', (request: PgliteRequest) => {
    const answer = async (): Promise<PgliteReply> => {
      switch (request.op) {
        case 'query': {
          if (request.prepare !== undefined) {
            const result = await runPrepared(request.prepare, request.sql, request.params);
            return { id: request.id, ok: true, ...result };
          }
          const result = await db.query(request.sql, request.params);
          return { id: request.id, ok: true, rows: result.rows, command: result.command ?? null };
        }
        case 'exec': {
          await db.exec(request.sql);
          return { id: request.id, ok: true, rows: [], command: null };
        }
        case 'tuples': {
          const wire = await pipelineTuples(db, request.statements, request.keyRangeOfFirst);
          return { id: request.id, ok: true, rows: [], command: null, wire };
        }
        case 'close': {
          await db.close();
          return { id: request.id, ok: true, rows: [], command: null };
        }
      }
    };
    answer().then(
      (reply) => port.postMessage(reply, reply.ok && reply.wire ? [reply.wire.buffer] : []),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, error: describeError(error) }),
    );
  });
  port.postMessage({ id: 0, ok: true, rows: [], command: null } satisfies PgliteReply);
}

void serve();
