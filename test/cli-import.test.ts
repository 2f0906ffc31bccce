import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCollections } from './support/processes';

type Counts = {
  customers: number;
  invoices: number;
  payments: number;
  subscriptions: number;
  disputes: number;
};

jest.setTimeout(180000);

describe('collections import (the CLI, end to end on an embedded store)', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-cli-'));
    env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn' };
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function tenantCounts(tenant: string): Promise<Counts | undefined> {
    const listed = await runCollections(['tenants', '--json'], env);
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as { tenants: { tenant: string; counts: Counts }[] };
    return body.tenants.find((entry) => entry.tenant === tenant)?.counts;
  }

  it('generates, imports, re-imports without changing counts, and rejects a bad folder whole', async () => {
    const book = path.join(work, 'book');
    const generated = await runCollections(
      ['demo-data', book, '--customers', '60', '--seed', '5', '--as-of', '2026-11-01', '--json'],
      env,
    );
    expect(generated.code).toBe(0);
    const generatedRows = (JSON.parse(generated.stdout) as { rows: Record<string, number> }).rows;
    expect(generatedRows['customers.csv']).toBe(60);

    const first = await runCollections(['import', book, '--tenant', 'acme', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const firstBody = JSON.parse(first.stdout) as { outcome: { inserted: Counts; updated: Counts } };
    expect(firstBody.outcome.inserted.invoices).toBe(generatedRows['invoices.csv']);
    const afterFirst = await tenantCounts('acme');
    expect(afterFirst).toEqual({
      customers: 60,
      invoices: generatedRows['invoices.csv'],
      payments: generatedRows['payments.csv'],
      subscriptions: generatedRows['subscriptions.csv'],
      disputes: generatedRows['disputes.csv'],
    });

    const second = await runCollections(['import', book, '--tenant', 'acme', '--json'], env);
    expect(second.code).toBe(0);
    const secondBody = JSON.parse(second.stdout) as { outcome: { inserted: Counts } };
    expect(Object.values(secondBody.outcome.inserted).every((n) => n === 0)).toBe(true);
    expect(await tenantCounts('acme')).toEqual(afterFirst);

    const bad = path.join(work, 'bad');
    await cp(book, bad, { recursive: true });
    const invoices = (await readFile(path.join(bad, 'invoices.csv'), 'utf8')).split('\n');
    const header = (invoices[0] ?? '').split(',');
    const amountColumn = header.indexOf('amount');
    const cells = (invoices[3] ?? '').split(',');
    cells[amountColumn] = '12.345';
    invoices[3] = cells.join(',');
    // A new invoice that would be inserted if the import were not all-or-nothing.
    const extra = [...cells];
    extra[header.indexOf('invoice_id')] = 'INV-NEW-1';
    extra[amountColumn] = '10.00';
    invoices.splice(1, 0, extra.join(','));
    await writeFile(path.join(bad, 'invoices.csv'), invoices.join('\n'));

    const rejected = await runCollections(['import', bad, '--tenant', 'acme'], env);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/invoices\.csv:5: amount: [A-Z]{3} has \d decimals?, got "12\.345"/);
    expect(rejected.stderr).toContain('nothing was written');
    expect(await tenantCounts('acme')).toEqual(afterFirst);

    const rejectedJson = await runCollections(['import', bad, '--tenant', 'acme', '--json'], env);
    expect(rejectedJson.code).toBe(2);
    expect(JSON.parse(rejectedJson.stdout)).toMatchObject({
      ok: false,
      problems: [{ file: 'invoices.csv', line: 5, column: 'amount' }],
    });
  });

  it('exits 2 with a clear message for a folder without invoices.csv and for bad arguments', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(path.join(empty, 'customers.csv'), 'customer_id,name\nC-1,Acme\n');
    const missing = await runCollections(['import', empty], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('invoices.csv is required');
    const nowhere = await runCollections(['import', path.join(work, 'does-not-exist')], env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('is not a folder');
    const badTenant = await runCollections(['import', empty, '--tenant', 'no spaces allowed'], env);
    expect(badTenant.code).toBe(2);
    expect(badTenant.stderr).toContain('--tenant');
  });
});
