import { openPgliteClient } from './pglite-client';
import type { SqlClient } from './sql-client';

describe('PGlite client: prepared statements', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await openPgliteClient(undefined);
    await client.exec(`
      CREATE TABLE items (id text PRIMARY KEY, amount bigint, due date, tags text[]);
      INSERT INTO items VALUES ('a', 9007199254740991, '2026-02-28', '{x,y}'), ('b', NULL, NULL, '{}');
    `);
  });

  afterAll(() => client.close());

  const SELECT =
    'SELECT id, amount, due, tags FROM items WHERE id = ANY($1::text[]) AND $2::int > 0 ORDER BY id';

  it('answers what the same statement answers unprepared: bigint as a number, date as its text, nulls', async () => {
    const plain = await client.query(SELECT, [['a', 'b', 'c'], 1]);
    expect(plain).toEqual([
      { id: 'a', amount: 9007199254740991, due: '2026-02-28', tags: ['x', 'y'] },
      { id: 'b', amount: null, due: null, tags: [] },
    ]);
    expect(await client.query(SELECT, [['a', 'b', 'c'], 1], { prepare: 'items_by_id' })).toEqual(plain);
    expect(await client.query(SELECT, [['b'], 1], { prepare: 'items_by_id' })).toEqual([plain[1]]);
    expect(await client.query(SELECT, [['a'], 0], { prepare: 'items_by_id' })).toEqual([]);
  });

  it('refuses a name already prepared with other SQL', async () => {
    await client.query('SELECT 1 AS one', [], { prepare: 'taken' });
    await expect(client.query('SELECT 2 AS two', [], { prepare: 'taken' })).rejects.toThrow(
      /already prepared/,
    );
  });

  it('reports a failing execution and keeps the connection and the statement usable', async () => {
    const divide = 'SELECT 10 / $1::int AS quotient';
    await expect(client.query(divide, [0], { prepare: 'divide' })).rejects.toThrow(/division by zero/);
    expect(await client.query(divide, [5], { prepare: 'divide' })).toEqual([{ quotient: 2 }]);
    expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('runs inside transactions: a failure rolls the transaction back, and the statement outlives it', async () => {
    const insert = 'INSERT INTO items (id, amount) VALUES ($1, $2) RETURNING id';
    await expect(
      client.transaction(async (tx) => {
        await tx.query(insert, ['c', 1], { prepare: 'insert_item' });
        await tx.query(insert, ['c', 2], { prepare: 'insert_item' });
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await client.query('SELECT id FROM items WHERE id = $1', ['c'])).toEqual([]);
    await client.transaction((tx) => tx.query(insert, ['d', 4], { prepare: 'insert_item' }));
    expect(await client.query('SELECT amount FROM items WHERE id = $1', ['d'])).toEqual([{ amount: 4 }]);
  });
});
