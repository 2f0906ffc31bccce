import type { CollectionsStore } from '../../ports/store';
import { auditLog } from './audit-log';
import { automationStore } from './automation';
import { cardStore } from './cards';
import { crmActionCalls } from './crm-action-calls';
import { crmInstallations } from './crm-installations';
import { crmOwnerSettings } from './crm-owner-settings';
import { crmRecordFailures } from './crm-record-failures';
import { crmSyncStore } from './crm-sync-state';
import { customerDirectory } from './customer-directory';
import { customerTags } from './customer-tags';
import { ledgerStore } from './ledger';
import { applyMigrations } from './migrations';
import { portfolioSnapshots } from './portfolio-snapshots';
import { promiseStore } from './promises';
import { riskModelStore } from './risk-models';
import { ruleSimulations } from './rule-simulations';
import { sourceSyncStore } from './source-sync-state';
import type { SqlClient } from './sql-client';
import { taskStore } from './tasks';
import { termsStore } from './terms';

/** The CollectionsStore over any SQL client: both engines run exactly this SQL. */
export function createSqlStore(client: SqlClient): CollectionsStore {
  return {
    kind: client.kind,
    migrate: () => applyMigrations(client),
    async ping(): Promise<void> {
      await client.query('SELECT 1');
    },
    close: () => client.close(),

    ...ledgerStore(client),
    ...automationStore(client),
    ...taskStore(client),
    ...termsStore(client),
    ...sourceSyncStore(client),
    ...crmSyncStore(client),
    ...crmInstallations(client),
    ...cardStore(client),
    ...auditLog(client),
    ...riskModelStore(client),
    ...ruleSimulations(client),
    ...crmRecordFailures(client),
    ...crmOwnerSettings(client),
    ...customerDirectory(client),
    ...customerTags(client),
    ...portfolioSnapshots(client),
    ...promiseStore(client),
    ...crmActionCalls(client),
  };
}
