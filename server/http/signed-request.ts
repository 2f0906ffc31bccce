import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot request signature v3: base64(HMAC-SHA256(client secret, method + URI + body + timestamp)). */
export function hubspotSignatureV3(
  secret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

/**
 * HubSpot decodes exactly these percent-encodings in the URI before signing (v3 validation docs);
 * every other encoding, `%25` and `%20` included, stays as sent.
 */
const SIGNED_URI_DECODINGS: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot hashes it: one left-to-right pass, so a decoded `%` never starts a new escape. */
export function hubspotSignedUri(uri: string): string {
  return uri.replace(/%[0-9A-Fa-f]{2}/g, (escape) => SIGNED_URI_DECODINGS[escape.toUpperCase()] ?? escape);
}

export const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a signed request in constant time and refuses stale timestamps (replays). The URI is the
 * full URL as HubSpot called it, so it is rebuilt from the configured public base URL.
 */
export function verifyHubspotSignatureV3(input: {
  secret: string;
  method: string;
  uri: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
}): SignatureCheck {
  if (input.signature === undefined || input.timestamp === undefined)
    return { ok: false, reason: 'missing signature' };
  const sentAt = Number(input.timestamp);
  if (!Number.isFinite(sentAt) || Math.abs(input.now - sentAt) > MAX_SIGNATURE_AGE_MS) {
    return { ok: false, reason: 'stale or invalid timestamp' };
  }
  const expected = Buffer.from(
    hubspotSignatureV3(input.secret, input.method, hubspotSignedUri(input.uri), input.body, input.timestamp),
  );
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/** HubSpot request signature v2: hex(SHA-256(client secret + method + URI + body)), no timestamp. */
export function hubspotSignatureV2(secret: string, method: string, uri: string, body: string): string {
  return createHash('sha256').update(`${secret}${method}${uri}${body}`).digest('hex');
}

/**
 * A custom workflow action's request. HubSpot's custom action guide says these carry the v2
 * signature (`X-HubSpot-Signature`, `X-HubSpot-Signature-Version: v2`); its request-validation page
 * says requests also carry v3 where HubSpot sends it. The v3 signature is checked when present (it
 * dates the request); otherwise the v2 one, whose replays the callers' idempotency by callback id
 * makes harmless.
 */
export function verifyHubspotActionRequest(input: {
  secret: string;
  method: string;
  uri: string;
  body: string;
  header: (name: string) => string | undefined;
  now: number;
}): SignatureCheck {
  const v3 = input.header('x-hubspot-signature-v3');
  if (v3 !== undefined)
    return verifyHubspotSignatureV3({
      ...input,
      signature: v3,
      timestamp: input.header('x-hubspot-request-timestamp'),
    });
  const signature = input.header('x-hubspot-signature');
  if (signature === undefined || input.header('x-hubspot-signature-version')?.toLowerCase() !== 'v2')
    return { ok: false, reason: 'missing signature' };
  const expected = Buffer.from(hubspotSignatureV2(input.secret, input.method, input.uri, input.body));
  const given = Buffer.from(signature.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
