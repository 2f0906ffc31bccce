import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../../src/adapters/csv/dataset-writer';
import type { CalendarDate } from '../../src/domain/dates';
import type { Customer, TenantId } from '../../src/domain/model';
import { DEFAULT_RULE_SET } from '../../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../../src/domain/rules/rule-set';
import type { CollectionsStore } from '../../src/ports/store';
import { runCollectionsRules } from '../../src/use-cases/collections-rules';
import { generateDemoDataset } from '../../src/use-cases/generate-demo-dataset';
import { importDataset } from '../../src/use-cases/import-dataset';
import { refitTenantRiskModel } from '../../src/use-cases/payment-risk';
import type { HubspotEmulator } from '../emulators/hubspot/emulator';

/**
 * A demo book of 60 accounts whose mapped customers have a company in the emulator, imported with
 * the default rules run, so a sync has records to write and tasks to create. Returns the company ids.
 */
export async function seedHubspotBook(
  hs: HubspotEmulator,
  store: CollectionsStore,
  tenant: TenantId,
  asOf: CalendarDate,
  /** The rules run over the book (default: the default rule set). */
  rules: unknown = DEFAULT_RULE_SET,
): Promise<string[]> {
  const companies: string[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-book-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const entry of generateDemoDataset({ customers: 60, seed: 4, asOf })) {
      const customer = entry.row as Customer;
      if (entry.file === 'customers.csv' && customer.crmCompanyId !== null) {
        const id = hs.createCompany({ name: customer.name ?? customer.customerId });
        companies.push(id);
        await writer.write({ ...entry, row: { ...customer, crmCompanyId: id } });
      } else await writer.write(entry);
    }
    await writer.close();
    const imported = await importDataset(store, createCsvDatasetReader(dir), { tenant });
    if (!imported.ok) throw new Error('import failed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await refitTenantRiskModel(store, tenant, asOf);
  const ruleSet = validateRuleSet(rules);
  if (!ruleSet.ok) throw new Error('invalid rule set');
  await runCollectionsRules(store, tenant, ruleSet.ruleSet, null, asOf);
  return companies;
}
