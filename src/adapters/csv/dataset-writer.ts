import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../../domain/model';
import { formatMinorAsDecimal, type CurrencyCode } from '../../domain/money';
import { toFormulaCell } from '../../domain/text';
import type { DatasetRow, DatasetWriter } from '../../ports/dataset';
import type { DatasetFile } from '../../ports/store';

/** Column order of each file; the reader matches columns by header name. */
export const DATASET_HEADERS: Readonly<Record<DatasetFile, readonly string[]>> = {
  'customers.csv': [
    'customer_id',
    'name',
    'segment',
    'owner',
    'payment_terms',
    'country',
    'crm_company_id',
    'created_on',
    'employees',
    'funding_stage',
    'tags',
  ],
  'subscriptions.csv': [
    'subscription_id',
    'customer_id',
    'plan',
    'currency',
    'amount',
    'interval',
    'started_on',
    'renews_on',
    'status',
    'canceled_on',
  ],
  'invoices.csv': [
    'invoice_id',
    'customer_id',
    'currency',
    'amount',
    'issued_on',
    'due_on',
    'paid_on',
    'voided_on',
    'subscription_id',
    'uncollectible_on',
  ],
  'payments.csv': [
    'payment_id',
    'invoice_id',
    'currency',
    'amount',
    'attempted_on',
    'status',
    'decline_code',
    'method',
  ],
  'disputes.csv': ['dispute_id', 'invoice_id', 'opened_on', 'resolved_on', 'reason', 'amount', 'outcome'],
};

const FILES = Object.keys(DATASET_HEADERS) as DatasetFile[];

/** Characters to buffer per file before handing a chunk to the stream. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Dispute amounts are in their invoice's currency, which a dispute row does not carry: the writer
 * remembers the currencies of the most recent invoices. Disputes must therefore follow their invoice
 * within this many invoice rows (the generator writes a customer's disputes right after its invoices).
 */
const REMEMBERED_INVOICES = 4096;

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled; null is empty. */
function quoted(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A text cell. These files are opened in spreadsheets too: text that would run as a formula gets an
 * apostrophe in front (the reader takes it off again).
 */
function cell(value: string | null): string {
  return value === null ? '' : quoted(toFormulaCell(value));
}

/** A number is written as it is: a minus sign there is not a formula. */
function numberCell(value: number | null): string {
  return value === null ? '' : String(value);
}

function customerLine(row: Customer): string {
  return [
    cell(row.customerId),
    cell(row.name),
    cell(row.segment),
    cell(row.owner),
    cell(row.paymentTerms),
    cell(row.country),
    cell(row.crmCompanyId),
    cell(row.createdOn),
    numberCell(row.employees),
    cell(row.fundingStage),
    cell(row.tags === undefined || row.tags.length === 0 ? null : row.tags.join('; ')),
  ].join(',');
}

function subscriptionLine(row: Subscription): string {
  return [
    cell(row.subscriptionId),
    cell(row.customerId),
    cell(row.plan),
    cell(row.currency),
    formatMinorAsDecimal(row.amountMinor, row.currency),
    cell(row.interval),
    cell(row.startedOn),
    cell(row.renewsOn),
    cell(row.status),
    cell(row.canceledOn),
  ].join(',');
}

function invoiceLine(row: Invoice): string {
  return [
    cell(row.invoiceId),
    cell(row.customerId),
    cell(row.currency),
    formatMinorAsDecimal(row.amountMinor, row.currency),
    cell(row.issuedOn),
    cell(row.dueOn),
    cell(row.paidOn),
    cell(row.voidedOn),
    cell(row.subscriptionId),
    cell(row.uncollectibleOn ?? null),
  ].join(',');
}

function paymentLine(row: PaymentAttempt): string {
  return [
    cell(row.paymentId),
    cell(row.invoiceId),
    cell(row.currency),
    formatMinorAsDecimal(row.amountMinor, row.currency),
    cell(row.attemptedOn),
    cell(row.status),
    cell(row.declineCode),
    cell(row.method),
  ].join(',');
}

function disputeLine(row: Dispute, currency: CurrencyCode | undefined): string {
  let amount = '';
  if (row.amountMinor !== null) {
    if (currency === undefined) {
      throw new Error(
        `dispute ${row.disputeId}: its invoice ${row.invoiceId} was not among the last ${REMEMBERED_INVOICES} invoices written, so its amount cannot be formatted`,
      );
    }
    amount = formatMinorAsDecimal(row.amountMinor, currency);
  }
  return [
    cell(row.disputeId),
    cell(row.invoiceId),
    cell(row.openedOn),
    cell(row.resolvedOn),
    cell(row.reason),
    amount,
    cell(row.outcome),
  ].join(',');
}

type Output = { stream: WriteStream; pending: string; failure: Error | undefined };

function waitForDrain(output: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      output.stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      output.stream.off('drain', onDrain);
      reject(error);
    };
    output.stream.once('drain', onDrain);
    output.stream.once('error', onError);
  });
}

/** Ends the stream and waits until its file descriptor is closed. */
function finish(output: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    if (output.failure !== undefined) {
      output.stream.destroy();
      reject(output.failure);
      return;
    }
    output.stream.once('error', reject);
    output.stream.once('close', () => {
      if (output.failure === undefined) resolve();
      else reject(output.failure);
    });
    output.stream.end(output.pending);
    output.pending = '';
  });
}

function openOutput(dir: string, file: DatasetFile): Output {
  const stream = createWriteStream(path.join(dir, file), { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const output: Output = { stream, pending: `${DATASET_HEADERS[file].join(',')}\n`, failure: undefined };
  // Kept so that an error between writes is reported by the next write or by close().
  stream.on('error', (error) => {
    output.failure ??= error;
  });
  return output;
}

/**
 * Writes a dataset folder in the import format: five files with headers (all five, even when
 * empty), amounts in major units with the currency's decimals, empty cells for nulls.
 * Lines are buffered and written in chunks; a write waits while the file's stream is full.
 */
export async function createCsvDatasetWriter(dir: string): Promise<DatasetWriter> {
  await mkdir(dir, { recursive: true });
  const outputs = new Map<DatasetFile, Output>(FILES.map((file) => [file, openOutput(dir, file)]));
  const invoiceCurrencies = new Map<string, CurrencyCode>();
  let closed = false;

  const outputFor = (file: DatasetFile): Output => {
    const output = outputs.get(file);
    if (output === undefined) throw new Error(`not a dataset file: ${String(file)}`);
    return output;
  };

  const lineFor = (row: DatasetRow): string => {
    switch (row.file) {
      case 'customers.csv':
        return customerLine(row.row);
      case 'subscriptions.csv':
        return subscriptionLine(row.row);
      case 'invoices.csv': {
        invoiceCurrencies.delete(row.row.invoiceId);
        invoiceCurrencies.set(row.row.invoiceId, row.row.currency);
        if (invoiceCurrencies.size > REMEMBERED_INVOICES) {
          const oldest = invoiceCurrencies.keys().next();
          if (oldest.done !== true) invoiceCurrencies.delete(oldest.value);
        }
        return invoiceLine(row.row);
      }
      case 'payments.csv':
        return paymentLine(row.row);
      case 'disputes.csv':
        return disputeLine(row.row, invoiceCurrencies.get(row.row.invoiceId));
    }
  };

  return {
    async write(row) {
      if (closed) throw new Error('dataset writer is closed');
      const output = outputFor(row.file);
      if (output.failure !== undefined) throw output.failure;
      output.pending += `${lineFor(row)}\n`;
      if (output.pending.length < CHUNK_CHARS) return;
      const chunk = output.pending;
      output.pending = '';
      if (!output.stream.write(chunk)) await waitForDrain(output);
    },

    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.allSettled([...outputs.values()].map(finish));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
