import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createRedisRateLimiter } from '../src/adapters/redis/rate-limiter';
import type { RateLimiter } from '../src/ports/rate-limiter';

/** Two handles on one backend: for Redis two connections, as two processes would hold. */
type Backend = { name: string; open: () => [RateLimiter, RateLimiter] };

const redisUrl = process.env.REDIS_URL;
const backends: Backend[] = [
  {
    name: 'in-process',
    open: () => {
      const limiter = createInProcessRateLimiter();
      return [limiter, limiter];
    },
  },
];
if (redisUrl !== undefined && redisUrl !== '') {
  const url = redisUrl;
  backends.push({
    name: 'redis',
    open: () => [createRedisRateLimiter({ url }), createRedisRateLimiter({ url })],
  });
}

const newKey = (): string => `contract-${randomUUID()}`;

/** The most grants in any half-open interval [t, t + span). */
function busiest(times: readonly number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let low = 0;
  for (let high = 0; high < sorted.length; high += 1) {
    while ((sorted[low] as number) <= (sorted[high] as number) - span) low += 1;
    most = Math.max(most, high - low + 1);
  }
  return most;
}

describe.each(backends)('rate limiter contract: $name', ({ name, open }) => {
  let first: RateLimiter;
  let second: RateLimiter;

  beforeEach(() => {
    [first, second] = open();
  });

  afterEach(async () => {
    await Promise.all([...new Set([first, second])].map((limiter) => limiter.close()));
  });

  it('reports its kind', () => {
    expect(first.kind).toBe(name);
  });

  it('keeps 40 grants from two handles on one key within the budget', async () => {
    const budget = { requests: 10, windowMs: 1000 };
    const key = newKey();
    const total = 40;
    const granted: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: total }, (_, index) =>
        (index % 2 === 0 ? first : second).acquire(key, budget).then(() => {
          granted.push(performance.now());
        }),
      ),
    );
    const elapsed = Math.max(...granted) - started;
    expect(granted).toHaveLength(total);
    expect(busiest(granted, budget.windowMs)).toBeLessThanOrEqual(budget.requests);
    // The fastest any limiter could go: a full budget per window, so 3 windows for 40 grants.
    const theoreticalMinimum = (Math.ceil(total / budget.requests) - 1) * budget.windowMs;
    expect(elapsed).toBeGreaterThanOrEqual(theoreticalMinimum - 50);
    expect(elapsed).toBeLessThanOrEqual(2 * theoreticalMinimum);
  }, 25000);

  it('shares one key across handles and keeps keys independent', async () => {
    const budget = { requests: 3, windowMs: 60000 };
    const a = newKey();
    const b = newKey();
    expect(await first.acquire(a, budget)).toBe(0);
    expect(await second.acquire(b, budget)).toBe(0);
    // `a` is spent, through either handle.
    const reason = new Error('gave up');
    const controller = new AbortController();
    const waiting = second.acquire(a, budget, controller.signal);
    setTimeout(() => controller.abort(reason), 100);
    await expect(waiting).rejects.toBe(reason);
    expect(await first.acquire(newKey(), budget)).toBe(0);
  });

  it('resolves with the time waited', async () => {
    const budget = { requests: 3, windowMs: 300 };
    const key = newKey();
    expect(await first.acquire(key, budget)).toBe(0);
    const started = performance.now();
    const waited = await second.acquire(key, budget);
    const elapsed = performance.now() - started;
    expect(waited).toBeGreaterThan(300);
    expect(waited).toBeLessThanOrEqual(300 + 150 + 1);
    expect(elapsed).toBeGreaterThanOrEqual(waited - 5);
    expect(elapsed).toBeLessThan(3000);
  });

  it('rejects with the signal reason when aborted while waiting, without counting the request', async () => {
    const budget = { requests: 3, windowMs: 400 };
    const key = newKey();
    await first.acquire(key, budget);
    const reason = new Error('sync cancelled');
    const controller = new AbortController();
    const started = performance.now();
    const waiting = second.acquire(key, budget, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(waiting).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(350);
    // The next caller waits only for the first grant to leave the window.
    const waited = await first.acquire(key, budget);
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(400 + 150 + 1);
  });

  it('counts an answered grant again from its answer', async () => {
    // Budget 3 with 2 of headroom: one grant per window.
    const budget = { requests: 3, windowMs: 300 };
    const key = newKey();
    const grant = await first.hold(key, budget);
    expect(grant.waitedMs).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await grant.answered();
    const answeredAt = performance.now();
    // From the grant it would leave the window ~100 ms from now; from the answer, 300 ms.
    const next = await second.hold(key, budget);
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(300 - 5);
    expect(next.waitedMs).toBeGreaterThan(200);
  });

  it('counts a grant answered after a whole window again, as it may have arrived late', async () => {
    const budget = { requests: 3, windowMs: 200 };
    const key = newKey();
    const grant = await first.hold(key, budget);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await grant.answered();
    const answeredAt = performance.now();
    await second.acquire(key, budget);
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(200 - 5);
  });

  it('counts a grant seen leaving from then, and its later answer does not move it', async () => {
    // Budget 3 with 2 of headroom: one grant per window (300 ms, and the 150 ms margin).
    const budget = { requests: 3, windowMs: 300 };
    const key = newKey();
    const grant = await first.hold(key, budget);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await grant.sent();
    const sentAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await grant.answered();
    // From the answer it would leave 500 ms after it; from leaving, 450 ms after that, 150 ms from now.
    const next = await second.hold(key, budget);
    const elapsed = performance.now() - sentAt;
    expect(elapsed).toBeGreaterThanOrEqual(300 + 150 - 5);
    expect(next.waitedMs).toBeLessThan(400);
  });

  it('rejects at once on an already aborted signal', async () => {
    const reason = new Error('already gone');
    await expect(
      first.acquire(newKey(), { requests: 10, windowMs: 1000 }, AbortSignal.abort(reason)),
    ).rejects.toBe(reason);
  });
});

describe('redis rate limiter without a server', () => {
  it('rejects acquire within a few seconds with a clear error that does not leak the URL', async () => {
    const limiter = createRedisRateLimiter({ url: 'redis://user:s3cret-password@127.0.0.1:1' });
    const started = performance.now();
    let failure: unknown;
    try {
      await limiter.acquire(newKey(), { requests: 10, windowMs: 1000 });
    } catch (error) {
      failure = error;
    } finally {
      await limiter.close();
    }
    expect(performance.now() - started).toBeLessThan(5000);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Redis rate limiter unavailable/);
    expect(message).not.toContain('s3cret-password');
  }, 15000);
});
