import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import { promiseDeadline, type StoredPromise } from '../../src/domain/promises';
import type { CollectionsStore } from '../../src/ports/store';
import { recordPromiseToPay } from '../../src/use-cases/promises';
import type { RequestContext } from './api-auth';
import { fail } from './api-errors';
import { moneyView } from './card-views';
import { promiseState, type promiseView } from './schemas/promises';

export type PromiseRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  /** PROMISE_GRACE_DAYS: days after the promised day that payments still count. */
  graceDays?: number;
  context: (response: Response) => RequestContext;
};

export const promisesQuery = z.object({ state: promiseState.optional() }).strict();

export function toPromiseView(promise: StoredPromise): z.infer<typeof promiseView> {
  return {
    promiseId: promise.promiseId,
    customerId: promise.customerId,
    amounts: promise.amounts.map((amount) => moneyView(amount.amountMinor, amount.currency)),
    promisedOn: promise.promisedOn,
    deadline: promiseDeadline(promise),
    graceDays: promise.graceDays,
    invoiceIds: [...promise.invoiceIds],
    madeBy: promise.madeBy,
    note: promise.note,
    recordedBy: promise.recordedBy,
    recordedOn: promise.recordedOn,
    state: promise.state,
    settledOn: promise.settledOn,
    received: promise.received.map((amount) => moneyView(amount.amountMinor, amount.currency)),
  };
}

/** An account's promises to pay: recorded by any signed-in user of the tenant, and listed. */
export function createPromisesRouter(options: PromiseRouteOptions): Router {
  const router = express.Router();

  router.post('/accounts/:customerId/promises', async (request, response) => {
    const { tenant, user } = options.context(response);
    const customerId = String(request.params['customerId']);
    const result = await recordPromiseToPay(
      options.store,
      tenant,
      customerId,
      request.body,
      user,
      options.today(),
      options.graceDays === undefined ? {} : { graceDays: options.graceDays },
    );
    // Answered 200 with `ok: false`, as every route the CRM cards post to: hubspot.fetch passes on no
    // body of a non-2xx answer, and the card names the field at fault.
    if (result.outcome === 'invalid') return fail(response, { code: 'invalid_request', ...result.problem });
    if (result.outcome === 'unknown_customer')
      return fail(response, { code: 'not_found', message: `no account ${customerId}` });
    const [stored] = (await options.store.listPromises(tenant, { customerId })).filter(
      (promise) => promise.promiseId === result.promise.promiseId,
    );
    if (stored === undefined) throw new Error(`promise ${result.promise.promiseId} was not kept`);
    response.json({
      ok: true,
      data: { recorded: result.outcome === 'recorded', promise: toPromiseView(stored) },
    });
  });

  router.get('/accounts/:customerId/promises', async (request, response) => {
    const parsed = promisesQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path =
        issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : (issue?.path ?? []).join('.');
      return fail(
        response,
        { code: 'invalid_request', path, message: issue?.message ?? 'invalid query' },
        422,
      );
    }
    const { tenant } = options.context(response);
    const customerId = String(request.params['customerId']);
    const promises = await options.store.listPromises(tenant, {
      customerId,
      ...(parsed.data.state === undefined ? {} : { state: parsed.data.state }),
    });
    response.json({ ok: true, data: { promises: promises.map(toPromiseView) } });
  });

  return router;
}
