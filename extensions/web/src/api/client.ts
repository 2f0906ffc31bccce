/**
 * The one wrapper around `fetch` for the collections server (same origin, under /api/v1). The server
 * answers every error with `{ok: false, error: {code, message, path?}}` (business errors at HTTP 200,
 * or 401, 403, 422); a failure without a readable body gets a message by its status.
 */
export const API_PREFIX = '/api/v1';

const DEFAULT_TIMEOUT_MS = 60_000;

/** A problem in a sent document, with its line and column (1-based) when the server read the text. */
export type ApiProblem = { path: string; message: string; line?: number; column?: number };

/** `status` is null when the server was not reached; `code` and `path` come from a business error. */
export type ApiFailure = {
  status: number | null;
  code: string | null;
  path: string | null;
  message: string;
  problems: ApiProblem[];
};

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

export type ApiRequest = {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Under /api/v1, with any query string. */
  path: string;
  body?: unknown;
  timeoutMs?: number;
};

export function apiFailure(message: string, details: Partial<Omit<ApiFailure, 'message'>> = {}): ApiFailure {
  return { status: null, code: null, path: null, problems: [], ...details, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function messageForStatus(status: number): string {
  if (status === 401) return 'You are not signed in to the collections service.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'The collections service does not offer this request.';
  if (status === 422) return 'The collections service rejected the input.';
  if (status === 429) return 'The collections service is busy. Try again in a moment.';
  if (status >= 500) return `The collections service failed (HTTP ${status}). Try again later.`;
  return `The collections service answered HTTP ${status}.`;
}

function problemsOf(value: unknown): ApiProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (!isRecord(item) || typeof item['message'] !== 'string') return [];
    const { line, column } = item;
    return [
      {
        path: typeof item['path'] === 'string' ? item['path'] : '',
        message: item['message'],
        ...(typeof line === 'number' ? { line } : {}),
        ...(typeof column === 'number' ? { column } : {}),
      },
    ];
  });
}

/**
 * Answers of the server's HTTP layer rather than of a route (no such route, a body it could not read,
 * its own failure): worded here by their status, like an answer without a readable body.
 */
const WORDED_BY_STATUS = new Set(['unknown_route', 'payload_too_large', 'invalid_json', 'internal_error']);

function failureFrom(status: number, body: unknown): ApiFailure {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const message = text(error?.['message']);
  if (error === undefined || message === null || WORDED_BY_STATUS.has(text(error['code']) ?? ''))
    return apiFailure(messageForStatus(status), { status });
  return apiFailure(message, {
    status,
    code: text(error['code']),
    path: text(error['path']),
    problems: problemsOf(isRecord(body) ? body['problems'] : undefined),
  });
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/**
 * Calls the server. `T` is the documented `{ok: true, ...}` answer of the route; the server's HTTP
 * layer is the contract, so the body is not validated beyond its `ok` flag.
 */
export async function callApi<T extends { ok: true }>(request: ApiRequest): Promise<ApiResult<T>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(`${API_PREFIX}${request.path}`, {
      method: request.method ?? 'GET',
      credentials: 'same-origin',
      headers:
        request.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: controller.signal,
    });
  } catch {
    clearTimeout(timer);
    return {
      ok: false,
      failure: apiFailure('The collections service could not be reached. Try again in a moment.'),
    };
  }
  const body = await readJson(response);
  clearTimeout(timer);
  if (response.ok && isRecord(body) && body['ok'] === true) return { ok: true, value: body as T };
  return { ok: false, failure: failureFrom(response.status, body) };
}

/** The workspace routes answer `{ok: true, data}`. */
export async function getData<T>(path: string): Promise<ApiResult<T>> {
  const result = await callApi<{ ok: true; data: T }>({ path });
  return result.ok ? { ok: true, value: result.value.data } : result;
}
