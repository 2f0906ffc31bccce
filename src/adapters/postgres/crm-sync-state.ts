import type { CrmSyncStore, UnmappedCustomer } from '../../ports/crm-sync';
import { invalidateCards } from './cards';
import type { SqlClient } from './sql-client';

export function crmSyncStore(client: SqlClient): CrmSyncStore {
  return {
    async getCrmSyncState(tenant, crm, customerIds) {
      const rows = await client.query<{ customer_id: string; crm_id: string; hash: string }>(
        customerIds === undefined
          ? 'SELECT customer_id, crm_id, hash FROM crm_sync_state WHERE tenant_id = $1 AND crm = $2'
          : `SELECT customer_id, crm_id, hash FROM crm_sync_state
              WHERE tenant_id = $1 AND crm = $2 AND customer_id = ANY($3::text[])`,
        customerIds === undefined ? [tenant, crm] : [tenant, crm, [...customerIds]],
      );
      return new Map(rows.map((row) => [row.customer_id, { crmId: row.crm_id, hash: row.hash }]));
    },

    async saveCrmSyncState(tenant, crm, entries) {
      if (entries.length === 0) return;
      await client.query(
        `INSERT INTO crm_sync_state (tenant_id, crm, customer_id, crm_id, hash, synced_at)
         SELECT $1, $2, c, i, h, now() FROM unnest($3::text[], $4::text[], $5::text[]) AS t(c, i, h)
         ON CONFLICT (tenant_id, crm, customer_id) DO UPDATE SET crm_id = EXCLUDED.crm_id, hash = EXCLUDED.hash, synced_at = now()`,
        [
          tenant,
          crm,
          entries.map((e) => e.customerId),
          entries.map((e) => e.crmId),
          entries.map((e) => e.hash),
        ],
      );
    },

    async markCrmSyncPending(tenant, crm, customerIds) {
      if (customerIds.length === 0) return;
      await client.query(
        `INSERT INTO crm_sync_pending (tenant_id, crm, customer_id)
         SELECT $1, $2, c FROM unnest($3::text[]) AS t(c)
         ON CONFLICT (tenant_id, crm, customer_id) DO UPDATE SET marked_at = now()`,
        [tenant, crm, [...new Set(customerIds)]],
      );
    },

    async clearCrmSyncPending(tenant, crm, customerIds) {
      if (customerIds.length === 0) return;
      await client.query(
        'DELETE FROM crm_sync_pending WHERE tenant_id = $1 AND crm = $2 AND customer_id = ANY($3::text[])',
        [tenant, crm, [...new Set(customerIds)]],
      );
    },

    async listCrmSyncPending(tenant, crm) {
      const unfinished = await client.query<{ customer_id: string }>(
        `SELECT customer_id FROM crm_sync_pending WHERE tenant_id = $1 AND crm = $2 ORDER BY customer_id`,
        [tenant, crm],
      );
      const tasks = await client.query<{ customer_id: string }>(
        `SELECT DISTINCT t.customer_id FROM tasks t
           JOIN customers c ON c.tenant_id = t.tenant_id AND c.customer_id = t.customer_id
          WHERE t.tenant_id = $1 AND t.state = 'open' AND t.crm_task_id IS NULL
            AND c.crm_company_id IS NOT NULL
          ORDER BY t.customer_id`,
        [tenant],
      );
      return {
        unfinished: unfinished.map((row) => row.customer_id),
        tasksToCreate: tasks.map((row) => row.customer_id),
      };
    },

    async claimCrmPropertyChange(tenant, crm, change) {
      const rows = await client.query(
        `INSERT INTO crm_property_changes AS p (tenant_id, crm, object_id, property, occurred_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, crm, object_id, property) DO UPDATE SET occurred_at = EXCLUDED.occurred_at
           WHERE p.occurred_at < EXCLUDED.occurred_at
         RETURNING object_id`,
        [tenant, crm, change.objectId, change.property, change.occurredAt],
      );
      return rows.length > 0;
    },

    async remapCrmCompany(tenant, fromCrmIds, toCrmId) {
      if (fromCrmIds.length === 0) return [];
      return client.transaction(async (tx) => {
        const rows = await tx.query<{ customer_id: string }>(
          `UPDATE customers SET crm_company_id = $3
            WHERE tenant_id = $1 AND crm_company_id = ANY($2::text[])
            RETURNING customer_id`,
          [tenant, [...fromCrmIds], toCrmId],
        );
        const customers = rows.map((row) => row.customer_id);
        if (customers.length > 0) {
          await tx.query(
            'DELETE FROM crm_sync_state WHERE tenant_id = $1 AND customer_id = ANY($2::text[])',
            [tenant, customers],
          );
          await invalidateCards(tx, tenant, customers);
          for (const customerId of customers) {
            await tx.query(
              `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload)
               VALUES ($1, 'crm_record_remapped', $2, 'crm', $3::jsonb)`,
              [tenant, customerId, JSON.stringify({ from: fromCrmIds, to: toCrmId })],
            );
          }
        }
        return customers;
      });
    },

    async saveCrmBulkJob(tenant, crm, job) {
      await client.query(
        `INSERT INTO crm_bulk_jobs (tenant_id, crm, job_id, object_type, entries) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, crm) DO UPDATE
           SET job_id = EXCLUDED.job_id, object_type = EXCLUDED.object_type, entries = EXCLUDED.entries,
               started_at = now()`,
        [tenant, crm, job.jobId, job.type, JSON.stringify(job.entries)],
      );
    },

    async getCrmBulkJob(tenant, crm) {
      const [row] = await client.query<{
        job_id: string;
        object_type: 'companies' | 'deals';
        entries: string;
      }>('SELECT job_id, object_type, entries FROM crm_bulk_jobs WHERE tenant_id = $1 AND crm = $2', [
        tenant,
        crm,
      ]);
      return row === undefined
        ? undefined
        : {
            jobId: row.job_id,
            type: row.object_type,
            entries: JSON.parse(row.entries) as { customerId: string; crmId: string; hash: string }[],
          };
    },

    async finishCrmBulkJob(tenant, crm, jobId) {
      await client.query('DELETE FROM crm_bulk_jobs WHERE tenant_id = $1 AND crm = $2 AND job_id = $3', [
        tenant,
        crm,
        jobId,
      ]);
    },

    async recordCrmApiUsage(tenant, crm, requests, at) {
      await client.query(
        `INSERT INTO crm_api_usage AS u (tenant_id, crm, hour, requests)
         VALUES ($1, $2, date_trunc('hour', to_timestamp($3::float8 / 1000)), $4)
         ON CONFLICT (tenant_id, crm, hour) DO UPDATE SET requests = u.requests + EXCLUDED.requests`,
        [tenant, crm, at.getTime(), requests],
      );
    },

    async crmApiUsageSince(tenant, crm, since) {
      const [row] = await client.query<{ requests: number | null }>(
        `SELECT sum(requests)::float8 AS requests FROM crm_api_usage
          WHERE tenant_id = $1 AND crm = $2 AND hour >= date_trunc('hour', to_timestamp($3::float8 / 1000))`,
        [tenant, crm, since.getTime()],
      );
      return Number(row?.requests ?? 0);
    },

    async saveCrmCompanies(tenant, companies) {
      if (companies.length === 0) return 0;
      await client.query(
        `INSERT INTO crm_companies (tenant_id, crm_company_id, domain, name)
         SELECT $1, c, d, n FROM unnest($2::text[], $3::text[], $4::text[]) AS t(c, d, n)
         ON CONFLICT (tenant_id, crm_company_id) DO UPDATE SET domain = EXCLUDED.domain, name = EXCLUDED.name`,
        [
          tenant,
          companies.map((company) => company.crmCompanyId),
          companies.map((company) => company.domain.toLowerCase()),
          companies.map((company) => company.name),
        ],
      );
      return companies.length;
    },

    async findCrmCompaniesByDomain(tenant, domains) {
      if (domains.length === 0) return new Map();
      const rows = await client.query<{ domain: string; crm_company_id: string }>(
        `SELECT domain, min(crm_company_id) AS crm_company_id FROM crm_companies
          WHERE tenant_id = $1 AND domain = ANY($2::text[]) GROUP BY domain HAVING count(*) = 1`,
        [tenant, domains.map((domain) => domain.toLowerCase())],
      );
      return new Map(rows.map((row) => [row.domain, row.crm_company_id]));
    },

    async listUnmappedCustomers(tenant) {
      const rows = await client.query<{
        customer_id: string;
        name: string | null;
        email: string | null;
        country: string | null;
        invoices: string | number;
        conflict_crm_id: string | null;
        held_by: string | null;
      }>(
        `SELECT c.customer_id, c.name, s.email, c.country,
                (SELECT count(*) FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.customer_id) AS invoices,
                x.crm_company_id AS conflict_crm_id, x.held_by
           FROM customers c
           LEFT JOIN source_customers s ON s.tenant_id = c.tenant_id AND s.customer_id = c.customer_id
           LEFT JOIN crm_mapping_conflicts x ON x.tenant_id = c.tenant_id AND x.customer_id = c.customer_id
          WHERE c.tenant_id = $1 AND c.crm_company_id IS NULL
          ORDER BY c.customer_id`,
        [tenant],
      );
      return rows.map((row): UnmappedCustomer => ({
        customerId: row.customer_id,
        name: row.name,
        email: row.email,
        country: row.country,
        invoices: Number(row.invoices),
        conflict:
          row.conflict_crm_id === null || row.held_by === null
            ? null
            : { crmCompanyId: row.conflict_crm_id, heldBy: row.held_by },
      }));
    },
  };
}
