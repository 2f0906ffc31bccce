export type WindowHits = { hits: number; resetAt: Date };

/**
 * Fixed-window hit counts per key, shared by every process that uses the same backend: the public
 * endpoints' per-client limits count with it when several server processes serve them.
 */
export interface HitCounter {
  readonly kind: 'redis';
  /**
   * Counts one hit under `key`; a key's window opens at its first hit and lasts `windowMs`. Rejects
   * quickly when the backend cannot be reached, so a caller that lets requests through never waits.
   */
  hit(key: string, windowMs: number): Promise<WindowHits>;
  /** Takes one hit back from the key's current window (never below zero, never opening a window). */
  unhit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
