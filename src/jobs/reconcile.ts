import type { TenantId } from '../domain/model';
import type { JobQueue } from '../ports/queue';
import type { SourceSyncStore } from '../ports/source-sync';
import { CRM_EVENT_SOURCE } from '../use-cases/crm-events';
import { requeuePendingBillingEvents } from './billing-events';
import { enqueueAccountRefresh, enqueueCrmEvent } from './crm-jobs';

/** How often workers look for work whose job was lost, and how old a waiting event must be to count. */
export const RECONCILE_INTERVAL_MS = 30000;
export const RECONCILE_GRACE_MS = 30000;

export type ReconcileReport = { tenant: TenantId; billingEvents: number; crmEvents: number };

/**
 * Finds work whose job was lost (Redis restarted without its data, or a job could not be queued while
 * it was down) and queues it again: webhook events received a while ago and still waiting, and a
 * refresh of the tenant's stale cards and unfinished CRM work. Job ids make repeats free; the stored
 * state (event state, card versions, pending marks) is what counts, never the queue.
 */
export async function reconcileTenant(
  store: Pick<SourceSyncStore, 'listPendingWebhookEvents'>,
  queue: JobQueue,
  tenant: TenantId,
  billingSources: readonly string[],
  now = Date.now(),
): Promise<ReconcileReport> {
  const before = new Date(now - RECONCILE_GRACE_MS);
  let billingEvents = 0;
  for (const source of billingSources)
    billingEvents += await requeuePendingBillingEvents(store, queue, tenant, source, before);
  const crm = await store.listPendingWebhookEvents(tenant, CRM_EVENT_SOURCE, 100000, before);
  for (const eventId of crm) await enqueueCrmEvent(queue, tenant, eventId);
  await enqueueAccountRefresh(queue, tenant, now);
  return { tenant, billingEvents, crmEvents: crm.length };
}
