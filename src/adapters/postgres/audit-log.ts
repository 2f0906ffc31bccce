import type { AuditEvent, AuditLog } from '../../ports/audit-log';
import type { SqlClient } from './sql-client';

export function auditLog(client: SqlClient): AuditLog {
  return {
    async listEvents(tenant, filter = {}) {
      const rows = await client.query<{
        id: number;
        occurred_at: string;
        kind: string;
        subject: string | null;
        actor: string;
        payload: string;
      }>(
        `SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, kind, subject,
                actor, payload::text AS payload
           FROM collection_events
          WHERE tenant_id = $1 AND ($2::text IS NULL OR subject = $2)
          ORDER BY id DESC LIMIT $3`,
        [tenant, filter.subject ?? null, filter.limit ?? 100],
      );
      return rows.map((row): AuditEvent => ({
        id: row.id,
        occurredAt: row.occurred_at,
        kind: row.kind,
        subject: row.subject,
        actor: row.actor,
        payload: JSON.parse(row.payload) as unknown,
      }));
    },
  };
}
