import { z } from 'zod';
import { IntegrationError } from '../../ports/crm-gateway';
import type { CrmOAuth, OAuthTokens } from '../../ports/crm-auth';
import { APP_SCOPES } from './properties';

export type HubspotOAuthOptions = {
  clientId: string;
  clientSecret: string;
  /** For a local emulator: `http://127.0.0.1:PORT`. */
  basePath?: string;
  /** Where the install starts in the browser (HubSpot's authorize page). */
  authorizeBase?: string;
  now?: () => number;
  fetch?: typeof fetch;
};

/**
 * HubSpot's dated OAuth API (2026-03): the v1 endpoints retire on 2027-02-16 and the SDK has no
 * client for these, so they are called over HTTP. Secrets travel in the form body, never in a URL.
 */
export const OAUTH_TOKEN_PATH = '/oauth/2026-03/token';
export const OAUTH_INTROSPECT_PATH = '/oauth/2026-03/token/introspect';

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive(),
  hub_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
  user_id: z.number().int().optional(),
});

const introspection = z.object({
  active: z.boolean(),
  hub_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
  user: z.string().optional(),
});

/** RFC 6749 errors, with HubSpot's older `status` and `message` kept beside them. */
const errorBody = z
  .object({
    error: z.string().optional(),
    error_description: z.string().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
  })
  .passthrough();

/** HubSpot OAuth: code exchange, refresh, and the token's portal and scopes. */
export function createHubspotOAuth(options: HubspotOAuthOptions): CrmOAuth {
  const base = options.basePath ?? 'https://api.hubapi.com';
  const now = options.now ?? Date.now;
  const send = options.fetch ?? fetch;

  /** A refused grant (400) becomes `refusal`; limits and outages keep their own codes. */
  const post = async (
    path: string,
    form: Record<string, string>,
    refusal: 'invalid' | 'unauthorized',
  ): Promise<unknown> => {
    let response: Response;
    try {
      response = await send(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
      });
    } catch (cause) {
      throw new IntegrationError('hubspot', 'temporary', `HubSpot OAuth unreachable: ${String(cause)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      body = undefined;
    }
    if (response.ok) return body;
    const parsed = errorBody.safeParse(body);
    const detail = parsed.success
      ? (parsed.data.error_description ?? parsed.data.message ?? parsed.data.error ?? parsed.data.status)
      : undefined;
    const message = `HubSpot refused the grant: ${detail ?? `HTTP ${response.status}`}`;
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      const wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
      throw new IntegrationError('hubspot', 'rate_limited', message, wait);
    }
    if (response.status >= 500) throw new IntegrationError('hubspot', 'temporary', message);
    throw new IntegrationError('hubspot', response.status === 400 ? refusal : 'unauthorized', message);
  };

  const grant = async (form: Record<string, string>, refusal: 'invalid' | 'unauthorized') => {
    const body = await post(
      OAUTH_TOKEN_PATH,
      { ...form, client_id: options.clientId, client_secret: options.clientSecret },
      refusal,
    );
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success)
      throw new IntegrationError('hubspot', 'unknown', 'HubSpot OAuth answered a token without its fields');
    return parsed.data;
  };

  const introspect = async (accessToken: string) => {
    const body = await post(
      OAUTH_INTROSPECT_PATH,
      {
        token: accessToken,
        token_type_hint: 'access_token',
        client_id: options.clientId,
        client_secret: options.clientSecret,
      },
      'unauthorized',
    );
    const parsed = introspection.safeParse(body);
    if (!parsed.success || !parsed.data.active)
      throw new IntegrationError('hubspot', 'unauthorized', 'HubSpot says the new token is not active');
    return parsed.data;
  };

  /**
   * The token answer names the portal and scopes. The installing user's e-mail comes from the
   * introspection, asked for at install only: a refresh keeps the user recorded then.
   */
  const toTokens = async (
    token: z.infer<typeof tokenResponse>,
    previousRefreshToken: string | null,
    withUser: boolean,
  ): Promise<OAuthTokens> => {
    const info =
      withUser || token.hub_id === undefined || token.scopes === undefined
        ? await introspect(token.access_token)
        : undefined;
    const hubId = token.hub_id ?? info?.hub_id;
    if (hubId === undefined)
      throw new IntegrationError('hubspot', 'unknown', 'HubSpot OAuth did not name the portal of the token');
    const refreshToken = token.refresh_token ?? previousRefreshToken;
    if (refreshToken === null)
      throw new IntegrationError('hubspot', 'unknown', 'HubSpot OAuth answered no refresh token');
    return {
      accessToken: token.access_token,
      refreshToken,
      expiresAt: new Date(now() + token.expires_in * 1000),
      accountId: String(hubId),
      scopes: token.scopes ?? info?.scopes ?? [],
      user: info?.user ?? null,
      instanceUrl: null,
    };
  };

  return {
    crm: 'hubspot',

    authorizeUrl({ redirectUri, state }) {
      const url = new URL('/oauth/authorize', options.authorizeBase ?? 'https://app.hubspot.com');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', APP_SCOPES.join(' '));
      url.searchParams.set('state', state);
      return url.toString();
    },

    async exchangeCode(code, redirectUri) {
      const token = await grant(
        { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
        'invalid',
      );
      return toTokens(token, null, true);
    },

    async refresh(refreshToken) {
      const token = await grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'unauthorized');
      return toTokens(token, refreshToken, false);
    },
  };
}
