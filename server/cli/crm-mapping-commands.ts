import path from 'node:path';
import type { Command } from 'commander';
import { readCrmCompaniesCsv } from '../../src/adapters/csv/crm-companies';
import type { TenantId } from '../../src/domain/model';
import { defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

type Unmapped = {
  customerId: string;
  name: string | null;
  email: string | null;
  invoices: number;
  conflict: unknown;
  reason: string;
};

function renderUnmapped(customers: readonly Unmapped[]): string {
  if (customers.length === 0) return 'Every customer is mapped to a CRM record.';
  return [
    `${customers.length} customers have no CRM record (set hubspot_company_id or salesforce_account_id in their Stripe metadata):`,
    ...customers
      .slice(0, 50)
      .map(
        (c) =>
          `  ${c.customerId.padEnd(20)} ${(c.name ?? '').slice(0, 30).padEnd(30)} ${(c.email ?? '').padEnd(30)} ${c.invoices} invoices` +
          (c.conflict === null ? '' : `  ${c.reason}`),
      ),
    ...(customers.length > 50 ? [`  … and ${customers.length - 50} more (--json for all)`] : []),
  ].join('\n');
}

/** `crm-companies` and `unmapped`: how billing customers find their CRM record, and which have none. */
export function registerCrmMappingCommands(program: Command): void {
  program
    .command('crm-companies')
    .description('load CRM companies with their web domain, to match billing customers by e-mail domain')
    .argument('<file>', 'CSV with crm_company_id, domain and optionally name')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: { tenant?: TenantId; json: boolean }) => {
      const read = await readCrmCompaniesCsv(path.resolve(file)).catch((error: unknown) => {
        throw new UsageError(
          `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      if (!read.ok)
        throw new UsageError(`${file}: nothing loaded\n${read.problems.join('\n')}`, {
          problems: read.problems,
        });
      const tenant = options.tenant ?? defaultTenant();
      const saved = await withStore((store) => store.saveCrmCompanies(tenant, read.companies));
      print(
        options,
        { ok: true, tenant, companies: saved },
        () => `Loaded ${saved} CRM companies into ${tenant}.`,
      );
    });

  program
    .command('unmapped')
    .description('billing customers not mapped to a CRM company or account (no CRM id in their metadata)')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const customers = await withStore((store) => store.listUnmappedCustomers(tenant));
      const withReasons = customers.map((c) => ({
        ...c,
        reason:
          c.conflict === null
            ? 'no CRM id in the billing metadata'
            : `conflict with customer ${c.conflict.heldBy}: CRM record ${c.conflict.crmCompanyId} is mapped to it already`,
      }));
      print(options, { tenant, count: customers.length, customers: withReasons }, () =>
        renderUnmapped(withReasons),
      );
    });
}
