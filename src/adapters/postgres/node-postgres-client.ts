import pg from 'pg';
import type {
  SqlClient,
  SqlSession,
  SqlStatement,
  SqlValue,
  TupleResults,
  TuplesOptions,
} from './sql-client';
import { arrayResults } from './tuple-arrays';

const INT8_OID = 20;
const DATE_OID = 1082;

// Kept in step with the parsers of pglite-worker.mts.
const TYPE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  // BIGINT columns hold minor units and counts, always safe integers: anything else is corruption.
  [INT8_OID]: (text) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is not a safe integer`);
    return value;
  },
  // No Date object, so no time zone.
  [DATE_OID]: (text) => text,
};

function sessionOf(client: pg.PoolClient): SqlSession {
  return {
    async query<Row>(
      sql: string,
      params: readonly SqlValue[] = [],
      options: { prepare?: string } = {},
    ): Promise<Row[]> {
      const result =
        options.prepare === undefined
          ? await client.query(sql, [...params])
          : await client.query({ name: options.prepare, text: sql, values: [...params] });
      return result.rows as Row[];
    },
    async exec(sql: string): Promise<void> {
      // Without parameters node-postgres uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: (id, format) =>
    (format !== 'binary' ? TYPE_PARSERS[id] : undefined) ?? pg.types.getTypeParser(id, format),
};

/**
 * The DATE parser keeps the server's text, which is 'YYYY-MM-DD' only under the ISO DateStyle.
 * JIT compilation costs more than it saves on this workload (many short, index-driven queries).
 */
const SESSION_SETUP = 'SET DateStyle = ISO, YMD; SET jit = off';

/**
 * An error the server reported leaves the connection usable, unless the server ended the session
 * (FATAL: an administrator or a failover terminated it, class 57 / 08); anything else may have broken it.
 */
function brokenConnection(error: unknown): Error | undefined {
  if (
    error instanceof pg.DatabaseError &&
    error.severity !== 'FATAL' &&
    error.severity !== 'PANIC' &&
    !/^(57|08)/.test(error.code ?? '')
  )
    return undefined;
  return error instanceof Error ? error : new Error(String(error));
}

export function openNodePostgresClient(connectionString: string): SqlClient {
  const pool = new pg.Pool({ connectionString, types: typeParsers });
  // An idle connection that drops is removed from the pool; the next query opens a new one.
  pool.on('error', () => undefined);
  // A connection in use that the server ends (pg_terminate_backend, failover) reports it through the
  // query that was running; without a listener its 'error' event would end the process.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const prepared = new WeakSet<pg.PoolClient>();

  const acquire = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    if (prepared.has(client)) return client;
    try {
      await client.query(SESSION_SETUP);
    } catch (error) {
      client.release(brokenConnection(error) ?? new Error('session setup failed'));
      throw error;
    }
    prepared.add(client);
    return client;
  };

  const withConnection = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await acquire();
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      broken = brokenConnection(error);
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const withClient = <T>(work: (session: SqlSession) => Promise<T>): Promise<T> =>
    withConnection((client) => work(sessionOf(client)));

  const rowsOf = (statement: SqlStatement, extra: SqlStatement['params'] = []): Promise<unknown[][]> =>
    withConnection(async (client) => {
      const result = await client.query<unknown[]>({
        text: statement.sql,
        values: [...statement.params, ...extra],
        rowMode: 'array',
      });
      return result.rows;
    });

  /**
   * Plain rows, decoded by node-postgres (text format, the parsers above). The statements after the
   * first run at once on connections of their own, so the server works on them in parallel.
   */
  const queryTuples = async (
    statements: readonly SqlStatement[],
    { keyRangeOfFirst = false }: TuplesOptions = {},
  ): Promise<TupleResults> => {
    const [head, ...others] = statements;
    if (!keyRangeOfFirst || head === undefined)
      return arrayResults(await Promise.all(statements.map((statement) => rowsOf(statement))));
    const first = await rowsOf(head);
    const key = (row: unknown[] | undefined) => (row?.[0] ?? null) as string | number | null;
    const range = [key(first[0]), key(first[first.length - 1])];
    return arrayResults([first, ...(await Promise.all(others.map((statement) => rowsOf(statement, range))))]);
  };

  return {
    kind: 'postgres',
    queryTuples,
    query: <Row>(sql: string, params?: readonly SqlValue[], options?: { prepare?: string }) =>
      withClient((session) => session.query<Row>(sql, params, options)),
    exec: (sql) => withClient((session) => session.exec(sql)),

    async transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T> {
      const client = await acquire();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(sessionOf(client));
        const committed = await client.query('COMMIT');
        // COMMIT of a transaction that already failed answers ROLLBACK instead of raising.
        if (committed.command === 'ROLLBACK')
          throw new Error('transaction failed earlier and was rolled back');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = brokenConnection(rollbackError) ?? new Error('rollback failed');
        });
        throw error;
      } finally {
        // A connection whose rollback failed is in an unknown state: destroy it instead of reusing it.
        client.release(broken);
      }
    },

    close: () => pool.end(),
  };
}
