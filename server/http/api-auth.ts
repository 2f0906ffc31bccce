import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import { fail } from './api-errors';
import { verifyHubspotSignatureV3 } from './signed-request';
import { cookieOf, readSession, SESSION_COOKIE } from './workspace-session';

/** Who is asking: a signed CRM request, a workspace session opened from an embedded view, or local demo. */
export type RequestContext = {
  tenant: TenantId;
  user: string;
  revops: boolean;
  /** Set when the workspace was opened embedded in a CRM record: only that view and record. */
  embedded: { view: string; customerId: string | null; crmRecordId: string | null } | null;
};

export type AuthOptions = {
  /** HubSpot app client secret; without it the API runs in local demo mode (loopback only). */
  signingSecret: string | undefined;
  /**
   * Without a signing secret: true (the default) runs the local demo (every caller is RevOps on the
   * demo tenant); false takes workspace sessions only (a Salesforce-only deployment).
   */
  demo?: boolean;
  publicBaseUrl: string;
  revopsUsers: readonly string[];
  demoTenant: TenantId;
  now?: () => number;
  /**
   * The tenant of a signed portal id: the portal's installation. Without one, the portal id itself
   * names the tenant (private-app mode). Undefined refuses the request (403).
   */
  resolveTenant?: (portalId: string) => Promise<TenantId | undefined>;
  /** Verifies workspace sessions opened from embedded views; without it there are none. */
  sessionSecret?: string;
};

type Locals = { context: RequestContext };

/** The caller, as the authentication middleware set it. */
export const requestContext = (response: Response): RequestContext => (response.locals as Locals).context;

/** What an embedded workspace may reach: its one view, and its one record. */
export function embeddedAllows(
  embedded: NonNullable<RequestContext['embedded']>,
  method: string,
  path: string,
): boolean {
  if (path === '/session') return true;
  const account = /^\/accounts\/([^/]+)(\/pause|\/promises)?$/.exec(path);
  if (account !== null)
    return embedded.view === 'account' && decodeURIComponent(account[1] ?? '') === embedded.customerId;
  if (embedded.view === 'rules') return /^\/(rules|audit)(\/|$)/.test(path) && method !== 'DELETE';
  if (embedded.view === 'opportunity-terms') {
    const deal = /^\/deals\/([^/]+)\/payment-terms(\/accept|\/accepted)?$/.exec(path);
    if (deal !== null) return decodeURIComponent(deal[1] ?? '') === embedded.crmRecordId;
    return method === 'GET' && path === '/terms/guardrails';
  }
  return false;
}

/** The exact bytes that were signed, kept beside the parsed JSON. */
const rawBodies = new WeakMap<object, string>();

/** JSON bodies up to 1 MB, their signed bytes kept for the signature check. */
export function apiBodyParser(): RequestHandler {
  return express.json({
    limit: '1mb',
    verify: (incoming, _response, buffer) => {
      rawBodies.set(incoming, buffer.toString('utf8'));
    },
  });
}

function unauthorized(response: Response, message: string): void {
  fail(response, { code: 'unauthorized', message }, 401);
}

/** The context of a signed HubSpot request: the portal and user come from the signed URI only. */
async function signedContext(
  options: AuthOptions & { signingSecret: string },
  request: Request,
  response: Response,
): Promise<RequestContext | undefined> {
  const check = verifyHubspotSignatureV3({
    secret: options.signingSecret,
    method: request.method,
    uri: `${options.publicBaseUrl}${request.originalUrl}`,
    body: rawBodies.get(request) ?? '',
    signature: request.header('x-hubspot-signature-v3'),
    timestamp: request.header('x-hubspot-request-timestamp'),
    now: (options.now ?? Date.now)(),
  });
  if (!check.ok) return void unauthorized(response, check.reason);
  const portalId = typeof request.query['portalId'] === 'string' ? request.query['portalId'] : undefined;
  const user = String(request.query['userEmail'] ?? request.query['userId'] ?? '').toLowerCase();
  if (portalId === undefined || !/^[0-9]{1,20}$/.test(portalId) || user === '')
    return void unauthorized(response, 'signed request without portalId and user');
  const portal =
    options.resolveTenant === undefined ? parseTenantId(portalId) : await options.resolveTenant(portalId);
  if (portal === undefined)
    return void fail(
      response,
      { code: 'not_installed', message: `the app is not installed in portal ${portalId}` },
      403,
    );
  const userId = String(request.query['userId'] ?? '').toLowerCase();
  return {
    tenant: portal,
    user,
    revops: options.revopsUsers.includes(user) || (userId !== '' && options.revopsUsers.includes(userId)),
    embedded: null,
  };
}

/**
 * Sets the caller's context, or answers 401/403: a workspace session (one tenant, view and record), a
 * signed HubSpot request, or the local demo when no signing secret is set.
 */
export function authenticate(options: AuthOptions): RequestHandler {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const locals = response.locals as Partial<Locals>;
    const cookie = options.sessionSecret === undefined ? undefined : cookieOf(request, SESSION_COOKIE);
    const session =
      cookie === undefined || options.sessionSecret === undefined
        ? undefined
        : readSession(options.sessionSecret, cookie, (options.now ?? Date.now)());
    if (session !== undefined) {
      locals.context = {
        tenant: session.tenant,
        user: session.user,
        revops: false,
        embedded: { view: session.view, customerId: session.customerId, crmRecordId: session.crmRecordId },
      };
      next();
      return;
    }
    const { signingSecret } = options;
    if (signingSecret === undefined && options.demo === false)
      return unauthorized(
        response,
        'open the workspace from the CRM: this server takes workspace sessions only',
      );
    if (signingSecret === undefined) {
      locals.context = { tenant: options.demoTenant, user: 'local-demo', revops: true, embedded: null };
      next();
      return;
    }
    let context: RequestContext | undefined;
    try {
      context = await signedContext({ ...options, signingSecret }, request, response);
    } catch (error) {
      next(error);
      return;
    }
    if (context === undefined) return;
    locals.context = context;
    next();
  };
}

/** An embedded workspace reaches its one view and record only. */
export function embeddedScope(request: Request, response: Response, next: NextFunction): void {
  const embedded = requestContext(response).embedded;
  if (embedded !== null && !embeddedAllows(embedded, request.method, request.path))
    return fail(
      response,
      { code: 'forbidden', message: `opened for the ${embedded.view} view of one record only` },
      403,
    );
  next();
}

/** Routes over the whole book are refused to a workspace embedded for one record (answered here). */
export function refusedWhenEmbedded(response: Response, context: RequestContext): boolean {
  if (context.embedded === null) return false;
  fail(
    response,
    { code: 'forbidden', message: `opened for the ${context.embedded.view} view of one record only` },
    403,
  );
  return true;
}

export function requireRevops(_request: Request, response: Response, next: NextFunction): void {
  if (!requestContext(response).revops)
    return fail(
      response,
      { code: 'forbidden', message: 'only RevOps may activate or roll back rule sets and guardrails' },
      403,
    );
  next();
}
