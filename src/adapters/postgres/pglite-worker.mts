/**
 * Hosts one PGlite database on a worker thread and answers statements sent by pglite-client.ts.
 * Loaded by Node directly (type stripping), so it imports packages and types only, no local modules.
 */
import { setFlagsFromString } from 'node:v8';
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
  | {
      id: number;
      op: 'tuples';
      statements: TuplesStatement[];
      keyRangeOfFirst: boolean;
      keyset?: TuplesKeyset;
    }
  | { id: number; op: 'close' };

/** Memory of an answer the caller has read, given back (not a request: nothing answers it). */
export type PgliteRecycle = { op: 'recycle'; memory: ArrayBuffer };

export type TuplesStatement = { sql: string; params: (string | number | null)[] };

/**
 * A keyset page's follow-on: when the first statement returns `rows` rows, the next page is likely
 * the same request with `next` as its first statement, its parameters followed by the last row's
 * first column.
 */
export type TuplesKeyset = { next: TuplesStatement; rows: number };

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
 * the status pass and random account reads take the same time either way, and the smaller pool is
 * memory the process does not hold.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

/**
 * How much of a WebAssembly function V8 runs before recompiling it with its optimizing compiler
 * (`--wasm-tiering-budget`, "a rough approximation of bytes executed"; V8's default is 13,000,000).
 * V8 counts each pass round a loop by the loop's size, so PostgreSQL's SQL parser (one function of
 * 105 KB, `raw_parser`) reaches the default budget while PGlite starts, and its recompilation then
 * takes one core for about 2.5 s and some 450 MB at the peak, in every process that opens a store,
 * competing with the first seconds of its work. At this budget the parser stays on V8's baseline
 * code and functions that run long still are recompiled. Measured over a 100,000-account book
 * (README, Benchmarks): the status pass ran faster and at about half the peak memory, the company
 * card's latency and the import's time were unchanged. V8 flags are per process; this one only
 * concerns WebAssembly, which only PGlite runs here, and takes effect for modules compiled later.
 */
const WASM_TIERING_BUDGET = 1_000_000_000;
setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);

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
 * Bytes appended in place to a staging buffer (doubling as needed) and handed over with it: the
 * answer crosses threads without a copy, and the next answer is written into a buffer the caller
 * has given back once it read the rows (`recycle`), or into a new one when none is back yet. Memory
 * new to the process costs a page fault per 4 KB, about as much as the copy it replaces.
 */
function staging() {
  const returned: Uint8Array<ArrayBuffer>[] = [];
  const KEEP = 4;
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
    /** Drops what was appended after the first `keep` bytes. */
    truncate(keep: number): void {
      length = Math.min(length, keep);
    },
    /** The bytes appended, in the buffer that holds them, which is no longer this one's. */
    take(): Uint8Array<ArrayBuffer> {
      const taken = buffer.subarray(0, length);
      buffer = returned.pop() ?? new Uint8Array(buffer.length);
      length = 0;
      return taken;
    },
    /** A buffer handed out before, back from the caller to be written again. */
    recycle(memory: ArrayBuffer): void {
      if (returned.length < KEEP && memory.byteLength > 0) returned.push(new Uint8Array(memory));
    },
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

type KeyRange = { first: string | null; last: string | null; rows: number };

/** The first column of the first and the last DataRow in `wire` as text (null when none), and the rows. */
function keyRange(wire: Uint8Array): KeyRange {
  const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
  const decoder = new TextDecoder();
  let first: string | null = null;
  let last: Uint8Array | null = null;
  let rows = 0;
  for (let offset = 0; offset + 5 <= wire.length; offset += 1 + view.getInt32(offset + 1)) {
    if (wire[offset] !== DATA_ROW) continue;
    rows += 1;
    // DataRow: type, length, column count (int16), then the first column's length (int32) and bytes.
    if (view.getInt32(offset + 7) < 0) continue;
    last = wire.subarray(offset + 11, offset + 11 + view.getInt32(offset + 7));
    first ??= decoder.decode(last);
  }
  return { first, last: last === null ? null : decoder.decode(last), rows };
}

/**
 * Pipeline statements by their text, each parsed once under a name of its own: the parser is one of
 * the largest functions in PGlite, and text parsed for every page keeps it hot enough for V8 to spend
 * seconds of a core recompiling it while the pass runs. A name is kept only once its Parse succeeded
 * (a pipeline that fails may have stopped before it), and a name is never used twice. At most
 * MAX_NAMED names are made: statements past them are parsed unnamed each time.
 */
function namedStatements() {
  const names = new Map<string, string>();
  const pending = new Map<string, string>();
  const MAX_NAMED = 256;
  let made = 0;
  return {
    /** Parse (when new) and the statement's name. */
    parse(sql: string): { parse: Uint8Array | undefined; name: string } {
      const known = names.get(sql) ?? pending.get(sql);
      if (known !== undefined) return { parse: undefined, name: known };
      if (made >= MAX_NAMED) return { parse: protocol.serialize.parse({ text: sql }), name: '' };
      made += 1;
      const name = `tuples_${made}`;
      pending.set(sql, name);
      return { parse: protocol.serialize.parse({ name, text: sql }), name };
    },
    settle(ok: boolean): void {
      if (ok) for (const [sql, name] of pending) names.set(sql, name);
      pending.clear();
    },
    /** Every text is parsed anew, under new names (a table's columns changed under a statement). */
    forget(): void {
      names.clear();
      pending.clear();
    },
  };
}

const named = namedStatements();

/**
 * Runs read statements as pipelines (Parse when new, Bind, Describe, Execute each; one Sync) and hands
 * back PostgreSQL's answers as they left the database. The caller's thread decodes them (wire-rows.ts),
 * so this thread spends nothing on rows beyond producing them, and the bytes change threads without a
 * copy.
 *
 * With `keyRangeOfFirst`, the first statement runs alone, and the first column of its first and last
 * rows is appended to the parameters of the others (null and null when it has no rows).
 */
type Tuples = { wire: Uint8Array<ArrayBuffer>; head: KeyRange | undefined };

async function pipelineTuples(
  db: PGlite,
  statements: readonly TuplesStatement[],
  keyRangeOfFirst: boolean,
): Promise<Tuples> {
  const { serialize } = protocol;
  const run = async (batch: readonly TuplesStatement[]) => {
    const message = joined([
      ...batch.flatMap(({ sql, params }) => {
        const { parse, name } = named.parse(sql);
        return [
          ...(parse === undefined ? [] : [parse]),
          // Parameters go as text; results come back in the binary format (wire-rows.ts).
          binaryResults(
            serialize.bind({
              statement: name,
              values: params.map((value) => (value === null ? null : String(value))),
            }),
          ),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
        ];
      }),
      serialize.sync(),
    ]);
    const before = wire.view().length;
    let failed: string | undefined = 'unknown';
    try {
      await db.execProtocolRawStream(message, { onRawData: wire.append });
      failed = errorCode(wire.view().subarray(before));
    } finally {
      named.settle(failed === undefined);
    }
    return { before, failed };
  };
  /**
   * A statement parsed before a table it reads changed its columns fails with "cached plan must not
   * change result type" (SQLSTATE 0A000, PostgreSQL's plancache.c); parsed anew, it runs.
   */
  const runParsedAnew = async (batch: readonly TuplesStatement[]): Promise<void> => {
    const { before, failed } = await run(batch);
    if (failed !== FEATURE_NOT_SUPPORTED) return;
    wire.truncate(before);
    named.forget();
    await run(batch);
  };
  return db.runExclusive(async (): Promise<Tuples> => {
    wire.reset();
    const [head, ...others] = statements;
    if (!keyRangeOfFirst || head === undefined) {
      await runParsedAnew(statements);
      return { wire: wire.take(), head: undefined };
    }
    await runParsedAnew([head]);
    const range = keyRange(wire.view());
    await runParsedAnew(
      others.map(({ sql, params }) => ({ sql, params: [...params, range.first, range.last] })),
    );
    return { wire: wire.take(), head: range };
  });
}

type TuplesRequest = Extract<PgliteRequest, { op: 'tuples' }>;
type TuplesAsk = Pick<TuplesRequest, 'statements' | 'keyRangeOfFirst' | 'keyset'>;

/** What identifies a tuples request: equal keys, equal statements and parameters. */
const requestKey = ({ statements, keyRangeOfFirst, keyset }: TuplesAsk): string =>
  JSON.stringify([statements, keyRangeOfFirst, keyset ?? null]);

/**
 * The next page of a keyset walk, read while the caller works through the one just sent. A caller
 * asks for page N + 1 only once page N has arrived (its last key is in it), so this thread would
 * otherwise wait while the answer crosses and the request comes back.
 *
 * It is only a guess, used only if the very next request is that page: any other request drops it
 * (its answer waits behind the read already started, as it would behind a page). A read ahead starts
 * only when no other request is waiting and right after the page it follows, so it never runs inside
 * a transaction: the client opens one only through a request that arrives after it.
 */
function readAhead(db: PGlite) {
  let ahead: { key: string; tuples: Promise<Tuples | undefined> } | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return {
    /** A request arrived: one that is not the page read ahead drops it. */
    arrived(request: PgliteRequest): void {
      waiting += 1;
      if (ahead === undefined || (request.op === 'tuples' && ahead.key === requestKey(request))) return;
      // Its memory is written again once it has been read.
      void ahead.tuples.then((dropped) => dropped && wire.recycle(dropped.wire.buffer));
      ahead = undefined;
    },
    /** The tuples `request` asks for, read ahead or now. */
    async answer(request: TuplesRequest): Promise<Tuples> {
      const guessed = ahead?.key === requestKey(request) ? await ahead.tuples : undefined;
      ahead = undefined;
      return guessed ?? pipelineTuples(db, request.statements, request.keyRangeOfFirst);
    },
    /** `request` was answered with `tuples`: read its next page when it has one and nothing waits. */
    answered(request: PgliteRequest, tuples?: Tuples): void {
      waiting -= 1;
      if (request.op !== 'tuples' || request.keyset === undefined || tuples?.head === undefined) return;
      const { keyset, keyRangeOfFirst, statements } = request;
      if (waiting > 0 || tuples.head.rows !== keyset.rows || tuples.head.last === null) return;
      const next: TuplesAsk = {
        statements: [
          { sql: keyset.next.sql, params: [...keyset.next.params, tuples.head.last] },
          ...statements.slice(1),
        ],
        keyRangeOfFirst,
        keyset,
      };
      // A failed read ahead is read again when asked for, and reported then.
      const read = pipelineTuples(db, next.statements, keyRangeOfFirst).catch(() => undefined);
      ahead = { key: requestKey(next), tuples: read };
      running = read;
    },
    /** Settled once no read ahead is running, kept or dropped. */
    idle: async (): Promise<void> => void (await running),
  };
}

const ERROR_RESPONSE = 0x45;
const FEATURE_NOT_SUPPORTED = '0A000';

/** The SQLSTATE of the first ErrorResponse among the backend messages in `wire`, if there is one. */
function errorCode(wire: Uint8Array): string | undefined {
  const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
  for (let offset = 0; offset + 5 <= wire.length; offset += 1 + view.getInt32(offset + 1)) {
    if (wire[offset] !== ERROR_RESPONSE) continue;
    // Fields: a type byte, then a zero-terminated string; 'C' is the code; a zero byte ends them.
    const end = offset + 1 + view.getInt32(offset + 1);
    for (let field = offset + 5; field < end && wire[field] !== 0;) {
      const close = wire.indexOf(0, field + 1);
      if (close < 0) break;
      if (wire[field] === 0x43) return new TextDecoder().decode(wire.subarray(field + 1, close));
      field = close + 1;
    }
    return 'unknown';
  }
  return undefined;
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
  const pages = readAhead(db);
  port.on('message', (request: PgliteRequest | PgliteRecycle) => {
    if (request.op === 'recycle') {
      wire.recycle(request.memory);
      return;
    }
    pages.arrived(request);
    let tuples: Tuples | undefined;
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
          tuples = await pages.answer(request);
          return { id: request.id, ok: true, rows: [], command: null, wire: tuples.wire };
        }
        case 'close': {
          await pages.idle();
          await db.close();
          return { id: request.id, ok: true, rows: [], command: null };
        }
      }
    };
    answer().then(
      (reply) => {
        port.postMessage(reply, reply.ok && reply.wire ? [reply.wire.buffer] : []);
        pages.answered(request, tuples);
      },
      (error: unknown) => {
        port.postMessage({ id: request.id, ok: false, error: describeError(error) });
        pages.answered(request);
      },
    );
  });
  port.postMessage({ id: 0, ok: true, rows: [], command: null } satisfies PgliteReply);
}

void serve();
