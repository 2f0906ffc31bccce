import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createBullmqJobQueue } from '../src/adapters/redis/job-queue';
import { PermanentJobError, type JobFailure, type JobQueue } from '../src/ports/queue';

/** `create(scope)`: queues created with the same scope share their jobs (same Redis prefix). */
type Factory = { name: string; create: (scope: string) => JobQueue };

const REDIS_URL = process.env.REDIS_URL;

const factories: Factory[] = [
  { name: 'in-process', create: () => createInProcessJobQueue({ backoffMs: () => 5, closeGraceMs: 200 }) },
  ...(REDIS_URL === undefined
    ? []
    : [
        {
          name: 'bullmq',
          create: (scope: string) =>
            createBullmqJobQueue({ url: REDIS_URL, prefix: scope, backoffMs: 5, closeGraceMs: 200 }),
        },
      ]),
];

/** Deletes the keys a BullMQ test wrote under its prefix. */
async function dropPrefix(prefix: string): Promise<void> {
  if (REDIS_URL === undefined) return;
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(factories)('job queue contract: $name', ({ name, create }) => {
  let queue: JobQueue;
  let scope: string;
  const others: JobQueue[] = [];

  beforeEach(() => {
    scope = `test-jobs-${randomUUID()}`;
    queue = create(scope);
  });

  afterEach(async () => {
    await Promise.all([queue, ...others.splice(0)].map((q) => q.close()));
    await dropPrefix(scope);
  }, 15000);

  it('runs an enqueued job with its payload', async () => {
    const seen: unknown[] = [];
    await queue.startWorker({ echo: async (payload) => void seen.push(payload) });
    await queue.enqueue('echo', { tenant: 't1', n: 1 }, { jobId: 'echo:t1:1' });
    const job = await waitFor(async () => {
      const snapshot = await queue.getJob('echo:t1:1');
      return snapshot?.state === 'completed' ? snapshot : undefined;
    });
    expect(job.attempts).toBe(1);
    expect(seen).toEqual([{ tenant: 't1', n: 1 }]);
  });

  it('deduplicates by job id', async () => {
    let runs = 0;
    const first = await queue.enqueue('count', {}, { jobId: 'count:t1:v1' });
    const second = await queue.enqueue('count', {}, { jobId: 'count:t1:v1' });
    expect(first.deduplicated).toBe(false);
    expect(second.deduplicated).toBe(true);
    await queue.startWorker({ count: async () => void (runs += 1) });
    await waitFor(async () =>
      (await queue.getJob('count:t1:v1'))?.state === 'completed' ? true : undefined,
    );
    await queue.enqueue('count', {}, { jobId: 'count:t1:v1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(1);
  });

  it('retries a failing job and records the last error when attempts run out', async () => {
    let calls = 0;
    await queue.startWorker({
      flaky: async () => {
        calls += 1;
        if (calls < 2) throw new Error('temporary');
      },
      broken: async () => {
        throw new Error('always broken');
      },
    });
    await queue.enqueue('flaky', {}, { jobId: 'flaky:1', attempts: 3 });
    await queue.enqueue('broken', {}, { jobId: 'broken:1', attempts: 2 });
    const flaky = await waitFor(async () => {
      const job = await queue.getJob('flaky:1');
      return job?.state === 'completed' ? job : undefined;
    });
    const broken = await waitFor(async () => {
      const job = await queue.getJob('broken:1');
      return job?.state === 'failed' ? job : undefined;
    });
    expect(flaky.attempts).toBe(2);
    expect(broken).toMatchObject({ attempts: 2, error: 'always broken' });
    // A job that succeeded on a retry is not a dead letter.
    expect(await queue.countDeadLetters()).toBe(1);
  });

  it('reports every failed run with its reason, and which ones end as dead letters', async () => {
    const failures: JobFailure[] = [];
    let calls = 0;
    await queue.startWorker(
      {
        flaky: async () => {
          calls += 1;
          if (calls < 2) throw new Error('first try fails');
        },
        broken: async () => {
          throw new Error('always broken');
        },
        doomed: async () => {
          throw new PermanentJobError('bad payload');
        },
      },
      { onFailure: (failure) => failures.push(failure) },
    );
    await queue.enqueue('flaky', {}, { jobId: 'flaky:r', attempts: 3 });
    await queue.enqueue('broken', {}, { jobId: 'broken:r', attempts: 2 });
    await queue.enqueue('doomed', {}, { jobId: 'doomed:r', attempts: 4 });
    await waitFor(async () => (failures.filter((f) => f.final).length === 2 ? true : undefined));
    await waitFor(async () => ((await queue.getJob('flaky:r'))?.state === 'completed' ? true : undefined));
    const byJob = (jobId: string) =>
      failures
        .filter((f) => f.jobId === jobId)
        .map(({ name: job, attempt, error, final }) => ({ job, attempt, error, final }));
    expect(byJob('flaky:r')).toEqual([{ job: 'flaky', attempt: 1, error: 'first try fails', final: false }]);
    expect(byJob('broken:r')).toEqual([
      { job: 'broken', attempt: 1, error: 'always broken', final: false },
      { job: 'broken', attempt: 2, error: 'always broken', final: true },
    ]);
    expect(byJob('doomed:r')).toEqual([{ job: 'doomed', attempt: 1, error: 'bad payload', final: true }]);
  });

  it('waits for a running job on close', async () => {
    let finished = false;
    await queue.startWorker({
      slow: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      },
    });
    await queue.enqueue('slow', {}, { jobId: 'slow:1' });
    await waitFor(async () => ((await queue.getJob('slow:1'))?.state === 'active' ? true : undefined));
    await queue.close();
    expect(finished).toBe(true);
    await expect(queue.enqueue('slow', {}, { jobId: 'slow:2' })).rejects.toThrow(/closed/);
  });

  it('fails a job at once on a PermanentJobError and keeps it as a dead letter', async () => {
    let calls = 0;
    await queue.startWorker({
      doomed: async () => {
        calls += 1;
        throw new PermanentJobError('bad payload');
      },
    });
    await queue.enqueue('doomed', { n: 1 }, { jobId: 'doomed:t1:1', attempts: 5 });
    const job = await waitFor(async () => {
      const snapshot = await queue.getJob('doomed:t1:1');
      return snapshot?.state === 'failed' ? snapshot : undefined;
    });
    expect(job).toMatchObject({ attempts: 1, error: 'bad payload' });
    expect(calls).toBe(1);
    const dead = await queue.listDeadLetters(10);
    expect(dead).toEqual([
      {
        jobId: 'doomed:t1:1',
        name: 'doomed',
        payload: { n: 1 },
        attempts: 1,
        error: 'bad payload',
        failedAt: expect.any(Number),
      },
    ]);
  });

  it('fails a job with no handler permanently', async () => {
    await queue.startWorker({});
    await queue.enqueue('unknown-kind', {}, { jobId: 'unknown-kind:1', attempts: 3 });
    const job = await waitFor(async () => {
      const snapshot = await queue.getJob('unknown-kind:1');
      return snapshot?.state === 'failed' ? snapshot : undefined;
    });
    expect(job.attempts).toBe(1);
    expect((await queue.listDeadLetters(10)).map((d) => d.jobId)).toEqual(['unknown-kind:1']);
  });

  it('dead-letters a job that used up its attempts, newest first, and replays it', async () => {
    let healthy = false;
    const runs: string[] = [];
    expect(await queue.countDeadLetters()).toBe(0);
    await queue.startWorker({
      sync: async (payload) => {
        const { id } = payload as { id: string };
        runs.push(id);
        if (!healthy) throw new Error(`upstream down for ${id}`);
      },
    });
    await queue.enqueue('sync', { id: 'a' }, { jobId: 'sync:t1:a', attempts: 2 });
    await waitFor(async () => ((await queue.getJob('sync:t1:a'))?.state === 'failed' ? true : undefined));
    await queue.enqueue('sync', { id: 'b' }, { jobId: 'sync:t1:b', attempts: 2 });
    await waitFor(async () => ((await queue.getJob('sync:t1:b'))?.state === 'failed' ? true : undefined));

    const dead = await queue.listDeadLetters(10);
    expect(dead.map((d) => d.jobId)).toEqual(['sync:t1:b', 'sync:t1:a']);
    expect(dead[1]).toMatchObject({
      name: 'sync',
      payload: { id: 'a' },
      attempts: 2,
      error: 'upstream down for a',
    });
    expect((dead[0] as { failedAt: number }).failedAt).toBeGreaterThanOrEqual(
      (dead[1] as { failedAt: number }).failedAt,
    );
    expect(await queue.listDeadLetters(1)).toHaveLength(1);
    expect(await queue.countDeadLetters()).toBe(2);
    // A dead letter still deduplicates: the same work is not queued again behind the operator's back.
    expect((await queue.enqueue('sync', { id: 'a' }, { jobId: 'sync:t1:a' })).deduplicated).toBe(true);

    healthy = true;
    expect(await queue.replayDeadLetter('sync:t1:a')).toBe(true);
    const replayed = await waitFor(async () => {
      const snapshot = await queue.getJob('sync:t1:a');
      return snapshot?.state === 'completed' ? snapshot : undefined;
    });
    expect(replayed.attempts).toBe(1);
    expect(runs.filter((id) => id === 'a')).toHaveLength(3);
    expect((await queue.listDeadLetters(10)).map((d) => d.jobId)).toEqual(['sync:t1:b']);
    expect(await queue.countDeadLetters()).toBe(1);
    expect(await queue.replayDeadLetter('sync:t1:a')).toBe(false);
    expect(await queue.replayDeadLetter('sync:t1:nope')).toBe(false);
  });

  if (name === 'bullmq') {
    it('shares jobs between processes: one enqueues, the other runs each job exactly once', async () => {
      const producer = queue;
      const consumer = create(scope);
      others.push(consumer);
      const runs = new Map<string, number>();
      await consumer.startWorker(
        { work: async (payload) => void runs.set(String(payload), (runs.get(String(payload)) ?? 0) + 1) },
        { concurrency: 4 },
      );
      const ids = Array.from({ length: 10 }, (_, index) => `work:t1:${index}`);
      for (const id of ids) {
        expect((await producer.enqueue('work', id, { jobId: id })).deduplicated).toBe(false);
        expect((await consumer.enqueue('work', id, { jobId: id })).deduplicated).toBe(true);
      }
      for (const id of ids)
        await waitFor(async () => ((await producer.getJob(id))?.state === 'completed' ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([...runs.entries()].sort()).toEqual(ids.map((id) => [id, 1]).sort());
    });

    it('keeps job ids that BullMQ would refuse (colons, integers) apart', async () => {
      const seen: unknown[] = [];
      await queue.startWorker({ echo: async (payload) => void seen.push(payload) });
      for (const id of ['42', '#42', 'a:b', 'a%3Ab', 'x:y:z:w'])
        expect((await queue.enqueue('echo', id, { jobId: id })).deduplicated).toBe(false);
      await waitFor(async () => (seen.length === 5 ? true : undefined));
      expect(await queue.getJob('a:b')).toMatchObject({ jobId: 'a:b', state: 'completed' });
      expect(await queue.getJob('42')).toMatchObject({ jobId: '42', state: 'completed' });
    });
  }
});
