import { hubspot } from '@hubspot/ui-extensions';

/**
 * The one wrapper around `hubspot.fetch` for the collections backend. HubSpot signs every request
 * and adds the portal and user to the URL, so nothing here identifies the tenant.
 *
 * The backend answers business errors with 2xx `{ok: false, error}`. Other statuses may reach an
 * extension without their body, so a failure without a readable body gets a message by status.
 *
 * app/cards and app/settings are built by HubSpot as separate packages, so the files in shared/
 * exist in both folders; a test in extensions/hubspot keeps the two copies identical.
 */

/** The profile variable (hsprofile.*.json) holding the backend's HTTPS origin. */
export const API_URL_VARIABLE = 'COLLECTIONS_API_URL';

/** HubSpot gives up on a proxied request after 15 seconds. */
const TIMEOUT_MS = 15_000;

/** A problem in a sent document, with its line and column (1-based) when the backend read the text. */
export type ApiProblem = { path: string; message: string; line?: number; column?: number };

/** `status` is null when the backend was not reached; `code` and `path` come from a business error. */
export type ApiFailure = {
  status: number | null;
  code: string | null;
  path: string | null;
  message: string;
  problems: ApiProblem[];
};

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

export type ApiRequest = {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under /api/v1, with any query string. */
  path: string;
  body?: Record<string, unknown>;
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
  if (status === 401) return 'The collections service did not accept the signature of this request.';
  if (status === 403) return 'You are not allowed to do this: only RevOps may change rules and guardrails.';
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

function failureFrom(status: number, body: unknown): ApiFailure {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  const message = text(error?.['message']);
  if (error === undefined || message === null) return apiFailure(messageForStatus(status), { status });
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
 * Calls the backend. `T` is the documented `{ok: true, ...}` answer of the route; the backend's
 * HTTP layer is the contract, so the body is not validated beyond its `ok` flag.
 */
export async function callCollectionsApi<T extends { ok: true }>(
  baseUrl: string | null,
  request: ApiRequest,
): Promise<ApiResult<T>> {
  if (baseUrl === null) {
    return {
      ok: false,
      failure: apiFailure(`The collections service is not configured (${API_URL_VARIABLE} is not set).`),
    };
  }
  let response: Response;
  try {
    response = await hubspot.fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      timeout: TIMEOUT_MS,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
  } catch {
    return {
      ok: false,
      failure: apiFailure('The collections service could not be reached. Try again in a moment.'),
    };
  }
  const body = await readJson(response);
  if (response.ok && isRecord(body) && body['ok'] === true) return { ok: true, value: body as T };
  return { ok: false, failure: failureFrom(response.status, body) };
}
