import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';

const STATE_TTL_MS = 10 * 60 * 1000;

/** An install state: expiry and nonce, signed with the client secret (no server-side session). */
export function signInstallState(secret: string, now: number): string {
  const body = `${now + STATE_TTL_MS}.${randomBytes(12).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export function checkInstallState(secret: string, state: string, now: number): boolean {
  return readInstallState(secret, state, now) !== undefined;
}

/**
 * A state we signed and that has not expired: its nonce and expiry, so the caller can spend it once
 * (the signature alone would let a leaked callback URL be replayed until it expires).
 */
export function readInstallState(
  secret: string,
  state: string,
  now: number,
): { nonce: string; expiresAt: number } | undefined {
  const at = state.lastIndexOf('.');
  if (at < 0) return undefined;
  const body = state.slice(0, at);
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('base64url'));
  const given = Buffer.from(state.slice(at + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const [expiry = '', nonce = ''] = body.split('.');
  const expiresAt = Number(expiry);
  return expiresAt > now && nonce !== '' ? { nonce, expiresAt } : undefined;
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function page(response: Response, status: number, title: string, message: string): void {
  response
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>` +
        `<p>${escapeHtml(message)}</p></body></html>`,
    );
}
