/** Mutual exclusion by key, across processes when the backend is shared (Redis). */
export interface Locks {
  readonly kind: 'in-process' | 'redis';
  /**
   * Runs `work` while holding `key`. The lock expires after `ttlMs` if its holder dies; waiting for
   * it gives up after `waitMs` with an error.
   */
  withLock<T>(key: string, options: { ttlMs: number; waitMs: number }, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
