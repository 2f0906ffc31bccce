import type { CollectionsStore } from '../../ports/store';
import { openNodePostgresClient } from './node-postgres-client';
import { openPgliteClient, type PgliteOptions } from './pglite-client';
import { createSqlStore } from './store';

export {
  DataDirLockedError,
  describeLockedDataDir,
  type DataDirHolder,
  type DataDirOwner,
} from './data-dir-lock';

/**
 * Embedded PostgreSQL persisted in `dataDir` (created when missing, locked while open: one process
 * at a time), or in memory without one.
 */
export async function createPgliteStore(
  options: { dataDir?: string } & PgliteOptions = {},
): Promise<CollectionsStore> {
  const { dataDir, ...rest } = options;
  return createSqlStore(await openPgliteClient(dataDir, rest));
}

/** A PostgreSQL server through a node-postgres pool; connections open on first use. */
export async function createPostgresStore(options: { connectionString: string }): Promise<CollectionsStore> {
  return createSqlStore(openNodePostgresClient(options.connectionString));
}
