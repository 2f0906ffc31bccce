/**
 * The small surface the store needs from a PostgreSQL engine, so the same SQL runs on PGlite and
 * on a PostgreSQL server. Every engine maps BIGINT to number and DATE to its 'YYYY-MM-DD' text.
 */
export type SqlValue = string | number | boolean | null | readonly (string | number | null)[];

export interface SqlSession {
  /**
   * `prepare` names a hot statement: it is parsed and planned once per connection (PGlite has one),
   * then run by name. One name, one SQL text.
   */
  query<Row>(sql: string, params?: readonly SqlValue[], options?: { prepare?: string }): Promise<Row[]>;
  /** Runs a script of several statements; no parameters. */
  exec(sql: string): Promise<void>;
}

/** One statement of a read pipeline; its parameters go as text, NULL as null. */
export type SqlStatement = { sql: string; params: readonly (string | number | null)[] };

/** The rows of a pipeline's statements by position, each as positional rows in its column order. */
export interface TupleResults {
  rows<Tuple extends unknown[]>(statement: number): Tuple[];
  /** What `build` makes of each row, reading only the values it asks for, with no row array between. */
  map<Tuple extends unknown[], T>(statement: number, build: (field: TupleField<Tuple>) => T): T[];
  /** A statement's rows one at a time, in the order they came. */
  cursor<Tuple extends unknown[]>(statement: number): TupleCursor<Tuple>;
  /** Done with every statement's rows: the engine may reuse their memory; reading them again throws. */
  release(): void;
}

/** Rows read one at a time: the current row's values, and what `build` makes of it before moving on. */
export interface TupleCursor<Tuple extends unknown[]> {
  /** A value of the current row; undefined past the last row. */
  peek<K extends number & keyof Tuple>(column: K): Tuple[K] | undefined;
  /** What `build` makes of the current row, then the next row is current; undefined past the last. */
  take<T>(build: (field: TupleField<Tuple>) => T): T | undefined;
}

/** One value of the row being read, by column position, typed by the statement's row tuple. */
export type TupleField<Tuple extends unknown[]> = <K extends number & keyof Tuple>(column: K) => Tuple[K];

export type TuplesOptions = {
  /**
   * The first column of the first statement's first and last rows (null and null when it has none)
   * is appended to the parameters of the others, e.g. a keyset page and its children.
   */
  keyRangeOfFirst?: boolean;
  /**
   * A keyset walk's next page, which the engine may read while the caller works through this one:
   * when the first statement returns `rows` rows, the next request is likely this one with `next`
   * as its first statement, its parameters followed by the last row's first column. Only a hint:
   * any other request in between, or a different one, is answered as if it had not been given.
   */
  keyset?: { next: SqlStatement; rows: number };
};

export interface SqlClient extends SqlSession {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Read statements, each answered as positional rows in its column order (same value forms as
   * `query`). PGlite runs them back to back in one trip to its thread and hands over PostgreSQL's wire
   * messages, decoded when asked for; node-postgres decodes text rows, the statements after the first
   * at once on connections of their own.
   */
  readonly queryTuples: (
    statements: readonly SqlStatement[],
    options?: TuplesOptions,
  ) => Promise<TupleResults>;
  /** Commits when `work` resolves, rolls back when it rejects. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
