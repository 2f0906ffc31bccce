import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { createCsvDatasetReader } from '../../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../../src/adapters/csv/dataset-writer';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { generateDemoDataset } from '../../src/use-cases/generate-demo-dataset';
import { importBook } from '../../src/use-cases/import-book';
import { formatProblem } from '../../src/use-cases/import-dataset';
import { todayUtc } from '../compose';
import { createProgress } from './progress';
import { importThroughServer } from './server-import';
import {
  dateOption,
  defaultTenant,
  positiveInteger,
  print,
  tenantOption,
  UsageError,
  withStore,
  type StoreServer,
} from './shared';

type ImportResult = Awaited<ReturnType<typeof importBook>>;
type Imported = Extract<ImportResult, { ok: true }>;

function seedOption(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a whole number ≥ 0');
  return number;
}

function rejectImport(result: Exclude<ImportResult, { ok: true }>): never {
  const more = result.problemCount - result.problems.length;
  throw new UsageError(
    `import rejected: ${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}, nothing was written\n` +
      result.problems.map(formatProblem).join('\n') +
      (more > 0 ? `\n… and ${more} more` : ''),
    result,
  );
}

function renderImport(result: Imported, tenant: TenantId, handedTo: StoreServer | undefined): string {
  const lines = Object.entries(result.rows).map(([file, rows]) => {
    const key = file.replace('.csv', '') as keyof typeof result.outcome.inserted;
    return `  ${file.padEnd(18)} ${String(rows).padStart(9)} rows  ${String(result.outcome.inserted[key]).padStart(9)} new  ${String(result.outcome.updated[key]).padStart(9)} updated`;
  });
  return [
    `Imported into tenant ${tenant}:`,
    ...lines,
    ...(result.outcome.createdCustomers > 0
      ? [`  ${result.outcome.createdCustomers} customers referenced by invoices were created without details`]
      : []),
    ...result.warnings.map((warning) => `warning: ${warning}`),
    ...(handedTo === undefined
      ? []
      : [`(imported by the running server, process ${handedTo.pid}, which owns the store)`]),
  ].join('\n');
}

function registerImport(program: Command): void {
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
      if (!result.ok) rejectImport(result);
      const via = handedTo === undefined ? {} : { via: { server: handedTo.url, pid: handedTo.pid } };
      print(options, { ...result, ...via }, () => renderImport(result, tenant, handedTo));
    });
}

type DemoDataOptions = { customers: number; seed: number; asOf?: CalendarDate; json: boolean };

async function writeDemoData(target: string, options: DemoDataOptions, asOf: CalendarDate) {
  const writer = await createCsvDatasetWriter(target);
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
  return rows;
}

function registerDemoData(program: Command): void {
  program
    .command('demo-data')
    .description('write a deterministic, realistic SaaS billing dataset in the import format')
    .argument('<dir>', 'folder to write the CSV files into (created if missing)')
    .option('--customers <n>', 'number of customers', positiveInteger(1_000_000), 400)
    .option('--seed <s>', 'random seed: the same seed gives the same bytes', seedOption, 42)
    .option('--as-of <date>', 'last day of the generated history (default: today)', dateOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string, options: DemoDataOptions) => {
      const target = path.resolve(dir);
      await mkdir(target, { recursive: true });
      const asOf = options.asOf ?? todayUtc();
      const rows = await writeDemoData(target, options, asOf);
      const result = { dir: target, seed: options.seed, asOf, rows };
      print(options, result, () =>
        [
          `Wrote ${target} (seed ${options.seed}, as of ${asOf}):`,
          ...Object.entries(rows).map(([file, n]) => `  ${file.padEnd(18)} ${n} rows`),
        ].join('\n'),
      );
    });
}

/** `import` and `demo-data`: datasets in the import format, into the store and out of the generator. */
export function registerImportCommands(program: Command): void {
  registerImport(program);
  registerDemoData(program);
}
