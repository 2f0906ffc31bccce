import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';

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

export type RateLimit = { limit: number; windowMs: number };

/** Per-IP limits of the public, unauthenticated endpoints; `false` turns one off. */
export type PublicRateLimits = {
  oauth?: RateLimit | false;
  embed?: RateLimit | false;
  webhooks?: RateLimit | false;
};

export const DEFAULT_RATE_LIMITS: Required<PublicRateLimits> = {
  oauth: { limit: 60, windowMs: 60_000 },
  embed: { limit: 60, windowMs: 60_000 },
  webhooks: { limit: 600, windowMs: 60_000 },
};

/**
 * One limiter per public prefix (in-memory, per process), answering 429 `{ error: 'rate_limited' }`
 * with the standard RateLimit headers. Mount them before the routers they protect.
 */
export function publicRateLimiters(
  configured: PublicRateLimits = {},
): { prefix: '/oauth' | '/embed' | '/webhooks'; handler: RequestHandler }[] {
  const limits = { ...DEFAULT_RATE_LIMITS, ...configured };
  const limiters: { prefix: '/oauth' | '/embed' | '/webhooks'; handler: RequestHandler }[] = [];
  for (const [name, limit] of Object.entries(limits) as [keyof PublicRateLimits, RateLimit | false][]) {
    if (limit === false) continue;
    limiters.push({
      prefix: `/${name}`,
      handler: rateLimit({
        windowMs: limit.windowMs,
        limit: limit.limit,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_request, response, _next, options) => {
          response.status(options.statusCode).json({ error: 'rate_limited' });
        },
      }),
    });
  }
  return limiters;
}
