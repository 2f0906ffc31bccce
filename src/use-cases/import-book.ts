import type { CalendarDate } from '../domain/dates';
import type { DatasetReader } from '../ports/dataset';
import type { LedgerStore } from '../ports/ledger';
import type { RiskModelStore } from '../ports/risk-models';
import type { TermsStore } from '../ports/terms';
import { importDataset, type ImportOptions, type ImportResult } from './import-dataset';
import { refitTenantRiskModel, type PromiseReader } from './payment-risk';

/**
 * A dataset folder imported all or nothing, then the tenant's payment-risk model refitted on its new
 * history: the same work whether the CLI opens the store itself or hands it to the running server.
 */
export async function importBook(
  store: LedgerStore & PromiseReader & RiskModelStore & TermsStore,
  reader: DatasetReader,
  options: ImportOptions & { today: CalendarDate },
): Promise<ImportResult> {
  const { today, ...importOptions } = options;
  const imported = await importDataset(store, reader, importOptions);
  if (imported.ok) await refitTenantRiskModel(store, importOptions.tenant, today);
  return imported;
}
