import type { Command } from 'commander';
import { loadConfig } from '../../src/config/config';
import { z } from 'zod';
import type { DeadLetter } from '../../src/ports/queue';
import { LOCAL_DEAD_LETTERS_PATH } from '../http/local-routes';
import { positiveInteger, print, UsageError, withStore, type Output, askStoreOwner } from './shared';

type DeadLetterAccess = {
  list(limit: number): Promise<DeadLetter[]>;
  replay(jobId: string): Promise<boolean>;
};

async function withRedisQueue<T>(url: string, work: (access: DeadLetterAccess) => Promise<T>): Promise<T> {
  const { createBullmqJobQueue } = await import('../../src/adapters/redis/job-queue');
  const queue = createBullmqJobQueue({ url });
  try {
    return await work({
      list: (limit) => queue.listDeadLetters(limit),
      replay: (jobId) => queue.replayDeadLetter(jobId),
    });
  } finally {
    await queue.close();
  }
}

const listAnswer = z.object({
  deadLetters: z.array(z.custom<DeadLetter>((value) => typeof value === 'object')),
});
const replayAnswer = z.object({ replayed: z.boolean() });

/**
 * Without REDIS_URL the job queue is embedded in the server process, which owns the embedded store:
 * its dead letters are asked of that server. When no server holds the store, no embedded queue runs,
 * so there are none (a webhook event that failed for good stays marked failed in the store).
 */
async function withJobQueue<T>(work: (access: DeadLetterAccess) => Promise<T>): Promise<T> {
  const { redisUrl } = loadConfig();
  if (redisUrl !== undefined) return withRedisQueue(redisUrl, work);
  return withStore(
    () =>
      work({
        list: async () => [],
        replay: async () => false,
      }),
    {
      viaServer: (server) =>
        work({
          list: async (limit) =>
            listAnswer.parse(await askStoreOwner(server, `${LOCAL_DEAD_LETTERS_PATH}?limit=${limit}`, 'GET'))
              .deadLetters,
          replay: async (jobId) =>
            replayAnswer.parse(
              await askStoreOwner(
                server,
                `${LOCAL_DEAD_LETTERS_PATH}/${encodeURIComponent(jobId)}/replay`,
                'POST',
              ),
            ).replayed,
        }),
    },
  );
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
      const deadLetters = await withJobQueue((queue) => queue.list(options.limit));
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
      const replayed = await withJobQueue((queue) => queue.replay(jobId));
      if (!replayed) throw new UsageError(`no dead letter ${jobId}`);
      print(options, { ok: true, jobId, replayed: true }, () => `Queued ${jobId} again.`);
    });
}
