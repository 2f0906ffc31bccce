/**
 * Delivers events to a webhook endpoint the way Stripe does, with faults for testing receivers.
 *
 * Signing: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the
 * endpoint secret>` (one `v1` per secret while a secret is being rolled). Each attempt is signed with
 * the time of that attempt. Bodies are the event JSON, pretty-printed as Stripe sends them, so a
 * receiver that verifies a re-serialised body instead of the raw bytes fails as it would in production.
 *
 * Retries: any non-2xx answer, timeout or connection error is retried with exponential backoff, up to
 * `retry.maxAttempts` (bounded; short delays for tests). By default a failed event is retried after
 * the others were attempted (`mode: 'deferred'`), so, as with Stripe, a retry can arrive after newer
 * events; `mode: 'inline'` retries before moving on.
 *
 * Faults: duplicate every delivery, reverse or shuffle (seeded) the order, delay each delivery, and
 * break signatures (wrong secret, tampered body, stale timestamp, missing header, no v1 scheme).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Any Stripe-like event: the sender only needs `id` and `type` (the whole object is the body). */
export interface WebhookEventLike {
  id: string;
  type: string;
}

export type SignatureFault =
  'wrong_secret' | 'tampered_body' | 'stale_timestamp' | 'missing_header' | 'no_v1_signature';

export interface WebhookFaults {
  /** Deliver every event twice (or `times` copies in all), right after each other or all again at the end. */
  duplicate?: boolean | { times?: number; placement?: 'adjacent' | 'end' };
  /** Delivery order before duplication (default `original`). */
  order?: 'original' | 'reverse' | 'shuffle';
  /** Seed for `shuffle` (default 1). */
  seed?: number;
  /** Wait this long before each delivery (first attempts and retries). */
  delayMs?: number;
  /** Break the signature of deliveries (default: all of them; see `signatureEvery`). */
  signature?: SignatureFault;
  /** Apply `signature` only to deliveries number k, 2k, … (1-based, after ordering/duplication). */
  signatureEvery?: number;
  /** Age of the timestamp for `stale_timestamp` (default 600 s; Stripe's SDKs tolerate 300 s). */
  staleSeconds?: number;
}

export interface WebhookRetryPolicy {
  /** Attempts per delivery including the first (default 3, at most 10). */
  maxAttempts?: number;
  /** Delay before the first retry (default 20 ms); doubles each retry (`factor`). */
  initialDelayMs?: number;
  factor?: number;
  mode?: 'deferred' | 'inline';
}

export interface SendWebhooksOptions {
  url: string;
  /** The endpoint secret `whsec_…`; several while rolling secrets (one `v1` each). */
  secret: string | string[];
  faults?: WebhookFaults;
  retry?: WebhookRetryPolicy;
  /** Per-attempt timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Signing time in unix seconds (default: the wall clock, which receivers check against). */
  now?: () => number;
  /** Pretty-print bodies like Stripe (default true). */
  pretty?: boolean;
}

export interface WebhookAttempt {
  attempt: number;
  /** HTTP status, or null when the request failed (timeout, connection refused). */
  status: number | null;
  error: string | null;
  durationMs: number;
  signature: SignatureFault | 'valid';
  timestamp: number;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  /** 0 for the original delivery, 1… for injected duplicates. */
  copy: number;
  attempts: WebhookAttempt[];
  delivered: boolean;
}

export interface WebhookReport {
  /** In the order of first attempts. */
  deliveries: WebhookDelivery[];
  delivered: number;
  failed: number;
  attempts: number;
  /** Event ids in the order their attempts were made (retries included). */
  attemptOrder: string[];
}

/** The `Stripe-Signature` header value for `payload` signed at `timestamp` (unix seconds). */
export function signWebhookPayload(payload: string, secret: string | string[], timestamp: number): string {
  const secrets = Array.isArray(secret) ? secret : [secret];
  const signatures = secrets.map(
    (key) => `v1=${createHmac('sha256', key).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`,
  );
  return [`t=${timestamp}`, ...signatures].join(',');
}

function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

interface Pending {
  delivery: WebhookDelivery;
  payload: string;
  fault: SignatureFault | null;
}

/** Delivers `events` to `options.url`; resolves with what happened to each delivery. */
export async function sendWebhooks(
  events: readonly WebhookEventLike[],
  options: SendWebhooksOptions,
): Promise<WebhookReport> {
  const faults = options.faults ?? {};
  const retry = options.retry ?? {};
  const maxAttempts = Math.min(10, Math.max(1, retry.maxAttempts ?? 3));
  const initialDelay = retry.initialDelayMs ?? 20;
  const factor = retry.factor ?? 2;
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  if (secrets.length === 0) throw new Error('sendWebhooks needs an endpoint secret');

  let ordered = [...events];
  if (faults.order === 'reverse') ordered.reverse();
  else if (faults.order === 'shuffle') ordered = shuffled(ordered, faults.seed ?? 1);
  const duplicate = faults.duplicate;
  const times = duplicate === true ? 2 : duplicate ? Math.max(1, duplicate.times ?? 2) : 1;
  const placement = typeof duplicate === 'object' ? (duplicate.placement ?? 'adjacent') : 'adjacent';
  const sequence: { event: WebhookEventLike; copy: number }[] = [];
  if (placement === 'adjacent') {
    for (const event of ordered) for (let copy = 0; copy < times; copy += 1) sequence.push({ event, copy });
  } else {
    for (let copy = 0; copy < times; copy += 1) for (const event of ordered) sequence.push({ event, copy });
  }

  const every = Math.max(1, faults.signatureEvery ?? 1);
  const queue: Pending[] = sequence.map(({ event, copy }, index) => ({
    delivery: { eventId: event.id, type: event.type, copy, attempts: [], delivered: false },
    payload: options.pretty === false ? JSON.stringify(event) : JSON.stringify(event, null, 2),
    fault: faults.signature && (index + 1) % every === 0 ? faults.signature : null,
  }));
  const deliveries = queue.map((item) => item.delivery);
  const attemptOrder: string[] = [];

  const attempt = async (item: Pending): Promise<boolean> => {
    if (faults.delayMs) await sleep(faults.delayMs);
    const number = item.delivery.attempts.length + 1;
    const fault = item.fault;
    const timestamp = fault === 'stale_timestamp' ? now() - (faults.staleSeconds ?? 600) : now();
    let body = item.payload;
    const signed = signWebhookPayload(
      item.payload,
      fault === 'wrong_secret' ? secrets.map((key) => `${key}_wrong`) : secrets,
      timestamp,
    );
    let header: string | null = fault === 'no_v1_signature' ? signed.replace(/v1=/g, 'v0=') : signed;
    if (fault === 'missing_header') header = null;
    if (fault === 'tampered_body') body = item.payload.replace('{', '{\n  "tampered": true,');
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'cache-control': 'no-cache',
    };
    if (header !== null) headers['stripe-signature'] = header;
    attemptOrder.push(item.delivery.eventId);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    item.delivery.attempts.push({
      attempt: number,
      status,
      error,
      durationMs: Math.round(performance.now() - started),
      signature: fault ?? 'valid',
      timestamp,
    });
    const ok = status !== null && status >= 200 && status < 300;
    item.delivery.delivered = ok;
    return ok;
  };
  const backoff = (item: Pending): number =>
    initialDelay * factor ** Math.max(0, item.delivery.attempts.length - 1);

  if (retry.mode === 'inline') {
    for (const item of queue) {
      while (!(await attempt(item)) && item.delivery.attempts.length < maxAttempts)
        await sleep(backoff(item));
    }
  } else {
    let round = queue;
    while (round.length > 0) {
      const failed: Pending[] = [];
      for (const item of round) {
        if (!(await attempt(item)) && item.delivery.attempts.length < maxAttempts) failed.push(item);
      }
      if (failed.length > 0) await sleep(Math.max(...failed.map(backoff)));
      round = failed;
    }
  }
  const delivered = deliveries.filter((delivery) => delivery.delivered).length;
  return {
    deliveries,
    delivered,
    failed: deliveries.length - delivered,
    attempts: attemptOrder.length,
    attemptOrder,
  };
}

// ------------------------------------------------------------------------------------------ receiver

export interface ReceivedWebhook {
  rawBody: string;
  signature: string | null;
  /** From the verified event, or parsed from the body when there is no `verify`. */
  eventId: string | null;
  type: string | null;
  verified: boolean | null;
  error: string | null;
  /** How many times this event id had arrived before (0 = first). */
  previousArrivals: number;
  status: number;
}

export interface WebhookReceiverOptions {
  /** Verifies and parses a delivery (e.g. `stripe.webhooks.constructEvent(raw, header, secret)`); throw to reject. */
  verify?: (rawBody: string, signature: string) => { id: string; type: string };
  /** The status to answer (default 200, or 400 when verification failed). */
  respond?: (webhook: Omit<ReceivedWebhook, 'status'>) => number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request received, in arrival order. */
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** A tiny endpoint on 127.0.0.1 that records (and optionally verifies) deliveries. */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const arrivals = new Map<string, number>();
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signatureHeader = request.headers['stripe-signature'];
      const signature = typeof signatureHeader === 'string' ? signatureHeader : null;
      let eventId: string | null = null;
      let type: string | null = null;
      let verified: boolean | null = null;
      let error: string | null = null;
      if (options.verify) {
        try {
          const event = options.verify(rawBody, signature ?? '');
          eventId = event.id;
          type = event.type;
          verified = true;
        } catch (caught) {
          verified = false;
          error = caught instanceof Error ? caught.message : String(caught);
        }
      } else {
        try {
          const parsed = JSON.parse(rawBody) as { id?: unknown; type?: unknown };
          eventId = typeof parsed.id === 'string' ? parsed.id : null;
          type = typeof parsed.type === 'string' ? parsed.type : null;
        } catch {
          error = 'body is not JSON';
        }
      }
      const previousArrivals = eventId === null ? 0 : (arrivals.get(eventId) ?? 0);
      if (eventId !== null) arrivals.set(eventId, previousArrivals + 1);
      const webhook = { rawBody, signature, eventId, type, verified, error, previousArrivals };
      const status = options.respond ? options.respond(webhook) : verified === false ? 400 : 200;
      received.push({ ...webhook, status });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ received: status < 300 }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
