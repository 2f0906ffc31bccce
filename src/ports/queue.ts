/** Background jobs. Job ids are derived from the work (tenant + object + version) so repeats deduplicate. */
export type JobOptions = { jobId: string; delayMs?: number; attempts?: number };

export type EnqueueResult = { jobId: string; deduplicated: boolean };

export type JobContext = { jobId: string; attempt: number; signal: AbortSignal };

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export type JobSnapshot = { jobId: string; name: string; state: JobState; attempts: number; error?: string };

export interface JobQueue {
  enqueue(name: string, payload: unknown, options: JobOptions): Promise<EnqueueResult>;
  /** Starts consuming; resolves once the worker is accepting jobs. */
  startWorker(
    handlers: Readonly<Record<string, JobHandler>>,
    options?: { concurrency?: number },
  ): Promise<void>;
  getJob(jobId: string): Promise<JobSnapshot | undefined>;
  /** Stops taking jobs, waits for running ones to finish (or abort), then releases resources. */
  close(): Promise<void>;
}
