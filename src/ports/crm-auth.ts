/** OAuth with a CRM: the install (authorization code) and keeping the access token fresh. */
export type OAuthTokens = {
  accessToken: string;
  /** Null for grants without one (JWT bearer: a new assertion replaces a refresh). */
  refreshToken: string | null;
  expiresAt: Date;
  /** The CRM account the tokens act in: a HubSpot portal (hub) id. */
  accountId: string;
  scopes: string[];
  /** Who installed, when the CRM says. */
  user: string | null;
  /** Where the account's API lives (Salesforce's instance URL); null when fixed (HubSpot). */
  instanceUrl: string | null;
};

/** PKCE (RFC 7636): a verifier generated per login, its S256 challenge sent with the authorize URL. */
export type Pkce = { verifier: string; challenge: string };

export interface CrmOAuth {
  readonly crm: string;
  /** Where to send the installing user's browser. */
  authorizeUrl(input: { redirectUri: string; state: string; codeChallenge?: string }): string;
  /** Exchanges an authorization code; throws IntegrationError('invalid') for a bad or used code. */
  exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<OAuthTokens>;
  /** A new access token; throws IntegrationError('unauthorized') when the refresh token is revoked. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
}

/** Encrypts secrets at rest. `context` is bound to the ciphertext: a token cannot be moved to another row. */
export interface SecretCipher {
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
}
