import pg from 'pg';
import { openNodePostgresClient } from './node-postgres-client';

const url = process.env.DATABASE_URL;

// The server ending our connections (pg_terminate_backend, a failover, a proxy restart) fails the
// queries that were running and nothing else: the process lives on and the next query reconnects.
(url === undefined || url === '' ? describe.skip : describe)(
  'node-postgres client: dropped connections',
  () => {
    const admin = new pg.Client({ connectionString: url });
    beforeAll(() => admin.connect());
    afterAll(() => admin.end());

    const terminate = async (where: string) =>
      (
        await admin.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
        )
      ).rows.length;

    it('fails the query in flight, then works again', async () => {
      const client = openNodePostgresClient(url as string);
      try {
        const tag = `drop_${process.pid}_${Date.now()}`;
        const running = client.query(`SELECT pg_sleep(10) AS ${tag}`).catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await terminate(`query LIKE '%${tag}%'`)).toBe(1);
        const error = (await running) as { code?: string };
        expect(error).toBeInstanceOf(Error);
        expect(error.code).toBe('57P01');
        expect(await client.query<{ n: number }>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
      } finally {
        await client.close();
      }
    });

    it('rolls back a transaction whose connection was ended, and the next one commits', async () => {
      const client = openNodePostgresClient(url as string);
      const table = `drop_tx_${process.pid}`;
      try {
        await client.exec(`CREATE TABLE IF NOT EXISTS ${table} (n integer)`);
        const tag = `drop_tx_${Date.now()}`;
        const failed = client
          .transaction(async (tx) => {
            await tx.query(`INSERT INTO ${table} VALUES (1)`);
            await tx.query(`SELECT pg_sleep(10) AS ${tag}`);
          })
          .catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await terminate(`query LIKE '%${tag}%'`);
        expect(await failed).toBeInstanceOf(Error);
        await client.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} VALUES (2)`);
        });
        expect(await client.query<{ n: number }>(`SELECT n FROM ${table} ORDER BY n`)).toEqual([{ n: 2 }]);
        // Idle connections ended too: a query handed one before its end was read fails (its job or
        // request is retried); the pool drops it and opens a new one.
        await terminate(`state = 'idle'`);
        const first = await client.query<{ n: number }>('SELECT 3 AS n').catch((error: unknown) => error);
        if (first instanceof Error) expect((first as { code?: string }).code).toBe('57P01');
        else expect(first).toEqual([{ n: 3 }]);
        expect(await client.query<{ n: number }>('SELECT 4 AS n')).toEqual([{ n: 4 }]);
      } finally {
        await client.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
        await client.close();
      }
    });
  },
);
