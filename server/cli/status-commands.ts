import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../src/config/config';
import type { SliceDimension } from '../../src/domain/ar-metrics';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { buildPortfolioReportFromStore, getAccountStatus } from '../../src/use-cases/collections-picture';
import { todayUtc } from '../compose';
import { renderPortfolioChart } from '../reports/portfolio-chart';
import { createProgress } from './progress';
import { renderAccountStatus, renderPortfolioReport } from './render';
import { renderPromiseMetrics } from './render-promises';
import { dateOption, defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

const SLICES: readonly SliceDimension[] = ['owner', 'segment', 'payment_terms', 'currency'];

function sliceOption(value: string): SliceDimension {
  if (!(SLICES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${SLICES.join(', ')}`);
  return value as SliceDimension;
}

function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      "one account's collections picture on a day: status, balances, aging, failures, disputes, renewal",
    )
    .argument('<customer_id>', 'billing customer id')
    .option('--as-of <date>', 'the day to look from (default: today)', dateOption)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(
      async (customerId: string, options: { asOf?: CalendarDate; tenant?: TenantId; json: boolean }) => {
        const config = loadConfig();
        const tenant = options.tenant ?? defaultTenant();
        const asOf = options.asOf ?? todayUtc();
        const status = await withStore((store) =>
          getAccountStatus(store, tenant, customerId, asOf, {
            renewalWindowDays: config.renewalWindowDays,
            riskTiers: config.riskTiers,
          }),
        );
        if (status === undefined) throw new UsageError(`unknown customer ${customerId} in tenant ${tenant}`);
        print(options, status, () => renderAccountStatus(status));
      },
    );
}

type ReportOptions = {
  asOf?: CalendarDate;
  by?: SliceDimension;
  tenant?: TenantId;
  chart?: string;
  json: boolean;
};

function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'portfolio AR: aging, DSO (simple, countback, best possible), ADD, CEI, delinquency, recovery; ' +
        'promises to pay kept by owner and segment, and the amount promised for the next 30 days',
    )
    .option('--as-of <date>', 'the day to look from (default: today)', dateOption)
    .option('--by <dimension>', 'slice by owner, segment, payment_terms or currency', sliceOption)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--chart <file>', 'also draw the aging and DSO by slice as an SVG picture into this file')
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ReportOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const asOf = options.asOf ?? todayUtc();
      const progress = createProgress(!options.json, 'rows');
      const report = await withStore(async (store) => {
        const { customers } = await store.counts(tenant);
        return buildPortfolioReportFromStore(store, tenant, asOf, {
          ...(options.by ? { by: options.by } : {}),
          onProgress: (accounts) => progress.update(accounts, customers, 'accounts'),
        });
      }).finally(() => progress.stop());
      if (options.chart !== undefined)
        await writeFile(path.resolve(options.chart), renderPortfolioChart(report));
      print(options, { tenant, ...report }, () =>
        [
          renderPortfolioReport(report),
          '',
          renderPromiseMetrics(report.promises),
          ...(options.chart !== undefined ? [`Chart written to ${path.resolve(options.chart)}`] : []),
        ].join('\n'),
      );
    });
}

/** `status` and `report`: one account's collections picture, and the portfolio's. */
export function registerStatusCommands(program: Command): void {
  registerStatus(program);
  registerReport(program);
}
