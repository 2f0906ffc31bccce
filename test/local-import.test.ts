import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp, type AppState } from '../server/http/app';
import { LOCAL_IMPORT_PATH } from '../server/http/local-import';

const TOKEN = 'lock-file-token-0123456789abcdef';

describe('the import the CLI hands to the server that owns the embedded store', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  let work: string;
  const imported: TenantId[] = [];

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-local-import-'));
    await writeFile(
      path.join(work, 'invoices.csv'),
      'invoice_id,customer_id,currency,amount,issued_on,due_on\n' +
        'INV-1,C-1,USD,100.00,2026-01-01,2026-01-31\n' +
        'INV-2,C-1,USD,25.50,2026-02-01,2026-03-03\n',
    );
    const state: AppState = {
      startedAt: Date.now(),
      demo: { state: 'off', tenant: 'demo' },
      shuttingDown: false,
    };
    app = createHttpApp({
      store,
      state,
      logger: pino({ level: 'silent' }),
      localImport: {
        token: TOKEN,
        readDataset: createCsvDatasetReader,
        today: () => '2026-03-10' as CalendarDate,
        onImported: (tenant) => imported.push(tenant),
      },
    });
  });

  afterAll(async () => {
    await store.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a caller without the lock file token, and writes nothing', async () => {
    const body = { dir: work, tenant: 'acme' };
    expect((await request(app).post(LOCAL_IMPORT_PATH).send(body)).status).toBe(401);
    const wrong = await request(app)
      .post(LOCAL_IMPORT_PATH)
      .set('authorization', `Bearer ${TOKEN.slice(0, -1)}x`)
      .send(body);
    expect(wrong.status).toBe(401);
    expect(await store.listTenants()).toEqual([]);
  });

  it('names the bad field of a request (relative folder, missing folder, bad tenant)', async () => {
    const post = (body: object) =>
      request(app).post(LOCAL_IMPORT_PATH).set('authorization', `Bearer ${TOKEN}`).send(body);
    expect((await post({ dir: 'book', tenant: 'acme' })).body).toMatchObject({ field: 'dir' });
    const missing = await post({ dir: path.join(work, 'nope'), tenant: 'acme' });
    expect([missing.status, missing.body.field]).toEqual([422, 'dir']);
    const tenant = await post({ dir: work, tenant: 'no spaces' });
    expect([tenant.status, tenant.body.field]).toEqual([422, 'tenant']);
    expect(await store.listTenants()).toEqual([]);
  });

  it('imports the folder with the token and answers progress lines, then the result', async () => {
    const response = await request(app)
      .post(LOCAL_IMPORT_PATH)
      .set('authorization', `Bearer ${TOKEN}`)
      .send({ dir: work, tenant: 'acme' });
    expect(response.status).toBe(200);
    const lines = response.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; result?: { ok: boolean; rows: object } });
    expect(lines.at(-1)).toMatchObject({ type: 'result', result: { ok: true, rows: { 'invoices.csv': 2 } } });
    expect(lines.slice(0, -1).every((line) => line.type === 'progress')).toBe(true);
    expect(await store.counts('acme' as TenantId)).toMatchObject({ invoices: 2, customers: 1 });
    expect(imported).toEqual(['acme']);
  });
});
