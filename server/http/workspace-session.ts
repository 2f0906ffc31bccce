import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseTenantId, type TenantId } from '../../src/domain/model';

/** A workspace opened embedded in a CRM record: the tenant, the user, and the one view and record. */
export type WorkspaceSession = {
  tenant: TenantId;
  user: string;
  view: string;
  customerId: string | null;
  crmRecordId: string | null;
  exp: number;
};

export const SESSION_COOKIE = 'collections_session';
export const SESSION_SECONDS = 8 * 3600;

export function signSession(secret: string, session: WorkspaceSession): string {
  const body = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export function readSession(secret: string, value: string, nowMs: number): WorkspaceSession | undefined {
  const [body, signature, extra] = value.split('.');
  if (body === undefined || signature === undefined || extra !== undefined) return undefined;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as WorkspaceSession;
    if (parseTenantId(session.tenant) === undefined || !(session.exp * 1000 > nowMs)) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

export function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // a malformed cookie is no cookie
    }
  }
  return undefined;
}

/**
 * Sets the session for an iframe inside the CRM: a third-party context, so SameSite=None; Secure and
 * Partitioned (the cookie is kept for this embedding site only).
 */
export function setSessionCookie(response: Response, value: string, secure: boolean): void {
  const attributes = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${SESSION_SECONDS}`,
    'HttpOnly',
    ...(secure ? ['Secure', 'SameSite=None', 'Partitioned'] : ['SameSite=Lax']),
  ];
  response.append('Set-Cookie', attributes.join('; '));
}
