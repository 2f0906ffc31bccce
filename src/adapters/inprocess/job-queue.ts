import {
  PermanentJobError,
  type DeadLetter,
  type EnqueueResult,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type JobSnapshot,
  type WorkerOptions,
} from '../../ports/queue';

type Entry = JobSnapshot & { payload: unknown; maxAttempts: number; runAt: number; failedAt?: number };

export type InProcessQueueOptions = {
  /** Delay before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
  /** Finished jobs kept for getJob and deduplication. */
  keepFinished?: number;
  now?: () => number;
  /** On close, running jobs get this long to finish before their abort signal fires. */
  closeGraceMs?: number;
};

/**
 * The embedded queue: same contract as the Redis one, inside one process. A job id seen before
 * (waiting, active or recently finished) is not enqueued again. Jobs that fail for good stay (in
 * memory) as dead letters until replayed or pushed out by `keepFinished`.
 */
export function createInProcessJobQueue(options: InProcessQueueOptions = {}): JobQueue {
  const backoffMs = options.backoffMs ?? ((attempt: number) => Math.min(30000, 250 * 2 ** (attempt - 1)));
  const keepFinished = options.keepFinished ?? 10000;
  const now = options.now ?? Date.now;
  const jobs = new Map<string, Entry>();
  const finished: string[] = [];
  let handlers: Readonly<Record<string, JobHandler>> | undefined;
  let concurrency = 1;
  let onFailure: WorkerOptions['onFailure'];
  let active = 0;
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();
  const abort = new AbortController();

  const remember = (jobId: string): void => {
    finished.push(jobId);
    while (finished.length > keepFinished) {
      const oldest = finished.shift();
      if (oldest !== undefined) jobs.delete(oldest);
    }
  };

  const nextReady = (): Entry | undefined => {
    const at = now();
    for (const entry of jobs.values()) if (entry.state === 'waiting' && entry.runAt <= at) return entry;
    return undefined;
  };

  const schedule = (): void => {
    if (timer !== undefined || closing || handlers === undefined) return;
    let soonest = Infinity;
    for (const entry of jobs.values())
      if (entry.state === 'waiting') soonest = Math.min(soonest, entry.runAt);
    if (soonest === Infinity) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        pump();
      },
      Math.max(0, soonest - now()),
    );
    timer.unref();
  };

  const run = async (entry: Entry): Promise<void> => {
    const handler = handlers?.[entry.name];
    entry.state = 'active';
    entry.attempts += 1;
    try {
      if (handler === undefined) throw new Error(`no handler for job ${entry.name}`);
      await handler(entry.payload, { jobId: entry.jobId, attempt: entry.attempts, signal: abort.signal });
      entry.state = 'completed';
      delete entry.error;
      remember(entry.jobId);
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      const permanent = handler === undefined || error instanceof PermanentJobError;
      const final = !(entry.attempts < entry.maxAttempts && !closing && !permanent);
      if (!final) {
        entry.state = 'waiting';
        entry.runAt = now() + backoffMs(entry.attempts);
      } else {
        entry.state = 'failed';
        entry.failedAt = now();
        remember(entry.jobId);
      }
      onFailure?.({
        jobId: entry.jobId,
        name: entry.name,
        attempt: entry.attempts,
        error: entry.error,
        final,
      });
    }
  };

  const pump = (): void => {
    if (closing || handlers === undefined) return;
    while (active < concurrency) {
      const entry = nextReady();
      if (entry === undefined) break;
      active += 1;
      const task = run(entry).finally(() => {
        active -= 1;
        running.delete(task);
        pump();
      });
      running.add(task);
    }
    schedule();
  };

  return {
    async enqueue(name: string, payload: unknown, jobOptions: JobOptions): Promise<EnqueueResult> {
      if (closing) throw new Error('queue is closed');
      if (jobs.has(jobOptions.jobId)) return { jobId: jobOptions.jobId, deduplicated: true };
      jobs.set(jobOptions.jobId, {
        jobId: jobOptions.jobId,
        name,
        payload,
        state: 'waiting',
        attempts: 0,
        maxAttempts: jobOptions.attempts ?? 3,
        runAt: now() + (jobOptions.delayMs ?? 0),
      });
      queueMicrotask(pump);
      return { jobId: jobOptions.jobId, deduplicated: false };
    },

    async startWorker(jobHandlers, workerOptions = {}): Promise<void> {
      handlers = jobHandlers;
      concurrency = Math.max(1, workerOptions.concurrency ?? 1);
      onFailure = workerOptions.onFailure;
      pump();
    },

    async getJob(jobId: string): Promise<JobSnapshot | undefined> {
      const entry = jobs.get(jobId);
      if (entry === undefined) return undefined;
      const { jobId: id, name, state, attempts, error } = entry;
      return error === undefined
        ? { jobId: id, name, state, attempts }
        : { jobId: id, name, state, attempts, error };
    },

    async listDeadLetters(limit: number): Promise<DeadLetter[]> {
      const dead: DeadLetter[] = [];
      // `finished` is in order of finishing: walk it backwards for newest first.
      for (let index = finished.length - 1; index >= 0 && dead.length < limit; index -= 1) {
        const entry = jobs.get(finished[index] as string);
        if (entry?.state !== 'failed') continue;
        dead.push({
          jobId: entry.jobId,
          name: entry.name,
          payload: entry.payload,
          attempts: entry.attempts,
          error: entry.error ?? 'failed',
          failedAt: entry.failedAt ?? 0,
        });
      }
      return dead;
    },

    async countDeadLetters(): Promise<number> {
      let count = 0;
      for (const entry of jobs.values()) if (entry.state === 'failed') count += 1;
      return count;
    },

    async replayDeadLetter(jobId: string): Promise<boolean> {
      if (closing) throw new Error('queue is closed');
      const entry = jobs.get(jobId);
      if (entry?.state !== 'failed') return false;
      const index = finished.lastIndexOf(jobId);
      if (index >= 0) finished.splice(index, 1);
      entry.state = 'waiting';
      entry.attempts = 0;
      entry.runAt = now();
      delete entry.error;
      delete entry.failedAt;
      queueMicrotask(pump);
      return true;
    },

    async close(): Promise<void> {
      closing = true;
      if (timer !== undefined) clearTimeout(timer);
      const grace = setTimeout(() => abort.abort(), options.closeGraceMs ?? 5000);
      grace.unref();
      await Promise.allSettled([...running]);
      clearTimeout(grace);
      abort.abort();
    },
  };
}
