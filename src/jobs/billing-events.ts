import { z } from 'zod';
import { parseTenantId, type TenantId } from '../domain/model';
import type { BillingSource } from '../ports/billing-source';
import type { Locks } from '../ports/lock';
import type { JobHandler, JobQueue } from '../ports/queue';
import type { SourceSyncStore } from '../ports/source-sync';
import {
  processBillingEvent,
  type BillingSyncPorts,
  type MatchOptions,
  type RefusedBillingEvent,
} from '../use-cases/billing-sync';

export const BILLING_EVENT = 'billing-event';
export const BILLING_EVENT_ATTEMPTS = 5;
/** Events waiting when a job runs are applied with it, in one transaction. */
const EVENT_BATCH = 200;

const payload = z.object({
  tenant: z.string().refine((value) => parseTenantId(value) !== undefined, 'invalid tenant id'),
  source: z.string().min(1),
  eventId: z.string().min(1),
});

/** One job per event id: a duplicate delivery that slipped past the store is still one job. */
export function billingEventJobId(tenant: TenantId, source: string, eventId: string): string {
  return `${BILLING_EVENT}:${tenant}:${source}:${eventId}`;
}

export async function enqueueBillingEvent(
  queue: JobQueue,
  tenant: TenantId,
  source: string,
  eventId: string,
): Promise<void> {
  await queue.enqueue(
    BILLING_EVENT,
    { tenant, source, eventId },
    {
      jobId: billingEventJobId(tenant, source, eventId),
      attempts: BILLING_EVENT_ATTEMPTS,
    },
  );
}

/**
 * Events received but never processed are queued again: at start-up (the process stopped first), and
 * by the reconciler for events older than `receivedBefore` (their job was lost with Redis, say). The
 * job id makes this a no-op for events whose job is still queued.
 */
export async function requeuePendingBillingEvents(
  store: Pick<SourceSyncStore, 'listPendingWebhookEvents'>,
  queue: JobQueue,
  tenant: TenantId,
  source: string,
  receivedBefore?: Date,
): Promise<number> {
  const pending = await store.listPendingWebhookEvents(tenant, source, 100000, receivedBefore);
  for (const eventId of pending) await enqueueBillingEvent(queue, tenant, source, eventId);
  return pending.length;
}

/** How long a tenant's batch may hold its lock without renewing it, and how long another job waits. */
const BATCH_LOCK = { ttlMs: 30000, waitMs: 120000 };

export function createBillingEventHandler(
  store: BillingSyncPorts,
  sources: ReadonlyMap<string, BillingSource>,
  /**
   * After each job, with the events of its batch kept as failed because the source refused them; a
   * failure here fails the job, which is retried (the event is not applied twice).
   */
  onDone?: (event: {
    tenant: TenantId;
    source: string;
    eventId: string;
    outcome: string;
    refused: RefusedBillingEvent[];
  }) => void | Promise<void>,
  match: MatchOptions = {},
  /**
   * One batch per tenant and source at a time, across workers: jobs running at once would read the
   * same waiting events and fetch the same objects again. A job that waited usually finds its event
   * applied by the batch before it.
   */
  locks?: Locks,
): JobHandler {
  return async (raw, context) => {
    const job = payload.parse(raw);
    const tenant = job.tenant as TenantId;
    const source = sources.get(job.source);
    if (source === undefined) throw new Error(`no billing source ${job.source} is configured`);
    const refused: RefusedBillingEvent[] = [];
    try {
      const apply = () =>
        processBillingEvent(store, source, tenant, job.eventId, {
          batch: EVENT_BATCH,
          match,
          onRefused: (refusal) => refused.push(refusal),
        });
      // An event a batch already applied needs neither the lock nor a wait for it.
      const state = (await store.getWebhookEvent(tenant, job.source, job.eventId))?.state;
      const outcome =
        state !== undefined && state !== 'received'
          ? 'done_before'
          : locks === undefined
            ? await apply()
            : await locks.withLock(`${BILLING_EVENT}:${tenant}:${job.source}`, BATCH_LOCK, apply);
      await onDone?.({ tenant, source: job.source, eventId: job.eventId, outcome, refused });
    } catch (error) {
      if (context.attempt >= BILLING_EVENT_ATTEMPTS) {
        await store.finishWebhookEvent(
          tenant,
          job.source,
          job.eventId,
          'failed',
          error instanceof Error ? error.message : String(error),
        );
      }
      throw error;
    }
  };
}
