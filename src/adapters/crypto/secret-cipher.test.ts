import { randomBytes } from 'node:crypto';
import { createSecretCipher, parseEncryptionKey } from './secret-cipher';

describe('secret cipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const cipher = createSecretCipher(key);

  it('round-trips, with a fresh IV every time, and never contains the plaintext', () => {
    const token = 'CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4';
    const first = cipher.encrypt(token, 'hubspot:4242:access');
    const second = cipher.encrypt(token, 'hubspot:4242:access');
    expect(first).not.toBe(second);
    expect(first).not.toContain(token.slice(0, 12));
    expect(first.startsWith('v1.')).toBe(true);
    expect(cipher.decrypt(first, 'hubspot:4242:access')).toBe(token);
    expect(cipher.decrypt(second, 'hubspot:4242:access')).toBe(token);
  });

  it('refuses another context, a tampered value and another key', () => {
    const sealed = cipher.encrypt('secret-refresh-token', 'hubspot:4242:refresh');
    expect(() => cipher.decrypt(sealed, 'hubspot:9999:refresh')).toThrow(/failed authentication/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4] as string, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[4] = body.toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'hubspot:4242:refresh')).toThrow(/failed authentication/);
    const other = createSecretCipher(randomBytes(32));
    expect(() => other.decrypt(sealed, 'hubspot:4242:refresh')).toThrow(/encrypted with key/);
    expect(() => cipher.decrypt('plain-text-token', 'x')).toThrow(/not an encrypted secret/);
  });

  it('takes the key as base64 or hex, 32 bytes only', () => {
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
