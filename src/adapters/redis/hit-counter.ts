import { closeConnection, trackConnectionErrors } from './connection';
import { Redis } from 'ioredis';
import type { HitCounter, WindowHits } from '../../ports/hit-counter';

export type RedisHitCounterOptions = {
  /** `redis://[user:password@]host:port[/db]`; never logged, it may hold a password. */
  url: string;
  /** Prefix of the counter keys; default `collections:hits:`. */
  prefix?: string;
  /** How long a command (or the first connection) may take before it fails; default 1000. */
  timeoutMs?: number;
};

/**
 * KEYS[1] the counter; ARGV[1] the window in ms. Returns the hits so far and the ms left in the
 * window, which opens at the first hit (a key somehow left without an expiry gets one).
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
return {hits, left}
`;

/** DECR keeps the key's expiry; a missing or spent key is left alone. */
const UNHIT_SCRIPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

type WithScripts = Redis & {
  counterHit(key: string, windowMs: number): Promise<[number, number]>;
  counterUnhit(key: string): Promise<number>;
};

/**
 * Counters every process pointing at the same Redis shares: one INCR and PEXPIRE per hit, in one
 * script. Built for callers that fail open: while Redis is away commands are not queued but fail at
 * once (after the first connection attempt, which a command does wait for).
 */
export function createRedisHitCounter(options: RedisHitCounterOptions): HitCounter {
  const prefix = options.prefix ?? 'collections:hits:';
  const timeoutMs = options.timeoutMs ?? 1000;
  // Read by ioredis's connector though missing from its types: how long `disconnect` waits for a socket
  // to close; one whose connection was refused never does, and would hold the process 2 s by default.
  const untypedOptions = { disconnectTimeout: 200 };
  const redis = new Redis(options.url, {
    ...untypedOptions,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  }) as WithScripts;
  redis.defineCommand('counterHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  redis.defineCommand('counterUnhit', { numberOfKeys: 1, lua: UNHIT_SCRIPT });

  const unavailable = trackConnectionErrors(redis, 'Redis hit counter');
  let firstAttemptDone = false;
  const firstAttempt = new Promise<void>((resolve) => {
    const settle = (): void => {
      firstAttemptDone = true;
      resolve();
    };
    for (const event of ['ready', 'close', 'end']) redis.once(event, settle);
  });
  let closed = false;

  const command = async <T>(run: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error('hit counter is closed');
    if (!firstAttemptDone) await firstAttempt;
    try {
      return await run();
    } catch (error) {
      throw unavailable(error);
    }
  };

  return {
    kind: 'redis',

    async hit(key: string, windowMs: number): Promise<WindowHits> {
      if (!Number.isInteger(windowMs) || windowMs <= 0)
        throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
      const [hits, left] = await command(() => redis.counterHit(prefix + key, windowMs));
      return { hits: Number(hits), resetAt: new Date(Date.now() + Number(left)) };
    },

    async unhit(key: string): Promise<void> {
      await command(() => redis.counterUnhit(prefix + key));
    },

    async reset(key: string): Promise<void> {
      await command(() => redis.del(prefix + key));
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeConnection(redis);
    },
  };
}
