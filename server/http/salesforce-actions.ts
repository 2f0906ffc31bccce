import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import type { CrmActionAnswer } from '../../src/ports/crm-action-calls';
import type { SecretCipher } from '../../src/ports/crm-auth';
import type { CollectionsStore } from '../../src/ports/store';
import type { CardOptions } from '../../src/use-cases/account-card';
import { launchSecretOf } from '../../src/use-cases/crm-installation';
import { salesforceId18 } from './launch-token';
import { workflowActions, type ActionOutcome } from './workflow-action-handlers';
import { runActionOnce } from './workflow-actions';

export type SalesforceActionOptions = {
  store: CollectionsStore;
  logger: Logger;
  /** Opens the org's launch secret, which signs its calls (as it signs launch tokens). */
  cipher?: SecretCipher;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  promiseGraceDays?: number;
  now?: () => number;
};

export const SALESFORCE_ACTIONS_PATH = '/salesforce/actions';
/** Clocks of the org and of the server may disagree; a signed call older than this is refused. */
export const SALESFORCE_ACTION_MAX_AGE_S = 300;

const ORG_ID = /^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/;
const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The body the package's Apex posts: a random request id (its idempotency key), the user, the record. */
export const salesforceActionRequest = z.object({
  requestId: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex digits'),
  user: z.string().regex(RECORD_ID, 'a Salesforce user id'),
  recordId: z.string().regex(RECORD_ID, 'a Salesforce record id'),
  inputs: z.record(z.string(), z.unknown()).default({}),
});

/**
 * The signature the package's Apex (CollectionsActionClient.cls) sends: base64(HMAC-SHA256(key = UTF-8
 * bytes of the org's launch secret, message = org id + "\n" + timestamp seconds + "\n" + raw body)).
 */
export function salesforceActionSignature(
  secret: string,
  org: string,
  timestamp: string,
  body: string,
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${org}\n${timestamp}\n${body}`, 'utf8')
    .digest('base64');
}

/** Account ids start 001, Opportunity ids 006: the record types the actions run on. */
function objectTypeOf(recordId: string): string {
  if (recordId.startsWith('001')) return 'COMPANY';
  if (recordId.startsWith('006')) return 'DEAL';
  return 'record of another type';
}

/**
 * The inputs with an account id given as `company_id` (an Opportunity's AccountId) in its 18-character
 * form, as accounts are mapped; a Flow may hand over the 15-character one.
 */
function withAccountId18(inputs: Record<string, unknown>): Record<string, unknown> {
  const companyId = inputs['company_id'];
  if (typeof companyId !== 'string' || !RECORD_ID.test(companyId.trim())) return inputs;
  return { ...inputs, company_id: salesforceId18(companyId.trim()) };
}

/** Flow reads a flat answer: the outputs, or an error code and message. */
export function salesforceAnswer(outcome: ActionOutcome): CrmActionAnswer {
  return {
    status: 200,
    body: outcome.ok
      ? { ok: true, outputs: outcome.outputs }
      : { ok: false, errorCode: outcome.code, errorMessage: outcome.message },
  };
}

function refuse(response: Response, status: number, message: string): void {
  response.status(status).json({ ok: false, error: message });
}

/**
 * The package's invocable actions (Flow): each call signed with its org's launch secret, from a
 * connected org, run once per request id.
 */
export function createSalesforceActionsRouter(options: SalesforceActionOptions): Router {
  const router = express.Router();
  const now = options.now ?? Date.now;
  const actions = workflowActions(options);

  router.post(
    `${SALESFORCE_ACTIONS_PATH}/:action`,
    express.raw({ type: () => true, limit: '1mb' }),
    async (request, response, next) => {
      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      const org = request.header('x-collections-org') ?? '';
      const timestamp = request.header('x-collections-timestamp') ?? '';
      const signature = request.header('x-collections-signature') ?? '';
      if (!ORG_ID.test(org)) return refuse(response, 401, 'X-Collections-Org: missing or not an org id');
      try {
        const installation = await options.store.getCrmInstallation('salesforce', salesforceId18(org));
        const secret =
          installation === undefined || options.cipher === undefined
            ? undefined
            : launchSecretOf(options.cipher, installation);
        if (installation === undefined || secret === undefined)
          return refuse(response, 403, `org ${org} is not connected to this server`);
        const sentAt = Number(timestamp);
        if (
          !/^\d{1,12}$/.test(timestamp) ||
          Math.abs(Math.floor(now() / 1000) - sentAt) > SALESFORCE_ACTION_MAX_AGE_S
        )
          return refuse(response, 401, 'X-Collections-Timestamp: missing, stale or in the future');
        const expected = Buffer.from(salesforceActionSignature(secret, org, timestamp, raw));
        const given = Buffer.from(signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
          options.logger.warn({ org }, 'salesforce action refused: bad signature');
          return refuse(response, 401, 'X-Collections-Signature: bad signature');
        }
        const name = String(request.params['action']);
        const action = actions[name];
        if (action === undefined) return refuse(response, 404, `unknown action ${name}`);
        let parsedBody: unknown;
        try {
          parsedBody = JSON.parse(raw);
        } catch {
          return refuse(response, 400, 'expected a JSON body');
        }
        const parsed = salesforceActionRequest.safeParse(parsedBody);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return refuse(response, 400, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
        }
        const call = parsed.data;
        const recordId = salesforceId18(call.recordId);
        const answer = await runActionOnce({
          store: options.store,
          tenant: installation.tenant,
          source: 'salesforce',
          callId: call.requestId,
          action: name,
          at: new Date(now()),
          answer: salesforceAnswer,
          run: () =>
            action.run({
              store: options.store,
              tenant: installation.tenant,
              today: options.today(),
              object: { objectId: recordId, objectType: objectTypeOf(recordId) },
              inputs: withAccountId18(call.inputs),
              cardOptions: options.cardOptions ?? {},
              actor: `salesforce:${salesforceId18(call.user)}`,
            }),
        });
        if (answer === 'running') return refuse(response, 409, `request ${call.requestId} is being run`);
        response.status(answer.status).json(answer.body);
      } catch (error) {
        next(error);
      }
    },
  );
  return router;
}
