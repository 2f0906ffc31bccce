/** Mutual exclusion by key, across processes when the backend is shared (Redis). */
export interface Locks {
  readonly kind: 'in-process' | 'redis';
  /**
   * Runs `work` while holding `key`. The lock is kept while `work` runs; if its holder dies it expires
   * after `ttlMs`. Waiting for it gives up after `waitMs` with a LockBusyError (`waitMs: 0` only tries).
   */
  withLock<T>(key: string, options: { ttlMs: number; waitMs: number }, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Another holder kept the lock for longer than the caller would wait. */
export class LockBusyError extends Error {
  constructor(
    readonly key: string,
    waitedMs: number,
  ) {
    super(`lock ${key}: still held after ${waitedMs} ms`);
    this.name = 'LockBusyError';
  }
}
