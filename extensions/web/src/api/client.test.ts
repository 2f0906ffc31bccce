import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch } from '../test/mocks';
import { callApi } from './client';

afterEach(() => {
  vi.restoreAllMocks();
});

const envelope = (status: number, error: Record<string, unknown>, extra: object = {}) => ({
  status,
  body: { ok: false, error, ...extra },
});

describe('callApi reads the error envelope', () => {
  it("shows a route's own message, with its code, path and problems", async () => {
    mockFetch({
      'POST /rules/validate': envelope(
        200,
        { code: 'invalid_request', path: 'source.rules', message: 'expected an array', line: 3, column: 1 },
        { problems: [{ path: 'rules', message: 'expected an array', line: 3, column: 1 }] },
      ),
    });
    const result = await callApi<{ ok: true }>({ method: 'POST', path: '/rules/validate', body: {} });
    expect(result).toEqual({
      ok: false,
      failure: {
        status: 200,
        code: 'invalid_request',
        path: 'source.rules',
        message: 'expected an array',
        problems: [{ path: 'rules', message: 'expected an array', line: 3, column: 1 }],
      },
    });
  });

  it.each([
    [404, 'unknown_route', 'The collections service does not offer this request.'],
    [413, 'payload_too_large', 'The collections service answered HTTP 413.'],
    [400, 'invalid_json', 'The collections service answered HTTP 400.'],
    [500, 'internal_error', 'The collections service failed (HTTP 500). Try again later.'],
  ])('words an HTTP-layer answer (%i %s) by its status', async (status, code, shown) => {
    mockFetch({ 'GET /portfolio': envelope(status, { code, message: `server text for ${code}` }) });
    const result = await callApi<{ ok: true }>({ path: '/portfolio' });
    expect(result.ok ? null : result.failure.message).toBe(shown);
  });
});
