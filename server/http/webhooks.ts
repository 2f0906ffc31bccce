import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { TenantId } from '../../src/domain/model';
import { WebhookSignatureError, type BillingSource } from '../../src/ports/billing-source';
import type { JobQueue } from '../../src/ports/queue';
import type { CollectionsStore } from '../../src/ports/store';
import { enqueueBillingEvent } from '../../src/jobs/billing-events';
import { receiveBillingWebhook } from '../../src/use-cases/billing-sync';

export type BillingWebhookOptions = {
  store: CollectionsStore;
  source: BillingSource;
  tenant: TenantId;
  queue: JobQueue;
  logger: Logger;
};

/**
 * POST /webhooks/<source>: the signature is checked on the raw bytes before anything is stored (bad or
 * missing → 400, nothing written); a verified event is stored once by id and processed by a job, so
 * the answer is quick. A duplicate of a processed event answers 200 and does nothing; one of an event
 * still waiting is queued again (its job id keeps that to one job). When the event cannot be stored or
 * queued the answer is 5xx, and the sender's retry completes it.
 */
export function createBillingWebhookRouter(options: BillingWebhookOptions): Router {
  const router = express.Router();
  router.post(
    `/webhooks/${options.source.name}`,
    express.raw({ type: () => true, limit: '1mb' }),
    async (request, response) => {
      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const signature = request.header('stripe-signature');
      try {
        const received = await receiveBillingWebhook(
          options.store,
          options.source,
          options.tenant,
          raw,
          signature,
        );
        if (received.pending) {
          await enqueueBillingEvent(options.queue, options.tenant, options.source.name, received.eventId);
        }
        response.json({ received: true, duplicate: received.duplicate });
      } catch (error) {
        if (error instanceof WebhookSignatureError) {
          options.logger.warn(
            { source: options.source.name, reason: error.message },
            'webhook refused: bad signature',
          );
          response.status(400).json({ error: 'invalid signature' });
          return;
        }
        if (error instanceof SyntaxError) {
          response.status(400).json({ error: 'invalid JSON' });
          return;
        }
        throw error;
      }
    },
  );
  return router;
}
