import express, { type Response, type Router } from 'express';
import type { RequestContext } from './api-auth';

export type SessionRouteOptions = { context: (response: Response) => RequestContext };

/** Who is asking, and the one view and record of a workspace embedded in a CRM record. */
export function createSessionRouter(options: SessionRouteOptions): Router {
  const router = express.Router();
  router.get('/session', (_request, response) => {
    const context = options.context(response);
    response.json({
      ok: true,
      data: {
        tenant: context.tenant,
        user: context.user,
        revops: context.revops,
        embedded:
          context.embedded === null
            ? null
            : {
                view: context.embedded.view,
                recordId: context.embedded.customerId ?? context.embedded.crmRecordId,
                customerId: context.embedded.customerId,
                crmRecordId: context.embedded.crmRecordId,
              },
      },
    });
  });
  return router;
}
