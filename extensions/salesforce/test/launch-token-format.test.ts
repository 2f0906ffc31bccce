/**
 * @jest-environment node
 *
 * The launch token CollectionsLaunch.cls signs, and the rule the backend verifies it by, in plain Node
 * with no Salesforce. signLaunchToken replicates the Apex algorithm byte for byte; verifyLaunchToken is
 * the reference for the backend's /embed/salesforce/{view} route. README.md ("Launch token") states the
 * same rules in prose.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const APEX_SOURCE = fs.readFileSync(
  path.join(__dirname, '..', 'force-app', 'main', 'default', 'classes', 'CollectionsLaunch.cls'),
  'utf8',
);

const VIEWS = ['account', 'opportunity-terms', 'rules'] as const;
type LaunchView = (typeof VIEWS)[number];

type LaunchClaims = {
  org: string;
  user: string;
  view: LaunchView;
  recordId: string | null;
  iat: number;
  exp: number;
  nonce: string;
};

/** The claims in the order Apex's JSONGenerator writes them. */
const CLAIM_ORDER = ['org', 'user', 'view', 'recordId', 'iat', 'exp', 'nonce'] as const;
const MAX_LIFETIME_SECONDS = 60;
const CLOCK_SKEW_SECONDS = 5;

// ---- Apex, replicated -------------------------------------------------------------------------

/** EncodingUtil.base64Encode, then '+' → '-', '/' → '_' and the '=' padding removed. */
function apexBase64Url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');
}

/** JSON.createGenerator(false): compact, keys in the order written. */
function apexPayload(claims: LaunchClaims): string {
  return JSON.stringify(Object.fromEntries(CLAIM_ORDER.map((name) => [name, claims[name]])));
}

/** Crypto.generateMac('hmacSHA256', Blob.valueOf(payload), Blob.valueOf(secret)). */
function hmacSha256(secret: string, message: Buffer): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest();
}

function signLaunchToken(claims: LaunchClaims, secret: string): string {
  const payload = Buffer.from(apexPayload(claims), 'utf8');
  return `${apexBase64Url(payload)}.${apexBase64Url(hmacSha256(secret, payload))}`;
}

function launchUrl(backendUrl: string, view: LaunchView, token: string): string {
  return `${backendUrl}/embed/salesforce/${view}?launch=${token}`;
}

// ---- The backend's verification ---------------------------------------------------------------

type Rejection =
  | 'malformed'
  | 'unknown_org'
  | 'bad_signature'
  | 'bad_claims'
  | 'lifetime_too_long'
  | 'not_yet_valid'
  | 'expired'
  | 'replayed';

type Verdict = { ok: true; claims: LaunchClaims } | { ok: false; reason: Rejection };

type VerifyOptions = {
  /** The launch secret of the tenant that is this org (keyed by the 15-character org id), if any. */
  secretForOrg: (orgId15: string) => string | undefined;
  /** Seconds since the epoch. */
  now: number;
  /** Records the nonce until `keepUntil`; false when it was already recorded (a replay). */
  firstUse: (nonce: string, keepUntil: number) => boolean;
};

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SALESFORCE_ID = /^[a-zA-Z0-9]{18}$/;
/** UserInfo returns 18-character ids; 15 is accepted in case an org or user id arrives in the short form. */
const ORG_OR_USER_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const NONCE = /^[0-9a-f]{32}$/;

function isClaims(value: unknown): value is LaunchClaims {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const claims = value as Record<string, unknown>;
  if (Object.keys(claims).sort().join() !== [...CLAIM_ORDER].sort().join()) return false;
  const { org, user, view, recordId, iat, exp, nonce } = claims;
  if (typeof org !== 'string' || !ORG_OR_USER_ID.test(org) || !org.startsWith('00D')) return false;
  if (typeof user !== 'string' || !ORG_OR_USER_ID.test(user) || !user.startsWith('005')) return false;
  if (!VIEWS.includes(view as LaunchView)) return false;
  if (view === 'rules' ? recordId !== null : typeof recordId !== 'string' || !SALESFORCE_ID.test(recordId))
    return false;
  if (view === 'account' && !String(recordId).startsWith('001')) return false;
  if (view === 'opportunity-terms' && !String(recordId).startsWith('006')) return false;
  return (
    Number.isSafeInteger(iat) && Number.isSafeInteger(exp) && typeof nonce === 'string' && NONCE.test(nonce)
  );
}

function verifyLaunchToken(token: string, options: VerifyOptions): Verdict {
  const reject = (reason: Rejection): Verdict => ({ ok: false, reason });
  const parts = token.split('.');
  if (parts.length !== 2 || !parts.every((part) => SEGMENT.test(part))) return reject('malformed');
  const [payloadPart = '', signaturePart = ''] = parts;
  const payload = Buffer.from(payloadPart, 'base64url');

  // Read only `org` before the signature is checked, to pick that org's secret.
  let unverified: unknown;
  try {
    unverified = JSON.parse(payload.toString('utf8'));
  } catch {
    return reject('malformed');
  }
  const org = (unverified as { org?: unknown } | null)?.org;
  if (typeof org !== 'string' || !ORG_OR_USER_ID.test(org)) return reject('malformed');
  const secret = options.secretForOrg(org.slice(0, 15));
  if (secret === undefined) return reject('unknown_org');

  const expected = hmacSha256(secret, payload);
  const signature = Buffer.from(signaturePart, 'base64url');
  // Both are 32 bytes for any real token; comparing lengths first leaks nothing and keeps timingSafeEqual from throwing.
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
    return reject('bad_signature');

  if (!isClaims(unverified)) return reject('bad_claims');
  const claims = unverified;
  if (claims.exp <= claims.iat || claims.exp - claims.iat > MAX_LIFETIME_SECONDS)
    return reject('lifetime_too_long');
  if (options.now < claims.iat - CLOCK_SKEW_SECONDS) return reject('not_yet_valid');
  if (options.now > claims.exp + CLOCK_SKEW_SECONDS) return reject('expired');
  if (!options.firstUse(claims.nonce, claims.exp + CLOCK_SKEW_SECONDS)) return reject('replayed');
  return { ok: true, claims };
}

// ---- Tests ------------------------------------------------------------------------------------

const ORG = '00D000000000001EAA';
const OTHER_ORG = '00D000000000002EAA';
const SECRET = 'test-launch-secret-0123456789abcdef0123456789';
const OTHER_SECRET = 'another-orgs-launch-secret-0123456789abcdef';
const ISSUED_AT = 1767225600; // 2026-01-01T00:00:00Z

const CLAIMS: LaunchClaims = {
  org: ORG,
  user: '005000000000001AAA',
  view: 'account',
  recordId: '001000000000001AAA',
  iat: ISSUED_AT,
  exp: ISSUED_AT + 60,
  nonce: '0123456789abcdef0123456789abcdef',
};

/** The worked example in README.md. */
const GOLDEN_TOKEN =
  'eyJvcmciOiIwMEQwMDAwMDAwMDAwMDFFQUEiLCJ1c2VyIjoiMDA1MDAwMDAwMDAwMDAxQUFBIiwidmlldyI6ImFjY291bnQiLCJyZWNvcmRJZCI6IjAwMTAwMDAwMDAwMDAwMUFBQSIsImlhdCI6MTc2NzIyNTYwMCwiZXhwIjoxNzY3MjI1NjYwLCJub25jZSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIn0' +
  '.zlVcLjYQPpDjoI7r0WVE06EFNL9sG2xvQTWTztEbbmk';

function verifier(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  const seen = new Map<string, number>();
  const secrets = new Map([
    [ORG.slice(0, 15), SECRET],
    [OTHER_ORG.slice(0, 15), OTHER_SECRET],
  ]);
  return {
    secretForOrg: (org15) => secrets.get(org15),
    now: ISSUED_AT + 1,
    firstUse: (nonce, keepUntil) => {
      if (seen.has(nonce)) return false;
      seen.set(nonce, keepUntil);
      return true;
    },
    ...overrides,
  };
}

/** A token over any JSON, signed with the right secret: for claims the verifier must refuse. */
function signRaw(json: string, secret = SECRET): string {
  const payload = Buffer.from(json, 'utf8');
  return `${apexBase64Url(payload)}.${apexBase64Url(hmacSha256(secret, payload))}`;
}

describe('the launch token, as CollectionsLaunch signs it', () => {
  it('is base64url(JSON claims) "." base64url(HMAC-SHA256(secret, JSON claims)), byte for byte', () => {
    const token = signLaunchToken(CLAIMS, SECRET);

    expect(token).toBe(GOLDEN_TOKEN);
    const [payloadPart = '', signaturePart = ''] = token.split('.');
    expect(Buffer.from(payloadPart, 'base64url').toString('utf8')).toBe(
      '{"org":"00D000000000001EAA","user":"005000000000001AAA","view":"account","recordId":"001000000000001AAA",' +
        '"iat":1767225600,"exp":1767225660,"nonce":"0123456789abcdef0123456789abcdef"}',
    );
    expect(Buffer.from(signaturePart, 'base64url').toString('hex')).toBe(
      'ce555c2e36103e90e3a08eebd16544d3a10534bf6c1b6c6f413593ced11b6e69',
    );
  });

  it('writes a null recordId for the rules view', () => {
    const token = signLaunchToken({ ...CLAIMS, view: 'rules', recordId: null }, SECRET);
    const payload = Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8');

    expect(payload).toContain('"view":"rules","recordId":null,');
  });

  it("uses Apex's base64url: standard base64 with - and _, unpadded, the same as RFC 4648 base64url", () => {
    for (let length = 0; length < 70; length += 1) {
      const bytes = Buffer.from(Array.from({ length }, (_, index) => (index * 151 + length * 7) % 256));
      expect(apexBase64Url(bytes)).toBe(bytes.toString('base64url'));
    }
    expect(apexBase64Url(Buffer.from([0xfb, 0xff]))).toBe('-_8');
  });

  it('travels in the URL unencoded', () => {
    const url = launchUrl('https://collections.example.com', 'account', GOLDEN_TOKEN);

    expect(encodeURIComponent(GOLDEN_TOKEN)).toBe(GOLDEN_TOKEN);
    expect(new URL(url).pathname).toBe('/embed/salesforce/account');
    expect(new URL(url).searchParams.get('launch')).toBe(GOLDEN_TOKEN);
  });

  describe('matches the Apex source', () => {
    it('writes the claims in the documented order', () => {
      const written = [...APEX_SOURCE.matchAll(/payload\.write\w+Field\('(\w+)'/g)].map((match) => match[1]);
      expect([...new Set(written)]).toEqual([...CLAIM_ORDER]);
      expect(APEX_SOURCE).toContain("payload.writeNumberField('exp', issuedAt + LIFETIME_SECONDS);");
      expect(APEX_SOURCE).toContain('JSON.createGenerator(false)');
    });

    it('signs the JSON bytes with HMAC-SHA256 keyed by the secret as UTF-8 text', () => {
      expect(APEX_SOURCE).toContain("Crypto.generateMac('hmacSHA256', body, Blob.valueOf(secret));");
      expect(APEX_SOURCE).toContain("return base64Url(body) + '.' + base64Url(mac);");
      expect(APEX_SOURCE).toContain(
        "EncodingUtil.base64Encode(value).replace('+', '-').replace('/', '_').replace('=', '')",
      );
    });

    it('issues tokens for 60 seconds, with 128-bit hex nonces, at the embed URL', () => {
      expect(APEX_SOURCE).toMatch(/private static final Integer LIFETIME_SECONDS = 60;/);
      expect(MAX_LIFETIME_SECONDS).toBe(60);
      expect(APEX_SOURCE).toContain('EncodingUtil.convertToHex(Crypto.generateAesKey(128))');
      expect(APEX_SOURCE).toContain("settings.backendUrl + '/embed/salesforce/' + view + '?launch=' + token");
      expect(APEX_SOURCE).toContain('Datetime.now().getTime() / 1000');
    });
  });
});

describe('the backend verification rule', () => {
  it('accepts a fresh token and returns its claims', () => {
    expect(verifyLaunchToken(GOLDEN_TOKEN, verifier())).toEqual({ ok: true, claims: CLAIMS });
  });

  it.each(VIEWS)('accepts the %s view', (view) => {
    const recordId = {
      account: '001000000000001AAA',
      'opportunity-terms': '006000000000001AAA',
      rules: null,
    }[view];
    const token = signLaunchToken({ ...CLAIMS, view, recordId }, SECRET);

    expect(verifyLaunchToken(token, verifier())).toMatchObject({ ok: true, claims: { view, recordId } });
  });

  it('finds the secret by the 15-character org id', () => {
    const asked: string[] = [];
    const options = verifier();
    const secretForOrg = options.secretForOrg;

    verifyLaunchToken(GOLDEN_TOKEN, {
      ...options,
      secretForOrg: (org15) => {
        asked.push(org15);
        return secretForOrg(org15);
      },
    });

    expect(asked).toEqual(['00D000000000001']);
  });

  describe('refuses', () => {
    it('a token used a second time', () => {
      const options = verifier();
      expect(verifyLaunchToken(GOLDEN_TOKEN, options).ok).toBe(true);

      expect(verifyLaunchToken(GOLDEN_TOKEN, options)).toEqual({ ok: false, reason: 'replayed' });
    });

    it.each([
      ['60 s after exp and the 5 s skew', ISSUED_AT + 60 + 6, 'expired'],
      ['before iat less the 5 s skew', ISSUED_AT - 6, 'not_yet_valid'],
    ])('a token checked %s', (_when, now, reason) => {
      expect(verifyLaunchToken(GOLDEN_TOKEN, verifier({ now }))).toEqual({ ok: false, reason });
    });

    it.each([
      ['at exp plus the skew', ISSUED_AT + 65],
      ['at iat less the skew', ISSUED_AT - 5],
    ])('nothing %s', (_when, now) => {
      expect(verifyLaunchToken(GOLDEN_TOKEN, verifier({ now })).ok).toBe(true);
    });

    it.each([
      ['longer than 60 s', 61],
      ['of no length', 0],
      ['that ends before it starts', -1],
    ])('a lifetime %s, even signed', (_what, lifetime) => {
      const token = signLaunchToken({ ...CLAIMS, exp: ISSUED_AT + lifetime }, SECRET);
      expect(verifyLaunchToken(token, verifier())).toEqual({ ok: false, reason: 'lifetime_too_long' });
    });

    it('a changed claim', () => {
      const [payloadPart = '', signaturePart = ''] = GOLDEN_TOKEN.split('.');
      const changed = Buffer.from(payloadPart, 'base64url').toString('utf8').replace('"account"', '"rules"');
      const forged = `${apexBase64Url(Buffer.from(changed))}.${signaturePart}`;

      expect(verifyLaunchToken(forged, verifier())).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('a changed signature', () => {
      const last = GOLDEN_TOKEN.at(-2) === 'A' ? 'B' : 'A';
      const forged = `${GOLDEN_TOKEN.slice(0, -2)}${last}${GOLDEN_TOKEN.slice(-1)}`;

      expect(verifyLaunchToken(forged, verifier())).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('a signature of the wrong length, without throwing', () => {
      const [payloadPart = ''] = GOLDEN_TOKEN.split('.');

      expect(verifyLaunchToken(`${payloadPart}.AAAA`, verifier())).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it("a token signed with another org's secret", () => {
      const token = signLaunchToken({ ...CLAIMS, org: OTHER_ORG }, SECRET);

      expect(verifyLaunchToken(token, verifier())).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('a token of an org with no tenant', () => {
      const token = signLaunchToken({ ...CLAIMS, org: '00D000000000009EAA' }, SECRET);

      expect(verifyLaunchToken(token, verifier())).toEqual({ ok: false, reason: 'unknown_org' });
    });

    it.each([
      ['nothing', ''],
      ['one segment', 'abc'],
      ['three segments', `${GOLDEN_TOKEN}.abc`],
      ['padding', `${GOLDEN_TOKEN}=`],
      ['standard base64 characters', `${GOLDEN_TOKEN.slice(0, -1)}+`],
      ['a payload that is not JSON', `${apexBase64Url(Buffer.from('not json'))}.AAAA`],
      ['a payload without an org', signRaw('{"user":"005000000000001AAA"}')],
    ])('%s', (_what, token) => {
      expect(verifyLaunchToken(token, verifier())).toEqual({ ok: false, reason: 'malformed' });
    });

    const signedWith = (claims: Record<string, unknown>) => signRaw(JSON.stringify(claims));
    it.each([
      ['an unknown view', { ...CLAIMS, view: 'invoices' }],
      ['a record on the rules view', { ...CLAIMS, view: 'rules' }],
      ['no record on the account view', { ...CLAIMS, recordId: null }],
      ['an opportunity on the account view', { ...CLAIMS, recordId: '006000000000001AAA' }],
      ['an account on the opportunity-terms view', { ...CLAIMS, view: 'opportunity-terms' }],
      ['a contact as the user', { ...CLAIMS, user: '003000000000001AAA' }],
      ['a fractional iat', { ...CLAIMS, iat: ISSUED_AT + 0.5 }],
      ['a short nonce', { ...CLAIMS, nonce: '0123' }],
      ['a claim too many', { ...CLAIMS, admin: true }],
      [
        'a claim too few',
        { org: ORG, user: CLAIMS.user, view: 'rules', recordId: null, iat: ISSUED_AT, exp: ISSUED_AT + 60 },
      ],
    ])('claims with %s, even signed', (_what, claims) => {
      expect(verifyLaunchToken(signedWith(claims), verifier())).toEqual({ ok: false, reason: 'bad_claims' });
    });
  });
});
