import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp, type AppState } from '../server/http/app';
import type { PublicRateLimits } from '../server/http/security';

/** The app's own routes answer without the store for these requests. */
const store = { kind: 'pglite', ping: () => Promise.resolve() } as unknown as CollectionsStore;
const state: AppState = {
  startedAt: Date.now(),
  demo: { state: 'off', tenant: 'demo' },
  shuttingDown: false,
};

function app(webDir: string, rateLimits?: PublicRateLimits, trustProxyHops?: number) {
  return createHttpApp({
    ...(trustProxyHops === undefined ? {} : { trustProxyHops }),
    store,
    state,
    logger: pino({ level: 'silent' }),
    api: {
      signingSecret: 'headers-secret',
      publicBaseUrl: 'https://collections.example.com',
      revopsUsers: [],
      demoTenant: 'demo' as never,
      today: () => '2026-09-15' as never,
    },
    hubspotApp: {
      clientSecret: 'headers-secret',
      publicBaseUrl: 'https://collections.example.com',
      tenantFor: () => 'demo' as never,
      resolveTenant: () => Promise.resolve(undefined),
      onEvent: () => Promise.resolve(),
    },
    webDir,
    ...(rateLimits === undefined ? {} : { rateLimits }),
  });
}

describe('security headers and public rate limits', () => {
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(os.tmpdir(), 'collections-headers-'));
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(path.join(webDir, 'assets', 'index-abc.js'), 'console.log(1)');
  });

  afterAll(() => rm(webDir, { recursive: true, force: true }));

  it('the workspace gets a strict CSP that lets only the CRMs frame it, and keeps its cache headers', async () => {
    const index = await request(app(webDir)).get('/');
    expect(index.status).toBe(200);
    const csp = String(index.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'self' https://*.lightning.force.com https://*.my.salesforce.com https://*.force.com https://*.hubspot.com",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['x-frame-options']).toBeUndefined();
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(index.headers['x-powered-by']).toBeUndefined();
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await request(app(webDir)).get('/assets/index-abc.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toBe(csp);
  });

  it('API answers, errors and 404s carry the headers too', async () => {
    for (const route of ['/healthz', '/api/v1/session', '/nope']) {
      const answer = await request(app(webDir)).get(route);
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBeUndefined();
    }
  });

  it('server-rendered pages under /oauth allow their inline style but no script', async () => {
    const page = await request(app(webDir)).get('/oauth/hubspot/install');
    expect(page.status).toBe(503);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain('frame-ancestors');
  });

  it('/webhooks, /oauth and /embed are limited per IP with a JSON 429; /api/v1 is not', async () => {
    const limited = app(webDir, {
      webhooks: { limit: 3, windowMs: 60_000 },
      oauth: { limit: 2, windowMs: 60_000 },
      embed: { limit: 1, windowMs: 60_000 },
    });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1)
      statuses.push((await request(limited).post('/webhooks/hubspot').send('[]')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const refused = await request(limited).post('/webhooks/hubspot').send('[]');
    expect(refused.body).toEqual({ error: 'rate_limited' });
    expect(refused.headers['ratelimit-policy']).toBe('3;w=60');
    expect(refused.headers['retry-after']).toBeDefined();

    await request(limited).get('/oauth/hubspot/install');
    await request(limited).get('/oauth/hubspot/install');
    expect((await request(limited).get('/oauth/hubspot/callback')).status).toBe(429);
    await request(limited).get('/embed/salesforce/account');
    expect((await request(limited).get('/embed/salesforce/account')).status).toBe(429);

    for (let attempt = 0; attempt < 6; attempt += 1)
      expect((await request(limited).get('/api/v1/session')).status).toBe(401);
    expect((await request(limited).get('/healthz')).status).toBe(200);
  });

  it('defaults: 60 a minute on /oauth; a limit can be turned off', async () => {
    const defaults = app(webDir);
    const statuses = new Set<number>();
    for (let attempt = 0; attempt < 60; attempt += 1)
      statuses.add((await request(defaults).get('/oauth/hubspot/install')).status);
    expect([...statuses]).toEqual([503]);
    const last = await request(defaults).get('/oauth/hubspot/install');
    expect(last.status).toBe(429);
    expect(last.headers['ratelimit']).toMatch(/limit=60/);

    const off = app(webDir, { oauth: false });
    for (let attempt = 0; attempt < 70; attempt += 1)
      expect((await request(off).get('/oauth/hubspot/install')).status).toBe(503);
  });

  it('behind a load balancer, each client has its own limit (TRUST_PROXY_HOPS)', async () => {
    const limits = { oauth: { limit: 1, windowMs: 60_000 } };
    const from = (target: ReturnType<typeof app>, ip: string) =>
      request(target).get('/oauth/hubspot/install').set('X-Forwarded-For', ip);
    const behind = app(webDir, limits, 1);
    expect((await from(behind, '203.0.113.7')).status).toBe(503);
    expect((await from(behind, '198.51.100.9')).status).toBe(503);
    expect((await from(behind, '203.0.113.7')).status).toBe(429);
    // Without it, the forwarded address is not believed: every caller shares the proxy's limit.
    const direct = app(webDir, limits);
    expect((await from(direct, '203.0.113.7')).status).toBe(503);
    expect((await from(direct, '198.51.100.9')).status).toBe(429);
  });
});
