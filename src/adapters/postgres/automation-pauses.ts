import type { AutomationPause } from '../../domain/account-status';
import type { CalendarDate } from '../../domain/dates';
import type { TenantId } from '../../domain/model';
import type { CollectionsStore } from '../../ports/store';
import { invalidateCards } from './account-cards';
import type { SqlClient } from './sql-client';

type PauseRow = { customer_id: string; reason: string; paused_until: CalendarDate };

type PauseMethods = Pick<
  CollectionsStore,
  'pauseAutomation' | 'resumeAutomation' | 'getAutomationPause' | 'listAutomationPauses'
>;

export function automationPauses(client: SqlClient): PauseMethods {
  return {
    async pauseAutomation(tenant, customerId, pause) {
      return client.transaction(async (tx) => {
        const known = await tx.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND customer_id = $2', [
          tenant,
          customerId,
        ]);
        if (known.length === 0) return 'unknown_customer' as const;
        await tx.query(
          `INSERT INTO automation_pauses (tenant_id, customer_id, reason, paused_until, paused_by)
           VALUES ($1, $2, $3, $4::date, $5)
           ON CONFLICT (tenant_id, customer_id) DO UPDATE
             SET reason = EXCLUDED.reason, paused_until = EXCLUDED.paused_until,
                 paused_by = EXCLUDED.paused_by, created_at = now()`,
          [tenant, customerId, pause.reason, pause.until, pause.actor],
        );
        await tx.query(
          `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
           VALUES ($1, 'automation_paused', $2, $3, $4::jsonb)`,
          [tenant, customerId, pause.actor, JSON.stringify({ reason: pause.reason, until: pause.until })],
        );
        await invalidateCards(tx, tenant, [customerId]);
        return 'paused' as const;
      });
    },

    async resumeAutomation(tenant, customerId, actor) {
      return client.transaction(async (tx) => {
        const removed = await tx.query(
          'DELETE FROM automation_pauses WHERE tenant_id = $1 AND customer_id = $2 RETURNING customer_id',
          [tenant, customerId],
        );
        if (removed.length === 0) return false;
        await tx.query(
          `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
           VALUES ($1, 'automation_resumed', $2, $3, '{}'::jsonb)`,
          [tenant, customerId, actor],
        );
        await invalidateCards(tx, tenant, [customerId]);
        return true;
      });
    },

    async getAutomationPause(tenant: TenantId, customerId: string) {
      const [row] = await client.query<PauseRow>(
        `SELECT customer_id, reason, to_char(paused_until, 'YYYY-MM-DD') AS paused_until
           FROM automation_pauses WHERE tenant_id = $1 AND customer_id = $2`,
        [tenant, customerId],
      );
      return row === undefined ? null : { reason: row.reason, until: row.paused_until };
    },

    async listAutomationPauses(tenant: TenantId) {
      const rows = await client.query<PauseRow>(
        `SELECT customer_id, reason, to_char(paused_until, 'YYYY-MM-DD') AS paused_until
           FROM automation_pauses WHERE tenant_id = $1`,
        [tenant],
      );
      return new Map<string, AutomationPause>(
        rows.map((row) => [row.customer_id, { reason: row.reason, until: row.paused_until }]),
      );
    },
  };
}
