import { Client } from '@hubspot/api-client';
import {
  IntegrationError,
  type CrmGateway,
  type CrmGatewayStats,
  type CrmObjectType,
  type CrmTaskResult,
  type CrmUpdate,
  type CrmWriteResult,
  type IntegrationErrorCode,
} from '../../ports/crm-gateway';
import { COLLECTIONS_GROUP, PROPERTIES } from './properties';

export type HubspotGatewayOptions = {
  accessToken: string;
  /** For a local emulator: `http://127.0.0.1:PORT`. */
  basePath?: string;
  /** The portal's budget: 110 requests / 10 s for marketplace apps. */
  rateLimit?: { requests: number; windowMs: number };
  /** Retries of 5xx, timeouts and dropped connections (429s wait their Retry-After and do not count). */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
};

const BATCH = 100;
const WINDOW_MARGIN_MS = 150;
const TASK_TO_COMPANY = 192;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type ApiError = { code?: number; body?: unknown; headers?: Record<string, string>; message?: string };

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function bodyField(body: unknown, field: string): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  const value = (parsed as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** HubSpot's SDK errors → the closed set of codes. */
export function toIntegrationError(error: unknown): IntegrationError {
  if (error instanceof IntegrationError) return error;
  const e = error as ApiError;
  const status = typeof e.code === 'number' ? e.code : undefined;
  const message = bodyField(e.body, 'message') ?? e.message ?? 'HubSpot request failed';
  let code: IntegrationErrorCode = 'unknown';
  let retryAfterMs: number | undefined;
  if (status === 429) {
    const policy = bodyField(e.body, 'policyName') ?? '';
    code = policy.toUpperCase() === 'DAILY' ? 'daily_limit' : 'rate_limited';
    const seconds = Number(headerOf(e.headers, 'retry-after'));
    retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
  } else if (status === 401) code = 'unauthorized';
  else if (status === 403) code = 'missing_permission';
  else if (status === 404) code = 'not_found';
  else if (status === 400 || status === 409 || status === 422) code = 'invalid';
  else if (status === undefined || status >= 500) code = 'temporary';
  return new IntegrationError('hubspot', code, message, retryAfterMs);
}

/**
 * HubSpot through the official SDK: a per-portal sliding-window limiter keeps under the budget, 429s
 * wait their Retry-After (the SDK's own retries ignore it), 5xx and network failures back off and
 * retry, and a daily limit stops the sync at once.
 */
export function createHubspotGateway(options: HubspotGatewayOptions): CrmGateway {
  const client = new Client({
    accessToken: options.accessToken,
    numberOfApiCallRetries: 0,
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
  });
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const budget = options.rateLimit ?? { requests: 110, windowMs: 10000 };
  const sent: number[] = [];
  const stats: CrmGatewayStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };

  const slot = async (): Promise<void> => {
    for (;;) {
      const t = now();
      // A margin over the window: our clock and HubSpot's never agree to the millisecond.
      while (sent.length > 0 && (sent[0] as number) <= t - budget.windowMs - WINDOW_MARGIN_MS) sent.shift();
      // Two requests of headroom: the SDK may hold a request a moment after it was counted here.
      if (sent.length < Math.max(1, budget.requests - 2)) {
        sent.push(t);
        return;
      }
      const wait = (sent[0] as number) + budget.windowMs + WINDOW_MARGIN_MS - t + 1;
      stats.waitedMs += wait;
      await sleep(wait);
    }
  };

  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    let failures = 0;
    for (;;) {
      await slot();
      stats.requests += 1;
      try {
        return await request();
      } catch (raw) {
        const error = toIntegrationError(raw);
        if (error.code === 'rate_limited') {
          stats.rateLimited += 1;
          const wait = error.retryAfterMs ?? 1000;
          stats.waitedMs += wait;
          await sleep(wait);
          continue;
        }
        if (error.code === 'temporary' && failures < (options.maxRetries ?? 4)) {
          failures += 1;
          stats.retries += 1;
          const wait = Math.min(30000, 500 * 2 ** failures) * (0.5 + Math.random() / 2);
          stats.waitedMs += wait;
          await sleep(wait);
          continue;
        }
        throw error;
      }
    }
  };

  const chunks = <T>(items: readonly T[]): T[][] => {
    const out: T[][] = [];
    for (let index = 0; index < items.length; index += BATCH) out.push(items.slice(index, index + BATCH));
    return out;
  };

  const api = (type: CrmObjectType | 'tasks') =>
    type === 'companies'
      ? client.crm.companies
      : type === 'deals'
        ? client.crm.deals
        : client.crm.objects.tasks;

  /** One batch; on a 207 or a batch-level rejection the records that failed are written one by one. */
  const updateBatch = async (
    type: CrmObjectType | 'tasks',
    batch: readonly CrmUpdate[],
  ): Promise<CrmWriteResult> => {
    const result: CrmWriteResult = { written: [], failed: [] };
    let retryOneByOne: CrmUpdate[] = [];
    try {
      const response = await call(() =>
        api(type).batchApi.update({
          inputs: batch.map((update) => ({ id: update.crmId, properties: update.properties })),
        }),
      );
      const ok = new Set(response.results.map((record) => record.id));
      for (const update of batch) {
        if (ok.has(update.crmId)) result.written.push(update.crmId);
        else retryOneByOne.push(update);
      }
    } catch (raw) {
      const error = toIntegrationError(raw);
      if (error.code !== 'invalid' && error.code !== 'not_found') throw error;
      retryOneByOne = [...batch];
    }
    for (const update of retryOneByOne) {
      try {
        await call(() => api(type).basicApi.update(update.crmId, { properties: update.properties }));
        result.written.push(update.crmId);
      } catch (raw) {
        const error = toIntegrationError(raw);
        if (error.code !== 'invalid' && error.code !== 'not_found') throw error;
        result.failed.push({ crmId: update.crmId, code: error.code, message: error.message });
      }
    }
    return result;
  };

  const updateAll = async (
    type: CrmObjectType | 'tasks',
    updates: readonly CrmUpdate[],
  ): Promise<CrmWriteResult> => {
    const total: CrmWriteResult = { written: [], failed: [] };
    for (const batch of chunks(updates)) {
      const result = await updateBatch(type, batch);
      total.written.push(...result.written);
      total.failed.push(...result.failed);
    }
    return total;
  };

  return {
    name: 'hubspot',

    async ensureSchema() {
      const created: string[] = [];
      const existing: string[] = [];
      for (const objectType of ['companies', 'deals'] as const) {
        const groups = await call(() => client.crm.properties.groupsApi.getAll(objectType));
        if (groups.results.some((group) => group.name === COLLECTIONS_GROUP.name))
          existing.push(`${objectType}:group`);
        else {
          await call(() => client.crm.properties.groupsApi.create(objectType, { ...COLLECTIONS_GROUP }));
          created.push(`${objectType}:group`);
        }
        const properties = await call(() => client.crm.properties.coreApi.getAll(objectType));
        const names = new Set(properties.results.map((property) => property.name));
        for (const property of PROPERTIES[objectType]) {
          if (names.has(property.name)) {
            existing.push(`${objectType}.${property.name}`);
            continue;
          }
          await call(() =>
            client.crm.properties.coreApi.create(objectType, {
              ...property,
              groupName: COLLECTIONS_GROUP.name,
            } as Parameters<typeof client.crm.properties.coreApi.create>[1]),
          );
          created.push(`${objectType}.${property.name}`);
        }
      }
      return { created, existing };
    },

    updateRecords: (type, updates) => updateAll(type, updates),

    async createTasks(tasks) {
      const result: CrmTaskResult = { created: [], failed: [] };
      for (const batch of chunks(tasks)) {
        const inputs = batch.map((task) => ({
          properties: {
            hs_task_subject: task.subject,
            hs_task_body: task.body,
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: task.priority,
            hs_timestamp: String(task.dueMs),
          },
          associations: [
            {
              to: { id: task.companyId },
              types: [
                { associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId: TASK_TO_COMPANY },
              ],
            },
          ],
        }));
        try {
          const response = await call(() =>
            client.crm.objects.tasks.batchApi.create({ inputs } as Parameters<
              typeof client.crm.objects.tasks.batchApi.create
            >[0]),
          );
          // Results are not promised in input order: match them on what was written (HubSpot returns
          // timestamps reformatted, so subject and body only).
          const fingerprint = (p: Record<string, string | null | undefined>) =>
            `${p['hs_task_subject'] ?? ''}\u0000${p['hs_task_body'] ?? ''}`;
          const byFingerprint = new Map<string, string[]>();
          for (const record of response.results) {
            const key = fingerprint(record.properties);
            byFingerprint.set(key, [...(byFingerprint.get(key) ?? []), record.id]);
          }
          for (const task of batch) {
            const id = byFingerprint
              .get(fingerprint({ hs_task_subject: task.subject, hs_task_body: task.body }))
              ?.shift();
            if (id === undefined)
              result.failed.push({ key: task.key, code: 'invalid', message: 'not created' });
            else result.created.push({ key: task.key, crmTaskId: id });
          }
        } catch (raw) {
          const error = toIntegrationError(raw);
          if (error.code !== 'invalid' && error.code !== 'not_found') throw error;
          for (const task of batch)
            result.failed.push({ key: task.key, code: error.code, message: error.message });
        }
      }
      return result;
    },

    completeTasks: (ids) =>
      updateAll(
        'tasks',
        ids.map((crmId) => ({ crmId, properties: { hs_task_status: 'COMPLETED' } })),
      ),

    stats: () => ({ ...stats }),
  };
}
