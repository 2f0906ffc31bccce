import type { RateBudget, RateGrant, RateLimiter } from '../../ports/rate-limiter';

export type InProcessRateLimiterOptions = {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/**
 * A margin over the window: a request reaches the API a moment after it was counted or seen leaving.
 * One stamped at its answer arrived before it, so only timer granularity is left to cover.
 */
const WINDOW_MARGIN_MS = 150;
const ANSWERED_MARGIN_MS = 50;
/** Headroom: the SDK may hold a request a moment after it was counted here. */
const HEADROOM = 2;

/** One request's place in a key's window. */
type Sent = { at: number; leftAt: boolean };

function checkBudget(budget: RateBudget): void {
  if (!Number.isInteger(budget.requests) || budget.requests < 1)
    throw new RangeError(`rate budget requests must be a positive integer, got ${budget.requests}`);
  if (!Number.isInteger(budget.windowMs) || budget.windowMs <= 0)
    throw new RangeError(`rate budget windowMs must be a positive integer, got ${budget.windowMs}`);
}

/**
 * The embedded limiter: a sliding window of send times per key (a 150 ms margin over the window,
 * 2 requests of headroom), shared only inside this process. A grant moves to when its request was
 * seen leaving, or else to its answer (see `RateGrant`).
 */
export function createInProcessRateLimiter(options: InProcessRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const customSleep = options.sleep;
  const sent = new Map<string, Sent[]>();
  /**
   * Moves an entry to `at` (never earlier than it was), in order; every entry leaves the window at
   * `at + window + WINDOW_MARGIN_MS`. One gone already (a whole window old) is counted again: it may
   * have arrived late.
   */
  const move = (key: string, entry: Sent, at: number): void => {
    if (closing.signal.aborted) return;
    const times = sent.get(key) ?? [];
    sent.set(key, times);
    const index = times.indexOf(entry);
    if (index >= 0) times.splice(index, 1);
    entry.at = Math.max(entry.at, at);
    let position = times.length;
    while (position > 0 && (times[position - 1] as Sent).at > entry.at) position -= 1;
    times.splice(position, 0, entry);
  };
  const grantOf = (key: string, entry: Sent, waitedMs: number): RateGrant => ({
    waitedMs,
    sent: async () => {
      entry.leftAt = true;
      move(key, entry, now());
    },
    answered: async () => {
      if (!entry.leftAt) move(key, entry, now() - (WINDOW_MARGIN_MS - ANSWERED_MARGIN_MS));
    },
  });
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

  const hold = async (key: string, budget: RateBudget, signal?: AbortSignal): Promise<RateGrant> => {
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
      while (times.length > 0 && (times[0] as Sent).at <= t - budget.windowMs - WINDOW_MARGIN_MS)
        times.shift();
      if (times.length < limit) {
        const entry: Sent = { at: t, leftAt: false };
        times.push(entry);
        return grantOf(key, entry, waited);
      }
      const wait = (times[0] as Sent).at + budget.windowMs + WINDOW_MARGIN_MS - t + 1;
      waited += wait;
      await pause(wait, signal);
    }
  };

  return {
    kind: 'in-process',

    async acquire(key: string, budget: RateBudget, signal?: AbortSignal): Promise<number> {
      return (await hold(key, budget, signal)).waitedMs;
    },

    hold,

    async close(): Promise<void> {
      if (!closing.signal.aborted) closing.abort(new Error('rate limiter is closed'));
      sent.clear();
    },
  };
}
