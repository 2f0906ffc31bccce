import type { Command } from 'commander';
import type { TenantId } from '../../src/domain/model';
import { diagnose, type DoctorReport } from '../../src/use-cases/doctor';
import { LOCAL_DOCTOR_PATH } from '../http/local-routes';
import { doctorOptions } from '../compose';
import {
  defaultTenant,
  EXIT,
  ExitCode,
  print,
  tenantOption,
  withStore,
  askStoreOwner,
  type StoreServer,
} from './shared';

async function doctorThroughServer(server: StoreServer, tenant: TenantId | undefined): Promise<DoctorReport> {
  const query = tenant === undefined ? '' : `?tenant=${encodeURIComponent(tenant)}`;
  return (await askStoreOwner(server, `${LOCAL_DOCTOR_PATH}${query}`)) as DoctorReport;
}

function renderReport(report: DoctorReport): string {
  if (report.tenants.length === 0) return 'No tenants yet: nothing to check.';
  const lines: string[] = [];
  for (const diagnosis of report.tenants) {
    const problems = diagnosis.integrations.flatMap((integration) => integration.findings);
    lines.push(
      problems.length === 0
        ? `${diagnosis.tenant}: healthy`
        : `${diagnosis.tenant}: ${diagnosis.healthy ? 'healthy, with warnings' : 'needs attention'}`,
    );
    for (const finding of problems) {
      lines.push(
        `  ${finding.integration.padEnd(10)} ${finding.severity.toUpperCase().padEnd(7)} ${finding.problem}`,
      );
      lines.push(`  ${''.padEnd(10)} ${''.padEnd(7)} fix: ${finding.fix}`);
    }
  }
  return lines.join('\n');
}

export function registerDoctorCommands(program: Command): void {
  program
    .command('doctor')
    .description(
      'what is wrong, per tenant and integration, and how to fix it (exit 0 when healthy, 1 otherwise)',
    )
    .option('--tenant <tenant>', 'only this tenant (default: every tenant in the store)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const report = await withStore(
        (store) =>
          diagnose(store, {
            ...doctorOptions(defaultTenant()),
            now: new Date(),
            ...(options.tenant === undefined ? {} : { tenants: [options.tenant] }),
          }),
        { viaServer: (server) => doctorThroughServer(server, options.tenant) },
      );
      print(options, report, () => renderReport(report));
      if (!report.healthy) throw new ExitCode(EXIT.failure);
    });
}
