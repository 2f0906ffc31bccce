import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCollections } from './support/processes';

jest.setTimeout(300000);

const INVOICES_HEADER = 'invoice_id,customer_id,currency,amount,issued_on,due_on';
/** A stack trace line, as Node prints one: the CLI must not answer bad data with one. */
const STACK_LINE = /\n\s+at .+\(.+:\d+:\d+\)/;
/** C0 controls but tab and line feed, DEL and C1: what a terminal may run as a command. */
function terminalControls(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) ?? 0)
    .filter((code) => (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f));
}

/** Code points XML 1.0 forbids, as characters or as character references (Char production). */
function notXmlChars(svg: string): number[] {
  const refs = [...svg.matchAll(/&#(\d+);/g)].map((match) => Number(match[1]));
  return [...[...svg].map((char) => char.codePointAt(0) ?? 0), ...refs].filter(
    (code) => code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d,
  );
}

describe('collections with hostile or broken data (the CLI, end to end on an embedded store)', () => {
  let work: string;
  let env: Record<string, string>;
  let books = 0;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-hostile-'));
    env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn' };
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function book(files: Record<string, string | Buffer>): Promise<string> {
    books += 1;
    const dir = path.join(work, `book-${books}`);
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    return dir;
  }

  async function tenants(): Promise<string[]> {
    const listed = await runCollections(['tenants', '--json'], env);
    expect(listed.code).toBe(0);
    return (JSON.parse(listed.stdout) as { tenants: { tenant: string }[] }).tenants.map((t) => t.tenant);
  }

  it('refuses a file that is not UTF-8, naming file and line, and one with NUL, naming line and column', async () => {
    // "Müller" saved as Latin-1: 0xFC is not UTF-8, and decoding it leniently would merge ids.
    const latin1 = await book({
      'customers.csv': Buffer.concat([
        Buffer.from('customer_id,name\nC-1,Acme\nC-M', 'latin1'),
        Buffer.from([0xfc]),
        Buffer.from('ller,M', 'latin1'),
        Buffer.from([0xfc]),
        Buffer.from('ller GmbH\n', 'latin1'),
      ]),
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,10.00,2026-01-01,2026-01-31\n`,
    });
    const notUtf8 = await runCollections(['import', latin1, '--tenant', 'latin'], env);
    expect(notUtf8.code).toBe(2);
    expect(notUtf8.stderr).toContain('customers.csv:3: (encoding): line 3 is not UTF-8 text');
    expect(notUtf8.stderr).toContain('nothing was written');

    const nul = await book({
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,10.00,2026-01-01,2026-01-31\nINV-2,C-\u0000-2,USD,10.00,2026-01-01,2026-01-31\n`,
    });
    const withNul = await runCollections(['import', nul, '--tenant', 'nul'], env);
    expect(withNul.code).toBe(2);
    expect(withNul.stderr).toContain('invoices.csv:3: customer_id: contains a NUL character (at position 3)');
    expect(withNul.stderr).not.toMatch(STACK_LINE);
    expect(await tenants()).toEqual([]);
  });

  it('cuts long values in messages', async () => {
    const long = `12${'9'.repeat(5000)}x`;
    const dir = await book({
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,${long},2026-01-01,2026-01-31\n`,
    });
    const rejected = await runCollections(['import', dir, '--tenant', 'long'], env);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain(
      `invoices.csv:2: amount: expected a decimal number like 1234.56, got "12${'9'.repeat(78)}…"`,
    );
    expect(rejected.stderr.length).toBeLessThan(600);
  });

  it('refuses a second customer on one CRM record, naming the row and both customers; nothing written', async () => {
    const invoices = `${INVOICES_HEADER}\nINV-1,C-1,USD,10.00,2026-01-01,2026-01-31\n`;
    const twins = await book({
      'customers.csv': 'customer_id,name,crm_company_id\nC-1,Acme,500\nC-2,Acme Two,500\n',
      'invoices.csv': invoices,
    });
    const both = await runCollections(['import', twins, '--tenant', 'crm'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      'customers.csv:3: crm_company_id: customer C-2 maps to CRM record 500, which customer C-1 (line 2) is mapped to already',
    );
    expect(await tenants()).toEqual([]);

    const first = await book({
      'customers.csv': 'customer_id,crm_company_id\nC-1,500\n',
      'invoices.csv': invoices,
    });
    expect((await runCollections(['import', first, '--tenant', 'crm'], env)).code).toBe(0);
    const later = await book({
      'customers.csv': 'customer_id,crm_company_id\nC-3,500\n',
      'invoices.csv': `${INVOICES_HEADER}\nINV-3,C-3,USD,10.00,2026-01-01,2026-01-31\n`,
    });
    const stored = await runCollections(['import', later, '--tenant', 'crm', '--json'], env);
    expect(stored.code).toBe(2);
    expect(JSON.parse(stored.stdout)).toMatchObject({
      ok: false,
      problems: [
        {
          file: 'customers.csv',
          line: 2,
          column: 'crm_company_id',
          message: expect.stringContaining(
            'customer C-3 maps to CRM record 500, which customer C-1 is mapped',
          ),
        },
      ],
    });
    const counts = await runCollections(['tenants', '--json'], env);
    expect(JSON.parse(counts.stdout)).toMatchObject({
      tenants: [{ tenant: 'crm', counts: { customers: 1, invoices: 1 } }],
    });
  });

  it('prints no terminal escape codes from the data, and draws the chart as valid XML', async () => {
    const name = 'Evil\u001b]0;owned\u0007\u001b[2J\u009b31mCorp';
    const owner = 'ana\u0001\u001b[5m';
    const dir = await book({
      'customers.csv': `customer_id,name,owner\nC-1,${name},${owner}\n`,
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,10.00,2026-01-01,2026-01-31\n`,
    });
    expect((await runCollections(['import', dir, '--tenant', 'esc'], env)).code).toBe(0);

    const human = await runCollections(['status', 'C-1', '--tenant', 'esc', '--as-of', '2026-03-01'], env);
    expect(human.code).toBe(0);
    expect(terminalControls(human.stdout)).toEqual([]);
    expect(human.stdout).toContain('Evil\\x1b]0;owned\\x07\\x1b[2J\\x9b31mCorp');
    const json = await runCollections(
      ['status', 'C-1', '--tenant', 'esc', '--as-of', '2026-03-01', '--json'],
      env,
    );
    expect(terminalControls(json.stdout)).toEqual([]);
    expect(JSON.parse(json.stdout)).toMatchObject({ name, owner });

    const chart = path.join(work, 'esc.svg');
    const report = await runCollections(
      ['report', '--tenant', 'esc', '--as-of', '2026-03-01', '--by', 'owner', '--chart', chart],
      env,
    );
    expect(report.code).toBe(0);
    expect(terminalControls(report.stdout)).toEqual([]);
    const svg = await readFile(chart, 'utf8');
    // XML 1.0 allows no C0 character but tab, line feed and carriage return, not even as a reference.
    expect(notXmlChars(svg)).toEqual([]);
    expect(svg).toContain('ana');
  });

  it('refuses amounts beyond 2^53 − 1 minor units by row, and totals beyond it by their exact value', async () => {
    const tooLarge = await book({
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,90071992547409.92,2026-01-01,2026-01-31\n`,
    });
    const refused = await runCollections(['import', tooLarge, '--tenant', 'big'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('invoices.csv:2: amount: amount is too large: "90071992547409.92"');

    // 2^53 − 3 and 0.02: the largest total that is still exact.
    const atBound = await book({
      'invoices.csv': `${INVOICES_HEADER}\nINV-1,C-1,USD,90071992547409.89,2026-01-01,2026-01-31\nINV-2,C-1,USD,0.02,2026-01-01,2026-01-31\n`,
    });
    expect((await runCollections(['import', atBound, '--tenant', 'big'], env)).code).toBe(0);
    const exact = await runCollections(['report', '--tenant', 'big', '--as-of', '2026-03-01', '--json'], env);
    expect(exact.code).toBe(0);
    expect(exact.stdout).toMatch(/"arMinor": 9007199254740991\b/);

    const beyond = await book({
      'invoices.csv': `${INVOICES_HEADER}\nINV-3,C-1,USD,0.02,2026-01-01,2026-01-31\n`,
    });
    expect((await runCollections(['import', beyond, '--tenant', 'big'], env)).code).toBe(0);
    const report = await runCollections(
      ['report', '--tenant', 'big', '--as-of', '2026-03-01', '--json'],
      env,
    );
    expect(report.code).toBe(1);
    expect(report.stdout).toBe('');
    expect(report.stderr).toContain('a money total of 9007199254740993 minor units');
    expect(report.stderr).not.toMatch(STACK_LINE);
    const status = await runCollections(['status', 'C-1', '--tenant', 'big', '--as-of', '2026-03-01'], env);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('9007199254740993');
  });
});
