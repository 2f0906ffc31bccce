/**
 * A local, stateful HTTP emulator of the Salesforce REST API as `jsforce` 3 calls it, for tests and
 * benchmarks of the Salesforce adapter.
 *
 *   const sf = await startSalesforceEmulator({ accessToken: 'sf-test-token' });
 *   const conn = new Connection({ instanceUrl: sf.url, accessToken: 'sf-test-token', version: '62.0' });
 *   const accountId = sf.createAccount({ Name: 'Acme', Collections_Billing_Customer_Id__c: 'cus_1' });
 *   await conn.sobject('Account').upsert(records, 'Collections_Billing_Customer_Id__c', { allOrNone: false });
 *   sf.setFaults({ lockError: { trigger: { kind: 'first', count: 1 } } });
 *   await sf.close();
 *
 * Loopback only (127.0.0.1, ephemeral port by default); everything is in memory; ids and tokens are
 * deterministic for a fresh emulator. README.md beside this file lists the endpoints, error bodies,
 * limits and how jsforce behaves against them.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BulkIngest, type IngestJob } from './bulk';
import { mintId, normalizeId, isIdShaped } from './ids';
import { OAuthError, OAuthServer, type OAuthStats, type OrgUser } from './oauth';
import {
  BULK_JOB_KEY_PREFIX,
  describeField,
  fieldSpec,
  ORG_KEY_PREFIX,
  QUERY_LOCATOR_PREFIX,
  SOBJECTS,
  sobjectSpec,
  USER_KEY_PREFIX,
  type SObjectSpec,
} from './schema';
import { compileSoql, projectRecord, QueryCursors, runQuery } from './soql';
import {
  EmulatorClock,
  isRecord,
  NOT_FOUND_MESSAGE,
  recordError,
  requireExternalIdField,
  requireSpec,
  SalesforceError,
  SalesforceStore,
  uniqueKey,
  type ApiErrorItem,
  type DmlOutcome,
  type JsonObject,
  type RecordError,
  type RecordSnapshot,
  type StoredRecord,
} from './store';

export { EmulatorClock, SalesforceError, SalesforceStore } from './store';
export type { FieldValue, JsonObject, RecordSnapshot } from './store';
export { SOBJECTS, sobjectSpec, type FieldSpec, type SObjectSpec } from './schema';
export { pkceChallenge, type OAuthStats } from './oauth';
export type { IngestJob } from './bulk';

// ------------------------------------------------------------------------------------------------ faults

/** When a fault fires, counted over what its scope matches (requests, or records for `lockError`). */
export type FaultTrigger =
  /** The first `count` matches. */
  | { kind: 'first'; count: number }
  /** Matches number k, 2k, 3k, … */
  | { kind: 'everyKth'; k: number }
  | { kind: 'always' }
  /** Each match with probability `p`, from a seeded generator (default seed 1). */
  | { kind: 'probability'; p: number; seed?: number };

export interface FaultScope {
  /** Path prefixes, full (`/services/data/v62.0/composite`) or version-less (`/composite/sobjects`); all when absent. */
  paths?: string[];
  methods?: string[];
}

/**
 * Per record of sObject Collections, single-record DML, composite and Bulk jobs: the record fails with
 * `UNABLE_TO_LOCK_ROW` (`unable to obtain exclusive access to this record or 1 records: <id>`).
 */
export interface LockErrorFault {
  trigger: FaultTrigger;
  /** sObject names it applies to; all when absent. */
  objects?: string[];
}

/**
 * A record-triggered flow or process that fails on these records: every write of one fails that record
 * with `CANNOT_EXECUTE_FLOW_TRIGGER` (Salesforce Help, "Flow Error: We can't save this record because
 * the process failed"), until the fault is cleared.
 */
export interface FlowErrorFault {
  recordIds: string[];
  /** The flow's name in the message. Default `Collections_Check`. */
  flow?: string;
}

/** A 5xx `[{errorCode:'SERVER_UNAVAILABLE', …}]`; `when: 'after'` applies the request first. */
export interface ServiceUnavailableFault extends FaultScope {
  trigger: FaultTrigger;
  status?: 500 | 502 | 503 | 504;
  when?: 'before' | 'after';
}

/** 401 INVALID_SESSION_ID although the token is valid (default: once). */
export interface SessionExpiredFault extends FaultScope {
  trigger?: FaultTrigger;
}

/**
 * 403 REQUEST_LIMIT_EXCEEDED independent of the real daily count. `form`: `'daily'` (default) answers
 * "TotalRequests Limit exceeded."; `'concurrent'` the concurrent-request limit's "ConcurrentRequests
 * (Concurrent API Requests) Limit exceeded." (Salesforce Developer Limits and Allocations Quick
 * Reference, "API Request Limits and Allocations": concurrent long-running requests per org).
 */
export interface RequestLimitFault extends FaultScope {
  trigger: FaultTrigger;
  form?: 'daily' | 'concurrent';
}

export interface LatencyFault extends FaultScope {
  ms: number;
  jitterMs?: number;
  trigger?: FaultTrigger;
}

/**
 * Kills the connection without an answer; `when: 'after'` processes the request first (the write lands,
 * the answer is lost). `mode: 'close'` (default) ends the socket (the client sees "other side closed");
 * `'reset'` sends a TCP RST (the client sees ECONNRESET). jsforce retries only the latter (GET/PUT/DELETE).
 */
export interface DropConnectionFault extends FaultScope {
  trigger: FaultTrigger;
  when?: 'before' | 'after';
  mode?: 'close' | 'reset';
}

export interface FaultConfig {
  lockError?: LockErrorFault | null;
  flowError?: FlowErrorFault | null;
  serviceUnavailable?: ServiceUnavailableFault | null;
  sessionExpired?: SessionExpiredFault | null;
  requestLimit?: RequestLimitFault | null;
  latency?: LatencyFault | null;
  dropConnection?: DropConnectionFault | null;
}

type FaultName = keyof FaultConfig;
const FAULT_NAMES: readonly FaultName[] = [
  'lockError',
  'flowError',
  'serviceUnavailable',
  'sessionExpired',
  'requestLimit',
  'latency',
  'dropConnection',
];

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

function inScope(scope: FaultScope, method: string, path: string, apiPath: string | null): boolean {
  if (scope.methods && !scope.methods.map((item) => item.toUpperCase()).includes(method)) return false;
  if (
    scope.paths &&
    !scope.paths.some((prefix) => path.startsWith(prefix) || (apiPath !== null && apiPath.startsWith(prefix)))
  ) {
    return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------- stats

export interface RecordCounters {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  /** Successful records undone by an all-or-none rollback. */
  rolledBack: number;
}

export interface SalesforceEmulatorStats {
  /** Every HTTP request received. */
  requests: number;
  /** Per route with the canonical sObject, e.g. `PATCH /composite/sobjects/Account/Collections_Billing_Customer_Id__c`. */
  byRoute: Record<string, number>;
  /** Per answered status; dropped connections are not answered. */
  byStatus: Record<string, number>;
  /** Per API version used in `/services/data/vXX.X` paths. */
  byApiVersion: Record<string, number>;
  /** The org's daily API usage (rolling 24 h of emulator time) and limit. */
  apiUsage: { used: number; max: number };
  /** 401 answers. */
  unauthorized: number;
  /** 403 REQUEST_LIMIT_EXCEEDED answers (real and injected). */
  requestLimitExceeded: number;
  records: RecordCounters & { byObject: Record<string, RecordCounters> };
  queries: { queries: number; queryMore: number; rows: number };
  bulk: {
    jobsCreated: number;
    jobsCompleted: number;
    jobsFailed: number;
    recordsProcessed: number;
    recordsFailed: number;
  };
  composite: { requests: number; subrequests: number };
  oauth: OAuthStats;
  /** Injected faults that fired. */
  faults: {
    lockErrors: number;
    flowErrors: number;
    serviceUnavailable: number;
    sessionExpired: number;
    requestLimit: number;
    delayed: number;
    dropped: number;
  };
}

export interface RequestLogEntry {
  /** Wall-clock ms. */
  at: number;
  method: string;
  url: string;
  route: string;
  /** 0 when the connection was dropped. */
  status: number;
  apiVersion: string | null;
  fault: 'service_unavailable' | 'session_expired' | 'request_limit' | 'drop' | null;
  auth: 'static' | 'oauth' | null;
  /** The request body as received (first 10 000 characters), with `logBodies: true`. */
  body?: string;
}

function emptyRecordCounters(): RecordCounters {
  return { created: 0, updated: 0, deleted: 0, failed: 0, rolledBack: 0 };
}

function emptyStats(): Omit<SalesforceEmulatorStats, 'apiUsage' | 'oauth'> {
  return {
    requests: 0,
    byRoute: {},
    byStatus: {},
    byApiVersion: {},
    unauthorized: 0,
    requestLimitExceeded: 0,
    records: { ...emptyRecordCounters(), byObject: {} },
    queries: { queries: 0, queryMore: 0, rows: 0 },
    bulk: { jobsCreated: 0, jobsCompleted: 0, jobsFailed: 0, recordsProcessed: 0, recordsFailed: 0 },
    composite: { requests: 0, subrequests: 0 },
    faults: {
      lockErrors: 0,
      flowErrors: 0,
      serviceUnavailable: 0,
      sessionExpired: 0,
      requestLimit: 0,
      delayed: 0,
      dropped: 0,
    },
  };
}

// ------------------------------------------------------------------------------------------------- setup

export interface SalesforceEmulatorOptions {
  /** Default 0 (ephemeral). Always bound to 127.0.0.1. */
  port?: number;
  /** A static bearer token that never expires; `null` accepts OAuth tokens only. Default `sf-test-token`. */
  accessToken?: string | null;
  /** The connected app. Defaults `emulator-client-id` / `emulator-client-secret`. */
  clientId?: string;
  clientSecret?: string;
  /** `client_secret` required on the code (without PKCE) and refresh grants. Default true. */
  requireClientSecret?: boolean;
  /** OAuth access-token lifetime on the emulator clock. Default 7200. */
  accessTokenTtlSeconds?: number;
  /** Each refresh returns a new refresh token and retires the old one; reuse revokes the login. Default true. */
  rotateRefreshTokens?: boolean;
  /** PEM public key(s) for the JWT bearer flow (`sf.registerJwtPublicKey` adds more). */
  jwtPublicKeyPem?: string | string[];
  /** Users of the org; the first is the running user. Default `[{ username: 'emulator@example.com', password: 'password' }]`. */
  users?: { username: string; password?: string }[];
  /** DailyApiRequests Max. Default 100 000. */
  dailyApiLimit?: number;
  /** Production (default) or sandbox: the JWT bearer audience it accepts. */
  orgType?: 'production' | 'sandbox';
  /** What the API user's profile and permission sets grant. Default: no View Setup, every field editable. */
  userPermissions?: UserPermissions;
  /** Query batch size without `Sforce-Query-Options`. Default 2000 (the header is clamped to 200..2000). */
  defaultQueryBatchSize?: number;
  /** Open query cursors per user before the oldest is dropped. Default 10. */
  maxOpenQueryCursors?: number;
  /** An unknown field in an sObject Collections record fails the record (default) or the request. */
  unknownFieldInCollections?: 'record' | 'request';
  /** Bulk API 2.0: delay before InProgress and again before JobComplete. Default 50 ms. */
  bulkProcessingDelayMs?: number;
  /** Start of the emulator clock (ms) or `'wall'`. Default 2026-01-01T00:00:00Z, fixed. */
  clock?: number | 'wall';
  faults?: FaultConfig;
  /** Entries kept by `requestLog()`. Default 1000. */
  requestLogSize?: number;
  /** Keep request bodies in `requestLog()` (to assert what a client sends). Default false. */
  logBodies?: boolean;
}

/**
 * The API user's permissions that change what the API answers. `viewSetupAndConfiguration`: `/limits`
 * answers only with it (REST API Developer Guide, "Limits"). `readOnlyFields` (`'Account.Field__c'`):
 * field-level security grants read but not edit, so describe says `updateable: false` and writes fail
 * the record with INVALID_FIELD_FOR_INSERT_UPDATE (Salesforce Help, "Field-Level Security").
 */
export interface UserPermissions {
  viewSetupAndConfiguration?: boolean;
  readOnlyFields?: readonly string[];
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const emulator = new SalesforceEmulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

interface RouteContext {
  params: string[];
  query: URLSearchParams;
  /** `62.0` for `/services/data/v62.0/…`; '' outside. */
  version: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The JSON body; a malformed one answers 400 JSON_PARSER_ERROR. */
  json(): unknown;
  form(): URLSearchParams;
  /** Inside a composite request (no nested composite). */
  inComposite: boolean;
}

interface RouteResult {
  status: number;
  body?: unknown;
  /** A non-JSON body (CSV). */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  /** `data`: matched against the path after `/services/data/vXX.X`; `root`: the whole path. */
  scope: 'data' | 'root';
  pattern: RegExp;
  name: (params: string[]) => string;
  /** Needs a bearer token. */
  auth: boolean;
  /** Counts toward DailyApiRequests (and can be refused with REQUEST_LIMIT_EXCEEDED). */
  counts: boolean;
  /** Lowest API version offering it (sObject Collections: 42, upsert: 46). */
  minVersion?: number;
  handler: (context: RouteContext) => RouteResult;
}

const MAX_BODY_BYTES = 150_000_000;
const MAX_COLLECTION_RECORDS = 200;
const MAX_COMPOSITE_SUBREQUESTS = 25;
const DATA_PATH = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/;
const HOUR_MS = 3_600_000;
const ROLLED_BACK: RecordError = recordError(
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'Record rolled back because not all records were valid and the request was using AllOrNone header',
);

function toApiErrors(errors: readonly RecordError[]): ApiErrorItem[] {
  return errors.map((error) => ({
    message: error.message,
    errorCode: error.statusCode,
    fields: error.fields,
  }));
}

function saveResult(outcome: DmlOutcome, upsert: boolean): JsonObject {
  if (!outcome.success) return { success: false, errors: outcome.errors };
  return upsert
    ? { id: outcome.id, success: true, errors: [], created: outcome.created }
    : { id: outcome.id, success: true, errors: [] };
}

function propertyOf(record: JsonObject, name: string): unknown {
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function withoutKey(record: JsonObject, name: string): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(record))
    if (key.toLowerCase() !== name.toLowerCase()) copy[key] = value;
  return copy;
}

export class SalesforceEmulator {
  readonly clock: EmulatorClock;
  readonly store: SalesforceStore;
  readonly oauth: OAuthServer;
  readonly bulk: BulkIngest;
  readonly orgId: string;
  readonly users: readonly OrgUser[];
  readonly accessToken: string | null;

  private readonly server: Server;
  private boundPort = 0;
  private readonly routes: Route[];
  private counters = emptyStats();
  private readonly log: RequestLogEntry[] = [];
  private readonly requestLogSize: number;
  private requestListener: ((entry: RequestLogEntry) => void) | undefined;
  private logBodies: boolean;
  private readonly cursors: QueryCursors;
  private readonly defaultQueryBatchSize: number;
  private readonly unknownFieldInCollections: 'record' | 'request';

  private faultConfig: FaultConfig = {};
  private readonly triggers = new Map<FaultName, TriggerState>();
  private latencyRandom = seededRandom(7);

  private dailyApiLimit: number;
  private permissions: UserPermissions;
  /** Emulator-clock hour → API calls, for the rolling 24-hour usage. */
  private usageByHour = new Map<number, number>();
  private bulkBatchesUsed = 0;

  constructor(options: SalesforceEmulatorOptions = {}) {
    this.clock = new EmulatorClock(options.clock ?? Date.UTC(2026, 0, 1));
    this.orgId = mintId(ORG_KEY_PREFIX, 1);
    const userSpecs = options.users ?? [{ username: 'emulator@example.com', password: 'password' }];
    if (userSpecs.length === 0) throw new Error('the emulated org needs at least one user');
    this.users = userSpecs.map((user, index) => ({
      username: user.username,
      password: user.password ?? 'password',
      userId: mintId(USER_KEY_PREFIX, index + 1),
    }));
    this.accessToken = options.accessToken === undefined ? 'sf-test-token' : options.accessToken;
    const runningUser = this.users[0]?.userId ?? '';
    this.permissions = options.userPermissions ?? {};
    this.store = new SalesforceStore({
      clock: this.clock,
      userId: runningUser,
      userIds: () => this.users.map((user) => user.userId),
      fieldReadOnly: (object, field) => this.isFieldReadOnly(object, field),
    });
    this.seedUsers();
    const keys = options.jwtPublicKeyPem;
    this.oauth = new OAuthServer({
      clock: this.clock,
      orgId: this.orgId,
      users: [...this.users],
      clientId: options.clientId ?? 'emulator-client-id',
      clientSecret: options.clientSecret ?? 'emulator-client-secret',
      requireClientSecret: options.requireClientSecret ?? true,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 7200,
      rotateRefreshTokens: options.rotateRefreshTokens ?? true,
      authCodeTtlSeconds: 900,
      staticToken: this.accessToken,
      jwtPublicKeys: keys === undefined ? [] : Array.isArray(keys) ? keys : [keys],
      url: () => this.url,
      orgType: options.orgType ?? 'production',
    });
    this.cursors = new QueryCursors(
      () => this.clock.now(),
      () => this.store.nextId(QUERY_LOCATOR_PREFIX),
      options.maxOpenQueryCursors ?? 10,
    );
    this.defaultQueryBatchSize = options.defaultQueryBatchSize ?? 2000;
    this.unknownFieldInCollections = options.unknownFieldInCollections ?? 'record';
    this.bulk = new BulkIngest({
      now: () => this.clock.now(),
      nextId: () => this.store.nextId(BULK_JOB_KEY_PREFIX),
      userId: runningUser,
      processingDelayMs: options.bulkProcessingDelayMs ?? 50,
      processor: {
        processRecord: (job, values, duplicate) => this.processBulkRecord(job, values, duplicate),
        jobFinished: (job) => this.bulkJobFinished(job),
      },
    });
    this.dailyApiLimit = options.dailyApiLimit ?? 100_000;
    this.requestLogSize = options.requestLogSize ?? 1000;
    this.logBodies = options.logBodies ?? false;
    this.routes = this.buildRoutes();
    this.setFaults(options.faults ?? {});
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          response.writeHead(500, { 'content-type': 'application/json;charset=UTF-8' });
        response.end(JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }]));
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** @internal used by `startSalesforceEmulator`. */
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

  /** Login URL and instance URL at once. */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** The running user's id (`005…`), owner of created records. */
  get userId(): string {
    return this.users[0]?.userId ?? '';
  }

  /** `new Connection({ ...sf.connectionConfig() })`: instance URL, the static token, API version. */
  connectionConfig(version = '62.0'): { instanceUrl: string; accessToken: string; version: string } {
    return { instanceUrl: this.url, accessToken: this.accessToken ?? '', version };
  }

  get oauthClient(): { clientId: string; clientSecret: string } {
    return { clientId: this.oauth.clientId, clientSecret: this.oauth.clientSecret };
  }

  /** Stops listening, cancels Bulk processing timers and drops open connections. */
  close(): Promise<void> {
    this.bulk.stop();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------------------------------ faults

  /** Replaces the given faults (others unchanged); `null` removes one. Resets their trigger counts. */
  setFaults(faults: FaultConfig): void {
    for (const name of FAULT_NAMES) {
      const fault = faults[name];
      if (fault === undefined) continue;
      if (fault === null) {
        delete this.faultConfig[name];
        this.triggers.delete(name);
        continue;
      }
      (this.faultConfig as Record<FaultName, unknown>)[name] = fault;
      const fallback: FaultTrigger =
        name === 'sessionExpired' ? { kind: 'first', count: 1 } : { kind: 'always' };
      const trigger = 'trigger' in fault && fault.trigger ? fault.trigger : fallback;
      this.triggers.set(name, new TriggerState(trigger));
      if (name === 'latency') this.latencyRandom = seededRandom(7);
    }
  }

  clearFaults(): void {
    const none: FaultConfig = {};
    for (const name of FAULT_NAMES) none[name] = null;
    this.setFaults(none);
  }

  get faults(): Readonly<FaultConfig> {
    return this.faultConfig;
  }

  // ---------------------------------------------------------------------------------------- limits

  /** API calls in the last 24 hours of emulator time. */
  apiUsage(): { used: number; max: number } {
    const hour = Math.floor(this.clock.now() / HOUR_MS);
    let used = 0;
    for (const [at, count] of this.usageByHour) {
      if (at > hour - 24) used += count;
      else this.usageByHour.delete(at);
    }
    return { used, max: this.dailyApiLimit };
  }

  /** Sets the rolling usage to `used` (as if spent this hour), e.g. to test REQUEST_LIMIT_EXCEEDED. */
  setApiUsage(used: number): void {
    this.usageByHour = new Map([[Math.floor(this.clock.now() / HOUR_MS), used]]);
  }

  setDailyApiLimit(max: number): void {
    this.dailyApiLimit = max;
  }

  /** Replaces the API user's permissions (see `UserPermissions`). */
  setUserPermissions(permissions: UserPermissions): void {
    this.permissions = permissions;
  }

  private isFieldReadOnly(object: string, field: string): boolean {
    const name = `${object}.${field}`.toLowerCase();
    return (this.permissions.readOnlyFields ?? []).some((entry) => entry.toLowerCase() === name);
  }

  /** Bulk API 2.0: change the processing delay at run time. */
  setBulkProcessingDelay(ms: number): void {
    this.bulk.processingDelayMs = ms;
  }

  // ------------------------------------------------------------------------------------------ stats

  stats(): SalesforceEmulatorStats {
    const byObject: Record<string, RecordCounters> = {};
    for (const [type, counters] of Object.entries(this.counters.records.byObject))
      byObject[type] = { ...counters };
    return {
      ...this.counters,
      byRoute: { ...this.counters.byRoute },
      byStatus: { ...this.counters.byStatus },
      byApiVersion: { ...this.counters.byApiVersion },
      apiUsage: this.apiUsage(),
      records: { ...this.counters.records, byObject },
      queries: { ...this.counters.queries },
      bulk: { ...this.counters.bulk },
      composite: { ...this.counters.composite },
      oauth: { ...this.oauth.stats },
      faults: { ...this.counters.faults },
    };
  }

  /** Resets the counters and the request log (not the API usage: that is org state, see `setApiUsage`). */
  resetStats(): void {
    this.counters = emptyStats();
    for (const key of Object.keys(this.oauth.stats) as (keyof OAuthStats)[]) this.oauth.stats[key] = 0;
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

  /** Turns request-body logging on or off at run time. */
  setLogBodies(enabled: boolean): void {
    this.logBodies = enabled;
  }

  // ------------------------------------------------------------------------------------------ state

  /** Live (or with `deleted`, also recycle-bin) records of an sObject, oldest first. */
  records(type: string, options: { deleted?: boolean } = {}): RecordSnapshot[] {
    const spec = sobjectSpec(type);
    if (!spec) throw new Error(`unknown sObject ${type}`);
    return [...this.store.recordsOf(spec, options.deleted ?? false)].map((record) =>
      this.store.snapshot(record),
    );
  }

  record(id: string): RecordSnapshot | undefined {
    const record = this.store.get(id);
    return record ? this.store.snapshot(record) : undefined;
  }

  /** The live record whose external id / unique field has `value`. */
  findByExternalId(type: string, field: string, value: string): RecordSnapshot | undefined {
    const spec = sobjectSpec(type);
    const fieldDef = spec ? fieldSpec(spec, field) : undefined;
    if (!spec || !fieldDef) throw new Error(`unknown field ${type}.${field}`);
    const record = this.store.findAllByField(spec, fieldDef, value)[0];
    return record ? this.store.snapshot(record) : undefined;
  }

  /** Creates a record with the API's validation; throws a SalesforceError with the record's errors. */
  createRecord(type: string, fields: JsonObject): string {
    const spec = sobjectSpec(type);
    if (!spec) throw new Error(`unknown sObject ${type}`);
    const outcome = this.store.insert(spec, fields, { unknownField: 'request', seed: true });
    if (!outcome.success) {
      const first = outcome.errors[0];
      throw new SalesforceError(
        400,
        first?.statusCode ?? 'UNKNOWN',
        outcome.errors.map((e) => e.message).join('; '),
      );
    }
    return outcome.id;
  }

  createAccount(fields: JsonObject): string {
    return this.createRecord('Account', fields);
  }

  createOpportunity(fields: JsonObject): string {
    return this.createRecord('Opportunity', {
      StageName: 'Prospecting',
      CloseDate: new Date(this.clock.now()).toISOString().slice(0, 10),
      ...fields,
    });
  }

  createTask(fields: JsonObject): string {
    return this.createRecord('Task', fields);
  }

  createInvoice(fields: JsonObject): string {
    return this.createRecord('Collections_Invoice__c', fields);
  }

  /** Updates fields of a record with the API's validation (throws on errors). */
  updateRecord(id: string, fields: JsonObject): void {
    const target = this.store.resolveTarget(null, id);
    if (!(target && 'spec' in target)) throw new Error(`no record ${id}`);
    const outcome = this.store.update(target, fields, { unknownField: 'request', seed: true });
    if (!outcome.success) throw new Error(outcome.errors.map((error) => error.message).join('; '));
  }

  /** Bulk API 2.0 ingest jobs, oldest first (they survive client restarts). */
  bulkJobs(): IngestJob[] {
    return this.bulk.all();
  }

  bulkJob(id: string): IngestJob | undefined {
    return this.bulk.find(id);
  }

  /** Drops every record, query cursor and Bulk job; keeps tokens, usage and stats. */
  reset(): void {
    this.store.clear();
    this.cursors.clear();
    this.bulk.clear();
    this.seedUsers();
  }

  /** User records with the users' ids (the store mints 005… ids in the same order). */
  private seedUsers(): void {
    const userSpec = sobjectSpec('User');
    if (userSpec === undefined) return;
    for (const user of this.users)
      this.store.insert(
        userSpec,
        {
          Username: user.username,
          Email: user.username,
          Name: user.username.split('@')[0] ?? user.username,
          IsActive: true,
        },
        { id: user.userId },
      );
  }

  // ------------------------------------------------------------------------------------------ oauth

  /**
   * A single-use authorization code as `/services/oauth2/authorize` would hand to `redirectUri`. With
   * `codeChallenge` (base64url SHA-256 of the verifier, `pkceChallenge()`), the token request must send
   * the matching `code_verifier`.
   */
  mintAuthCode(options: { redirectUri?: string; codeChallenge?: string; username?: string } = {}): string {
    return this.oauth.mintAuthCode(options);
  }

  registerJwtPublicKey(pem: string): void {
    this.oauth.registerJwtPublicKey(pem);
  }

  /** Whether an access token would be accepted now (emulator clock). */
  isAccessTokenValid(token: string): boolean {
    return this.oauth.authenticate(token) !== null;
  }

  isRefreshTokenValid(token: string): boolean {
    return this.oauth.isRefreshTokenValid(token);
  }

  setRotateRefreshTokens(rotate: boolean): void {
    this.oauth.rotateRefreshTokens = rotate;
  }

  /** Revokes every OAuth login (e.g. "the admin revoked the connected app"); the static token stays valid. */
  revokeAllTokens(): void {
    this.oauth.revokeAll();
  }

  // ------------------------------------------------------------------------------------------ http

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    this.counters.requests += 1;
    const method = (request.method ?? 'GET').toUpperCase();
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const path = url.pathname;
    const dataMatch = DATA_PATH.exec(path);
    const version = dataMatch ? (dataMatch[1] ?? '') : null;
    const apiPath = dataMatch ? (dataMatch[2] ?? '/') : null;
    if (version) this.counters.byApiVersion[version] = (this.counters.byApiVersion[version] ?? 0) + 1;
    const rawBody = await readBody(request);
    const matched = this.matchRoute(method, path, apiPath);
    const route =
      matched && 'route' in matched
        ? `${method} ${matched.route.name(matched.params)}`
        : `${method} ${apiPath ?? path}`;
    this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;
    let fault: RequestLogEntry['fault'] = null;
    let auth: RequestLogEntry['auth'] = null;
    const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8' };
    const record = (status: number): void => {
      const entry: RequestLogEntry = {
        at: startedAt,
        method,
        url: rawUrl,
        route,
        status,
        apiVersion: version,
        fault,
        auth,
        ...(this.logBodies ? { body: rawBody.slice(0, 10_000) } : {}),
      };
      this.log.push(entry);
      if (this.log.length > this.requestLogSize) this.log.splice(0, this.log.length - this.requestLogSize);
      this.requestListener?.(entry);
    };
    const respond = (result: RouteResult): void => {
      const key = String(result.status);
      this.counters.byStatus[key] = (this.counters.byStatus[key] ?? 0) + 1;
      if (result.status === 401) this.counters.unauthorized += 1;
      if (version && auth !== null) {
        const usage = this.apiUsage();
        headers['sforce-limit-info'] = `api-usage=${usage.used}/${usage.max}`;
      }
      const all = { ...headers, ...(result.headers ?? {}) };
      if (result.text !== undefined) {
        all['content-type'] = result.contentType ?? 'text/plain;charset=UTF-8';
        response.writeHead(result.status, all);
        response.end(result.text);
      } else if (result.body === undefined || result.status === 204) {
        delete all['content-type'];
        response.writeHead(result.status, all);
        response.end();
      } else {
        response.writeHead(result.status, all);
        response.end(JSON.stringify(result.body));
      }
      record(result.status);
    };
    const fail = (error: SalesforceError | OAuthError, extra: Record<string, string> = {}): void =>
      respond({ status: error.httpStatus, body: error.toBody(), headers: extra });
    const drop = (): void => {
      fault = 'drop';
      this.counters.faults.dropped += 1;
      record(0);
      if (this.faultConfig.dropConnection?.mode === 'reset') request.socket.resetAndDestroy();
      else request.socket.destroy();
    };
    const fires = (name: FaultName): boolean => {
      const config = this.faultConfig[name];
      if (!config || name === 'lockError' || name === 'flowError') return false;
      if (!inScope(config as FaultScope, method, path, apiPath)) return false;
      return this.triggers.get(name)?.fires() ?? false;
    };

    const latency = this.faultConfig.latency;
    if (latency && fires('latency')) {
      const delay = latency.ms + (latency.jitterMs ? this.latencyRandom() * latency.jitterMs : 0);
      this.counters.faults.delayed += 1;
      if (delay > 0) await sleep(delay);
    }
    const dropFault = this.faultConfig.dropConnection;
    const dropFires = !!dropFault && fires('dropConnection');
    if (dropFires && (dropFault.when ?? 'before') === 'before') return drop();

    if (!matched) return fail(new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE));
    if ('allowed' in matched) {
      return fail(
        new SalesforceError(
          405,
          'METHOD_NOT_ALLOWED',
          `HTTP Method '${method}' not allowed. Allowed are ${matched.allowed.join(',')}`,
        ),
        { allow: matched.allowed.join(',') },
      );
    }
    const target = matched.route;

    if (target.auth) {
      const header = request.headers.authorization ?? '';
      const token = /^(Bearer|OAuth)\s+/i.test(header)
        ? header.replace(/^(Bearer|OAuth)\s+/i, '').trim()
        : '';
      const grant = token ? this.oauth.authenticate(token) : null;
      const invalid = new SalesforceError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      if (!grant) return fail(invalid, { 'www-authenticate': 'Token' });
      auth = grant.kind;
      if (fires('sessionExpired')) {
        fault = 'session_expired';
        this.counters.faults.sessionExpired += 1;
        return fail(invalid, { 'www-authenticate': 'Token' });
      }
    }
    if (target.counts) {
      if (this.apiUsage().used >= this.dailyApiLimit || fires('requestLimit')) {
        if (this.apiUsage().used < this.dailyApiLimit) {
          fault = 'request_limit';
          this.counters.faults.requestLimit += 1;
        }
        this.counters.requestLimitExceeded += 1;
        const concurrent = fault === 'request_limit' && this.faultConfig.requestLimit?.form === 'concurrent';
        return fail(
          new SalesforceError(
            403,
            'REQUEST_LIMIT_EXCEEDED',
            concurrent
              ? 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.'
              : 'TotalRequests Limit exceeded.',
          ),
        );
      }
    }
    const unavailable = this.faultConfig.serviceUnavailable;
    const unavailableFires = !!unavailable && fires('serviceUnavailable');
    const failUnavailable = (): void => {
      fault = 'service_unavailable';
      this.counters.faults.serviceUnavailable += 1;
      fail(
        new SalesforceError(
          unavailable?.status ?? 503,
          'SERVER_UNAVAILABLE',
          'Server is temporarily unavailable to handle the request. Try again later.',
        ),
      );
    };
    if (unavailableFires && (unavailable.when ?? 'before') === 'before') return failUnavailable();
    if (target.counts) this.countApiCall();
    if (version && target.minVersion !== undefined && Number(version) < target.minVersion) {
      return fail(new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE));
    }

    let result: RouteResult;
    try {
      result = target.handler(
        this.context(matched.params, url.searchParams, version ?? '', request.headers, rawBody, false),
      );
    } catch (error) {
      if (!(error instanceof SalesforceError) && !(error instanceof OAuthError)) throw error;
      if (dropFires) return drop();
      if (unavailableFires) return failUnavailable();
      return fail(error);
    }
    if (dropFires) return drop();
    if (unavailableFires) return failUnavailable();
    respond(result);
  }

  private context(
    params: string[],
    query: URLSearchParams,
    version: string,
    headers: IncomingHttpHeaders,
    rawBody: string,
    inComposite: boolean,
    body?: { value: unknown },
  ): RouteContext {
    let parsed: { value: unknown } | null = body ?? null;
    return {
      params,
      query,
      version,
      headers,
      rawBody,
      inComposite,
      json: () => {
        if (parsed) return parsed.value;
        try {
          parsed = { value: rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown) };
        } catch (error) {
          throw new SalesforceError(
            400,
            'JSON_PARSER_ERROR',
            `Unexpected character in the request body: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        return parsed.value;
      },
      form: () => new URLSearchParams(rawBody),
    };
  }

  private countApiCall(): void {
    const hour = Math.floor(this.clock.now() / HOUR_MS);
    this.usageByHour.set(hour, (this.usageByHour.get(hour) ?? 0) + 1);
  }

  private matchRoute(
    method: string,
    path: string,
    apiPath: string | null,
  ): { route: Route; params: string[] } | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const subject = route.scope === 'data' ? apiPath : path;
      if (subject === null) continue;
      const match = route.pattern.exec(subject);
      if (!match) continue;
      if (route.method !== method) {
        if (!allowed.includes(route.method)) allowed.push(route.method);
        continue;
      }
      return { route, params: match.slice(1).map((part) => safeDecode(part ?? '')) };
    }
    return allowed.length > 0 ? { allowed } : null;
  }

  // ------------------------------------------------------------------------------------------ DML

  /** Whether the lock fault fails this record. */
  private lockFires(spec: SObjectSpec): boolean {
    const fault = this.faultConfig.lockError;
    if (!fault) return false;
    if (fault.objects && !fault.objects.some((name) => name.toLowerCase() === spec.name.toLowerCase())) {
      return false;
    }
    const fired = this.triggers.get('lockError')?.fires() ?? false;
    if (fired) this.counters.faults.lockErrors += 1;
    return fired;
  }

  private lockError(id: string | null): DmlOutcome {
    return {
      success: false,
      errors: [
        recordError(
          'UNABLE_TO_LOCK_ROW',
          id
            ? `unable to obtain exclusive access to this record or 1 records: ${id}`
            : 'unable to obtain exclusive access to this record',
        ),
      ],
    };
  }

  /** Runs one record operation through the lock and flow faults. */
  private guarded(spec: SObjectSpec, id: string | null, run: () => DmlOutcome): DmlOutcome {
    if (this.lockFires(spec)) return this.lockError(id);
    const flow = this.faultConfig.flowError;
    const target = id === null ? null : normalizeId(id);
    if (flow && target !== null && flow.recordIds.some((failing) => normalizeId(failing) === target)) {
      this.counters.faults.flowErrors += 1;
      const name = flow.flow ?? 'Collections_Check';
      return {
        success: false,
        errors: [
          recordError(
            'CANNOT_EXECUTE_FLOW_TRIGGER',
            `We can't save this record because the "${name}" process failed. Give your Salesforce admin these details. An unhandled fault has occurred in this flow.`,
          ),
        ],
      };
    }
    return run();
  }

  private count(spec: SObjectSpec, kind: 'created' | 'updated' | 'deleted' | 'failed' | 'rolledBack'): void {
    const perObject = this.counters.records.byObject[spec.name] ?? emptyRecordCounters();
    this.counters.records.byObject[spec.name] = perObject;
    perObject[kind] += 1;
    this.counters.records[kind] += 1;
  }

  private countOutcome(spec: SObjectSpec, outcome: DmlOutcome, kind: 'write' | 'delete'): void {
    if (!outcome.success) this.count(spec, 'failed');
    else if (kind === 'delete') this.count(spec, 'deleted');
    else this.count(spec, outcome.created ? 'created' : 'updated');
  }

  /**
   * Runs the per-record operations of a collections call: all-or-none rolls back every write when one
   * record fails and marks the successful ones ALL_OR_NONE_OPERATION_ROLLED_BACK.
   */
  private collection(
    allOrNone: boolean,
    items: { spec: SObjectSpec | null; run: () => DmlOutcome }[],
    kind: 'write' | 'delete',
  ): DmlOutcome[] {
    const savepoint = this.store.savepoint();
    const outcomes = items.map((item) => item.run());
    const failed = outcomes.some((outcome) => !outcome.success);
    if (allOrNone && failed) {
      this.store.rollbackTo(savepoint);
      return outcomes.map((outcome, index) => {
        const spec = items[index]?.spec;
        if (spec) this.count(spec, outcome.success ? 'rolledBack' : 'failed');
        return outcome.success ? { success: false, errors: [ROLLED_BACK] } : outcome;
      });
    }
    this.store.release(savepoint);
    outcomes.forEach((outcome, index) => {
      const spec = items[index]?.spec;
      if (spec) this.countOutcome(spec, outcome, kind);
    });
    return outcomes;
  }

  private collectionRecords(body: unknown): { allOrNone: boolean; records: JsonObject[] } {
    if (!isRecord(body) || !Array.isArray(body.records)) {
      throw new SalesforceError(
        400,
        'JSON_PARSER_ERROR',
        'The request body must be {"allOrNone": …, "records": […]}',
      );
    }
    if (body.records.length > MAX_COLLECTION_RECORDS) throw this.exceededIdLimit();
    const records = body.records.map((record) => {
      if (!isRecord(record))
        throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'Each record must be an object');
      return record;
    });
    return { allOrNone: body.allOrNone === true, records };
  }

  private exceededIdLimit(): SalesforceError {
    return new SalesforceError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 200 records into this call',
    );
  }

  /** The sObject named by `attributes.type` (required, like Salesforce). */
  private recordType(record: JsonObject): SObjectSpec {
    const attributes = record.attributes;
    const type = isRecord(attributes) && typeof attributes.type === 'string' ? attributes.type : '';
    if (!type) throw new SalesforceError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
    const spec = sobjectSpec(type);
    if (!spec) throw new SalesforceError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return spec;
  }

  private collectionCreate(body: unknown): JsonObject[] {
    const { allOrNone, records } = this.collectionRecords(body);
    const specs = records.map((record) => this.recordType(record));
    const items = records.map((record, index) => {
      const spec = specs[index] as SObjectSpec;
      return {
        spec,
        run: () =>
          this.guarded(spec, null, () =>
            this.store.insert(spec, record, { unknownField: this.unknownFieldInCollections }),
          ),
      };
    });
    return this.collection(allOrNone, items, 'write').map((outcome) => saveResult(outcome, false));
  }

  private collectionUpdate(body: unknown): JsonObject[] {
    const { allOrNone, records } = this.collectionRecords(body);
    const specs = records.map((record) => this.recordType(record));
    const seen = new Set<string>();
    const items = records.map((record, index) => {
      const spec = specs[index] as SObjectSpec;
      const rawId = propertyOf(record, 'id');
      const canonical = typeof rawId === 'string' ? normalizeId(rawId) : null;
      const duplicate = canonical !== null && seen.has(canonical);
      if (canonical) seen.add(canonical);
      return {
        spec,
        run: (): DmlOutcome => {
          if (rawId === undefined || rawId === null || rawId === '') {
            return {
              success: false,
              errors: [recordError('MISSING_ARGUMENT', 'Id not specified in an update call')],
            };
          }
          if (duplicate) {
            return {
              success: false,
              errors: [recordError('DUPLICATE_VALUE', `Duplicate id in list: ${String(rawId)}`)],
            };
          }
          const target = this.store.resolveTarget(spec, rawId);
          if ('statusCode' in target) return { success: false, errors: [target] };
          return this.guarded(spec, target.id, () =>
            this.store.update(target, withoutKey(record, 'id'), {
              unknownField: this.unknownFieldInCollections,
            }),
          );
        },
      };
    });
    return this.collection(allOrNone, items, 'write').map((outcome) => saveResult(outcome, false));
  }

  private collectionUpsert(typeName: string, fieldName: string, body: unknown): JsonObject[] {
    const spec = requireSpec(typeName);
    const field = requireExternalIdField(spec, fieldName);
    const { allOrNone, records } = this.collectionRecords(body);
    records.forEach((record) => {
      if (this.recordType(record) !== spec) {
        throw new SalesforceError(
          400,
          'INVALID_TYPE',
          `The list can contain objects only of the type indicated in the request URI: ${spec.name}`,
        );
      }
    });
    const keyOf = (record: JsonObject): string | null => {
      const value = propertyOf(record, field.name);
      if (value === undefined || value === null || value === '') return null;
      const text = String(value);
      return field.type === 'id' ? (normalizeId(text) ?? text) : uniqueKey(field, text);
    };
    const occurrences = new Map<string, number>();
    for (const record of records) {
      const key = keyOf(record);
      if (key !== null) occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
    }
    const items = records.map((record) => ({
      spec,
      run: (): DmlOutcome => {
        const key = keyOf(record);
        const value = propertyOf(record, field.name);
        if (key === null) {
          return {
            success: false,
            errors: [recordError('MISSING_ARGUMENT', `${field.name} not specified`, [field.name])],
          };
        }
        if ((occurrences.get(key) ?? 0) > 1) {
          return {
            success: false,
            errors: [
              recordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(value)}`, [
                field.name,
              ]),
            ],
          };
        }
        const existing = this.store.findAllByField(spec, field, String(value));
        return this.guarded(spec, existing[0]?.id ?? null, () => {
          const outcome = this.store.upsert(spec, field, String(value), withoutKey(record, field.name), {
            unknownField: this.unknownFieldInCollections,
          });
          if ('multiple' in outcome) {
            return {
              success: false,
              errors: [
                recordError(
                  'DUPLICATE_EXTERNAL_ID',
                  `${field.name}: more than one record found for external id field: ${outcome.multiple.map((r) => r.id).join(', ')}`,
                  [field.name],
                ),
              ],
            };
          }
          return outcome;
        });
      },
    }));
    return this.collection(allOrNone, items, 'write').map((outcome) => saveResult(outcome, true));
  }

  private collectionDelete(query: URLSearchParams): JsonObject[] {
    const ids = (query.get('ids') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (ids.length === 0) throw new SalesforceError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_COLLECTION_RECORDS) throw this.exceededIdLimit();
    const allOrNone = query.get('allOrNone') === 'true';
    const items = ids.map((id) => {
      const target = this.store.resolveTarget(null, id);
      const spec = 'spec' in target ? target.spec : null;
      return {
        spec,
        run: (): DmlOutcome => {
          if ('statusCode' in target) return { success: false, errors: [target] };
          return this.guarded(target.spec, target.id, () => this.store.delete(target));
        },
      };
    });
    return this.collection(allOrNone, items, 'delete').map((outcome) => saveResult(outcome, false));
  }

  /** Single-record DML: a failure is a 400 with the record's errors as the REST error list. */
  private single(
    spec: SObjectSpec,
    outcome: DmlOutcome,
    kind: 'write' | 'delete',
  ): DmlOutcome & { success: true } {
    this.countOutcome(spec, outcome, kind);
    if (!outcome.success) {
      throw new RawErrors(400, toApiErrors(outcome.errors));
    }
    return outcome;
  }

  private retrieveRecord(record: StoredRecord, fields: string[] | null, version: string): JsonObject {
    const result: JsonObject = {
      attributes: {
        type: record.spec.name,
        url: `/services/data/v${version}/sobjects/${record.spec.name}/${record.id}`,
      },
    };
    const wanted = fields ?? record.spec.fields.map((field) => field.name);
    for (const name of wanted) {
      const field = fieldSpec(record.spec, name);
      if (!field)
        throw new SalesforceError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on entity '${record.spec.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      result[field.name] = record.values[field.name] ?? null;
    }
    return result;
  }

  private fieldList(query: URLSearchParams): string[] | null {
    const fields = query.get('fields');
    return fields
      ? fields
          .split(',')
          .map((field) => field.trim())
          .filter((field) => field !== '')
      : null;
  }

  /** The record an `/sobjects/{type}/{id}` path names, or Salesforce's 404s. */
  private recordAt(spec: SObjectSpec, rawId: string): StoredRecord {
    if (!isIdShaped(rawId)) {
      throw new SalesforceError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${rawId}`,
      );
    }
    const record = this.store.get(rawId);
    if (!record || record.spec !== spec) throw new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
    if (record.deleted) throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return record;
  }

  // --------------------------------------------------------------------------------------- queries

  private query(context: RouteContext, all: boolean): RouteResult {
    const soql = context.query.get('q');
    if (soql === null)
      throw new SalesforceError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const compiled = compileSoql(soql, () => this.clock.now());
    const rows = runQuery(compiled, this.store.recordsOf(compiled.spec, all));
    this.counters.queries.queries += 1;
    if (compiled.countOnly) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const projected = rows.map((record) => projectRecord(compiled, record, context.version));
    const page = this.cursors.first(projected, this.batchSize(context.headers), context.version);
    this.counters.queries.rows += page.records.length;
    return { status: 200, body: page };
  }

  private queryMore(context: RouteContext): RouteResult {
    const page = this.cursors.more(context.params[0] ?? '', context.version);
    this.counters.queries.queryMore += 1;
    this.counters.queries.rows += page.records.length;
    return { status: 200, body: page };
  }

  private batchSize(headers: IncomingHttpHeaders): number {
    const header = headers['sforce-query-options'];
    const text = Array.isArray(header) ? header.join(',') : (header ?? '');
    const match = /batchSize\s*=\s*(\d+)/i.exec(text);
    if (!match) return this.defaultQueryBatchSize;
    return Math.min(2000, Math.max(200, Number(match[1])));
  }

  // ------------------------------------------------------------------------------------------- bulk

  private processBulkRecord(job: IngestJob, values: Record<string, string>, duplicate: boolean): DmlOutcome {
    const spec = job.spec;
    const source = { source: 'csv' as const };
    let outcome: DmlOutcome;
    if (duplicate) {
      const field = job.externalIdField?.name ?? '';
      outcome = {
        success: false,
        errors: [
          recordError(
            'DUPLICATE_EXTERNAL_ID',
            `Duplicate external id specified: ${String(propertyOf(values, field))}`,
            [field],
          ),
        ],
      };
    } else if (job.operation === 'insert') {
      outcome = this.guarded(spec, null, () => this.store.insert(spec, values, source));
    } else if (job.operation === 'upsert') {
      const field = job.externalIdField;
      const value = field ? (propertyOf(values, field.name) as string | undefined) : undefined;
      if (!field || !value) {
        outcome = {
          success: false,
          errors: [
            recordError('MISSING_ARGUMENT', `${job.externalIdFieldName ?? ''} not specified`, [
              job.externalIdFieldName ?? '',
            ]),
          ],
        };
      } else {
        const existing = this.store.findAllByField(spec, field, value);
        outcome = this.guarded(spec, existing[0]?.id ?? null, () => {
          const result = this.store.upsert(spec, field, value, withoutKey(values, field.name), source);
          return 'multiple' in result
            ? {
                success: false,
                errors: [
                  recordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [
                    field.name,
                  ]),
                ],
              }
            : result;
        });
      }
    } else {
      const target = this.store.resolveTarget(spec, propertyOf(values, 'Id'));
      if ('statusCode' in target) {
        outcome = { success: false, errors: [target] };
      } else if (job.operation === 'update') {
        outcome = this.guarded(spec, target.id, () =>
          this.store.update(target, withoutKey(values, 'Id'), source),
        );
        if (outcome.success) outcome = { ...outcome, created: false };
      } else {
        outcome = this.guarded(spec, target.id, () => this.store.delete(target));
      }
    }
    this.countOutcome(
      spec,
      outcome,
      job.operation === 'delete' || job.operation === 'hardDelete' ? 'delete' : 'write',
    );
    this.counters.bulk.recordsProcessed += 1;
    if (!outcome.success) this.counters.bulk.recordsFailed += 1;
    return outcome;
  }

  private bulkJobFinished(job: IngestJob): void {
    if (job.state === 'JobComplete') this.counters.bulk.jobsCompleted += 1;
    else this.counters.bulk.jobsFailed += 1;
    this.bulkBatchesUsed += Math.max(1, Math.ceil(job.numberRecordsProcessed / 10_000));
  }

  // ------------------------------------------------------------------------------------ composite

  private composite(context: RouteContext): RouteResult {
    if (context.inComposite)
      throw new SalesforceError(400, 'INVALID_INPUT', 'composite requests cannot be nested');
    const body = context.json();
    if (!isRecord(body) || !Array.isArray(body.compositeRequest)) {
      throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
    }
    const subrequests = body.compositeRequest;
    if (subrequests.length > MAX_COMPOSITE_SUBREQUESTS) {
      throw new SalesforceError(
        400,
        'LIMIT_EXCEEDED',
        `A composite request can have at most ${MAX_COMPOSITE_SUBREQUESTS} subrequests`,
      );
    }
    const heavy = subrequests.filter(
      (item) =>
        isRecord(item) &&
        typeof item.url === 'string' &&
        /\/(query|queryAll|composite\/sobjects)\b/.test(item.url),
    );
    if (heavy.length > 5) {
      throw new SalesforceError(
        400,
        'LIMIT_EXCEEDED',
        'A composite request can have at most 5 query or sObject Collections subrequests',
      );
    }
    const referenceIds = new Set<string>();
    for (const item of subrequests) {
      if (
        !isRecord(item) ||
        typeof item.method !== 'string' ||
        typeof item.url !== 'string' ||
        typeof item.referenceId !== 'string'
      ) {
        throw new SalesforceError(
          400,
          'JSON_PARSER_ERROR',
          'Each subrequest needs method, url and referenceId',
        );
      }
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(item.referenceId) || referenceIds.has(item.referenceId)) {
        throw new SalesforceError(
          400,
          'INVALID_INPUT',
          `Invalid or duplicate referenceId: ${item.referenceId}`,
        );
      }
      referenceIds.add(item.referenceId);
    }
    this.counters.composite.requests += 1;
    const allOrNone = body.allOrNone === true;
    const halted = (message: string): JsonObject => ({
      body: [{ errorCode: 'PROCESSING_HALTED', message }],
      httpHeaders: {},
      httpStatusCode: 400,
    });
    const rolledBackMessage =
      'The transaction was rolled back since another operation in the same transaction failed.';
    const results = new Map<string, { status: number; body: unknown }>();
    const responses: JsonObject[] = [];
    const countersBefore = structuredClone(this.counters.records);
    const savepoint = this.store.savepoint();
    let failedAt = -1;
    for (const [index, item] of (subrequests as JsonObject[]).entries()) {
      const referenceId = String(item.referenceId);
      if (failedAt >= 0) {
        responses.push({ ...halted(rolledBackMessage), referenceId });
        continue;
      }
      this.counters.composite.subrequests += 1;
      let response: { status: number; body: unknown; headers: Record<string, string> };
      try {
        const resolvedUrl = resolveReferences(String(item.url), results, true);
        const resolvedBody =
          item.body === undefined ? undefined : resolveReferences(item.body, results, false);
        response = this.dispatch(
          String(item.method).toUpperCase(),
          resolvedUrl,
          resolvedBody,
          context.version,
        );
      } catch (error) {
        if (!(error instanceof CompositeReferenceError)) throw error;
        response = {
          status: 400,
          body: [{ errorCode: 'PROCESSING_HALTED', message: error.message }],
          headers: {},
        };
      }
      results.set(referenceId, { status: response.status, body: response.body });
      responses.push({
        body: response.body ?? null,
        httpHeaders: response.headers,
        httpStatusCode: response.status,
        referenceId,
      });
      if (allOrNone && response.status >= 400) failedAt = index;
    }
    if (failedAt >= 0) {
      this.store.rollbackTo(savepoint);
      this.undoRecordCounters(countersBefore);
      for (let index = 0; index < failedAt; index += 1) {
        const entry = responses[index];
        if (entry) responses[index] = { ...halted(rolledBackMessage), referenceId: entry.referenceId };
      }
    } else {
      this.store.release(savepoint);
    }
    return { status: 200, body: { compositeResponse: responses } };
  }

  /** After a composite rollback: writes counted since `before` become `rolledBack`. */
  private undoRecordCounters(before: SalesforceEmulatorStats['records']): void {
    const after = this.counters.records;
    const restored: SalesforceEmulatorStats['records'] = { ...emptyRecordCounters(), byObject: {} };
    for (const [type, counters] of Object.entries(after.byObject)) {
      const base = before.byObject[type] ?? emptyRecordCounters();
      const undone =
        counters.created -
        base.created +
        (counters.updated - base.updated) +
        (counters.deleted - base.deleted);
      restored.byObject[type] = {
        ...base,
        failed: counters.failed,
        rolledBack: counters.rolledBack + undone,
      };
    }
    for (const counters of Object.values(restored.byObject)) {
      for (const key of ['created', 'updated', 'deleted', 'failed', 'rolledBack'] as const) {
        restored[key] += counters[key];
      }
    }
    this.counters.records = restored;
  }

  /** Runs a composite subrequest against the data routes (no HTTP, no extra API call). */
  private dispatch(
    method: string,
    rawUrl: string,
    body: unknown,
    fallbackVersion: string,
  ): { status: number; body: unknown; headers: Record<string, string> } {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const dataMatch = DATA_PATH.exec(url.pathname);
    const version = dataMatch?.[1] ?? fallbackVersion;
    const apiPath = dataMatch ? (dataMatch[2] ?? '/') : url.pathname;
    const matched = this.matchRoute(method, '', apiPath);
    if (!matched || 'allowed' in matched || matched.route.scope !== 'data' || apiPath.startsWith('/jobs')) {
      return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: NOT_FOUND_MESSAGE }], headers: {} };
    }
    try {
      const result = matched.route.handler(
        this.context(matched.params, url.searchParams, version, {}, '', true, { value: body }),
      );
      const headers = result.headers ?? {};
      return { status: result.status, body: result.status === 204 ? null : (result.body ?? null), headers };
    } catch (error) {
      if (error instanceof SalesforceError)
        return { status: error.httpStatus, body: error.toBody(), headers: {} };
      if (error instanceof RawErrors) return { status: error.httpStatus, body: error.items, headers: {} };
      throw error;
    }
  }

  // ---------------------------------------------------------------------------------------- routes

  private buildRoutes(): Route[] {
    const routes: Route[] = [];
    const data = (
      method: string,
      pattern: RegExp,
      name: (params: string[]) => string,
      handler: Route['handler'],
      extra: Partial<Pick<Route, 'counts' | 'minVersion'>> = {},
    ): void => {
      routes.push({
        method,
        scope: 'data',
        pattern,
        name,
        auth: true,
        counts: extra.counts ?? true,
        handler,
        ...extra,
      });
    };
    const root = (
      method: string,
      pattern: RegExp,
      name: string,
      handler: Route['handler'],
      auth = false,
    ): void => {
      routes.push({ method, scope: 'root', pattern, name: () => name, auth, counts: false, handler });
    };
    const p = (params: string[], index: number): string => params[index] ?? '';
    const type = (raw: string | undefined): string => sobjectSpec(raw ?? '')?.name ?? raw ?? '';
    const wrap =
      (handler: Route['handler']): Route['handler'] =>
      (context) => {
        try {
          return handler(context);
        } catch (error) {
          if (error instanceof RawErrors) return { status: error.httpStatus, body: error.items };
          throw error;
        }
      };

    // ------------------------------------------------------------------------------------- oauth
    root('POST', /^\/services\/oauth2\/token$/, '/services/oauth2/token', ({ form }) => ({
      status: 200,
      body: this.oauth.token(form()),
      headers: { 'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
    }));
    root('GET', /^\/services\/oauth2\/authorize$/, '/services/oauth2/authorize', ({ query }) => ({
      status: 302,
      headers: { location: this.oauth.authorizeRedirect(query) },
    }));
    const revoke: Route['handler'] = ({ form, query }) => {
      this.oauth.revoke(form().get('token') ?? query.get('token') ?? '');
      return { status: 200 };
    };
    root('POST', /^\/services\/oauth2\/revoke$/, '/services/oauth2/revoke', revoke);
    root('GET', /^\/services\/oauth2\/revoke$/, '/services/oauth2/revoke', revoke);
    const identity: Route['handler'] = () => {
      const user = this.users[0];
      return {
        status: 200,
        body: {
          id: `${this.url}/id/${this.orgId}/${user?.userId ?? ''}`,
          user_id: user?.userId,
          organization_id: this.orgId,
          username: user?.username,
          preferred_username: user?.username,
          active: true,
          urls: {
            rest: `${this.url}/services/data/v{version}/`,
            query: `${this.url}/services/data/v{version}/query/`,
          },
        },
      };
    };
    root('GET', /^\/id\/([^/]+)\/([^/]+)$/, '/id/:orgId/:userId', identity, true);
    root('GET', /^\/services\/oauth2\/userinfo$/, '/services/oauth2/userinfo', identity, true);
    root('GET', /^\/services\/data\/?$/, '/services/data', () => ({
      status: 200,
      body: Array.from({ length: 36 }, (_, index) => {
        const version = `${31 + index}.0`;
        return { label: `Version ${version}`, url: `/services/data/v${version}`, version };
      }),
    }));

    // ------------------------------------------------------------------------------- resources
    data(
      'GET',
      /^\/?$/,
      () => '/',
      ({ version }) => ({
        status: 200,
        body: Object.fromEntries(
          ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'jobs/ingest'].map((name) => [
            name.split('/')[0],
            `/services/data/v${version}/${name}`,
          ]),
        ),
      }),
    );
    data(
      'GET',
      /^\/limits\/?$/,
      () => '/limits',
      () => {
        if (this.permissions.viewSetupAndConfiguration !== true)
          throw new SalesforceError(
            403,
            'INSUFFICIENT_ACCESS',
            'The REST API Limits resource requires the View Setup and Configuration permission.',
          );
        const usage = this.apiUsage();
        const pair = (max: number, used = 0) => ({ Max: max, Remaining: Math.max(0, max - used) });
        return {
          status: 200,
          body: {
            DailyApiRequests: pair(usage.max, usage.used),
            DailyAsyncApexExecutions: pair(250_000),
            DailyBulkApiBatches: pair(15_000, this.bulkBatchesUsed),
            DailyBulkV2QueryFileStorageMB: pair(976_562),
            DailyBulkV2QueryJobs: pair(10_000),
            DataStorageMB: pair(1024),
            FileStorageMB: pair(1024),
            SingleEmailMessages: pair(5000),
          },
        };
      },
      { counts: false },
    );

    // -------------------------------------------------------------------------------- sObjects
    data(
      'GET',
      /^\/sobjects\/?$/,
      () => '/sobjects',
      ({ version }) => ({
        status: 200,
        body: {
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: SOBJECTS.map((spec) => describeSummary(spec, version)),
        },
      }),
    );
    data(
      'GET',
      /^\/sobjects\/([^/]+)\/describe\/?$/,
      (params) => `/sobjects/${type(params[0])}/describe`,
      ({ params, version }) => {
        const spec = requireSpec(p(params, 0));
        return {
          status: 200,
          body: {
            ...describeSummary(spec, version),
            fields: spec.fields.map((field) => {
              const described = describeField(field);
              return this.isFieldReadOnly(spec.name, field.name)
                ? { ...described, createable: false, updateable: false }
                : described;
            }),
          },
        };
      },
    );
    data(
      'GET',
      /^\/sobjects\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}`,
      ({ params, version }) => ({
        status: 200,
        body: { objectDescribe: describeSummary(requireSpec(p(params, 0)), version), recentItems: [] },
      }),
    );
    data(
      'POST',
      /^\/sobjects\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}`,
      wrap(({ params, json, version }) => {
        const spec = requireSpec(p(params, 0));
        const body = json();
        if (!isRecord(body))
          throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body must be an object');
        const outcome = this.single(
          spec,
          this.guarded(spec, null, () => this.store.insert(spec, body, { unknownField: 'request' })),
          'write',
        );
        return {
          status: 201,
          body: { id: outcome.id, success: true, errors: [] },
          headers: { location: `/services/data/v${version}/sobjects/${spec.name}/${outcome.id}` },
        };
      }),
    );
    data(
      'GET',
      /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/:id`,
      ({ params, query, version }) => {
        const spec = requireSpec(p(params, 0));
        return {
          status: 200,
          body: this.retrieveRecord(this.recordAt(spec, p(params, 1)), this.fieldList(query), version),
        };
      },
    );
    data(
      'PATCH',
      /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/:id`,
      wrap(({ params, json }) => {
        const spec = requireSpec(p(params, 0));
        const record = this.recordAt(spec, p(params, 1));
        const body = json();
        if (!isRecord(body))
          throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body must be an object');
        this.single(
          spec,
          this.guarded(spec, record.id, () => this.store.update(record, body, { unknownField: 'request' })),
          'write',
        );
        return { status: 204 };
      }),
    );
    data(
      'DELETE',
      /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/:id`,
      wrap(({ params }) => {
        const spec = requireSpec(p(params, 0));
        const record = this.recordAt(spec, p(params, 1));
        this.single(
          spec,
          this.guarded(spec, record.id, () => this.store.delete(record)),
          'delete',
        );
        return { status: 204 };
      }),
    );
    const byExternalId = (
      params: string[],
    ): { spec: SObjectSpec; records: StoredRecord[]; field: string; value: string } => {
      const spec = requireSpec(p(params, 0));
      const field = requireExternalIdField(spec, p(params, 1));
      return {
        spec,
        records: this.store.findAllByField(spec, field, p(params, 2)),
        field: field.name,
        value: p(params, 2),
      };
    };
    const multipleChoices = (spec: SObjectSpec, records: StoredRecord[], version: string): RouteResult => ({
      status: 300,
      body: records.map((record) => `/services/data/v${version}/sobjects/${spec.name}/${record.id}`),
    });
    data(
      'GET',
      /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/${canonicalField(params[0], params[1])}/:value`,
      ({ params, query, version }) => {
        const { spec, records } = byExternalId(params);
        if (records.length > 1) return multipleChoices(spec, records, version);
        const record = records[0];
        if (!record) throw new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
        return { status: 200, body: this.retrieveRecord(record, this.fieldList(query), version) };
      },
    );
    data(
      'PATCH',
      /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/${canonicalField(params[0], params[1])}/:value`,
      wrap(({ params, json, version }) => {
        const spec = requireSpec(p(params, 0));
        const field = requireExternalIdField(spec, p(params, 1));
        const body = json();
        if (!isRecord(body))
          throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'The request body must be an object');
        const value = p(params, 2);
        const existing = this.store.findAllByField(spec, field, value);
        if (existing.length > 1) return multipleChoices(spec, existing, version);
        const outcome = this.guarded(spec, existing[0]?.id ?? null, () => {
          const result = this.store.upsert(spec, field, value, body, { unknownField: 'request' });
          return 'multiple' in result
            ? {
                success: false,
                errors: [
                  recordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [
                    field.name,
                  ]),
                ],
              }
            : result;
        });
        const done = this.single(spec, outcome, 'write');
        const answer = { id: done.id, success: true, errors: [], created: done.created };
        if (done.created) {
          return {
            status: 201,
            body: answer,
            headers: { location: `/services/data/v${version}/sobjects/${spec.name}/${done.id}` },
          };
        }
        return Number(version) >= 46 ? { status: 200, body: answer } : { status: 204 };
      }),
    );
    data(
      'DELETE',
      /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/sobjects/${type(params[0])}/${canonicalField(params[0], params[1])}/:value`,
      wrap(({ params, version }) => {
        const { spec, records } = byExternalId(params);
        if (records.length > 1) return multipleChoices(spec, records, version);
        const record = records[0];
        if (!record) throw new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
        this.single(
          spec,
          this.guarded(spec, record.id, () => this.store.delete(record)),
          'delete',
        );
        return { status: 204 };
      }),
    );

    // -------------------------------------------------------------------------- sObject Collections
    data(
      'POST',
      /^\/composite\/sobjects\/?$/,
      () => '/composite/sobjects',
      ({ json }) => ({
        status: 200,
        body: this.collectionCreate(json()),
      }),
      { minVersion: 42 },
    );
    data(
      'PATCH',
      /^\/composite\/sobjects\/?$/,
      () => '/composite/sobjects',
      ({ json }) => ({
        status: 200,
        body: this.collectionUpdate(json()),
      }),
      { minVersion: 42 },
    );
    data(
      'DELETE',
      /^\/composite\/sobjects\/?$/,
      () => '/composite/sobjects',
      ({ query }) => ({
        status: 200,
        body: this.collectionDelete(query),
      }),
      { minVersion: 42 },
    );
    data(
      'PATCH',
      /^\/composite\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      (params) => `/composite/sobjects/${type(params[0])}/${canonicalField(params[0], params[1])}`,
      ({ params, json }) => ({
        status: 200,
        body: this.collectionUpsert(p(params, 0), p(params, 1), json()),
      }),
      { minVersion: 46 },
    );
    const retrieveMany = (spec: SObjectSpec, ids: unknown, fields: unknown, version: string): RouteResult => {
      if (!Array.isArray(ids) || ids.length === 0)
        throw new SalesforceError(400, 'MISSING_ARGUMENT', 'ids are required');
      if (ids.length > 2000)
        throw new SalesforceError(400, 'EXCEEDED_ID_LIMIT', 'cannot retrieve more than 2000 records');
      if (!Array.isArray(fields) || fields.length === 0)
        throw new SalesforceError(400, 'MISSING_ARGUMENT', 'fields are required');
      const names = fields.map(String);
      return {
        status: 200,
        body: ids.map((id) => {
          const record = this.store.get(String(id));
          return record && record.spec === spec && !record.deleted
            ? this.retrieveRecord(record, names, version)
            : null;
        }),
      };
    };
    data(
      'POST',
      /^\/composite\/sobjects\/([^/]+)\/?$/,
      (params) => `/composite/sobjects/${type(params[0])}`,
      ({ params, json, version }) => {
        const body = json();
        const input = isRecord(body) ? body : {};
        return retrieveMany(requireSpec(p(params, 0)), input.ids, input.fields, version);
      },
      { minVersion: 42 },
    );
    data(
      'GET',
      /^\/composite\/sobjects\/([^/]+)\/?$/,
      (params) => `/composite/sobjects/${type(params[0])}`,
      ({ params, query, version }) =>
        retrieveMany(
          requireSpec(p(params, 0)),
          query.get('ids')?.split(','),
          query.get('fields')?.split(','),
          version,
        ),
      { minVersion: 42 },
    );
    data(
      'POST',
      /^\/composite\/?$/,
      () => '/composite',
      (context) => this.composite(context),
    );

    // ---------------------------------------------------------------------------------------- SOQL
    data(
      'GET',
      /^\/query\/?$/,
      () => '/query',
      (context) => this.query(context, false),
    );
    data(
      'GET',
      /^\/queryAll\/?$/,
      () => '/queryAll',
      (context) => this.query(context, true),
    );
    data(
      'GET',
      /^\/query\/([^/]+)$/,
      () => '/query/:locator',
      (context) => this.queryMore(context),
    );
    data(
      'GET',
      /^\/queryAll\/([^/]+)$/,
      () => '/queryAll/:locator',
      (context) => this.queryMore(context),
    );

    // ------------------------------------------------------------------------------ Bulk API 2.0
    data(
      'POST',
      /^\/jobs\/ingest\/?$/,
      () => '/jobs/ingest',
      ({ json, version }) => {
        const job = this.bulk.create(json(), version);
        this.counters.bulk.jobsCreated += 1;
        return { status: 200, body: this.bulk.info(job, false) };
      },
    );
    data(
      'GET',
      /^\/jobs\/ingest\/?$/,
      () => '/jobs/ingest',
      () => ({
        status: 200,
        body: {
          done: true,
          records: this.bulk.all().map((job) => this.bulk.info(job, false)),
          nextRecordsUrl: null,
        },
      }),
    );
    data(
      'GET',
      /^\/jobs\/ingest\/([^/]+)\/?$/,
      () => '/jobs/ingest/:id',
      ({ params }) => ({
        status: 200,
        body: this.bulk.info(this.bulk.get(p(params, 0)), true),
      }),
    );
    data(
      'PATCH',
      /^\/jobs\/ingest\/([^/]+)\/?$/,
      () => '/jobs/ingest/:id',
      ({ params, json }) => ({
        status: 200,
        body: this.bulk.info(this.bulk.setState(p(params, 0), json()), false),
      }),
    );
    data(
      'DELETE',
      /^\/jobs\/ingest\/([^/]+)\/?$/,
      () => '/jobs/ingest/:id',
      ({ params }) => {
        this.bulk.delete(p(params, 0));
        return { status: 204 };
      },
    );
    data(
      'PUT',
      /^\/jobs\/ingest\/([^/]+)\/batches\/?$/,
      () => '/jobs/ingest/:id/batches',
      ({ params, rawBody }) => {
        this.bulk.upload(p(params, 0), rawBody);
        return { status: 201 };
      },
    );
    for (const [segment, kind] of [
      ['successfulResults', 'successful'],
      ['failedResults', 'failed'],
      ['unprocessedrecords', 'unprocessed'],
    ] as const) {
      data(
        'GET',
        new RegExp(`^/jobs/ingest/([^/]+)/${segment}/?$`),
        () => `/jobs/ingest/:id/${segment}`,
        ({ params }) => ({
          status: 200,
          text: this.bulk.results(p(params, 0), kind),
          contentType: 'text/csv',
        }),
      );
    }
    return routes;
  }
}

/** A 4xx whose body is a list of REST errors (a failed single-record write). */
class RawErrors extends Error {
  constructor(
    readonly httpStatus: number,
    readonly items: ApiErrorItem[],
  ) {
    super(items.map((item) => item.message).join('; '));
    this.name = 'RawErrors';
  }
}

/** The canonical spelling of `type.field` for route names (as sent when unknown). */
function canonicalField(typeName: string | undefined, fieldName: string | undefined): string {
  const spec = sobjectSpec(typeName ?? '');
  const field = spec ? fieldSpec(spec, fieldName ?? '') : undefined;
  return field?.name ?? fieldName ?? '';
}

function describeSummary(spec: SObjectSpec, version: string): JsonObject {
  const base = `/services/data/v${version}/sobjects/${spec.name}`;
  return {
    name: spec.name,
    label: spec.label,
    labelPlural: spec.labelPlural,
    keyPrefix: spec.keyPrefix,
    custom: spec.custom,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** Thrown when a composite `@{ref.path}` cannot be resolved. */
class CompositeReferenceError extends Error {}

function lookupPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) return undefined;
    current = isRecord(current) ? current[match[1] ?? ''] : undefined;
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      current = Array.isArray(current) ? current[Number(index[1])] : undefined;
    }
  }
  return current;
}

/** Replaces `@{referenceId.path}` in strings (URL-encoded in URLs), recursively in bodies. */
function resolveReferences<T>(
  value: T,
  results: Map<string, { status: number; body: unknown }>,
  inUrl: boolean,
): T {
  const replace = (text: string): unknown => {
    const whole = /^@\{([A-Za-z][A-Za-z0-9_]*)\.([^}]+)\}$/.exec(text);
    const resolve = (reference: string, path: string): unknown => {
      const result = results.get(reference);
      const found = result && result.status < 400 ? lookupPath(result.body, path) : undefined;
      if (found === undefined) {
        throw new CompositeReferenceError(
          `Invalid reference specified. No value for ${reference}.${path} found in ${reference}. Provided referenceId ('${reference}') must be a previous subrequest that succeeded.`,
        );
      }
      return found;
    };
    if (whole && !inUrl) return resolve(whole[1] ?? '', whole[2] ?? '');
    return text.replace(
      /@\{([A-Za-z][A-Za-z0-9_]*)\.([^}]+)\}/g,
      (_match, reference: string, path: string) => {
        const found = String(resolve(reference, path));
        return inUrl ? encodeURIComponent(found) : found;
      },
    );
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return replace(node);
    if (Array.isArray(node)) return node.map(walk);
    if (isRecord(node))
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item)]));
    return node;
  };
  return walk(value) as T;
}

/** jsforce does not encode external id values in upsert paths; a stray `%` must not crash the route. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
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
