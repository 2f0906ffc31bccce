/**
 * The emulated org's OAuth 2.0 server (`/services/oauth2/*`): web-server flow with PKCE, refresh with
 * optional refresh-token rotation and reuse detection, JWT bearer, username-password, revoke; and the
 * access-token check used by every API call. Token expiry follows the emulator clock.
 */
import { createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { counterToken } from './ids';
import type { EmulatorClock } from './store';

/** An OAuth error: HTTP status + `{error, error_description}` (Salesforce's token endpoint body). */
export class OAuthError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export interface OrgUser {
  username: string;
  userId: string;
  /** For the username-password flow; the security token may be appended, as Salesforce allows. */
  password: string;
}

export interface AccessGrant {
  kind: 'static' | 'oauth';
  userId: string;
  /** The login this token descends from (null for the static token). */
  familyId: number | null;
  /** Emulator-clock ms; null = never. */
  expiresAt: number | null;
  revoked: boolean;
}

interface Family {
  id: number;
  userId: string;
  revoked: boolean;
  grant: 'authorization_code' | 'jwt-bearer' | 'password';
  refreshTokens: string[];
  accessTokens: string[];
}

interface RefreshGrant {
  familyId: number;
  /** Rotated away (used once); presenting it again is reuse. */
  used: boolean;
}

interface AuthCode {
  redirectUri: string;
  codeChallenge: string | null;
  userId: string;
  issuedAt: number;
  used: boolean;
}

export interface OAuthStats {
  tokensIssued: number;
  authorizationCodeGrants: number;
  refreshGrants: number;
  jwtGrants: number;
  passwordGrants: number;
  refreshTokenReuse: number;
  familiesRevoked: number;
  failures: number;
}

export function emptyOAuthStats(): OAuthStats {
  return {
    tokensIssued: 0,
    authorizationCodeGrants: 0,
    refreshGrants: 0,
    jwtGrants: 0,
    passwordGrants: 0,
    refreshTokenReuse: 0,
    familiesRevoked: 0,
    failures: 0,
  };
}

export interface OAuthServerOptions {
  clock: EmulatorClock;
  orgId: string;
  users: OrgUser[];
  clientId: string;
  clientSecret: string;
  /** Require `client_secret` on the code and refresh grants (Salesforce's default). */
  requireClientSecret: boolean;
  accessTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  /** Authorization codes expire after 15 minutes. */
  authCodeTtlSeconds: number;
  staticToken: string | null;
  jwtPublicKeys: string[];
  /** The emulator's base URL (login and instance URL at once). */
  url: () => string;
  /** A sandbox takes JWT assertions for test.salesforce.com, a production org for login.salesforce.com. */
  orgType: 'production' | 'sandbox';
}

/** base64url(sha256(verifier)), the S256 PKCE challenge. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class OAuthServer {
  readonly stats: OAuthStats = emptyOAuthStats();
  private counter = 0;
  private familyCounter = 0;
  private readonly codes = new Map<string, AuthCode>();
  private readonly families = new Map<number, Family>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly jwtKeys: KeyObject[] = [];

  constructor(private readonly options: OAuthServerOptions) {
    if (options.staticToken !== null) {
      this.accessTokens.set(options.staticToken, {
        kind: 'static',
        userId: this.defaultUser.userId,
        familyId: null,
        expiresAt: null,
        revoked: false,
      });
    }
    for (const pem of options.jwtPublicKeys) this.registerJwtPublicKey(pem);
  }

  get defaultUser(): OrgUser {
    const user = this.options.users[0];
    if (!user) throw new Error('the emulated org needs at least one user');
    return user;
  }

  get rotateRefreshTokens(): boolean {
    return this.options.rotateRefreshTokens;
  }

  set rotateRefreshTokens(value: boolean) {
    this.options.rotateRefreshTokens = value;
  }

  registerJwtPublicKey(pem: string | KeyObject): void {
    this.jwtKeys.push(typeof pem === 'string' ? createPublicKey(pem) : pem);
  }

  /** A single-use code as the authorize endpoint would hand to `redirectUri`. */
  mintAuthCode(options: { redirectUri?: string; codeChallenge?: string; username?: string } = {}): string {
    const user = options.username ? this.userByName(options.username) : this.defaultUser;
    if (!user) throw new Error(`unknown username ${options.username ?? ''}`);
    const code = `aPrx${counterToken(++this.counter, 20)}`;
    this.codes.set(code, {
      redirectUri: options.redirectUri ?? 'http://127.0.0.1/oauth/callback',
      codeChallenge: options.codeChallenge ?? null,
      userId: user.userId,
      issuedAt: this.options.clock.now(),
      used: false,
    });
    return code;
  }

  /** `GET /services/oauth2/authorize`: auto-approves and answers the redirect location. */
  authorizeRedirect(query: URLSearchParams): string {
    if (query.get('client_id') !== this.options.clientId) {
      throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    }
    if (query.get('response_type') !== 'code') {
      throw new OAuthError(400, 'unsupported_response_type', 'response type not supported');
    }
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri)
      throw new OAuthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    const method = query.get('code_challenge_method') ?? 'S256';
    if (method !== 'S256') throw new OAuthError(400, 'invalid_request', 'invalid code_challenge_method');
    const code = this.mintAuthCode({
      redirectUri,
      ...(query.get('code_challenge') ? { codeChallenge: query.get('code_challenge') ?? '' } : {}),
      ...(query.get('login_hint') ? { username: query.get('login_hint') ?? '' } : {}),
    });
    const location = new URL(redirectUri);
    location.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) location.searchParams.set('state', state);
    return location.toString();
  }

  /** `POST /services/oauth2/token`. */
  token(form: URLSearchParams): Record<string, string> {
    try {
      return this.grant(form);
    } catch (error) {
      if (error instanceof OAuthError) this.stats.failures += 1;
      throw error;
    }
  }

  private grant(form: URLSearchParams): Record<string, string> {
    const grantType = form.get('grant_type');
    switch (grantType) {
      case 'authorization_code':
        return this.codeGrant(form);
      case 'refresh_token':
        return this.refreshGrant(form);
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtGrant(form);
      case 'password':
        return this.passwordGrant(form);
      default:
        throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
    }
  }

  private checkClient(form: URLSearchParams, secretRequired: boolean): void {
    if (form.get('client_id') !== this.options.clientId) {
      throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    }
    const secret = form.get('client_secret');
    if (secret === null ? secretRequired : secret !== this.options.clientSecret) {
      throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
    }
  }

  private codeGrant(form: URLSearchParams): Record<string, string> {
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.used) throw new OAuthError(400, 'invalid_grant', 'invalid authorization code');
    this.checkClient(form, this.options.requireClientSecret && code.codeChallenge === null);
    if (this.options.clock.now() - code.issuedAt > this.options.authCodeTtlSeconds * 1000) {
      throw new OAuthError(400, 'invalid_grant', 'expired authorization code');
    }
    if (form.get('redirect_uri') !== code.redirectUri) {
      throw new OAuthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    }
    if (code.codeChallenge !== null) {
      const verifier = form.get('code_verifier');
      if (!verifier || pkceChallenge(verifier) !== code.codeChallenge) {
        throw new OAuthError(400, 'invalid_grant', 'invalid code verifier');
      }
    }
    code.used = true;
    this.stats.authorizationCodeGrants += 1;
    const family = this.newFamily(code.userId, 'authorization_code');
    return this.respond(family, true);
  }

  private refreshGrant(form: URLSearchParams): Record<string, string> {
    this.checkClient(form, this.options.requireClientSecret);
    const token = form.get('refresh_token') ?? '';
    const grant = this.refreshTokens.get(token);
    const expired = (): OAuthError => new OAuthError(400, 'invalid_grant', 'expired access/refresh token');
    if (!grant) throw expired();
    const family = this.families.get(grant.familyId);
    if (!family || family.revoked) throw expired();
    if (grant.used) {
      // Reuse of a rotated refresh token: revoke everything descending from that login.
      this.stats.refreshTokenReuse += 1;
      this.revokeFamily(family);
      throw expired();
    }
    this.stats.refreshGrants += 1;
    if (this.options.rotateRefreshTokens) grant.used = true;
    return this.respond(family, this.options.rotateRefreshTokens);
  }

  private jwtGrant(form: URLSearchParams): Record<string, string> {
    const invalid = (description: string): OAuthError => new OAuthError(400, 'invalid_grant', description);
    const assertion = form.get('assertion') ?? '';
    const parts = assertion.split('.');
    if (parts.length !== 3) throw invalid('invalid assertion');
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalid('invalid assertion');
    }
    if (header.alg !== 'RS256') throw invalid('invalid assertion');
    const signed = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    if (!this.jwtKeys.some((key) => verify('RSA-SHA256', signed, key, signature))) {
      throw invalid('invalid assertion');
    }
    if (payload.iss !== this.options.clientId) {
      throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
    }
    // The audience is Salesforce's login host for the org type, whichever URL the token is asked from
    // (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration": aud).
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const login =
      this.options.orgType === 'sandbox' ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
    if (!audiences.some((aud) => typeof aud === 'string' && aud.replace(/\/$/, '') === login)) {
      throw invalid('audience is invalid');
    }
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= this.options.clock.now()) {
      throw invalid('expired authorization code');
    }
    const user = typeof payload.sub === 'string' ? this.userByName(payload.sub) : undefined;
    if (!user) throw invalid("user hasn't approved this consumer");
    this.stats.jwtGrants += 1;
    return this.respond(this.newFamily(user.userId, 'jwt-bearer'), false);
  }

  private passwordGrant(form: URLSearchParams): Record<string, string> {
    this.checkClient(form, true);
    const user = this.userByName(form.get('username') ?? '');
    const password = form.get('password') ?? '';
    if (!user || !password.startsWith(user.password)) {
      throw new OAuthError(400, 'invalid_grant', 'authentication failure');
    }
    this.stats.passwordGrants += 1;
    return this.respond(this.newFamily(user.userId, 'password'), false);
  }

  /** `POST /services/oauth2/revoke`: a refresh token revokes its login; an access token only itself. */
  revoke(token: string): void {
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      const family = this.families.get(refresh.familyId);
      if (family && !family.revoked) this.revokeFamily(family);
      return;
    }
    const access = this.accessTokens.get(token);
    if (access && access.kind === 'oauth' && !access.revoked) {
      access.revoked = true;
      return;
    }
    throw new OAuthError(400, 'unsupported_token_type', 'this token type is not supported');
  }

  /** The grant behind a bearer token, or null when unknown, expired or revoked. */
  authenticate(token: string): AccessGrant | null {
    const grant = this.accessTokens.get(token);
    if (!grant || grant.revoked) return null;
    if (grant.familyId !== null && this.families.get(grant.familyId)?.revoked) return null;
    if (grant.expiresAt !== null && grant.expiresAt <= this.options.clock.now()) return null;
    return grant;
  }

  isRefreshTokenValid(token: string): boolean {
    const grant = this.refreshTokens.get(token);
    return !!grant && !grant.used && !this.families.get(grant.familyId)?.revoked;
  }

  /** Revokes every OAuth token (the static token stays valid). */
  revokeAll(): void {
    for (const family of this.families.values()) if (!family.revoked) this.revokeFamily(family);
  }

  userByName(username: string): OrgUser | undefined {
    return this.options.users.find((user) => user.username.toLowerCase() === username.toLowerCase());
  }

  get clientId(): string {
    return this.options.clientId;
  }

  get clientSecret(): string {
    return this.options.clientSecret;
  }

  private newFamily(userId: string, grant: Family['grant']): Family {
    const family: Family = {
      id: ++this.familyCounter,
      userId,
      revoked: false,
      grant,
      refreshTokens: [],
      accessTokens: [],
    };
    this.families.set(family.id, family);
    return family;
  }

  private revokeFamily(family: Family): void {
    family.revoked = true;
    this.stats.familiesRevoked += 1;
    for (const token of family.accessTokens) {
      const grant = this.accessTokens.get(token);
      if (grant) grant.revoked = true;
    }
  }

  private respond(family: Family, withRefreshToken: boolean): Record<string, string> {
    const now = this.options.clock.now();
    const orgId15 = this.options.orgId.slice(0, 15);
    const accessToken = `${orgId15}!AQEAQ${counterToken(++this.counter, 40)}`;
    this.accessTokens.set(accessToken, {
      kind: 'oauth',
      userId: family.userId,
      familyId: family.id,
      expiresAt: now + this.options.accessTokenTtlSeconds * 1000,
      revoked: false,
    });
    family.accessTokens.push(accessToken);
    this.stats.tokensIssued += 1;
    const url = this.options.url();
    const id = `${url}/id/${this.options.orgId}/${family.userId}`;
    const issuedAt = String(now);
    const body: Record<string, string> = {
      access_token: accessToken,
      signature: createHmac('sha256', this.options.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: withRefreshToken || family.grant === 'authorization_code' ? 'refresh_token api' : 'api',
      instance_url: url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
    if (withRefreshToken) {
      const refreshToken = `5Aep861${counterToken(++this.counter, 40)}`;
      this.refreshTokens.set(refreshToken, { familyId: family.id, used: false });
      family.refreshTokens.push(refreshToken);
      body.refresh_token = refreshToken;
    }
    return body;
  }
}
