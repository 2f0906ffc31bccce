import type { AutomationPause } from '../../domain/account-status';
import type { CalendarDate } from '../../domain/dates';
import type { TenantId } from '../../domain/model';
import type { PauseSpan } from '../../domain/pauses';
import type { AutomationStore } from '../../ports/automation';
import { invalidateCards } from './cards';
import { RULE_SETS, versionedPolicy } from './policy-versions';
import type { SqlClient } from './sql-client';

type PauseRow = { customer_id: string; reason: string; paused_until: CalendarDate };

type SpanRow = {
  customer_id: string;
  reason: string;
  started_on: CalendarDate;
  paused_until: CalendarDate;
  ended_on: CalendarDate | null;
};

export function automationStore(client: SqlClient): AutomationStore {
  const rules = versionedPolicy(client, RULE_SETS);
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
        // The pause in force (if any) ends where this one starts; history is never rewritten otherwise.
        // Without a start day the server's calendar day in UTC is taken.
        await tx.query(
          `UPDATE automation_pause_history
              SET ended_on = GREATEST(started_on, coalesce($3::date, (now() AT TIME ZONE 'UTC')::date)), ended_by = $4
            WHERE tenant_id = $1 AND customer_id = $2 AND ended_on IS NULL`,
          [tenant, customerId, pause.startedOn ?? null, pause.actor],
        );
        await tx.query(
          `INSERT INTO automation_pause_history (tenant_id, customer_id, reason, started_on, paused_until, paused_by)
           VALUES ($1, $2, $3, LEAST(coalesce($4::date, (now() AT TIME ZONE 'UTC')::date), $5::date), $5::date, $6)`,
          [tenant, customerId, pause.reason, pause.startedOn ?? null, pause.until, pause.actor],
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

    async resumeAutomation(tenant, customerId, actor, on) {
      return client.transaction(async (tx) => {
        const removed = await tx.query(
          'DELETE FROM automation_pauses WHERE tenant_id = $1 AND customer_id = $2 RETURNING customer_id',
          [tenant, customerId],
        );
        if (removed.length === 0) return false;
        await tx.query(
          `UPDATE automation_pause_history
              SET ended_on = GREATEST(started_on, coalesce($3::date, (now() AT TIME ZONE 'UTC')::date)), ended_by = $4
            WHERE tenant_id = $1 AND customer_id = $2 AND ended_on IS NULL`,
          [tenant, customerId, on ?? null, actor],
        );
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

    async listAutomationPauses(tenant: TenantId, customerIds?: readonly string[]) {
      const rows = await client.query<PauseRow>(
        `SELECT customer_id, reason, to_char(paused_until, 'YYYY-MM-DD') AS paused_until
           FROM automation_pauses
          WHERE tenant_id = $1 AND ($2::text[] IS NULL OR customer_id = ANY($2::text[]))`,
        [tenant, customerIds === undefined ? null : [...customerIds]],
      );
      return new Map<string, AutomationPause>(
        rows.map((row) => [row.customer_id, { reason: row.reason, until: row.paused_until }]),
      );
    },

    async listPauseHistory(tenant, customerIds) {
      const rows = await client.query<SpanRow>(
        `SELECT customer_id, reason, to_char(started_on, 'YYYY-MM-DD') AS started_on,
                to_char(paused_until, 'YYYY-MM-DD') AS paused_until, to_char(ended_on, 'YYYY-MM-DD') AS ended_on
           FROM automation_pause_history
          WHERE tenant_id = $1 AND ($2::text[] IS NULL OR customer_id = ANY($2::text[]))
          ORDER BY customer_id, started_on, pause_id`,
        [tenant, customerIds === undefined ? null : [...customerIds]],
      );
      const history = new Map<string, PauseSpan[]>();
      for (const row of rows) {
        const span: PauseSpan = {
          reason: row.reason,
          startedOn: row.started_on,
          until: row.paused_until,
          endedOn: row.ended_on,
        };
        const spans = history.get(row.customer_id);
        if (spans === undefined) history.set(row.customer_id, [span]);
        else spans.push(span);
      }
      return history;
    },

    async activateNewRuleSet(tenant, body, actor, note, options = {}) {
      const stored = await rules.activateNew(tenant, body, actor, note, options);
      if (stored !== undefined) return { outcome: 'activated', version: stored };
      return { outcome: 'active_changed', active: (await rules.activeVersion(client, tenant)) ?? 0 };
    },
    reactivateRuleSet: rules.reactivate,
    listRuleSetVersions: rules.list,
    getRuleSetVersion: rules.get,
    async getActiveRuleSet(tenant) {
      const active = await rules.getActive(tenant);
      if (active === undefined)
        throw new Error(`tenant ${tenant} has no active rule set, not even version 0`);
      return active;
    },
  };
}
