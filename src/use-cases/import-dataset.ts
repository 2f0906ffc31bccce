import type { TenantId } from '../domain/model';
import type { CurrencyCode } from '../domain/money';
import { nulPosition, quoteValue } from '../domain/text';
import { DatasetSyntaxError, type DatasetReader, type RawFile, type RawRecord } from '../ports/dataset';
import type {
  DatasetFile,
  ImportOutcome,
  ImportSession,
  LedgerStore,
  Lined,
  RowProblem,
} from '../ports/ledger';
import {
  DATASET_COLUMNS,
  parseCustomerRow,
  parseDisputeRow,
  parseInvoiceRow,
  parsePaymentRow,
  parseSubscriptionRow,
  type ParsedRow,
} from './dataset-rows';

/** Files in the order they are read: later files refer to rows of earlier ones. */
export const DATASET_FILES: readonly DatasetFile[] = [
  'customers.csv',
  'subscriptions.csv',
  'invoices.csv',
  'payments.csv',
  'disputes.csv',
];

export type ImportProgress = { file: DatasetFile; rows: number; bytesRead: number; bytesTotal: number };

export type ImportOptions = {
  tenant: TenantId;
  /** Rows per staging batch. */
  batchSize?: number;
  /** At most this many problems are listed; the rest are counted. */
  maxProblems?: number;
  onProgress?: (progress: ImportProgress) => void;
};

export type ImportResult =
  | {
      ok: true;
      tenant: TenantId;
      rows: Record<DatasetFile, number>;
      outcome: ImportOutcome;
      warnings: string[];
    }
  | {
      ok: false;
      tenant: TenantId;
      problems: RowProblem[];
      problemCount: number;
      warnings: string[];
    };

type FileHandler = {
  /** Rows whose parsing needs the referenced invoice's currency. */
  needsInvoiceCurrency: boolean;
  parse(values: RawRecord['values'], invoiceCurrency: CurrencyCode | undefined): ParsedRow<unknown>;
  stage(session: ImportSession, rows: Lined<unknown>[]): Promise<void>;
};

const HANDLERS: Readonly<Record<DatasetFile, FileHandler>> = {
  'customers.csv': {
    needsInvoiceCurrency: false,
    parse: (values) => parseCustomerRow(values),
    stage: (session, rows) => session.stageCustomers(rows as Parameters<ImportSession['stageCustomers']>[0]),
  },
  'subscriptions.csv': {
    needsInvoiceCurrency: false,
    parse: (values) => parseSubscriptionRow(values),
    stage: (session, rows) =>
      session.stageSubscriptions(rows as Parameters<ImportSession['stageSubscriptions']>[0]),
  },
  'invoices.csv': {
    needsInvoiceCurrency: false,
    parse: (values) => parseInvoiceRow(values),
    stage: (session, rows) => session.stageInvoices(rows as Parameters<ImportSession['stageInvoices']>[0]),
  },
  'payments.csv': {
    needsInvoiceCurrency: true,
    parse: (values, currency) => parsePaymentRow(values, currency),
    stage: (session, rows) => session.stagePayments(rows as Parameters<ImportSession['stagePayments']>[0]),
  },
  'disputes.csv': {
    needsInvoiceCurrency: true,
    parse: (values, currency) => parseDisputeRow(values, currency),
    stage: (session, rows) => session.stageDisputes(rows as Parameters<ImportSession['stageDisputes']>[0]),
  },
};

class ProblemList {
  readonly listed: RowProblem[] = [];
  count = 0;

  constructor(private readonly max: number) {}

  add(problem: RowProblem): void {
    this.count += 1;
    if (this.listed.length < this.max) this.listed.push(problem);
  }
}

function checkHeader(file: DatasetFile, raw: RawFile, problems: ProblemList, warnings: string[]): boolean {
  const { required, optional } = DATASET_COLUMNS[file];
  const present = new Set(raw.header);
  let ok = true;
  for (const column of required) {
    if (!present.has(column)) {
      problems.add({ file, line: 1, column, message: 'required column is missing from the header' });
      ok = false;
    }
  }
  const seen = new Set<string>();
  for (const column of raw.header) {
    if (seen.has(column)) {
      problems.add({ file, line: 1, column, message: 'column appears twice in the header' });
      ok = false;
    }
    seen.add(column);
    if (!required.includes(column) && !optional.includes(column)) {
      warnings.push(`${file}: column ${quoteValue(column)} is not part of the format and was ignored`);
    }
  }
  return ok;
}

/** No text column can store NUL: such a cell is a problem of its row, not a failure of the import. */
function hasNul(file: DatasetFile, record: RawRecord, problems: ProblemList): boolean {
  let found = false;
  for (const [column, value] of Object.entries(record.values)) {
    const at = nulPosition(value);
    if (at < 0) continue;
    found = true;
    problems.add({
      file,
      line: record.line,
      column,
      message: `contains a NUL character (at position ${at + 1})`,
    });
  }
  return found;
}

async function importFile(
  file: DatasetFile,
  raw: RawFile,
  session: ImportSession,
  problems: ProblemList,
  options: { batchSize: number; report: (rows: number) => void },
): Promise<number> {
  const handler = HANDLERS[file];
  const width = raw.header.length;
  let pending: RawRecord[] = [];
  let rows = 0;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    let currencies: Map<string, string> | undefined;
    if (handler.needsInvoiceCurrency) {
      const ids = [...new Set(batch.map((record) => record.values['invoice_id'] ?? ''))];
      currencies = await session.invoiceCurrencies(ids.filter((id) => id !== ''));
    }
    const staged: Lined<unknown>[] = [];
    for (const record of batch) {
      if (record.cellCount !== width) {
        problems.add({
          file,
          line: record.line,
          column: '(row)',
          message: `has ${record.cellCount} cells, the header has ${width}`,
        });
        continue;
      }
      if (hasNul(file, record, problems)) continue;
      const currency = currencies?.get(record.values['invoice_id'] ?? '') as CurrencyCode | undefined;
      const parsed = handler.parse(record.values, currency);
      if (parsed.ok) staged.push({ line: record.line, row: parsed.row });
      else for (const problem of parsed.problems) problems.add({ file, line: record.line, ...problem });
    }
    // Once anything is wrong nothing will be written: keep validating, stop staging.
    if (problems.count === 0) await handler.stage(session, staged);
    options.report(rows);
  };

  for await (const record of raw.records) {
    rows += 1;
    pending.push(record);
    if (pending.length >= options.batchSize) await flush();
  }
  await flush();
  return rows;
}

/**
 * Imports a dataset folder for one tenant, all or nothing: every row is validated and staged in one
 * transaction; any bad row (or bad reference) rolls it back and is reported as file:line: column.
 * Re-importing the same ids updates rows in place.
 */
export async function importDataset(
  store: LedgerStore,
  reader: DatasetReader,
  options: ImportOptions,
): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 5000;
  const problems = new ProblemList(options.maxProblems ?? 1000);
  const warnings: string[] = [];
  const rows = Object.fromEntries(DATASET_FILES.map((file) => [file, 0])) as Record<DatasetFile, number>;

  const files: [DatasetFile, RawFile][] = [];
  for (const file of DATASET_FILES) {
    let raw: RawFile | undefined;
    try {
      raw = await reader.open(file);
    } catch (error) {
      if (!(error instanceof DatasetSyntaxError)) throw error;
      problems.add({ file, line: error.line, column: error.column, message: error.detail });
      continue;
    }
    if (raw === undefined) {
      if (file === 'invoices.csv') {
        problems.add({
          file,
          line: 0,
          column: '(file)',
          message: 'invoices.csv is required and was not found',
        });
      }
      continue;
    }
    if (checkHeader(file, raw, problems, warnings)) files.push([file, raw]);
  }
  if (problems.count > 0) {
    return {
      ok: false,
      tenant: options.tenant,
      problems: problems.listed,
      problemCount: problems.count,
      warnings,
    };
  }

  const bytesTotal = files.reduce((sum, [, raw]) => sum + raw.sizeBytes, 0);
  let bytesBefore = 0;
  const session = await store.beginImport(options.tenant);
  let settled = false;
  try {
    for (const [file, raw] of files) {
      const report = (count: number): void =>
        options.onProgress?.({ file, rows: count, bytesRead: bytesBefore + raw.bytesRead(), bytesTotal });
      try {
        rows[file] = await importFile(file, raw, session, problems, { batchSize, report });
      } catch (error) {
        if (!(error instanceof DatasetSyntaxError)) throw error;
        problems.add({ file, line: error.line, column: error.column, message: error.detail });
      }
      bytesBefore += raw.sizeBytes;
    }
    if (problems.count === 0) {
      for (const problem of await session.findReferenceProblems(problems.listed.length + 1000)) {
        problems.add(problem);
      }
    }
    if (problems.count > 0) {
      settled = true;
      await session.rollback();
      return {
        ok: false,
        tenant: options.tenant,
        problems: problems.listed,
        problemCount: problems.count,
        warnings,
      };
    }
    const outcome = await session.commit();
    settled = true;
    return { ok: true, tenant: options.tenant, rows, outcome, warnings };
  } finally {
    // After a failure the original error matters more than one from the rollback.
    if (!settled) await session.rollback().catch(() => undefined);
  }
}

export function formatProblem(problem: RowProblem): string {
  return `${problem.file}:${problem.line}: ${problem.column}: ${problem.message}`;
}
