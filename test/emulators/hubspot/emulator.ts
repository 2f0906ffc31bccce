/**
 * A local, stateful HTTP emulator of the HubSpot CRM API as `@hubspot/api-client` 14 calls it, for tests
 * and benchmarks.
 *
 *   const hs = await startHubspotEmulator({ portalId: 4242, accessToken: 'pat-test' });
 *   const client = new Client({ ...hs.sdkConfig(), numberOfApiCallRetries: 0 });
 *   const companyId = hs.createCompany({ name: 'Acme', domain: 'acme.example' });
 *   await client.crm.companies.batchApi.read({ inputs: [{ id: companyId }], properties: ['name'], propertiesWithHistory: [] });
 *   hs.setFaults({ serverError: { trigger: { kind: 'first', count: 2 } } });
 *   await hs.close();
 *
 * Loopback only (127.0.0.1, ephemeral port by default); everything is in memory. README.md beside this
 * file lists the endpoints, the error bodies and how the SDK reacts to 207/429/5xx.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveObjectType, type ObjectTypeName } from './schema';
import { missingScopesBody, scopesRequiredFor } from './scopes';
import {
  EmulatorClock,
  HubspotError,
  HubspotStore,
  RawHubspotError,
  type AssociationSnapshot,
  type BatchOutcome,
  type JsonObject,
  type ObjectSnapshot,
  type PropertyRecord,
} from './store';

export { EmulatorClock, HubspotError, HubspotStore } from './store';
export type { AssociationSnapshot, JsonObject, ObjectSnapshot, PropertyRecord } from './store';
export { ASSOCIATION_TYPES, OBJECT_TYPES, type ObjectTypeName } from './schema';

// ------------------------------------------------------------------------------------------------ faults

/** When a fault fires, counted over the requests its scope matches since it was (re)configured. */
export type FaultTrigger =
  /** The first `count` matching requests. */
  | { kind: 'first'; count: number }
  /** Matching requests number k, 2k, 3k, … */
  | { kind: 'everyKth'; k: number }
  /** Every matching request. */
  | { kind: 'always' }
  /** Each matching request with probability `p`, from a seeded generator (default seed 1). */
  | { kind: 'probability'; p: number; seed?: number };

export interface FaultScope {
  /** Path prefixes the fault applies to (e.g. `/crm/v3/objects/companies/batch`); all paths when absent. */
  paths?: string[];
  /** HTTP methods it applies to; all when absent. */
  methods?: string[];
}

/**
 * A 5xx with HubSpot's body `{status:'error', message, correlationId, category:'INTERNAL_ERROR'}`.
 * `when: 'before'` (default) answers without processing; `'after'` applies the request (writes land) and
 * then answers 5xx, so a client that retries a create makes a second object.
 */
export interface ServerErrorFault extends FaultScope {
  trigger: FaultTrigger;
  status?: 500 | 502 | 503 | 504;
  when?: 'before' | 'after';
}

/** Waits `ms` (+ seeded 0..jitterMs) before handling each matching request. */
export interface LatencyFault extends FaultScope {
  ms: number;
  jitterMs?: number;
  /** Default: every matching request. */
  trigger?: FaultTrigger;
}

/**
 * Destroys the socket without an answer. `when: 'before'` (default) drops the request unprocessed;
 * `'after'` processes it (writes are applied) and then drops the answer: the "did my write land?" case.
 */
export interface DropConnectionFault extends FaultScope {
  trigger: FaultTrigger;
  when?: 'before' | 'after';
}

/** An injected 429 with the body of `policy`, independent of the real limiter. */
export interface RateLimitFault extends FaultScope {
  trigger: FaultTrigger;
  policy?: RateLimitPolicy;
  retryAfterSeconds?: number;
}

export interface FaultConfig {
  serverError?: ServerErrorFault | null;
  latency?: LatencyFault | null;
  dropConnection?: DropConnectionFault | null;
  rateLimit?: RateLimitFault | null;
}

type FaultName = keyof FaultConfig;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class TriggerState {
  private matched = 0;
  private readonly random: () => number;

  constructor(private readonly trigger: FaultTrigger) {
    this.random = seededRandom(trigger.kind === 'probability' ? (trigger.seed ?? 1) : 1);
  }

  fires(): boolean {
    this.matched += 1;
    const trigger = this.trigger;
    switch (trigger.kind) {
      case 'first':
        return this.matched <= trigger.count;
      case 'everyKth':
        return trigger.k > 0 && this.matched % trigger.k === 0;
      case 'always':
        return true;
      case 'probability':
        return this.random() < trigger.p;
    }
  }
}

function inScope(scope: FaultScope, method: string, path: string): boolean {
  if (scope.methods && !scope.methods.map((item) => item.toUpperCase()).includes(method)) return false;
  if (scope.paths && !scope.paths.some((prefix) => path.startsWith(prefix))) return false;
  return true;
}

// ------------------------------------------------------------------------------------------- rate limits

/** A HubSpot user who can own records. */
export type EmulatedOwner = {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
  archived?: boolean;
};

export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

export interface RateLimitOptions {
  /** Requests allowed per window and token (HubSpot's private-app burst limit is 110 per 10 s on paid tiers). */
  requests: number;
  windowMs: number;
}

const RATE_LIMIT_MESSAGES: Record<RateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  DAILY: 'You have reached your daily limit.',
  SECONDLY: 'You have reached your secondly limit.',
};

/** A sliding window per token: a request is admitted when fewer than `requests` were admitted in the last `windowMs`. */
class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(public config: RateLimitOptions) {}

  take(
    key: string,
    now: number,
  ): { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number } {
    if (this.hits.size > 10_000 && !this.hits.has(key)) this.hits.clear();
    const hits = this.hits.get(key) ?? [];
    this.hits.set(key, hits);
    const { requests, windowMs } = this.config;
    while (hits.length > 0 && (hits[0] ?? 0) <= now - windowMs) hits.shift();
    if (hits.length >= requests) {
      return { allowed: false, retryAfterMs: (hits[0] ?? now) + windowMs - now };
    }
    hits.push(now);
    return { allowed: true, remaining: requests - hits.length };
  }

  remaining(key: string, now: number): number {
    const hits = this.hits.get(key) ?? [];
    return Math.max(0, this.config.requests - hits.filter((at) => at > now - this.config.windowMs).length);
  }

  reset(): void {
    this.hits.clear();
  }
}

// ------------------------------------------------------------------------------------------------- stats

export interface WriteCounters {
  /** Inputs of create/update/upsert calls that reached validation (a batch of 100 counts 100). */
  inputs: number;
  created: number;
  updated: number;
  failed: number;
}

export interface HubspotEmulatorStats {
  /** Every HTTP request received. */
  requests: number;
  /** Per route with the canonical object type, e.g. `POST /crm/v3/objects/companies/batch/upsert`. */
  byRoute: Record<string, number>;
  /** Per answered status (`"200"`, `"207"`, `"429"`, …); dropped connections are not answered. */
  byStatus: Record<string, number>;
  writes: WriteCounters & { byObjectType: Record<string, WriteCounters> };
  /** Every 429 (the limiter's and injected ones). */
  rateLimited: number;
  rateLimitedByPolicy: Record<string, number>;
  unauthorized: number;
  /** Injected faults that fired. */
  faults: { serverErrors: number; dropped: number; delayed: number; rateLimited: number };
  /** The most requests open at once (received, not yet answered) since the last reset. */
  maxInFlight: number;
}

export interface RequestLogEntry {
  /** Wall-clock milliseconds. */
  at: number;
  method: string;
  /** Path and query string as received. */
  url: string;
  route: string;
  /** 0 when the connection was dropped. */
  status: number;
  correlationId: string;
  fault: 'server_error' | 'drop' | 'rate_limit' | null;
  /** `private-app`, `oauth` or null (unauthenticated/public). */
  auth: 'private-app' | 'oauth' | null;
}

function emptyWrites(): WriteCounters {
  return { inputs: 0, created: 0, updated: 0, failed: 0 };
}

function emptyStats(): HubspotEmulatorStats {
  return {
    requests: 0,
    byRoute: {},
    byStatus: {},
    writes: { ...emptyWrites(), byObjectType: {} },
    rateLimited: 0,
    rateLimitedByPolicy: {},
    unauthorized: 0,
    faults: { serverErrors: 0, dropped: 0, delayed: 0, rateLimited: 0 },
    maxInFlight: 0,
  };
}

// ------------------------------------------------------------------------------------------------- oauth

export interface OAuthOptions {
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of access tokens (HubSpot: 1800 s). Expiry follows the emulator clock. */
  accessTokenTtlSeconds?: number;
  /** Scopes granted by default to minted codes. */
  scopes?: string[];
  /**
   * When the v1 OAuth endpoints stop answering (emulator clock, ms): HubSpot's changelog "v1 OAuth API
   * Deprecation" retires them on 2027-02-16. Default that date.
   */
  v1RetiresAt?: number;
}

const V1_OAUTH_RETIREMENT = Date.UTC(2027, 1, 16);

/** RFC 6749 error codes the dated OAuth API answers beside HubSpot's older status names. */
const OAUTH_ERROR_CODES: Record<string, string> = {
  BAD_GRANT_TYPE: 'unsupported_grant_type',
  BAD_CLIENT_ID: 'invalid_client',
  BAD_CLIENT_SECRET: 'invalid_client',
  BAD_AUTH_CODE: 'invalid_grant',
  BAD_REDIRECT_URI: 'invalid_grant',
  BAD_REFRESH_TOKEN: 'invalid_grant',
};

interface AuthCode {
  redirectUri: string;
  scopes: string[];
  used: boolean;
}

interface RefreshGrant {
  scopes: string[];
  revoked: boolean;
}

interface AccessGrant {
  kind: 'private-app' | 'oauth';
  /** `null`: every scope (a private-app token configured without a list). */
  scopes: string[] | null;
  /** Emulator-clock ms; null = never. */
  expiresAt: number | null;
}

const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
];

// ------------------------------------------------------------------------------------------------- setup

export interface HubspotEmulatorOptions {
  /** Default 0 (ephemeral). Always bound to 127.0.0.1. */
  port?: number;
  /** Default 4242. */
  portalId?: number;
  /** The static private-app token (`pat-…`); `null` accepts OAuth tokens only. Default `pat-test`. */
  accessToken?: string | null;
  /** Scopes of the private-app token; `null` (default) = every scope. OAuth tokens carry their grant's. */
  privateAppScopes?: string[] | null;
  /** Per-token sliding window; `false` disables it. Default 110 requests / 10 000 ms. */
  rateLimit?: RateLimitOptions | false;
  /**
   * Requests per portal per day of the emulator clock, the day as the portal's time zone counts it;
   * `null` = unlimited (no daily headers). Default null.
   */
  dailyLimit?: number | null;
  /** The portal's time zone (account details `timeZone`; the daily limit resets at its midnight). Default `US/Eastern`. */
  timeZone?: string;
  oauth?: OAuthOptions;
  /** Valid `hubspot_owner_id` values; default: any numeric id (or the ids of `ownerDirectory`). */
  owners?: string[] | null;
  /** The portal's owners as `GET /crm/v3/owners` lists them. Default none. */
  ownerDirectory?: EmulatedOwner[];
  /** How a batch with invalid inputs is answered; see README. Default `partial` (207). */
  batchMode?: 'partial' | 'atomic';
  /** Default 100, HubSpot's limit for CRM object batches. */
  maxBatchInputs?: number;
  /** Associations per id per page of `POST /crm/v4/associations/{from}/{to}/batch/read`. Default 500. */
  associationsPageSize?: number;
  /** Start of the emulator clock (ms) or `'wall'`. Default 2026-01-01T00:00:00Z, fixed. */
  clock?: number | 'wall';
  faults?: FaultConfig;
  /**
   * How long each request that passed auth and the rate limits takes to answer: `ms` plus a seeded
   * uniform 0..`jitterMs`. Default none. See README "Latency".
   */
  latency?: AnswerLatency;
  /** Entries kept by `requestLog()`. Default 1000. */
  requestLogSize?: number;
  webhooks?: WebhookOptions;
}

export interface AnswerLatency {
  ms: number;
  jitterMs?: number;
  /** Default 11. */
  seed?: number;
}

/**
 * Property-change webhooks (`company.propertyChange`) for every change of a subscribed property, ours
 * and a user's alike: API writes come with `changeSource: 'INTEGRATION'` and the app id as `sourceId`,
 * changes through `hs.userEdit` with `CRM_UI` and `userId:1`. Delivered by `hs.flushWebhooks()`, in
 * batches of up to 100, signed with signature v3.
 */
export interface WebhookOptions {
  targetUrl: string;
  /** Subscribed company properties. */
  properties: string[];
  /** Default 1. */
  appId?: number;
  /** Default the OAuth client secret. */
  clientSecret?: string;
}

export async function startHubspotEmulator(options: HubspotEmulatorOptions = {}): Promise<HubspotEmulator> {
  const emulator = new HubspotEmulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

interface RouteContext {
  params: string[];
  query: URLSearchParams;
  /** The JSON body; a malformed one answers 400 like HubSpot. */
  json(): unknown;
  form(): URLSearchParams;
}

interface RouteResult {
  status: number;
  body?: unknown;
  /** Write counters for this call (object type, outcome). */
  writes?: { type: ObjectTypeName; outcome: Pick<BatchOutcome, 'inputs' | 'created' | 'updated' | 'failed'> };
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Stats name from the match. */
  name: (params: string[]) => string;
  /** No bearer token needed (OAuth endpoints); not rate limited. */
  public?: boolean;
  handler: (context: RouteContext) => RouteResult;
}

const MAX_BODY_BYTES = 5_000_000;

export class HubspotEmulator {
  readonly portalId: number;
  readonly accessToken: string | null;
  readonly clock: EmulatorClock;
  readonly store: HubspotStore;
  readonly oauthClient: { clientId: string; clientSecret: string };

  private readonly server: Server;
  private boundPort = 0;
  private readonly routes: Route[];
  private counters = emptyStats();
  private readonly log: RequestLogEntry[] = [];
  private readonly requestLogSize: number;
  private requestListener: ((entry: RequestLogEntry) => void) | undefined;
  private correlationCounter = 0;
  private tokenCounter = 0;

  private faultConfig: FaultConfig = {};
  private readonly triggers = new Map<FaultName, TriggerState>();
  private latencyRandom = seededRandom(7);
  private answerLatency: AnswerLatency | null;
  private answerRandom: () => number;
  private inFlight = 0;

  private readonly limiter: SlidingWindowLimiter | null;
  private rateLimitEnabled: boolean;
  private dailyLimit: number | null;
  private daily = { day: '', count: 0 };
  readonly timeZone: string;
  private readonly ownerDirectory: EmulatedOwner[];
  private readonly portalDay: Intl.DateTimeFormat;

  private readonly webhooks: WebhookOptions | undefined;
  private pendingEvents: Record<string, unknown>[] = [];
  private eventCounter = 0;

  private readonly accessTokenTtlSeconds: number;
  private readonly defaultScopes: string[];
  private readonly v1RetiresAt: number;
  private readonly codes = new Map<string, AuthCode>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly accessTokens = new Map<string, AccessGrant>();

  constructor(options: HubspotEmulatorOptions = {}) {
    this.portalId = options.portalId ?? 4242;
    this.accessToken = options.accessToken === undefined ? 'pat-test' : options.accessToken;
    this.clock = new EmulatorClock(options.clock ?? Date.UTC(2026, 0, 1));
    this.store = new HubspotStore({
      portalId: this.portalId,
      clock: this.clock,
      owners:
        options.owners ??
        (options.ownerDirectory === undefined ? null : options.ownerDirectory.map((o) => o.id)),
      batchMode: options.batchMode ?? 'partial',
      maxBatchInputs: options.maxBatchInputs ?? 100,
      ...(options.associationsPageSize === undefined
        ? {}
        : { associationsPageSize: options.associationsPageSize }),
    });
    this.oauthClient = {
      clientId: options.oauth?.clientId ?? 'emulator-client-id',
      clientSecret: options.oauth?.clientSecret ?? 'emulator-client-secret',
    };
    this.accessTokenTtlSeconds = options.oauth?.accessTokenTtlSeconds ?? 1800;
    this.defaultScopes = options.oauth?.scopes ?? DEFAULT_SCOPES;
    this.v1RetiresAt = options.oauth?.v1RetiresAt ?? V1_OAUTH_RETIREMENT;
    const rateLimit = options.rateLimit ?? { requests: 110, windowMs: 10_000 };
    this.limiter = new SlidingWindowLimiter(
      rateLimit === false ? { requests: 110, windowMs: 10_000 } : rateLimit,
    );
    this.rateLimitEnabled = rateLimit !== false;
    this.dailyLimit = options.dailyLimit ?? null;
    this.timeZone = options.timeZone ?? 'US/Eastern';
    this.ownerDirectory = options.ownerDirectory ?? [];
    this.portalDay = new Intl.DateTimeFormat('en-CA', {
      timeZone: this.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    this.requestLogSize = options.requestLogSize ?? 1000;
    if (this.accessToken !== null) {
      this.accessTokens.set(this.accessToken, {
        kind: 'private-app',
        scopes: options.privateAppScopes ?? null,
        expiresAt: null,
      });
    }
    this.routes = this.buildRoutes();
    this.webhooks = options.webhooks;
    const webhooks = this.webhooks;
    if (webhooks !== undefined)
      this.store.onPropertyChange = (change) => {
        if (change.type !== 'companies' || !webhooks.properties.includes(change.name)) return;
        this.eventCounter += 1;
        this.pendingEvents.push({
          eventId: this.eventCounter,
          subscriptionId: 1,
          portalId: this.portalId,
          appId: webhooks.appId ?? 1,
          occurredAt: change.at,
          subscriptionType: 'company.propertyChange',
          attemptNumber: 0,
          objectId: Number(change.objectId),
          propertyName: change.name,
          propertyValue: change.value,
          changeSource: change.changeSource,
          sourceId: change.sourceId,
        });
      };
    this.setFaults(options.faults ?? {});
    this.answerLatency = options.latency ?? null;
    this.answerRandom = seededRandom(options.latency?.seed ?? 11);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'error', message: String(error), category: 'INTERNAL_ERROR' }));
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** @internal used by `startHubspotEmulator`. */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** `new Client({ ...hs.sdkConfig(), numberOfApiCallRetries })`: base path + the private-app token. */
  sdkConfig(accessToken: string | null = this.accessToken): { basePath: string; accessToken?: string } {
    return accessToken === null ? { basePath: this.url } : { basePath: this.url, accessToken };
  }

  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------------------------------ faults

  /** Replaces the given faults (others unchanged); `null` removes one. Resets their trigger counts. */
  setFaults(faults: FaultConfig): void {
    for (const name of ['serverError', 'latency', 'dropConnection', 'rateLimit'] as const) {
      const fault = faults[name];
      if (fault === undefined) continue;
      if (fault === null) {
        delete this.faultConfig[name];
        this.triggers.delete(name);
        continue;
      }
      (this.faultConfig as Record<FaultName, unknown>)[name] = fault;
      const trigger = 'trigger' in fault && fault.trigger ? fault.trigger : ({ kind: 'always' } as const);
      this.triggers.set(name, new TriggerState(trigger));
      if (name === 'latency') this.latencyRandom = seededRandom(7);
    }
  }

  clearFaults(): void {
    this.setFaults({ serverError: null, latency: null, dropConnection: null, rateLimit: null });
  }

  get faults(): Readonly<FaultConfig> {
    return this.faultConfig;
  }

  /** Changes the answer latency (`null`: none) at run time; its random sequence starts again. */
  setLatency(latency: AnswerLatency | null): void {
    this.answerLatency = latency;
    this.answerRandom = seededRandom(latency?.seed ?? 11);
  }

  /** Changes (or disables with `false`) the per-token window at run time; counts restart. */
  setRateLimit(rateLimit: RateLimitOptions | false): void {
    this.limiter?.reset();
    this.rateLimitEnabled = rateLimit !== false;
    if (rateLimit !== false && this.limiter) this.limiter.config = rateLimit;
  }

  /** Changes the daily limit (`null` = unlimited); the day's count is kept. */
  setDailyLimit(limit: number | null): void {
    this.dailyLimit = limit;
  }

  /** Forgets every token's window and the day's count. */
  resetRateLimits(): void {
    this.limiter?.reset();
    this.daily = { day: '', count: 0 };
  }

  // ------------------------------------------------------------------------------------------ stats

  /** A copy of the counters. */
  stats(): HubspotEmulatorStats {
    const byObjectType: Record<string, WriteCounters> = {};
    for (const [type, counters] of Object.entries(this.counters.writes.byObjectType)) {
      byObjectType[type] = { ...counters };
    }
    return {
      ...this.counters,
      byRoute: { ...this.counters.byRoute },
      byStatus: { ...this.counters.byStatus },
      writes: { ...this.counters.writes, byObjectType },
      rateLimitedByPolicy: { ...this.counters.rateLimitedByPolicy },
      faults: { ...this.counters.faults },
    };
  }

  resetStats(): void {
    this.counters = emptyStats();
    this.log.length = 0;
  }

  /** The most recent requests, oldest first. */
  requestLog(): RequestLogEntry[] {
    return [...this.log];
  }

  /**
   * Calls `listener` with each request's log entry right after it was answered (or dropped), so a test
   * can act at an exact point of a client's run (e.g. kill the client once a given call is answered).
   * `null` removes it.
   */
  onRequestDone(listener: ((entry: RequestLogEntry) => void) | null): void {
    this.requestListener = listener ?? undefined;
  }

  // ------------------------------------------------------------------------------------------ state

  /** Live (or archived) objects of a type, oldest first, with their properties and associations. */
  objects(type: string, options: { archived?: boolean } = {}): ObjectSnapshot[] {
    return this.store.snapshots(type, options.archived ?? false);
  }

  object(type: string, id: string): ObjectSnapshot | undefined {
    return this.store.snapshotOf(type, id);
  }

  associations(type: string, id: string, toType?: string): AssociationSnapshot[] {
    return this.store.associationsOf(type, id, toType);
  }

  properties(type: string): PropertyRecord[] {
    return this.store.propertyDefinitions(type);
  }

  /** Creates an object through the API's validation (throws on invalid input) and returns its id. */
  createObject(type: string, properties: Record<string, string>, associations: JsonObject[] = []): string {
    return this.store.seed(type, properties, associations);
  }

  createCompany(properties: Record<string, string>): string {
    return this.createObject('companies', properties);
  }

  /** A deal, optionally with `companyId` as its primary company (types 5 and 341). */
  createDeal(properties: Record<string, string>, links: { companyId?: string } = {}): string {
    const associations = links.companyId
      ? [
          {
            to: { id: links.companyId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }],
          },
        ]
      : [];
    return this.createObject('deals', properties, associations);
  }

  /** A task (`hs_timestamp` defaults to the emulator clock), optionally associated to a company/deal. */
  createTask(
    properties: Record<string, string>,
    links: { companyId?: string; dealId?: string } = {},
  ): string {
    const associations: JsonObject[] = [];
    const spec = (associationTypeId: number) => [
      { associationCategory: 'HUBSPOT_DEFINED', associationTypeId },
    ];
    if (links.companyId) associations.push({ to: { id: links.companyId }, types: spec(192) });
    if (links.dealId) associations.push({ to: { id: links.dealId }, types: spec(216) });
    return this.createObject(
      'tasks',
      { hs_timestamp: new Date(this.clock.now()).toISOString(), ...properties },
      associations,
    );
  }

  /** Associates two objects with a HubSpot-defined type (default: the unlabelled type of the pair). */
  associate(
    fromType: string,
    fromId: string,
    toType: string,
    toId: string,
    associationTypeId?: number,
  ): void {
    this.store.associate(fromType, fromId, toType, toId, associationTypeId);
  }

  /** Defines a property as `POST /crm/v3/properties/{type}` would (throws a HubspotError on conflict). */
  /** A person changes values in HubSpot's UI (webhooks say `CRM_UI`). */
  userEdit(type: string, id: string, properties: Record<string, string>): void {
    this.store.updateOne(type, id, undefined, { properties });
  }

  /** Sends the webhooks waiting; resolves with each delivery's HTTP status. */
  async flushWebhooks(): Promise<number[]> {
    const webhooks = this.webhooks;
    if (webhooks === undefined) return [];
    const statuses: number[] = [];
    while (this.pendingEvents.length > 0) {
      const body = JSON.stringify(this.pendingEvents.splice(0, 100));
      const timestamp = String(Date.now());
      const signature = createHmac('sha256', webhooks.clientSecret ?? this.oauthClient.clientSecret)
        .update(`POST${webhooks.targetUrl}${body}${timestamp}`)
        .digest('base64');
      const response = await fetch(webhooks.targetUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': timestamp,
        },
        body,
      });
      statuses.push(response.status);
    }
    return statuses;
  }

  defineProperty(type: string, definition: JsonObject): void {
    this.store.createProperty(type, definition);
  }

  /** Clears objects, associations, custom properties/groups and the rate-limit windows. Keeps tokens and stats. */
  reset(): void {
    this.store.reset();
    this.resetRateLimits();
  }

  // ------------------------------------------------------------------------------------------ oauth

  /**
   * An authorization code as HubSpot hands to the redirect URI after install. Single use; the token
   * exchange must send the same `redirect_uri`.
   */
  mintAuthCode(options: { redirectUri?: string; scopes?: string[] } = {}): string {
    const code = this.deterministicUuid('code');
    this.codes.set(code, {
      redirectUri: options.redirectUri ?? 'http://127.0.0.1/oauth/callback',
      scopes: options.scopes ?? this.defaultScopes,
      used: false,
    });
    return code;
  }

  // ------------------------------------------------------------------------------------------ http

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    this.counters.requests += 1;
    this.inFlight += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.inFlight);
    response.once('close', () => {
      this.inFlight -= 1;
    });
    const correlationId = this.nextCorrelationId();
    const method = (request.method ?? 'GET').toUpperCase();
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const path = url.pathname;
    const rawBody = await readBody(request);
    const matched = this.matchRoute(method, path);
    const route = matched ? `${method} ${matched.route.name(matched.params)}` : `${method} ${path}`;
    this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;
    let fault: RequestLogEntry['fault'] = null;
    let auth: RequestLogEntry['auth'] = null;
    const headers: Record<string, string> = {
      'content-type': 'application/json;charset=utf-8',
      'x-hubspot-correlation-id': correlationId,
    };
    const record = (status: number): void => {
      const entry = { at: startedAt, method, url: rawUrl, route, status, correlationId, fault, auth };
      this.log.push(entry);
      if (this.log.length > this.requestLogSize) this.log.splice(0, this.log.length - this.requestLogSize);
      this.requestListener?.(entry);
    };
    const respond = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      const key = String(status);
      this.counters.byStatus[key] = (this.counters.byStatus[key] ?? 0) + 1;
      if (status === 401) this.counters.unauthorized += 1;
      if (body === undefined || status === 204) {
        const { 'content-type': _omit, ...rest } = { ...headers, ...extra };
        response.writeHead(status, rest);
        response.end();
      } else {
        response.writeHead(status, { ...headers, ...extra });
        response.end(JSON.stringify(body));
      }
      record(status);
    };
    const drop = (): void => {
      fault = 'drop';
      this.counters.faults.dropped += 1;
      record(0);
      request.socket.destroy();
    };
    const fail = (error: HubspotError, extra: Record<string, string> = {}): void =>
      respond(error.httpStatus, error.toBody(correlationId), extra);

    const latency = this.faultConfig.latency;
    if (latency && inScope(latency, method, path) && this.fires('latency')) {
      const delay = latency.ms + (latency.jitterMs ? this.latencyRandom() * latency.jitterMs : 0);
      this.counters.faults.delayed += 1;
      if (delay > 0) await sleep(delay);
    }

    const dropFault = this.faultConfig.dropConnection;
    const dropFires = !!dropFault && inScope(dropFault, method, path) && this.fires('dropConnection');
    if (dropFires && (dropFault.when ?? 'before') === 'before') return drop();

    if (!matched?.route.public) {
      const result = this.authenticate(request);
      if (result instanceof HubspotError) return fail(result);
      auth = result.kind;
      const required = scopesRequiredFor(method, path);
      if (
        result.scopes !== null &&
        required !== null &&
        !required.some((scope) => result.scopes?.includes(scope))
      )
        return respond(403, { ...missingScopesBody(required), correlationId });
      const limited = this.applyRateLimits(result.token, headers);
      if (limited) {
        this.countRateLimited(limited.policy);
        // The daily limit's 429 carries no Retry-After: it lasts until the portal's midnight.
        return fail(
          rateLimitError(limited.policy),
          limited.retryAfterSeconds === null ? {} : { 'retry-after': String(limited.retryAfterSeconds) },
        );
      }
    }

    // The limiter above counts a request when it arrives; its work and answer take the latency.
    const answerLatency = this.answerLatency;
    if (answerLatency !== null) {
      const delay = answerLatency.ms + this.answerRandom() * (answerLatency.jitterMs ?? 0);
      if (delay > 0) await sleep(delay);
    }

    const rateLimitFault = this.faultConfig.rateLimit;
    if (rateLimitFault && inScope(rateLimitFault, method, path) && this.fires('rateLimit')) {
      fault = 'rate_limit';
      this.counters.faults.rateLimited += 1;
      const policy = rateLimitFault.policy ?? 'TEN_SECONDLY_ROLLING';
      this.countRateLimited(policy);
      return fail(rateLimitError(policy), { 'retry-after': String(rateLimitFault.retryAfterSeconds ?? 1) });
    }

    const serverError = this.faultConfig.serverError;
    const serverErrorFires = !!serverError && inScope(serverError, method, path) && this.fires('serverError');
    const failWithServerError = (): void => {
      fault = 'server_error';
      this.counters.faults.serverErrors += 1;
      fail(new HubspotError(serverError?.status ?? 500, 'INTERNAL_ERROR', 'internal error'));
    };
    if (serverErrorFires && (serverError.when ?? 'before') === 'before') return failWithServerError();

    if (!matched) {
      return fail(
        new HubspotError(404, 'OBJECT_NOT_FOUND', `The HubSpot emulator has no route for ${method} ${path}`),
      );
    }

    let result: RouteResult;
    // Writes through the API are the app's own (webhooks say INTEGRATION and the app id).
    this.store.changedBy = { changeSource: 'INTEGRATION', sourceId: String(this.webhooks?.appId ?? 1) };
    try {
      let parsedJson: { value: unknown } | null = null;
      result = matched.route.handler({
        params: matched.params,
        query: url.searchParams,
        json: () => {
          if (parsedJson) return parsedJson.value;
          try {
            parsedJson = { value: rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown) };
          } catch (error) {
            throw new HubspotError(
              400,
              'VALIDATION_ERROR',
              `Invalid input JSON on line 1, column 1: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          return parsedJson.value;
        },
        form: () => new URLSearchParams(rawBody),
      });
    } catch (error) {
      if (!(error instanceof HubspotError)) throw error;
      if (dropFires) return drop();
      if (serverErrorFires) return failWithServerError();
      return fail(error);
    } finally {
      this.store.changedBy = { changeSource: 'CRM_UI', sourceId: 'userId:1' };
    }
    if (result.writes) this.countWrites(result.writes.type, result.writes.outcome);
    if (dropFires) return drop();
    if (serverErrorFires) return failWithServerError();
    respond(result.status, result.body);
  }

  private fires(name: FaultName): boolean {
    return this.triggers.get(name)?.fires() ?? false;
  }

  private authenticate(
    request: IncomingMessage,
  ): HubspotError | { token: string; kind: 'private-app' | 'oauth'; scopes: string[] | null } {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const grant = token ? this.accessTokens.get(token) : undefined;
    if (!grant) {
      return new HubspotError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    if (grant.expiresAt !== null && grant.expiresAt <= this.clock.now()) {
      const ago = Math.floor((this.clock.now() - grant.expiresAt) / 1000);
      return new HubspotError(
        401,
        'EXPIRED_AUTHENTICATION',
        `The OAuth token used to make this call expired ${ago} second(s) ago.`,
      );
    }
    return { token, kind: grant.kind, scopes: grant.scopes };
  }

  /** Counts the request against the daily and per-token limits; sets the `X-HubSpot-RateLimit-*` headers. */
  private applyRateLimits(
    token: string,
    headers: Record<string, string>,
  ): { policy: RateLimitPolicy; retryAfterSeconds: number | null } | null {
    const day = this.portalDay.format(new Date(this.clock.now()));
    if (this.daily.day !== day) this.daily = { day, count: 0 };
    if (this.dailyLimit !== null) {
      headers['x-hubspot-ratelimit-daily'] = String(this.dailyLimit);
      if (this.daily.count >= this.dailyLimit) {
        headers['x-hubspot-ratelimit-daily-remaining'] = '0';
        this.setWindowHeaders(token, headers, null);
        return { policy: 'DAILY', retryAfterSeconds: null };
      }
    }
    if (this.rateLimitEnabled && this.limiter) {
      const outcome = this.limiter.take(token, performance.now());
      if (!outcome.allowed) {
        this.setWindowHeaders(token, headers, 0);
        if (this.dailyLimit !== null) {
          headers['x-hubspot-ratelimit-daily-remaining'] = String(this.dailyLimit - this.daily.count);
        }
        return {
          policy: 'TEN_SECONDLY_ROLLING',
          retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)),
        };
      }
      this.setWindowHeaders(token, headers, outcome.remaining);
    }
    this.daily.count += 1;
    if (this.dailyLimit !== null) {
      headers['x-hubspot-ratelimit-daily-remaining'] = String(this.dailyLimit - this.daily.count);
    }
    return null;
  }

  private setWindowHeaders(token: string, headers: Record<string, string>, remaining: number | null): void {
    if (!this.rateLimitEnabled || !this.limiter) return;
    headers['x-hubspot-ratelimit-max'] = String(this.limiter.config.requests);
    headers['x-hubspot-ratelimit-remaining'] = String(
      remaining ?? this.limiter.remaining(token, performance.now()),
    );
    headers['x-hubspot-ratelimit-interval-milliseconds'] = String(this.limiter.config.windowMs);
  }

  private countRateLimited(policy: RateLimitPolicy): void {
    this.counters.rateLimited += 1;
    this.counters.rateLimitedByPolicy[policy] = (this.counters.rateLimitedByPolicy[policy] ?? 0) + 1;
  }

  private countWrites(
    type: ObjectTypeName,
    outcome: Pick<BatchOutcome, 'inputs' | 'created' | 'updated' | 'failed'>,
  ): void {
    const perType = this.counters.writes.byObjectType[type] ?? emptyWrites();
    this.counters.writes.byObjectType[type] = perType;
    for (const target of [this.counters.writes, perType]) {
      target.inputs += outcome.inputs;
      target.created += outcome.created;
      target.updated += outcome.updated;
      target.failed += outcome.failed;
    }
  }

  private nextCorrelationId(): string {
    return this.deterministicUuid('correlation');
  }

  /** UUID-shaped, deterministic for a fresh emulator. */
  private deterministicUuid(kind: 'correlation' | 'code' | 'token'): string {
    const counter = kind === 'correlation' ? ++this.correlationCounter : ++this.tokenCounter;
    const prefix = { correlation: '00000000', code: 'c0de0000', token: '70ce0000' }[kind];
    return `${prefix}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  }

  private matchRoute(method: string, path: string): { route: Route; params: string[] } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) return { route, params: match.slice(1).map((part) => decodeURIComponent(part ?? '')) };
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------ routes

  private buildRoutes(): Route[] {
    const store = this.store;
    const routes: Route[] = [];
    const type = (raw: string | undefined): string => resolveObjectType(raw ?? '')?.name ?? raw ?? '';
    const add = (
      method: string,
      pattern: RegExp,
      name: (params: string[]) => string,
      handler: Route['handler'],
      isPublic = false,
    ): void => {
      routes.push({ method, pattern, name, handler, public: isPublic });
    };
    const p = (params: string[], index: number): string => params[index] ?? '';
    const list = (query: URLSearchParams, name: string): string[] | undefined => {
      const values = query.getAll(name);
      if (values.length === 0) return undefined;
      return values.flatMap((value) => value.split(',')).filter((value) => value !== '');
    };
    const outcome = (kind: string, outcome: BatchOutcome, objectType: string): RouteResult => {
      const writes = kind === 'read' ? undefined : { type: store.typeName(objectType), outcome };
      if (outcome.error) {
        if (writes) this.countWrites(writes.type, outcome);
        throw outcome.error;
      }
      return { status: outcome.httpStatus, body: outcome.body, ...(writes ? { writes } : {}) };
    };

    // ---------------------------------------------------------------------------- CRM objects (v3)
    add(
      'POST',
      /^\/crm\/v3\/objects\/([^/]+)\/batch\/(read|create|update|upsert|archive)$/,
      (params) => `/crm/v3/objects/${type(params[0])}/batch/${p(params, 1)}`,
      ({ params, query, json }) => {
        const objectType = p(params, 0);
        const kind = p(params, 1);
        if (kind === 'read')
          return outcome(
            kind,
            store.batchRead(objectType, json(), query.get('archived') === 'true'),
            objectType,
          );
        if (kind === 'archive') {
          store.batchArchive(objectType, json());
          return { status: 204 };
        }
        return outcome(
          kind,
          store.batchWrite(kind as 'create' | 'update' | 'upsert', objectType, json()),
          objectType,
        );
      },
    );
    add(
      'GET',
      /^\/crm\/v3\/objects\/([^/]+)$/,
      (params) => `/crm/v3/objects/${type(params[0])}`,
      ({ params, query }) => {
        const after = query.get('after');
        return {
          status: 200,
          body: store.list(p(params, 0), {
            limit: Number(query.get('limit') ?? '10'),
            ...(after !== null ? { after } : {}),
            properties: list(query, 'properties') ?? [],
            withHistory: list(query, 'propertiesWithHistory') ?? [],
            associations: list(query, 'associations') ?? [],
            archived: query.get('archived') === 'true',
          }),
        };
      },
    );
    add(
      'POST',
      /^\/crm\/v3\/objects\/([^/]+)$/,
      (params) => `/crm/v3/objects/${type(params[0])}`,
      ({ params, json }) => {
        const objectType = p(params, 0);
        const writes = {
          type: store.typeName(objectType),
          outcome: { inputs: 1, created: 0, updated: 0, failed: 1 },
        };
        try {
          const body = store.createOne(objectType, json());
          return {
            status: 201,
            body,
            writes: { ...writes, outcome: { inputs: 1, created: 1, updated: 0, failed: 0 } },
          };
        } catch (error) {
          if (error instanceof HubspotError) this.countWrites(writes.type, writes.outcome);
          throw error;
        }
      },
    );
    add(
      'GET',
      /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/objects/${type(params[0])}/:id`,
      ({ params, query }) => {
        const idProperty = query.get('idProperty');
        return {
          status: 200,
          body: store.getOne(p(params, 0), p(params, 1), {
            properties: list(query, 'properties') ?? [],
            withHistory: list(query, 'propertiesWithHistory') ?? [],
            associations: list(query, 'associations') ?? [],
            archived: query.get('archived') === 'true',
            ...(idProperty !== null ? { idProperty } : {}),
          }),
        };
      },
    );
    add(
      'PATCH',
      /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/objects/${type(params[0])}/:id`,
      ({ params, query, json }) => {
        const objectType = p(params, 0);
        const writes = {
          type: store.typeName(objectType),
          outcome: { inputs: 1, created: 0, updated: 0, failed: 1 },
        };
        try {
          const body = store.updateOne(
            objectType,
            p(params, 1),
            query.get('idProperty') ?? undefined,
            json(),
          );
          return {
            status: 200,
            body,
            writes: { ...writes, outcome: { inputs: 1, created: 0, updated: 1, failed: 0 } },
          };
        } catch (error) {
          if (error instanceof HubspotError) this.countWrites(writes.type, writes.outcome);
          throw error;
        }
      },
    );
    add(
      'DELETE',
      /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/objects/${type(params[0])}/:id`,
      ({ params }) => {
        store.archiveOne(p(params, 0), p(params, 1));
        return { status: 204 };
      },
    );

    // ------------------------------------------------------------------------- properties and groups
    add(
      'GET',
      /^\/crm\/v3\/properties\/([^/]+)\/groups$/,
      (params) => `/crm/v3/properties/${type(params[0])}/groups`,
      ({ params }) => ({ status: 200, body: { results: store.listGroups(p(params, 0)) } }),
    );
    add(
      'POST',
      /^\/crm\/v3\/properties\/([^/]+)\/groups$/,
      (params) => `/crm/v3/properties/${type(params[0])}/groups`,
      ({ params, json }) => ({ status: 201, body: store.createGroup(p(params, 0), json()) }),
    );
    add(
      'GET',
      /^\/crm\/v3\/properties\/([^/]+)\/groups\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}/groups/:name`,
      ({ params }) => ({ status: 200, body: store.getGroup(p(params, 0), p(params, 1)) }),
    );
    add(
      'DELETE',
      /^\/crm\/v3\/properties\/([^/]+)\/groups\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}/groups/:name`,
      ({ params }) => {
        store.archiveGroup(p(params, 0), p(params, 1));
        return { status: 204 };
      },
    );
    add(
      'GET',
      /^\/crm\/v3\/properties\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}`,
      ({ params, query }) => ({
        status: 200,
        body: { results: store.listProperties(p(params, 0), query.get('archived') === 'true') },
      }),
    );
    add(
      'POST',
      /^\/crm\/v3\/properties\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}`,
      ({ params, json }) => ({ status: 201, body: store.createProperty(p(params, 0), json()) }),
    );
    add(
      'GET',
      /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}/:name`,
      ({ params, query }) => ({
        status: 200,
        body: store.getProperty(p(params, 0), p(params, 1), query.get('archived') === 'true'),
      }),
    );
    add(
      'PATCH',
      /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}/:name`,
      ({ params, json }) => ({ status: 200, body: store.updateProperty(p(params, 0), p(params, 1), json()) }),
    );
    add(
      'DELETE',
      /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v3/properties/${type(params[0])}/:name`,
      ({ params }) => {
        store.archiveProperty(p(params, 0), p(params, 1));
        return { status: 204 };
      },
    );

    // ----------------------------------------------------------------------------- associations (v4)
    add(
      'GET',
      /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)$/,
      (params) => `/crm/v4/objects/${type(params[0])}/:id/associations/${type(params[2])}`,
      ({ params, query }) => {
        const limit = Number(query.get('limit') ?? '500');
        const after = Number(query.get('after') ?? '0');
        if (!Number.isInteger(limit) || limit < 1 || limit > 500 || !Number.isInteger(after) || after < 0) {
          throw new HubspotError(400, 'VALIDATION_ERROR', 'limit must be 1..500 and after a paging token');
        }
        return {
          status: 200,
          body: store.associationsPage(p(params, 0), p(params, 1), p(params, 2), after, limit),
        };
      },
    );
    add(
      'PUT',
      /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/default\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v4/objects/${type(params[0])}/:id/associations/default/${type(params[2])}/:toId`,
      ({ params }) => ({
        status: 200,
        body: store.createDefaultAssociation(p(params, 0), p(params, 1), p(params, 2), p(params, 3)),
      }),
    );
    add(
      'PUT',
      /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v4/objects/${type(params[0])}/:id/associations/${type(params[2])}/:toId`,
      ({ params, json }) => ({
        status: 201,
        body: store.createAssociation(p(params, 0), p(params, 1), p(params, 2), p(params, 3), json()),
      }),
    );
    add(
      'DELETE',
      /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)\/([^/]+)$/,
      (params) => `/crm/v4/objects/${type(params[0])}/:id/associations/${type(params[2])}/:toId`,
      ({ params }) => {
        store.removeAssociation(p(params, 0), p(params, 1), p(params, 2), p(params, 3));
        return { status: 204 };
      },
    );
    add(
      'POST',
      /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/read$/,
      (params) => `/crm/v4/associations/${type(params[0])}/${type(params[1])}/batch/read`,
      ({ params, json }) => {
        const result = store.batchReadAssociations(p(params, 0), p(params, 1), json());
        return { status: result.httpStatus, body: result.body };
      },
    );

    // ---------------------------------------------------------------------------------------- owners
    // Owners v3 `GET /crm/v3/owners` (CollectionResponsePublicOwnerForwardPaging): `email` filters,
    // `limit` (max 500, default 100) and `after` page, `archived=true` lists the archived ones instead.
    add(
      'GET',
      /^\/crm\/v3\/owners\/?$/,
      () => '/crm/v3/owners',
      ({ query }) => {
        const archived = query.get('archived') === 'true';
        const email = query.get('email')?.toLowerCase();
        const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 100) || 100));
        const start = Math.max(0, Number(query.get('after') ?? 0) || 0);
        const matching = this.ownerDirectory.filter(
          (owner) =>
            (owner.archived === true) === archived &&
            (email === undefined || owner.email.toLowerCase() === email),
        );
        const page = matching.slice(start, start + limit);
        const created = new Date(this.clock.now()).toISOString();
        return {
          status: 200,
          body: {
            results: page.map((owner, index) => ({
              id: owner.id,
              email: owner.email,
              type: 'PERSON',
              firstName: owner.firstName ?? '',
              lastName: owner.lastName ?? '',
              userId: 9000000 + start + index,
              userIdIncludingInactive: 9000000 + start + index,
              createdAt: created,
              updatedAt: created,
              archived: owner.archived === true,
            })),
            ...(start + limit < matching.length
              ? { paging: { next: { after: String(start + limit), link: '' } } }
              : {}),
          },
        };
      },
    );

    // ------------------------------------------------------------------------------ account details
    // Account Info v3 `GET /account-info/v3/details` (PortalInformationResponse).
    add(
      'GET',
      /^\/account-info\/v3\/details$/,
      () => '/account-info/v3/details',
      () => ({
        status: 200,
        body: {
          portalId: this.portalId,
          accountType: 'STANDARD',
          timeZone: this.timeZone,
          companyCurrency: 'USD',
          additionalCurrencies: [],
          ...this.utcOffset(),
          uiDomain: 'app.hubspot.com',
          dataHostingLocation: 'na1',
        },
      }),
    );

    // ----------------------------------------------------------------------------------------- oauth
    add(
      'POST',
      /^\/oauth\/v1\/token$/,
      () => '/oauth/v1/token',
      ({ form }) => {
        this.refuseRetiredV1();
        return this.token(form(), 'v1');
      },
      true,
    );
    add(
      'POST',
      /^\/oauth\/2026-03\/token$/,
      () => '/oauth/2026-03/token',
      ({ form }) => this.token(form(), '2026-03'),
      true,
    );
    add(
      'POST',
      /^\/oauth\/2026-03\/token\/introspect$/,
      () => '/oauth/2026-03/token/introspect',
      ({ form }) => this.introspect(form()),
      true,
    );
    add(
      'POST',
      /^\/oauth\/2026-03\/token\/revoke$/,
      () => '/oauth/2026-03/token/revoke',
      ({ form }) => {
        this.checkClient(form(), '2026-03');
        const grant = this.refreshTokens.get(form().get('token') ?? '');
        if (grant) grant.revoked = true;
        return { status: 200, body: {} };
      },
      true,
    );
    add(
      'GET',
      /^\/oauth\/v1\/access-tokens\/([^/]+)$/,
      () => '/oauth/v1/access-tokens/:token',
      ({ params }) => {
        this.refuseRetiredV1();
        const token = p(params, 0);
        const grant = this.accessTokens.get(token);
        if (!grant || grant.kind !== 'oauth' || (grant.expiresAt ?? 0) <= this.clock.now()) {
          throw new HubspotError(404, 'OBJECT_NOT_FOUND', 'Token not found or expired');
        }
        return {
          status: 200,
          body: {
            token,
            user: 'emulator@example.com',
            hub_domain: `portal-${this.portalId}.example`,
            scopes: grant.scopes,
            hub_id: this.portalId,
            app_id: 1,
            expires_in: Math.floor(((grant.expiresAt ?? 0) - this.clock.now()) / 1000),
            user_id: 1,
            token_type: 'access',
          },
        };
      },
      true,
    );
    add(
      'GET',
      /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/,
      () => '/oauth/v1/refresh-tokens/:token',
      ({ params }) => {
        this.refuseRetiredV1();
        const token = p(params, 0);
        const grant = this.refreshTokens.get(token);
        if (!grant || grant.revoked) throw new HubspotError(404, 'OBJECT_NOT_FOUND', 'Token not found');
        return {
          status: 200,
          body: {
            token,
            user: 'emulator@example.com',
            hub_domain: `portal-${this.portalId}.example`,
            scopes: grant.scopes,
            hub_id: this.portalId,
            client_id: this.oauthClient.clientId,
            user_id: 1,
            token_type: 'refresh',
          },
        };
      },
      true,
    );
    add(
      'DELETE',
      /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/,
      () => '/oauth/v1/refresh-tokens/:token',
      ({ params }) => {
        this.refuseRetiredV1();
        const grant = this.refreshTokens.get(p(params, 0));
        if (!grant || grant.revoked) throw new HubspotError(404, 'OBJECT_NOT_FOUND', 'Token not found');
        grant.revoked = true;
        return { status: 204 };
      },
      true,
    );
    return routes;
  }

  /** The portal's offset now, as the account details answer it (`-05:00`, -18000000). */
  private utcOffset(): { utcOffset: string; utcOffsetMilliseconds: number } {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(this.clock.now()))
      .find((part) => part.type === 'timeZoneName')?.value;
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    if (!match) return { utcOffset: '+00:00', utcOffsetMilliseconds: 0 };
    const sign = match[1] === '-' ? -1 : 1;
    const ms = sign * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
    return { utcOffset: `${match[1]}${match[2]}:${match[3]}`, utcOffsetMilliseconds: ms };
  }

  /** After the retirement date the v1 endpoints are gone (404), as the deprecation changelog announces. */
  private refuseRetiredV1(): void {
    if (this.clock.now() >= this.v1RetiresAt)
      throw new HubspotError(
        404,
        'OBJECT_NOT_FOUND',
        'The v1 OAuth API was retired on 2027-02-16; use /oauth/2026-03/token',
      );
  }

  /** A 400 of the OAuth API: v1 answers `{status, message}`, 2026-03 adds RFC 6749's `error` fields. */
  private oauthError(version: 'v1' | '2026-03', status: string, message: string): RawHubspotError {
    return new RawHubspotError(
      400,
      version === 'v1'
        ? { status, message }
        : {
            error: OAUTH_ERROR_CODES[status] ?? 'invalid_request',
            error_description: message,
            status,
            message,
          },
    );
  }

  private checkClient(form: URLSearchParams, version: 'v1' | '2026-03'): void {
    if (form.get('client_id') !== this.oauthClient.clientId) {
      throw this.oauthError(version, 'BAD_CLIENT_ID', 'missing or unknown client id');
    }
    if (form.get('client_secret') !== this.oauthClient.clientSecret) {
      throw this.oauthError(version, 'BAD_CLIENT_SECRET', 'missing or invalid client secret');
    }
  }

  /** `POST /oauth/2026-03/token/introspect`: an unknown or expired token is `{active: false}`. */
  private introspect(form: URLSearchParams): RouteResult {
    this.checkClient(form, '2026-03');
    const token = form.get('token') ?? '';
    const access = this.accessTokens.get(token);
    if (access && access.kind === 'oauth' && (access.expiresAt ?? 0) > this.clock.now()) {
      return {
        status: 200,
        body: {
          active: true,
          token,
          token_type: 'bearer',
          token_use: 'access_token',
          user: 'emulator@example.com',
          user_id: 1,
          hub_domain: `portal-${this.portalId}.example`,
          hub_id: this.portalId,
          app_id: 1,
          client_id: this.oauthClient.clientId,
          scopes: access.scopes,
          is_private_distribution: false,
          expires_in: Math.floor(((access.expiresAt ?? 0) - this.clock.now()) / 1000),
        },
      };
    }
    const refresh = this.refreshTokens.get(token);
    if (refresh && !refresh.revoked) {
      return {
        status: 200,
        body: {
          active: true,
          token,
          token_type: 'bearer',
          token_use: 'refresh_token',
          user: 'emulator@example.com',
          user_id: 1,
          hub_domain: `portal-${this.portalId}.example`,
          hub_id: this.portalId,
          app_id: 1,
          client_id: this.oauthClient.clientId,
          scopes: refresh.scopes,
        },
      };
    }
    return { status: 200, body: { active: false } };
  }

  /** `POST /oauth/v1/token` and `POST /oauth/2026-03/token` (form-encoded). */
  private token(form: URLSearchParams, version: 'v1' | '2026-03'): RouteResult {
    const bad = (status: string, message: string): RawHubspotError =>
      this.oauthError(version, status, message);
    const grantType = form.get('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw bad('BAD_GRANT_TYPE', 'missing or unsupported grant_type (authorization_code or refresh_token)');
    }
    this.checkClient(form, version);
    let refreshToken: string;
    let scopes: string[];
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.used) throw bad('BAD_AUTH_CODE', 'missing or unknown auth code');
      if (form.get('redirect_uri') !== code.redirectUri) {
        throw bad('BAD_REDIRECT_URI', 'redirect_uri does not match initial redirect_uri');
      }
      code.used = true;
      refreshToken = `na1-${this.deterministicUuid('token').slice(9)}`;
      scopes = code.scopes;
      this.refreshTokens.set(refreshToken, { scopes, revoked: false });
    } else {
      refreshToken = form.get('refresh_token') ?? '';
      const grant = this.refreshTokens.get(refreshToken);
      if (!grant || grant.revoked) throw bad('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      scopes = grant.scopes;
    }
    const accessToken = `oat-na1-${this.deterministicUuid('token')}`;
    this.accessTokens.set(accessToken, {
      kind: 'oauth',
      scopes,
      expiresAt: this.clock.now() + this.accessTokenTtlSeconds * 1000,
    });
    const body = {
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: accessToken,
      expires_in: this.accessTokenTtlSeconds,
    };
    // The dated API names the portal, the scopes and the user in the token answer itself.
    return version === 'v1'
      ? { status: 200, body }
      : {
          status: 200,
          body: { ...body, token_use: 'access_token', hub_id: this.portalId, scopes, user_id: 1 },
        };
  }
}

function rateLimitError(policy: RateLimitPolicy): HubspotError {
  return new RawHubspotError(429, {
    status: 'error',
    message: RATE_LIMIT_MESSAGES[policy],
    errorType: 'RATE_LIMIT',
    policyName: policy,
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
