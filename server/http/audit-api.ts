import express, { type Request, type Response, type Router } from 'express';
import type { CollectionsStore } from '../../src/ports/store';
import { refusedWhenEmbedded, type RequestContext } from './api-auth';
import { fail } from './api-errors';

export type AuditRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => RequestContext;
};

/** The latest collection events of the tenant, newest first. */
export function createAuditRouter(options: AuditRouteOptions): Router {
  const router = express.Router();
  router.get('/audit', async (request: Request, response: Response) => {
    if (refusedWhenEmbedded(response, options.context(response))) return;
    const limit = Number(request.query['limit'] ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      fail(response, { code: 'invalid_request', path: 'limit', message: 'expected 1 to 500' }, 422);
      return;
    }
    const events = await options.store.listEvents(options.context(response).tenant, { limit });
    response.json({
      ok: true,
      data: {
        events: events.map((event) => ({
          at: event.occurredAt,
          kind: event.kind,
          subject: event.subject,
          actor: event.actor,
          payload: event.payload,
        })),
      },
    });
  });
  return router;
}
