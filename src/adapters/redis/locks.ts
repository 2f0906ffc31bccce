import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { closeConnection } from './connection';
import { LockBusyError, type Locks } from '../../ports/lock';

/** Deletes the lock only if it is still ours (it may have expired and been taken by another holder). */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Extends the lock's life only if it is still ours. */
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** The longest pause between two tries for a busy lock. */
const POLL_MAX_MS = 50;

type WithRelease = Redis & {
  lockRelease(key: string, token: string): Promise<number>;
  lockExtend(key: string, token: string, ttlMs: number): Promise<number>;
};

/**
 * Locks shared by every process on the same Redis: SET NX PX with a random token, released by a
 * compare-and-delete script, so one holder never frees another's lock.
 */
export function createRedisLocks(options: { url: string; prefix?: string }): Locks {
  const prefix = options.prefix ?? 'collections:lock:';
  const redis = new Redis(options.url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    commandTimeout: 5000,
    lazyConnect: false,
  }) as WithRelease;
  redis.defineCommand('lockRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  redis.defineCommand('lockExtend', { numberOfKeys: 1, lua: EXTEND_SCRIPT });
  // Connection errors reach the caller through the commands; never printed (the URL may hold a password).
  redis.on('error', () => undefined);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  return {
    kind: 'redis',
    async withLock(key, lockOptions, work) {
      const name = `${prefix}${key}`;
      const token = randomUUID();
      const deadline = Date.now() + lockOptions.waitMs;
      for (let attempt = 0; ; attempt += 1) {
        const taken = await redis.set(name, token, 'PX', lockOptions.ttlMs, 'NX');
        if (taken === 'OK') break;
        if (Date.now() >= deadline) throw new LockBusyError(key, lockOptions.waitMs);
        // Checked often: a waiter's work (a billing event's batch) starts as soon as the holder is done.
        await sleep(Math.min(POLL_MAX_MS, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
      // Kept alive while the work runs (a long sync outlives the TTL); a dead holder's lock expires.
      const keepAlive = setInterval(
        () => void redis.lockExtend(name, token, lockOptions.ttlMs).catch(() => undefined),
        Math.max(100, Math.floor(lockOptions.ttlMs / 3)),
      );
      keepAlive.unref();
      try {
        return await work();
      } finally {
        clearInterval(keepAlive);
        await redis.lockRelease(name, token).catch(() => undefined);
      }
    },
    async close() {
      await closeConnection(redis);
    },
  };
}
