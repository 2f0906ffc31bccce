import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPgliteStore } from '../../src/adapters/postgres';
import type { LedgerStore } from '../../src/ports/ledger';
import type { CollectionsStore } from '../../src/ports/store';
import { importData, ZERO, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CollectionsStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: Pick<CollectionsStore, 'kind' | 'migrate' | 'ping'>;
  let setup: LedgerStore;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('reports its engine and answers ping', async () => {
    expect(store.kind).toBe(engine.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('migrates idempotently, also when several migrations run at once', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    // On PostgreSQL a second pool migrates the same database; on PGlite it is a second, fresh database.
    const second = await engine.open();
    try {
      await Promise.all([store.migrate(), second.migrate(), store.migrate(), second.migrate()]);
      expect(await second.counts(newTenant())).toEqual(ZERO);
    } finally {
      await second.close();
    }
    expect(await setup.counts(tenant)).toEqual({
      customers: 2,
      invoices: 3,
      payments: 2,
      subscriptions: 1,
      disputes: 1,
    });
  });
});

describe('PGlite persistence', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'collections-store-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data in its data directory across close and reopen', async () => {
    const tenant = newTenant();
    const location = path.join(dataDir, 'nested', 'db');
    const first = await createPgliteStore({ dataDir: location });
    try {
      await first.migrate();
      await importData(first, tenant, sampleDataset());
    } finally {
      await first.close();
    }

    const reopened = await createPgliteStore({ dataDir: location });
    try {
      await reopened.migrate();
      expect(await reopened.listTenants()).toEqual([tenant]);
      expect(await reopened.counts(tenant)).toEqual({
        customers: 2,
        invoices: 3,
        payments: 2,
        subscriptions: 1,
        disputes: 1,
      });
      expect((await reopened.getAccountFacts(tenant, 'C-2'))?.invoices[0]?.amountMinor).toBe(9_876_543_210);
    } finally {
      await reopened.close();
    }
  });
});
