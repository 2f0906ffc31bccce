import fc from 'fast-check';
import { openPgliteClient } from './pglite-client';
import type { SqlClient, SqlStatement } from './sql-client';
import { readWireResults } from './wire-rows';

/** Bounded and seeded: a failure names its seed and counterexample, and the run is reproducible. */
const RUNS = { numRuns: 40, seed: 20261207 } as const;

type Row = [
  number,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  string | null,
  boolean | null,
];

const COLUMNS = 'id, label, code, tag, big, small, mid, day, flag';

let client: SqlClient;

beforeAll(async () => {
  client = await openPgliteClient(undefined);
  await client.exec(`CREATE TABLE probe (id integer PRIMARY KEY, label text, code varchar(64), tag char(3),
    big bigint, small smallint, mid integer, day date, flag boolean)`);
});

afterAll(async () => {
  await client.close();
});

function tuples(statements: readonly SqlStatement[], options?: { keyRangeOfFirst?: boolean }) {
  return client.queryTuples(statements, options);
}

// Text PostgreSQL can hold (no NUL) that JavaScript can round-trip (no lone surrogate), with the
// characters every row format has to escape or count right mixed in.
const HOSTILE = [
  '',
  "'",
  '"',
  ',',
  ';',
  '\n',
  '\r\n',
  '\t',
  '\\',
  '\\N',
  'NULL',
  ' ',
  'ünï',
  '日本語',
  '😀',
  '\u2028',
];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const text = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 12 })), {
    maxLength: 6,
  })
  .map((parts) => parts.join(''))
  .filter((value) => !value.includes('\u0000') && !LONE_SURROGATE.test(value));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const isoDay = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((instant) => instant.toISOString().slice(0, 10));
const safeBig = fc.oneof(
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, -1),
  fc.maxSafeInteger(),
);

const row = (id: number): fc.Arbitrary<Row> =>
  fc.tuple(
    fc.constant(id),
    nullable(text),
    nullable(text.map((value) => [...value].slice(0, 64).join(''))),
    nullable(fc.stringMatching(/^[A-Z]{3}$/)),
    nullable(safeBig),
    nullable(fc.integer({ min: -32768, max: 32767 })),
    nullable(fc.integer({ min: -2147483648, max: 2147483647 })),
    nullable(isoDay),
    nullable(fc.boolean()),
  );
const table = fc
  .integer({ min: 0, max: 25 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => row(index + 1))));

describe('rows read from the wire (PGlite queryTuples)', () => {
  it('returns every value exactly as it was written through SQL', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (rows) => {
        await client.exec('TRUNCATE probe');
        for (const values of rows)
          await client.query(
            `INSERT INTO probe (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            values,
          );
        const results = await tuples([{ sql: `SELECT ${COLUMNS} FROM probe ORDER BY id`, params: [] }]);
        expect(results.rows<Row>(0)).toEqual(rows);
      }),
      RUNS,
    );
  });

  it('binds parameters as text, NULL as null, and keeps each statement’s rows apart', async () => {
    await client.exec('TRUNCATE probe');
    await client.query(`INSERT INTO probe (id, label) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    const results = await tuples([
      { sql: 'SELECT id, label FROM probe WHERE id >= $1 ORDER BY id', params: [2] },
      { sql: 'SELECT $1::text AS given, $2::text AS missing', params: ['it\'s, "quoted"\n', null] },
      { sql: 'SELECT id FROM probe WHERE false', params: [] },
    ]);
    expect(results.rows(0)).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(results.rows(1)).toEqual([['it\'s, "quoted"\n', null]]);
    expect(results.rows(2)).toEqual([]);
    expect(() => results.rows(3)).toThrow(RangeError);
  });

  it('appends the first and last key of the first statement to the others, nulls when it has none', async () => {
    await client.exec('TRUNCATE probe');
    await client.query(`INSERT INTO probe (id, label) VALUES (1, 'k-b'), (2, 'k-a'), (3, 'k-d'), (4, 'k-c')`);
    const page = (limit: number, after: string) => [
      { sql: 'SELECT label FROM probe WHERE label > $2 ORDER BY label LIMIT $1', params: [limit, after] },
      { sql: 'SELECT $1::integer AS marker, $2::text AS first, $3::text AS last', params: [7] },
    ];
    const some = await tuples(page(2, 'k-a'), { keyRangeOfFirst: true });
    expect(some.rows(0)).toEqual([['k-b'], ['k-c']]);
    expect(some.rows(1)).toEqual([[7, 'k-b', 'k-c']]);
    const none = await tuples(page(2, 'k-z'), { keyRangeOfFirst: true });
    expect(none.rows(0)).toEqual([]);
    expect(none.rows(1)).toEqual([[7, null, null]]);
  });

  it('reports the database error of a failed statement, and the session goes on', async () => {
    const failing = tuples([
      { sql: 'SELECT 1 AS one', params: [] },
      { sql: 'SELECT * FROM no_such_table', params: [] },
      { sql: 'SELECT 2 AS two', params: [] },
    ]);
    await expect(failing).rejects.toMatchObject({
      code: '42P01',
      message: expect.stringContaining('no_such_table'),
    });
    expect((await tuples([{ sql: 'SELECT 3 AS three', params: [] }])).rows(0)).toEqual([[3]]);
  });

  it('refuses a BIGINT beyond 2^53 − 1 when its rows are read, and a column type it does not read', async () => {
    const big = await tuples([{ sql: 'SELECT 9007199254740993::bigint AS big', params: [] }]);
    expect(() => big.rows(0)).toThrow(/9007199254740993 is not a safe integer/);
    await expect(tuples([{ sql: 'SELECT now() AS at', params: [] }])).rejects.toThrow(/column at: type oid/);
  });

  it('keeps dates that are not YYYY-MM-DD as PostgreSQL wrote them', async () => {
    const results = await tuples([
      {
        sql: `SELECT 'infinity'::date, '-infinity'::date, '0044-03-15 BC'::date, '0001-01-01 BC'::date,
          '10000-01-01'::date, '0001-01-01'::date, '2024-02-29'::date, '2024-02-29'::date`,
        params: [],
      },
    ]);
    expect(results.rows(0)).toEqual([
      [
        'infinity',
        '-infinity',
        '0044-03-15 BC',
        '0001-01-01 BC',
        '10000-01-01',
        '0001-01-01',
        '2024-02-29',
        '2024-02-29',
      ],
    ]);
  });

  it('reads repeated, alternating and nearly equal text down a column as written', async () => {
    await client.exec('TRUNCATE probe');
    // Short values (looked up by their bytes) and long ones (compared with the previous row's),
    // repeated, alternating, and differing in the last byte only or in length only.
    const labels = [
      'usd',
      'usd',
      'eur',
      'usd',
      'usdx',
      'us',
      'in_000001',
      'in_000001',
      'in_000002',
      'in_000001',
    ];
    const extra = ['in_0000010', 'ünï', 'ünï', 'ün', '', '', 'a', 'ab', 'b', 'in_000001'];
    const values = [...labels, ...extra, null, 'usd'];
    for (const [index, label] of values.entries())
      await client.query('INSERT INTO probe (id, label) VALUES ($1, $2)', [index + 1, label]);
    const results = await tuples([{ sql: 'SELECT label FROM probe ORDER BY id', params: [] }]);
    expect(results.rows(0)).toEqual(values.map((label) => [label]));
  });

  it('maps each row through the values it asks for, as the rows are read', async () => {
    await client.exec('TRUNCATE probe');
    await client.query(
      `INSERT INTO probe (id, label, big, day, flag) VALUES (1, 'one', -9007199254740991, '2026-12-07', true),
        (2, NULL, 42, NULL, false)`,
    );
    const results = await tuples([
      { sql: 'SELECT id, label, big, day, flag FROM probe ORDER BY id', params: [] },
    ]);
    type Picked = [number, string | null, number | null, string | null, boolean | null];
    expect(
      results.map<Picked, string>(
        0,
        (field) => `${field(0)}:${field(1)}:${field(2)}:${field(3)}:${field(4)}`,
      ),
    ).toEqual(['1:one:-9007199254740991:2026-12-07:true', '2:null:42:null:false']);
    expect(results.map<Picked, number>(0, (field) => field(0))).toEqual([1, 2]);
  });

  it('reads rows one at a time through a cursor: peek does not move on, take does, both end past the last', async () => {
    await client.exec('TRUNCATE probe');
    await client.query(`INSERT INTO probe (id, label) VALUES (1, 'a'), (2, NULL), (3, 'c')`);
    const results = await tuples([
      { sql: 'SELECT id, label FROM probe ORDER BY id', params: [] },
      { sql: 'SELECT id FROM probe WHERE false', params: [] },
    ]);
    const cursor = results.cursor<[number, string | null]>(0);
    expect([cursor.peek(0), cursor.peek(1), cursor.peek(0)]).toEqual([1, 'a', 1]);
    expect(cursor.take((field) => `${field(0)}/${field(1)}`)).toBe('1/a');
    expect(cursor.peek(1)).toBeNull();
    expect(cursor.take((field) => field(0))).toBe(2);
    expect(cursor.take((field) => field(1))).toBe('c');
    expect([cursor.peek(0), cursor.take((field) => field(0))]).toEqual([undefined, undefined]);
    const empty = results.cursor<[number]>(1);
    expect(empty.peek(0)).toBeUndefined();
    expect(() => results.cursor(2)).toThrow(RangeError);
  });

  it('gives the memory of rows read back once, after which reading them throws instead of answering', async () => {
    const results = await tuples([{ sql: 'SELECT id FROM probe ORDER BY id', params: [] }]);
    expect(results.rows(0)).toEqual([[1], [2], [3]]);
    results.release();
    results.release();
    expect(() => results.rows(0)).toThrow();
    // The worker writes the next answers into the memory given back; they read as written.
    for (let round = 0; round < 6; round += 1) {
      const again = await tuples([
        { sql: 'SELECT id, $1::text AS round FROM probe ORDER BY id', params: [round] },
      ]);
      expect(again.rows(0)).toEqual([1, 2, 3].map((id) => [id, String(round)]));
      again.release();
    }
  });

  it('parses a statement once by its text, and a text that failed to parse fails again the same way', async () => {
    const broken = { sql: 'SELEC id FROM probe', params: [] };
    for (let attempt = 0; attempt < 2; attempt += 1)
      await expect(tuples([broken])).rejects.toMatchObject({ code: '42601' });
    // A statement named in a pipeline that failed after it runs again all the same.
    const sql = 'SELECT id FROM probe WHERE id = $1';
    await expect(
      tuples([
        { sql, params: [1] },
        { sql: 'SELECT 1 / 0 AS never', params: [] },
      ]),
    ).rejects.toMatchObject({ code: '22012' });
    for (const id of [1, 3]) expect((await tuples([{ sql, params: [id] }])).rows(0)).toEqual([[id]]);
    await client.exec('ALTER TABLE probe ADD COLUMN extra integer');
    expect(
      (await tuples([{ sql: 'SELECT * FROM probe WHERE id = $1', params: [3] }])).rows(0)[0],
    ).toHaveLength(10);
    await client.exec('ALTER TABLE probe DROP COLUMN extra');
    expect(
      (await tuples([{ sql: 'SELECT * FROM probe WHERE id = $1', params: [3] }])).rows(0)[0],
    ).toHaveLength(9);
  });
});

describe('readWireResults', () => {
  const message = (type: string, body: number[]) => {
    const length = body.length + 4;
    return [
      type.charCodeAt(0),
      length >>> 24,
      (length >>> 16) & 255,
      (length >>> 8) & 255,
      length & 255,
      ...body,
    ];
  };
  const complete = message('C', [...Buffer.from('SELECT 0'), 0]);

  it('refuses a message cut short, a value longer than its row, and fewer results than statements', () => {
    expect(() => readWireResults(new Uint8Array([0x44, 0, 0, 0, 50, 0, 1]), 1)).toThrow(/truncated/);
    const int32 = (value: number) => [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
    // One text column (type oid 25, binary format): name, table oid, column number, type oid, size, modifier, format.
    const description = message('T', [
      0,
      1,
      ...Buffer.from('v'),
      0,
      ...int32(0),
      0,
      0,
      ...int32(25),
      255,
      255,
      ...int32(-1),
      0,
      1,
    ]);
    const short = readWireResults(
      new Uint8Array([...description, ...message('D', [0, 1, ...int32(9), 65]), ...complete]),
      1,
    );
    expect(() => short.rows(0)).toThrow(/value past its row/);
    expect(() => readWireResults(new Uint8Array(complete), 2)).toThrow(
      /expected the rows of 2 statements, got 1/,
    );
  });

  it('throws the fields of an ErrorResponse as an error', () => {
    const fields = [...Buffer.from('SERROR\0C22P02\0Mbad input\0Dthe detail\0Hthe hint\0'), 0];
    expect(() => readWireResults(new Uint8Array(message('E', fields)), 1)).toThrow(
      expect.objectContaining({
        message: 'bad input',
        code: '22P02',
        detail: 'the detail',
        hint: 'the hint',
      }),
    );
  });
});
