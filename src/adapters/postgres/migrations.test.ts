import { applyMigrations, MIGRATIONS } from './migrations';
import { openPgliteClient } from './pglite-client';

describe('migrations', () => {
  it('upgrades a store with data: payment attempts and disputes get their customer, and new ones get it on insert', async () => {
    const client = await openPgliteClient(undefined);
    try {
      await applyMigrations(
        client,
        MIGRATIONS.filter((migration) => migration.version < 3),
      );
      await client.exec(`
        INSERT INTO invoices (tenant_id, invoice_id, customer_id, currency, amount_minor, issued_on, due_on)
          VALUES ('t', 'INV-1', 'C-1', 'USD', 100, '2026-01-01', '2026-01-31'),
                 ('t', 'INV-2', 'C-2', 'USD', 100, '2026-01-01', '2026-01-31'),
                 ('u', 'INV-1', 'C-9', 'USD', 100, '2026-01-01', '2026-01-31');
        INSERT INTO payment_attempts (tenant_id, payment_id, invoice_id, currency, amount_minor, attempted_on, status)
          VALUES ('t', 'P-1', 'INV-1', 'USD', 100, '2026-01-31', 'succeeded');
        INSERT INTO disputes (tenant_id, dispute_id, invoice_id, opened_on) VALUES ('t', 'D-1', 'INV-2', '2026-02-01');
      `);
      await applyMigrations(client);
      await client.exec(`
        INSERT INTO payment_attempts (tenant_id, payment_id, invoice_id, currency, amount_minor, attempted_on, status)
          VALUES ('t', 'P-2', 'INV-2', 'USD', 100, '2026-01-31', 'failed'),
                 ('u', 'P-1', 'INV-1', 'USD', 100, '2026-01-31', 'succeeded');
        INSERT INTO disputes (tenant_id, dispute_id, invoice_id, opened_on) VALUES ('u', 'D-1', 'INV-1', '2026-02-01');
      `);
      const rows = await client.query<{ tenant_id: string; payment_id: string; customer_id: string }>(
        'SELECT tenant_id, payment_id, customer_id FROM payment_attempts ORDER BY tenant_id, payment_id',
      );
      expect(rows).toEqual([
        { tenant_id: 't', payment_id: 'P-1', customer_id: 'C-1' },
        { tenant_id: 't', payment_id: 'P-2', customer_id: 'C-2' },
        { tenant_id: 'u', payment_id: 'P-1', customer_id: 'C-9' },
      ]);
      const disputes = await client.query<{ tenant_id: string; customer_id: string }>(
        'SELECT tenant_id, customer_id FROM disputes ORDER BY tenant_id',
      );
      expect(disputes).toEqual([
        { tenant_id: 't', customer_id: 'C-2' },
        { tenant_id: 'u', customer_id: 'C-9' },
      ]);
      const versions = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY 1',
      );
      expect(versions.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    } finally {
      await client.close();
    }
  });
});
