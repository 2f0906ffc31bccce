import type { AuditLog } from './audit-log';
import type { AutomationStore } from './automation';
import type { CardStore } from './cards';
import type { CrmActionCalls } from './crm-action-calls';
import type { CrmInstallations } from './crm-installations';
import type { CrmOwnerSettingsStore } from './crm-owner-settings';
import type { CrmRecordFailures } from './crm-record-failures';
import type { CrmSyncStore } from './crm-sync';
import type { CustomerDirectory } from './customer-directory';
import type { CustomerTags } from './customer-tags';
import type { LedgerStore } from './ledger';
import type { PortfolioSnapshotStore } from './portfolio-snapshots';
import type { PromiseStore } from './promises';
import type { RiskModelStore } from './risk-models';
import type { RuleSimulations } from './rule-simulations';
import type { SourceSyncStore } from './source-sync';
import type { TaskStore } from './tasks';
import type { TermsStore } from './terms';

export type { AuditEvent, AuditLog } from './audit-log';
export type { AutomationStore, RuleSetActivation, RuleSetVersion } from './automation';
export type { CardStore, StoredAccountCard, WorklistPage, WorklistQuery } from './cards';
export type { CrmInstallation, CrmInstallations } from './crm-installations';
export type { CrmBulkJob, CrmCompany, CrmSyncState, CrmSyncStore, UnmappedCustomer } from './crm-sync';
export type {
  CrmMappingConflict,
  DatasetFile,
  EntityCounts,
  ImportOutcome,
  ImportSession,
  LedgerStore,
  Lined,
  RowProblem,
} from './ledger';
export type { RiskModelStore } from './risk-models';
export type { SourceSyncStore, StoredWebhookEvent, SyncCursor, WebhookFailure } from './source-sync';
export type { AutomationMemory, StoredTask, TaskStore } from './tasks';
export type { StoredTermAcceptance, TermAcceptance, TermsStore } from './terms';

/**
 * Everything the service keeps, as one store the composition root opens, migrates and closes. Use cases
 * ask for the ports they use, never for this sum.
 */
export interface CollectionsStore
  extends
    LedgerStore,
    AutomationStore,
    TaskStore,
    TermsStore,
    SourceSyncStore,
    CrmSyncStore,
    CrmInstallations,
    CardStore,
    AuditLog,
    RiskModelStore,
    RuleSimulations,
    CrmRecordFailures,
    CustomerDirectory,
    CrmOwnerSettingsStore,
    PortfolioSnapshotStore,
    PromiseStore,
    CustomerTags,
    CrmActionCalls {
  readonly kind: 'pglite' | 'postgres';
  /** Applies pending versioned migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
