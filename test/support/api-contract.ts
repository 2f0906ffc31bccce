import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import { apiErrorBody } from '../../server/http/schemas/common';
import { API_ROUTES, errorStatuses, type ApiRoute } from '../../server/http/schemas/routes';

const PREFIX = '/api/v1';

/** Answers that reach no route: unknown paths, and refusals before routing (auth, body parsing). */
const UNROUTED_STATUSES = new Set([400, 401, 403, 404, 413, 415, 500]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function routeOf(method: string, path: string): ApiRoute | undefined {
  return API_ROUTES.find(
    (route) =>
      route.method === method.toLowerCase() &&
      new RegExp(`^${route.path.replace(/:[A-Za-z]+/g, '[^/]+')}/?$`).test(path),
  );
}

/** Fields sent that the schema does not name (zod drops them from what it parsed). */
function undocumented(sent: unknown, kept: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((item, index) => undocumented(item, kept[index], `${at}[${index}]`));
  if (isRecord(sent) && isRecord(kept))
    return Object.keys(sent).flatMap((name) =>
      name in kept ? undocumented(sent[name], kept[name], `${at}.${name}`) : [`${at}.${name}`],
    );
  return [];
}

function schemaFor(method: string, path: string, status: number, body: unknown): z.ZodType | string {
  const route = routeOf(method, path);
  if (route === undefined)
    return UNROUTED_STATUSES.has(status) ? apiErrorBody : `${method} ${path} is not documented`;
  if (status === route.success.status && isRecord(body) && body['ok'] === true) return route.success.schema;
  if (errorStatuses(route).includes(status)) return apiErrorBody;
  return `${method} ${route.path} does not document status ${status}`;
}

/**
 * What is wrong with an /api/v1 answer as the OpenAPI document describes it (status and body), or
 * nothing. Answers outside /api/v1 are not its business.
 */
export function contractViolations(method: string, url: string, status: number, body: unknown): string[] {
  const path = url.split('?')[0] ?? '';
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return [];
  const local = path.slice(PREFIX.length) || '/';
  const schema = schemaFor(method, local, status, body);
  if (typeof schema === 'string') return [schema];
  const parsed = schema.safeParse(body);
  const where = `${method} ${local} ${status}`;
  if (!parsed.success)
    return parsed.error.issues.map((issue) => `${where}: ${issue.path.join('.')}: ${issue.message}`);
  return undocumented(body, parsed.data, 'body').map((field) => `${where}: ${field} is not documented`);
}

/**
 * Checks every /api/v1 answer of the apps it wraps against the documented schemas, and fails the test
 * that got an answer the document does not describe. Call it in a `describe` block.
 */
export function apiContract(): { check: (app: Express) => Express } {
  const violations: string[] = [];
  afterEach(() => {
    const found = violations.splice(0);
    expect(found).toEqual([]);
  });
  const record = (request: Request, response: Response, next: NextFunction): void => {
    const json = response.json.bind(response);
    response.json = (body: unknown) => {
      // As the client reads it: dates as strings, undefined fields gone.
      const sent: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
      violations.push(...contractViolations(request.method, request.originalUrl, response.statusCode, sent));
      return json(body);
    };
    next();
  };
  return {
    check(app) {
      const checked = express();
      checked.disable('x-powered-by');
      checked.use(record);
      checked.use(app);
      return checked;
    },
  };
}
