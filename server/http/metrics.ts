import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { crmSyncPauseState, type CrmSyncPauseState } from '../../src/domain/crm-sync-pause';
import type { CollectionsStore } from '../../src/ports/store';
import { needsAttention } from '../../src/use-cases/crm-record-attention';
import { taskOwnerFallbacksOf } from '../../src/use-cases/task-owner-fallbacks';

/** The senders of /webhooks/<source>; any other path is counted as `other`. */
export const WEBHOOK_SOURCES = ['stripe', 'hubspot', 'salesforce'] as const;

/** What the process reports at /metrics (Prometheus text format). */
export type Metrics = {
  registry: Registry;
  jobFinished(name: string, outcome: 'completed' | 'failed'): void;
  crmCalls(crm: string, tenant: string, requests: number, rateLimited: number): void;
  crmSynced(crm: string, tenant: string, atMs: number): void;
  /** A billing event kept as failed without retries because its source cannot read it. */
  billingEventRefused(source: string, tenant: string, reason: string): void;
  router(): Router;
};

/** The paused CRM syncs of every installation, for the `collections_crm_sync_paused` gauge. */
export function syncPausesOf(store: Pick<CollectionsStore, 'listCrmInstallations'>) {
  return async (): Promise<{ crm: string; tenant: string; state: CrmSyncPauseState }[]> => {
    const paused = [];
    for (const crm of ['hubspot', 'salesforce'] as const)
      for (const installation of await store.listCrmInstallations(crm))
        if (installation.syncPause !== null)
          paused.push({ crm, tenant: installation.tenant, state: crmSyncPauseState(installation.syncPause) });
    return paused;
  };
}

/** Records each CRM refused for good or too often, per tenant: the `collections_crm_records_need_attention` gauge. */
export function recordsNeedingAttentionOf(store: Pick<CollectionsStore, 'countCrmRecordFailures'>) {
  return async (): Promise<{ crm: string; tenant: string; count: number }[]> => {
    const counts = new Map<string, { crm: string; tenant: string; count: number }>();
    for (const row of await store.countCrmRecordFailures()) {
      // Tasks given to a fallback owner are kept in the same list; they were written, not refused.
      if (!needsAttention(row) || row.crm.endsWith(taskOwnerFallbacksOf(''))) continue;
      const key = `${row.crm}:${row.tenant}`;
      const entry = counts.get(key) ?? { crm: row.crm, tenant: row.tenant, count: 0 };
      entry.count += row.count;
      counts.set(key, entry);
    }
    return [...counts.values()];
  };
}

export function createMetrics(options: {
  /** Dead letters now (failed jobs kept for replay). */
  deadLetters?: () => Promise<number>;
  /** CRM syncs paused now (daily limit, credentials or scopes to renew), read at each scrape. */
  syncPauses?: () => Promise<{ crm: string; tenant: string; state: CrmSyncPauseState }[]>;
  /** CRM records not sent again until a person looks (refused for good, or too often). */
  recordsNeedingAttention?: () => Promise<{ crm: string; tenant: string; count: number }[]>;
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
  const refused = new Counter({
    name: 'collections_billing_events_refused_total',
    help: 'Billing webhook events kept as failed because they cannot be read (e.g. an unsupported API version), by source, tenant and reason',
    labelNames: ['source', 'tenant', 'reason'] as const,
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

  const syncPauses = options.syncPauses;
  if (syncPauses !== undefined)
    new Gauge({
      name: 'collections_crm_sync_paused',
      help: 'CRM syncs paused, by CRM, tenant and state (limit, reconnect, missing_scopes with the scopes to grant)',
      labelNames: ['crm', 'tenant', 'state', 'missing_scopes'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const { crm, tenant, state } of await syncPauses()) {
          if (state.kind !== 'missing_scopes' && Date.parse(state.until) <= now()) continue;
          const missing = state.kind === 'missing_scopes' ? state.scopes.join(',') : '';
          this.set({ crm, tenant, state: state.kind, missing_scopes: missing }, 1);
        }
      },
    });

  const needingAttention = options.recordsNeedingAttention;
  if (needingAttention !== undefined)
    new Gauge({
      name: 'collections_crm_records_need_attention',
      help: 'CRM records the CRM refused for good or too often, not sent again until their values change, by CRM and tenant',
      labelNames: ['crm', 'tenant'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const { crm, tenant, count } of await needingAttention()) this.set({ crm, tenant }, count);
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
    billingEventRefused: (source, tenant, reason) => refused.inc({ source, tenant, reason }),
    router() {
      const router = express.Router();
      router.use('/webhooks/:source', (request, response, next) => {
        // Read now: later routers replace request.params before the response finishes. Unknown paths
        // share one label, so a caller cannot grow the series without bound.
        const named = String(request.params['source']);
        const source = (WEBHOOK_SOURCES as readonly string[]).includes(named) ? named : 'other';
        response.on('finish', () => webhooks.inc({ source, status: String(response.statusCode) }));
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
