import { createSign } from 'node:crypto';
import type { CrmOAuth, OAuthTokens } from '../../ports/crm-auth';
import { IntegrationError } from '../../ports/crm-gateway';
import { toIntegrationError } from './errors';

export type SalesforceOAuthOptions = {
  clientId: string;
  clientSecret: string;
  /** https://login.salesforce.com, https://test.salesforce.com, a My Domain, or a local emulator. */
  loginUrl: string;
  /** Which login host JWT assertions name; guessed from `loginUrl` when not given. */
  orgType?: SalesforceOrgType;
  /** The JWT `aud` claim, when it is neither login nor test.salesforce.com (an Experience Cloud site). */
  jwtAudience?: string;
  /** Salesforce does not say when a session expires (an org setting, 2 hours by default). */
  sessionSeconds?: number;
  now?: () => number;
};

type TokenResponse = {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  scope?: string;
};

/** Salesforce OAuth: web-server flow with PKCE and the client secret; refresh with rotation; JWT bearer. */
export type SalesforceOAuth = CrmOAuth & {
  /** The JWT bearer flow for an integration user: no refresh token, a new assertion each time. */
  jwtBearer(input: { username: string; privateKeyPem: string; audience?: string }): Promise<OAuthTokens>;
};

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export type SalesforceOrgType = 'production' | 'sandbox';

/**
 * The JWT bearer `aud`: Salesforce's login host for the org type, never the My Domain the token is
 * requested from (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration").
 * Without an org type, a test.salesforce.com or `*.sandbox.my.salesforce.com` login URL means a sandbox.
 */
export function jwtAudienceFor(loginUrl: string, orgType?: SalesforceOrgType): string {
  const host = URL.canParse(loginUrl) ? new URL(loginUrl).hostname.toLowerCase() : '';
  const sandbox =
    orgType === undefined
      ? host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com')
      : orgType === 'sandbox';
  return sandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
}

export function createSalesforceOAuth(options: SalesforceOAuthOptions): SalesforceOAuth {
  const now = options.now ?? Date.now;
  const loginUrl = options.loginUrl.replace(/\/+$/, '');
  // jsforce is loaded on first use: it is heavy, and most processes never exchange a Salesforce grant.
  const oauth2 = async (redirectUri?: string) => {
    const { OAuth2 } = await import('jsforce');
    return new OAuth2({
      loginUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ...(redirectUri === undefined ? {} : { redirectUri }),
    });
  };

  const tokens = (response: TokenResponse, previousRefresh: string | null): OAuthTokens => {
    // The identity URL ends in /id/<org id>/<user id>.
    const [orgId, userId] = response.id.split('/').slice(-2);
    if (orgId === undefined || userId === undefined)
      throw new Error(`unexpected identity URL ${response.id}`);
    return {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? previousRefresh,
      expiresAt: new Date(now() + (options.sessionSeconds ?? 7200) * 1000),
      accountId: orgId,
      scopes: (response.scope ?? '').split(' ').filter((scope) => scope !== ''),
      user: userId,
      instanceUrl: response.instance_url,
    };
  };

  const grantError = (raw: unknown, refusal: 'invalid' | 'unauthorized'): IntegrationError => {
    const error = toIntegrationError(raw);
    return error.code === 'unauthorized' || error.code === 'invalid'
      ? new IntegrationError('salesforce', refusal, `Salesforce refused the grant: ${error.message}`)
      : error;
  };

  return {
    crm: 'salesforce',

    authorizeUrl({ redirectUri, state, codeChallenge }) {
      const url = new URL('/services/oauth2/authorize', loginUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', 'api refresh_token');
      url.searchParams.set('state', state);
      if (codeChallenge !== undefined) {
        url.searchParams.set('code_challenge', codeChallenge);
        url.searchParams.set('code_challenge_method', 'S256');
      }
      return url.toString();
    },

    async exchangeCode(code, redirectUri, codeVerifier) {
      try {
        const response = (await (
          await oauth2(redirectUri)
        ).requestToken(
          code,
          codeVerifier === undefined ? {} : { code_verifier: codeVerifier },
        )) as unknown as TokenResponse;
        return tokens(response, null);
      } catch (raw) {
        throw grantError(raw, 'invalid');
      }
    },

    async refresh(refreshToken) {
      try {
        // With rotation Salesforce answers a new refresh token and the old one is spent.
        const response = (await (await oauth2()).refreshToken(refreshToken)) as unknown as TokenResponse;
        return tokens(response, refreshToken);
      } catch (raw) {
        throw grantError(raw, 'unauthorized');
      }
    },

    async jwtBearer({ username, privateKeyPem, audience }) {
      const header = base64url(JSON.stringify({ alg: 'RS256' }));
      const claims = base64url(
        JSON.stringify({
          iss: options.clientId,
          sub: username,
          aud: audience ?? options.jwtAudience ?? jwtAudienceFor(loginUrl, options.orgType),
          exp: Math.floor(now() / 1000) + 180,
        }),
      );
      const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKeyPem);
      try {
        const response = (await (
          await oauth2()
        ).requestToken({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: `${header}.${claims}.${base64url(signature)}`,
        })) as unknown as TokenResponse;
        return tokens(response, null);
      } catch (raw) {
        throw grantError(raw, 'unauthorized');
      }
    },
  };
}
