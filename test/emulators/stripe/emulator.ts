/**
 * A local HTTP emulator of the Stripe API (read side of Billing + Payments) for tests and benchmarks.
 *
 *   const emu = await startStripeEmulator({ apiKey: 'sk_test_emulator' });
 *   const stripe = new Stripe(emu.apiKey, { ...emu.sdkOptions(), maxNetworkRetries: 2 });
 *   const customer = emu.scenario.createCustomer({ email: 'a@example.com', metadata: { hubspot_company_id: '42' } });
 *   await stripe.customers.retrieve(String(customer.id));
 *   emu.setFaults({ rateLimit: { trigger: { kind: 'first', count: 2 }, code: 'lock_timeout' } });
 *   await emu.close();
 *
 * Only loopback: it listens on 127.0.0.1 (port 0 = ephemeral by default). See README.md beside this
 * file for the endpoints, the object fields and the fault options.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiError,
  integerOf,
  invalidRequest,
  oneOf,
  parseForm,
  rangeParam,
  rejectUnknown,
  stringArrayParam,
  stringParam,
  type ParamObject,
} from './params';
import {
  asJson,
  DEFAULT_API_VERSION,
  renderById,
  renderCharge,
  renderCreditNote,
  renderCustomer,
  renderDispute,
  renderInvoice,
  renderInvoicePayment,
  renderPaymentIntent,
  renderPaymentMethod,
  renderRefund,
  renderSubscription,
  type JsonObject,
  type JsonValue,
  type RenderContext,
} from './render';
import { EventRecorder, StripeScenario, DAY, type EmulatedEvent, type EventListener } from './scenarios';
import {
  EmulatorClock,
  paginate,
  seededRandom,
  StripeStore,
  type BaseRecord,
  type Collection,
  type CreditNoteReason,
  type SubscriptionStatus,
} from './store';
import { eventAtVersion } from './versions';

export { DEFAULT_API_VERSION } from './render';
export type { JsonObject, JsonValue } from './render';
export {
  declineDetails,
  type EmulatedEvent,
  type EventListener,
  type ScenarioResult,
  StripeScenario,
} from './scenarios';
export { EmulatorClock, StripeStore } from './store';

// ------------------------------------------------------------------------------------------------ faults

/** When a fault fires, counted over the requests its scope matches since it was (re)configured. */
export type FaultTrigger =
  /** The first `count` matching requests. */
  | { kind: 'first'; count: number }
  /** Matching requests number k, 2k, 3k, … */
  | { kind: 'everyKth'; k: number }
  /** Every matching request. */
  | { kind: 'always' }
  /** A token bucket of `ratePerSecond` (wall clock) holding up to `burst` (default = rate); fires when empty. */
  | { kind: 'tokenBucket'; ratePerSecond: number; burst?: number }
  /** Each matching request with probability `p`, from a seeded generator (default seed 1). */
  | { kind: 'probability'; p: number; seed?: number };

export interface FaultScope {
  /** Path prefixes the fault applies to (e.g. `/v1/invoices`); all paths when absent. */
  paths?: string[];
  /** HTTP methods it applies to; all when absent. */
  methods?: string[];
}

/**
 * A 429. `rate_limit` is what Stripe's rate limiter answers: no `Stripe-Should-Retry` header, and the
 * official SDKs do not retry it (they surface `StripeRateLimitError`). `lock_timeout` is the
 * object-lock 429, sent with `Stripe-Should-Retry: true`, which the SDKs retry with `maxNetworkRetries`.
 * `shouldRetry` overrides the header (`null` = no header).
 */
export interface RateLimitFault extends FaultScope {
  trigger: FaultTrigger;
  code?: 'rate_limit' | 'lock_timeout';
  shouldRetry?: boolean | null;
}

/** An `api_error` 5xx (the SDK retries ≥ 500 unless `Stripe-Should-Retry: false`). */
export interface ServerErrorFault extends FaultScope {
  trigger: FaultTrigger;
  status?: 500 | 502 | 503 | 504;
  shouldRetry?: boolean | null;
}

/** Artificial latency before each matching request is answered. */
export interface LatencyFault extends FaultScope {
  ms: number;
  /** Adds a seeded uniform 0..jitterMs. */
  jitterMs?: number;
}

export interface FaultConfig {
  rateLimit?: RateLimitFault | null;
  serverError?: ServerErrorFault | null;
  latency?: LatencyFault | null;
}

class TriggerState {
  private matched = 0;
  private tokens: number;
  private refilledAt = performance.now();
  private readonly random: () => number;

  constructor(private readonly trigger: FaultTrigger) {
    this.tokens = trigger.kind === 'tokenBucket' ? (trigger.burst ?? trigger.ratePerSecond) : 0;
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
      case 'tokenBucket': {
        const now = performance.now();
        const capacity = trigger.burst ?? trigger.ratePerSecond;
        this.tokens = Math.min(
          capacity,
          this.tokens + ((now - this.refilledAt) / 1000) * trigger.ratePerSecond,
        );
        this.refilledAt = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return false;
        }
        return true;
      }
    }
  }
}

function inScope(scope: FaultScope, method: string, path: string): boolean {
  if (scope.methods && !scope.methods.map((item) => item.toUpperCase()).includes(method)) return false;
  if (scope.paths && !scope.paths.some((prefix) => path.startsWith(prefix))) return false;
  return true;
}

// ------------------------------------------------------------------------------------------------- stats

export interface EmulatorStats {
  /** Every HTTP request received. */
  requests: number;
  /** Answered 2xx. */
  served: number;
  /** Answered 429 by an injected fault (`rateLimited + lockTimeouts`). */
  throttled: number;
  rateLimited: number;
  lockTimeouts: number;
  /** Answered 5xx by an injected fault. */
  serverErrors: number;
  unauthorized: number;
  notFound: number;
  badRequest: number;
  /** Requests per route, e.g. `GET /v1/invoices` or `GET /v1/invoices/:id`. */
  byRoute: Record<string, number>;
}

export interface RequestLogEntry {
  /** Wall-clock milliseconds. */
  at: number;
  method: string;
  /** Path and query string as received. */
  url: string;
  route: string;
  status: number;
  requestId: string;
  idempotencyKey: string | null;
  fault: 'rate_limit' | 'lock_timeout' | 'server_error' | null;
}

function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    served: 0,
    throttled: 0,
    rateLimited: 0,
    lockTimeouts: 0,
    serverErrors: 0,
    unauthorized: 0,
    notFound: 0,
    badRequest: 0,
    byRoute: {},
  };
}

// ------------------------------------------------------------------------------------------------ lists

const COMMON_LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'expand', 'created'];

interface ListPlan<R> {
  /** An index-backed, newest-first source narrower than the whole collection. */
  source?: readonly R[];
  predicates: ((record: R) => boolean)[];
}

interface ListSpec<R extends BaseRecord> {
  url: string;
  collection: Collection<R>;
  render: (record: R) => JsonObject;
  /** Extra query parameters and how each narrows the list. */
  filters: Record<string, (params: ParamObject, plan: ListPlan<R>) => void>;
  /** Applied to every list (e.g. hide deleted customers, old events). */
  always?: (record: R) => boolean;
}

/** A filter on an indexed field: narrows the source to that bucket. */
function indexed<R extends BaseRecord>(
  collection: Collection<R>,
  param: string,
  field: keyof R & string,
): (params: ParamObject, plan: ListPlan<R>) => void {
  return (params, plan) => {
    const value = stringParam(params, param);
    if (value === undefined) return;
    if (plan.source) plan.predicates.push((record) => record[field] === value);
    else plan.source = collection.orderedBy(field, value);
  };
}

function equals<R>(
  param: string,
  read: (record: R) => unknown,
): (params: ParamObject, plan: ListPlan<R>) => void {
  return (params, plan) => {
    const value = stringParam(params, param);
    if (value !== undefined) plan.predicates.push((record) => read(record) === value);
  };
}

function range<R>(
  param: string,
  read: (record: R) => number | null,
): (params: ParamObject, plan: ListPlan<R>) => void {
  return (params, plan) => {
    const test = rangeParam(params, param);
    if (test) plan.predicates.push((record) => test(read(record)));
  };
}

const SUBSCRIPTION_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

/** Event `type` filters accept one `*` wildcard, e.g. `invoice.*`. */
function eventTypeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const [head, tail] = pattern.split('*', 2) as [string, string];
  return (type) => type.startsWith(head) && type.endsWith(tail) && type.length >= head.length + tail.length;
}

// ---------------------------------------------------------------------------------------------- options

export interface StripeEmulatorOptions {
  /** The secret key requests must present (`Authorization: Bearer …`). Default `sk_test_emulator`. */
  apiKey?: string;
  /** Listening port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** `api_version` of events and the default `Stripe-Version` echoed back. Default: the SDK's. */
  apiVersion?: string;
  /** Initial emulator clock, unix seconds. Default 2026-01-01T00:00:00Z. */
  startTime?: number;
  /** Seed for ids (and nothing else random). Default 42. */
  seed?: number;
  faults?: FaultConfig;
  /** Events older than this (by the emulator clock) are no longer listed or retrievable, like Stripe's 30 days. `null` keeps all. */
  eventRetentionDays?: number | null;
  /** `pending_webhooks` on new events. Default 1. */
  pendingWebhooks?: number;
  /** How many recent requests `requestLog()` keeps. Default 1000. */
  requestLogSize?: number;
}

const DEFAULT_START = Date.UTC(2026, 0, 1) / 1000;

/** Starts an emulator on 127.0.0.1 and resolves once it listens. */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const emulator = new StripeEmulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

type RouteHandler = (match: RegExpExecArray, params: ParamObject) => JsonObject | string;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  name: string;
  handler: RouteHandler;
}

export class StripeEmulator {
  readonly apiKey: string;
  readonly apiVersion: string;
  readonly clock: EmulatorClock;
  readonly store: StripeStore;
  /** State changes that also emit Stripe's events. */
  readonly scenario: StripeScenario;
  private readonly recorder: EventRecorder;
  private readonly server: Server;
  private readonly routes: Route[];
  private readonly eventRetentionDays: number | null;
  private readonly requestLogSize: number;
  private readonly log: RequestLogEntry[] = [];
  private counters = emptyStats();
  private faultConfig: FaultConfig = {};
  private rateLimitState: TriggerState | null = null;
  private serverErrorState: TriggerState | null = null;
  private latencyRandom = seededRandom(7);
  private boundPort = 0;
  private requestCounter = 0;
  private readonly context: RenderContext;

  constructor(options: StripeEmulatorOptions = {}) {
    this.apiKey = options.apiKey ?? 'sk_test_emulator';
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.clock = new EmulatorClock(options.startTime ?? DEFAULT_START);
    this.store = new StripeStore(this.clock, options.seed ?? 42);
    this.eventRetentionDays = options.eventRetentionDays === undefined ? 30 : options.eventRetentionDays;
    this.requestLogSize = options.requestLogSize ?? 1000;
    const context: RenderContext = { store: this.store, baseUrl: 'http://127.0.0.1' };
    this.context = context;
    this.recorder = new EventRecorder(this.store, {
      apiVersion: this.apiVersion,
      pendingWebhooks: options.pendingWebhooks ?? 1,
    });
    this.scenario = new StripeScenario(this.store, this.recorder, context);
    this.routes = this.buildRoutes();
    this.setFaults(options.faults ?? {});
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** @internal used by `startStripeEmulator`. */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.context.baseUrl = this.url;
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

  /** Options for `new Stripe(emu.apiKey, { ...emu.sdkOptions(), maxNetworkRetries })`. */
  sdkOptions(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.boundPort, protocol: 'http' };
  }

  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------------------------------ faults

  /** Replaces the given faults (others unchanged); `null` removes one. Resets their counters. */
  setFaults(faults: FaultConfig): void {
    if (faults.rateLimit !== undefined) {
      this.faultConfig.rateLimit = faults.rateLimit;
      this.rateLimitState = faults.rateLimit ? new TriggerState(faults.rateLimit.trigger) : null;
    }
    if (faults.serverError !== undefined) {
      this.faultConfig.serverError = faults.serverError;
      this.serverErrorState = faults.serverError ? new TriggerState(faults.serverError.trigger) : null;
    }
    if (faults.latency !== undefined) {
      this.faultConfig.latency = faults.latency;
      this.latencyRandom = seededRandom(7);
    }
  }

  clearFaults(): void {
    this.setFaults({ rateLimit: null, serverError: null, latency: null });
  }

  get faults(): Readonly<FaultConfig> {
    return this.faultConfig;
  }

  /** A copy of the counters. */
  stats(): EmulatorStats {
    return { ...this.counters, byRoute: { ...this.counters.byRoute } };
  }

  resetStats(): void {
    this.counters = emptyStats();
    this.log.length = 0;
  }

  /** The most recent requests, oldest first. */
  requestLog(): RequestLogEntry[] {
    return [...this.log];
  }

  // ------------------------------------------------------------------------------------------ events

  /**
   * Stored events, oldest first (the order they happened), optionally filtered. Ignores retention.
   * `apiVersion`: as a webhook endpoint on that API version receives them (see `versions.ts`).
   */
  events(filter: { types?: string[]; since?: number; apiVersion?: string } = {}): EmulatedEvent[] {
    const matchers = filter.types?.map(eventTypeMatcher);
    const out: EmulatedEvent[] = [];
    const ordered = this.store.events.ordered();
    for (let index = ordered.length - 1; index >= 0; index -= 1) {
      const record = ordered[index] as (typeof ordered)[number];
      if (filter.since !== undefined && record.created < filter.since) continue;
      if (matchers && !matchers.some((match) => match(record.type))) continue;
      const event = JSON.parse(record.json) as EmulatedEvent;
      const served =
        filter.apiVersion === undefined ? event : eventAtVersion(event, filter.apiVersion, this.store);
      if (served !== undefined) out.push(served);
    }
    return out;
  }

  /** Calls `listener` with every new event; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    return this.recorder.onEvent(listener);
  }

  // ------------------------------------------------------------------------------------------ http

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    this.requestCounter += 1;
    const requestId = `req_emu${String(this.requestCounter).padStart(10, '0')}`;
    const method = (request.method ?? 'GET').toUpperCase();
    const rawUrl = request.url ?? '/';
    const questionMark = rawUrl.indexOf('?');
    const path = questionMark < 0 ? rawUrl : rawUrl.slice(0, questionMark);
    const query = questionMark < 0 ? '' : rawUrl.slice(questionMark + 1);
    const body = await readBody(request);
    const idempotencyKey = headerValue(request, 'idempotency-key');
    const version = headerValue(request, 'stripe-version') ?? this.apiVersion;
    let route = `${method} ${path}`;
    let fault: RequestLogEntry['fault'] = null;
    this.counters.requests += 1;

    const respond = (status: number, payload: string, extraHeaders: Record<string, string> = {}): void => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'request-id': requestId,
        'stripe-version': version,
        'cache-control': 'no-cache, no-store',
        ...extraHeaders,
      };
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      response.writeHead(status, headers);
      response.end(payload);
      if (status >= 200 && status < 300) this.counters.served += 1;
      else if (status === 401) this.counters.unauthorized += 1;
      else if (status === 404) this.counters.notFound += 1;
      else if (status === 400) this.counters.badRequest += 1;
      this.log.push({ at: startedAt, method, url: rawUrl, route, status, requestId, idempotencyKey, fault });
      if (this.log.length > this.requestLogSize) this.log.splice(0, this.log.length - this.requestLogSize);
    };
    const fail = (error: ApiError): void => {
      respond(error.status, JSON.stringify({ error: error.body }), error.headers);
    };

    const latency = this.faultConfig.latency;
    if (latency && inScope(latency, method, path)) {
      const delay = latency.ms + (latency.jitterMs ? this.latencyRandom() * latency.jitterMs : 0);
      if (delay > 0) await sleep(delay);
    }

    const matched = this.matchRoute(method, path);
    if (matched) route = `${method} ${matched.route.name}`;
    this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;

    const authError = this.authenticate(request);
    if (authError) return fail(authError);

    const rateLimit = this.faultConfig.rateLimit;
    if (rateLimit && this.rateLimitState && inScope(rateLimit, method, path) && this.rateLimitState.fires()) {
      const code = rateLimit.code ?? 'rate_limit';
      fault = code;
      this.counters.throttled += 1;
      if (code === 'lock_timeout') this.counters.lockTimeouts += 1;
      else this.counters.rateLimited += 1;
      const shouldRetry =
        rateLimit.shouldRetry === undefined ? (code === 'lock_timeout' ? true : null) : rateLimit.shouldRetry;
      return fail(
        new ApiError(
          429,
          code === 'lock_timeout'
            ? {
                type: 'invalid_request_error',
                code: 'lock_timeout',
                doc_url: 'https://stripe.com/docs/error-codes/lock-timeout',
                message:
                  'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.',
              }
            : {
                type: 'invalid_request_error',
                code: 'rate_limit',
                doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
                message:
                  'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
              },
          shouldRetry === null ? {} : { 'stripe-should-retry': String(shouldRetry) },
        ),
      );
    }

    const serverError = this.faultConfig.serverError;
    if (
      serverError &&
      this.serverErrorState &&
      inScope(serverError, method, path) &&
      this.serverErrorState.fires()
    ) {
      fault = 'server_error';
      this.counters.serverErrors += 1;
      const shouldRetry = serverError.shouldRetry ?? null;
      return fail(
        new ApiError(
          serverError.status ?? 500,
          {
            type: 'api_error',
            message:
              "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
          },
          shouldRetry === null ? {} : { 'stripe-should-retry': String(shouldRetry) },
        ),
      );
    }

    if (!matched) {
      return fail(
        invalidRequest(
          `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          undefined,
          undefined,
          404,
        ),
      );
    }
    try {
      const params = parseForm(method === 'GET' ? query : body);
      const result = matched.route.handler(matched.match, params);
      respond(200, typeof result === 'string' ? result : JSON.stringify(result));
    } catch (error) {
      if (error instanceof ApiError) return fail(error);
      throw error;
    }
  }

  private authenticate(request: IncomingMessage): ApiError | null {
    const header = headerValue(request, 'authorization');
    let key: string | null = null;
    if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header?.startsWith('Basic ')) {
      key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0] ?? null;
    }
    if (!key) {
      return new ApiError(401, {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      });
    }
    if (key !== this.apiKey) {
      return new ApiError(401, {
        type: 'invalid_request_error',
        code: 'api_key_invalid',
        message: `Invalid API Key provided: ${redactKey(key)}`,
      });
    }
    return null;
  }

  private matchRoute(method: string, path: string): { route: Route; match: RegExpExecArray } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) return { route, match };
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------ routes

  private buildRoutes(): Route[] {
    const store = this.store;
    const context = this.context;
    const routes: Route[] = [];
    const retentionCutoff = (): number | null =>
      this.eventRetentionDays === null ? null : this.clock.now() - this.eventRetentionDays * DAY;

    const resource = <R extends BaseRecord>(
      path: string,
      spec: Omit<ListSpec<R>, 'url'>,
      retrieve?: (record: R) => JsonObject,
    ): void => {
      const full: ListSpec<R> = { ...spec, url: path };
      routes.push({
        method: 'GET',
        pattern: new RegExp(`^${path}$`),
        name: path,
        handler: (_match, params) => this.list(full, params),
      });
      routes.push({
        method: 'GET',
        pattern: new RegExp(`^${path}/([^/]+)$`),
        name: `${path}/:id`,
        handler: (match, params) => {
          rejectUnknown(params, new Set(['expand']));
          const id = decodeURIComponent(match[1] ?? '');
          const record = spec.collection.get(id);
          if (!record || (spec.always && !spec.always(record) && !retrieve))
            throw noSuch(spec.collection.objectName, id);
          const object = (retrieve ?? spec.render)(record);
          this.expand(object, expandPaths(params));
          return object;
        },
      });
    };

    resource(
      '/v1/customers',
      {
        collection: store.customers,
        render: (record) => asJson(renderCustomer(record)),
        filters: {
          email: equals('email', (record) => record.email),
          test_clock: (params, plan) => testClock(params, plan),
        },
        // An Accounts v2 Account is not a Customer object.
        always: (record) => !record.deleted && record.v2Account !== true,
      },
      (record) => {
        if (record.v2Account === true) throw noSuch('customer', record.id);
        return asJson(renderCustomer(record));
      },
    );

    resource('/v1/subscriptions', {
      collection: store.subscriptions,
      render: (record) => asJson(renderSubscription(record)),
      filters: {
        customer: indexed(store.subscriptions, 'customer', 'customer'),
        status: (params, plan) => {
          const status = oneOf(stringParam(params, 'status'), SUBSCRIPTION_STATUSES, 'status');
          if (status === 'all') return;
          if (status === undefined) plan.predicates.push((record) => record.status !== 'canceled');
          else if (status === 'ended') {
            plan.predicates.push(
              (record) => record.status === 'canceled' || record.status === 'incomplete_expired',
            );
          } else plan.predicates.push((record) => record.status === (status as SubscriptionStatus));
        },
        price: equals('price', (record) => record.priceId),
        plan: equals('plan', (record) => record.priceId),
        collection_method: equals('collection_method', (record) => record.collectionMethod),
        current_period_end: range('current_period_end', (record) => record.currentPeriodEnd),
        current_period_start: range('current_period_start', (record) => record.currentPeriodStart),
        test_clock: (params, plan) => testClock(params, plan),
      },
    });

    resource('/v1/invoices', {
      collection: store.invoices,
      render: (record) => asJson(renderInvoice(record, context)),
      filters: {
        customer: indexed(store.invoices, 'customer', 'customer'),
        subscription: indexed(store.invoices, 'subscription', 'subscription'),
        status: (params, plan) => {
          const status = oneOf(
            stringParam(params, 'status'),
            ['draft', 'open', 'paid', 'uncollectible', 'void'],
            'status',
          );
          if (status) plan.predicates.push((record) => record.status === status);
        },
        collection_method: (params, plan) => {
          const method = oneOf(
            stringParam(params, 'collection_method'),
            ['charge_automatically', 'send_invoice'],
            'collection_method',
          );
          if (method) plan.predicates.push((record) => record.collectionMethod === method);
        },
        due_date: range('due_date', (record) => record.dueDate),
      },
    });

    resource('/v1/invoice_payments', {
      collection: store.invoicePayments,
      render: (record) => asJson(renderInvoicePayment(record)),
      filters: {
        invoice: indexed(store.invoicePayments, 'invoice', 'invoice'),
        status: (params, plan) => {
          const status = oneOf(stringParam(params, 'status'), ['canceled', 'open', 'paid'], 'status');
          if (status) plan.predicates.push((record) => record.status === status);
        },
        payment: (params, plan) => {
          const payment = params.payment;
          if (payment === undefined) return;
          if (typeof payment === 'string' || Array.isArray(payment))
            throw invalidRequest('Invalid payment: must be a hash', 'payment');
          rejectUnknown(payment, new Set(['type', 'payment_intent', 'payment_record']));
          const type = stringParam(payment, 'type');
          const intent = stringParam(payment, 'payment_intent');
          if (type === undefined)
            throw invalidRequest(
              'Missing required param: payment[type].',
              'payment[type]',
              'parameter_missing',
            );
          plan.predicates.push(
            (record) =>
              type === 'payment_intent' && (intent === undefined || record.paymentIntent === intent),
          );
        },
      },
    });

    resource('/v1/payment_intents', {
      collection: store.paymentIntents,
      render: (record) => asJson(renderPaymentIntent(record)),
      filters: { customer: indexed(store.paymentIntents, 'customer', 'customer') },
    });

    resource('/v1/charges', {
      collection: store.charges,
      render: (record) => asJson(renderCharge(record, context)),
      filters: {
        customer: indexed(store.charges, 'customer', 'customer'),
        payment_intent: indexed(store.charges, 'payment_intent', 'paymentIntent'),
        transfer_group: (params, plan) => {
          if (stringParam(params, 'transfer_group') !== undefined) plan.predicates.push(() => false);
        },
      },
    });

    resource('/v1/disputes', {
      collection: store.disputes,
      render: (record) => asJson(renderDispute(record)),
      filters: {
        charge: indexed(store.disputes, 'charge', 'charge'),
        payment_intent: equals('payment_intent', (record) => record.paymentIntent),
      },
    });

    resource('/v1/credit_notes', {
      collection: store.creditNotes,
      render: (record) => asJson(renderCreditNote(record)),
      filters: {
        customer: indexed(store.creditNotes, 'customer', 'customer'),
        invoice: indexed(store.creditNotes, 'invoice', 'invoice'),
      },
    });

    resource('/v1/refunds', {
      collection: store.refunds,
      render: (record) => asJson(renderRefund(record)),
      filters: {
        charge: indexed(store.refunds, 'charge', 'charge'),
        payment_intent: equals('payment_intent', (record) => record.paymentIntent),
      },
    });

    resource('/v1/payment_methods', {
      collection: store.paymentMethods,
      render: (record) => asJson(renderPaymentMethod(record)),
      filters: {
        customer: indexed(store.paymentMethods, 'customer', 'customer'),
        type: (params, plan) => {
          const type = stringParam(params, 'type');
          if (type !== undefined && type !== 'card') plan.predicates.push(() => false);
        },
      },
    });

    // "List a Customer's PaymentMethods" and "Retrieve a Customer's PaymentMethod": an unknown customer, or
    // a payment method attached to another, is a 404.
    const customerOfPath = (match: RegExpMatchArray): string => {
      const id = decodeURIComponent(match[1] ?? '');
      const record = store.customers.get(id);
      if (!record || record.deleted || record.v2Account === true) throw noSuch('customer', id);
      return id;
    };
    routes.push({
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/payment_methods$/,
      name: '/v1/customers/:id/payment_methods',
      handler: (match, params) => {
        const customer = customerOfPath(match);
        return this.list(
          {
            url: `/v1/customers/${customer}/payment_methods`,
            collection: store.paymentMethods,
            render: (record) => asJson(renderPaymentMethod(record)),
            filters: {
              type: (query, plan) => {
                const type = stringParam(query, 'type');
                if (type !== undefined && type !== 'card') plan.predicates.push(() => false);
              },
              allow_redisplay: (query) => {
                oneOf(
                  stringParam(query, 'allow_redisplay'),
                  ['always', 'limited', 'unspecified'],
                  'allow_redisplay',
                );
              },
            },
            always: (record) => record.customer === customer,
          },
          params,
        );
      },
    });
    routes.push({
      method: 'GET',
      pattern: /^\/v1\/customers\/([^/]+)\/payment_methods\/([^/]+)$/,
      name: '/v1/customers/:id/payment_methods/:id',
      handler: (match, params) => {
        rejectUnknown(params, new Set(['expand']));
        const customer = customerOfPath(match);
        const id = decodeURIComponent(match[2] ?? '');
        const record = store.paymentMethods.get(id);
        if (!record || record.customer !== customer) throw noSuch('payment_method', id);
        const object = asJson(renderPaymentMethod(record));
        this.expand(object, expandPaths(params));
        return object;
      },
    });

    resource('/v1/events', {
      collection: store.events,
      render: (record) => JSON.parse(record.json) as JsonObject,
      filters: {
        type: (params, plan) => {
          const type = stringParam(params, 'type');
          if (type === undefined) return;
          const match = eventTypeMatcher(type);
          plan.predicates.push((record) => match(record.type));
        },
        types: (params, plan) => {
          const types = stringArrayParam(params, 'types');
          if (types === undefined) return;
          if (params.type !== undefined) {
            throw invalidRequest(
              'You may only specify one of these parameters: type, types.',
              'types',
              'parameters_exclusive',
            );
          }
          if (types.length > 20)
            throw invalidRequest('Invalid array: types can have at most 20 entries', 'types');
          const matchers = types.map(eventTypeMatcher);
          plan.predicates.push((record) => matchers.some((match) => match(record.type)));
        },
        delivery_success: (params) => {
          oneOf(stringParam(params, 'delivery_success'), ['true', 'false'], 'delivery_success');
        },
      },
      always: (record) => {
        const cutoff = retentionCutoff();
        return cutoff === null || record.created >= cutoff;
      },
    });

    // Writes an integration may make: create a customer, update its metadata/contact fields.
    routes.push({
      method: 'POST',
      pattern: /^\/v1\/customers$/,
      name: '/v1/customers',
      handler: (_match, params) => {
        rejectUnknown(params, new Set(['email', 'name', 'description', 'phone', 'metadata', 'expand']));
        const customer = this.scenario.createCustomer({
          email: stringParam(params, 'email') ?? null,
          name: stringParam(params, 'name') ?? null,
          description: stringParam(params, 'description') ?? null,
          phone: stringParam(params, 'phone') ?? null,
          metadata: metadataParam(params),
          card: false,
        });
        this.expand(customer, expandPaths(params));
        return customer;
      },
    });
    routes.push({
      method: 'POST',
      pattern: /^\/v1\/customers\/([^/]+)$/,
      name: '/v1/customers/:id',
      handler: (match, params) => {
        rejectUnknown(params, new Set(['email', 'name', 'description', 'metadata', 'expand']));
        const id = decodeURIComponent(match[1] ?? '');
        const record = store.customers.get(id);
        if (!record || record.deleted || record.v2Account === true) throw noSuch('customer', id);
        this.scenario.updateCustomer(id, {
          ...(params.email !== undefined ? { email: stringParam(params, 'email') || null } : {}),
          ...(params.name !== undefined ? { name: stringParam(params, 'name') || null } : {}),
          ...(params.description !== undefined
            ? { description: stringParam(params, 'description') || null }
            : {}),
          ...(params.metadata !== undefined ? { metadata: metadataParam(params) } : {}),
        });
        const object = asJson(renderCustomer(record));
        this.expand(object, expandPaths(params));
        return object;
      },
    });
    routes.push({
      method: 'POST',
      pattern: /^\/v1\/credit_notes$/,
      name: '/v1/credit_notes',
      handler: (_match, params) => {
        rejectUnknown(
          params,
          new Set([
            'invoice',
            'amount',
            'refund_amount',
            'credit_amount',
            'out_of_band_amount',
            'reason',
            'memo',
            'metadata',
            'email_type',
            'expand',
          ]),
        );
        const invoice = stringParam(params, 'invoice');
        if (invoice === undefined)
          throw invalidRequest('Missing required param: invoice.', 'invoice', 'parameter_missing');
        const amountOf = (param: string): number => {
          const value = stringParam(params, param);
          return value === undefined ? 0 : integerOf(value, param);
        };
        if (stringParam(params, 'amount') === undefined) {
          throw invalidRequest(
            'One of `amount`, `lines`, or `shipping_cost` must be provided (the emulator models `amount`).',
            'amount',
            'parameter_missing',
          );
        }
        oneOf(stringParam(params, 'email_type'), ['credit_note', 'none'], 'email_type');
        const result = this.scenario.issueCreditNote(invoice, {
          amount: amountOf('amount'),
          refundAmount: amountOf('refund_amount'),
          creditAmount: amountOf('credit_amount'),
          outOfBandAmount: amountOf('out_of_band_amount'),
          reason:
            oneOf<CreditNoteReason>(
              stringParam(params, 'reason'),
              ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'],
              'reason',
            ) ?? null,
          memo: stringParam(params, 'memo') ?? null,
          metadata: metadataParam(params),
        });
        const object = result.creditNote as JsonObject;
        this.expand(object, expandPaths(params));
        return object;
      },
    });
    return routes;
  }

  private list<R extends BaseRecord>(spec: ListSpec<R>, params: ParamObject): string {
    rejectUnknown(params, new Set([...COMMON_LIST_PARAMS, ...Object.keys(spec.filters)]));
    const rawLimit = stringParam(params, 'limit');
    let limit = 10;
    if (rawLimit !== undefined) {
      if (!/^\d+$/.test(rawLimit))
        throw invalidRequest(`Invalid integer: ${rawLimit}`, 'limit', 'parameter_invalid_integer');
      limit = Number(rawLimit);
      if (limit < 1 || limit > 100) throw invalidRequest('Invalid limit: must be between 1 and 100', 'limit');
    }
    const startingAfterId = stringParam(params, 'starting_after');
    const endingBeforeId = stringParam(params, 'ending_before');
    if (startingAfterId !== undefined && endingBeforeId !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: ending_before, starting_after.',
        'ending_before',
        'parameters_exclusive',
      );
    }
    const cursor = (id: string | undefined, param: string): R | undefined => {
      if (id === undefined) return undefined;
      const record = spec.collection.get(id);
      if (!record)
        throw invalidRequest(`No such ${spec.collection.objectName}: '${id}'`, param, 'resource_missing');
      return record;
    };
    const startingAfter = cursor(startingAfterId, 'starting_after');
    const endingBefore = cursor(endingBeforeId, 'ending_before');
    const plan: ListPlan<R> = { predicates: [] };
    const created = rangeParam(params, 'created');
    if (created) plan.predicates.push((record) => created(record.created));
    for (const apply of Object.values(spec.filters)) apply(params, plan);
    if (spec.always) plan.predicates.push(spec.always);
    const paths = expandPaths(params);
    for (const path of paths) {
      if (path[0] !== 'data' || path.length < 2) {
        throw invalidRequest(
          `This property cannot be expanded (${path.join('.')}). You may want to try expanding 'data.${path.join('.')}' instead.`,
          'expand',
        );
      }
    }
    const predicates = plan.predicates;
    const page = paginate(plan.source ?? spec.collection.ordered(), {
      limit,
      ...(startingAfter ? { startingAfter } : {}),
      ...(endingBefore ? { endingBefore } : {}),
      filter: (record) => predicates.every((test) => test(record)),
    });
    const items = page.data.map((record) => {
      const object = spec.render(record);
      for (const path of paths) this.expandPath(object, path.slice(1), 1);
      return JSON.stringify(object);
    });
    return `{"object":"list","data":[${items.join(',')}],"has_more":${page.hasMore},"url":${JSON.stringify(spec.url)}}`;
  }

  private expand(object: JsonObject, paths: string[][]): void {
    for (const path of paths) this.expandPath(object, path, 1);
  }

  /** Replaces ids along `path` by the objects they name (and fills includable fields such as `payments`). */
  private expandPath(object: JsonObject, path: string[], depth: number): void {
    const [head, ...rest] = path;
    if (head === undefined) return;
    if (depth > 4) throw invalidRequest('You cannot expand more than 4 levels of a property.', 'expand');
    if (!(head in object)) {
      const included = this.includable(object, head);
      if (included === undefined) throw cannotExpand(path);
      object[head] = included;
    }
    let value = object[head] as JsonValue;
    if (typeof value === 'string') {
      const rendered = renderById(value, this.context);
      if (!rendered) throw cannotExpand(path);
      object[head] = rendered;
      value = rendered;
    }
    if (rest.length === 0 || value === null || typeof value !== 'object') return;
    const nested = Array.isArray(value) ? value : [value];
    for (const item of nested) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      if (item.object === 'list' && rest[0] === 'data' && Array.isArray(item.data)) {
        for (const element of item.data) {
          if (element && typeof element === 'object' && !Array.isArray(element))
            this.expandPath(element, rest.slice(1), depth + 1);
        }
      } else {
        this.expandPath(item, rest, depth + 1);
      }
    }
  }

  /** Fields Stripe leaves out unless expanded ("includable"). */
  private includable(object: JsonObject, field: string): JsonValue | undefined {
    const id = typeof object.id === 'string' ? object.id : '';
    if (object.object === 'invoice' && field === 'payments') {
      const data = this.store.invoicePayments
        .orderedBy('invoice', id)
        .map((record) => asJson(renderInvoicePayment(record)));
      return { object: 'list', data, has_more: false, url: `/v1/invoice_payments?invoice=${id}` };
    }
    if (object.object === 'invoice' && field === 'confirmation_secret') {
      const invoice = this.store.invoices.get(id);
      if (!invoice?.paymentIntent || invoice.status !== 'open') return null;
      return {
        client_secret: `${invoice.paymentIntent}_secret_${invoice.paymentIntent.slice(-10)}`,
        type: 'payment_intent',
      };
    }
    if (object.object === 'charge' && field === 'refunds') {
      const data = this.store.refunds.orderedBy('charge', id).map((record) => asJson(renderRefund(record)));
      return { object: 'list', data, has_more: false, url: `/v1/charges/${id}/refunds` };
    }
    if (object.object === 'customer' && field === 'subscriptions') {
      const data = this.store.subscriptions
        .orderedBy('customer', id)
        .filter((record) => record.status !== 'canceled')
        .map((record) => asJson(renderSubscription(record)));
      return { object: 'list', data, has_more: false, url: `/v1/customers/${id}/subscriptions` };
    }
    return undefined;
  }
}

function testClock<R>(params: ParamObject, plan: ListPlan<R>): void {
  if (stringParam(params, 'test_clock') !== undefined) plan.predicates.push(() => false);
}

function metadataParam(params: ParamObject): Record<string, string> {
  const value = params.metadata;
  if (value === undefined) return {};
  if (typeof value === 'string') {
    if (value === '') return {};
    throw invalidRequest('Invalid metadata: must be a hash', 'metadata');
  }
  if (Array.isArray(value)) throw invalidRequest('Invalid metadata: must be a hash', 'metadata');
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string')
      throw invalidRequest(`Invalid metadata[${key}]: must be a string`, `metadata[${key}]`);
    out[key] = item;
  }
  return out;
}

function expandPaths(params: ParamObject): string[][] {
  const values = stringArrayParam(params, 'expand') ?? [];
  return values.map((value) => value.split('.'));
}

function cannotExpand(path: string[]): ApiError {
  return invalidRequest(`This property cannot be expanded (${path.join('.')}).`, 'expand');
}

function noSuch(objectName: string, id: string): ApiError {
  return invalidRequest(`No such ${objectName}: '${id}'`, 'id', 'resource_missing', 404);
}

function redactKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

function headerValue(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) {
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
