import { z } from 'zod';
import type { CalendarDate } from '../domain/dates';
import { parseTenantId, type TenantId } from '../domain/model';
import type { CrmGateway } from '../ports/crm-gateway';
import { LockBusyError, type Locks } from '../ports/lock';
import type { JobHandler, JobQueue } from '../ports/queue';
import type { CrmInstallations } from '../ports/crm-installations';
import type { SourceSyncStore } from '../ports/source-sync';
import { refreshAccountCards, type CardOptions } from '../use-cases/account-card';
import { processCrmEvent, CRM_EVENT_SOURCE, type CrmEventPorts } from '../use-cases/crm-events';
import { runCrmSync, withTenantSyncLock, type CrmSyncPorts } from '../use-cases/crm-sync';

export const ACCOUNT_REFRESH = 'account-refresh';
export const CRM_EVENT = 'crm-event';
/**
 * Changes within this window share one refresh (and one CRM sync), run at its end: short, so that a
 * change reaches the CRM well within a second, and still one refresh per tenant at most this often.
 */
export const REFRESH_WINDOW_MS = 250;

const tenantField = z.string().refine((value) => parseTenantId(value) !== undefined, 'invalid tenant id');

/**
 * Queues the refresh of a tenant's stale cards and their CRM records. One job per tenant and time
 * window, run at the window's end: every change made in the window is picked up (staleness is in the
 * store), and a burst of billing events makes one sync, not one per event.
 */
export async function enqueueAccountRefresh(
  queue: JobQueue,
  tenant: TenantId,
  now = Date.now(),
): Promise<void> {
  const window = Math.floor(now / REFRESH_WINDOW_MS);
  await queue.enqueue(
    ACCOUNT_REFRESH,
    { tenant },
    {
      jobId: `${ACCOUNT_REFRESH}:${tenant}:${window}`,
      delayMs: (window + 1) * REFRESH_WINDOW_MS - now,
      attempts: 3,
    },
  );
}

export type AccountRefreshDeps = {
  store: CrmSyncPorts & CrmInstallations;
  today: () => CalendarDate;
  /** The tenant's CRM, when one is connected. */
  gatewayFor: (tenant: TenantId) => Promise<CrmGateway | undefined>;
  cardOptions?: CardOptions;
  /**
   * One refresh per tenant at a time, across workers (two syncs at once would create the same tasks
   * twice). A refresh that finds the tenant busy waits a window for it, then queues itself for later.
   */
  locks?: Locks;
  queue?: JobQueue;
  onDone?: (event: { tenant: TenantId; summary: Record<string, unknown> }) => void;
};

/**
 * Recomputes stale cards and writes what changed to the CRM (within its limits; paused at the daily
 * cap) through the same sync as `collections sync`: a sync that died part way is finished by the next
 * refresh, and open tasks the CRM lacks are retried the same way.
 */
export function createAccountRefreshHandler(deps: AccountRefreshDeps): JobHandler {
  const refresh = async (tenant: TenantId): Promise<void> => {
    const today = deps.today();
    const stale = await deps.store.listStaleAccountCards(tenant, today, Number.MAX_SAFE_INTEGER);
    const gateway = await deps.gatewayFor(tenant);
    if (gateway !== undefined) {
      const run = await runCrmSync(
        deps.store,
        gateway,
        tenant,
        today,
        { customerIds: stale },
        deps.cardOptions ?? {},
      );
      const report = run.outcome;
      if (report === null) {
        deps.onDone?.({ tenant, summary: { crm: gateway.name, apiRequests: 0, rateLimited: 0, stale: 0 } });
        return;
      }
      if (!('skipped' in report)) {
        deps.onDone?.({
          tenant,
          summary: {
            crm: gateway.name,
            apiRequests: report.apiRequests,
            rateLimited: report.rateLimited,
            stale: stale.length,
            leftover: run.leftover,
            written: report.written,
            failed: report.failed.length,
            retryLater: report.retryLater.length,
            tasksCreated: report.tasksCreated,
            tasksCompleted: report.tasksCompleted,
            tasksReassigned: report.tasksReassigned,
            stopped: report.stopped,
          },
        });
        return;
      }
    }
    const refreshed = await refreshAccountCards(deps.store, tenant, today, deps.cardOptions ?? {});
    deps.onDone?.({ tenant, summary: { ...refreshed, crm: gateway === undefined ? 'none' : 'paused' } });
  };

  return async (raw) => {
    const tenant = z.object({ tenant: tenantField }).parse(raw).tenant as TenantId;
    if (deps.locks === undefined) return refresh(tenant);
    try {
      // A refresh about to end is waited for (the next one starts as it ends), a longer one is not.
      await withTenantSyncLock(deps.locks, tenant, REFRESH_WINDOW_MS, () => refresh(tenant));
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      // Another worker is refreshing this tenant: what changed since it started is picked up next.
      if (deps.queue !== undefined) await enqueueAccountRefresh(deps.queue, tenant);
    }
  };
}

export async function enqueueCrmEvent(queue: JobQueue, tenant: TenantId, eventId: string): Promise<void> {
  await queue.enqueue(
    CRM_EVENT,
    { tenant, eventId },
    { jobId: `${CRM_EVENT}:${tenant}:${CRM_EVENT_SOURCE}:${eventId}`, attempts: 5 },
  );
}

export function createCrmEventHandler(deps: {
  store: CrmEventPorts & SourceSyncStore;
  queue: JobQueue;
  today: () => CalendarDate;
  appId?: string;
  /** The tenant's CRM, for events that move tasks (a company's new owner). */
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>;
}): JobHandler {
  return async (raw) => {
    const job = z.object({ tenant: tenantField, eventId: z.string().min(1) }).parse(raw);
    const tenant = job.tenant as TenantId;
    const gatewayFor = deps.gatewayFor;
    await processCrmEvent(deps.store, tenant, job.eventId, {
      today: deps.today(),
      ...(deps.appId === undefined ? {} : { appId: deps.appId }),
      ...(gatewayFor === undefined ? {} : { gateway: () => gatewayFor(tenant) }),
    });
    await enqueueAccountRefresh(deps.queue, tenant);
  };
}
