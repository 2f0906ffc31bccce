import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import ts from 'typescript';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { generateDemoDataset } from '../src/use-cases/generate-demo-dataset';
import { importDataset } from '../src/use-cases/import-dataset';
import { createHttpApp } from '../server/http/app';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { SESSION_COOKIE, signSession, type WorkspaceSession } from '../server/http/workspace-session';
import { apiContract } from './support/api-contract';

const contract = apiContract();

const SECRET = 'isolation-client-secret';
const SESSION_SECRET = 'isolation-session-secret';
const BASE = 'https://collections.example.com';
const PORTAL_A = '1111';
const PORTAL_B = '2222';
const A = PORTAL_A as TenantId;
const B = PORTAL_B as TenantId;
const TODAY = '2026-09-15' as CalendarDate;

async function seed(store: CollectionsStore, tenant: TenantId, customers: number, seedValue: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-isolation-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const entry of generateDemoDataset({ customers, seed: seedValue, asOf: TODAY }))
      await writer.write(entry);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant });
    if (!result.ok) throw new Error(`import for ${tenant} failed`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Everything of tenant B that a request for tenant A could change or reveal. */
async function snapshot(store: CollectionsStore, tenant: TenantId) {
  return JSON.stringify({
    counts: await store.counts(tenant),
    pauses: [...(await store.listAutomationPauses(tenant)).entries()],
    tasks: await store.listTasks(tenant),
    acceptances: await store.listTermAcceptances(tenant),
    events: await store.listEvents(tenant, { limit: 500 }),
  });
}

describe('tenant isolation: portal A never reads or changes tenant B', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  const now = Date.now();
  /** A customer of B whose id and CRM company are unknown in A, with a pause set in B. */
  let victim: { customerId: string; crmCompanyId: string; name: string };
  /** Another customer of B, unknown in A, without a pause. */
  let unpaused: { customerId: string; crmCompanyId: string };

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    // Demo ids are sequential: A has cus_…01-30, B has cus_…01-70, so B's 31-70 do not exist in A.
    await seed(store, A, 30, 7);
    await seed(store, B, 70, 9);
    const candidates: { customerId: string; crmCompanyId: string; name: string }[] = [];
    for await (const facts of store.streamAccountFacts(B)) {
      const { customerId, crmCompanyId, name } = facts.customer;
      if (crmCompanyId === null || facts.invoices.length === 0) continue;
      if ((await store.getAccountFacts(A, customerId)) !== undefined) continue;
      if ((await store.findCustomerIdByCrmId(A, crmCompanyId)) !== undefined) continue;
      candidates.push({ customerId, crmCompanyId, name: name ?? customerId });
    }
    const [first, second] = candidates;
    if (first === undefined || second === undefined) throw new Error('no customers only in B');
    victim = first;
    unpaused = second;
    await store.pauseAutomation(B, victim.customerId, {
      reason: 'B paused this',
      until: '2026-12-01' as CalendarDate,
      actor: 'b-user@example.com',
    });
    app = contract.check(
      createHttpApp({
        store,
        state: { startedAt: now, demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: SECRET,
          publicBaseUrl: BASE,
          revopsUsers: ['ana@example.com'],
          demoTenant: 'demo' as TenantId,
          now: () => now,
          today: () => TODAY,
          sessionSecret: SESSION_SECRET,
        },
      }),
    );
  }, 180000);

  afterAll(() => store.close());

  /** A request signed by HubSpot for portal A (RevOps user, so nothing is refused for lack of role). */
  function signed(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown, portal = PORTAL_A) {
    const url = `/api/v1${route}?portalId=${portal}&userEmail=ana%40example.com`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(now);
    const call =
      method === 'GET'
        ? request(app).get(url)
        : method === 'POST'
          ? request(app).post(url)
          : request(app).delete(url);
    const headed = call
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(SECRET, method, `${BASE}${url.replace('%40', '@')}`, text, timestamp),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp);
    return body === undefined ? headed : headed.set('Content-Type', 'application/json').send(text);
  }

  /** A workspace session of tenant A, opened (say, by a forged record id) for one of B's records. */
  function sessionCookie(session: Partial<WorkspaceSession>): string {
    return `${SESSION_COOKIE}=${encodeURIComponent(
      signSession(SESSION_SECRET, {
        tenant: A,
        user: 'salesforce:005000000000001AAA',
        view: 'account',
        customerId: victim.customerId,
        crmRecordId: victim.crmCompanyId,
        exp: Math.floor(now / 1000) + 600,
        ...session,
      }),
    )}`;
  }

  const leaks = (body: unknown): boolean => {
    const text = JSON.stringify(body);
    return text.includes(victim.name) || text.includes('B paused this');
  };

  it('the two tenants really hold different data (the premise of every other test)', async () => {
    expect(await store.getAccountFacts(B, victim.customerId)).toBeDefined();
    expect(await store.getAccountFacts(A, victim.customerId)).toBeUndefined();
    expect(await store.getAutomationPause(B, victim.customerId)).toMatchObject({ reason: 'B paused this' });
    // Portal B itself sees the record: the refusals below are about the tenant, not the record.
    const own = await signed('GET', `/accounts/${victim.customerId}`, undefined, PORTAL_B);
    expect(own.body.ok).toBe(true);
  });

  it('GET /accounts/:id of a B customer: not found for A, nothing of B in the answer', async () => {
    const before = await snapshot(store, B);
    const viaSignature = await signed('GET', `/accounts/${victim.customerId}`);
    expect(viaSignature.body).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(leaks(viaSignature.body)).toBe(false);
    const viaSession = await request(app)
      .get(`/api/v1/accounts/${victim.customerId}`)
      .set('Cookie', sessionCookie({}));
    expect(viaSession.body).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(leaks(viaSession.body)).toBe(false);
    expect(await snapshot(store, B)).toBe(before);
  });

  it('POST /accounts/:id/pause of a B customer: unknown customer, no pause created in B', async () => {
    const before = await snapshot(store, B);
    const pause = { reason: 'A tries to pause B', until: '2026-10-01' };
    const viaSignature = await signed('POST', `/accounts/${unpaused.customerId}/pause`, pause);
    expect(viaSignature.body).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/unknown/) },
    });
    const viaSession = await request(app)
      .post(`/api/v1/accounts/${unpaused.customerId}/pause`)
      .set('Cookie', sessionCookie({ customerId: unpaused.customerId }))
      .send(pause);
    expect(viaSession.body).toMatchObject({ ok: false });
    expect(await store.getAutomationPause(B, unpaused.customerId)).toBeNull();
    expect(await store.getAutomationPause(A, unpaused.customerId)).toBeNull();
    expect(await snapshot(store, B)).toBe(before);
  });

  it("DELETE /accounts/:id/pause of a B customer: nothing resumed, B's pause stays", async () => {
    const before = await snapshot(store, B);
    const viaSignature = await signed('DELETE', `/accounts/${victim.customerId}/pause`);
    expect(viaSignature.body).toEqual({ ok: true, resumed: false });
    const viaSession = await request(app)
      .delete(`/api/v1/accounts/${victim.customerId}/pause`)
      .set('Cookie', sessionCookie({}));
    expect(viaSession.body).toEqual({ ok: true, resumed: false });
    expect(await store.getAutomationPause(B, victim.customerId)).toMatchObject({ reason: 'B paused this' });
    expect(await snapshot(store, B)).toBe(before);
  });

  it("GET /companies/:id/collections of B's company: 403, nothing of B in the answer", async () => {
    const answer = await signed('GET', `/companies/${victim.crmCompanyId}/collections`);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(leaks(answer.body)).toBe(false);
    // An embedded session cannot reach the company cards at all.
    const viaSession = await request(app)
      .get(`/api/v1/companies/${victim.crmCompanyId}/collections`)
      .set('Cookie', sessionCookie({}));
    expect(viaSession.status).toBe(403);
    expect(leaks(viaSession.body)).toBe(false);
  });

  it("POST /companies/:id/tasks on B's company: 403, no task created in either tenant", async () => {
    const before = await snapshot(store, B);
    const tasksOfA = (await store.listTasks(A)).length;
    const answer = await signed('POST', `/companies/${victim.crmCompanyId}/tasks`, {
      title: 'A writes into B',
      dueOn: '2026-09-20',
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A company known nowhere: no billing data, still nothing written.
    const nowhere = await signed('POST', '/companies/99999999999/tasks', {
      title: 'nobody',
      dueOn: '2026-09-20',
    });
    expect(nowhere.body).toMatchObject({ ok: false, error: { code: 'no_billing_data' } });
    expect(await snapshot(store, B)).toBe(before);
    expect((await store.listTasks(A)).length).toBe(tasksOfA);
  });

  it("POST /deals/:id/payment-terms with B's customer: 422 unknown customer, no acceptance in B", async () => {
    const before = await snapshot(store, B);
    const deal = { customerId: victim.customerId, amount: '120000.00', currency: 'USD', months: 12 };
    const recommend = await signed('POST', '/deals/deal-1/payment-terms', deal);
    expect(recommend.status).toBe(422);
    expect(recommend.body).toMatchObject({ ok: false, error: { path: 'customerId' } });
    const accept = await signed('POST', '/deals/deal-1/payment-terms/accept', {
      ...deal,
      optionId: 'net30',
    });
    expect(accept.status).toBe(422);
    // B's CRM company is not mapped in A: it is treated as an anonymous prospect, never as B's customer.
    const byCompany = await signed('POST', '/deals/deal-1/payment-terms', {
      crmCompanyId: victim.crmCompanyId,
      amount: '120000.00',
      currency: 'USD',
    });
    expect(JSON.stringify(byCompany.body)).not.toContain(victim.customerId);
    expect(leaks(byCompany.body)).toBe(false);
    // The same through a deal-view session of tenant A.
    const viaSession = await request(app)
      .post('/api/v1/deals/deal-1/payment-terms')
      .set('Cookie', sessionCookie({ view: 'opportunity-terms', customerId: null, crmRecordId: 'deal-1' }))
      .send(deal);
    expect(viaSession.status).toBe(422);
    expect(await store.listTermAcceptances(B)).toEqual([]);
    expect(await snapshot(store, B)).toBe(before);
  });

  it('a signed request cannot smuggle a second portal id, and a session cannot be re-pointed at B', async () => {
    const url = `/api/v1/accounts/${victim.customerId}?portalId=${PORTAL_A}&portalId=${PORTAL_B}&userEmail=ana%40example.com`;
    const timestamp = String(now);
    const polluted = await request(app)
      .get(url)
      .set(
        'X-HubSpot-Signature-v3',
        hubspotSignatureV3(SECRET, 'GET', `${BASE}${url.replace('%40', '@')}`, '', timestamp),
      )
      .set('X-HubSpot-Request-Timestamp', timestamp);
    expect(polluted.status).toBe(401);
    // Re-signing is impossible without the secret: swap the tenant in the body, keep A's signature.
    const cookie = decodeURIComponent(sessionCookie({}).slice(SESSION_COOKIE.length + 1));
    const [body, signature] = cookie.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as WorkspaceSession;
    const swapped = `${Buffer.from(JSON.stringify({ ...claims, tenant: B })).toString('base64url')}.${signature}`;
    const answer = await request(app)
      .get(`/api/v1/accounts/${victim.customerId}`)
      .set('Cookie', `${SESSION_COOKIE}=${encodeURIComponent(swapped)}`);
    expect(answer.status).toBe(401);
    expect(leaks(answer.body)).toBe(false);
  });
});

/**
 * SQL in the Postgres adapter is parameterised ($1, $2, …). Template literals may interpolate only
 * identifiers and fragments built from constants (table names, column lists, ORDER BY); every such
 * interpolation is listed here, so a new one (possibly a value) fails until someone looks at it.
 */
describe('static check: no values interpolated into SQL in src/adapters/postgres', () => {
  const DIR = path.resolve(__dirname, '..', 'src', 'adapters', 'postgres');
  /** file → the interpolated expressions allowed in SQL-looking template literals there. */
  const ALLOWED: Record<string, readonly string[]> = {
    'cards.ts': ['order'],
    'crm-installations.ts': ['INSTALLATION_COLUMNS'],
    'customer-directory.ts': ['COLUMNS'],
    'account-facts.ts': [
      'where',
      'CUSTOMER_COLUMNS',
      'CUSTOMER_FIELDS',
      'columns',
      'from',
      'fields',
      'table',
      "after ? ' AND customer_id > $3' : ''",
    ],
    'entity-tables.ts': [
      'quoted(column.name)',
      'column.type',
      "isIdColumn(column.name) ? ' COLLATE \"C\"' : ''",
      'table.stage',
      'columns.join',
      'index + 2',
      "column.type === 'bigint' ? 'bigint' : 'text'",
      'column.name',
      "column.type === 'date' ? '::date' : ''",
      'names.join',
      'selected.join',
      'arrays.join',
      'name',
      'table.table',
      'id',
      'values.map((name) => `${name} = EXCLUDED.${name}`).join',
      'current.join',
      'incoming.join',
    ],
    'import-session.ts': [
      'STAGED_INVOICES',
      'id',
      'table.stage',
      'ENTITY_TABLES.map((table) => table.stage).join',
      'changed.map((table) => table.table).join',
      'bulk.map((table) => table.table).join',
    ],
    'policy-versions.ts': ['table', 'select', 'policy.table'],
    'portfolio-snapshots.ts': [
      'table.stage',
      'staged',
      'table.table',
      'stored',
      'id',
      'theirs',
      'mine',
      "changedStagedRows(INVOICES, 's', 'i')",
      "changedStagedRows(PAYMENTS, 'p', 'a')",
    ],
  };
  const SQL =
    /\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|WITH|CREATE|ANALYZE|VACUUM|ORDER BY|RETURNING|COLLATE)\b|\$\d/;

  /** `names.join(', ')` → `names.join`: calls are named without their arguments. */
  const shape = (node: ts.Expression, source: ts.SourceFile): string =>
    ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)
      ? node.expression.getText(source)
      : node.getText(source);

  function interpolations(file: string): string[] {
    return interpolationsIn(file, readFileSync(path.join(DIR, file), 'utf8'));
  }

  function interpolationsIn(file: string, text: string): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isTemplateExpression(node)) {
        const literal = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' ');
        const parent = node.parent;
        const queried =
          ts.isCallExpression(parent) &&
          ts.isPropertyAccessExpression(parent.expression) &&
          ['query', 'exec'].includes(parent.expression.name.text);
        if (SQL.test(literal) || queried)
          for (const span of node.templateSpans) found.push(shape(span.expression, source));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  }

  const files = readdirSync(DIR).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

  it.each(files)('%s interpolates only listed identifiers and fragments', (file) => {
    const allowed = new Set(ALLOWED[file] ?? []);
    const unexpected = interpolations(file).filter((expression) => !allowed.has(expression));
    expect(unexpected).toEqual([]);
  });

  it('the check sees interpolations at all (and would catch a value)', () => {
    expect(interpolations('cards.ts')).toContain('order');
    const sample = [
      'db.query(`SELECT * FROM customers WHERE customer_id = ${customerId}`);',
      'const sql = `UPDATE tasks SET title = ${title} WHERE id = $1`;',
      'throw new Error(`unknown invoice ${invoiceId}`);',
    ].join('\n');
    expect(interpolationsIn('sample.ts', sample)).toEqual(['customerId', 'title']);
  });
});
