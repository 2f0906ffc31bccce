/** Background jobs. Job ids are derived from the work (tenant + object + version) so repeats deduplicate. */
export type JobOptions = { jobId: string; delayMs?: number; attempts?: number };

export type EnqueueResult = { jobId: string; deduplicated: boolean };

export type JobContext = { jobId: string; attempt: number; signal: AbortSignal };

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export type JobSnapshot = { jobId: string; name: string; state: JobState; attempts: number; error?: string };

/** A job that failed for good (attempts used up, or a PermanentJobError); kept until replayed. */
export type DeadLetter = {
  jobId: string;
  name: string;
  payload: unknown;
  attempts: number;
  error: string;
  /** Epoch milliseconds of the final failure. */
  failedAt: number;
};

/** Thrown by a handler when retrying cannot help: the job fails at once and becomes a dead letter. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** One failed run of a job; `final` when no retry follows (attempts used up, or permanent): a dead letter. */
export type JobFailure = { jobId: string; name: string; attempt: number; error: string; final: boolean };

export type WorkerOptions = {
  concurrency?: number;
  /** Told of every failed run, so a failure is never silent (the worker logs it with its reason). */
  onFailure?: (failure: JobFailure) => void;
};

export interface JobQueue {
  enqueue(name: string, payload: unknown, options: JobOptions): Promise<EnqueueResult>;
  /** Starts consuming; resolves once the worker is accepting jobs. */
  startWorker(handlers: Readonly<Record<string, JobHandler>>, options?: WorkerOptions): Promise<void>;
  getJob(jobId: string): Promise<JobSnapshot | undefined>;
  /** Jobs that failed for good, newest first. */
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** How many dead letters there are, without reading them (for metrics). */
  countDeadLetters(): Promise<number>;
  /** Runs a dead-lettered job again with fresh attempts and removes it from the dead letters; false when unknown. */
  replayDeadLetter(jobId: string): Promise<boolean>;
  /** Stops taking jobs, waits for running ones to finish (or abort), then releases resources. */
  close(): Promise<void>;
}
