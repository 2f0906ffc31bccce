import { openPgliteClient } from './pglite-client';
import type { SqlClient, SqlStatement, TuplesOptions } from './sql-client';

/**
 * A keyset walk's next page is read by PGlite's thread while the caller works through the current
 * one. Every read of a row is written down by the query itself (noted()), so a test sees which pages
 * were read, how often, and whether the read was committed or rolled back with a transaction.
 */
let client: SqlClient;

const IDS = Array.from({ length: 10 }, (_, index) => `k${String(index + 1).padStart(2, '0')}`);
const PAGE = 3;

const FIRST = 'SELECT id, n FROM item WHERE noted(id) ORDER BY id LIMIT $1';
const NEXT = 'SELECT id, n FROM item WHERE id > $2 AND noted(id) ORDER BY id LIMIT $1';
const CHILD = 'SELECT $1::text AS marker, $2::text AS first, $3::text AS last';
const KEYSET: TuplesOptions = {
  keyRangeOfFirst: true,
  keyset: { next: { sql: NEXT, params: [PAGE] }, rows: PAGE },
};

const page = (after?: string): SqlStatement[] => [
  after === undefined ? { sql: FIRST, params: [PAGE] } : { sql: NEXT, params: [PAGE, after] },
  { sql: CHILD, params: ['child'] },
];

async function walk(after?: string) {
  const results = await client.queryTuples(page(after), KEYSET);
  const rows = results.rows<[string, number]>(0);
  const child = results.rows<[string, string | null, string | null]>(1);
  results.release();
  return { rows, child };
}

/** How many times each id was read, in id order; ids never read are left out. */
async function reads(): Promise<Record<string, number>> {
  const rows = await client.query<{ id: string; times: number }>(
    'SELECT id, count(*)::integer AS times FROM reads GROUP BY id ORDER BY id',
  );
  return Object.fromEntries(rows.map(({ id, times }) => [id, times]));
}

const once = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));

beforeEach(async () => {
  client = await openPgliteClient(undefined);
  await client.exec(`
    CREATE TABLE item (id text COLLATE "C" PRIMARY KEY, n integer NOT NULL);
    CREATE TABLE reads (id text NOT NULL);
    CREATE FUNCTION noted(text) RETURNS boolean VOLATILE LANGUAGE sql
      AS 'INSERT INTO reads VALUES ($1); SELECT true';
    INSERT INTO item SELECT 'k' || lpad(i::text, 2, '0'), i FROM generate_series(1, 10) i;
  `);
});

afterEach(async () => {
  await client.close();
});

describe('PGlite reads the next keyset page ahead', () => {
  it('reads the next page as soon as a full page is answered, and answers the next request with it', async () => {
    const first = await walk();
    expect(first.rows).toEqual([
      ['k01', 1],
      ['k02', 2],
      ['k03', 3],
    ]);
    expect(first.child).toEqual([['child', 'k01', 'k03']]);
    // The next page (k04–k06) was read before it was asked for; this count waits behind it.
    expect(await reads()).toEqual(once(...IDS.slice(0, 6)));

    await client.exec('TRUNCATE reads');
    // The count above dropped the page read ahead: it is read again, and the one after it ahead.
    expect((await walk('k03')).rows.map(([id]) => id)).toEqual(['k04', 'k05', 'k06']);
    const second = await walk('k06');
    expect(second.rows.map(([id]) => id)).toEqual(['k07', 'k08', 'k09']);
    expect(second.child).toEqual([['child', 'k07', 'k09']]);
    // k07–k09 were read once, ahead, and that read answered; k10 is the page after, read ahead too.
    expect(await reads()).toEqual(once(...IDS.slice(3)));
  });

  it('walks the same pages with or without reading ahead, and reads nothing past a short page', async () => {
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const { rows } = await walk(after);
      pages.push(rows.map(([id]) => id));
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]?.[0];
    }
    expect(pages).toEqual([IDS.slice(0, 3), IDS.slice(3, 6), IDS.slice(6, 9), IDS.slice(9)]);
    // Each page read once: ahead of its request, and no page after the short last one.
    expect(await reads()).toEqual(once(...IDS));
  });

  it('drops the page read ahead when anything else is asked first: a write before the next page shows in it', async () => {
    await walk();
    await client.query('UPDATE item SET n = 40 WHERE id = $1', ['k04']);
    const next = await walk('k03');
    expect(next.rows[0]).toEqual(['k04', 40]);
    // k04–k06 were read twice: ahead (dropped by the update), then for the request.
    expect((await reads()).k04).toBe(2);
  });

  it('answers a request other than the one guessed for itself', async () => {
    await walk();
    const other = await walk('k07');
    expect(other.rows.map(([id]) => id)).toEqual(['k08', 'k09', 'k10']);
    expect(other.child).toEqual([['child', 'k08', 'k10']]);
  });

  it('reads ahead outside any transaction: a transaction opened after the page and rolled back keeps its reads', async () => {
    await walk();
    await expect(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO reads VALUES ($1)', ['inside']);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await reads()).toEqual(once(...IDS.slice(0, 6)));
  });

  it('closes while a page is being read ahead', async () => {
    await walk();
    await expect(client.close()).resolves.toBeUndefined();
    client = await openPgliteClient(undefined);
  });
});
