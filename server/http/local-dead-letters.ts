import express, { type Router } from 'express';
import type { DeadLetter, JobQueue } from '../../src/ports/queue';
import { localCallersOnly } from './local-import';

import { LOCAL_DEAD_LETTERS_PATH } from './local-routes';

export { LOCAL_DEAD_LETTERS_PATH } from './local-routes';

export type LocalDeadLetterAnswer = { deadLetters: DeadLetter[] };

/**
 * `collections dead-letter list|replay` on the embedded job queue: its jobs live in this process, so
 * the CLI asks the server that owns the embedded store (same host, lock-file token).
 */
export function createLocalDeadLetterRouter(options: { token: string; queue: JobQueue }): Router {
  const router = express.Router();
  router.use(LOCAL_DEAD_LETTERS_PATH, localCallersOnly(options.token));
  router.get(LOCAL_DEAD_LETTERS_PATH, async (request, response) => {
    const limit = Number(request.query.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
      response
        .status(422)
        .json({ error: 'invalid_request', field: 'limit', message: 'a whole number from 1 to 10000' });
      return;
    }
    const answer: LocalDeadLetterAnswer = { deadLetters: await options.queue.listDeadLetters(limit) };
    response.json(answer);
  });
  router.post(`${LOCAL_DEAD_LETTERS_PATH}/:jobId/replay`, async (request, response) => {
    const replayed = await options.queue.replayDeadLetter(request.params.jobId);
    response.status(replayed ? 200 : 404).json({ jobId: request.params.jobId, replayed });
  });
  return router;
}
