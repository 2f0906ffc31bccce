import type { CrmActionAnswer, CrmActionCalls } from '../../ports/crm-action-calls';
import type { SqlClient } from './sql-client';

type ClaimRow = { claimed: boolean; answer: CrmActionAnswer | string | null };

/** crm_action_calls: one row per call (tenant, source, call id), its answer once given. */
export function crmActionCalls(client: SqlClient): CrmActionCalls {
  return {
    async claimCrmActionCall(tenant, call) {
      // Inserted, or taken over when its claim went stale unanswered; otherwise the row as it is.
      const claimed = await client.query<ClaimRow>(
        `INSERT INTO crm_action_calls (tenant_id, source, call_id, action, claimed_at)
              VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, source, call_id) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
               WHERE crm_action_calls.answer IS NULL AND crm_action_calls.claimed_at < $6
         RETURNING true AS claimed, answer`,
        [
          tenant,
          call.source,
          call.callId,
          call.action,
          call.at.toISOString(),
          call.staleBefore.toISOString(),
        ],
      );
      if (claimed.length > 0) return { state: 'claimed' };
      const [row] = await client.query<ClaimRow>(
        `SELECT false AS claimed, answer FROM crm_action_calls
          WHERE tenant_id = $1 AND source = $2 AND call_id = $3`,
        [tenant, call.source, call.callId],
      );
      if (row === undefined || row.answer === null) return { state: 'running' };
      const answer =
        typeof row.answer === 'string' ? (JSON.parse(row.answer) as CrmActionAnswer) : row.answer;
      return { state: 'answered', answer };
    },

    async answerCrmActionCall(tenant, call) {
      await client.query(
        `UPDATE crm_action_calls SET answer = $4::jsonb, answered_at = $5
          WHERE tenant_id = $1 AND source = $2 AND call_id = $3`,
        [tenant, call.source, call.callId, JSON.stringify(call.answer), call.at.toISOString()],
      );
    },

    async releaseCrmActionCall(tenant, call) {
      await client.query(
        `DELETE FROM crm_action_calls
          WHERE tenant_id = $1 AND source = $2 AND call_id = $3 AND answer IS NULL`,
        [tenant, call.source, call.callId],
      );
    },
  };
}
