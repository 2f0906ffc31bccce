import { randomUUID } from 'node:crypto';
import { openNodePostgresClient } from './node-postgres-client';
import { openPgliteClient } from './pglite-client';
import type { SqlClient, SqlStatement, TupleResults, TuplesOptions } from './sql-client';

/**
 * queryTuples answers alike on both engines: PGlite hands over PostgreSQL's wire messages (binary
 * format), node-postgres decodes text rows. Values are checked against what was inserted.
 */
const databaseUrl = process.env.DATABASE_URL;
const engines: { name: string; open: () => Promise<SqlClient> }[] = [
  { name: 'pglite', open: () => openPgliteClient(undefined) },
];
if (databaseUrl !== undefined && databaseUrl !== '')
  engines.push({ name: 'postgres', open: async () => openNodePostgresClient(databaseUrl) });

type Row = [string, number | null, string | null, boolean | null, string | null];

describe.each(engines)('queryTuples on $name', ({ open }) => {
  let client: SqlClient;
  const table = `tuples_${randomUUID().replaceAll('-', '')}`;
  const SELECT = `SELECT id, big, day, flag, note FROM ${table}`;

  beforeAll(async () => {
    client = await open();
    await client.exec(`CREATE TABLE ${table} (id text COLLATE "C" PRIMARY KEY, big bigint, day date,
      flag boolean, note text)`);
    await client.query(
      `INSERT INTO ${table} VALUES ('a', -9007199254740991, '2026-02-28', true, 'ünï, "x"\n'),
        ('b', NULL, NULL, NULL, NULL), ('c', 42, '1999-12-31', false, '')`,
    );
  });

  afterAll(async () => {
    await client.exec(`DROP TABLE ${table}`);
    await client.close();
  });

  function tuples(statements: readonly SqlStatement[], options?: TuplesOptions): Promise<TupleResults> {
    return client.queryTuples(statements, options);
  }

  const inserted: Row[] = [
    ['a', -9007199254740991, '2026-02-28', true, 'ünï, "x"\n'],
    ['b', null, null, null, null],
    ['c', 42, '1999-12-31', false, ''],
  ];

  it('reads rows, mapped rows and a cursor as they were inserted, each statement apart', async () => {
    const results = await tuples([
      { sql: `${SELECT} ORDER BY id`, params: [] },
      { sql: `${SELECT} WHERE id = $1`, params: ['c'] },
    ]);
    expect(results.rows<Row>(0)).toEqual(inserted);
    expect(results.rows<Row>(1)).toEqual([inserted[2]]);
    expect(results.map<Row, string>(0, (field) => `${field(0)}:${field(1)}`)).toEqual([
      'a:-9007199254740991',
      'b:null',
      'c:42',
    ]);
    const cursor = results.cursor<Row>(0);
    const read: string[] = [];
    for (let id = cursor.peek(0); id !== undefined; id = cursor.peek(0))
      read.push(`${id}${cursor.take((field) => field(2)) ?? '-'}`);
    expect(read).toEqual(['a2026-02-28', 'b-', 'c1999-12-31']);
    expect(() => results.rows(2)).toThrow(RangeError);
    results.release();
    expect(() => results.rows(0)).toThrow();
  });

  it('appends the first statement’s first and last keys to the others, nulls when it has none', async () => {
    const page = (after: string) => [
      { sql: `SELECT id FROM ${table} WHERE id > $1 ORDER BY id LIMIT 2`, params: [after] },
      { sql: 'SELECT $1::text AS marker, $2::text AS first, $3::text AS last', params: ['m'] },
    ];
    const some = await tuples(page(''), { keyRangeOfFirst: true });
    expect(some.rows(1)).toEqual([['m', 'a', 'b']]);
    const none = await tuples(page('c'), { keyRangeOfFirst: true });
    expect(none.rows(0)).toEqual([]);
    expect(none.rows(1)).toEqual([['m', null, null]]);
  });

  it('reports a failed statement with its SQLSTATE and goes on', async () => {
    await expect(tuples([{ sql: 'SELECT * FROM no_such_table', params: [] }])).rejects.toMatchObject({
      code: '42P01',
    });
    expect((await tuples([{ sql: 'SELECT 1 AS one', params: [] }])).rows(0)).toEqual([[1]]);
  });

  it('refuses a BIGINT beyond 2^53 − 1 rather than rounding it', async () => {
    const read = async () =>
      (await tuples([{ sql: 'SELECT 9007199254740993::bigint AS big', params: [] }])).rows(0);
    await expect(read()).rejects.toThrow(/9007199254740993 is not a safe integer/);
  });
});
