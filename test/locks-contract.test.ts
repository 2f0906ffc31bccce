import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import { createRedisLocks } from '../src/adapters/redis/locks';
import { LockBusyError, type Locks } from '../src/ports/lock';

const redisUrl = process.env.REDIS_URL;
const backends: { name: string; open: () => Locks[] }[] = [
  {
    name: 'in-process',
    open: () => {
      const locks = createInProcessLocks();
      return [locks, locks];
    },
  },
];
// Two connections: two processes sharing one Redis.
if (redisUrl !== undefined && redisUrl !== '')
  backends.push({
    name: 'redis',
    open: () => [createRedisLocks({ url: redisUrl }), createRedisLocks({ url: redisUrl })],
  });

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.each(backends)('Locks contract: $name', ({ open }) => {
  let holders: Locks[];
  beforeEach(() => {
    holders = open();
  });
  afterEach(async () => {
    for (const locks of new Set(holders)) await locks.close();
  });

  it('lets one holder of a key run at a time, in both holders, and keeps keys apart', async () => {
    const key = `contract-${Math.random()}`;
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (holders[index % 2] as Locks).withLock(key, { ttlMs: 5000, waitMs: 10000 }, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await pause(15);
          order.push(index);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(8);
    // Another key is not held up by this one.
    const other = await (holders[1] as Locks).withLock(
      `${key}-other`,
      { ttlMs: 1000, waitMs: 1000 },
      async () => 'ran',
    );
    expect(other).toBe('ran');
  });

  it('gives up waiting after waitMs, and releases a lock whose work failed', async () => {
    const key = `contract-${Math.random()}`;
    const [first, second] = holders as [Locks, Locks];
    const held = first.withLock(key, { ttlMs: 5000, waitMs: 1000 }, () => pause(400));
    await pause(20);
    await expect(second.withLock(key, { ttlMs: 5000, waitMs: 100 }, async () => 'late')).rejects.toThrow(
      /still held/,
    );
    await held;
    await expect(
      first.withLock(key, { ttlMs: 5000, waitMs: 1000 }, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(await second.withLock(key, { ttlMs: 5000, waitMs: 1000 }, async () => 'free')).toBe('free');
  });

  it('only tries with waitMs 0, saying the lock is busy', async () => {
    const key = `contract-${Math.random()}`;
    const [first, second] = holders as [Locks, Locks];
    const held = first.withLock(key, { ttlMs: 5000, waitMs: 1000 }, () => pause(200));
    await pause(20);
    const busy = await second
      .withLock(key, { ttlMs: 5000, waitMs: 0 }, async () => 'ran')
      .catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(LockBusyError);
    await held;
    expect(await second.withLock(key, { ttlMs: 5000, waitMs: 0 }, async () => 'ran')).toBe('ran');
  });

  it('keeps the lock while the work outlives its TTL', async () => {
    const key = `contract-${Math.random()}`;
    const [first, second] = holders as [Locks, Locks];
    const held = first.withLock(key, { ttlMs: 300, waitMs: 1000 }, () => pause(900));
    await pause(600);
    // Twice the TTL has passed: the holder is alive, so the lock is still its own.
    await expect(second.withLock(key, { ttlMs: 300, waitMs: 0 }, async () => 'ran')).rejects.toThrow(
      LockBusyError,
    );
    await held;
  });
});
