import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCollections } from './support/processes';

// Each command is its own process (about 10 s on 2 busy cores); the tenant test runs a dozen.
jest.setTimeout(420000);

/** Two customers with an overdue invoice each, enough for the rules to have something to do. */
const BOOK: Record<string, string> = {
  'customers.csv': [
    'customer_id,name,segment,owner,payment_terms,country,tags',
    'C-1,Acme,smb,dana,net_30,US,Strategic; public sector',
    'C-2,Globex,smb,eli,net_30,DE,',
  ].join('\n'),
  'invoices.csv': [
    'invoice_id,customer_id,currency,amount,issued_on,due_on',
    'INV-1,C-1,USD,1000.00,2026-01-01,2026-01-31',
    'INV-2,C-2,EUR,500.00,2026-01-01,2026-01-31',
  ].join('\n'),
};

/**
 * `name: broken` … with the bad minimum on line 6 (its value in column 14) and the bad tone on line 8
 * (column 13).
 */
const BROKEN = [
  'name: broken',
  'rules:',
  '  - id: tier-1',
  '    when:',
  '      daysPastDue:',
  '        min: -3',
  '    then:',
  '      tone: shouty',
  '',
].join('\n');

describe('collections rules (CLI): positions, tenants, confirmation', () => {
  let work: string;
  let env: Record<string, string>;
  let defaultFile: string;
  let calmer: string;
  let calmerText: string;
  const run = (args: string[]) => runCollections(args, env);

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-rules-'));
    env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn', DEFAULT_TENANT: 'acme' };
    const book = path.join(work, 'book');
    await mkdir(book);
    for (const [file, text] of Object.entries(BOOK)) await writeFile(path.join(book, file), `${text}\n`);
    for (const tenant of ['acme', 'other'])
      expect((await run(['import', book, '--tenant', tenant, '--json'])).code).toBe(0);
    const printed = await run(['rules', 'default', '--tenant', 'other']);
    expect(printed.code).toBe(0);
    defaultFile = path.join(work, 'default.yaml');
    await writeFile(defaultFile, printed.stdout);
    calmer = path.join(work, 'calmer.yaml');
    calmerText = `# One contact a week is enough.\n${printed.stdout
      .replace('name: Default collections playbook', 'name: Calmer playbook')
      .replace('maxContactsPerWeek: 2', 'maxContactsPerWeek: 1')}`;
    await writeFile(calmer, calmerText);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('validate prints file:line:column: path: message for every problem', async () => {
    const bad = path.join(work, 'broken.yaml');
    await writeFile(bad, BROKEN);
    const invalid = await run(['rules', 'validate', bad, '--tenant', 'other']);
    expect(invalid.code).toBe(2);
    const lines = invalid.stderr.split('\n');
    expect(lines.some((line) => line.startsWith(`${bad}:6:14: rules[0].when.daysPastDue.min: `))).toBe(true);
    expect(lines.some((line) => line.startsWith(`${bad}:8:13: rules[0].then.tone: `))).toBe(true);
    const json = await run(['rules', 'validate', bad, '--json']);
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { problems: unknown[] }).problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'rules[0].when.daysPastDue.min', line: 6, column: 14 }),
        expect.objectContaining({ path: 'rules[0].then.tone', line: 8, column: 13 }),
      ]),
    );
    const unparsable = path.join(work, 'unparsable.yaml');
    await writeFile(unparsable, 'name: ok\nrules: [\n');
    const syntax = await run(['rules', 'validate', unparsable]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(
      new RegExp(`${unparsable}:\\d+:\\d+: \\(document\\): not valid YAML or JSON`),
    );
    expect((await run(['rules', 'validate', calmer, '--tenant', 'other'])).code).toBe(0);
  });

  it('refuses to activate without a note, without a change, or unconfirmed without a terminal', async () => {
    const blank = await run(['rules', 'activate', calmer, '--by', 'ana', '--note', '  ', '--yes']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--note');
    const same = await run(['rules', 'activate', defaultFile, '--by', 'ana', '--note', 'again', '--yes']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('identical to the active version v0');
    const unconfirmed = await run(['rules', 'activate', calmer, '--by', 'ana', '--note', 'calmer']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toContain('Simulated impact over the last 90 days');
    expect(unconfirmed.stdout).toContain('v0 (active, "Default collections playbook")');
    expect(unconfirmed.stderr).toContain('--yes');
    const asJson = await run(['rules', 'activate', calmer, '--by', 'ana', '--note', 'calmer', '--json']);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      ok: false,
      code: 'confirmation_required',
      preview: { against: { version: 0 }, windowDays: 90 },
    });
    const listed = JSON.parse((await run(['rules', 'list', '--json'])).stdout) as { versions: unknown[] };
    expect(listed.versions).toHaveLength(1);
  });

  it('takes --tenant on every rules command: versions, text, simulation, plan and run stay per tenant', async () => {
    const tenant = ['--tenant', 'other'];
    const activated = await run([
      'rules',
      'activate',
      calmer,
      '--by',
      'ana',
      '--note',
      'calmer',
      '--yes',
      '--json',
      ...tenant,
    ]);
    expect(activated.code).toBe(0);
    expect(JSON.parse(activated.stdout)).toMatchObject({ ok: true, tenant: 'other', version: 1 });

    const versions = async (args: string[]) => {
      const listed = await run(['rules', 'list', '--json', ...args]);
      const { versions: found } = JSON.parse(listed.stdout) as {
        versions: { version: number; active: boolean }[];
      };
      return found.map((v) => [v.version, v.active]);
    };
    expect(await versions(tenant)).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(await versions([])).toEqual([[0, true]]);

    // The text comes back as written, comment included.
    const shown = await run(['rules', 'show', '1', ...tenant]);
    expect(shown.stdout).toBe(calmerText);
    const diff = JSON.parse((await run(['rules', 'diff', '0', '1', '--json', ...tenant])).stdout) as {
      changes: { path: string }[];
    };
    expect(diff.changes.map((change) => change.path)).toEqual(['caps.maxContactsPerWeek', 'name']);

    const simulated = JSON.parse(
      (
        await run([
          'rules',
          'simulate',
          calmer,
          '--against',
          defaultFile,
          '--from',
          '2026-02-01',
          '--to',
          '2026-02-28',
          '--json',
          ...tenant,
        ])
      ).stdout,
    ) as { labels: unknown; summaries: { ruleSet: string; accounts: number }[] };
    expect(simulated.labels).toEqual({
      proposed: 'v1 (active, "calmer")',
      baseline: 'v0 ("Default collections playbook")',
    });
    expect(simulated.summaries.map((summary) => [summary.ruleSet, summary.accounts])).toEqual([
      ['v1 (active, "calmer")', 2],
      ['v0 ("Default collections playbook")', 2],
    ]);

    const planned = (args: string[]) =>
      run(['rules', 'plan', '--as-of', '2026-02-07', '--json', ...args]).then(
        (result) => (JSON.parse(result.stdout) as { ruleSet: string }).ruleSet,
      );
    expect(await planned(tenant)).toBe('Calmer playbook');
    expect(await planned([])).toBe('Default collections playbook');
    const ran = JSON.parse(
      (await run(['rules', 'run', '--as-of', '2026-02-07', '--json', ...tenant])).stdout,
    ) as {
      ruleSet: string;
    };
    expect(ran.ruleSet).toBe('Calmer playbook');

    const back = await run([
      'rules',
      'rollback',
      '--to',
      '0',
      '--by',
      'ana',
      '--note',
      'back',
      '--json',
      ...tenant,
    ]);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, tenant: 'other', version: 0 });
    expect(await versions(tenant)).toEqual([
      [0, true],
      [1, false],
    ]);
  });
});
