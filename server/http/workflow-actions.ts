import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CrmActionAnswer } from '../../src/ports/crm-action-calls';
import type { CrmGateway } from '../../src/ports/crm-gateway';
import type { CollectionsStore } from '../../src/ports/store';
import type { CardOptions } from '../../src/use-cases/account-card';
import { verifyHubspotActionRequest } from './signed-request';
import { workflowActions, type ActionOutcome, type DealCompanyLookup } from './workflow-action-handlers';

export type WorkflowActionOptions = {
  store: CollectionsStore;
  logger: Logger;
  clientSecret: string;
  publicBaseUrl: string;
  /** The tenant of an installed portal; undefined: not installed here (refused). */
  resolveTenant: (portalId: string) => Promise<TenantId | undefined>;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  /** Days after the promised day payments still count toward a promise (PROMISE_GRACE_DAYS). */
  promiseGraceDays?: number;
  /** The tenant's CRM connection: a deal action without `company_id` reads the deal's company there. */
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>;
  now?: () => number;
};

export const WORKFLOW_ACTIONS_PATH = '/hubspot/workflow-actions';

/** A claim older than this, still unanswered, belongs to a process that died: a retry takes it over. */
const STALE_CLAIM_MS = 2 * 60 * 1000;
const SOURCE = 'hubspot';

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);

/** The execution request HubSpot POSTs to an action's `actionUrl` (fields we do not read pass through). */
export const actionRequest = z.object({
  callbackId: z.string().min(1).max(200),
  origin: z.looseObject({ portalId: id }),
  object: z.looseObject({ objectId: id, objectType: z.string().min(1).max(64) }).optional(),
  inputFields: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The synchronous answer: output fields, with `hs_execution_state` SUCCESS, or FAIL_CONTINUE with an
 * error code and message so the workflow's history shows why and later steps may branch on it.
 */
export function actionAnswer(outcome: ActionOutcome): CrmActionAnswer {
  return {
    status: 200,
    body: {
      outputFields: outcome.ok
        ? { ...outcome.outputs, hs_execution_state: 'SUCCESS' }
        : { hs_execution_state: 'FAIL_CONTINUE', error_code: outcome.code, error_message: outcome.message },
    },
  };
}

/**
 * Runs an action once per call id: the first request claims the call, acts and keeps its answer; a
 * retry gets that answer; a request finding the call claimed and unanswered gets 'running'. When the
 * action throws, the claim is dropped so a retry may run it.
 */
export async function runActionOnce(input: {
  store: CollectionsStore;
  tenant: TenantId;
  source: string;
  callId: string;
  action: string;
  at: Date;
  run: () => Promise<ActionOutcome>;
  answer: (outcome: ActionOutcome) => CrmActionAnswer;
}): Promise<CrmActionAnswer | 'running'> {
  const key = { source: input.source, callId: input.callId };
  const claim = await input.store.claimCrmActionCall(input.tenant, {
    ...key,
    action: input.action,
    at: input.at,
    staleBefore: new Date(input.at.getTime() - STALE_CLAIM_MS),
  });
  if (claim.state === 'answered') return claim.answer;
  if (claim.state === 'running') return 'running';
  let answer: CrmActionAnswer;
  try {
    answer = input.answer(await input.run());
  } catch (error) {
    await input.store.releaseCrmActionCall(input.tenant, key);
    throw error;
  }
  await input.store.answerCrmActionCall(input.tenant, { ...key, answer, at: input.at });
  return answer;
}

/** The deal's company through the tenant's CRM gateway, opened only when an action asks for it. */
function dealCompanyIn(options: WorkflowActionOptions, tenant: TenantId): DealCompanyLookup {
  return async (dealId) => {
    const gateway = await options.gatewayFor?.(tenant);
    if (gateway?.companyOfDeal === undefined) return 'not_connected';
    return { companyId: await gateway.companyOfDeal(dealId) };
  };
}

function refuse(response: Response, status: number, message: string): void {
  response.status(status).json({ error: message });
}

/**
 * HubSpot custom workflow actions: each call signed (v3, the app's client secret), from an installed
 * portal, run once per callback id (a retry gets the first answer).
 */
export function createWorkflowActionsRouter(options: WorkflowActionOptions): Router {
  const router = express.Router();
  const now = options.now ?? Date.now;
  const actions = workflowActions(options);

  router.post(
    `${WORKFLOW_ACTIONS_PATH}/:action`,
    express.raw({ type: () => true, limit: '1mb' }),
    async (request, response, next) => {
      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const check = verifyHubspotActionRequest({
        secret: options.clientSecret,
        method: 'POST',
        uri: `${options.publicBaseUrl}${request.originalUrl}`,
        body: raw,
        header: (name) => request.header(name),
        now: now(),
      });
      if (!check.ok) {
        options.logger.warn({ reason: check.reason }, 'hubspot workflow action refused');
        return refuse(response, 401, check.reason);
      }
      const name = String(request.params['action']);
      const action = actions[name];
      if (action === undefined) return refuse(response, 404, `unknown action ${name}`);
      let call: z.infer<typeof actionRequest>;
      try {
        const parsed = actionRequest.safeParse(JSON.parse(raw));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return refuse(response, 400, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
        }
        call = parsed.data;
      } catch {
        return refuse(response, 400, 'expected a JSON workflow action request');
      }
      const portalId = call.origin.portalId;
      try {
        const tenant = await options.resolveTenant(portalId);
        if (tenant === undefined)
          return refuse(response, 403, `the app is not installed in portal ${portalId}`);
        const answer = await runActionOnce({
          store: options.store,
          tenant,
          source: SOURCE,
          callId: call.callbackId,
          action: name,
          at: new Date(now()),
          answer: actionAnswer,
          run: () =>
            action.run({
              store: options.store,
              tenant,
              today: options.today(),
              object: call.object,
              inputs: call.inputFields,
              cardOptions: options.cardOptions ?? {},
              actor: 'hubspot-workflow',
              dealCompany: dealCompanyIn(options, tenant),
            }),
        });
        if (answer === 'running') {
          // Another request is running this call right now: HubSpot retries a 429 later.
          response.setHeader('Retry-After', '10');
          return refuse(response, 429, `callback ${call.callbackId} is being run`);
        }
        response.status(answer.status).json(answer.body);
      } catch (error) {
        next(error);
      }
    },
  );
  return router;
}
