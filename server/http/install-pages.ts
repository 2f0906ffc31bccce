import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';

const STATE_TTL_MS = 10 * 60 * 1000;

/** An install state: expiry and nonce, signed with the client secret (no server-side session). */
export function signInstallState(secret: string, now: number): string {
  const body = `${now + STATE_TTL_MS}.${randomBytes(12).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export function checkInstallState(secret: string, state: string, now: number): boolean {
  const at = state.lastIndexOf('.');
  if (at < 0) return false;
  const body = state.slice(0, at);
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('base64url'));
  const given = Buffer.from(state.slice(at + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  return Number(body.split('.')[0]) > now;
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
