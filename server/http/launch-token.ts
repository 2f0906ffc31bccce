import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The launch token the Salesforce package's Apex class (CollectionsLaunch.cls) signs, and the one rule
 * the backend verifies it by: base64url(JSON claims) "." base64url(HMAC-SHA256(secret, JSON bytes)),
 * the org's own secret, seven claims of a fixed shape, a lifetime of at most 60 s and a clock skew.
 * The package's tests sign tokens the way the Apex does and check them with this very function.
 */

export const LAUNCH_VIEWS = ['account', 'opportunity-terms', 'rules'] as const;
export type LaunchView = (typeof LAUNCH_VIEWS)[number];

export type LaunchClaims = {
  /** The org id as the Apex wrote it (18 characters; 15 accepted). */
  org: string;
  user: string;
  view: LaunchView;
  recordId: string | null;
  iat: number;
  exp: number;
  nonce: string;
};

/** The Apex issues tokens for this long; a longer one is refused even when signed. */
export const LAUNCH_MAX_LIFETIME_S = 60;
/** Clocks of the org and of the server may disagree by this much either way. */
export const LAUNCH_CLOCK_SKEW_S = 30;

export type LaunchRejection =
  'malformed' | 'bad_signature' | 'bad_claims' | 'lifetime_too_long' | 'not_yet_valid' | 'expired';

export type LaunchVerdict = { ok: true; claims: LaunchClaims } | { ok: false; reason: LaunchRejection };

const CLAIM_NAMES = ['org', 'user', 'view', 'recordId', 'iat', 'exp', 'nonce'] as const;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const RECORD_ID = /^[a-zA-Z0-9]{18}$/;
/** UserInfo gives 18-character ids; 15 is accepted in case one arrives in the short form. */
const ORG_OR_USER_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const NONCE = /^[0-9a-f]{32}$/;

/** The 18-character form of a Salesforce id: the 15 characters and their case checksum. */
export function salesforceId18(id: string): string {
  if (id.length !== 15) return id;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let index = 0; index < 5; index += 1) {
      const char = id.charAt(chunk * 5 + index);
      if (char >= 'A' && char <= 'Z') bits |= 1 << index;
    }
    suffix += alphabet.charAt(bits);
  }
  return id + suffix;
}

/** Tokens with both segments in base64url and a payload that is JSON; null otherwise. */
function split(token: string): { payload: Buffer; signature: Buffer; json: unknown } | null {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts.every((part) => SEGMENT.test(part))) return null;
  const payload = Buffer.from(parts[0] ?? '', 'base64url');
  try {
    return {
      payload,
      signature: Buffer.from(parts[1] ?? '', 'base64url'),
      json: JSON.parse(payload.toString('utf8')),
    };
  } catch {
    return null;
  }
}

/**
 * The org a token claims, in its 18-character form, read before verifying it to find that org's
 * secret; nothing else in it is trusted before the signature is checked.
 */
export function claimedOrg(token: string): string | undefined {
  const org = (split(token)?.json as { org?: unknown } | null | undefined)?.org;
  return typeof org === 'string' && ORG_OR_USER_ID.test(org) && org.startsWith('00D')
    ? salesforceId18(org)
    : undefined;
}

function isClaims(value: unknown): value is LaunchClaims {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const claims = value as Record<string, unknown>;
  if (Object.keys(claims).sort().join() !== [...CLAIM_NAMES].sort().join()) return false;
  const { org, user, view, recordId, iat, exp, nonce } = claims;
  if (typeof org !== 'string' || !ORG_OR_USER_ID.test(org) || !org.startsWith('00D')) return false;
  if (typeof user !== 'string' || !ORG_OR_USER_ID.test(user) || !user.startsWith('005')) return false;
  if (!LAUNCH_VIEWS.includes(view as LaunchView)) return false;
  if (view === 'rules' ? recordId !== null : typeof recordId !== 'string' || !RECORD_ID.test(recordId))
    return false;
  if (view === 'account' && !String(recordId).startsWith('001')) return false;
  if (view === 'opportunity-terms' && !String(recordId).startsWith('006')) return false;
  return (
    Number.isSafeInteger(iat) && Number.isSafeInteger(exp) && typeof nonce === 'string' && NONCE.test(nonce)
  );
}

/**
 * Verifies a token with its org's secret at `nowMs`: the signature in constant time first, then the
 * claims' shape, the lifetime and the time with the skew. Single use (the nonce) is the caller's,
 * with `nonceKeptUntil`.
 */
export function verifyLaunchToken(secret: string, token: string, nowMs: number): LaunchVerdict {
  const parts = split(token);
  if (parts === null) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(parts.payload).digest();
  // Both are 32 bytes for any real token; comparing lengths first keeps timingSafeEqual from throwing.
  if (parts.signature.length !== expected.length || !timingSafeEqual(parts.signature, expected))
    return { ok: false, reason: 'bad_signature' };
  if (!isClaims(parts.json)) return { ok: false, reason: 'bad_claims' };
  const claims = parts.json;
  if (claims.exp <= claims.iat || claims.exp - claims.iat > LAUNCH_MAX_LIFETIME_S)
    return { ok: false, reason: 'lifetime_too_long' };
  const now = Math.floor(nowMs / 1000);
  if (now < claims.iat - LAUNCH_CLOCK_SKEW_S) return { ok: false, reason: 'not_yet_valid' };
  if (now > claims.exp + LAUNCH_CLOCK_SKEW_S) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

/**
 * How long a used nonce is remembered: past the last moment any server process accepts the token,
 * with one more skew for server clocks that disagree among themselves.
 */
export function nonceKeptUntil(claims: LaunchClaims): Date {
  return new Date((claims.exp + 2 * LAUNCH_CLOCK_SKEW_S) * 1000);
}

const REJECTIONS: Record<LaunchRejection, string> = {
  malformed: 'malformed token',
  bad_signature: 'bad signature',
  bad_claims: 'malformed claims',
  lifetime_too_long: 'lifetime too long',
  not_yet_valid: 'issued in the future',
  expired: 'expired',
};

export function describeLaunchRejection(reason: LaunchRejection): string {
  return REJECTIONS[reason];
}
