import { Connection } from 'jsforce';
import {
  IntegrationError,
  type CrmBulkWriter,
  type CrmGateway,
  type CrmGatewayStats,
  type CrmObjectType,
  type CrmTaskResult,
  type CrmWriteResult,
} from '../../ports/crm-gateway';
import { codeOf, REQUEST_LIMIT_BACKOFF_MS, toIntegrationError } from './errors';
import {
  SALESFORCE_API_VERSION,
  SALESFORCE_FIELDS,
  SOBJECT,
  TASK_KEY_FIELD,
  toSalesforceRecord,
  type SalesforceValue,
} from './fields';

/** Our part of the org's daily API allocation, which every integration in the org shares. */
export type SalesforceBudget = {
  /** The most of the org's daily allocation our syncs may use (0.1 = 10 %). */
  share: number;
  /** When the org as a whole has used this much of its allocation, our sync pauses (0.8 = 80 %). */
  orgPauseAt: number;
  /** Requests our syncs of this org made in the last 24 hours. */
  usedToday: () => Promise<number>;
  record: (requests: number) => Promise<void>;
};

export type SalesforceGatewayOptions = {
  instanceUrl: string;
  accessToken: string;
  /**
   * A fresh access token after Salesforce answered INVALID_SESSION_ID. The caller does the refresh
   * (refresh-token rotation, one at a time per org); jsforce repeats the request once.
   */
  refresh?: () => Promise<string>;
  version?: string;
  /** Requests in flight at once for this org. */
  maxInFlight?: number;
  budget?: SalesforceBudget;
  /** From this many changed records on, writes go through Bulk API 2.0. */
  bulkThreshold?: number;
  bulkPollMs?: number;
  bulkTimeoutMs?: number;
  /** Retries of 503s, timeouts, dropped connections; and of records locked by another transaction. */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
};

/** sObject Collections take 200 records per call. */
const COLLECTION = 200;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type SaveResult = {
  id?: string | null;
  success: boolean;
  errors?: { errorCode?: string; statusCode?: string; message?: string }[];
};

function firstError(result: SaveResult): { code: string | undefined; message: string } {
  const error = result.errors?.[0];
  return {
    code: error?.errorCode ?? error?.statusCode,
    message: error?.message ?? 'not saved',
  };
}

function csvCell(value: SalesforceValue): string {
  if (value === null) return '#N/A'; // Bulk API 2.0's way of clearing a field
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Salesforce through jsforce: account and opportunity fields written with sObject Collections (200
 * per call, allOrNone false, per-record errors; locked rows retried alone with jittered backoff) or
 * Bulk API 2.0 for large changes; tasks upserted by their key (never duplicated); a budget governor
 * that keeps to our share of the org's daily allocation and pauses when the org runs hot.
 */
export function createSalesforceGateway(options: SalesforceGatewayOptions): CrmGateway {
  const sleep = options.sleep ?? defaultSleep;
  const refresh = options.refresh;
  // A session refused again right after a refresh will not be fixed by another one: stop (reconnect).
  let lastRefreshAt = 0;
  const conn = new Connection({
    instanceUrl: options.instanceUrl,
    accessToken: options.accessToken,
    version: options.version ?? SALESFORCE_API_VERSION,
    ...(refresh === undefined
      ? {}
      : {
          refreshFn: (connection, callback) => {
            if (Date.now() - lastRefreshAt < 10000) {
              callback(new Error('INVALID_SESSION_ID again right after a refresh'));
              return;
            }
            lastRefreshAt = Date.now();
            refresh().then(
              (token) => {
                connection.accessToken = token;
                callback(null, token);
              },
              (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
            );
          },
        }),
  });
  conn.bulk2.pollInterval = options.bulkPollMs ?? 2000;
  conn.bulk2.pollTimeout = options.bulkTimeoutMs ?? 30 * 60 * 1000;
  const stats: CrmGatewayStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };
  const maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  const maxRetries = options.maxRetries ?? 4;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let usedBefore: number | undefined;
  let orgLimit: number | undefined;

  const enter = async (): Promise<void> => {
    if (inFlight < maxInFlight) {
      inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const leave = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else inFlight -= 1;
  };

  /** Before each request: our share of the day, then the org's overall use. */
  const govern = async (): Promise<void> => {
    const budget = options.budget;
    if (budget === undefined) return;
    if (orgLimit === undefined) {
      const limits = (await conn.limits()) as { DailyApiRequests?: { Max: number; Remaining: number } };
      stats.requests += 1;
      orgLimit = limits.DailyApiRequests?.Max ?? 0;
      await budget.record(1);
    }
    usedBefore ??= await budget.usedToday();
    const limit = conn.limitInfo.apiUsage?.limit ?? orgLimit;
    const share = Math.floor(limit * budget.share);
    if (usedBefore >= share)
      throw new IntegrationError(
        'salesforce',
        'daily_limit',
        `our share of the org's daily API allocation is used (${usedBefore} of ${share}: ${Math.round(budget.share * 100)} % of ${limit})`,
        REQUEST_LIMIT_BACKOFF_MS,
      );
    const orgUsed = conn.limitInfo.apiUsage?.used;
    if (orgUsed !== undefined && limit > 0 && orgUsed / limit >= budget.orgPauseAt)
      throw new IntegrationError(
        'salesforce',
        'daily_limit',
        `the org has used ${Math.round((orgUsed / limit) * 100)} % of its daily API allocation (pause at ${Math.round(budget.orgPauseAt * 100)} %)`,
        REQUEST_LIMIT_BACKOFF_MS,
      );
  };

  /** One API call under the governor and the in-flight cap; 503s and network failures back off. */
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    let failures = 0;
    for (;;) {
      await enter();
      try {
        await govern();
        stats.requests += 1;
        if (options.budget !== undefined) {
          usedBefore = (usedBefore ?? 0) + 1;
          await options.budget.record(1);
        }
        return await request();
      } catch (raw) {
        const error = toIntegrationError(raw);
        if (error.code === 'daily_limit') stats.rateLimited += 1;
        if (error.code !== 'temporary' || failures >= maxRetries) throw error;
        failures += 1;
        stats.retries += 1;
        const wait = Math.min(30000, 500 * 2 ** failures) * (0.5 + Math.random() / 2);
        stats.waitedMs += wait;
        await sleep(wait);
      } finally {
        leave();
      }
    }
  };

  const chunks = <T>(items: readonly T[], size = COLLECTION): T[][] => {
    const out: T[][] = [];
    for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
    return out;
  };

  /**
   * One collection call; records another transaction holds (UNABLE_TO_LOCK_ROW) are sent again on
   * their own after a jittered pause; other record errors are reported with their code.
   */
  const saveAll = async (
    records: readonly { key: string; record: Record<string, SalesforceValue> }[],
    save: (batch: Record<string, SalesforceValue>[]) => Promise<SaveResult[]>,
  ): Promise<{ saved: { key: string; id: string }[]; failed: CrmWriteResult['failed'] }> => {
    const saved: { key: string; id: string }[] = [];
    const failed: CrmWriteResult['failed'] = [];
    for (const batch of chunks(records)) {
      let pending = batch;
      for (let round = 0; pending.length > 0; round += 1) {
        const sent = pending;
        const results = await call(() => save(sent.map((entry) => entry.record)));
        const locked: typeof pending = [];
        sent.forEach((entry, index) => {
          const result = results[index];
          if (result?.success === true) {
            saved.push({ key: entry.key, id: String(result.id ?? entry.key) });
            return;
          }
          const error = result === undefined ? { code: undefined, message: 'no result' } : firstError(result);
          if (error.code === 'UNABLE_TO_LOCK_ROW' && round < maxRetries) locked.push(entry);
          else failed.push({ crmId: entry.key, code: codeOf(error.code), message: error.message });
        });
        if (locked.length > 0) {
          stats.retries += locked.length;
          const wait = Math.min(10000, 250 * 2 ** round) * (0.5 + Math.random());
          stats.waitedMs += wait;
          await sleep(wait);
        }
        // Locked rows are retried alone, so one busy row does not hold the others back again.
        pending = [];
        for (const entry of locked) {
          const [single] = await call(() => save([entry.record]));
          if (single?.success === true) saved.push({ key: entry.key, id: String(single.id ?? entry.key) });
          else if (single !== undefined && firstError(single).code === 'UNABLE_TO_LOCK_ROW')
            pending.push(entry);
          else {
            const error =
              single === undefined ? { code: undefined, message: 'no result' } : firstError(single);
            failed.push({ crmId: entry.key, code: codeOf(error.code), message: error.message });
          }
        }
      }
    }
    return { saved, failed };
  };

  const update = (type: CrmObjectType) => (batch: Record<string, SalesforceValue>[]) =>
    conn.sobject(SOBJECT[type]).update(batch as never, { allOrNone: false }) as unknown as Promise<
      SaveResult[]
    >;

  const resolveOwners = async (assignees: readonly string[]): Promise<Map<string, string>> => {
    const owners = new Map<string, string>();
    const emails: string[] = [];
    for (const assignee of new Set(assignees)) {
      if (/^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(assignee)) owners.set(assignee, assignee);
      else if (/^[^@\s']+@[^@\s']+$/.test(assignee)) emails.push(assignee);
    }
    for (const batch of chunks(emails, 100)) {
      try {
        const list = batch.map((email) => `'${email}'`).join(', ');
        const found = await call(
          async () =>
            (await conn.query(
              `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${list})`,
            )) as unknown as { records: { Id: string; Email: string }[] },
        );
        for (const user of found.records) owners.set(user.Email.toLowerCase(), user.Id);
      } catch (raw) {
        // Without read access to users, tasks go to the integration user (the owner by default).
        const { code } = toIntegrationError(raw);
        if (code !== 'invalid' && code !== 'missing_permission') throw raw;
      }
    }
    return owners;
  };

  const bulk: CrmBulkWriter = {
    threshold: options.bulkThreshold ?? 2000,
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
      const job = conn.bulk2.createJob({ object: SOBJECT[type], operation: 'update', lineEnding: 'LF' });
      await call(() => job.open());
      await call(() => job.uploadData(`${lines.join('\n')}\n`));
      await call(() => job.close());
      return job.id as string;
    },
    async finish(jobId) {
      const job = conn.bulk2.job('ingest', { id: jobId });
      await call(() => job.poll());
      const successful = (await call(() => job.getSuccessfulResults())) as unknown as Record<
        string,
        string
      >[];
      const failedRows = (await call(() => job.getFailedResults())) as unknown as Record<string, string>[];
      return {
        written: successful.map((row) => row['sf__Id'] || row['Id'] || ''),
        failed: failedRows.map((row) => {
          const text = row['sf__Error'] ?? '';
          const [code] = text.split(':');
          return { crmId: row['Id'] || row['sf__Id'] || '', code: codeOf(code), message: text };
        }),
      };
    },
  };

  return {
    name: 'salesforce',
    batchSize: COLLECTION,
    bulk,

    /** The fields come with the package an admin deploys: this checks they are there and writable. */
    async ensureSchema() {
      const existing: string[] = [];
      const missing: string[] = [];
      const wanted: [string, string[]][] = [
        ['Account', Object.values(SALESFORCE_FIELDS.companies).map((field) => field.field)],
        ['Opportunity', Object.values(SALESFORCE_FIELDS.deals).map((field) => field.field)],
        ['Task', [TASK_KEY_FIELD]],
      ];
      for (const [object, fields] of wanted) {
        const described = await call(() => conn.sobject(object).describe());
        const names = new Set(described.fields.map((field) => field.name));
        for (const field of fields) (names.has(field) ? existing : missing).push(`${object}.${field}`);
      }
      if (missing.length > 0)
        throw new IntegrationError(
          'salesforce',
          'missing_permission',
          `the collections package is not deployed, or the integration user lacks the Collections_Integration permission set: missing ${missing.join(', ')}`,
        );
      return { created: [], existing };
    },

    async updateRecords(type, updates) {
      const result = await saveAll(
        updates.map((entry) => ({
          key: entry.crmId,
          record: { Id: entry.crmId, ...toSalesforceRecord(type, entry.properties) },
        })),
        update(type),
      );
      return { written: result.saved.map((entry) => entry.key), failed: result.failed };
    },

    async createTasks(tasks) {
      const owners = await resolveOwners(
        tasks.flatMap((task) => (task.assignee == null ? [] : [task.assignee])),
      );
      // Upserted by their key: a create whose answer was lost is the same task when sent again.
      const result = await saveAll(
        tasks.map((task) => {
          const owner =
            task.assignee == null
              ? undefined
              : (owners.get(task.assignee.toLowerCase()) ?? owners.get(task.assignee));
          return {
            key: task.key,
            record: {
              [TASK_KEY_FIELD]: task.key,
              Subject: task.subject.slice(0, 255),
              Description: task.body,
              ActivityDate: new Date(task.dueMs).toISOString().slice(0, 10),
              Priority: task.priority === 'HIGH' ? 'High' : task.priority === 'LOW' ? 'Low' : 'Normal',
              Status: 'Not Started',
              WhatId: task.companyId,
              ...(owner === undefined ? {} : { OwnerId: owner }),
            },
          };
        }),
        (batch) =>
          conn
            .sobject('Task')
            .upsert(batch as never, TASK_KEY_FIELD, { allOrNone: false }) as unknown as Promise<SaveResult[]>,
      );
      const out: CrmTaskResult = {
        created: result.saved.map((entry) => ({ key: entry.key, crmTaskId: entry.id })),
        failed: result.failed.map((entry) => ({
          key: entry.crmId,
          code: entry.code,
          message: entry.message,
        })),
      };
      return out;
    },

    async findTasks(tasks) {
      const found = new Map<string, string>();
      for (const batch of chunks(
        tasks.map((task) => task.key),
        100,
      )) {
        // Keys are ours, but quoted as SOQL requires all the same.
        const list = batch.map((key) => `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
        const result = await call(
          async () =>
            (await conn.query(
              `SELECT Id, ${TASK_KEY_FIELD} FROM Task WHERE ${TASK_KEY_FIELD} IN (${list})`,
            )) as unknown as { records: Record<string, string>[] },
        );
        for (const record of result.records) {
          const key = record[TASK_KEY_FIELD];
          if (key !== undefined && record['Id'] !== undefined) found.set(key, record['Id']);
        }
      }
      return found;
    },

    async completeTasks(ids) {
      const result = await saveAll(
        ids.map((id) => ({ key: id, record: { Id: id, Status: 'Completed' } })),
        (batch) =>
          conn.sobject('Task').update(batch as never, { allOrNone: false }) as unknown as Promise<
            SaveResult[]
          >,
      );
      return { written: result.saved.map((entry) => entry.key), failed: result.failed };
    },

    stats: () => ({ ...stats }),
  };
}
