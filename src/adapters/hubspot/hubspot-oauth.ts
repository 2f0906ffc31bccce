import { Client } from '@hubspot/api-client';
import { IntegrationError } from '../../ports/crm-gateway';
import type { CrmOAuth, OAuthTokens } from '../../ports/crm-auth';
import { toIntegrationError } from './hubspot-gateway';
import { APP_SCOPES } from './properties';

export type HubspotOAuthOptions = {
  clientId: string;
  clientSecret: string;
  /** For a local emulator: `http://127.0.0.1:PORT`. */
  basePath?: string;
  /** Where the install starts in the browser (HubSpot's authorize page). */
  authorizeBase?: string;
  now?: () => number;
};

/** HubSpot OAuth through the official SDK: code exchange, refresh, and the token's portal and scopes. */
export function createHubspotOAuth(options: HubspotOAuthOptions): CrmOAuth {
  const client = new Client({
    numberOfApiCallRetries: 0,
    ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
  });
  const now = options.now ?? Date.now;

  const withInfo = async (tokens: {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
  }): Promise<OAuthTokens> => {
    const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: new Date(now() + tokens.expiresIn * 1000),
      accountId: String(info.hubId),
      scopes: info.scopes,
      user: info.user ?? null,
      instanceUrl: null,
    };
  };

  /** OAuth errors are 400s with a status name: a bad code or a revoked refresh token. */
  const grantError = (raw: unknown, refusal: 'invalid' | 'unauthorized'): IntegrationError => {
    const error = toIntegrationError(raw);
    return error.code === 'invalid'
      ? new IntegrationError('hubspot', refusal, `HubSpot refused the grant: ${error.message}`)
      : error;
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
      try {
        const tokens = await client.oauth.tokensApi.create(
          'authorization_code',
          code,
          redirectUri,
          options.clientId,
          options.clientSecret,
        );
        return await withInfo(tokens);
      } catch (raw) {
        throw grantError(raw, 'invalid');
      }
    },

    async refresh(refreshToken) {
      try {
        const tokens = await client.oauth.tokensApi.create(
          'refresh_token',
          undefined,
          undefined,
          options.clientId,
          options.clientSecret,
          refreshToken,
        );
        return await withInfo({ ...tokens, refreshToken: tokens.refreshToken || refreshToken });
      } catch (raw) {
        throw grantError(raw, 'unauthorized');
      }
    },
  };
}
