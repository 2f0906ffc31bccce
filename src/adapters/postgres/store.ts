import type { TenantId } from '../../domain/model';
import type { StoredRiskModel } from '../../domain/risk/risk-model';
import type { CollectionsStore, EntityCounts } from '../../ports/store';
import { getAccountFacts, streamAccountFacts } from './account-facts';
import { accountCards } from './account-cards';
import { automationPauses } from './automation-pauses';
import { ruleSets } from './rule-sets';
import { collectionsTasks } from './tasks';
import { termRecommendations } from './term-recommendations';
import { billingSync } from './billing-sync';
import { beginImportSession } from './import-session';
import { launchNonces } from './launch-nonces';
import { installStates } from './install-states';
import { ruleSimulations } from './rule-simulations';
import { crmRecordFailures } from './crm-record-failures';
import { crmOwnerSettings } from './crm-owner-settings';
import { customerDirectory } from './customer-directory';
import { customerTags } from './customer-tags';
import { portfolioSnapshots } from './portfolio-snapshots';
import { applyMigrations } from './migrations';
import type { SqlClient } from './sql-client';

const COUNTS = `SELECT
  (SELECT count(*) FROM customers WHERE tenant_id = $1) AS customers,
  (SELECT count(*) FROM invoices WHERE tenant_id = $1) AS invoices,
  (SELECT count(*) FROM payment_attempts WHERE tenant_id = $1) AS payments,
  (SELECT count(*) FROM subscriptions WHERE tenant_id = $1) AS subscriptions,
  (SELECT count(*) FROM disputes WHERE tenant_id = $1) AS disputes`;

const DEFAULT_PAGE_SIZE = 1000;

/** The CollectionsStore over any SQL client: both engines run exactly this SQL. */
export function createSqlStore(client: SqlClient): CollectionsStore {
  return {
    kind: client.kind,
    migrate: () => applyMigrations(client),
    async ping(): Promise<void> {
      await client.query('SELECT 1');
    },
    close: () => client.close(),

    beginImport: (tenant) => beginImportSession(client, tenant),

    async counts(tenant: TenantId): Promise<EntityCounts> {
      const [row] = await client.query<EntityCounts>(COUNTS, [tenant]);
      if (row === undefined) throw new Error('counts query returned no row');
      return row;
    },

    async listTenants(): Promise<TenantId[]> {
      const rows = await client.query<{ tenant_id: TenantId }>(
        'SELECT tenant_id FROM tenants ORDER BY tenant_id',
      );
      return rows.map((row) => row.tenant_id);
    },

    getAccountFacts: (tenant, customerId) => getAccountFacts(client, tenant, customerId),
    async findCustomerIdByCrmId(tenant, crmCompanyId) {
      const [row] = await client.query<{ customer_id: string }>(
        `SELECT customer_id FROM customers WHERE tenant_id = $1 AND crm_company_id = $2 ORDER BY customer_id LIMIT 1`,
        [tenant, crmCompanyId],
      );
      return row?.customer_id;
    },
    streamAccountFacts: (tenant, options) =>
      streamAccountFacts(client, tenant, options?.pageSize ?? DEFAULT_PAGE_SIZE),
    ...automationPauses(client),
    ...ruleSets(client),
    ...collectionsTasks(client),
    ...termRecommendations(client),
    ...billingSync(client),
    ...accountCards(client),
    ...launchNonces(client),
    ...installStates(client),
    ...ruleSimulations(client),
    ...crmRecordFailures(client),
    ...crmOwnerSettings(client),
    ...customerDirectory(client),
    ...customerTags(client),
    ...portfolioSnapshots(client),

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
