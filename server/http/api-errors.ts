import type { Request, Response } from 'express';

/**
 * Every code an `/api/v1` error may carry. Clients branch on the code, show the message, and point at
 * `path` (with `line` and `column` when the server read a document's text).
 */
export const API_ERROR_CODES = [
  /** A field of the request is missing, malformed or out of range (`path` names it). */
  'invalid_request',
  /** The same, from the company card's task form (kept as the cards read it). */
  'invalid_input',
  /** The request carries no valid signature or workspace session. */
  'unauthorized',
  /** The caller may not do this (not RevOps, another portal's record, another embedded view). */
  'forbidden',
  /** The signed portal has no installation of the app. */
  'not_installed',
  /** The account, version or simulation named in the request does not exist. */
  'not_found',
  /** No route of /api/v1 answers this method and path. */
  'unknown_route',
  /** The company card's company has no billing customer mapped to it. */
  'no_billing_data',
  'note_required',
  'confirmation_required',
  'identical_to_active',
  /** A simulation's span is longer than this route replays. */
  'span_too_long',
  /** A simulation is more work than one request replays: run it as a job. */
  'simulation_too_large',
  /** What the request needs does not run here (simulation jobs, the CRM's property list). */
  'unavailable',
  'payload_too_large',
  'invalid_json',
  'internal_error',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export type ApiError = {
  code: ApiErrorCode;
  message: string;
  path?: string;
  line?: number;
  column?: number;
};

/** The one error body of /api/v1; `extra` carries fields beside the error (e.g. `problems`). */
export type ApiErrorBody = { ok: false; error: ApiError } & Record<string, unknown>;

/**
 * Answers an error. Business errors on routes the cards call answer 200: `hubspot.fetch` turns any
 * non-2xx answer into a generic error, so the card could not show the message.
 */
export function fail(response: Response, error: ApiError, status = 200, extra: object = {}): void {
  const body: ApiErrorBody = { ok: false, error, ...extra };
  response.status(status).json(body);
}

export const API_V1_PREFIX = '/api/v1';

export function isApiV1Request(request: Request): boolean {
  const path = request.originalUrl.split('?')[0] ?? '';
  return path === API_V1_PREFIX || path.startsWith(`${API_V1_PREFIX}/`);
}

export function unknownRoute(request: Request, response: Response): void {
  fail(
    response,
    { code: 'unknown_route', message: `no route answers ${request.method} ${request.path}` },
    404,
  );
}

/**
 * The body parsers' own refusals (too large, not JSON) are the client's error; anything else thrown
 * by a route is ours. Answers the envelope and tells whether the error was the server's.
 */
export function answerThrown(error: unknown, response: Response): 'client' | 'server' {
  const status = (error as { status?: unknown } | null)?.status;
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') {
    if (type === 'entity.too.large')
      fail(response, { code: 'payload_too_large', message: 'the request body is over 1 MB' }, status);
    else if (type === 'entity.parse.failed')
      fail(response, { code: 'invalid_json', message: 'the request body is not valid JSON' }, status);
    else fail(response, { code: 'invalid_request', message: 'the request body could not be read' }, status);
    return 'client';
  }
  fail(response, { code: 'internal_error', message: 'the server failed to answer this request' }, 500);
  return 'server';
}
