import type { CustomerTags } from '../../ports/customer-tags';
import type { SqlClient } from './sql-client';

/** Billing tags live in customers.tags (written by imports and syncs), the CRM's in customers.crm_tags. */
export function customerTags(client: SqlClient): CustomerTags {
  return {
    async listCustomerTags(tenant, customerIds) {
      const rows = await client.query<{ customer_id: string; tags: string[] }>(
        `SELECT customer_id,
                ARRAY(SELECT DISTINCT t FROM unnest(tags || crm_tags) AS t ORDER BY t) AS tags
           FROM customers
          WHERE tenant_id = $1 AND (cardinality(tags) > 0 OR cardinality(crm_tags) > 0)
            AND ($2::text[] IS NULL OR customer_id = ANY($2::text[]))`,
        [tenant, customerIds === undefined ? null : [...customerIds]],
      );
      return new Map(rows.map((row) => [row.customer_id, row.tags]));
    },

    async setCrmTags(tenant, customerId, tags) {
      const updated = await client.query(
        `UPDATE customers SET crm_tags = $3::text[] WHERE tenant_id = $1 AND customer_id = $2 RETURNING customer_id`,
        [tenant, customerId, [...tags]],
      );
      return updated.length > 0;
    },
  };
}
