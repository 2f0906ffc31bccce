import type { Connection } from 'jsforce';
import { IntegrationError, type CrmBulkWriter, type CrmWriteResult } from '../../ports/crm-gateway';
import { codeOf, toIntegrationError } from './errors';
import { SALESFORCE_FIELDS, SOBJECT, toSalesforceRecord, type SalesforceValue } from './fields';

/** One API call through the gateway's governor; `retries` bounds its own retries of passing failures. */
export type GovernedCall = <T>(request: () => Promise<T>, retries?: number) => Promise<T>;

export type BulkWriterOptions = {
  conn: Connection;
  call: GovernedCall;
  sleep: (ms: number) => Promise<void>;
  threshold: number;
  pollMs: number;
  timeoutMs: number;
  /** New jobs after an upload failed on the way (a job takes one upload). */
  maxRetries: number;
};

type JobInfo = { state: string; errorMessage?: string };
type Row = Record<string, string>;

function csvCell(value: SalesforceValue): string {
  if (value === null) return '#N/A'; // Bulk API 2.0's way of clearing a field
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const DONE = new Set(['JobComplete', 'Failed', 'Aborted']);

/**
 * Bulk API 2.0 update jobs. A job takes one upload (jsforce and Salesforce refuse a second), so an
 * upload that failed on the way is sent again in a new job and the first is aborted. The job is
 * polled through the governor (each check is an API call). A job Salesforce marks Failed or Aborted
 * is a failure of that job: what it wrote is settled, its other records go back to be sent again.
 */
export function createBulkWriter(options: BulkWriterOptions): CrmBulkWriter {
  const { conn, call } = options;

  const upload = async (object: string, csv: string): Promise<string> => {
    for (let attempt = 0; ; attempt += 1) {
      const job = conn.bulk2.createJob({ object, operation: 'update', lineEnding: 'LF' });
      await call(() => job.open());
      try {
        await call(() => job.uploadData(csv), 0);
        await call(() => job.close());
        return job.id as string;
      } catch (raw) {
        const error = toIntegrationError(raw);
        // A close that landed without its answer leaves a job that runs: it is waited for, never
        // uploaded again beside it (the older job could finish after newer writes and undo them).
        const state = await call(() => job.check(), 0)
          .then((info) => (info as unknown as JobInfo).state)
          .catch(() => undefined);
        if (state === 'UploadComplete' || state === 'InProgress' || state === 'JobComplete')
          return job.id as string;
        // Still open, the orphan may hold the data already: aborted, it never runs.
        await call(() => job.abort(), 0).catch(() => undefined);
        // An upload that failed without a verdict (jsforce cannot send a streamed body twice) is as
        // passing as a 5xx: the data goes again, in a new job.
        const again = error.code === 'temporary' || error.code === 'unknown';
        if (!again || attempt >= options.maxRetries) throw error;
        await options.sleep(Math.min(30000, 500 * 2 ** (attempt + 1)));
      }
    }
  };

  const waitFor = async (jobId: string): Promise<JobInfo> => {
    const job = conn.bulk2.job('ingest', { id: jobId });
    const polls = Math.max(1, Math.ceil(options.timeoutMs / options.pollMs));
    for (let poll = 0; poll < polls; poll += 1) {
      const info = (await call(() => job.check())) as unknown as JobInfo;
      if (DONE.has(info.state)) return info;
      await options.sleep(options.pollMs);
    }
    throw new IntegrationError(
      'salesforce',
      'temporary',
      `Bulk API job ${jobId} not finished after ${Math.round(options.timeoutMs / 1000)} s; the next sync waits for it again`,
    );
  };

  return {
    threshold: options.threshold,
    async start(type, updates) {
      const fields = [...new Set(updates.flatMap((entry) => Object.keys(entry.properties)))];
      const columns = fields.map((name) => {
        const mapping = SALESFORCE_FIELDS[type][name];
        if (mapping === undefined) throw new Error(`no Salesforce field for ${type}.${name}`);
        return mapping.field;
      });
      const lines = [['Id', ...columns].join(',')];
      for (const entry of updates) {
        const record = toSalesforceRecord(type, entry.properties);
        lines.push([entry.crmId, ...columns.map((column) => csvCell(record[column] ?? null))].join(','));
      }
      return upload(SOBJECT[type], `${lines.join('\n')}\n`);
    },

    async finish(jobId) {
      const info = await waitFor(jobId);
      const job = conn.bulk2.job('ingest', { id: jobId });
      const successful = (await call(() => job.getSuccessfulResults())) as unknown as Row[];
      const failedRows = (await call(() => job.getFailedResults())) as unknown as Row[];
      const failed: CrmWriteResult['failed'] = failedRows.map((row) => {
        const text = row['sf__Error'] ?? '';
        const [code] = text.split(':');
        return { crmId: row['Id'] || row['sf__Id'] || '', code: codeOf(code), message: text };
      });
      if (info.state !== 'JobComplete') {
        const unprocessed = (await call(() => job.getUnprocessedRecords())) as unknown as Row[];
        const why = `Bulk API job ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}`;
        for (const row of unprocessed)
          failed.push({ crmId: row['Id'] ?? '', code: 'temporary', message: why });
      }
      return { written: successful.map((row) => row['sf__Id'] || row['Id'] || ''), failed };
    },
  };
}
