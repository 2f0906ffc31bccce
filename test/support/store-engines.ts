import { randomUUID } from 'node:crypto';
import { createPgliteStore, createPostgresStore } from '../../src/adapters/postgres';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';

export type StoreEngine = { name: 'pglite' | 'postgres'; open: () => Promise<CollectionsStore> };

const databaseUrl = process.env.DATABASE_URL;

/** Every engine the store runs on here: PGlite always, PostgreSQL when DATABASE_URL names a server. */
export const storeEngines: StoreEngine[] = [{ name: 'pglite', open: () => createPgliteStore() }];
if (databaseUrl !== undefined && databaseUrl !== '') {
  storeEngines.push({
    name: 'postgres',
    open: () => createPostgresStore({ connectionString: databaseUrl }),
  });
}

/** A tenant no earlier run used: suites share one PostgreSQL database. */
export function newTenant(): TenantId {
  const tenant = parseTenantId(`t-${randomUUID()}`);
  if (tenant === undefined) throw new Error('generated tenant id is invalid');
  return tenant;
}

/**
 * One store of `engine` for the tests of the calling describe block: opened and migrated (twice, so a
 * second migration is proved harmless) before them, closed after. The block runs in a zone west of UTC:
 * a date that went through a Date object would come back a day early. A suite types the store as the
 * port it checks, and as the ports it arranges data and cross-checks with, apart.
 */
export function storeFor(engine: StoreEngine): () => CollectionsStore {
  let store: CollectionsStore | undefined;
  const originalTz = process.env.TZ;

  beforeAll(async () => {
    process.env.TZ = 'America/Los_Angeles';
    store = await engine.open();
    await store.migrate();
    await store.migrate();
  });

  afterAll(async () => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
    await store?.close();
  });

  return () => {
    if (store === undefined) throw new Error('the store opens in beforeAll');
    return store;
  };
}
