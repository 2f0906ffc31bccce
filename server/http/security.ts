import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { HitCounter } from '../../src/ports/hit-counter';

/** The CRMs that may frame the workspace and the embedded pages (Salesforce Lightning, HubSpot). */
export const FRAME_ANCESTORS = [
  "'self'",
  'https://*.lightning.force.com',
  'https://*.my.salesforce.com',
  'https://*.force.com',
  'https://*.hubspot.com',
];

/**
 * The workspace (extensions/web/dist) loads one script and one stylesheet from /assets, has no inline
 * script or style element (React's `style` props go through the CSSOM, which CSP allows), and calls only
 * its own /api/v1.
 */
const WORKSPACE_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': FRAME_ANCESTORS,
};

/**
 * The server-rendered pages under /oauth and /embed (install results, the Salesforce account page)
 * carry a small inline style and no script at all.
 */
const PAGE_DIRECTIVES = {
  ...WORKSPACE_DIRECTIVES,
  'script-src': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

const common = {
  // No X-Frame-Options: SAMEORIGIN would break the Salesforce iframe; frame-ancestors governs framing.
  xFrameOptions: false,
} as const;

/** Security headers for every response: helmet's defaults with our CSP (pages get their own). */
export function securityHeaders(): RequestHandler {
  const workspace = helmet({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: WORKSPACE_DIRECTIVES },
  });
  const pages = helmet({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_DIRECTIVES },
  });
  return (request, response, next) =>
    /^\/(oauth|embed)\//.test(request.path)
      ? pages(request, response, next)
      : workspace(request, response, next);
}

export type RateLimit = {
  limit: number;
  windowMs: number;
  /**
   * Count only refused requests (4xx: a bad signature, a malformed body). Webhook senders deliver
   * in bursts from a few addresses (Stripe, HubSpot), so verified deliveries are never limited, while
   * a client sending junk is. Our own 5xx do not count either: the sender's retry must get through.
   */
  refusedOnly?: boolean;
};

/** Per-IP limits of the public, unauthenticated endpoints; `false` turns one off. */
export type PublicRateLimits = {
  oauth?: RateLimit | false;
  embed?: RateLimit | false;
  webhooks?: RateLimit | false;
};

export const DEFAULT_RATE_LIMITS: Required<PublicRateLimits> = {
  oauth: { limit: 60, windowMs: 60_000 },
  embed: { limit: 60, windowMs: 60_000 },
  webhooks: { limit: 600, windowMs: 60_000, refusedOnly: true },
};

type PublicPrefix = '/oauth' | '/embed' | '/webhooks';

/** The shared counter failed; the limiter lets the request through (and the outage is logged once). */
class SharedCountUnavailable extends Error {
  constructor(cause: unknown) {
    super('public rate limits: shared counter unavailable', { cause });
    this.name = 'SharedCountUnavailable';
  }
}

/** One warning when the shared counter stops answering and one note when it is back, not one a request. */
function outageLog(logger: Logger): { failed: (error: unknown) => void; answered: () => void } {
  let down = false;
  return {
    failed(error) {
      if (down) return;
      down = true;
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'public rate limits: shared counter unreachable; requests pass unlimited until it is back',
      );
    },
    answered() {
      if (!down) return;
      down = false;
      logger.info('public rate limits: shared counter reachable again');
    },
  };
}

/** An express-rate-limit store over the shared counter; its keys are prefixed with the limiter's name. */
function sharedStore(
  counter: HitCounter,
  name: string,
  windowMs: number,
  outage: ReturnType<typeof outageLog>,
): Store {
  const prefix = `${name}:`;
  const quietly = async (work: () => Promise<void>): Promise<void> => {
    try {
      await work();
      outage.answered();
    } catch (error) {
      outage.failed(error);
    }
  };
  return {
    prefix,
    localKeys: false,
    async increment(key) {
      try {
        const { hits, resetAt } = await counter.hit(prefix + key, windowMs);
        outage.answered();
        return { totalHits: hits, resetTime: resetAt };
      } catch (error) {
        outage.failed(error);
        throw new SharedCountUnavailable(error);
      }
    },
    decrement: (key) => quietly(() => counter.unhit(prefix + key)),
    resetKey: (key) => quietly(() => counter.reset(prefix + key)),
  };
}

/**
 * One limiter per public prefix, answering 429 `{ error: 'rate_limited' }` with the standard RateLimit
 * headers. Mount them before the routers they protect. With a shared `counter` (Redis) every server
 * process counts against one budget per client; without one each process counts in its own memory.
 * When the shared counter cannot be reached the limits fail open: a webhook is never refused because
 * the counter is down.
 */
export function publicRateLimiters(
  configured: PublicRateLimits,
  options: { logger: Logger; counter?: HitCounter },
): { prefix: PublicPrefix; handler: RequestHandler }[] {
  const limits = { ...DEFAULT_RATE_LIMITS, ...configured };
  const outage = outageLog(options.logger);
  const limiters: { prefix: PublicPrefix; handler: RequestHandler }[] = [];
  for (const [name, limit] of Object.entries(limits) as [keyof PublicRateLimits, RateLimit | false][]) {
    if (limit === false) continue;
    limiters.push({
      prefix: `/${name}`,
      handler: rateLimit({
        windowMs: limit.windowMs,
        limit: limit.limit,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        ...(limit.refusedOnly === true
          ? {
              skipSuccessfulRequests: true,
              requestWasSuccessful: (_request: unknown, response: { statusCode: number }) =>
                response.statusCode < 400 || response.statusCode >= 500,
            }
          : {}),
        ...(options.counter === undefined
          ? {}
          : { store: sharedStore(options.counter, name, limit.windowMs, outage) }),
        // Fail open. The outage is logged once above, so the library's line per passed request is dropped.
        passOnStoreError: true,
        logger: {
          warn: (error, message) => options.logger.warn({ err: error }, message ?? 'express-rate-limit'),
          error: (error, message) => {
            if (error instanceof SharedCountUnavailable) return;
            options.logger.error({ err: error }, message ?? 'express-rate-limit');
          },
        },
        handler: (_request, response, _next, handlerOptions) => {
          response.status(handlerOptions.statusCode).json({ error: 'rate_limited' });
        },
      }),
    });
  }
  return limiters;
}
