import type { TenantId } from '../../domain/model';
import type { EntityCounts, LedgerStore } from '../../ports/ledger';
import { getAccountFacts, streamAccountFacts } from './account-facts';
import { beginImportSession } from './import-session';
import type { SqlClient } from './sql-client';

const COUNTS = `SELECT
  (SELECT count(*) FROM customers WHERE tenant_id = $1) AS customers,
  (SELECT count(*) FROM invoices WHERE tenant_id = $1) AS invoices,
  (SELECT count(*) FROM payment_attempts WHERE tenant_id = $1) AS payments,
  (SELECT count(*) FROM subscriptions WHERE tenant_id = $1) AS subscriptions,
  (SELECT count(*) FROM disputes WHERE tenant_id = $1) AS disputes`;

const DEFAULT_PAGE_SIZE = 1000;

/** The billing ledger: written through import sessions, read as account facts. */
export function ledgerStore(client: SqlClient): LedgerStore {
  return {
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
  };
}
