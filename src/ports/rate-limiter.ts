export type RateBudget = { requests: number; windowMs: number };

/** A sliding-window budget per key (e.g. one HubSpot portal), shared by every process that uses the same backend. */
export interface RateLimiter {
  readonly kind: 'in-process' | 'redis';
  /** Waits until one request may be sent under `key`'s budget, then counts it. Resolves with the milliseconds waited. Rejects with the signal's reason when aborted. */
  acquire(key: string, budget: RateBudget, signal?: AbortSignal): Promise<number>;
  close(): Promise<void>;
}
