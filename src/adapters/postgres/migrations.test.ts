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
  it('reads CRM sync pauses kept as text, and tasks made before their cause was kept, into typed state', async () => {
    const client = await openPgliteClient(undefined);
    try {
      await applyMigrations(
        client,
        MIGRATIONS.filter((migration) => migration.version < 23),
      );
      await client.exec(`
        INSERT INTO crm_installations (tenant_id, crm, account_id, sync_paused_until, sync_paused_reason) VALUES
          ('a', 'hubspot', '1', '2026-09-01T13:00:00Z', 'reconnect needed: missing scopes crm.objects.deals.write, tickets'),
          ('b', 'salesforce', '00D1', '9999-12-31T00:00:00Z', 'reconnect needed: INVALID_SESSION_ID'),
          ('c', 'hubspot', '2', '2026-09-02T00:00:00Z', 'the daily API limit is reached'),
          ('d', 'hubspot', '3', NULL, NULL);
        INSERT INTO tasks (tenant_id, task_id, rule_id, customer_id, invoice_id, state) VALUES
          ('a', 'T-1', 'manual', 'C-1', NULL, 'open'),
          ('a', 'T-2', 'dispute-review', 'C-1', 'INV-1', 'open'),
          ('a', 'T-3', 'overdue-reminder', 'C-1', 'INV-2', 'open'),
          ('a', 'T-4', 'churn-call', 'C-1', NULL, 'open');
      `);
      await applyMigrations(client);
      const pauses = await client.query<{
        tenant_id: string;
        sync_failure: unknown;
        sync_paused_reason: string | null;
      }>('SELECT tenant_id, sync_failure, sync_paused_reason FROM crm_installations ORDER BY tenant_id');
      expect(pauses.map((row) => [row.tenant_id, row.sync_failure, row.sync_paused_reason])).toEqual([
        [
          'a',
          {
            kind: 'missing_scopes',
            code: 'missing_permission',
            count: 1,
            scopes: ['crm.objects.deals.write', 'tickets'],
          },
          'missing scopes crm.objects.deals.write, tickets',
        ],
        ['b', { kind: 'reconnect', code: 'unauthorized', count: 1, scopes: [] }, 'INVALID_SESSION_ID'],
        ['c', { kind: 'limit', code: 'daily_limit', count: 1, scopes: [] }, 'the daily API limit is reached'],
        ['d', null, null],
      ]);
      const causes = await client.query<{ task_id: string; cause: string }>(
        'SELECT task_id, cause FROM tasks ORDER BY task_id',
      );
      expect(causes).toEqual([
        { task_id: 'T-1', cause: 'manual' },
        { task_id: 'T-2', cause: 'dispute' },
        { task_id: 'T-3', cause: 'invoice' },
        { task_id: 'T-4', cause: 'account' },
      ]);
    } finally {
      await client.close();
    }
  });
});
