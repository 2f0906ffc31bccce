import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { DatasetReader, DatasetWriter } from '../ports/dataset';
import type { LedgerStore } from '../ports/ledger';
import { generateDemoDataset } from './generate-demo-dataset';
import { formatProblem, importDataset, type ImportResult } from './import-dataset';

export type DemoDatasetRequest = { tenant: TenantId; customers: number; seed: number; asOf: CalendarDate };

export type DemoDatasetDeps = {
  store: LedgerStore;
  /** A fresh dataset folder: the generated CSV files go through the same import as a customer's. */
  writer: DatasetWriter;
  reader: DatasetReader;
};

/** Writes a generated book as a dataset folder and imports it, exactly as a customer's export would be. */
export async function loadDemoDataset(
  deps: DemoDatasetDeps,
  request: DemoDatasetRequest,
): Promise<Extract<ImportResult, { ok: true }>> {
  for await (const row of generateDemoDataset({
    customers: request.customers,
    seed: request.seed,
    asOf: request.asOf,
  })) {
    await deps.writer.write(row);
  }
  await deps.writer.close();
  const result = await importDataset(deps.store, deps.reader, { tenant: request.tenant });
  if (!result.ok) {
    // The generator and the importer disagree: a bug, never bad user input.
    throw new Error(
      `demo dataset rejected by the importer: ${result.problems.slice(0, 3).map(formatProblem).join('; ')}`,
    );
  }
  return result;
}

/** An empty tenant gets demo data in "auto" mode; "always" reloads it (upsert, so nothing doubles). */
export async function shouldLoadDemoData(
  store: LedgerStore,
  tenant: TenantId,
  mode: 'auto' | 'always' | 'never',
  hasBillingCredentials: boolean,
): Promise<boolean> {
  if (mode === 'never') return false;
  if (mode === 'always') return true;
  if (hasBillingCredentials) return false;
  const counts = await store.counts(tenant);
  return counts.invoices === 0;
}
