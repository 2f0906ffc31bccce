import { Client } from '@hubspot/api-client';
import {
  IntegrationError,
  type CrmGateway,
  type CrmGatewayStats,
  type CrmObjectType,
  type CrmSchemaBlock,
  type CrmTaskInput,
  type CrmTaskReassignment,
  type CrmTaskResult,
  type CrmUpdate,
  type CrmWriteResult,
  type IntegrationErrorCode,
} from '../../ports/crm-gateway';
import type { RateGrant, RateLimiter } from '../../ports/rate-limiter';
import { ASSOCIATIONS_PAGE_LIMIT, dealCompanyFrom } from './deal-company';
import { whileSending } from './send-times';
import { COLLECTIONS_GROUP, PROPERTIES } from './properties';
import {
  isKnownTimeZone,
  nextMidnightIn,
  sharedTimeZoneCache,
  TIME_ZONE_TTL_MS,
  type TimeZoneCache,
} from './portal-time-zone';
import { createHubspotTaskOwners, type HubspotTaskOwners } from './task-owners';

const OBJECT_LABEL = { companies: 'company', deals: 'deal' } as const;

function archivedBlock(
  objectType: 'companies' | 'deals',
  kind: 'group' | 'property',
  name: string,
): CrmSchemaBlock {
  const where =
    kind === 'group'
      ? `the ${OBJECT_LABEL[objectType]} property group \`${name}\``
      : `the ${OBJECT_LABEL[objectType]} property \`${name}\``;
  return {
    name: kind === 'group' ? `${objectType}:group` : `${objectType}.${name}`,
    problem: `${where} was archived in HubSpot, so it cannot be created again under its name`,
    fix: `A HubSpot super admin should restore it (Settings › Properties › ${OBJECT_LABEL[objectType]} properties › Archived${kind === 'group' ? ' groups' : ' properties'} › Restore), then run \`collections hubspot install\` again`,
  };
}

export type HubspotGatewayOptions = {
  /** A private-app token, or the OAuth token of the moment (refreshed before it expires). */
  accessToken: string | ((options?: { forceRefresh?: boolean }) => Promise<string>);
  /** The portal's budget is kept by this limiter under `limiterKey` (shared across processes with Redis). */
  limiter: RateLimiter;
  limiterKey: string;
  /** For a local emulator: `http://127.0.0.1:PORT`. */
  basePath?: string;
  /** The portal's budget: 110 requests / 10 s for marketplace apps. */
  rateLimit?: { requests: number; windowMs: number };
  /** Retries of 5xx, timeouts and dropped connections (429s wait their Retry-After and do not count). */
  maxRetries?: number;
  /**
   * 429s in a row one call waits out (each its Retry-After) before it gives up with `rate_limited`:
   * something else is using the portal's limit, and the sync stops and tries again later.
   */
  maxRateLimitWaits?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Portal time zones by limiter key (default: one cache per process). */
  timeZones?: TimeZoneCache;
  /** Who the rules' roles mean in this portal; tasks get their `hubspot_owner_id` from it. */
  taskOwners?: HubspotTaskOwners;
};

const BATCH = 100;
/** 429s in a row one call waits out (about 10 s each at HubSpot's burst window) before giving up. */
const MAX_RATE_LIMIT_WAITS = 12;
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

const KEY_PREFIX = '[collections task ';

/** The task's key, on the body's last line, so a task can be found again in HubSpot. */
export function withKey(body: string, key: string): string {
  return `${body}${body === '' ? '' : '\n\n'}${KEY_PREFIX}${key}]`;
}

export function keyInBody(body: string): string | undefined {
  const at = body.lastIndexOf(KEY_PREFIX);
  if (at < 0 || !body.endsWith(']')) return undefined;
  return body.slice(at + KEY_PREFIX.length, -1);
}

function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The scopes a 403 `MISSING_SCOPES` names: HubSpot lists them in `errors[].context`, as
 * `requiredGranularScopes` (granular scopes), `requiredScopes` (older answers) or `missingScopes`.
 */
export function missingScopesOf(body: unknown): string[] | undefined {
  const parsed = parsedBody(body) as { category?: unknown; errors?: unknown } | null | undefined;
  if (parsed?.category !== 'MISSING_SCOPES') return undefined;
  const scopes: string[] = [];
  for (const entry of Array.isArray(parsed.errors) ? (parsed.errors as unknown[]) : []) {
    const context = (entry as { context?: Record<string, unknown> } | null)?.context;
    for (const key of ['requiredGranularScopes', 'requiredScopes', 'missingScopes']) {
      const listed = context?.[key];
      if (Array.isArray(listed))
        for (const scope of listed) if (typeof scope === 'string') scopes.push(scope);
    }
  }
  return [...new Set(scopes)];
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
    // Without Retry-After a daily limit lasts until the portal's midnight (the gateway knows when).
    if (Number.isFinite(seconds) && seconds > 0) retryAfterMs = seconds * 1000;
    else if (code === 'rate_limited') retryAfterMs = 1000;
  } else if (status === 401) code = 'unauthorized';
  else if (status === 403) {
    const missingScopes = missingScopesOf(e.body);
    if (missingScopes !== undefined)
      return new IntegrationError(
        'hubspot',
        'missing_permission',
        `missing scopes ${missingScopes.join(', ') || '(not named)'}: ${message}`,
        undefined,
        missingScopes,
      );
    code = 'missing_permission';
  } else if (status === 404) code = 'not_found';
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
    ...(typeof options.accessToken === 'string' ? { accessToken: options.accessToken } : {}),
    numberOfApiCallRetries: 0,
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
  });
  const sleep = options.sleep ?? defaultSleep;
  const budget = options.rateLimit ?? { requests: 110, windowMs: 10000 };
  const stats: CrmGatewayStats = { requests: 0, rateLimited: 0, retries: 0, waitedMs: 0 };
  const token = options.accessToken;
  const now = options.now ?? Date.now;
  const timeZones = options.timeZones ?? sharedTimeZoneCache;

  /** Waits for a place in the window; the grant is answered once the request settles (see `RateGrant`). */
  const slot = async (): Promise<RateGrant> => {
    const grant = await options.limiter.hold(options.limiterKey, budget);
    stats.waitedMs += grant.waitedMs;
    if (typeof token === 'function') client.setAccessToken(await token());
    return grant;
  };
  /**
   * `request` under a grant: HubSpot counts it when it arrives, so the grant moves to when it left,
   * or, not seen leaving, to its answer (see `RateGrant`).
   */
  const sent = async <T>(grant: RateGrant, request: () => Promise<T>): Promise<T> => {
    try {
      return await whileSending(grant, request);
    } finally {
      await grant.answered();
    }
  };

  /**
   * The portal's time zone, read before the first call of the day: once the daily limit is reached
   * no call answers, not even this one. Unknown, the limit is waited out until UTC midnight.
   */
  let timeZoneRead = false;
  const readTimeZone = async (): Promise<void> => {
    if (timeZoneRead) return;
    timeZoneRead = true;
    const cached = timeZones.get(options.limiterKey);
    if (cached !== undefined && now() - cached.fetchedAt < TIME_ZONE_TTL_MS) return;
    try {
      const grant = await slot();
      stats.requests += 1;
      const response = await sent(grant, () =>
        client.apiRequest({ method: 'GET', path: '/account-info/v3/details' }),
      );
      if (!response.ok) return;
      const zone = ((await response.json()) as { timeZone?: unknown } | null)?.timeZone;
      if (typeof zone === 'string' && isKnownTimeZone(zone))
        timeZones.set(options.limiterKey, { timeZone: zone, fetchedAt: now() });
    } catch {
      // Not knowing the zone only changes when a daily limit is waited out until.
    }
  };

  /** A daily limit without Retry-After: until midnight in the portal's time zone, and it says so. */
  const untilDailyReset = (error: IntegrationError): IntegrationError => {
    if (error.code !== 'daily_limit' || error.retryAfterMs !== undefined) return error;
    const zone = timeZones.get(options.limiterKey)?.timeZone;
    const at = nextMidnightIn(now(), zone ?? 'UTC');
    const when = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return new IntegrationError(
      'hubspot',
      'daily_limit',
      `HubSpot's daily API limit is reached; it resets at midnight ${zone ?? 'UTC (portal time zone unknown)'}, ${when}`,
      Math.max(1000, at - now()),
    );
  };

  /**
   * One request under the limiter: 429s wait their Retry-After; 5xx, timeouts and dropped connections
   * are retried with backoff, or, with `onAmbiguous`, handed back after the backoff so the caller can
   * check what landed before sending again (a create must not run twice).
   */
  const call = async <T>(
    request: () => Promise<T>,
    onAmbiguous?: () => Promise<'resend' | 'done'>,
  ): Promise<T | undefined> => {
    let failures = 0;
    let throttled = 0;
    let reauthorized = false;
    await readTimeZone();
    for (;;) {
      const grant = await slot();
      stats.requests += 1;
      try {
        return await sent(grant, request);
      } catch (raw) {
        const error = untilDailyReset(toIntegrationError(raw));
        if (error.code === 'rate_limited') {
          stats.rateLimited += 1;
          throttled += 1;
          if (throttled > (options.maxRateLimitWaits ?? MAX_RATE_LIMIT_WAITS)) throw error;
          const wait = error.retryAfterMs ?? 1000;
          stats.waitedMs += wait;
          await sleep(wait);
          continue;
        }
        // An OAuth token HubSpot says expired (clocks differ) is refreshed once, then the call repeated.
        if (error.code === 'unauthorized' && typeof token === 'function' && !reauthorized) {
          reauthorized = true;
          client.setAccessToken(await token({ forceRefresh: true }));
          continue;
        }
        if (error.code === 'temporary' && failures < (options.maxRetries ?? 4)) {
          failures += 1;
          stats.retries += 1;
          const wait = Math.min(30000, 500 * 2 ** failures) * (0.5 + Math.random() / 2);
          stats.waitedMs += wait;
          await sleep(wait);
          if (onAmbiguous !== undefined && (await onAmbiguous()) === 'done') return undefined;
          continue;
        }
        throw error;
      }
    }
  };

  /** Calls that are safe to repeat. */
  const idempotent = async <T>(request: () => Promise<T>): Promise<T> => (await call(request)) as T;

  /**
   * A create answered 409 for a name the active list does not show: an admin archived it. HubSpot's
   * v3 API neither restores nor recreates an archived property or group under its name (restoring is
   * in its Settings, or a beta API), so install reports it for an admin instead of failing.
   */
  const createUnlessArchived = async (
    create: () => Promise<unknown>,
    archived: (error: IntegrationError) => Promise<boolean>,
  ): Promise<'created' | 'archived'> => {
    try {
      await idempotent(create);
      return 'created';
    } catch (raw) {
      const error = toIntegrationError(raw);
      if (error.code === 'invalid' && (await archived(error))) return 'archived';
      throw error;
    }
  };

  const ownersOf = createHubspotTaskOwners(client, idempotent, options.taskOwners, now);
  /** Open tasks' owners now, by CRM task id: the same resolution as when they were created. */
  const ownersOfOpenTasks = async (tasks: readonly CrmTaskReassignment[]) =>
    (
      await ownersOf(
        tasks.map((task) => ({
          key: task.crmTaskId,
          companyId: task.companyId,
          assignee: task.assignee,
          subject: '',
          body: '',
          dueMs: 0,
          priority: 'MEDIUM' as const,
        })),
      )
    ).owners;

  /** The tasks of these companies created by us, by the key written into their body. */
  const findCreatedTasks = async (companyIds: readonly string[]): Promise<Map<string, string>> => {
    const taskIds: string[] = [];
    for (const batch of chunks(companyIds)) {
      // A company with many tasks answers a page at a time: its `after` goes back with its id.
      let inputs: { id: string; after?: string }[] = batch.map((id) => ({ id }));
      while (inputs.length > 0) {
        const asked = inputs;
        const page = await idempotent(() =>
          client.crm.associations.v4.batchApi.getPage('companies', 'tasks', { inputs: asked }),
        );
        inputs = [];
        for (const result of page.results) {
          for (const to of result.to) taskIds.push(String(to.toObjectId));
          const after = result.paging?.next?.after;
          const previous = asked.find((input) => input.id === result._from.id)?.after;
          if (after !== undefined && after !== previous) inputs.push({ id: result._from.id, after });
        }
      }
    }
    const byKey = new Map<string, string>();
    for (const batch of chunks([...new Set(taskIds)])) {
      const read = await idempotent(() =>
        client.crm.objects.tasks.batchApi.read({
          inputs: batch.map((id) => ({ id })),
          properties: ['hs_task_body'],
          propertiesWithHistory: [],
        }),
      );
      for (const task of read.results) {
        const key = keyInBody(task.properties['hs_task_body'] ?? '');
        if (key !== undefined) byKey.set(key, task.id);
      }
    }
    return byKey;
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
      const response = await idempotent(() =>
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
        await idempotent(() => api(type).basicApi.update(update.crmId, { properties: update.properties }));
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
    batchSize: BATCH,
    // One second's worth of the budget open at once keeps the window full while answers take up to a
    // second; the limiter, not the answers, then sets the pace.
    writeConcurrency: Math.max(4, Math.ceil((budget.requests * 1000) / budget.windowMs)),

    async ensureSchema() {
      const created: string[] = [];
      const existing: string[] = [];
      const blocked: CrmSchemaBlock[] = [];
      for (const objectType of ['companies', 'deals'] as const) {
        const groups = await idempotent(() => client.crm.properties.groupsApi.getAll(objectType));
        if (groups.results.some((group) => group.name === COLLECTIONS_GROUP.name))
          existing.push(`${objectType}:group`);
        else if (
          (await createUnlessArchived(
            () => client.crm.properties.groupsApi.create(objectType, { ...COLLECTIONS_GROUP }),
            // Groups have no archived listing: a conflict on a name the active list lacks is one.
            async (error) => /already exists/i.test(error.message),
          )) === 'archived'
        ) {
          // Properties cannot be created in an archived group: nothing more for this object type.
          blocked.push(archivedBlock(objectType, 'group', COLLECTIONS_GROUP.name));
          continue;
        } else created.push(`${objectType}:group`);
        const properties = await idempotent(() => client.crm.properties.coreApi.getAll(objectType));
        const byName = new Map(properties.results.map((property) => [property.name, property]));
        for (const property of PROPERTIES[objectType]) {
          const found = byName.get(property.name);
          if (found !== undefined) {
            existing.push(`${objectType}.${property.name}`);
            // HubSpot replaces an enumeration's options as a whole: the portal's own stay, ours are added.
            const have = new Set(found.options.map((option) => option.value));
            const missing = (property.options ?? []).filter((option) => !have.has(option.value));
            if (missing.length === 0) continue;
            const last = Math.max(-1, ...found.options.map((option) => option.displayOrder ?? -1));
            await idempotent(() =>
              client.crm.properties.coreApi.update(objectType, property.name, {
                options: [
                  ...found.options,
                  ...missing.map((option, index) => ({ ...option, displayOrder: last + 1 + index })),
                ],
              }),
            );
            created.push(...missing.map((option) => `${objectType}.${property.name}=${option.value}`));
            continue;
          }
          const outcome = await createUnlessArchived(
            () =>
              client.crm.properties.coreApi.create(objectType, {
                ...property,
                groupName: COLLECTIONS_GROUP.name,
              } as Parameters<typeof client.crm.properties.coreApi.create>[1]),
            async () =>
              (await idempotent(() => client.crm.properties.coreApi.getAll(objectType, true))).results.some(
                (archived) => archived.name === property.name,
              ),
          );
          if (outcome === 'archived') blocked.push(archivedBlock(objectType, 'property', property.name));
          else created.push(`${objectType}.${property.name}`);
        }
      }
      return { created, existing, ...(blocked.length === 0 ? {} : { blocked }) };
    },

    updateRecords: (type, updates) => updateAll(type, updates),

    companyOfDeal: (dealId) =>
      dealCompanyFrom((after) =>
        idempotent(() =>
          client.crm.associations.v4.basicApi.getPage(
            'deals',
            dealId,
            'companies',
            after,
            ASSOCIATIONS_PAGE_LIMIT,
          ),
        ),
      ),

    async findTasks(tasks) {
      if (tasks.length === 0) return new Map();
      const found = await findCreatedTasks([...new Set(tasks.map((task) => task.companyId))]);
      const wanted = new Set(tasks.map((task) => task.key));
      return new Map([...found].filter(([key]) => wanted.has(key)));
    },

    async createTasks(tasks) {
      const result: CrmTaskResult = { created: [], failed: [] };
      const assignment = await ownersOf(tasks);
      if (assignment.fallbacks.length > 0) result.ownerFallbacks = assignment.fallbacks;
      for (const batch of chunks(tasks)) {
        let remaining = [...batch];
        const input = (task: CrmTaskInput) => ({
          // The key in the body finds the task again after a create whose answer was lost.
          properties: {
            hs_task_subject: task.subject,
            hs_task_body: withKey(task.body, task.key),
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: task.priority,
            hs_timestamp: String(task.dueMs),
            ...(assignment.owners.has(task.key)
              ? { hubspot_owner_id: assignment.owners.get(task.key) ?? '' }
              : {}),
          },
          associations: [
            {
              to: { id: task.companyId },
              types: [
                { associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId: TASK_TO_COMPANY },
              ],
            },
          ],
        });
        // A 5xx or a dropped answer may come after the tasks were created: before sending again, the
        // tasks already there are looked up and only the others are created.
        const landedAlready = async (): Promise<'resend' | 'done'> => {
          const found = await findCreatedTasks([...new Set(remaining.map((task) => task.companyId))]);
          for (const task of remaining) {
            const crmTaskId = found.get(task.key);
            if (crmTaskId !== undefined) result.created.push({ key: task.key, crmTaskId });
          }
          remaining = remaining.filter((task) => !found.has(task.key));
          return remaining.length === 0 ? 'done' : 'resend';
        };
        // Tasks an unfinished sync may have created already are looked for first.
        if (remaining.some((task) => task.mayExist === true)) {
          const maybe = remaining.filter((task) => task.mayExist === true);
          const found = await findCreatedTasks([...new Set(maybe.map((task) => task.companyId))]);
          for (const task of maybe) {
            const crmTaskId = found.get(task.key);
            if (crmTaskId !== undefined) result.created.push({ key: task.key, crmTaskId });
          }
          remaining = remaining.filter((task) => !found.has(task.key));
          if (remaining.length === 0) continue;
        }
        try {
          const response = await call(
            () =>
              client.crm.objects.tasks.batchApi.create({ inputs: remaining.map(input) } as Parameters<
                typeof client.crm.objects.tasks.batchApi.create
              >[0]),
            landedAlready,
          );
          if (response === undefined) continue;
          // Results are not promised in input order: each carries its key in the body.
          const byKey = new Map<string, string>();
          for (const record of response.results) {
            const key = keyInBody(record.properties['hs_task_body'] ?? '');
            if (key !== undefined) byKey.set(key, record.id);
          }
          for (const task of remaining) {
            const id = byKey.get(task.key);
            const ownerId = assignment.owners.get(task.key);
            if (id === undefined)
              result.failed.push({ key: task.key, code: 'invalid', message: 'not created' });
            else result.created.push({ key: task.key, crmTaskId: id, ...(ownerId ? { ownerId } : {}) });
          }
        } catch (raw) {
          const error = toIntegrationError(raw);
          if (error.code !== 'invalid' && error.code !== 'not_found') throw error;
          for (const task of remaining)
            result.failed.push({ key: task.key, code: error.code, message: error.message });
        }
      }
      return result;
    },

    taskOwners: (tasks) => ownersOfOpenTasks(tasks),

    setTaskOwners: (owners) =>
      updateAll(
        'tasks',
        owners.map((entry) => ({ crmId: entry.crmTaskId, properties: { hubspot_owner_id: entry.ownerId } })),
      ),

    async ownerProperties() {
      // HubSpot user properties: `enumeration` shown as `select`, values owner ids (properties guide).
      const properties = await idempotent(() => client.crm.properties.coreApi.getAll('companies'));
      return properties.results
        .filter(
          (property) =>
            property.referencedObjectType === 'OWNER' &&
            property.type === 'enumeration' &&
            property.fieldType === 'select',
        )
        .map((property) => ({ name: property.name, label: property.label }))
        .sort((a, b) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name));
    },

    completeTasks: (ids) =>
      updateAll(
        'tasks',
        ids.map((crmId) => ({ crmId, properties: { hs_task_status: 'COMPLETED' } })),
      ),

    stats: () => ({ ...stats }),
  };
}
