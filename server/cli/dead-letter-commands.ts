import type { Command } from 'commander';
import { createBullmqJobQueue } from '../../src/adapters/redis/job-queue';
import { loadConfig } from '../../src/config/config';
import type { DeadLetter, JobQueue } from '../../src/ports/queue';
import { positiveInteger, print, UsageError, type Output } from './shared';

/**
 * The dead letters live in the shared Redis queue. Without REDIS_URL the queue is embedded in the
 * server process: nothing outside it can see its jobs.
 */
async function withJobQueue<T>(work: (queue: JobQueue) => Promise<T>): Promise<T> {
  const { redisUrl } = loadConfig();
  if (redisUrl === undefined)
    throw new UsageError(
      'no REDIS_URL: the embedded job queue lives inside the server process, and its dead letters are only visible there (set REDIS_URL to the Redis the server uses)',
    );
  const queue = createBullmqJobQueue({ url: redisUrl });
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

function renderDeadLetter(dead: DeadLetter): string {
  return `${new Date(dead.failedAt).toISOString()}  ${dead.jobId}  (${dead.name}, ${dead.attempts} attempt${dead.attempts === 1 ? '' : 's'})\n    ${dead.error}`;
}

export function registerDeadLetterCommands(program: Command): void {
  const deadLetter = program
    .command('dead-letter')
    .description('background jobs that failed for good: list them, run them again');

  deadLetter
    .command('list')
    .description('jobs that failed for good, newest first')
    .option('--limit <n>', 'at most this many jobs', positiveInteger(10000), 50)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { limit: number; json: boolean }) => {
      const deadLetters = await withJobQueue((queue) => queue.listDeadLetters(options.limit));
      print(options, { deadLetters }, () =>
        deadLetters.length === 0 ? 'No dead letters.' : deadLetters.map(renderDeadLetter).join('\n'),
      );
    });

  deadLetter
    .command('replay')
    .description('run a dead-lettered job again with fresh attempts (the server worker picks it up)')
    .argument('<jobId>', 'the job id, as `dead-letter list` shows it')
    .option('--json', 'print the result as JSON', false)
    .action(async (jobId: string, options: Output) => {
      const replayed = await withJobQueue((queue) => queue.replayDeadLetter(jobId));
      if (!replayed) throw new UsageError(`no dead letter ${jobId}`);
      print(options, { ok: true, jobId, replayed: true }, () => `Queued ${jobId} again.`);
    });
}
