/**
 * @jest-environment node
 *
 * The launch token CollectionsLaunch.cls signs, checked by the backend's own verifier, in plain Node
 * with no Salesforce. signLaunchToken replicates the Apex algorithm byte for byte; the tokens it makes
 * are verified by the function the /embed/salesforce/{view} route runs. README.md ("Launch token")
 * states the same rules in prose.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  claimedOrg,
  LAUNCH_CLOCK_SKEW_S,
  LAUNCH_MAX_LIFETIME_S,
  LAUNCH_VIEWS,
  salesforceId18,
  verifyLaunchToken,
  type LaunchClaims,
  type LaunchView,
} from '../../../server/http/launch-token';

const APEX_SOURCE = fs.readFileSync(
  path.join(__dirname, '..', 'force-app', 'main', 'default', 'classes', 'CollectionsLaunch.cls'),
  'utf8',
);

/** The claims in the order Apex's JSONGenerator writes them. */
const CLAIM_ORDER = ['org', 'user', 'view', 'recordId', 'iat', 'exp', 'nonce'] as const;

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

/** The backend's check at `now` (seconds) with this org's secret. */
function verify(token: string, now = ISSUED_AT + 1, secret = SECRET) {
  return verifyLaunchToken(secret, token, now * 1000);
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
      expect(LAUNCH_MAX_LIFETIME_S).toBe(60);
      expect(APEX_SOURCE).toContain('EncodingUtil.convertToHex(Crypto.generateAesKey(128))');
      expect(APEX_SOURCE).toContain("settings.backendUrl + '/embed/salesforce/' + view + '?launch=' + token");
      expect(APEX_SOURCE).toContain('Datetime.now().getTime() / 1000');
    });
  });
});

describe("the backend's verifier, on tokens signed as the Apex signs them", () => {
  it('accepts a fresh token and returns its claims', () => {
    expect(verify(GOLDEN_TOKEN)).toEqual({ ok: true, claims: CLAIMS });
  });

  it.each(LAUNCH_VIEWS)('accepts the %s view', (view) => {
    const recordId = {
      account: '001000000000001AAA',
      'opportunity-terms': '006000000000001AAA',
      rules: null,
    }[view];
    const token = signLaunchToken({ ...CLAIMS, view, recordId }, SECRET);

    expect(verify(token)).toMatchObject({ ok: true, claims: { view, recordId } });
  });

  it('reads the org before the signature, in its 18-character form (15 accepted)', () => {
    expect(claimedOrg(GOLDEN_TOKEN)).toBe(ORG);
    // The README's org id, written short: its case checksum is "EAA".
    expect(salesforceId18(ORG.slice(0, 15))).toBe(ORG);
    expect(claimedOrg(signRaw(JSON.stringify({ ...CLAIMS, org: ORG.slice(0, 15) })))).toBe(ORG);
    expect(claimedOrg(signRaw(JSON.stringify({ ...CLAIMS, org: '001000000000001AAA' })))).toBeUndefined();
  });

  describe('refuses', () => {
    it.each([
      [
        `60 s after exp and the ${LAUNCH_CLOCK_SKEW_S} s skew`,
        ISSUED_AT + 60 + LAUNCH_CLOCK_SKEW_S + 1,
        'expired',
      ],
      [
        `before iat less the ${LAUNCH_CLOCK_SKEW_S} s skew`,
        ISSUED_AT - LAUNCH_CLOCK_SKEW_S - 1,
        'not_yet_valid',
      ],
    ])('a token checked %s', (_when, now, reason) => {
      expect(verify(GOLDEN_TOKEN, now)).toEqual({ ok: false, reason });
    });

    it.each([
      ['at exp plus the skew', ISSUED_AT + 60 + LAUNCH_CLOCK_SKEW_S],
      ['at iat less the skew', ISSUED_AT - LAUNCH_CLOCK_SKEW_S],
    ])('nothing %s', (_when, now) => {
      expect(verify(GOLDEN_TOKEN, now).ok).toBe(true);
    });

    it.each([
      ['longer than 60 s', 61],
      ['of no length', 0],
      ['that ends before it starts', -1],
    ])('a lifetime %s, even signed', (_what, lifetime) => {
      const token = signLaunchToken({ ...CLAIMS, exp: ISSUED_AT + lifetime }, SECRET);
      expect(verify(token)).toEqual({ ok: false, reason: 'lifetime_too_long' });
    });

    it('a changed claim', () => {
      const [payloadPart = '', signaturePart = ''] = GOLDEN_TOKEN.split('.');
      const changed = Buffer.from(payloadPart, 'base64url').toString('utf8').replace('"account"', '"rules"');
      const forged = `${apexBase64Url(Buffer.from(changed))}.${signaturePart}`;

      expect(verify(forged)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('a changed signature', () => {
      const last = GOLDEN_TOKEN.at(-2) === 'A' ? 'B' : 'A';
      const forged = `${GOLDEN_TOKEN.slice(0, -2)}${last}${GOLDEN_TOKEN.slice(-1)}`;

      expect(verify(forged)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('a signature of the wrong length, without throwing', () => {
      const [payloadPart = ''] = GOLDEN_TOKEN.split('.');

      expect(verify(`${payloadPart}.AAAA`)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it("a token signed with another org's secret", () => {
      const token = signLaunchToken({ ...CLAIMS, org: OTHER_ORG }, SECRET);

      expect(verify(token, ISSUED_AT + 1, OTHER_SECRET)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it.each([
      ['nothing', ''],
      ['one segment', 'abc'],
      ['three segments', `${GOLDEN_TOKEN}.abc`],
      ['padding', `${GOLDEN_TOKEN}=`],
      ['standard base64 characters', `${GOLDEN_TOKEN.slice(0, -1)}+`],
      ['a payload that is not JSON', `${apexBase64Url(Buffer.from('not json'))}.AAAA`],
    ])('%s', (_what, token) => {
      expect(verify(token)).toEqual({ ok: false, reason: 'malformed' });
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
      ['a payload without an org', { user: CLAIMS.user }],
      [
        'a claim too few',
        { org: ORG, user: CLAIMS.user, view: 'rules', recordId: null, iat: ISSUED_AT, exp: ISSUED_AT + 60 },
      ],
    ])('claims with %s, even signed', (_what, claims) => {
      expect(verify(signedWith(claims))).toEqual({ ok: false, reason: 'bad_claims' });
    });
  });
});
