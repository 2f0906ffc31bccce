import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { CollectionsStore } from '../src/ports/store';

/** The store a benchmark measures: PostgreSQL when BENCH_DATABASE_URL is set, else PGlite in dataDir. */
export async function openBenchStore(dataDir: string): Promise<CollectionsStore> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  return databaseUrl
    ? createPostgresStore({ connectionString: databaseUrl })
    : createPgliteStore({ dataDir });
}
