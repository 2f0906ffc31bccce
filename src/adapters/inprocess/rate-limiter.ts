import type { RateBudget, RateLimiter } from '../../ports/rate-limiter';

export type InProcessRateLimiterOptions = {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/** A margin over the window: our clock and HubSpot's never agree to the millisecond. */
const WINDOW_MARGIN_MS = 150;
/** Headroom: the SDK may hold a request a moment after it was counted here. */
const HEADROOM = 2;

function checkBudget(budget: RateBudget): void {
  if (!Number.isInteger(budget.requests) || budget.requests < 1)
    throw new RangeError(`rate budget requests must be a positive integer, got ${budget.requests}`);
  if (!Number.isInteger(budget.windowMs) || budget.windowMs <= 0)
    throw new RangeError(`rate budget windowMs must be a positive integer, got ${budget.windowMs}`);
}

/**
 * The embedded limiter: the same sliding window as the HubSpot gateway's own (send times per key,
 * a 150 ms margin over the window, 2 requests of headroom), shared only inside this process.
 */
export function createInProcessRateLimiter(options: InProcessRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const customSleep = options.sleep;
  const sent = new Map<string, number[]>();
  const closing = new AbortController();

  /** Sleeps `ms`, or rejects with the reason of whichever of `signal` or close comes first. */
  const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const signals = signal === undefined ? [closing.signal] : [signal, closing.signal];
      const aborted = signals.find((candidate) => candidate.aborted);
      if (aborted !== undefined) {
        reject(aborted.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        for (const candidate of signals) candidate.removeEventListener('abort', onAbort);
      };
      function onAbort(this: AbortSignal): void {
        cleanup();
        reject(this.reason);
      }
      for (const candidate of signals) candidate.addEventListener('abort', onAbort, { once: true });
      if (customSleep === undefined) {
        timer = setTimeout(() => {
          cleanup();
          resolve();
        }, ms);
      } else {
        customSleep(ms).then(
          () => {
            cleanup();
            resolve();
          },
          (error: unknown) => {
            cleanup();
            reject(error);
          },
        );
      }
    });

  return {
    kind: 'in-process',

    async acquire(key: string, budget: RateBudget, signal?: AbortSignal): Promise<number> {
      checkBudget(budget);
      const limit = Math.max(1, budget.requests - HEADROOM);
      let waited = 0;
      for (;;) {
        signal?.throwIfAborted();
        closing.signal.throwIfAborted();
        const t = now();
        let times = sent.get(key);
        if (times === undefined) {
          times = [];
          sent.set(key, times);
        }
        while (times.length > 0 && (times[0] as number) <= t - budget.windowMs - WINDOW_MARGIN_MS)
          times.shift();
        if (times.length < limit) {
          times.push(t);
          return waited;
        }
        const wait = (times[0] as number) + budget.windowMs + WINDOW_MARGIN_MS - t + 1;
        waited += wait;
        await pause(wait, signal);
      }
    },

    async close(): Promise<void> {
      if (!closing.signal.aborted) closing.abort(new Error('rate limiter is closed'));
      sent.clear();
    },
  };
}
