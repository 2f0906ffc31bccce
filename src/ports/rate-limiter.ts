export type RateBudget = { requests: number; windowMs: number };

/**
 * One counted request. The API counts it when it arrives, which is after we counted it: our own
 * event loop and the client library come between. So a grant is moved to the moment the request was
 * seen leaving (`sent`; the window's margin covers its way to the API), or, when its leaving was not
 * seen, to the moment its answer came (`answered`; the latest it can have arrived).
 */
export type RateGrant = {
  /** Milliseconds waited for the grant. */
  readonly waitedMs: number;
  /** The request left now. Best effort, as both: a failure leaves the earlier time. */
  sent(): Promise<void>;
  /** The answer came now: counted from now unless its leaving was seen (`sent`). */
  answered(): Promise<void>;
};

/** A sliding-window budget per key (e.g. one HubSpot portal), shared by every process that uses the same backend. */
export interface RateLimiter {
  readonly kind: 'in-process' | 'redis';
  /** Waits until one request may be sent under `key`'s budget, then counts it. Resolves with the milliseconds waited. Rejects with the signal's reason when aborted. */
  acquire(key: string, budget: RateBudget, signal?: AbortSignal): Promise<number>;
  /** As `acquire`, and the grant can be moved to when the request left or its answer came (`RateGrant`). */
  hold(key: string, budget: RateBudget, signal?: AbortSignal): Promise<RateGrant>;
  close(): Promise<void>;
}
