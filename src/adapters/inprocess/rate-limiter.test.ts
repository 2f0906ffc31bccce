import fc from 'fast-check';
import { createInProcessRateLimiter } from './rate-limiter';

const MARGIN = 150;

/** A virtual clock: `sleep` parks until `run` advances time to its deadline. */
function virtualTime(start = 1_000_000) {
  let t = start;
  const timers: { at: number; resolve: () => void }[] = [];
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, resolve })),
    pending: () => timers.length,
    /** Moves the clock on with nothing scheduled (between sequential callers). */
    advance(ms: number): void {
      if (timers.length > 0) throw new Error('advance with timers pending');
      t += ms;
    },
    /** Fires timers in deadline order until `done()` holds. */
    async run(done: () => boolean, maxSteps = 10000): Promise<void> {
      for (let step = 0; step < maxSteps; step += 1) {
        await flush();
        if (done()) return;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (next === undefined) throw new Error('nothing scheduled and not done');
        t = Math.max(t, next.at);
        next.resolve();
      }
      throw new Error('did not finish');
    },
  };
}

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

describe('in-process rate limiter', () => {
  it('lets requests - 2 through at once, then waits for the oldest to leave the window plus margin', async () => {
    const clock = virtualTime();
    const limiter = createInProcessRateLimiter(clock);
    const budget = { requests: 10, windowMs: 1000 };
    const start = clock.now();
    const waits: number[] = [];
    const grants: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      waits.push(await limiter.acquire('portal', budget));
      grants.push(clock.now());
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const ninth = limiter.acquire('portal', budget).then((waited) => {
      waits.push(waited);
      grants.push(clock.now());
    });
    await clock.run(() => waits.length === 9);
    await ninth;
    expect(waits[8]).toBe(1000 + MARGIN + 1);
    expect(grants[8]).toBe(start + 1000 + MARGIN + 1);
    await limiter.close();
  });

  it('never grants more than requests - 2 in any window (plus margin) under concurrent callers', async () => {
    const clock = virtualTime();
    const limiter = createInProcessRateLimiter(clock);
    const budget = { requests: 10, windowMs: 1000 };
    const grants: number[] = [];
    const waited: number[] = [];
    const all = Array.from({ length: 50 }, () =>
      limiter.acquire('portal', budget).then((ms) => {
        grants.push(clock.now());
        waited.push(ms);
      }),
    );
    await clock.run(() => grants.length === 50);
    await Promise.all(all);
    expect(busiest(grants, budget.windowMs + MARGIN)).toBeLessThanOrEqual(8);
    // 50 grants at 8 per window: 6 full waits after the first batch.
    expect(Math.max(...grants) - Math.min(...grants)).toBe(6 * (1000 + MARGIN + 1));
    expect(waited.filter((ms) => ms === 0)).toHaveLength(8);
    await limiter.close();
  });

  it('holds the window for any budget and any arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 10, max: 5000 }),
        // A gap is either any pause or one within a millisecond of the window plus margin.
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 3000 }),
            fc.constantFrom(-1, 0, 1).map((edge) => ({ edge })),
          ),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        async (requests, windowMs, pauses) => {
          const clock = virtualTime();
          const limiter = createInProcessRateLimiter(clock);
          const budget = { requests, windowMs };
          const limit = Math.max(1, requests - 2);
          const grants: number[] = [];
          for (const pause of pauses) {
            clock.advance(typeof pause === 'number' ? pause : windowMs + MARGIN + pause.edge);
            const before = clock.now();
            let waited = -1;
            const granted = limiter.acquire('k', budget).then((ms) => {
              waited = ms;
              grants.push(clock.now());
            });
            await clock.run(() => waited >= 0);
            await granted;
            // The wait reported is the time this caller spent waiting.
            expect(waited).toBe(clock.now() - before);
          }
          expect(busiest(grants, windowMs + MARGIN)).toBeLessThanOrEqual(limit);
          await limiter.close();
        },
      ),
      { numRuns: 300 },
    );
  }, 20000);

  it('drops a grant exactly windowMs + 150 ms after it was made', async () => {
    const clock = virtualTime();
    const limiter = createInProcessRateLimiter(clock);
    const budget = { requests: 3, windowMs: 1000 };
    await limiter.acquire('k', budget);
    clock.advance(1000 + MARGIN - 1);
    let waited = -1;
    const early = limiter.acquire('k', budget).then((ms) => (waited = ms));
    await clock.run(() => waited >= 0);
    await early;
    expect(waited).toBe(2);
    clock.advance(1000 + MARGIN);
    expect(await limiter.acquire('k', budget)).toBe(0);
    await limiter.close();
  });

  it('keeps keys independent', async () => {
    const clock = virtualTime();
    const limiter = createInProcessRateLimiter(clock);
    const budget = { requests: 3, windowMs: 1000 };
    expect(await limiter.acquire('a', budget)).toBe(0);
    expect(await limiter.acquire('b', budget)).toBe(0);
    let done = false;
    const second = limiter.acquire('a', budget).then((ms) => {
      done = true;
      return ms;
    });
    await clock.run(() => clock.pending() > 0 || done);
    expect(done).toBe(false);
    expect(await limiter.acquire('c', budget)).toBe(0);
    await clock.run(() => done);
    expect(await second).toBe(1000 + MARGIN + 1);
    await limiter.close();
  });

  it('treats a budget of 1 or 2 requests as one at a time', async () => {
    for (const requests of [1, 2, 3]) {
      const clock = virtualTime();
      const limiter = createInProcessRateLimiter(clock);
      const budget = { requests, windowMs: 500 };
      expect(await limiter.acquire('k', budget)).toBe(0);
      let waited = -1;
      const second = limiter.acquire('k', budget).then((ms) => (waited = ms));
      await clock.run(() => waited >= 0);
      await second;
      expect(waited).toBe(500 + MARGIN + 1);
      await limiter.close();
    }
  });

  it('rejects with the signal reason when aborted while waiting, and the aborted call takes no slot', async () => {
    const clock = virtualTime();
    const limiter = createInProcessRateLimiter(clock);
    const budget = { requests: 3, windowMs: 1000 };
    await limiter.acquire('k', budget);
    const controller = new AbortController();
    const reason = new Error('sync cancelled');
    const waiting = limiter.acquire('k', budget, controller.signal);
    await clock.run(() => clock.pending() > 0);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // The next caller waits only for the first grant, not for the aborted one.
    let waited = -1;
    const next = limiter.acquire('k', budget).then((ms) => (waited = ms));
    await clock.run(() => waited >= 0);
    await next;
    expect(waited).toBe(1000 + MARGIN + 1);
    await limiter.close();
  });

  it('rejects at once on an already aborted signal', async () => {
    const limiter = createInProcessRateLimiter();
    const reason = new Error('already gone');
    await expect(
      limiter.acquire('k', { requests: 10, windowMs: 1000 }, AbortSignal.abort(reason)),
    ).rejects.toBe(reason);
    // Nothing was counted.
    for (let i = 0; i < 8; i += 1)
      expect(await limiter.acquire('k', { requests: 10, windowMs: 1000 })).toBe(0);
    await limiter.close();
  });

  it('aborts a real-timer wait promptly', async () => {
    const limiter = createInProcessRateLimiter();
    const budget = { requests: 1, windowMs: 60000 };
    await limiter.acquire('k', budget);
    const controller = new AbortController();
    const started = Date.now();
    const waiting = limiter.acquire('k', budget, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(waiting).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2000);
    await limiter.close();
  });

  it('close rejects callers still waiting and later calls', async () => {
    const limiter = createInProcessRateLimiter();
    const budget = { requests: 1, windowMs: 60000 };
    await limiter.acquire('k', budget);
    const waiting = limiter.acquire('k', budget);
    await limiter.close();
    await expect(waiting).rejects.toThrow('rate limiter is closed');
    await expect(limiter.acquire('other', budget)).rejects.toThrow('rate limiter is closed');
  });

  it('rejects an invalid budget', async () => {
    const limiter = createInProcessRateLimiter();
    await expect(limiter.acquire('k', { requests: 0, windowMs: 1000 })).rejects.toThrow(RangeError);
    await expect(limiter.acquire('k', { requests: 5, windowMs: 0 })).rejects.toThrow(RangeError);
    await limiter.close();
  });
});
