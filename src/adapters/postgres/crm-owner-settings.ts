import type { CrmOwnerSettingsStore } from '../../ports/crm-owner-settings';
import type { SqlClient } from './sql-client';

export function crmOwnerSettings(client: SqlClient): CrmOwnerSettingsStore {
  return {
    async getCrmOwnerSettings(tenant, crm) {
      const [row] = await client.query<{
        csm_property: string | null;
        updated_by: string;
        updated_at: Date | string;
      }>(
        'SELECT csm_property, updated_by, updated_at FROM crm_owner_settings WHERE tenant_id = $1 AND crm = $2',
        [tenant, crm],
      );
      return row === undefined
        ? undefined
        : { csmProperty: row.csm_property, updatedBy: row.updated_by, updatedAt: new Date(row.updated_at) };
    },

    async saveCrmOwnerSettings(tenant, crm, settings, actor) {
      await client.query(
        `INSERT INTO crm_owner_settings (tenant_id, crm, csm_property, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, crm) DO UPDATE SET
           csm_property = EXCLUDED.csm_property, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [tenant, crm, settings.csmProperty, actor],
      );
    },
  };
}
