import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { closeConnection } from './connection';
import {
  PermanentJobError,
  type DeadLetter,
  type EnqueueResult,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type JobSnapshot,
  type JobState,
} from '../../ports/queue';

export type BullmqQueueOptions = {
  url: string;
  /** Redis key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** First retry delay; retry n waits backoffMs * 2^(n-1). */
  backoffMs?: number;
  /** On close, running jobs get this long to finish before their abort signal fires. */
  closeGraceMs?: number;
  /** A call fails when Redis cannot be reached for this long (default 5000). */
  connectTimeoutMs?: number;
  /** Connection and worker errors (never printed here: the URL may hold a password). */
  onError?: (error: Error) => void;
};

/** What we store as BullMQ job data: our job id (BullMQ's is escaped) and a token telling our add apart. */
type StoredData = { jobId: string; payload: unknown; enqueueId: string };

const QUEUE_NAME = 'collections-jobs';
const DEFAULT_ATTEMPTS = 3;
const KEEP_COMPLETED = { count: 10_000, age: 24 * 60 * 60 };

/**
 * BullMQ refuses ids containing ':' (ours do: name:tenant:...) and ids that look like integers, so
 * ours are escaped reversibly: '%' → %25, ':' → %3A, '#' → %23, and an integer-looking id gets '#'.
 */
export function toBullmqJobId(jobId: string): string {
  const escaped = jobId.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/#/g, '%23');
  return `${parseInt(escaped, 10)}` === escaped ? `#${escaped}` : escaped;
}

function connection(url: string, extra: RedisOptions, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, { connectTimeout: 3000, ...extra });
  redis.on('error', onError);
  return redis;
}

function ourState(state: string): JobState {
  switch (state) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      // waiting, delayed (including waiting for a retry), prioritized, waiting-children
      return 'waiting';
  }
}

function dataOf(job: Job): StoredData {
  const data = job.data as Partial<StoredData> | undefined;
  return { jobId: data?.jobId ?? job.id ?? '', payload: data?.payload, enqueueId: data?.enqueueId ?? '' };
}

/**
 * The job queue shared by every process on the same Redis (BullMQ). Job ids deduplicate: an id
 * that is waiting, active or recently finished is not added again. Failed jobs are kept: they are
 * the dead letters.
 */
export function createBullmqJobQueue(options: BullmqQueueOptions): JobQueue {
  const prefix = options.prefix ?? 'collections';
  const backoffMs = options.backoffMs ?? 250;
  const closeGraceMs = options.closeGraceMs ?? 5000;
  const onError = options.onError ?? (() => undefined);
  // Commands fail (rather than wait forever) when Redis is down; the worker's connection must not.
  const queueRedis = connection(options.url, { maxRetriesPerRequest: 1 }, onError);
  const queue = new Queue(QUEUE_NAME, { connection: queueRedis, prefix });
  queue.on('error', onError);
  let worker: Worker | undefined;
  let workerRedis: Redis | undefined;
  let closing: Promise<void> | undefined;
  const running = new Set<AbortController>();

  const assertOpen = (): void => {
    if (closing !== undefined) throw new Error('queue is closed');
  };

  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  /** Resolves at once when connected; otherwise waits for the connection, at most connectTimeoutMs. */
  const ready = async (): Promise<void> => {
    if (queueRedis.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        queue.waitUntilReady(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the job queue's Redis is not reachable (waited ${connectTimeoutMs} ms)`)),
            connectTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const find = async (jobId: string): Promise<Job | undefined> =>
    (await queue.getJob(toBullmqJobId(jobId))) ?? undefined;

  const processor = (handlers: Readonly<Record<string, JobHandler>>) => async (job: Job) => {
    const handler = handlers[job.name];
    if (handler === undefined) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const { jobId, payload } = dataOf(job);
    const abort = new AbortController();
    running.add(abort);
    try {
      await handler(payload, { jobId, attempt: job.attemptsMade + 1, signal: abort.signal });
    } catch (error) {
      if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      running.delete(abort);
    }
  };

  return {
    async enqueue(name: string, payload: unknown, jobOptions: JobOptions): Promise<EnqueueResult> {
      assertOpen();
      await ready();
      const enqueueId = randomUUID();
      const data: StoredData = { jobId: jobOptions.jobId, payload, enqueueId };
      const bullOptions: JobsOptions = {
        jobId: toBullmqJobId(jobOptions.jobId),
        attempts: Math.max(1, jobOptions.attempts ?? DEFAULT_ATTEMPTS),
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: false,
      };
      if (jobOptions.delayMs !== undefined && jobOptions.delayMs > 0) bullOptions.delay = jobOptions.delayMs;
      await queue.add(name, data, bullOptions);
      // BullMQ returns silently when the id exists; the stored token tells whose add it was.
      const stored = await find(jobOptions.jobId);
      const deduplicated = stored !== undefined && dataOf(stored).enqueueId !== enqueueId;
      return { jobId: jobOptions.jobId, deduplicated };
    },

    async startWorker(handlers, workerOptions = {}): Promise<void> {
      assertOpen();
      if (worker !== undefined) throw new Error('the worker is already running');
      await ready();
      // BullMQ requires maxRetriesPerRequest: null for the worker's (blocking) connections.
      workerRedis = connection(options.url, { maxRetriesPerRequest: null }, onError);
      worker = new Worker(QUEUE_NAME, processor(handlers), {
        connection: workerRedis,
        prefix,
        concurrency: Math.max(1, workerOptions.concurrency ?? 1),
      });
      worker.on('error', onError);
      const { onFailure } = workerOptions;
      if (onFailure !== undefined)
        worker.on('failed', (job, error) => {
          if (job === undefined) return;
          const permanent = error.name === 'UnrecoverableError';
          onFailure({
            jobId: dataOf(job).jobId,
            name: job.name,
            attempt: job.attemptsMade,
            error: error.message,
            final: permanent || job.attemptsMade >= (job.opts.attempts ?? 1),
          });
        });
      await worker.waitUntilReady();
    },

    async getJob(jobId: string): Promise<JobSnapshot | undefined> {
      await ready();
      let job = await find(jobId);
      if (job === undefined) return undefined;
      const state = ourState(await job.getState());
      // The job may have finished between the two reads: read it again so its fields match the state.
      if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = await find(jobId);
      if (job === undefined) return undefined;
      const attempts = state === 'active' ? job.attemptsMade + 1 : job.attemptsMade;
      const snapshot: JobSnapshot = { jobId: dataOf(job).jobId, name: job.name, state, attempts };
      if (state !== 'completed' && job.failedReason) snapshot.error = job.failedReason;
      return snapshot;
    },

    async listDeadLetters(limit: number): Promise<DeadLetter[]> {
      if (limit < 1) return [];
      await ready();
      const failed = await queue.getFailed(0, limit - 1);
      return failed
        .filter((job): job is Job => job !== undefined && job !== null)
        .map((job) => {
          const { jobId, payload } = dataOf(job);
          return {
            jobId,
            name: job.name,
            payload,
            attempts: job.attemptsMade,
            error: job.failedReason || 'failed',
            failedAt: job.finishedOn ?? job.timestamp,
          };
        })
        .sort((a, b) => b.failedAt - a.failedAt);
    },

    async countDeadLetters(): Promise<number> {
      await ready();
      // Retries wait in the delayed set: the failed set holds only jobs that failed for good.
      return queue.getFailedCount();
    },

    async replayDeadLetter(jobId: string): Promise<boolean> {
      assertOpen();
      await ready();
      const job = await find(jobId);
      if (job === undefined || (await job.getState()) !== 'failed') return false;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        const grace = setTimeout(() => {
          for (const abort of running) abort.abort();
        }, closeGraceMs);
        grace.unref();
        try {
          // Stops fetching, then waits for the running jobs (which the grace timer may abort).
          await worker?.close();
        } finally {
          clearTimeout(grace);
          for (const abort of running) abort.abort();
          if (queueRedis.status === 'ready')
            await queue.close().catch((error: unknown) => onError(error as Error));
          for (const redis of [queueRedis, workerRedis]) {
            if (redis === undefined) continue;
            await closeConnection(redis);
          }
        }
      })();
      return closing;
    },
  };
}
