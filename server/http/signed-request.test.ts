import { createHmac } from 'node:crypto';
import { verifyHubspotSignatureV3 } from './signed-request';

const SECRET = 'vector-secret';
const NOW = 1_780_000_000_000;
const TIMESTAMP = String(NOW);

/** The oracle: HMAC over a string written out by hand, as HubSpot's v3 docs describe it. */
function hubspotHash(method: string, decodedUri: string, body: string): string {
  return createHmac('sha256', SECRET).update(`${method}${decodedUri}${body}${TIMESTAMP}`).digest('base64');
}

function verify(method: string, uriAsSent: string, body: string, signature: string) {
  return verifyHubspotSignatureV3({
    secret: SECRET,
    method,
    uri: uriAsSent,
    body,
    signature,
    timestamp: TIMESTAMP,
    now: NOW,
  });
}

// Each documented encoding, once in the path and once in the query, with the URI HubSpot hashes.
const VECTORS: ReadonlyArray<[encoded: string, decoded: string]> = [
  ['%3A', ':'],
  ['%2F', '/'],
  ['%3F', '?'],
  ['%40', '@'],
  ['%21', '!'],
  ['%24', '$'],
  ['%27', "'"],
  ['%28', '('],
  ['%29', ')'],
  ['%2A', '*'],
  ['%2C', ','],
  ['%3B', ';'],
];

describe('HubSpot signature v3: URI decoding before hashing', () => {
  it.each(VECTORS)('decodes %s in the path and in the query', (encoded, decoded) => {
    const sent = `https://collections.example.com/api/v1/notes/a${encoded}b?portalId=1&userEmail=x${encoded}y`;
    const hashed = `https://collections.example.com/api/v1/notes/a${decoded}b?portalId=1&userEmail=x${decoded}y`;
    expect(verify('GET', sent, '', hubspotHash('GET', hashed, ''))).toEqual({ ok: true });
    // The raw URI is not what HubSpot signs: a signature over it is refused.
    expect(verify('GET', sent, '', hubspotHash('GET', sent, '')).ok).toBe(false);
  });

  it('accepts a card request whose query carries an encoded e-mail address', () => {
    const sent =
      'https://collections.example.com/api/v1/accounts/9?portalId=4242&userEmail=ana%40example.com';
    const hashed =
      'https://collections.example.com/api/v1/accounts/9?portalId=4242&userEmail=ana@example.com';
    const body = '{"reason":"promise to pay"}';
    expect(verify('POST', sent, body, hubspotHash('POST', hashed, body))).toEqual({ ok: true });
  });

  it('leaves encodings outside the documented set as sent, and never decodes twice', () => {
    // %20 and %2B are not in the table; %2540 is an escaped percent followed by "40", not an "@".
    const sent = 'https://collections.example.com/api/v1/search?q=a%20b%2Bc&tag=%2540x&who=ana%40example.com';
    const hashed = 'https://collections.example.com/api/v1/search?q=a%20b%2Bc&tag=%2540x&who=ana@example.com';
    expect(verify('GET', sent, '', hubspotHash('GET', hashed, ''))).toEqual({ ok: true });
    const overDecoded = 'https://collections.example.com/api/v1/search?q=a b+c&tag=@x&who=ana@example.com';
    expect(verify('GET', sent, '', hubspotHash('GET', overDecoded, '')).ok).toBe(false);
  });
});
