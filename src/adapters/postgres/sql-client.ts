/**
 * The small surface the store needs from a PostgreSQL engine, so the same SQL runs on PGlite and
 * on a PostgreSQL server. Every engine maps BIGINT to number and DATE to its 'YYYY-MM-DD' text.
 */
export type SqlValue = string | number | boolean | null | readonly (string | number | null)[];

export interface SqlSession {
  /**
   * `prepare` names a hot statement: PostgreSQL parses and plans it once per connection (PGlite runs
   * it as usual).
   */
  query<Row>(sql: string, params?: readonly SqlValue[], options?: { prepare?: string }): Promise<Row[]>;
  /** Runs a script of several statements; no parameters. */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlSession {
  readonly kind: 'pglite' | 'postgres';
  /** Commits when `work` resolves, rolls back when it rejects. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
