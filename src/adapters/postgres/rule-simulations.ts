import type { RuleSimulations, StoredRuleSimulation } from '../../ports/rule-simulations';
import type { SqlClient } from './sql-client';

type Row = {
  simulation_id: string;
  state: StoredRuleSimulation['state'];
  request: string;
  accounts_done: number;
  accounts_total: number | null;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
};

export function ruleSimulations(client: SqlClient): RuleSimulations {
  return {
    async createRuleSimulation(tenant, simulationId, request, forgetBefore) {
      await client.query(
        'DELETE FROM rule_simulations WHERE tenant_id = $1 AND created_at < to_timestamp($2::float8 / 1000)',
        [tenant, forgetBefore.getTime()],
      );
      await client.query(
        `INSERT INTO rule_simulations (tenant_id, simulation_id, state, request)
         VALUES ($1, $2, 'queued', $3::jsonb)`,
        [tenant, simulationId, JSON.stringify(request)],
      );
    },
    async getRuleSimulation(tenant, simulationId) {
      const [row] = await client.query<Row>(
        `SELECT simulation_id, state, request::text AS request, accounts_done, accounts_total,
                result::text AS result, error,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
                to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at
           FROM rule_simulations WHERE tenant_id = $1 AND simulation_id = $2`,
        [tenant, simulationId],
      );
      if (row === undefined) return undefined;
      return {
        simulationId: row.simulation_id,
        state: row.state,
        request: JSON.parse(row.request) as unknown,
        accountsDone: row.accounts_done,
        accountsTotal: row.accounts_total,
        result: row.result === null ? null : (JSON.parse(row.result) as unknown),
        error: row.error,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    },
    async updateRuleSimulation(tenant, simulationId, update) {
      await client.query(
        `UPDATE rule_simulations
            SET state = $3,
                accounts_done = COALESCE($4, accounts_done),
                accounts_total = COALESCE($5, accounts_total),
                result = COALESCE($6::jsonb, result),
                error = $7,
                updated_at = now()
          WHERE tenant_id = $1 AND simulation_id = $2 AND state IN ('queued', 'running')`,
        [
          tenant,
          simulationId,
          update.state,
          update.state === 'failed' ? null : update.accountsDone,
          update.state === 'running' ? update.accountsTotal : null,
          update.state === 'done' ? JSON.stringify(update.result) : null,
          update.state === 'failed' ? update.error : null,
        ],
      );
    },
  };
}
