import { AsyncLocalStorage } from 'node:async_hooks';
import { Connection } from 'jsforce';
import {
  IntegrationError,
  type CrmGateway,
  type CrmGatewayStats,
  type CrmObjectType,
  type CrmTaskResult,
  type CrmWriteResult,
} from '../../ports/crm-gateway';
import { formatMinorAsDecimal, type CurrencyCode } from '../../domain/money';
import { createBulkWriter } from './bulk-writer';
import { createTaskOwners, type SalesforceTaskOwners } from './task-owners';
import {
  codeOf,
  REQUEST_LIMIT_BACKOFF_MS,
  toIntegrationError,
  type ApiUsage,
  type FailedResponse,
} from './errors';
import {
  SALESFORCE_API_VERSION,
  SALESFORCE_FIELDS,
  SOBJECT,
  INVOICE_KEY_FIELD,
  INVOICE_OBJECT,
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
  /** Who the rules' roles (account owner, CSM, finance queue) are in this org. */
  taskOwners?: SalesforceTaskOwners;
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
  const stats: CrmGatewayStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };
  const maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  const maxRetries = options.maxRetries ?? 4;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let usedBefore: number | undefined;
  /** The org's usage from the `Sforce-Limit-Info` header Salesforce puts on every API response. */
  let usage: ApiUsage | undefined;
  /** `/limits` answers only users with View Setup and Configuration: once refused, the header is enough. */
  let limitsRefused = false;
  // jsforce's errors carry no HTTP status and its Bulk API 2.0 calls bypass `conn.limitInfo`, so every
  // response is looked at where it arrives; the status goes to the call that is waiting for it.
  const waitingCall = new AsyncLocalStorage<FailedResponse>();
  const transport = conn._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (request, requestOptions) => {
    const sent = send(request, requestOptions);
    const slot = waitingCall.getStore();
    sent.then(
      (response) => {
        if (slot !== undefined) slot.status = response.statusCode;
        const header = /api-usage=(\d+)\/(\d+)/.exec(String(response.headers['sforce-limit-info'] ?? ''));
        if (header !== null) usage = { used: Number(header[1]), limit: Number(header[2]) };
      },
      () => undefined,
    );
    return sent;
  };

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

  /**
   * Before the first response there is no header: ask `/limits` if the user may, otherwise send the
   * first request blind (its answer carries the usage).
   */
  const readUsage = async (budget: SalesforceBudget): Promise<ApiUsage | undefined> => {
    if (usage !== undefined || limitsRefused) return usage;
    const slot: FailedResponse = {};
    try {
      stats.requests += 1;
      await budget.record(1);
      const limits = (await waitingCall.run(slot, () => conn.limits())) as {
        DailyApiRequests?: { Max: number; Remaining: number };
      };
      const daily = limits.DailyApiRequests;
      if (usage === undefined && daily !== undefined)
        usage = { used: daily.Max - daily.Remaining, limit: daily.Max };
    } catch (raw) {
      if (toIntegrationError(raw, slot).code !== 'missing_permission') throw raw;
      limitsRefused = true;
    }
    return usage;
  };

  /** Before each request: our share of the day, then the org's overall use. */
  const govern = async (): Promise<void> => {
    const budget = options.budget;
    if (budget === undefined) return;
    const known = await readUsage(budget);
    usedBefore ??= await budget.usedToday();
    if (known === undefined) return;
    const limit = known.limit;
    const share = Math.floor(limit * budget.share);
    if (usedBefore >= share)
      throw new IntegrationError(
        'salesforce',
        'daily_limit',
        `our share of the org's daily API allocation is used (${usedBefore} of ${share}: ${Math.round(budget.share * 100)} % of ${limit})`,
        REQUEST_LIMIT_BACKOFF_MS,
      );
    const orgUsed = known.used;
    if (limit > 0 && orgUsed / limit >= budget.orgPauseAt)
      throw new IntegrationError(
        'salesforce',
        'daily_limit',
        `the org has used ${Math.round((orgUsed / limit) * 100)} % of its daily API allocation (pause at ${Math.round(budget.orgPauseAt * 100)} %)`,
        REQUEST_LIMIT_BACKOFF_MS,
      );
  };

  /**
   * One API call under the governor and the in-flight cap; 503s, network failures and the
   * concurrent-request limit back off, a bounded number of times.
   */
  const call = async <T>(request: () => Promise<T>, retries = maxRetries): Promise<T> => {
    let failures = 0;
    for (;;) {
      await enter();
      const slot: FailedResponse = {};
      try {
        await govern();
        stats.requests += 1;
        if (options.budget !== undefined) {
          usedBefore = (usedBefore ?? 0) + 1;
          await options.budget.record(1);
        }
        return await waitingCall.run(slot, request);
      } catch (raw) {
        const error = toIntegrationError(raw, { ...slot, ...(usage === undefined ? {} : { usage }) });
        if (error.code === 'daily_limit' || error.code === 'rate_limited') stats.rateLimited += 1;
        const repeatable = error.code === 'temporary' || error.code === 'rate_limited';
        if (!repeatable || failures >= retries) throw error;
        failures += 1;
        stats.retries += 1;
        const backoff = Math.min(30000, 500 * 2 ** failures) * (0.5 + Math.random() / 2);
        const wait = Math.max(backoff, error.retryAfterMs ?? 0);
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
    /** Records that already exist are not sent again (an upsert would overwrite what people changed). */
    existing?: (keys: readonly string[]) => Promise<Map<string, string>>,
  ): Promise<{ saved: { key: string; id: string }[]; failed: CrmWriteResult['failed'] }> => {
    type Entry = (typeof records)[number];
    const saved: { key: string; id: string }[] = [];
    const failed: CrmWriteResult['failed'] = [];
    const notSaved = async (entries: Entry[]): Promise<Entry[]> => {
      if (existing === undefined || entries.length === 0) return entries;
      const found = await existing(entries.map((entry) => entry.key));
      for (const entry of entries) {
        const id = found.get(entry.key);
        if (id !== undefined) saved.push({ key: entry.key, id });
      }
      return entries.filter((entry) => !found.has(entry.key));
    };
    for (const batch of chunks(records)) {
      let pending = batch;
      for (let round = 0; pending.length > 0; round += 1) {
        if (round > 0) pending = await notSaved(pending);
        if (pending.length === 0) break;
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
        for (const entry of await notSaved(locked)) {
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

  const ownersOf = createTaskOwners(conn, call, options.taskOwners);

  /** Tasks by our key → their Salesforce id, for the keys that exist. */
  const findTaskIds = async (keys: readonly string[]): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    for (const batch of chunks(keys, 100)) {
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
  };

  const bulk = createBulkWriter({
    conn,
    call,
    sleep,
    threshold: options.bulkThreshold ?? 2000,
    pollMs: options.bulkPollMs ?? 2000,
    timeoutMs: options.bulkTimeoutMs ?? 30 * 60 * 1000,
    maxRetries,
  });

  return {
    name: 'salesforce',
    batchSize: COLLECTION,
    bulk,

    /**
     * The fields come with the package an admin deploys: this checks they are there and that the
     * integration user may update them (describe's `updateable` follows field-level security).
     */
    async ensureSchema() {
      const existing: string[] = [];
      const missing: string[] = [];
      const readOnly: string[] = [];
      const wanted: [string, string[]][] = [
        ['Account', Object.values(SALESFORCE_FIELDS.companies).map((field) => field.field)],
        ['Opportunity', Object.values(SALESFORCE_FIELDS.deals).map((field) => field.field)],
        ['Task', [TASK_KEY_FIELD]],
      ];
      for (const [object, fields] of wanted) {
        const described = await call(() => conn.sobject(object).describe());
        const byName = new Map(described.fields.map((field) => [field.name, field]));
        for (const name of fields) {
          const field = byName.get(name);
          if (field === undefined) missing.push(`${object}.${name}`);
          else if (!field.updateable) readOnly.push(`${object}.${name}`);
          else existing.push(`${object}.${name}`);
        }
      }
      if (missing.length > 0)
        throw new IntegrationError(
          'salesforce',
          'missing_permission',
          `the collections package is not deployed, or the integration user lacks the Collections_Integration permission set: missing ${missing.join(', ')}`,
        );
      if (readOnly.length > 0)
        throw new IntegrationError(
          'salesforce',
          'missing_permission',
          `the integration user may read but not update ${readOnly.join(', ')}: assign it the Collections_Integration permission set (field-level security)`,
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
      // Upserted by their key: a create whose answer was lost is the same task when sent again. A task
      // that may have been created before, or whose upsert is tried again, is looked up first: sent
      // again, the upsert would reopen a task someone completed and take it back from its new owner.
      const maybeSent = tasks.filter((task) => task.mayExist === true).map((task) => task.key);
      const existing = maybeSent.length === 0 ? new Map<string, string>() : await findTaskIds(maybeSent);
      const { owners, fallbacks } = await ownersOf(tasks.filter((task) => !existing.has(task.key)));
      const result = await saveAll(
        tasks
          .filter((task) => !existing.has(task.key))
          .map((task) => {
            const owner = owners.get(task.key);
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
        findTaskIds,
      );
      const out: CrmTaskResult = {
        created: [
          ...[...existing].map(([key, crmTaskId]) => ({ key, crmTaskId })),
          ...result.saved.map((entry) => ({ key: entry.key, crmTaskId: entry.id })),
        ],
        failed: result.failed.map((entry) => ({
          key: entry.crmId,
          code: entry.code,
          message: entry.message,
        })),
      };
      const created = new Set(result.saved.map((entry) => entry.key));
      const fellBack = fallbacks.filter((entry) => created.has(entry.key));
      if (fellBack.length > 0) out.ownerFallbacks = fellBack;
      return out;
    },

    findTasks: (tasks) => findTaskIds(tasks.map((task) => task.key)),

    async writeInvoices(invoices) {
      const money = (minor: number, currency: string) =>
        Number(formatMinorAsDecimal(minor, currency.toUpperCase() as CurrencyCode));
      const result = await saveAll(
        invoices.map((invoice) => ({
          key: invoice.invoiceId,
          record: {
            [INVOICE_KEY_FIELD]: invoice.invoiceId,
            Account__c: invoice.companyId,
            Amount__c: money(invoice.amountMinor, invoice.currency),
            Outstanding__c: money(invoice.outstandingMinor, invoice.currency),
            Currency__c: invoice.currency.toUpperCase().slice(0, 3),
            Issued_On__c: invoice.issuedOn,
            Due_On__c: invoice.dueOn,
            Paid_On__c: invoice.paidOn,
            Days_Past_Due__c: invoice.daysPastDue,
            Status__c: invoice.status,
          },
        })),
        (batch) =>
          conn
            .sobject(INVOICE_OBJECT)
            .upsert(batch as never, INVOICE_KEY_FIELD, { allOrNone: false }) as unknown as Promise<
            SaveResult[]
          >,
      );
      return { written: result.saved.map((entry) => entry.key), failed: result.failed };
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
