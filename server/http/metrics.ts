import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the process reports at /metrics (Prometheus text format). */
export type Metrics = {
  registry: Registry;
  jobFinished(name: string, outcome: 'completed' | 'failed'): void;
  crmCalls(crm: string, tenant: string, requests: number, rateLimited: number): void;
  crmSynced(crm: string, tenant: string, atMs: number): void;
  router(): Router;
};

export function createMetrics(options: {
  /** Dead letters now (failed jobs kept for replay). */
  deadLetters?: () => Promise<number>;
  /** Bearer token required to read /metrics; open when unset (bind to a private network). */
  token?: string;
  now?: () => number;
}): Metrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'collections_process_' });
  const jobs = new Counter({
    name: 'collections_jobs_total',
    help: 'Jobs finished, by job name and outcome',
    labelNames: ['name', 'outcome'] as const,
    registers: [registry],
  });
  const calls = new Counter({
    name: 'collections_crm_api_calls_total',
    help: 'CRM API requests made by syncs, by CRM and tenant',
    labelNames: ['crm', 'tenant'] as const,
    registers: [registry],
  });
  const limited = new Counter({
    name: 'collections_crm_rate_limited_total',
    help: 'CRM answers that said to slow down (429, request limits), by CRM and tenant',
    labelNames: ['crm', 'tenant'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'collections_webhook_requests_total',
    help: 'Webhook requests received, by source and HTTP status',
    labelNames: ['source', 'status'] as const,
    registers: [registry],
  });
  const lastSync = new Map<string, { crm: string; tenant: string; at: number }>();
  new Gauge({
    name: 'collections_crm_sync_lag_seconds',
    help: 'Seconds since the last completed CRM sync, by CRM and tenant',
    labelNames: ['crm', 'tenant'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of lastSync.values())
        this.set({ crm: entry.crm, tenant: entry.tenant }, Math.max(0, (now() - entry.at) / 1000));
    },
  });
  const deadLetters = options.deadLetters;
  if (deadLetters !== undefined)
    new Gauge({
      name: 'collections_dead_letters',
      help: 'Jobs that failed for good and wait for a replay',
      registers: [registry],
      async collect() {
        this.set(await deadLetters());
      },
    });

  return {
    registry,
    jobFinished: (name, outcome) => jobs.inc({ name, outcome }),
    crmCalls(crm, tenant, requests, rateLimited) {
      if (requests > 0) calls.inc({ crm, tenant }, requests);
      if (rateLimited > 0) limited.inc({ crm, tenant }, rateLimited);
    },
    crmSynced: (crm, tenant, atMs) => lastSync.set(`${crm}:${tenant}`, { crm, tenant, at: atMs }),
    router() {
      const router = express.Router();
      router.use('/webhooks/:source', (request, response, next) => {
        response.on('finish', () =>
          webhooks.inc({ source: String(request.params['source']), status: String(response.statusCode) }),
        );
        next();
      });
      router.get('/metrics', async (request, response) => {
        if (options.token !== undefined) {
          const given = Buffer.from(request.header('authorization') ?? '');
          const expected = Buffer.from(`Bearer ${options.token}`);
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            response.status(401).json({ error: 'unauthorized' });
            return;
          }
        }
        response.setHeader('Content-Type', registry.contentType);
        response.send(await registry.metrics());
      });
      return router;
    },
  };
}
