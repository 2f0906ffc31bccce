/**
 * A CRM (HubSpot) seen by the sync: a schema to ensure, records to update in batches, tasks to create
 * and complete. Every failure becomes one of a closed set of codes, and one function decides what
 * happens next.
 */
export type IntegrationErrorCode =
  | 'rate_limited'
  | 'daily_limit'
  | 'temporary'
  | 'unauthorized'
  | 'missing_permission'
  | 'not_found'
  | 'invalid'
  | 'unknown';

export class IntegrationError extends Error {
  constructor(
    readonly provider: string,
    readonly code: IntegrationErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** The permissions the CRM named as missing (a 403 for scopes the installation was not granted). */
    readonly missingScopes?: readonly string[],
  ) {
    super(message);
    this.name = 'IntegrationError';
  }
}

export type FailureAction = 'retry' | 'pause_until_tomorrow' | 'reconnect' | 'skip_record' | 'give_up';

/** The one place that maps a failure to what the sync does next. */
export function classifyFailure(error: unknown): FailureAction {
  return error instanceof IntegrationError ? actionFor(error.code) : 'give_up';
}

/** What the sync does next after a failure with this code (a whole call's, or one record's). */
export function actionFor(code: IntegrationErrorCode): FailureAction {
  switch (code) {
    case 'rate_limited':
    case 'temporary':
      return 'retry';
    case 'daily_limit':
      return 'pause_until_tomorrow';
    case 'unauthorized':
    case 'missing_permission':
      return 'reconnect';
    case 'not_found':
    case 'invalid':
      return 'skip_record';
    case 'unknown':
      return 'give_up';
  }
}

export type CrmObjectType = 'companies' | 'deals';

export type CrmUpdate = { crmId: string; properties: Record<string, string> };

export type CrmWriteResult = {
  written: string[];
  failed: { crmId: string; code: IntegrationErrorCode; message: string }[];
};

/** An invoice as the CRM lists it under its company (Salesforce: `Collections_Invoice__c`). */
export type CrmInvoice = {
  invoiceId: string;
  companyId: string;
  currency: string;
  amountMinor: number;
  outstandingMinor: number;
  issuedOn: string;
  dueOn: string;
  paidOn: string | null;
  daysPastDue: number;
  status: 'open' | 'paid' | 'void' | 'disputed';
};

export type CrmTaskInput = {
  /** Our task id: the CRM task is created once per key. */
  key: string;
  companyId: string;
  subject: string;
  body: string;
  /** Due, as epoch milliseconds (the CRM's timestamp). */
  dueMs: number;
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  /** Who the task is for (a CRM user's e-mail or id, or a queue name); the CRM's default owner otherwise. */
  assignee?: string | null;
  /** A create may have been sent before (by a sync that did not finish): look for it before creating. */
  mayExist?: boolean;
};

/** Why a task's assignee could not be found in the CRM. */
export type TaskOwnerFallbackReason =
  /** The role needs configuration this deployment lacks (who the CSM or the finance queue is). */
  | 'role_not_configured'
  /** Nobody holds the role on the account (no CSM on its team or in its lookup, no owner). */
  | 'nobody_in_role'
  /** The named or found user is not an active user of the CRM. */
  | 'user_not_active'
  /** The integration user may not read the users or team members that say who it is. */
  | 'not_readable';

/** A task given to someone else than its rule's assignee. */
export type CrmTaskOwnerFallback = {
  key: string;
  assignee: string;
  reason: TaskOwnerFallbackReason;
  /** Who took it: the configured finance user, or the CRM's default owner (the integration user). */
  ownedBy: 'finance_user' | 'integration_user';
};

/** A property or group install could not create, and what a CRM admin must do about it. */
export type CrmSchemaBlock = { name: string; problem: string; fix: string };

export type CrmSchemaResult = { created: string[]; existing: string[]; blocked?: CrmSchemaBlock[] };

export type CrmTaskReassignment = { crmTaskId: string; companyId: string; assignee: string };

export type CrmTaskResult = {
  /** `ownerId`: the CRM user the task was given (its resolved assignee), when it was given one. */
  created: { key: string; crmTaskId: string; ownerId?: string }[];
  failed: { key: string; code: IntegrationErrorCode; message: string }[];
  /** Created tasks whose assignee could not be found, and who took them instead. */
  ownerFallbacks?: CrmTaskOwnerFallback[];
};

/** A company property whose values are CRM users (HubSpot: `referencedObjectType: 'OWNER'`). */
export type CrmOwnerProperty = { name: string; label: string };

export type CrmGatewayStats = {
  requests: number;
  rateLimited: number;
  retries: number;
  waitedMs: number;
};

/** A bulk path for many records (Salesforce Bulk API 2.0): a job started once, finished even after a crash. */
export interface CrmBulkWriter {
  /** From this many changed records on, the sync writes through the bulk path. */
  readonly threshold: number;
  /** Uploads the records and starts the job; the job id is kept by the caller to resume. */
  start(type: CrmObjectType, updates: readonly CrmUpdate[]): Promise<string>;
  /** Waits for the job and reports which records were written and which failed. */
  finish(jobId: string): Promise<CrmWriteResult>;
}

export interface CrmGateway {
  readonly name: string;
  /** Records per write call (HubSpot 100, Salesforce 200). */
  readonly batchSize: number;
  /**
   * Write calls the sync keeps open at once (default 4): answers take hundreds of milliseconds, so
   * enough of them must be on their way to use the whole rate limit.
   */
  readonly writeConcurrency?: number;
  readonly bulk?: CrmBulkWriter;
  /** The property group and properties the sync writes, created when missing. Idempotent. */
  ensureSchema(): Promise<CrmSchemaResult>;
  /** Updates records in batches (100 per call); failed records are retried one by one, then reported. */
  updateRecords(type: CrmObjectType, updates: readonly CrmUpdate[]): Promise<CrmWriteResult>;
  createTasks(tasks: readonly CrmTaskInput[]): Promise<CrmTaskResult>;
  completeTasks(crmTaskIds: readonly string[]): Promise<CrmWriteResult>;
  /** Upserts invoices under their companies, by invoice id (results name the invoice ids). */
  writeInvoices?(invoices: readonly CrmInvoice[]): Promise<CrmWriteResult>;
  /**
   * Who each open task's assignee means now, by CRM task id, resolved as at creation (companies read
   * in batches); tasks whose assignee resolves to nobody are left out.
   */
  taskOwners?(tasks: readonly CrmTaskReassignment[]): Promise<Map<string, string>>;
  /** Gives tasks to these CRM users, in batches. Results name the CRM task ids. */
  setTaskOwners?(owners: readonly { crmTaskId: string; ownerId: string }[]): Promise<CrmWriteResult>;
  /** The company properties that hold a CRM user, for an admin to say which one names the CSM. */
  ownerProperties?(): Promise<CrmOwnerProperty[]>;
  /**
   * The company a deal is associated with: its primary company when one is labelled so, else the first;
   * null when it has none. CRMs whose calls name the company themselves leave it out.
   */
  companyOfDeal?(dealId: string): Promise<string | null>;
  /** The CRM ids of tasks created with these keys, for creates whose answer never came back. */
  findTasks(tasks: readonly { key: string; companyId: string }[]): Promise<Map<string, string>>;
  stats(): CrmGatewayStats;
}
