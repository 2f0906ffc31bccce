import { randomUUID } from 'node:crypto';
import { closeConnection, trackConnectionErrors } from './connection';
import { Redis } from 'ioredis';
import type { RateBudget, RateGrant, RateLimiter } from '../../ports/rate-limiter';

export type RedisRateLimiterOptions = {
  /** `redis://[user:password@]host:port[/db]`; never logged, it may hold a password. */
  url: string;
  /** Prefix of the sorted-set keys; default `collections:ratelimit:`. */
  prefix?: string;
};

/**
 * A margin over the window: a request reaches the API a moment after it was counted or seen leaving.
 * One stamped at its answer arrived before it, so only timer granularity is left to cover.
 */
const WINDOW_MARGIN_MS = 150;
const ANSWERED_MARGIN_MS = 50;
/** Headroom: the SDK may hold a request a moment after it was counted. */
const HEADROOM = 2;

/**
 * One sliding window per key, in a sorted set of grant times (scores, in ms of Redis's own clock, so
 * every process shares one clock). Returns 0 when the request was counted, otherwise the ms to wait
 * until the oldest grant leaves the window.
 * KEYS[1] the set; ARGV: requests, windowMs, margin, headroom, unique member suffix.
 */
const ACQUIRE_SCRIPT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local key = KEYS[1]
local requests = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local margin = tonumber(ARGV[3])
local headroom = tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window - margin)
if redis.call('ZCARD', key) < math.max(1, requests - headroom) then
  redis.call('ZADD', key, now, ARGV[5])
  redis.call('PEXPIRE', key, window * 2 + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window + margin - now + 1
`;

/**
 * A grant moved to Redis's time now, less a margin it no longer needs (every member leaves at
 * score + window + margin), never earlier than it was; added again if it already left the window (it
 * may have arrived late). KEYS[1] the set; ARGV: member, windowMs, spared margin.
 */
const MOVE_SCRIPT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local at = now - tonumber(ARGV[3])
local granted = redis.call('ZSCORE', KEYS[1], ARGV[1])
if granted and tonumber(granted) > at then at = tonumber(granted) end
redis.call('ZADD', KEYS[1], at, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2 + 1000)
return 0
`;

type WithAcquire = Redis & {
  rateLimitMove(key: string, member: string, windowMs: number, spared: number): Promise<number>;
  rateLimitAcquire(
    key: string,
    requests: number,
    windowMs: number,
    margin: number,
    headroom: number,
    member: string,
  ): Promise<number>;
};

function checkBudget(budget: RateBudget): void {
  if (!Number.isInteger(budget.requests) || budget.requests < 1)
    throw new RangeError(`rate budget requests must be a positive integer, got ${budget.requests}`);
  if (!Number.isInteger(budget.windowMs) || budget.windowMs <= 0)
    throw new RangeError(`rate budget windowMs must be a positive integer, got ${budget.windowMs}`);
}

/**
 * The shared limiter: every process pointing at the same Redis shares each key's budget. A Redis
 * that cannot be reached makes `acquire` reject after a couple of quick connection attempts.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const prefix = options.prefix ?? 'collections:ratelimit:';
  // Read by ioredis's connector though missing from its types: how long `disconnect` waits for a socket
  // to close; one whose connection was refused never does, and would hold the process 2 s by default.
  const untypedOptions = { disconnectTimeout: 200 };
  const redis = new Redis(options.url, {
    ...untypedOptions,
    // Fail a command after 2 failed connection attempts rather than queueing it forever.
    maxRetriesPerRequest: 1,
    // Commands sent while (re)connecting wait in the queue, bounded by maxRetriesPerRequest.
    enableOfflineQueue: true,
    connectTimeout: 3000,
    commandTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    lazyConnect: false,
  }) as WithAcquire;
  redis.defineCommand('rateLimitAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
  redis.defineCommand('rateLimitMove', { numberOfKeys: 1, lua: MOVE_SCRIPT });

  const unavailable = trackConnectionErrors(redis, 'Redis rate limiter');

  const closing = new AbortController();

  /**
   * Settles with `work`, or rejects at once with the reason of whichever of `signal` or close aborts
   * first; `release` runs either way (to clear a timer).
   */
  const race = <T>(signal: AbortSignal | undefined, work: Promise<T>, release?: () => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const signals = signal === undefined ? [closing.signal] : [signal, closing.signal];
      const cleanup = (): void => {
        release?.();
        for (const candidate of signals) candidate.removeEventListener('abort', onAbort);
      };
      function onAbort(this: AbortSignal): void {
        cleanup();
        reject(this.reason);
      }
      work.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
      const aborted = signals.find((candidate) => candidate.aborted);
      if (aborted !== undefined) {
        cleanup();
        reject(aborted.reason);
        return;
      }
      for (const candidate of signals) candidate.addEventListener('abort', onAbort, { once: true });
    });

  const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return race(signal, elapsed, () => clearTimeout(timer));
  };

  const tryAcquire = async (key: string, budget: RateBudget, member: string): Promise<number> => {
    try {
      const wait = await redis.rateLimitAcquire(
        prefix + key,
        budget.requests,
        budget.windowMs,
        WINDOW_MARGIN_MS,
        HEADROOM,
        member,
      );
      const ms = Number(wait);
      if (!Number.isFinite(ms)) throw new Error(`unexpected reply ${String(wait)}`);
      return ms;
    } catch (error) {
      throw unavailable(error);
    }
  };

  const hold = async (key: string, budget: RateBudget, signal?: AbortSignal): Promise<RateGrant> => {
    checkBudget(budget);
    signal?.throwIfAborted();
    closing.signal.throwIfAborted();
    let waited = 0;
    for (;;) {
      const member = randomUUID();
      // An abort while the script runs may still count this request; that only errs on the safe side.
      const wait = await race(signal, tryAcquire(key, budget, member));
      if (wait <= 0) {
        let leftAt: Promise<unknown> | undefined;
        const move = (spared: number): Promise<unknown> =>
          closing.signal.aborted
            ? Promise.resolve()
            : redis.rateLimitMove(prefix + key, member, budget.windowMs, spared).catch(() => undefined);
        return {
          waitedMs: waited,
          sent: async () => {
            leftAt = move(0);
            await leftAt;
          },
          answered: async () => {
            if (leftAt === undefined) await move(WINDOW_MARGIN_MS - ANSWERED_MARGIN_MS);
          },
        };
      }
      waited += wait;
      await pause(wait, signal);
    }
  };

  return {
    kind: 'redis',

    async acquire(key: string, budget: RateBudget, signal?: AbortSignal): Promise<number> {
      return (await hold(key, budget, signal)).waitedMs;
    },

    hold,

    async close(): Promise<void> {
      if (closing.signal.aborted) return;
      closing.abort(new Error('rate limiter is closed'));
      await closeConnection(redis);
    },
  };
}
