import type { TenantId } from '../domain/model';

export type SyncCursor = {
  kind: string;
  cursor: string | null;
  done: boolean;
  version: number;
  records: number;
};

export type StoredWebhookEvent = { eventId: string; type: string; createdMs: number; body: string };

export type WebhookFailure = {
  source: string;
  reason: string;
  count: number;
  latest: { eventId: string; type: string; error: string | null; failedAtMs: number | null };
};

/**
 * Where each tenant's syncs from a billing source stand: the object versions and payment links seen,
 * the cursors of a full read, and the verified webhook events waiting or processed.
 */
export interface SourceSyncStore {
  /** Billing-source sync state. */
  getSourceVersions(
    tenant: TenantId,
    source: string,
    objectIds: readonly string[],
  ): Promise<Map<string, number>>;
  resolveSourceLinks(
    tenant: TenantId,
    source: string,
    sourceIds: readonly string[],
  ): Promise<Map<string, string>>;
  knownInvoiceIds(tenant: TenantId, invoiceIds: readonly string[]): Promise<Set<string>>;
  getSyncCursors(tenant: TenantId, source: string): Promise<SyncCursor[]>;
  saveSyncCursor(tenant: TenantId, source: string, cursor: SyncCursor): Promise<void>;
  resetSyncCursors(tenant: TenantId, source: string): Promise<void>;

  /** Verified webhook events: stored once by id ('duplicate' for a repeat), then processed by a job. */
  recordWebhookEvent(
    tenant: TenantId,
    source: string,
    event: StoredWebhookEvent,
  ): Promise<'new' | 'duplicate'>;
  getWebhookEvent(
    tenant: TenantId,
    source: string,
    eventId: string,
  ): Promise<
    (StoredWebhookEvent & { state: string; receivedAtMs: number; processedAtMs: number | null }) | undefined
  >;
  finishWebhookEvent(
    tenant: TenantId,
    source: string,
    eventId: string,
    state: 'processed' | 'ignored' | 'failed',
    error?: string,
  ): Promise<void>;
  /** Events received (before `receivedBefore`, when given) but not yet processed, oldest first. */
  listPendingWebhookEvents(
    tenant: TenantId,
    source: string,
    limit: number,
    receivedBefore?: Date,
  ): Promise<string[]>;
  countWebhookEvents(tenant: TenantId, source: string): Promise<Record<string, number>>;
  /**
   * Webhook events kept as failed, per source and reason (the error's leading `code:`, such as
   * `unsupported_api_version`; `processing_error` when it has none), each with its newest event.
   */
  listWebhookFailures(tenant: TenantId): Promise<WebhookFailure[]>;
  /**
   * Failed events created up to `createdUpToMs` (source clock) become `superseded`: a complete read of
   * the source that started after them has brought their objects up to date. Returns how many.
   */
  supersedeFailedWebhookEvents(tenant: TenantId, source: string, createdUpToMs: number): Promise<number>;
}
