import type { CustomerDirectory, CustomerMatch } from '../../ports/customer-directory';
import type { SqlClient } from './sql-client';

type MatchRow = {
  customer_id: string;
  name: string | null;
  segment: string | null;
  country: string | null;
  employees: string | number | null;
  funding_stage: string | null;
  crm_company_id: string | null;
};

const COLUMNS = 'customer_id, name, segment, country, employees, funding_stage, crm_company_id';

/** `text` as a LIKE prefix pattern: its own % and _ and \ match themselves. */
function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * Each branch walks one index in order and stops after `limit + 1` rows (customers_name_prefix for
 * names, the primary key for ids, customers_crm_company for CRM ids), so the work is bounded by the
 * page, not by the book.
 */
export const SEARCH_CUSTOMERS = `
  (SELECT ${COLUMNS}, 0 AS branch FROM customers
    WHERE tenant_id = $1 AND (lower(name) COLLATE "C") LIKE (lower($2) COLLATE "C") ESCAPE '\\'
    ORDER BY (lower(name) COLLATE "C"), customer_id LIMIT $5)
  UNION ALL
  (SELECT ${COLUMNS}, 1 AS branch FROM customers
    WHERE tenant_id = $1 AND customer_id LIKE $3 ESCAPE '\\'
    ORDER BY customer_id LIMIT $5)
  UNION ALL
  (SELECT ${COLUMNS}, 2 AS branch FROM customers
    WHERE tenant_id = $1 AND crm_company_id = $4
    ORDER BY customer_id LIMIT $5)`;

export function customerDirectory(client: SqlClient): CustomerDirectory {
  return {
    async searchCustomers(tenant, text, limit) {
      const rows = await client.query<MatchRow & { branch: number }>(SEARCH_CUSTOMERS, [
        tenant,
        prefixPattern(text),
        prefixPattern(text),
        text,
        limit + 1,
      ]);
      // SQL does not promise the order of a UNION ALL: the branches are put in order here.
      const sorted = [...rows].sort(
        (a, b) =>
          a.branch - b.branch ||
          (a.branch === 0 ? compareText((a.name ?? '').toLowerCase(), (b.name ?? '').toLowerCase()) : 0) ||
          compareText(a.customer_id, b.customer_id),
      );
      const byId = new Map<string, MatchRow>();
      for (const row of sorted) if (!byId.has(row.customer_id)) byId.set(row.customer_id, row);
      const unique = [...byId.values()];
      const page = unique.slice(0, limit);
      const currencies = await latestCurrencies(
        client,
        tenant,
        page.map((row) => row.customer_id),
      );
      return {
        customers: page.map((row): CustomerMatch => ({
          customerId: row.customer_id,
          name: row.name,
          segment: row.segment,
          country: row.country,
          employees: row.employees === null ? null : Number(row.employees),
          fundingStage: row.funding_stage,
          crmCompanyId: row.crm_company_id,
          currency: currencies.get(row.customer_id) ?? null,
        })),
        more: unique.length > limit,
      };
    },
  };
}

/** Byte order, as the C collation sorts. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function latestCurrencies(
  client: SqlClient,
  tenant: string,
  customerIds: readonly string[],
): Promise<Map<string, string>> {
  if (customerIds.length === 0) return new Map();
  const rows = await client.query<{ customer_id: string; currency: string }>(
    `SELECT DISTINCT ON (customer_id) customer_id, currency FROM invoices
      WHERE tenant_id = $1 AND customer_id = ANY($2::text[])
      ORDER BY customer_id, issued_on DESC, invoice_id DESC`,
    [tenant, [...customerIds]],
  );
  return new Map(rows.map((row) => [row.customer_id, row.currency]));
}
