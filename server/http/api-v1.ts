import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { RiskTiers } from '../../src/domain/risk/risk-model';
import type { CardOptions } from '../../src/use-cases/account-card';
import type { CrmGateway } from '../../src/ports/crm-gateway';
import type { JobQueue } from '../../src/ports/queue';
import type { CollectionsStore } from '../../src/ports/store';
import { previewTokenKey } from './activation-tokens';
import {
  apiBodyParser,
  authenticate,
  embeddedScope,
  requestContext,
  requireRevops,
  type AuthOptions,
} from './api-auth';
import { createAccountsRouter } from './accounts-api';
import { createAuditRouter } from './audit-api';
import { createCardsRouter } from './cards-api';
import { createCrmSyncStatusRouter } from './crm-sync-status-api';
import { createPausesRouter } from './pauses-api';
import { createPromisesRouter } from './promises-api';
import { createPortfolioRouter } from './portfolio-api';
import { createRuleActivationRouter } from './rule-activation-api';
import { createRuleSetsRouter } from './rule-sets-api';
import { apiV1Document } from './schemas/openapi';
import { createSessionRouter } from './session-api';
import { createSimulationsRouter } from './simulations-api';
import { createTaskOwnersRouter } from './task-owners-api';
import { createTermGuardrailsRouter } from './term-guardrails-api';
import { createTermsRouter } from './terms-api';
import { createWorklistRouter } from './worklist-api';

export type ApiV1Options = AuthOptions & {
  store: CollectionsStore;
  today: () => CalendarDate;
  riskTiers?: RiskTiers;
  renewalWindowDays?: number;
  /** Where simulations too long for a request run; without it they are refused (503). */
  queue?: JobQueue;
  /** The tenant's CRM (the settings page lists its company properties that hold a user). */
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>;
  /** HUBSPOT_CSM_PROPERTY: the CSM property of tenants that chose none on the settings page. */
  defaultCsmProperty?: string;
  /** PROMISE_GRACE_DAYS: days after a promised day that payments still count toward the promise. */
  promiseGraceDays?: number;
};

/**
 * `/api/v1`: its OpenAPI document (public), then every caller authenticated and an embedded workspace
 * kept to its view, then one router per resource.
 */
export function createApiV1(options: ApiV1Options): Router {
  const router = express.Router();
  const document = apiV1Document();
  router.get('/openapi.json', (_request, response) => {
    response.json(document);
  });
  router.use(apiBodyParser());
  router.use(authenticate(options));
  router.use(embeddedScope);

  const { store, today } = options;
  const context = requestContext;
  const riskTiers = options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers };
  const cardOptions: CardOptions = {
    ...riskTiers,
    ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
  };
  const now = options.now ?? Date.now;

  router.use(createTermsRouter({ store, today, context, ...riskTiers }));
  router.use(createTermGuardrailsRouter({ store, context, requireRevops }));
  router.use(createCardsRouter({ store, today, cardOptions, context }));
  router.use(createSessionRouter({ context }));
  router.use(createPortfolioRouter({ store, today, context }));
  router.use(createAccountsRouter({ store, today, cardOptions, context }));
  router.use(createWorklistRouter({ store, today, cardOptions, context }));
  router.use(createAuditRouter({ store, context }));
  router.use(createRuleSetsRouter({ store, context }));
  router.use(createCrmSyncStatusRouter({ store, now, context }));
  router.use(
    createTaskOwnersRouter({
      store,
      context,
      ...(options.gatewayFor === undefined ? {} : { gatewayFor: options.gatewayFor }),
      ...(options.defaultCsmProperty === undefined ? {} : { defaultCsmProperty: options.defaultCsmProperty }),
    }),
  );
  router.use(
    createSimulationsRouter({
      store,
      context,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...riskTiers,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
  );
  router.use(
    createRuleActivationRouter({
      store,
      context,
      requireRevops,
      today,
      now,
      // Every server process of a deployment shares these secrets, so a preview holds on any of them;
      // the local demo (one process) signs with a key of its own.
      previewKey: previewTokenKey(
        options.sessionSecret ?? options.signingSecret ?? randomBytes(32).toString('base64url'),
      ),
      ...riskTiers,
    }),
  );
  router.use(createPausesRouter({ store, today, context }));
  router.use(
    createPromisesRouter({
      store,
      today,
      context,
      ...(options.promiseGraceDays === undefined ? {} : { graceDays: options.promiseGraceDays }),
    }),
  );
  return router;
}
