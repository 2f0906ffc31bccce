import type { Command } from 'commander';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { backtestPaymentRisk, refitTenantRiskModel } from '../../src/use-cases/payment-risk';
import { todayUtc } from '../compose';
import { renderBacktest } from './render';
import { dateOption, defaultTenant, print, tenantOption, withScratchDataset, withStore } from './shared';

type RiskFitOptions = { before?: CalendarDate; withDisputes: boolean; tenant?: TenantId; json: boolean };

/** `backtest` and `risk-fit`: the payment-risk model, judged on a dataset or refitted on a tenant. */
export function registerRiskCommands(program: Command): void {
  program
    .command('backtest')
    .description(
      'fit the payment-risk model before a date and score every later invoice, against two baselines',
    )
    .argument('<dir>', 'dataset folder (imported into a throwaway store)')
    .requiredOption(
      '--split <date>',
      'fit on what was known before this day, score invoices issued on or after it',
      dateOption,
    )
    .option('--with-disputes', 'also use disputes opened before each prediction date', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string, options: { split: CalendarDate; withDisputes: boolean; json: boolean }) => {
      const report = await withScratchDataset(dir, !options.json, (store, tenant) =>
        backtestPaymentRisk(store, tenant, options.split, { withDisputes: options.withDisputes }),
      );
      print(options, report, () => renderBacktest(report));
    });

  program
    .command('risk-fit')
    .description("refit the tenant's payment-risk model on its own history (import does this too)")
    .option('--before <date>', 'fit on outcomes known before this day (default: today)', dateOption)
    .option('--with-disputes', 'also use open disputes as a feature', false)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: RiskFitOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const model = await withStore((store) =>
        refitTenantRiskModel(store, tenant, options.before ?? todayUtc(), {
          withDisputes: options.withDisputes,
        }),
      );
      const summary = {
        tenant,
        fittedBefore: model.fittedBefore,
        trainingSize: model.trainingSize,
        trainingLateRate: model.trainingLateRate,
        weights: Object.fromEntries(
          model.logistic.featureNames.map((name, j) => [name, model.logistic.weights[j]]),
        ),
        dropped: model.dropped,
      };
      print(
        options,
        summary,
        () =>
          `Fitted the payment-risk model of ${tenant} on ${model.trainingSize} invoices known before ${model.fittedBefore} (${(model.trainingLateRate * 100).toFixed(1)}% late).`,
      );
    });
}
