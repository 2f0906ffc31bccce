import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createCsvDatasetReader } from '../../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../../src/adapters/csv/dataset-writer';
import { ConfigError, loadConfig } from '../../src/config/config';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { generateDemoDataset } from '../../src/use-cases/generate-demo-dataset';
import { formatProblem } from '../../src/use-cases/import-dataset';
import { buildPortfolioReportFromStore, getAccountStatus } from '../../src/use-cases/collections-picture';
import type { SliceDimension } from '../../src/domain/ar-metrics';
import { renderPortfolioChart } from '../reports/portfolio-chart';
import { backtestPaymentRisk, refitTenantRiskModel } from '../../src/use-cases/payment-risk';
import { renderAccountStatus, renderBacktest, renderPortfolioReport } from './render';
import { todayUtc } from '../compose';
import { createProgress } from './progress';
import { MoneyRangeError } from '../../src/domain/money';
import {
  dateOption,
  defaultTenant,
  ExitCode,
  positiveInteger,
  print,
  tenantOption,
  terminalSafe,
  UsageError,
  withScratchDataset,
  withStore,
  type Output,
  type StoreServer,
} from './shared';
import { importThroughServer } from './server-import';
import { importBook } from '../../src/use-cases/import-book';
import { registerTermsCommands } from './terms-commands';
import { registerSyncCommands } from './sync-commands';
import { registerDeadLetterCommands } from './dead-letter-commands';
import { registerDoctorCommands } from './doctor-commands';
import { registerRulesCommands } from './rules-commands';

export { UsageError } from './shared';

const SLICES: readonly SliceDimension[] = ['owner', 'segment', 'payment_terms', 'currency'];

function sliceOption(value: string): SliceDimension {
  if (!(SLICES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${SLICES.join(', ')}`);
  return value as SliceDimension;
}

function seedOption(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a whole number ≥ 0');
  return number;
}

export function buildProgram(): Command {
  const program = new Command('collections')
    .description('crm-collections: billing and payment status, aging and collections work for CRM teams')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('import')
    .description(
      'import a dataset folder of CSV files (invoices.csv required) into the store, all or nothing',
    )
    .argument(
      '<dir>',
      'folder with invoices.csv and optionally customers, payments, subscriptions, disputes .csv',
    )
    .option('--tenant <tenant>', 'tenant (HubSpot portal or Salesforce org) to import into', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string, options: { tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const folder = await stat(path.resolve(dir)).catch(() => undefined);
      if (!folder?.isDirectory())
        throw new UsageError(`${dir} is not a folder (expected a folder with invoices.csv)`);
      const progress = createProgress(!options.json, 'bytes');
      let handedTo: StoreServer | undefined;
      const result = await withStore(
        // New facts, new model: the risk model is refitted on the tenant's own history.
        (store) =>
          importBook(store, createCsvDatasetReader(path.resolve(dir)), {
            tenant,
            today: todayUtc(),
            onProgress: (event) => progress.update(event.bytesRead, event.bytesTotal, event.file),
          }),
        {
          viaServer: (server) => {
            handedTo = server;
            return importThroughServer(server, path.resolve(dir), tenant, (done, total, file) =>
              progress.update(done, total, file),
            );
          },
        },
      ).finally(() => progress.stop());
      if (!result.ok) {
        const more = result.problemCount - result.problems.length;
        throw new UsageError(
          `import rejected: ${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}, nothing was written\n` +
            result.problems.map(formatProblem).join('\n') +
            (more > 0 ? `\n… and ${more} more` : ''),
          result,
        );
      }
      const via = handedTo === undefined ? {} : { via: { server: handedTo.url, pid: handedTo.pid } };
      print(options, { ...result, ...via }, () => {
        const lines = Object.entries(result.rows).map(([file, rows]) => {
          const key = file.replace('.csv', '') as keyof typeof result.outcome.inserted;
          return `  ${file.padEnd(18)} ${String(rows).padStart(9)} rows  ${String(result.outcome.inserted[key]).padStart(9)} new  ${String(result.outcome.updated[key]).padStart(9)} updated`;
        });
        return [
          `Imported into tenant ${tenant}:`,
          ...lines,
          ...(result.outcome.createdCustomers > 0
            ? [
                `  ${result.outcome.createdCustomers} customers referenced by invoices were created without details`,
              ]
            : []),
          ...result.warnings.map((warning) => `warning: ${warning}`),
          ...(handedTo === undefined
            ? []
            : [`(imported by the running server, process ${handedTo.pid}, which owns the store)`]),
        ].join('\n');
      });
    });

  program
    .command('demo-data')
    .description('write a deterministic, realistic SaaS billing dataset in the import format')
    .argument('<dir>', 'folder to write the CSV files into (created if missing)')
    .option('--customers <n>', 'number of customers', positiveInteger(1_000_000), 400)
    .option('--seed <s>', 'random seed: the same seed gives the same bytes', seedOption, 42)
    .option('--as-of <date>', 'last day of the generated history (default: today)', dateOption)
    .option('--json', 'print the result as JSON', false)
    .action(
      async (
        dir: string,
        options: { customers: number; seed: number; asOf?: CalendarDate; json: boolean },
      ) => {
        const target = path.resolve(dir);
        await mkdir(target, { recursive: true });
        const writer = await createCsvDatasetWriter(target);
        const asOf = options.asOf ?? todayUtc();
        const progress = createProgress(!options.json, 'rows');
        const rows: Record<string, number> = {};
        let customers = 0;
        try {
          for await (const item of generateDemoDataset({
            customers: options.customers,
            seed: options.seed,
            asOf,
          })) {
            await writer.write(item);
            rows[item.file] = (rows[item.file] ?? 0) + 1;
            if (item.file === 'customers.csv') {
              customers += 1;
              if (customers % 500 === 0) progress.update(customers, options.customers, 'customers');
            }
          }
          progress.update(customers, options.customers, 'customers');
        } finally {
          progress.stop();
          await writer.close();
        }
        const result = { dir: target, seed: options.seed, asOf, rows };
        print(options, result, () =>
          [
            `Wrote ${target} (seed ${options.seed}, as of ${asOf}):`,
            ...Object.entries(rows).map(([file, n]) => `  ${file.padEnd(18)} ${n} rows`),
          ].join('\n'),
        );
      },
    );

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

  program
    .command('report')
    .description(
      'portfolio AR: aging, DSO (simple, countback, best possible), ADD, CEI, delinquency, recovery',
    )
    .option('--as-of <date>', 'the day to look from (default: today)', dateOption)
    .option('--by <dimension>', 'slice by owner, segment, payment_terms or currency', sliceOption)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--chart <file>', 'also draw the aging and DSO by slice as an SVG picture into this file')
    .option('--json', 'print the result as JSON', false)
    .action(
      async (options: {
        asOf?: CalendarDate;
        by?: SliceDimension;
        tenant?: TenantId;
        chart?: string;
        json: boolean;
      }) => {
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
            ...(options.chart !== undefined ? [`Chart written to ${path.resolve(options.chart)}`] : []),
          ].join('\n'),
        );
      },
    );

  program
    .command('pause')
    .description('pause automated collections for one account until a date (the escape hatch); audited')
    .argument('<customer_id>', 'billing customer id')
    .requiredOption('--reason <text>', 'why, for the audit trail and the account team')
    .requiredOption('--until <date>', 'last day of the pause (YYYY-MM-DD)', dateOption)
    .option('--by <who>', 'who pauses (for the audit trail)', 'cli')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(
      async (
        customerId: string,
        options: { reason: string; until: CalendarDate; by: string; tenant?: TenantId; json: boolean },
      ) => {
        const tenant = options.tenant ?? defaultTenant();
        const reason = options.reason.trim();
        if (reason === '') throw new UsageError('--reason must not be empty');
        if (options.until < todayUtc()) throw new UsageError(`--until ${options.until} is in the past`);
        const outcome = await withStore((store) =>
          store.pauseAutomation(tenant, customerId, {
            reason,
            until: options.until,
            actor: options.by,
            startedOn: todayUtc(),
          }),
        );
        if (outcome === 'unknown_customer')
          throw new UsageError(`unknown customer ${customerId} in tenant ${tenant}`);
        print(
          options,
          { ok: true, customerId, paused: { reason, until: options.until } },
          () => `Automation paused for ${customerId} until ${options.until}.`,
        );
      },
    );

  program
    .command('resume')
    .description('lift the automation pause of one account; audited')
    .argument('<customer_id>', 'billing customer id')
    .option('--by <who>', 'who resumes (for the audit trail)', 'cli')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (customerId: string, options: { by: string; tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const resumed = await withStore((store) =>
        store.resumeAutomation(tenant, customerId, options.by, todayUtc()),
      );
      print(options, { ok: true, customerId, resumed }, () =>
        resumed ? `Automation resumed for ${customerId}.` : `${customerId} was not paused.`,
      );
    });

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
    .action(
      async (options: { before?: CalendarDate; withDisputes: boolean; tenant?: TenantId; json: boolean }) => {
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
      },
    );

  registerRulesCommands(program);

  program
    .command('tasks')
    .description(
      'collections tasks recorded by the rules (until a CRM is connected, this is where they live)',
    )
    .option('--state <state>', 'open, completed or canceled', 'open')
    .option('--account <customer_id>', 'only this account')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { state: string; account?: string; tenant?: TenantId; json: boolean }) => {
      if (!['open', 'completed', 'canceled'].includes(options.state))
        throw new UsageError('--state must be open, completed or canceled');
      const tenant = options.tenant ?? defaultTenant();
      const tasks = await withStore((store) =>
        store.listTasks(tenant, {
          state: options.state as 'open' | 'completed' | 'canceled',
          ...(options.account ? { customerId: options.account } : {}),
        }),
      );
      print(options, { tenant, tasks }, () =>
        tasks.length === 0
          ? 'No tasks.'
          : tasks
              .map(
                (t) =>
                  `${t.dueOn}  ${t.priority.padEnd(6)} ${t.assignee.padEnd(14)} ${t.customerId.padEnd(14)} ${t.title}${t.tone ? ` [${t.tone}]` : ''}`,
              )
              .join('\n'),
      );
    });

  program
    .command('audit')
    .description(
      'the append-only audit log: rule sets, guardrails, pauses, tasks, accepted terms; newest first',
    )
    .option('--account <customer_id>', 'only events about this account')
    .option('--subject <subject>', 'only events about this subject, e.g. deal:D-77 or term-guardrails:2')
    .option('--limit <n>', 'at most this many events', positiveInteger(10000), 100)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(
      async (options: {
        account?: string;
        subject?: string;
        limit: number;
        tenant?: TenantId;
        json: boolean;
      }) => {
        const tenant = options.tenant ?? defaultTenant();
        const subject = options.subject ?? options.account;
        const events = await withStore((store) =>
          store.listEvents(tenant, {
            ...(subject ? { subject } : {}),
            limit: options.limit,
          }),
        );
        print(options, { tenant, events }, () =>
          events.length === 0
            ? 'No events.'
            : events
                .map(
                  (e) =>
                    `${e.occurredAt}  ${e.kind.padEnd(22)} ${(e.subject ?? '').padEnd(16)} ${e.actor}  ${JSON.stringify(e.payload)}`,
                )
                .join('\n'),
        );
      },
    );

  program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .option('--json', 'print the result as JSON', false)
    .action(async (options: Output) => {
      const kind = await withStore(async (store) => store.kind);
      print(options, { ok: true, store: kind }, () => `Schema is up to date (${kind}).`);
    });

  program
    .command('tenants')
    .description('list the tenants in the store with their row counts')
    .option('--json', 'print the result as JSON', false)
    .action(async (options: Output) => {
      const tenants = await withStore(async (store) => {
        const list = [];
        for (const tenant of await store.listTenants())
          list.push({ tenant, counts: await store.counts(tenant) });
        return list;
      });
      print(options, { tenants }, () =>
        tenants.length === 0
          ? 'No tenants yet: run `collections import <dir>` or `npm start` for demo data.'
          : tenants
              .map(
                ({ tenant, counts }) =>
                  `${tenant}: ${counts.customers} customers, ${counts.invoices} invoices, ${counts.payments} payments, ${counts.subscriptions} subscriptions, ${counts.disputes} disputes`,
              )
              .join('\n'),
      );
    });

  registerTermsCommands(program);
  registerSyncCommands(program);
  registerDeadLetterCommands(program);
  registerDoctorCommands(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    if (error instanceof CommanderError) {
      // Commander already printed usage errors; help and version exit 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      if (wantsJson) {
        const details = error instanceof UsageError ? error.details : { problems: error.problems };
        process.stdout.write(
          `${terminalSafe(JSON.stringify({ ok: false, error: error.message, ...(details as object) }, null, 2), { json: true })}\n`,
        );
      }
      process.stderr.write(`collections: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    // Data beyond what sums exactly is named, not a fault of this program to trace.
    const text =
      error instanceof MoneyRangeError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`collections: ${terminalSafe(text)}\n`);
    return 1;
  }
}

// `collections tasks | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
