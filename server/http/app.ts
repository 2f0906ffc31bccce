import path from 'node:path';
import type { JobQueue } from '../../src/ports/queue';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { HitCounter } from '../../src/ports/hit-counter';
import type { CollectionsStore } from '../../src/ports/store';
import { createApiV1, type ApiV1Options } from './api-v1';
import { answerThrown, API_V1_PREFIX, isApiV1Request, unknownRoute } from './api-errors';
import { createBillingWebhookRouter, type BillingWebhookOptions } from './webhooks';
import type { Metrics } from './metrics';
import { createHubspotAppRouter, type HubspotAppOptions } from './hubspot-app';
import { createSalesforceAppRouter, type SalesforceAppOptions } from './salesforce-app';
import { createSalesforceActionsRouter, type SalesforceActionOptions } from './salesforce-actions';
import { createWorkflowActionsRouter, type WorkflowActionOptions } from './workflow-actions';
import { publicRateLimiters, securityHeaders, type PublicRateLimits } from './security';
import { createLocalImportRouter, type LocalImportOptions } from './local-import';
import { createLocalDeadLetterRouter } from './local-dead-letters';
import { createLocalDoctorRouter, type DoctorOptions } from './local-doctor';

export type DemoState = 'off' | 'queued' | 'loading' | 'loaded' | 'failed';

export type AppState = {
  startedAt: number;
  demo: { state: DemoState; tenant: string; invoices?: number; error?: string };
  shuttingDown: boolean;
};

/** Readiness (server and worker alike): the store answers and the process is not shutting down. */
export function readiness(deps: { store: CollectionsStore; state: AppState; logger: Logger }) {
  return async (_request: Request, response: Response): Promise<void> => {
    if (deps.state.shuttingDown) {
      response.status(503).json({ status: 'shutting_down' });
      return;
    }
    try {
      await deps.store.ping();
      response.json({ status: 'ready', store: deps.store.kind });
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check: store unreachable');
      response
        .status(503)
        .json({ status: 'unavailable', store: deps.store.kind, error: 'store unreachable' });
    }
  };
}

export function createHttpApp(deps: {
  store: CollectionsStore;
  state: AppState;
  logger: Logger;
  api?: Omit<ApiV1Options, 'store'>;
  billingWebhooks?: Omit<BillingWebhookOptions, 'store' | 'logger'>[];
  hubspotApp?: Omit<HubspotAppOptions, 'store' | 'logger'>;
  salesforceApp?: Omit<SalesforceAppOptions, 'store' | 'logger'>;
  /** HubSpot custom workflow actions (needs the app's client secret). */
  workflowActions?: Omit<WorkflowActionOptions, 'store' | 'logger'>;
  /** The Salesforce package's invocable actions (calls signed with each org's launch secret). */
  salesforceActions?: Omit<SalesforceActionOptions, 'store' | 'logger'>;
  /** The built workspace (extensions/web/dist), served at `/`. */
  webDir?: string;
  /** Per-IP limits of /oauth, /embed and /webhooks (defaults: 60, 60 and 600 a minute). */
  rateLimits?: PublicRateLimits;
  /**
   * Where those limits count: shared by every server process (Redis, when REDIS_URL is set); without
   * it each process counts in memory, so N processes would allow N times the limit.
   */
  rateLimitCounter?: HitCounter;
  /** Proxies in front of the server (load balancers): the client address is read behind this many hops. */
  trustProxyHops?: number;
  /** Prometheus metrics at /metrics, and webhook requests counted. */
  metrics?: Metrics;
  /** `collections import` handed over by the CLI when this server owns the embedded store. */
  localImport?: Omit<LocalImportOptions, 'store' | 'logger'>;
  /** The embedded job queue's dead letters, for `collections dead-letter` (same token as the import). */
  localQueue?: JobQueue;
  /** `collections doctor` run here when this server owns the embedded store (same token as the import). */
  localDoctor?: DoctorOptions;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a load balancer every caller would otherwise share its address (and one rate limit).
  if (deps.trustProxyHops !== undefined && deps.trustProxyHops > 0)
    app.set('trust proxy', deps.trustProxyHops);
  // Security headers on every response; the CSP lets only the CRMs frame the workspace.
  app.use(securityHeaders());
  const limiters = publicRateLimiters(deps.rateLimits ?? {}, {
    logger: deps.logger,
    ...(deps.rateLimitCounter === undefined ? {} : { counter: deps.rateLimitCounter }),
  });
  for (const limiter of limiters) app.use(limiter.prefix, limiter.handler);
  if (deps.metrics !== undefined) app.use(deps.metrics.router());
  for (const webhook of deps.billingWebhooks ?? []) {
    app.use(createBillingWebhookRouter({ ...webhook, store: deps.store, logger: deps.logger }));
  }
  if (deps.hubspotApp !== undefined)
    app.use(createHubspotAppRouter({ ...deps.hubspotApp, store: deps.store, logger: deps.logger }));
  if (deps.workflowActions !== undefined)
    app.use(createWorkflowActionsRouter({ ...deps.workflowActions, store: deps.store, logger: deps.logger }));
  if (deps.salesforceApp !== undefined)
    app.use(createSalesforceAppRouter({ ...deps.salesforceApp, store: deps.store, logger: deps.logger }));
  if (deps.salesforceActions !== undefined)
    app.use(
      createSalesforceActionsRouter({ ...deps.salesforceActions, store: deps.store, logger: deps.logger }),
    );
  if (deps.api !== undefined) app.use(API_V1_PREFIX, createApiV1({ ...deps.api, store: deps.store }));
  if (deps.localImport !== undefined)
    app.use(createLocalImportRouter({ ...deps.localImport, store: deps.store, logger: deps.logger }));
  if (deps.localImport !== undefined && deps.localQueue !== undefined)
    app.use(createLocalDeadLetterRouter({ token: deps.localImport.token, queue: deps.localQueue }));
  if (deps.localImport !== undefined && deps.localDoctor !== undefined)
    app.use(
      createLocalDoctorRouter({ token: deps.localImport.token, store: deps.store, doctor: deps.localDoctor }),
    );

  /** Liveness: the process answers. No I/O, so a slow database never gets the process restarted. */
  app.get('/healthz', (_request, response) => {
    response.json({
      status: 'ok',
      uptimeSeconds: Math.round((Date.now() - deps.state.startedAt) / 1000),
      store: deps.store.kind,
      demoData: deps.state.demo,
    });
  });

  app.get('/readyz', readiness(deps));

  if (deps.webDir !== undefined) {
    // Hashed assets are cached for good; index.html is checked every time (it names the current assets).
    app.use(
      express.static(deps.webDir, {
        index: 'index.html',
        setHeaders: (response, file) => {
          response.setHeader(
            'Cache-Control',
            file.includes(`${path.sep}assets${path.sep}`)
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
          );
        },
      }),
    );
  }

  app.use((request, response) => {
    if (isApiV1Request(request)) return unknownRoute(request, response);
    response.status(404).json({ error: 'not_found' });
  });

  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    if (isApiV1Request(request)) {
      if (answerThrown(error, response) === 'server')
        deps.logger.error({ err: error }, 'unhandled request error');
      return;
    }
    // The body parsers' own refusals (too large, not JSON) are the client's error, not ours.
    const status = (error as { status?: unknown } | null)?.status;
    const type = (error as { type?: unknown } | null)?.type;
    if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') {
      response.status(status).json({
        error:
          type === 'entity.too.large'
            ? 'payload_too_large'
            : type === 'entity.parse.failed'
              ? 'invalid_json'
              : 'bad_request',
      });
      return;
    }
    deps.logger.error({ err: error }, 'unhandled request error');
    response.status(500).json({ error: 'internal_error' });
  });

  return app;
}
