import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { CollectionsStore } from '../../src/ports/store';
import { readiness, type AppState } from './app';
import type { Metrics } from './metrics';

/** A worker process's HTTP side: liveness, readiness (the store answers) and metrics only. */
export function createWorkerApp(deps: {
  store: CollectionsStore;
  state: AppState;
  logger: Logger;
  metrics: Metrics;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(deps.metrics.router());
  app.get('/healthz', (_request, response) => {
    response.json({
      status: 'ok',
      role: 'worker',
      uptimeSeconds: Math.round((Date.now() - deps.state.startedAt) / 1000),
    });
  });
  app.get('/readyz', readiness(deps));
  app.use((_request, response) => {
    response.status(404).json({ error: 'not_found' });
  });
  return app;
}
