import type { TenantId } from '../domain/model';
import type { CrmOAuth, OAuthTokens, SecretCipher } from '../ports/crm-auth';
import { IntegrationError } from '../ports/crm-gateway';
import type { CollectionsStore, CrmInstallation } from '../ports/store';

/** An access token is refreshed this long before it expires. */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;

const context = (crm: string, accountId: string, kind: 'access' | 'refresh') => `${crm}:${accountId}:${kind}`;

function sealed(
  cipher: SecretCipher,
  tenant: TenantId,
  crm: string,
  tokens: OAuthTokens,
  installedBy: string | null,
): CrmInstallation {
  return {
    tenant,
    crm,
    accountId: tokens.accountId,
    accessTokenEnc: cipher.encrypt(tokens.accessToken, context(crm, tokens.accountId, 'access')),
    refreshTokenEnc: cipher.encrypt(tokens.refreshToken, context(crm, tokens.accountId, 'refresh')),
    expiresAt: tokens.expiresAt,
    scopes: tokens.scopes,
    installedBy,
    syncPause: null,
  };
}

/**
 * The OAuth callback: exchanges the code, and stores the installation with its tokens encrypted.
 * The tenant of a portal installed before stays; a new portal gets `tenantFor(portal)`.
 */
export async function completeInstall(
  store: CollectionsStore,
  oauth: CrmOAuth,
  cipher: SecretCipher,
  input: { code: string; redirectUri: string; tenantFor: (accountId: string) => TenantId },
): Promise<CrmInstallation> {
  const tokens = await oauth.exchangeCode(input.code, input.redirectUri);
  const existing = await store.getCrmInstallation(oauth.crm, tokens.accountId);
  const installation = sealed(
    cipher,
    existing?.tenant ?? input.tenantFor(tokens.accountId),
    oauth.crm,
    tokens,
    tokens.user,
  );
  await store.saveCrmInstallation(installation);
  return installation;
}

/**
 * A tenant's access token, refreshed (and stored again) when it expires within REFRESH_AHEAD_MS.
 * Concurrent callers in one process share one refresh.
 */
export function createAccessTokenProvider(deps: {
  store: CollectionsStore;
  oauth: CrmOAuth;
  cipher: SecretCipher;
  now?: () => number;
}): (tenant: TenantId, options?: { forceRefresh?: boolean }) => Promise<string> {
  const now = deps.now ?? Date.now;
  const refreshing = new Map<string, Promise<string>>();
  const crm = deps.oauth.crm;

  const refresh = async (installation: CrmInstallation): Promise<string> => {
    if (installation.refreshTokenEnc === null)
      throw new IntegrationError(
        crm,
        'unauthorized',
        `no refresh token stored for ${installation.accountId}`,
      );
    const refreshToken = deps.cipher.decrypt(
      installation.refreshTokenEnc,
      context(crm, installation.accountId, 'refresh'),
    );
    const tokens = await deps.oauth.refresh(refreshToken);
    if (tokens.accountId !== installation.accountId)
      throw new IntegrationError(crm, 'unauthorized', 'the refreshed token belongs to another account');
    await deps.store.saveCrmInstallation({
      ...sealed(deps.cipher, installation.tenant, crm, tokens, null),
      installedBy: installation.installedBy,
    });
    return tokens.accessToken;
  };

  return async (tenant, options = {}) => {
    const installation = await deps.store.getCrmInstallationForTenant(tenant, crm);
    if (installation === undefined || installation.accessTokenEnc === null)
      throw new IntegrationError(crm, 'unauthorized', `the ${crm} app is not installed for ${tenant}`);
    const expiresAt = installation.expiresAt?.getTime() ?? 0;
    if (options.forceRefresh !== true && expiresAt - now() > REFRESH_AHEAD_MS)
      return deps.cipher.decrypt(installation.accessTokenEnc, context(crm, installation.accountId, 'access'));
    const running = refreshing.get(tenant);
    if (running !== undefined) return running;
    const next = refresh(installation).finally(() => refreshing.delete(tenant));
    refreshing.set(tenant, next);
    return next;
  };
}
