import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import type { JobQueue } from '../src/ports/queue';

type Factory = { name: string; create: () => JobQueue };

const factories: Factory[] = [
  { name: 'in-process', create: () => createInProcessJobQueue({ backoffMs: () => 5, closeGraceMs: 200 }) },
];

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(factories)('job queue contract: $name', ({ create }) => {
  let queue: JobQueue;

  beforeEach(() => {
    queue = create();
  });

  afterEach(async () => {
    await queue.close();
  });

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
});
