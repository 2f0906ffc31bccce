import type { TenantId } from '../domain/model';
import type { CrmOAuth, OAuthTokens, SecretCipher } from '../ports/crm-auth';
import { IntegrationError } from '../ports/crm-gateway';
import type { Locks } from '../ports/lock';
import type { CrmInstallation, CrmInstallations } from '../ports/crm-installations';

/** An access token is refreshed this long before it expires. */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;

const context = (crm: string, accountId: string, kind: 'access' | 'refresh' | 'launch') =>
  `${crm}:${accountId}:${kind}`;

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
    refreshTokenEnc:
      tokens.refreshToken === null
        ? null
        : cipher.encrypt(tokens.refreshToken, context(crm, tokens.accountId, 'refresh')),
    expiresAt: tokens.expiresAt,
    scopes: tokens.scopes,
    installedBy,
    instanceUrl: tokens.instanceUrl,
    syncPause: null,
  };
}

/**
 * The OAuth callback: exchanges the code, and stores the installation with its tokens encrypted.
 * The tenant of a portal installed before stays; a new portal gets `tenantFor(portal)`.
 */
export async function completeInstall(
  store: CrmInstallations,
  oauth: CrmOAuth,
  cipher: SecretCipher,
  input: {
    code: string;
    redirectUri: string;
    codeVerifier?: string;
    tenantFor: (accountId: string) => TenantId;
  },
): Promise<CrmInstallation> {
  const tokens = await oauth.exchangeCode(input.code, input.redirectUri, input.codeVerifier);
  const existing = await store.getCrmInstallation(oauth.crm, tokens.accountId);
  return saveTokens(store, cipher, oauth.crm, tokens, existing?.tenant ?? input.tenantFor(tokens.accountId));
}

/** Stores an account's tokens (encrypted) as its installation: an OAuth callback or a JWT bearer login. */
export async function saveTokens(
  store: CrmInstallations,
  cipher: SecretCipher,
  crm: string,
  tokens: OAuthTokens,
  tenant: TenantId,
): Promise<CrmInstallation> {
  const installation = sealed(cipher, tenant, crm, tokens, tokens.user);
  await store.saveCrmInstallation(installation);
  return installation;
}

/**
 * A tenant's access token, refreshed (and stored again) when it expires within REFRESH_AHEAD_MS or
 * when the CRM refused it (`forceRefresh`). Refreshes run one at a time per account, across processes
 * when the locks are shared (Redis): inside the lock the installation is read again, so a token another
 * process just refreshed is used as it is, and a rotated refresh token is never presented twice (which
 * would revoke the whole token family). Without a refresh token (JWT bearer), `reauthorize` gets a new one.
 */
export function createAccessTokenProvider(deps: {
  store: CrmInstallations;
  oauth: CrmOAuth;
  cipher: SecretCipher;
  locks: Locks;
  reauthorize?: (installation: CrmInstallation) => Promise<OAuthTokens>;
  now?: () => number;
}): (tenant: TenantId, options?: { forceRefresh?: boolean; refused?: string }) => Promise<string> {
  const now = deps.now ?? Date.now;
  const crm = deps.oauth.crm;
  const locks = deps.locks;

  const load = async (tenant: TenantId): Promise<CrmInstallation & { accessTokenEnc: string }> => {
    const installation = await deps.store.getCrmInstallationForTenant(tenant, crm);
    if (installation === undefined || installation.accessTokenEnc === null)
      throw new IntegrationError(crm, 'unauthorized', `the ${crm} app is not installed for ${tenant}`);
    return installation as CrmInstallation & { accessTokenEnc: string };
  };
  const accessOf = (installation: CrmInstallation & { accessTokenEnc: string }) =>
    deps.cipher.decrypt(installation.accessTokenEnc, context(crm, installation.accountId, 'access'));
  const fresh = (installation: CrmInstallation) =>
    (installation.expiresAt?.getTime() ?? 0) - now() > REFRESH_AHEAD_MS;

  const refresh = async (installation: CrmInstallation): Promise<string> => {
    let tokens: OAuthTokens;
    if (installation.refreshTokenEnc !== null) {
      const refreshToken = deps.cipher.decrypt(
        installation.refreshTokenEnc,
        context(crm, installation.accountId, 'refresh'),
      );
      tokens = await deps.oauth.refresh(refreshToken);
    } else if (deps.reauthorize !== undefined) tokens = await deps.reauthorize(installation);
    else
      throw new IntegrationError(
        crm,
        'unauthorized',
        `no refresh token stored for ${installation.accountId}`,
      );
    if (tokens.accountId !== installation.accountId)
      throw new IntegrationError(crm, 'unauthorized', 'the refreshed token belongs to another account');
    // One statement: the new access and refresh tokens replace the old pair together.
    await deps.store.saveCrmInstallation({
      ...sealed(deps.cipher, installation.tenant, crm, tokens, null),
      installedBy: installation.installedBy,
      instanceUrl: tokens.instanceUrl ?? installation.instanceUrl ?? null,
    });
    return tokens.accessToken;
  };

  return async (tenant, options = {}) => {
    const seen = await load(tenant);
    if (options.forceRefresh !== true && fresh(seen)) return accessOf(seen);
    return locks.withLock(`${crm}:token:${seen.accountId}`, { ttlMs: 30000, waitMs: 35000 }, async () => {
      const current = await load(tenant);
      const token = accessOf(current);
      // Another caller refreshed while we waited: its token is the one to use.
      const refreshedMeanwhile =
        current.accessTokenEnc !== seen.accessTokenEnc ||
        (options.refused !== undefined && token !== options.refused);
      if (refreshedMeanwhile || (options.forceRefresh !== true && fresh(current))) return token;
      return refresh(current);
    });
  };
}

/**
 * The org's launch secret for the embedded views: created once (32 random bytes), kept encrypted, and
 * handed to the admin to put in the package's Collections_Settings__mdt record. `rotate` replaces it.
 */
export async function ensureLaunchSecret(
  store: CrmInstallations,
  cipher: SecretCipher,
  installation: CrmInstallation,
  secret: () => string,
  options: { rotate?: boolean } = {},
): Promise<{ secret: string; created: boolean }> {
  const where = context(installation.crm, installation.accountId, 'launch');
  if (installation.launchSecretEnc != null && options.rotate !== true)
    return { secret: cipher.decrypt(installation.launchSecretEnc, where), created: false };
  const fresh = secret();
  await store.saveCrmInstallation({ ...installation, launchSecretEnc: cipher.encrypt(fresh, where) });
  return { secret: fresh, created: true };
}

/** The org's launch secret, or undefined when none was issued. */
export function launchSecretOf(cipher: SecretCipher, installation: CrmInstallation): string | undefined {
  return installation.launchSecretEnc == null
    ? undefined
    : cipher.decrypt(
        installation.launchSecretEnc,
        context(installation.crm, installation.accountId, 'launch'),
      );
}
