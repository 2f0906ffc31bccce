/**
 * Bulk API 2.0 ingest jobs: create (Open) → upload one CSV → UploadComplete → (after a delay) InProgress →
 * records processed → JobComplete, with Salesforce's result CSVs. Jobs stay in memory for the emulator's
 * life, so a client can poll a job id again after restarting. The per-record work is delegated to the
 * emulator (`processRecord`), which applies store validation, lock faults and counters.
 */
import {
  formatDateTime,
  SalesforceError,
  NOT_FOUND_MESSAGE,
  type DmlOutcome,
  type RecordError,
} from './store';
import { fieldSpec, sobjectSpec, type FieldSpec, type SObjectSpec } from './schema';

export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
export type IngestJobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
export type ColumnDelimiter = 'COMMA' | 'TAB' | 'PIPE' | 'SEMICOLON' | 'CARET' | 'BACKQUOTE';

const DELIMITERS: Record<ColumnDelimiter, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};
const OPERATIONS: readonly BulkOperation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];

export interface IngestJob {
  id: string;
  object: string;
  spec: SObjectSpec;
  operation: BulkOperation;
  externalIdFieldName: string | null;
  externalIdField: FieldSpec | null;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: ColumnDelimiter;
  apiVersion: string;
  state: IngestJobState;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  /** The uploaded CSV (one upload per job). */
  data: string | null;
  header: string[];
  successful: string[][];
  failed: string[][];
  unprocessed: string[][];
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  errorMessage: string | null;
  totalProcessingTime: number;
}

/** Parses CSV (RFC 4180 quoting, LF or CRLF) into rows of cells. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let index = 0;
  const endCell = (): void => {
    row.push(cell);
    cell = '';
  };
  const endRow = (): void => {
    endCell();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (index < text.length) {
    const char = text.charAt(index);
    if (quoted) {
      if (char === '"') {
        if (text.charAt(index + 1) === '"') {
          cell += '"';
          index += 1;
        } else quoted = false;
      } else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === delimiter) endCell();
    else if (char === '\n') endRow();
    else if (char === '\r') {
      if (text.charAt(index + 1) !== '\n') endRow();
    } else cell += char;
    index += 1;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

/** Every cell quoted, like Salesforce's result files. */
export function toCsv(rows: readonly (readonly string[])[], delimiter = ',', lineEnding = '\n'): string {
  return rows
    .map((row) => row.map((cell) => `"${cell.replace(/"/g, '""')}"`).join(delimiter))
    .map((line) => line + lineEnding)
    .join('');
}

export function bulkErrorText(errors: readonly RecordError[]): string {
  return errors.map((error) => `${error.statusCode}:${error.message}:${error.fields.join(',')} --`).join(' ');
}

export interface BulkProcessor {
  /** Applies one CSV record (header → cell); `duplicate`: its external id appears twice in the upload. */
  processRecord(job: IngestJob, values: Record<string, string>, duplicate: boolean): DmlOutcome;
  /** Wraps processing of a job (stats). */
  jobFinished(job: IngestJob): void;
}

export interface BulkIngestOptions {
  now: () => number;
  nextId: () => string;
  userId: string;
  /** Delay before InProgress and again before JobComplete (real ms). */
  processingDelayMs: number;
  processor: BulkProcessor;
}

export class BulkIngest {
  private readonly jobs = new Map<string, IngestJob>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: BulkIngestOptions) {}

  set processingDelayMs(ms: number) {
    this.options.processingDelayMs = ms;
  }

  get processingDelayMs(): number {
    return this.options.processingDelayMs;
  }

  all(): IngestJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): IngestJob {
    const job = this.jobs.get(id);
    if (!job) throw new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
    return job;
  }

  find(id: string): IngestJob | undefined {
    return this.jobs.get(id);
  }

  /** `POST /jobs/ingest`. */
  create(body: unknown, version: string): IngestJob {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const object = typeof input.object === 'string' ? input.object : '';
    const spec = sobjectSpec(object);
    if (!spec) {
      throw new SalesforceError(400, 'INVALIDJOB', `InvalidJob : Invalid object: ${object || '<blank>'}`);
    }
    const operation = input.operation;
    if (typeof operation !== 'string' || !OPERATIONS.includes(operation as BulkOperation)) {
      throw new SalesforceError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(operation)}`);
    }
    const contentType = input.contentType ?? 'CSV';
    if (contentType !== 'CSV') {
      throw new SalesforceError(
        400,
        'INVALIDJOB',
        `InvalidJob : Invalid content type: ${String(contentType)}`,
      );
    }
    const delimiter = (input.columnDelimiter ?? 'COMMA') as ColumnDelimiter;
    if (!(delimiter in DELIMITERS)) {
      throw new SalesforceError(
        400,
        'INVALIDJOB',
        `InvalidJob : Invalid column delimiter: ${String(delimiter)}`,
      );
    }
    const lineEnding = input.lineEnding ?? 'LF';
    if (lineEnding !== 'LF' && lineEnding !== 'CRLF') {
      throw new SalesforceError(400, 'INVALIDJOB', `InvalidJob : Invalid line ending: ${String(lineEnding)}`);
    }
    let externalIdField: FieldSpec | null = null;
    const externalIdFieldName =
      typeof input.externalIdFieldName === 'string' ? input.externalIdFieldName : null;
    if (operation === 'upsert') {
      if (!externalIdFieldName) {
        throw new SalesforceError(
          400,
          'INVALIDJOB',
          `InvalidJob : External ID was blank for ${spec.name}. An External ID must be specified for upsert.`,
        );
      }
      externalIdField = fieldSpec(spec, externalIdFieldName) ?? null;
      if (!externalIdField || (externalIdField.type !== 'id' && !externalIdField.externalId)) {
        throw new SalesforceError(
          400,
          'INVALIDJOB',
          `InvalidJob : Field name provided, ${externalIdFieldName} is not an External ID or indexed field for ${spec.name}`,
        );
      }
    }
    const now = formatDateTime(this.options.now());
    const job: IngestJob = {
      id: this.options.nextId(),
      object: spec.name,
      spec,
      operation: operation as BulkOperation,
      externalIdFieldName: externalIdField?.name ?? null,
      externalIdField,
      lineEnding,
      columnDelimiter: delimiter,
      apiVersion: version,
      state: 'Open',
      createdById: this.options.userId,
      createdDate: now,
      systemModstamp: now,
      data: null,
      header: [],
      successful: [],
      failed: [],
      unprocessed: [],
      numberRecordsProcessed: 0,
      numberRecordsFailed: 0,
      errorMessage: null,
      totalProcessingTime: 0,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** `PUT /jobs/ingest/{id}/batches` (text/csv). */
  upload(id: string, csv: string): void {
    const job = this.get(id);
    if (job.state !== 'Open') {
      throw new SalesforceError(
        409,
        'INVALIDJOBSTATE',
        `Job ${id} is not in state Open (it is ${job.state})`,
      );
    }
    if (job.data !== null) {
      throw new SalesforceError(
        400,
        'INVALIDJOB',
        'InvalidJob : Only one data upload is allowed per job; create another job for more data',
      );
    }
    job.data = csv;
    this.touch(job);
  }

  /** `PATCH /jobs/ingest/{id}` with `{state}`. */
  setState(id: string, body: unknown): IngestJob {
    const job = this.get(id);
    const state =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>).state : undefined;
    if (state === 'UploadComplete') {
      if (job.state !== 'Open') {
        throw new SalesforceError(
          409,
          'INVALIDJOBSTATE',
          `Job ${id} is not in state Open (it is ${job.state})`,
        );
      }
      job.state = 'UploadComplete';
      this.touch(job);
      this.schedule(job);
      return job;
    }
    if (state === 'Aborted') {
      if (job.state !== 'Open' && job.state !== 'UploadComplete' && job.state !== 'InProgress') {
        throw new SalesforceError(409, 'INVALIDJOBSTATE', `Job ${id} can't be aborted in state ${job.state}`);
      }
      // Records of a job aborted before it ran are its unprocessed records (Bulk API 2.0 Developer
      // Guide, "Get Job Unprocessed Record Results").
      if ((job.state === 'Open' || job.state === 'UploadComplete') && job.data !== null) {
        const rows = parseCsv(job.data, DELIMITERS[job.columnDelimiter]);
        job.header = rows[0] ?? [];
        job.unprocessed = rows.slice(1);
      }
      job.state = 'Aborted';
      this.touch(job);
      return job;
    }
    throw new SalesforceError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}`);
  }

  /** `DELETE /jobs/ingest/{id}`: only finished (or aborted/closed) jobs. */
  delete(id: string): void {
    const job = this.get(id);
    if (job.state === 'Open' || job.state === 'InProgress') {
      throw new SalesforceError(409, 'INVALIDJOBSTATE', `Job ${id} can't be deleted in state ${job.state}`);
    }
    this.jobs.delete(id);
  }

  /** A job as `GET /jobs/ingest/{id}` answers it (`full`) or as create/close/list answer it. */
  info(job: IngestJob, full: boolean): Record<string, unknown> {
    const base: Record<string, unknown> = {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.createdById,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(job.apiVersion),
      contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
    };
    if (!full) return base;
    return {
      ...base,
      jobType: 'V2Ingest',
      numberRecordsProcessed: job.numberRecordsProcessed,
      numberRecordsFailed: job.numberRecordsFailed,
      retries: 0,
      totalProcessingTime: job.totalProcessingTime,
      apiActiveProcessingTime: job.totalProcessingTime,
      apexProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  /** `successfulResults` / `failedResults` / `unprocessedrecords` as CSV. */
  results(id: string, kind: 'successful' | 'failed' | 'unprocessed'): string {
    const job = this.get(id);
    const delimiter = DELIMITERS[job.columnDelimiter];
    const lineEnding = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const header =
      kind === 'successful'
        ? ['sf__Id', 'sf__Created', ...job.header]
        : kind === 'failed'
          ? ['sf__Id', 'sf__Error', ...job.header]
          : job.header;
    const rows = kind === 'successful' ? job.successful : kind === 'failed' ? job.failed : job.unprocessed;
    if (header.length === 0) return '';
    return toCsv([header, ...rows], delimiter, lineEnding);
  }

  /** Cancels pending processing timers (on close). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  clear(): void {
    this.stop();
    this.jobs.clear();
  }

  private touch(job: IngestJob): void {
    job.systemModstamp = formatDateTime(this.options.now());
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private schedule(job: IngestJob): void {
    const delay = this.options.processingDelayMs;
    this.later(delay, () => {
      if (job.state !== 'UploadComplete') return;
      job.state = 'InProgress';
      this.touch(job);
      const started = Date.now();
      this.process(job);
      job.totalProcessingTime = Date.now() - started;
      this.later(delay, () => {
        if (job.state !== 'InProgress') return;
        job.state = job.errorMessage ? 'Failed' : 'JobComplete';
        this.touch(job);
        this.options.processor.jobFinished(job);
      });
    });
  }

  private process(job: IngestJob): void {
    if (job.data === null || job.data.trim() === '') {
      job.errorMessage = 'InvalidBatch : No data was uploaded for this job';
      return;
    }
    const rows = parseCsv(job.data, DELIMITERS[job.columnDelimiter]);
    const header = rows[0] ?? [];
    job.header = header;
    const body = rows.slice(1);
    const fail = (message: string): void => {
      job.errorMessage = message;
      job.unprocessed = body;
    };
    for (const column of header) {
      if (!fieldSpec(job.spec, column)) return fail(`InvalidBatch : Field name not found : ${column}`);
    }
    const has = (name: string): boolean =>
      header.some((column) => column.toLowerCase() === name.toLowerCase());
    if (
      (job.operation === 'update' || job.operation === 'delete' || job.operation === 'hardDelete') &&
      !has('Id')
    ) {
      return fail(`InvalidBatch : Field name not found : Id`);
    }
    if (job.operation === 'upsert' && job.externalIdFieldName && !has(job.externalIdFieldName)) {
      return fail(`InvalidBatch : Field name not found : ${job.externalIdFieldName}`);
    }
    const extColumn =
      job.operation === 'upsert' && job.externalIdField
        ? header.findIndex((column) => column.toLowerCase() === job.externalIdField?.name.toLowerCase())
        : -1;
    const extKey = (cells: string[]): string => {
      const value = cells[extColumn] ?? '';
      return job.externalIdField?.caseSensitive ? value : value.toLowerCase();
    };
    const seen = new Map<string, number>();
    if (extColumn >= 0) for (const cells of body) seen.set(extKey(cells), (seen.get(extKey(cells)) ?? 0) + 1);
    for (const cells of body) {
      const values: Record<string, string> = {};
      header.forEach((column, index) => {
        values[column] = cells[index] ?? '';
      });
      const duplicate = extColumn >= 0 && extKey(cells) !== '' && (seen.get(extKey(cells)) ?? 0) > 1;
      const outcome = this.options.processor.processRecord(job, values, duplicate);
      job.numberRecordsProcessed += 1;
      if (outcome.success) {
        job.successful.push([outcome.id, String(outcome.created), ...cells]);
      } else {
        job.numberRecordsFailed += 1;
        job.failed.push([outcome.id ?? '', bulkErrorText(outcome.errors), ...cells]);
      }
    }
  }
}
