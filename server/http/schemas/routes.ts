import { z } from 'zod';
import { manualTask } from '../cards-api';
import { pause } from '../pauses-api';
import { promisesQuery } from '../promises-api';
import { activation, preview, rollback as ruleSetRollback } from '../rule-activation-api';
import { diffQuery, proposal } from '../rule-sets-api';
import { simulation } from '../simulations-api';
import { choice } from '../task-owners-api';
import { guardrailsProposal, rollback as guardrailsRollback } from '../term-guardrails-api';
import { customerSearch, dealRequest } from '../terms-api';
import { promiseInput } from '../../../src/use-cases/promises';
import { companyCollectionsResponse, companyTaskResponse } from './cards';
import { crmSyncStatusResponse } from './crm-sync-status';
import { pauseResponse, resumeResponse } from './pauses';
import { promisesResponse, recordPromiseResponse } from './promises';
import { activationPreviewResponse } from './rule-activation';
import { rulesDiffResponse, rulesResponse, validateRulesResponse, versionResponse } from './rule-sets';
import { simulateResponse, simulationJobResponse } from './simulations';
import { taskOwnerChoiceResponse, taskOwnersResponse } from './task-owners';
import {
  acceptedTermsResponse,
  acceptResponse,
  customerSearchResponse,
  guardrailsResponse,
  recommendationResponse,
  validateGuardrailsResponse,
} from './terms';
import {
  accountDetailResponse,
  accountsResponse,
  accountTaskResponse,
  auditResponse,
  portfolioResponse,
  portfolioTrendResponse,
  sessionResponse,
  worklistResponse,
} from './workspace';

/**
 * One route of /api/v1 as documented: its success answer, and the statuses that answer the error
 * envelope. `errorsAt200`: business errors answer 200 `{ ok: false, error }` (the cards' routes, whose
 * `hubspot.fetch` hides any non-2xx body, and the settings page's routes written the same way).
 */
export type ApiRoute = {
  method: 'get' | 'post' | 'delete';
  /** Under /api/v1, in Express form (`/accounts/:customerId/pause`). */
  path: string;
  tag: string;
  summary: string;
  /** Answered without authentication. */
  open?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  success: { status: 200 | 202; schema: z.ZodType };
  errorsAt200?: boolean;
  errors?: readonly number[];
};

const limitQuery = z.object({ limit: z.string().optional().describe('1 to 500 (default 50)') });

const openApiDocument = z.looseObject({ openapi: z.string(), info: z.unknown(), paths: z.unknown() });

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'document',
    summary: 'This document',
    open: true,
    success: { status: 200, schema: openApiDocument },
  },
  // Rule sets
  {
    method: 'get',
    path: '/rules',
    tag: 'rule sets',
    summary: 'The active rule set, every version, the default playbook and the rules in words',
    success: { status: 200, schema: rulesResponse },
  },
  {
    method: 'post',
    path: '/rules/validate',
    tag: 'rule sets',
    summary: 'Validates a rule set sent as its text (source) or parsed (ruleSet)',
    body: proposal,
    success: { status: 200, schema: validateRulesResponse },
    errorsAt200: true,
  },
  {
    method: 'get',
    path: '/rules/diff',
    tag: 'rule sets',
    summary: 'The changes between two versions, with their lines in the texts as written',
    query: diffQuery,
    success: { status: 200, schema: rulesDiffResponse },
    errorsAt200: true,
    errors: [422],
  },
  // Rule activation
  {
    method: 'post',
    path: '/rules/activation-preview',
    tag: 'rule activation',
    summary: "A proposal's simulated impact against the active version, and the token to activate it",
    body: preview,
    success: { status: 200, schema: activationPreviewResponse },
    errorsAt200: true,
  },
  {
    method: 'post',
    path: '/rules/activate',
    tag: 'rule activation',
    summary: 'Activates a previewed proposal, with a note (RevOps)',
    body: activation,
    success: { status: 200, schema: versionResponse },
    errorsAt200: true,
    errors: [409, 422, 428],
  },
  {
    method: 'post',
    path: '/rules/rollback',
    tag: 'rule activation',
    summary: 'Makes an earlier version active again, with a note (RevOps)',
    body: ruleSetRollback,
    success: { status: 200, schema: versionResponse },
    errorsAt200: true,
    errors: [422],
  },
  // Simulations
  {
    method: 'post',
    path: '/rules/simulate',
    tag: 'simulations',
    summary: 'Replays history under a proposal (and what it is compared with) within one request',
    body: simulation,
    success: { status: 200, schema: simulateResponse },
    errorsAt200: true,
    errors: [422],
  },
  {
    method: 'post',
    path: '/rules/simulations',
    tag: 'simulations',
    summary: 'Starts a longer replay as a job',
    body: simulation,
    success: { status: 202, schema: simulationJobResponse },
    errorsAt200: true,
    errors: [422, 503],
  },
  {
    method: 'get',
    path: '/rules/simulations/:simulationId',
    tag: 'simulations',
    summary: "A simulation job's progress and result",
    success: { status: 200, schema: simulationJobResponse },
    errors: [404],
  },
  // CRM sync status and task owners
  {
    method: 'get',
    path: '/crm-sync-status',
    tag: 'settings',
    summary: "Whether each connected CRM's sync runs, or why it is paused",
    success: { status: 200, schema: crmSyncStatusResponse },
  },
  {
    method: 'get',
    path: '/settings/task-owners',
    tag: 'settings',
    summary: "The company property naming each company's CSM, and the properties to choose from",
    success: { status: 200, schema: taskOwnersResponse },
  },
  {
    method: 'post',
    path: '/settings/task-owners',
    tag: 'settings',
    summary: 'Chooses the CSM property, or none (RevOps)',
    body: choice,
    success: { status: 200, schema: taskOwnerChoiceResponse },
    errorsAt200: true,
  },
  // Pauses
  {
    method: 'post',
    path: '/accounts/:customerId/pause',
    tag: 'pauses',
    summary: "Pauses an account's automation until a date, with a reason",
    body: pause,
    success: { status: 200, schema: pauseResponse },
    errorsAt200: true,
  },
  {
    method: 'delete',
    path: '/accounts/:customerId/pause',
    tag: 'pauses',
    summary: "Resumes an account's automation",
    success: { status: 200, schema: resumeResponse },
  },
  // Promises to pay
  {
    method: 'post',
    path: '/accounts/:customerId/promises',
    tag: 'promises',
    summary: "Records a customer's promise to pay (amounts per currency, a date, optional invoices)",
    body: promiseInput,
    success: { status: 200, schema: recordPromiseResponse },
    errorsAt200: true,
  },
  {
    method: 'get',
    path: '/accounts/:customerId/promises',
    tag: 'promises',
    summary: "An account's promises to pay and their outcomes, the latest promised day first",
    query: promisesQuery,
    success: { status: 200, schema: promisesResponse },
    errors: [422],
  },
  // Payment terms and guardrails
  {
    method: 'post',
    path: '/deals/:dealId/payment-terms',
    tag: 'terms',
    summary: "Recommended payment terms for a deal, from the buyer's record or as a prospect",
    body: dealRequest,
    success: { status: 200, schema: recommendationResponse },
    errors: [422],
  },
  {
    method: 'post',
    path: '/deals/:dealId/payment-terms/accept',
    tag: 'terms',
    summary: "Records the AE's choice of an allowed option",
    body: dealRequest,
    success: { status: 200, schema: acceptResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/deals/:dealId/payment-terms/accepted',
    tag: 'terms',
    summary: 'The terms accepted for a deal',
    success: { status: 200, schema: acceptedTermsResponse },
  },
  {
    method: 'get',
    path: '/customers/search',
    tag: 'terms',
    summary: 'Billing customers by name, id or CRM record id',
    query: customerSearch,
    success: { status: 200, schema: customerSearchResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/terms/guardrails',
    tag: 'terms',
    summary: 'The active term guardrails, every version and the defaults',
    success: { status: 200, schema: guardrailsResponse },
  },
  {
    method: 'post',
    path: '/terms/guardrails/validate',
    tag: 'terms',
    summary: 'Validates term guardrails',
    body: guardrailsProposal,
    success: { status: 200, schema: validateGuardrailsResponse },
    errors: [422],
  },
  {
    method: 'post',
    path: '/terms/guardrails/activate',
    tag: 'terms',
    summary: 'Activates term guardrails (RevOps)',
    body: guardrailsProposal,
    success: { status: 200, schema: versionResponse },
    errors: [422],
  },
  {
    method: 'post',
    path: '/terms/guardrails/rollback',
    tag: 'terms',
    summary: 'Makes earlier guardrails active again (RevOps)',
    body: guardrailsRollback,
    success: { status: 200, schema: versionResponse },
    errors: [422],
  },
  // Company cards
  {
    method: 'get',
    path: '/companies/:companyId/collections',
    tag: 'cards',
    summary: "The company card: a CRM company's collections picture",
    success: { status: 200, schema: companyCollectionsResponse },
    errorsAt200: true,
  },
  {
    method: 'post',
    path: '/companies/:companyId/tasks',
    tag: 'cards',
    summary: "A collections task on a CRM company's account, from the card",
    body: manualTask,
    success: { status: 200, schema: companyTaskResponse },
    errorsAt200: true,
  },
  // Workspace
  {
    method: 'get',
    path: '/session',
    tag: 'workspace',
    summary: 'Who is asking, and the one view and record of an embedded workspace',
    success: { status: 200, schema: sessionResponse },
  },
  {
    method: 'get',
    path: '/portfolio',
    tag: 'workspace',
    summary: 'Portfolio metrics, by currency, optionally sliced',
    query: z.object({ by: z.enum(['owner', 'segment', 'payment_terms', 'currency']).optional() }),
    success: { status: 200, schema: portfolioResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/portfolio/trend',
    tag: 'workspace',
    summary: 'Month-end portfolio metrics',
    query: z.object({ months: z.string().optional().describe('2 to 36 (default 12)') }),
    success: { status: 200, schema: portfolioTrendResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/accounts',
    tag: 'workspace',
    summary: 'Accounts that need attention, sorted',
    query: z.object({
      sort: z.enum(['risk', 'overdue', 'renewal']).optional(),
      limit: z.string().optional(),
    }),
    success: { status: 200, schema: accountsResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/worklist',
    tag: 'workspace',
    summary: 'The CSM worklist, ranked by money at risk',
    query: z.object({
      limit: z.string().optional(),
      offset: z.string().optional(),
      situation: z.string().optional(),
      currency: z.string().optional(),
      owner: z.string().optional(),
    }),
    success: { status: 200, schema: worklistResponse },
    errors: [422],
  },
  {
    method: 'get',
    path: '/accounts/:customerId',
    tag: 'workspace',
    summary: 'An account with its timeline',
    success: { status: 200, schema: accountDetailResponse },
    errorsAt200: true,
  },
  {
    method: 'post',
    path: '/accounts/:customerId/tasks',
    tag: 'workspace',
    summary: 'A collections task on an account, from the worklist',
    body: manualTask,
    success: { status: 200, schema: accountTaskResponse },
    errorsAt200: true,
    errors: [422],
  },
  {
    method: 'get',
    path: '/audit',
    tag: 'workspace',
    summary: 'The latest collection events',
    query: limitQuery,
    success: { status: 200, schema: auditResponse },
    errors: [422],
  },
];

/** The error statuses of a route: its own, and those of authentication, body parsing and failures. */
export function errorStatuses(route: ApiRoute): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.errorsAt200 === true) statuses.add(200);
  if (route.open !== true) for (const status of [401, 403]) statuses.add(status);
  if (route.method !== 'get') for (const status of [400, 413, 415]) statuses.add(status);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

/** `/accounts/:customerId` → `/accounts/{customerId}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, '{$1}');
