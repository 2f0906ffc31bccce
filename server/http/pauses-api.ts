import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import { badInput } from './api-answers';
import { fail } from './api-errors';

export type PauseRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  context: (response: Response) => { tenant: TenantId; user: string };
};

export const pause = z
  .object({
    reason: z.string().trim().min(1).max(500),
    until: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  })
  .strict();

/** An account's automation paused (with a reason and an end date) and resumed: the escape hatch. */
export function createPausesRouter(options: PauseRouteOptions): Router {
  const router = express.Router();

  router.post('/accounts/:customerId/pause', async (request, response) => {
    const parsed = pause.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    if (parsed.data.until < options.today())
      return fail(response, { code: 'invalid_request', path: 'until', message: 'must not be in the past' });
    const { tenant, user } = options.context(response);
    const customerId = String(request.params['customerId']);
    const outcome = await options.store.pauseAutomation(tenant, customerId, {
      reason: parsed.data.reason,
      until: parsed.data.until as CalendarDate,
      actor: user,
      startedOn: options.today(),
    });
    if (outcome === 'unknown_customer')
      return fail(response, { code: 'not_found', message: `unknown customer ${customerId}` });
    response.json({ ok: true, paused: { reason: parsed.data.reason, until: parsed.data.until } });
  });

  router.delete('/accounts/:customerId/pause', async (request, response) => {
    const { tenant, user } = options.context(response);
    const resumed = await options.store.resumeAutomation(
      tenant,
      String(request.params['customerId']),
      user,
      options.today(),
    );
    response.json({ ok: true, resumed });
  });

  return router;
}
