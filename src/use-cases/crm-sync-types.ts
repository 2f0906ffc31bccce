import type { RiskTiers } from '../domain/risk/risk-model';
import type { IntegrationErrorCode } from '../ports/crm-gateway';
import type { CrmRecordFailures } from '../ports/crm-record-failures';
import type { CrmSyncStore } from '../ports/crm-sync';
import type { TermsStore } from '../ports/terms';
import type { CardPorts } from './account-card';

/** What a sync to a CRM reads and keeps, beside the cards it computes. */
export type CrmSyncPorts = CardPorts & TermsStore & CrmSyncStore & CrmRecordFailures;

export type CrmSyncReport = {
  crm: string;
  accounts: number;
  mapped: number;
  changed: number;
  written: number;
  failed: { crmId: string; code: string; message: string }[];
  tasksCreated: number;
  tasksCompleted: number;
  /** Open tasks given to someone else: their company's owner or CSM changed (CRMs that say so). */
  tasksReassigned: number;
  /** Accepted payment terms written to their deals. */
  dealsWritten: number;
  /** Invoices written under their companies (CRMs that list them: Salesforce). */
  invoicesWritten: number;
  /** Bulk jobs finished by this sync (one started before a restart, then this sync's own). */
  bulkJobs: string[];
  /** Accounts whose records or tasks the CRM refused for now (a locked row, a 5xx): to sync again. */
  retryLater: string[];
  /** Accounts not sent: the CRM refused this same content for good, or too often (see the doctor). */
  needsAttention: number;
  /** Set when the sync stopped early: the CRM's daily limit, or credentials to renew. */
  stopped: {
    /** The CRM's failure (the gateway's closed set). */
    code: IntegrationErrorCode;
    reason: string;
    action: string;
    kind: 'limit' | 'reconnect';
    retryAfterMs?: number;
    /** The permissions the CRM said are missing: the installation needs them granted. */
    missingScopes?: readonly string[];
  } | null;
  apiRequests: number;
  rateLimited: number;
};

export type CrmSyncOptions = {
  riskTiers?: RiskTiers;
  renewalWindowDays?: number;
  /** Only these accounts (after billing changes); every account when absent. */
  customerIds?: readonly string[];
  /** Accounts a sync that did not finish worked on: their task creates may have landed. */
  unfinished?: readonly string[];
  /** Called with the accounts whose tasks are about to be created in the CRM, before any is sent. */
  beforeCreatingTasks?: (customerIds: readonly string[]) => Promise<void>;
  onProgress?: (accounts: number) => void;
};
