import type { TenantId } from '../../domain/model';
import type { IntegrationErrorCode } from '../../ports/crm-gateway';
import type { CrmRecordFailures } from '../../ports/crm-record-failures';
import type { SqlClient } from './sql-client';

type Row = {
  crm: string;
  customer_id: string;
  crm_id: string;
  hash: string;
  code: string;
  message: string;
  attempts: number;
  first_failed_at: Date | string;
  last_failed_at: Date | string;
};

export function crmRecordFailures(client: SqlClient): CrmRecordFailures {
  return {
    async noteCrmRecordFailures(tenant, crm, failures) {
      if (failures.length === 0) return;
      // The same content refused again counts one more; new content is a new first refusal.
      await client.query(
        `INSERT INTO crm_record_failures (tenant_id, crm, customer_id, crm_id, hash, code, message, attempts)
         SELECT $1, $2, c, i, h, k, m, 1
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(c, i, h, k, m)
         ON CONFLICT (tenant_id, crm, customer_id) DO UPDATE SET
           attempts = CASE WHEN crm_record_failures.hash = EXCLUDED.hash
                           THEN crm_record_failures.attempts + 1 ELSE 1 END,
           first_failed_at = CASE WHEN crm_record_failures.hash = EXCLUDED.hash
                                  THEN crm_record_failures.first_failed_at ELSE now() END,
           crm_id = EXCLUDED.crm_id, hash = EXCLUDED.hash, code = EXCLUDED.code,
           message = EXCLUDED.message, last_failed_at = now()`,
        [
          tenant,
          crm,
          failures.map((failure) => failure.customerId),
          failures.map((failure) => failure.crmId),
          failures.map((failure) => failure.hash),
          failures.map((failure) => failure.code),
          failures.map((failure) => failure.message.slice(0, 1000)),
        ],
      );
    },

    async clearCrmRecordFailures(tenant, crm, customerIds) {
      if (customerIds.length === 0) return;
      await client.query(
        'DELETE FROM crm_record_failures WHERE tenant_id = $1 AND crm = $2 AND customer_id = ANY($3::text[])',
        [tenant, crm, [...new Set(customerIds)]],
      );
    },

    async listCrmRecordFailures(tenant, crm) {
      const rows = await client.query<Row>(
        `SELECT crm, customer_id, crm_id, hash, code, message, attempts, first_failed_at, last_failed_at
           FROM crm_record_failures
          WHERE tenant_id = $1 AND ($2::text IS NULL OR crm = $2)
          ORDER BY first_failed_at, customer_id`,
        [tenant, crm ?? null],
      );
      return rows.map((row) => ({
        crm: row.crm,
        customerId: row.customer_id,
        crmId: row.crm_id,
        hash: row.hash,
        code: row.code as IntegrationErrorCode,
        message: row.message,
        attempts: Number(row.attempts),
        firstFailedAt: new Date(row.first_failed_at),
        lastFailedAt: new Date(row.last_failed_at),
      }));
    },

    async countCrmRecordFailures() {
      const rows = await client.query<{
        tenant_id: string;
        crm: string;
        code: string;
        attempts: number;
        count: number | string;
      }>(
        `SELECT tenant_id, crm, code, attempts, count(*) AS count FROM crm_record_failures
          GROUP BY tenant_id, crm, code, attempts ORDER BY tenant_id, crm, code, attempts`,
      );
      return rows.map((row) => ({
        tenant: row.tenant_id as TenantId,
        crm: row.crm,
        code: row.code as IntegrationErrorCode,
        attempts: Number(row.attempts),
        count: Number(row.count),
      }));
    },
  };
}
