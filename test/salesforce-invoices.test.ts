import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createPgliteStore } from '../src/adapters/postgres';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { DatasetRow } from '../src/ports/dataset';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { importDataset } from '../src/use-cases/import-dataset';
import { startSalesforceEmulator, type SalesforceEmulator } from './emulators/salesforce/emulator';

const TENANT = 'sf-invoices' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const day = (text: string) => text as CalendarDate;
const instant = () => Promise.resolve();

async function load(store: CollectionsStore, rows: DatasetRow[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-sf-invoices-'));
  try {
    const writer = await createCsvDatasetWriter(dir);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const result = await importDataset(store, createCsvDatasetReader(dir), { tenant: TENANT });
    if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const invoiceRow = (
  invoiceId: string,
  currency: string,
  amountMinor: number,
  issuedOn: string,
  dueOn: string,
) =>
  ({
    file: 'invoices.csv',
    row: {
      invoiceId,
      customerId: 'cus_acme',
      currency: currency as CurrencyCode,
      amountMinor,
      issuedOn: day(issuedOn),
      dueOn: day(dueOn),
      paidOn: null,
      voidedOn: null,
      subscriptionId: null,
    },
  }) as const;

describe('invoices in Salesforce', () => {
  let sf: SalesforceEmulator;
  let store: CollectionsStore;
  let account = '';

  beforeAll(async () => {
    sf = await startSalesforceEmulator();
    store = await createPgliteStore();
    await store.migrate();
    account = sf.createAccount({ Name: 'Acme' });
    await load(store, [
      {
        file: 'customers.csv',
        row: {
          customerId: 'cus_acme',
          name: 'Acme',
          segment: null,
          owner: null,
          paymentTerms: null,
          country: null,
          crmCompanyId: account,
          createdOn: null,
          employees: null,
          fundingStage: null,
        },
      },
      invoiceRow('in_usd', 'USD', 123450, '2026-07-01', '2026-08-01'),
      invoiceRow('in_jpy', 'JPY', 50000, '2026-08-15', '2026-09-15'),
    ]);
  }, 60000);

  afterAll(async () => {
    await store.close();
    await sf.close();
  });

  const sync = (asOf = AS_OF) =>
    syncCrm(store, createSalesforceGateway({ ...sf.connectionConfig(), sleep: instant }), TENANT, asOf);
  const invoice = (id: string) => sf.findByExternalId('Collections_Invoice__c', 'Invoice_Id__c', id)?.fields;

  it('writes each open invoice under its account, in major units of its currency', async () => {
    const report = await sync();

    expect(report.failed).toEqual([]);
    expect(report.invoicesWritten).toBe(2);
    expect(invoice('in_usd')).toMatchObject({
      Account__c: account,
      Amount__c: 1234.5,
      Outstanding__c: 1234.5,
      Currency__c: 'USD',
      Issued_On__c: '2026-07-01',
      Due_On__c: '2026-08-01',
      Paid_On__c: null,
      Days_Past_Due__c: 31,
      Status__c: 'open',
    });
    expect(invoice('in_jpy')).toMatchObject({ Amount__c: 50000, Currency__c: 'JPY', Days_Past_Due__c: 0 });
  });

  it('writes nothing again while nothing changed', async () => {
    const report = await sync();

    expect(report.invoicesWritten).toBe(0);
    expect(sf.records('Collections_Invoice__c')).toHaveLength(2);
  });

  it('brings a paid invoice to paid, with its payment day', async () => {
    await load(store, [
      {
        file: 'payments.csv',
        row: {
          paymentId: 'pay_1',
          invoiceId: 'in_usd',
          currency: 'USD' as CurrencyCode,
          amountMinor: 123450,
          attemptedOn: day('2026-09-02'),
          status: 'succeeded',
          declineCode: null,
          method: 'card',
        },
      },
    ]);

    const report = await sync('2026-09-03' as CalendarDate);

    expect(report.failed).toEqual([]);
    expect(invoice('in_usd')).toMatchObject({
      Status__c: 'paid',
      Paid_On__c: '2026-09-02',
      Outstanding__c: 0,
      Days_Past_Due__c: 0,
    });
    expect(sf.records('Collections_Invoice__c')).toHaveLength(2);
  });
});
