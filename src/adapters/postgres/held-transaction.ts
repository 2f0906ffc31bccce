import type { SqlClient, SqlSession } from './sql-client';

/** A transaction kept open across calls; it ends with exactly one commit() or rollback(). */
export type HeldTransaction = SqlSession & {
  commit(): Promise<void>;
  rollback(): Promise<void>;
};

class RollbackRequested extends Error {
  constructor() {
    super('rollback requested');
    this.name = 'RollbackRequested';
  }
}

/**
 * Opens client.transaction() and parks its callback until commit() or rollback(), so the engine's
 * own transaction handling (connection checkout and release, BEGIN/COMMIT/ROLLBACK) covers every path.
 */
export async function holdTransaction(client: SqlClient): Promise<HeldTransaction> {
  let started!: (tx: SqlSession) => void;
  let finish!: (outcome: 'commit' | 'rollback') => void;
  const txReady = new Promise<SqlSession>((resolve) => {
    started = resolve;
  });
  const outcome = new Promise<'commit' | 'rollback'>((resolve) => {
    finish = resolve;
  });
  const done = client.transaction(async (tx) => {
    started(tx);
    if ((await outcome) === 'rollback') throw new RollbackRequested();
  });
  const ended = done.then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof RollbackRequested) return undefined;
      throw error;
    },
  );

  const tx = await Promise.race([txReady, ended.then(() => undefined)]);
  if (tx === undefined) throw new Error('transaction ended before it started');

  return {
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    async commit(): Promise<void> {
      finish('commit');
      await ended;
    },
    async rollback(): Promise<void> {
      finish('rollback');
      await ended;
    },
  };
}
