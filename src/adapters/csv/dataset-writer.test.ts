import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { isCalendarDate, type CalendarDate } from '../../domain/dates';
import type { Customer, Dispute, Invoice } from '../../domain/model';
import type { CurrencyCode } from '../../domain/money';
import type { DatasetRow } from '../../ports/dataset';
import type { DatasetFile } from '../../ports/store';
import {
  DATASET_COLUMNS,
  parseCustomerRow,
  parseDisputeRow,
  parseInvoiceRow,
  parsePaymentRow,
  parseSubscriptionRow,
  type ParsedRow,
} from '../../use-cases/dataset-rows';
import { generateDemoDataset, type DemoDatasetOptions } from '../../use-cases/generate-demo-dataset';
import { createCsvDatasetReader } from './dataset-reader';
import { createCsvDatasetWriter, DATASET_HEADERS } from './dataset-writer';

const AS_OF = '2026-11-15' as CalendarDate;
const FILES = Object.keys(DATASET_HEADERS) as DatasetFile[];

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dataset-writer-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
function freshDir(): string {
  folders += 1;
  return path.join(root, `run-${folders}`, 'nested');
}

async function writeRows(dir: string, rows: Iterable<DatasetRow>): Promise<void> {
  const writer = await createCsvDatasetWriter(dir);
  for await (const row of rows) await writer.write(row);
  await writer.close();
}

async function writeDemo(options: DemoDatasetOptions): Promise<string> {
  const dir = freshDir();
  await writeRows(dir, generateDemoDataset(options));
  return dir;
}

async function readRecords(dir: string, file: DatasetFile): Promise<Record<string, string>[]> {
  return parse(await readFile(path.join(dir, file)), { columns: true }) as Record<string, string>[];
}

const CUSTOMER: Customer = {
  customerId: 'cus_1',
  name: 'Smith, Jones & "Partners"\nLondon',
  segment: 'smb',
  owner: null,
  paymentTerms: 'net_30',
  country: 'GB',
  crmCompanyId: null,
  createdOn: '2026-01-02' as CalendarDate,
  employees: 1200,
  fundingStage: 'series_b',
  tags: ['strategic', 'public sector'],
};

function invoice(invoiceId: string, currency: string, amountMinor: number): Invoice {
  return {
    invoiceId,
    customerId: 'cus_1',
    currency: currency as CurrencyCode,
    amountMinor,
    issuedOn: '2026-03-01' as CalendarDate,
    dueOn: '2026-03-31' as CalendarDate,
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
  };
}

function dispute(disputeId: string, invoiceId: string, amountMinor: number | null): Dispute {
  return {
    disputeId,
    invoiceId,
    openedOn: '2026-04-01' as CalendarDate,
    resolvedOn: null,
    reason: 'general',
    amountMinor,
    outcome: null,
  };
}

describe('createCsvDatasetWriter', () => {
  it('writes all five files with their headers, even when empty, creating the folder', async () => {
    const dir = freshDir();
    await writeRows(dir, []);
    expect((await readdir(dir)).sort()).toEqual([...FILES].sort());
    for (const file of FILES) {
      expect(await readFile(path.join(dir, file), 'utf8')).toBe(`${DATASET_HEADERS[file].join(',')}\n`);
      const { required, optional } = DATASET_COLUMNS[file];
      expect([...DATASET_HEADERS[file]].sort()).toEqual([...required, ...optional].sort());
    }
  });

  it('quotes cells with commas, quotes and line breaks, and leaves nulls empty', async () => {
    const dir = freshDir();
    await writeRows(dir, [{ file: 'customers.csv', row: CUSTOMER }]);
    const text = await readFile(path.join(dir, 'customers.csv'), 'utf8');
    expect(text.split('\n')[1]).toBe('cus_1,"Smith, Jones & ""Partners""');
    const [record] = await readRecords(dir, 'customers.csv');
    expect(record).toEqual({
      customer_id: 'cus_1',
      name: CUSTOMER.name,
      segment: 'smb',
      owner: '',
      payment_terms: 'net_30',
      country: 'GB',
      crm_company_id: '',
      created_on: '2026-01-02',
      employees: '1200',
      funding_stage: 'series_b',
      tags: 'strategic; public sector',
    });
  });

  it('neutralises text a spreadsheet would run as a formula, and the reader gives the text back', async () => {
    const dir = freshDir();
    const hostile: Customer = {
      ...CUSTOMER,
      customerId: '-cus_2',
      name: '=HYPERLINK("http://evil.example","open")',
      segment: '+smb',
      owner: '@ana',
      paymentTerms: "'=already quoted",
      country: "'s",
    };
    await writeRows(dir, [
      { file: 'customers.csv', row: hostile },
      { file: 'invoices.csv', row: invoice('INV-1', 'USD', 12_345) },
    ]);
    const [record] = await readRecords(dir, 'customers.csv');
    expect(record).toMatchObject({
      customer_id: "'-cus_2",
      name: '\'=HYPERLINK("http://evil.example","open")',
      segment: "'+smb",
      owner: "'@ana",
      payment_terms: "''=already quoted",
      country: "''s",
      employees: '1200',
    });
    // Numbers stay numbers: an amount is not text.
    expect((await readRecords(dir, 'invoices.csv'))[0]).toMatchObject({ amount: '123.45' });

    const raw = await createCsvDatasetReader(dir).open('customers.csv');
    const read: Record<string, string>[] = [];
    for await (const row of raw?.records ?? []) read.push({ ...row.values });
    expect(read).toEqual([
      expect.objectContaining({
        customer_id: '-cus_2',
        name: '=HYPERLINK("http://evil.example","open")',
        segment: '+smb',
        owner: '@ana',
        payment_terms: "'=already quoted",
        country: "'s",
      }),
    ]);
  });

  it("writes amounts in major units with exactly the currency's decimals, disputes in their invoice's", async () => {
    const dir = freshDir();
    await writeRows(dir, [
      { file: 'invoices.csv', row: invoice('in_usd', 'USD', 420000) },
      { file: 'invoices.csv', row: invoice('in_jpy', 'JPY', 5000) },
      { file: 'invoices.csv', row: invoice('in_kwd', 'KWD', 12005) },
      { file: 'disputes.csv', row: dispute('dp_jpy', 'in_jpy', 2500) },
      { file: 'disputes.csv', row: dispute('dp_kwd', 'in_kwd', 5) },
      { file: 'disputes.csv', row: dispute('dp_whole', 'in_usd', null) },
    ]);
    const invoices = await readRecords(dir, 'invoices.csv');
    expect(invoices.map((row) => row['amount'])).toEqual(['4200.00', '5000', '12.005']);
    expect(invoices[0]).toMatchObject({
      paid_on: '',
      voided_on: '',
      subscription_id: '',
      due_on: '2026-03-31',
    });
    const disputes = await readRecords(dir, 'disputes.csv');
    expect(disputes.map((row) => row['amount'])).toEqual(['2500', '0.005', '']);
  });

  it('refuses a dispute amount whose invoice it has not written, and writes after close', async () => {
    const dir = freshDir();
    const writer = await createCsvDatasetWriter(dir);
    await expect(
      writer.write({ file: 'disputes.csv', row: dispute('dp_1', 'in_unknown', 100) }),
    ).rejects.toThrow(/in_unknown/);
    await writer.close();
    await writer.close();
    await expect(writer.write({ file: 'customers.csv', row: CUSTOMER })).rejects.toThrow(/closed/);
  });

  it('reports a folder it cannot create', async () => {
    const dir = freshDir();
    await writeRows(dir, []);
    await expect(createCsvDatasetWriter(path.join(dir, 'customers.csv', 'below-a-file'))).rejects.toThrow();
  });

  describe('with a generated dataset', () => {
    const options = { customers: 2000, seed: 99, asOf: AS_OF };
    let dir: string;

    beforeAll(async () => {
      dir = await writeDemo(options);
    });

    it('writes byte-identical files for the same seed and options, different ones for another seed', async () => {
      const again = await writeDemo(options);
      const other = await writeDemo({ ...options, seed: 100 });
      for (const file of FILES) {
        const bytes = await readFile(path.join(dir, file));
        expect(bytes.equals(await readFile(path.join(again, file)))).toBe(true);
        if (file !== 'disputes.csv') expect(bytes.equals(await readFile(path.join(other, file)))).toBe(false);
      }
    });

    it('writes every row in the format the import accepts', async () => {
      const problems: string[] = [];
      const currencies = new Map<string, CurrencyCode>();
      const decimals: Record<string, RegExp> = {
        USD: /^\d+\.\d{2}$/,
        EUR: /^\d+\.\d{2}$/,
        GBP: /^\d+\.\d{2}$/,
        JPY: /^\d+$/,
        KWD: /^\d+\.\d{3}$/,
      };
      const dateColumns = /_on$/;
      const check = <T>(
        file: DatasetFile,
        line: number,
        parsed: ParsedRow<T>,
        values: Record<string, string>,
      ): void => {
        if (!parsed.ok) problems.push(`${file}:${line}: ${JSON.stringify(parsed.problems)}`);
        for (const [column, value] of Object.entries(values)) {
          if (value !== value.trim()) problems.push(`${file}:${line}: ${column} has surrounding spaces`);
          if (dateColumns.test(column) && value !== '' && !isCalendarDate(value)) {
            problems.push(`${file}:${line}: ${column} ${value}`);
          }
        }
      };
      const amountFormat = (
        file: DatasetFile,
        line: number,
        amount: string | undefined,
        currency: string,
      ): void => {
        if (!(decimals[currency]?.test(amount ?? '') ?? false))
          problems.push(`${file}:${line}: ${currency} ${amount}`);
      };
      const counts = new Map<DatasetFile, number>();

      for (const file of FILES) {
        const text = await readFile(path.join(dir, file), 'utf8');
        expect(text.split('\n', 1)[0]).toBe(DATASET_HEADERS[file].join(','));
        const records = parse(text, { columns: true }) as Record<string, string>[];
        counts.set(file, records.length);
        records.forEach((values, index) => {
          const line = index + 2;
          switch (file) {
            case 'customers.csv':
              check(file, line, parseCustomerRow(values), values);
              break;
            case 'subscriptions.csv':
              check(file, line, parseSubscriptionRow(values), values);
              amountFormat(file, line, values['amount'], values['currency'] ?? '');
              break;
            case 'invoices.csv':
              check(file, line, parseInvoiceRow(values), values);
              amountFormat(file, line, values['amount'], values['currency'] ?? '');
              currencies.set(values['invoice_id'] ?? '', (values['currency'] ?? '') as CurrencyCode);
              break;
            case 'payments.csv':
              check(file, line, parsePaymentRow(values, currencies.get(values['invoice_id'] ?? '')), values);
              amountFormat(file, line, values['amount'], values['currency'] ?? '');
              break;
            case 'disputes.csv': {
              const currency = currencies.get(values['invoice_id'] ?? '');
              if (currency === undefined) problems.push(`${file}:${line}: unknown invoice`);
              check(file, line, parseDisputeRow(values, currency), values);
              amountFormat(file, line, values['amount'], currency ?? '');
              break;
            }
          }
        });
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(counts.get('customers.csv')).toBe(2000);
      expect(counts.get('invoices.csv')).toBeGreaterThan(10_000);
      expect(counts.get('disputes.csv')).toBeGreaterThan(0);
    });

    it('quotes the company names that need it', async () => {
      const names = (await readRecords(dir, 'customers.csv')).map((row) => row['name'] ?? '');
      expect(names.some((name) => name.includes(','))).toBe(true);
      expect(names.every((name) => name.length > 0)).toBe(true);
    });
  });
});
