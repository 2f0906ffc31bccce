import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import request from 'supertest';
import { createRedisHitCounter } from '../src/adapters/redis/hit-counter';
import type { HitCounter } from '../src/ports/hit-counter';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp, type AppState } from '../server/http/app';
import type { PublicRateLimits } from '../server/http/security';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { apiContract } from './support/api-contract';

const contract = apiContract();

/** The app's own routes answer without the store for these requests. */
const store = { kind: 'pglite', ping: () => Promise.resolve() } as unknown as CollectionsStore;
const state: AppState = {
  startedAt: Date.now(),
  demo: { state: 'off', tenant: 'demo' },
  shuttingDown: false,
};

const REDIS_URL = process.env.REDIS_URL;

function app(
  webDir: string,
  rateLimits?: PublicRateLimits,
  trustProxyHops?: number,
  shared: { counter?: HitCounter; logger?: Logger } = {},
) {
  return contract.check(
    createHttpApp({
      ...(trustProxyHops === undefined ? {} : { trustProxyHops }),
      ...(shared.counter === undefined ? {} : { rateLimitCounter: shared.counter }),
      store,
      state,
      logger: shared.logger ?? pino({ level: 'silent' }),
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
    }),
  );
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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

  it('webhook limits count only refused deliveries: a burst of verified ones is never limited', async () => {
    const limited = app(webDir, { webhooks: { limit: 3, windowMs: 60_000, refusedOnly: true } });
    const body = '[]';
    const signed = () => {
      const timestamp = String(Date.now());
      return request(limited)
        .post('/webhooks/hubspot')
        .set('content-type', 'application/json')
        .set('X-HubSpot-Request-Timestamp', timestamp)
        .set(
          'X-HubSpot-Signature-v3',
          hubspotSignatureV3(
            'headers-secret',
            'POST',
            'https://collections.example.com/webhooks/hubspot',
            body,
            timestamp,
          ),
        )
        .send(body);
    };
    const verified: number[] = [];
    for (let delivery = 0; delivery < 10; delivery += 1) verified.push((await signed()).status);
    expect(verified).toEqual(Array.from({ length: 10 }, () => 200));
    const junk: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1)
      junk.push((await request(limited).post('/webhooks/hubspot').send(body)).status);
    expect(junk).toEqual([401, 401, 401, 429]);
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

  it('fails open when the shared counter is unreachable: requests pass, the outage is logged once', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
          done();
        },
      }),
    );
    const counter = createRedisHitCounter({ url: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const target = app(webDir, { webhooks: { limit: 1, windowMs: 60_000 } }, undefined, {
        counter,
        logger,
      });
      const started = Date.now();
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const answer = await request(target).post('/webhooks/hubspot').send('[]');
        expect(answer.status).toBe(401);
        expect(answer.headers['ratelimit']).toBeUndefined();
      }
      expect(Date.now() - started).toBeLessThan(3000);
      const outage = lines.filter((line) => line.msg.startsWith('public rate limits'));
      expect(outage).toEqual([
        expect.objectContaining({ level: 40, msg: expect.stringMatching(/unreachable/) }),
      ]);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    } finally {
      await counter.close();
    }
  });

  (REDIS_URL === undefined || REDIS_URL === '' ? describe.skip : describe)('shared through Redis', () => {
    const counters: HitCounter[] = [];
    /** One connection each, as separate server processes hold; one prefix is one deployment. */
    const openCounter = (prefix: string): HitCounter => {
      const counter = createRedisHitCounter({ url: REDIS_URL as string, prefix });
      counters.push(counter);
      return counter;
    };

    afterEach(() => Promise.all(counters.splice(0).map((counter) => counter.close())));

    it('two server processes share one budget per client', async () => {
      const deployment = `test-hits-${randomUUID()}:`;
      const limits = { webhooks: { limit: 5, windowMs: 60_000 } };
      const first = app(webDir, limits, undefined, { counter: openCounter(deployment) });
      const second = app(webDir, limits, undefined, { counter: openCounter(deployment) });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1)
        statuses.push(
          (
            await request(attempt % 2 === 0 ? first : second)
              .post('/webhooks/hubspot')
              .send('[]')
          ).status,
        );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const refused = await request(first).post('/webhooks/hubspot').send('[]');
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: 'rate_limited' });
      expect(refused.headers['ratelimit']).toMatch(/limit=5, remaining=0/);
      // Each public prefix keeps its own count; another deployment's counts are its own.
      expect((await request(second).get('/oauth/hubspot/install')).status).toBe(503);
      const elsewhere = app(webDir, limits, undefined, {
        counter: openCounter(`test-hits-${randomUUID()}:`),
      });
      expect((await request(elsewhere).post('/webhooks/hubspot').send('[]')).status).toBe(401);
    });

    it('counts hits per key in fixed windows, takes hits back and resets', async () => {
      const counter = openCounter(`test-hits-${randomUUID()}:`);
      expect((await counter.hit('a', 300)).hits).toBe(1);
      const second = await counter.hit('a', 300);
      expect(second.hits).toBe(2);
      expect(second.resetAt.getTime() - Date.now()).toBeGreaterThan(0);
      expect(second.resetAt.getTime() - Date.now()).toBeLessThanOrEqual(300);
      expect((await counter.hit('b', 300)).hits).toBe(1);
      await counter.unhit('a');
      expect((await counter.hit('a', 300)).hits).toBe(2);
      await counter.reset('a');
      expect((await counter.hit('a', 300)).hits).toBe(1);
      await counter.unhit('never-hit');
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await counter.hit('a', 300)).hits).toBe(1);
      expect((await counter.hit('never-hit', 300)).hits).toBe(1);
    });
  });
});
