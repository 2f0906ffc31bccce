import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { CrmRecordFailure } from '../ports/crm-record-failures';
import type { CrmBulkJob } from '../ports/crm-sync';
import { actionFor, type CrmGateway, type CrmUpdate, type CrmWriteResult } from '../ports/crm-gateway';
import type { AccountCard } from './account-card';
import { countsAsRefusal } from './crm-record-attention';
import type { CrmSyncPorts, CrmSyncReport } from './crm-sync-types';

/** Account cards saved per statement, and the most held back while the CRM writes go first. */
const CARD_BATCH = 500;
export const CARDS_HELD = 20000;
/** Write calls open at once when the gateway does not say. */
const WRITE_CONCURRENCY = 4;

export type PendingWrite = { customerId: string; update: CrmUpdate; hash: string };
type Entry = { customerId: string; crmId: string; hash: string };
export type SavedCard = { customerId: string; version: number; asOf: CalendarDate; card: AccountCard };

/** Failures worth trying again (a locked row, a 5xx) keep their account for the next sync. */
export function retryLaterInto(report: CrmSyncReport) {
  return (failed: CrmWriteResult['failed'], customerOf: (crmId: string) => string | undefined): void => {
    for (const failure of failed) {
      if (actionFor(failure.code) !== 'retry') continue;
      const customerId = customerOf(failure.crmId);
      if (customerId !== undefined) report.retryLater.push(customerId);
    }
  };
}

/**
 * The company writes of one sync: batches sent without waiting for their answers (at most the
 * gateway's concurrency at once), what the CRM accepted kept as the records' stored state, refusals
 * counted; and the cards the sync computes saved a batch at a time while it waits on the CRM.
 */
export function createCompanyWrites(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  report: CrmSyncReport,
  context: { refused: ReadonlyMap<string, CrmRecordFailure>; syncedAt: string },
) {
  const writes = new Set<Promise<void>>();
  let writeFailure: { error: unknown } | null = null;
  const writeConcurrency = Math.max(1, gateway.writeConcurrency ?? WRITE_CONCURRENCY);
  const retryLater = retryLaterInto(report);
  const cards: SavedCard[] = [];

  const withSyncedAt = (entry: PendingWrite): CrmUpdate => ({
    crmId: entry.update.crmId,
    properties: { ...entry.update.properties, collections_last_synced: context.syncedAt },
  });
  const entryOf = (entry: PendingWrite): Entry => ({
    customerId: entry.customerId,
    crmId: entry.update.crmId,
    hash: entry.hash,
  });
  /** Refusals that would come back on every sync are counted, and left for a person past their limit. */
  const noteRefusals = async (
    entries: readonly Entry[],
    written: ReadonlySet<string>,
    failed: CrmWriteResult['failed'],
  ) => {
    const byCrmId = new Map(entries.map((entry) => [entry.crmId, entry]));
    await store.noteCrmRecordFailures(
      tenant,
      gateway.name,
      failed.flatMap((failure) => {
        const entry = byCrmId.get(failure.crmId);
        if (entry === undefined || !countsAsRefusal(failure.code)) return [];
        return [{ ...entry, code: failure.code, message: failure.message }];
      }),
    );
    const cleared = entries.filter(
      (entry) => written.has(entry.crmId) && context.refused.has(entry.customerId),
    );
    await store.clearCrmRecordFailures(
      tenant,
      gateway.name,
      cleared.map((entry) => entry.customerId),
    );
  };
  /** What the CRM accepted becomes the records' stored state (their hash); the rest is reported. */
  const settle = async (entries: readonly Entry[], result: CrmWriteResult) => {
    const written = new Set(result.written);
    report.written += result.written.length;
    report.failed.push(...result.failed);
    const byCrmId = new Map(entries.map((entry) => [entry.crmId, entry.customerId]));
    retryLater(result.failed, (crmId) => byCrmId.get(crmId));
    await noteRefusals(entries, written, result.failed);
    await store.saveCrmSyncState(
      tenant,
      gateway.name,
      entries.filter((entry) => written.has(entry.crmId)),
    );
  };
  /** One write call, then what it wrote is settled. */
  const writeBatch = async (batch: readonly PendingWrite[]) => {
    if (batch.length === 0) return;
    await settle(batch.map(entryOf), await gateway.updateRecords('companies', batch.map(withSyncedAt)));
  };
  /**
   * Cards are saved a batch at a time, one save in flight, without holding up the next accounts: a
   * failed save is thrown by the next save or at the end. They are saved while the sync waits on the
   * CRM's answers or rate limit (see `writesBelow`), or once CARDS_HELD are waiting.
   */
  let cardsSaved: Promise<void> = Promise.resolve();
  const saveCards = async (batch: SavedCard[]) => {
    await cardsSaved;
    cardsSaved = store.saveAccountCards(tenant, batch).then(() => undefined);
    cardsSaved.catch(() => undefined);
  };
  /** Waits until fewer than `open` writes are on their way, then throws the first failure, if any. */
  const writesBelow = async (open: number) => {
    while (writes.size >= open) {
      // The writes may all settle while a save waits for the one before it: the count is read again,
      // as racing an empty set would wait forever.
      if (cards.length >= CARD_BATCH) {
        await saveCards(cards.splice(0, CARD_BATCH));
        continue;
      }
      await Promise.race(writes);
    }
    if (writeFailure !== null) throw writeFailure.error;
  };
  /**
   * Sends a batch without waiting for its answer, once fewer than the gateway's concurrency are on
   * their way (whichever answers first makes room). Each account is in one batch of a sync, so no
   * record is in two writes at once.
   */
  const startWrite = async (batch: PendingWrite[]) => {
    await writesBelow(writeConcurrency);
    const write: Promise<void> = writeBatch(batch).then(
      () => {
        writes.delete(write);
      },
      (error: unknown) => {
        writes.delete(write);
        writeFailure ??= { error };
      },
    );
    writes.add(write);
  };
  /** A bulk job started before a crash or restart is finished first, and its records settled. */
  const finishBulkJob = async (job: CrmBulkJob) => {
    if (gateway.bulk === undefined) return;
    const result = await gateway.bulk.finish(job.jobId);
    await settle(job.entries, result);
    await store.finishCrmBulkJob(tenant, gateway.name, job.jobId);
    report.bulkJobs.push(job.jobId);
  };
  /** The rest of the writes: one bulk job when the gateway has one and there are enough, else batches. */
  const flush = async (pending: PendingWrite[]) => {
    const bulk = gateway.bulk;
    if (bulk !== undefined && pending.length >= bulk.threshold) {
      const job: CrmBulkJob = {
        jobId: await bulk.start('companies', pending.map(withSyncedAt)),
        type: 'companies',
        entries: pending.map(entryOf),
      };
      pending.length = 0;
      // Kept before waiting: a crash while the job runs resumes it on the next sync.
      await store.saveCrmBulkJob(tenant, gateway.name, job);
      await finishBulkJob(job);
    }
    while (pending.length > 0) await startWrite(pending.splice(0, gateway.batchSize));
    await writesBelow(1);
    while (cards.length > 0) await saveCards(cards.splice(0, CARD_BATCH));
    await cardsSaved;
  };
  /** A card computed by the sync, saved for the CRM cards to read. */
  const keepCard = async (card: SavedCard) => {
    cards.push(card);
    if (cards.length >= CARDS_HELD) await saveCards(cards.splice(0, CARD_BATCH));
  };
  /** After a failure: the writes on their way are let finish, and the cards' save is not left pending. */
  const settleAfterFailure = async () => {
    await Promise.all(writes);
    await cardsSaved.catch(() => undefined);
  };

  return { startWrite, finishBulkJob, flush, keepCard, settleAfterFailure };
}
