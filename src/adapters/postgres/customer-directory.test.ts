import { randomUUID } from 'node:crypto';
import type { TenantId } from '../../domain/model';
import { customerDirectory, SEARCH_CUSTOMERS } from './customer-directory';
import { applyMigrations } from './migrations';
import { openNodePostgresClient } from './node-postgres-client';
import { openPgliteClient } from './pglite-client';
import type { SqlClient } from './sql-client';

const engines: { name: string; open: () => Promise<SqlClient> }[] = [
  { name: 'pglite', open: () => openPgliteClient(undefined) },
];
const databaseUrl = process.env['DATABASE_URL'];
if (databaseUrl !== undefined && databaseUrl !== '')
  engines.push({ name: 'postgres', open: async () => openNodePostgresClient(databaseUrl) });

describe.each(engines)('customer search on $name', ({ open }) => {
  let client: SqlClient;
  // Tenants of this run only: a shared PostgreSQL may hold other tests' rows.
  const run = randomUUID().slice(0, 8);
  const TENANT = `t-${run}` as TenantId;
  const OTHER = `u-${run}`;

  beforeAll(async () => {
    client = await open();
    await applyMigrations(client);
    // A book of 20,000 customers in two tenants, and a few names to find.
    await client.query(
      `INSERT INTO customers (tenant_id, customer_id, name)
         SELECT CASE WHEN n % 2 = 0 THEN $1 ELSE $2 END, 'cus_' || lpad(n::text, 6, '0'), 'Company ' || n
           FROM generate_series(1, 20000) AS n`,
      [TENANT, OTHER],
    );
    await client.query(
      `INSERT INTO customers (tenant_id, customer_id, name, segment, crm_company_id) VALUES
         ($1, 'C-ACME', 'Acme Robotics', 'smb', '901'),
         ($1, 'C-ACMA', 'acme analytics', 'enterprise', NULL),
         ($1, 'C-PCT', '100% Growth', NULL, NULL),
         ($2, 'C-ACMU', 'Acme Other Tenant', NULL, NULL)`,
      [TENANT, OTHER],
    );
    await client.query(
      `INSERT INTO invoices (tenant_id, invoice_id, customer_id, currency, amount_minor, issued_on, due_on) VALUES
         ($1, 'I-1', 'C-ACME', 'USD', 100, '2026-01-01', '2026-01-31'),
         ($1, 'I-2', 'C-ACME', 'EUR', 100, '2026-03-01', '2026-03-31')`,
      [TENANT],
    );
    await client.exec('ANALYZE customers');
  }, 60000);

  afterAll(async () => {
    await client.query('DELETE FROM invoices WHERE tenant_id = $1', [TENANT]);
    await client.query('DELETE FROM customers WHERE tenant_id = ANY($1::text[])', [[TENANT, OTHER]]);
    await client.close();
  });

  it('finds name prefixes case-insensitively in the tenant, names by name, with the latest currency', async () => {
    const found = await customerDirectory(client).searchCustomers(TENANT, 'ACME', 10);
    expect(found.customers.map((customer) => customer.customerId)).toEqual(['C-ACMA', 'C-ACME']);
    expect(found.customers[1]).toEqual({
      customerId: 'C-ACME',
      name: 'Acme Robotics',
      segment: 'smb',
      country: null,
      employees: null,
      fundingStage: null,
      crmCompanyId: '901',
      currency: 'EUR',
    });
    expect(found.more).toBe(false);
  });

  it('finds by id prefix and CRM record id, pages with `more`, and matches wildcards literally', async () => {
    const directory = customerDirectory(client);
    expect((await directory.searchCustomers(TENANT, 'C-ACM', 10)).customers.map((c) => c.customerId)).toEqual(
      ['C-ACMA', 'C-ACME'],
    );
    expect((await directory.searchCustomers(TENANT, '901', 10)).customers.map((c) => c.customerId)).toEqual([
      'C-ACME',
    ]);
    const page = await directory.searchCustomers(TENANT, 'company 1', 3);
    expect(page.customers.map((c) => c.name)).toEqual(['Company 10', 'Company 100', 'Company 1000']);
    expect(page.more).toBe(true);
    expect((await directory.searchCustomers(TENANT, '100%', 10)).customers.map((c) => c.customerId)).toEqual([
      'C-PCT',
    ]);
    expect((await directory.searchCustomers(TENANT, '%', 10)).customers).toEqual([]);
    expect((await directory.searchCustomers(TENANT, 'Compan_', 10)).customers).toEqual([]);
  });

  it('reads through indexes only, whatever the size of the book', async () => {
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SEARCH_CUSTOMERS}`, [
      TENANT,
      'acme%',
      'acme%',
      'acme',
      21,
    ]);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('customers_name_prefix');
    expect(text).not.toMatch(/Seq Scan/);
  });
});
