import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretCipher } from '../../ports/crm-auth';

const VERSION = 'v1';

/** The configured key: 32 bytes as base64 or 64 hex digits. */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error(`expected 32 bytes (base64 or 64 hex digits), got ${key.length}`);
  return key;
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value and the context as additional authenticated data.
 * Stored as `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url); the key id (a hash prefix, not the key)
 * says which key a value needs when keys are rotated.
 */
export function createSecretCipher(key: Buffer): SecretCipher {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        keyId,
        iv.toString('base64url'),
        tag.toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext, context) {
      const parts = ciphertext.split('.');
      const [version, id, iv, tag, body] = parts;
      if (
        parts.length !== 5 ||
        version !== VERSION ||
        iv === undefined ||
        tag === undefined ||
        body === undefined
      )
        throw new Error('not an encrypted secret of this version');
      if (id !== keyId)
        throw new Error(`secret was encrypted with key ${String(id)}, but the configured key is ${keyId}`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new Error('secret failed authentication (wrong key, wrong record, or tampered)');
      }
    },
  };
}
