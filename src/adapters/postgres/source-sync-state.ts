import type { SourceSyncStore, SyncCursor } from '../../ports/source-sync';
import type { SqlClient } from './sql-client';

/** What a billing-source sync keeps between runs: versions, links, cursors and received webhooks. */
export function sourceSyncStore(client: SqlClient): SourceSyncStore {
  return {
    async getSourceVersions(tenant, source, objectIds) {
      if (objectIds.length === 0) return new Map();
      const rows = await client.query<{ object_id: string; version: string | number }>(
        `SELECT object_id, version FROM source_versions WHERE tenant_id = $1 AND source = $2 AND object_id = ANY($3::text[])`,
        [tenant, source, [...objectIds]],
      );
      return new Map(rows.map((row) => [row.object_id, Number(row.version)]));
    },

    async resolveSourceLinks(tenant, source, sourceIds) {
      if (sourceIds.length === 0) return new Map();
      const rows = await client.query<{ source_id: string; invoice_id: string }>(
        `SELECT source_id, invoice_id FROM source_links WHERE tenant_id = $1 AND source = $2 AND source_id = ANY($3::text[])`,
        [tenant, source, [...sourceIds]],
      );
      return new Map(rows.map((row) => [row.source_id, row.invoice_id]));
    },

    async knownInvoiceIds(tenant, invoiceIds) {
      if (invoiceIds.length === 0) return new Set();
      const rows = await client.query<{ invoice_id: string }>(
        `SELECT invoice_id FROM invoices WHERE tenant_id = $1 AND invoice_id = ANY($2::text[])`,
        [tenant, [...invoiceIds]],
      );
      return new Set(rows.map((row) => row.invoice_id));
    },

    async getSyncCursors(tenant, source) {
      const rows = await client.query<{
        kind: string;
        cursor: string | null;
        done: boolean;
        version: string | number;
        records: string | number;
      }>(
        `SELECT kind, cursor, done, version, records FROM sync_cursors WHERE tenant_id = $1 AND source = $2 ORDER BY kind`,
        [tenant, source],
      );
      return rows.map((row): SyncCursor => ({
        kind: row.kind,
        cursor: row.cursor,
        done: row.done,
        version: Number(row.version),
        records: Number(row.records),
      }));
    },

    async saveSyncCursor(tenant, source, cursor) {
      await client.query(
        `INSERT INTO sync_cursors (tenant_id, source, kind, cursor, done, version, records, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (tenant_id, source, kind) DO UPDATE SET cursor = EXCLUDED.cursor, done = EXCLUDED.done,
           version = EXCLUDED.version, records = EXCLUDED.records, updated_at = now()`,
        [tenant, source, cursor.kind, cursor.cursor, cursor.done, cursor.version, cursor.records],
      );
    },

    async resetSyncCursors(tenant, source) {
      await client.query('DELETE FROM sync_cursors WHERE tenant_id = $1 AND source = $2', [tenant, source]);
    },

    async recordWebhookEvent(tenant, source, event) {
      const rows = await client.query(
        `INSERT INTO webhook_events (tenant_id, source, event_id, type, created_ms, body)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, source, event_id) DO NOTHING RETURNING event_id`,
        [tenant, source, event.eventId, event.type, event.createdMs, event.body],
      );
      return rows.length === 0 ? 'duplicate' : 'new';
    },

    async getWebhookEvent(tenant, source, eventId) {
      const [row] = await client.query<{
        type: string;
        created_ms: string | number;
        body: string;
        state: string;
        received_ms: string | number;
        processed_ms: string | number | null;
      }>(
        `SELECT type, created_ms, body, state,
                floor(extract(epoch FROM received_at) * 1000) AS received_ms,
                floor(extract(epoch FROM processed_at) * 1000) AS processed_ms
           FROM webhook_events WHERE tenant_id = $1 AND source = $2 AND event_id = $3`,
        [tenant, source, eventId],
      );
      return row === undefined
        ? undefined
        : {
            eventId,
            type: row.type,
            createdMs: Number(row.created_ms),
            body: row.body,
            state: row.state,
            receivedAtMs: Number(row.received_ms),
            processedAtMs: row.processed_ms === null ? null : Number(row.processed_ms),
          };
    },

    async finishWebhookEvent(tenant, source, eventId, state, error) {
      await client.query(
        `UPDATE webhook_events SET state = $4, error = $5, processed_at = clock_timestamp()
          WHERE tenant_id = $1 AND source = $2 AND event_id = $3`,
        [tenant, source, eventId, state, error ?? null],
      );
    },

    async listPendingWebhookEvents(tenant, source, limit, receivedBefore) {
      const rows = await client.query<{ event_id: string }>(
        `SELECT event_id FROM webhook_events WHERE tenant_id = $1 AND source = $2 AND state = 'received'
            AND ($4::timestamptz IS NULL OR received_at < $4)
          ORDER BY created_ms, event_id LIMIT $3`,
        [tenant, source, limit, receivedBefore?.toISOString() ?? null],
      );
      return rows.map((row) => row.event_id);
    },

    async listWebhookFailures(tenant) {
      const rows = await client.query<{
        source: string;
        reason: string;
        n: string | number;
        event_id: string;
        type: string;
        error: string | null;
        failed_ms: string | number | null;
      }>(
        `WITH failed AS (
           SELECT source, event_id, type, error, processed_at,
                  COALESCE(substring(error FROM '^([a-z][a-z0-9_]*): '), 'processing_error') AS reason
             FROM webhook_events WHERE tenant_id = $1 AND state = 'failed')
         SELECT newest.source, newest.reason, counted.n, newest.event_id, newest.type, newest.error,
                floor(extract(epoch FROM newest.processed_at) * 1000) AS failed_ms
           FROM (SELECT DISTINCT ON (source, reason) * FROM failed
                  ORDER BY source, reason, processed_at DESC NULLS LAST, event_id DESC) AS newest
           JOIN (SELECT source, reason, count(*) AS n FROM failed GROUP BY source, reason) AS counted
             USING (source, reason)
          ORDER BY newest.source, newest.reason`,
        [tenant],
      );
      return rows.map((row) => ({
        source: row.source,
        reason: row.reason,
        count: Number(row.n),
        latest: {
          eventId: row.event_id,
          type: row.type,
          error: row.error,
          failedAtMs: row.failed_ms === null ? null : Number(row.failed_ms),
        },
      }));
    },

    async supersedeFailedWebhookEvents(tenant, source, createdUpToMs) {
      const rows = await client.query(
        `UPDATE webhook_events SET state = 'superseded', processed_at = clock_timestamp()
          WHERE tenant_id = $1 AND source = $2 AND state = 'failed' AND created_ms <= $3
          RETURNING event_id`,
        [tenant, source, createdUpToMs],
      );
      return rows.length;
    },

    async countWebhookEvents(tenant, source) {
      const rows = await client.query<{ state: string; n: string | number }>(
        `SELECT state, count(*) AS n FROM webhook_events WHERE tenant_id = $1 AND source = $2 GROUP BY state`,
        [tenant, source],
      );
      return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
    },
  };
}
