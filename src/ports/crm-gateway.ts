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

export type CrmTaskResult = {
  created: { key: string; crmTaskId: string }[];
  failed: { key: string; code: IntegrationErrorCode; message: string }[];
};

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
  readonly bulk?: CrmBulkWriter;
  /** The property group and properties the sync writes, created when missing. Idempotent. */
  ensureSchema(): Promise<{ created: string[]; existing: string[] }>;
  /** Updates records in batches (100 per call); failed records are retried one by one, then reported. */
  updateRecords(type: CrmObjectType, updates: readonly CrmUpdate[]): Promise<CrmWriteResult>;
  createTasks(tasks: readonly CrmTaskInput[]): Promise<CrmTaskResult>;
  completeTasks(crmTaskIds: readonly string[]): Promise<CrmWriteResult>;
  /** The CRM ids of tasks created with these keys, for creates whose answer never came back. */
  findTasks(tasks: readonly { key: string; companyId: string }[]): Promise<Map<string, string>>;
  stats(): CrmGatewayStats;
}
