import type { StoredRiskModel } from '../../domain/risk/risk-model';
import type { RiskModelStore } from '../../ports/risk-models';
import type { SqlClient } from './sql-client';

export function riskModelStore(client: SqlClient): RiskModelStore {
  return {
    async saveRiskModel(tenant, model) {
      await client.query(
        `INSERT INTO risk_models (tenant_id, body) VALUES ($1, $2::jsonb)
         ON CONFLICT (tenant_id) DO UPDATE SET body = EXCLUDED.body, fitted_at = now()`,
        [tenant, JSON.stringify(model)],
      );
      // Risk scores and reasons on every card change with the model.
      await client.query('UPDATE account_cards SET version = version + 1 WHERE tenant_id = $1', [tenant]);
    },

    async loadRiskModel(tenant) {
      const [row] = await client.query<{ body: string }>(
        'SELECT body::text AS body FROM risk_models WHERE tenant_id = $1',
        [tenant],
      );
      return row === undefined ? undefined : (JSON.parse(row.body) as StoredRiskModel);
    },
  };
}
