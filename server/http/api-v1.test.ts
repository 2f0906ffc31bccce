import type { Router } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createPgliteStore } from '../../src/adapters/postgres';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import { createApiV1, type ApiV1Options } from './api-v1';
import { API_ERROR_CODES } from './api-errors';
import { createHttpApp } from './app';
import { API_ROUTES, openApiPath } from './schemas/routes';

type Layer = {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
};

/** Every method and path the router answers, walking the routers mounted in it. */
function routesOf(router: Router): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) => {
      if (layer.route !== undefined)
        return Object.keys(layer.route.methods).map((method) => `${method} ${layer.route?.path}`);
      return layer.handle.stack === undefined ? [] : walk(layer.handle.stack);
    });
  return walk((router as unknown as { stack: Layer[] }).stack);
}

const options = (store: CollectionsStore, signingSecret: string | undefined): ApiV1Options => ({
  store,
  signingSecret,
  publicBaseUrl: 'https://collections.example.com',
  revopsUsers: [],
  demoTenant: 'demo' as TenantId,
  today: () => '2026-03-01' as CalendarDate,
});

describe('/api/v1: one router per resource, documented as OpenAPI 3.1', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
  });

  it('documents every route the routers answer, and only those', () => {
    const answered = routesOf(createApiV1(options(store, undefined))).sort();
    const documented = API_ROUTES.map((route) => `${route.method} ${route.path}`).sort();
    expect(answered).toEqual(documented);
    expect(new Set(answered).size).toBe(answered.length);
  });

  it('serves the document without authentication, one operation per route', async () => {
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: options(store, 'a-signing-secret'),
    });
    expect((await request(app).get('/api/v1/rules')).status).toBe(401);
    const answer = await request(app).get('/api/v1/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const operations = Object.entries(answer.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`),
    );
    expect(operations.sort()).toEqual(
      API_ROUTES.map((route) => `${route.method} ${openApiPath(route.path)}`).sort(),
    );
    // Every reference names a component of the document.
    const text = JSON.stringify(answer.body);
    const components = Object.keys(answer.body.components.schemas as object);
    const referenced = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((name) => !components.includes(name ?? ''))).toEqual([]);
    expect(answer.body.components.schemas.ApiError.properties.code.enum).toEqual([...API_ERROR_CODES]);
  });

  it('answers the envelope for unknown paths under /api/v1, and the plain 404 elsewhere', async () => {
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: options(store, undefined),
    });
    const unknown = await request(app).get('/api/v1/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      ok: false,
      error: { code: 'unknown_route', message: 'no route answers GET /api/v1/no-such-thing' },
    });
    const elsewhere = await request(app).get('/no-such-page');
    expect({ status: elsewhere.status, body: elsewhere.body }).toEqual({
      status: 404,
      body: { error: 'not_found' },
    });
  });

  it("answers a route's failure as internal_error, logged and not told", async () => {
    const failing: CollectionsStore = Object.create(store, {
      getActiveRuleSet: { value: () => Promise.reject(new Error('connection refused on 10.0.0.7')) },
    });
    const logged: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const app = createHttpApp({
      store: failing,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
      logger,
      api: options(failing, undefined),
    });
    const answer = await request(app).get('/api/v1/rules');
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(JSON.stringify(answer.body)).not.toContain('10.0.0.7');
    expect(logged.join('')).toContain('10.0.0.7');
  });
});
