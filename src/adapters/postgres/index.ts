import type { CollectionsStore } from '../../ports/store';
import { openNodePostgresClient } from './node-postgres-client';
import { openPgliteClient } from './pglite-client';
import { createSqlStore } from './store';

/** Embedded PostgreSQL persisted in `dataDir` (created when missing), or in memory without one. */
export async function createPgliteStore(options: { dataDir?: string } = {}): Promise<CollectionsStore> {
  return createSqlStore(await openPgliteClient(options.dataDir));
}

/** A PostgreSQL server through a node-postgres pool; connections open on first use. */
export async function createPostgresStore(options: { connectionString: string }): Promise<CollectionsStore> {
  return createSqlStore(openNodePostgresClient(options.connectionString));
}
