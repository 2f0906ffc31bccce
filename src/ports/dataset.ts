import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../domain/model';
import type { DatasetFile } from './store';

/** A raw CSV record: header name → cell text (trimmed), with its 1-based physical line number. */
export type RawRecord = { line: number; values: Readonly<Record<string, string>>; cellCount: number };

/**
 * The file is not valid CSV at this line (unclosed quote, stray quote) or not UTF-8 text (`column` is
 * then "(encoding)"): nothing after it can be read.
 */
export class DatasetSyntaxError extends Error {
  constructor(
    readonly file: DatasetFile,
    readonly line: number,
    readonly detail: string,
    readonly column = '(row)',
  ) {
    super(`${file}:${line}: ${column}: ${detail}`);
    this.name = 'DatasetSyntaxError';
  }
}

export type RawFile = {
  /** Column names from the header line, as written. */
  header: readonly string[];
  records: AsyncIterable<RawRecord>;
  sizeBytes: number;
  /** Bytes of the file consumed so far (for progress). */
  bytesRead(): number;
};

/** Reads a dataset folder file by file, streaming. */
export interface DatasetReader {
  /** undefined when the folder has no such file. */
  open(file: DatasetFile): Promise<RawFile | undefined>;
}

/** The rows of a dataset as the generator emits them, in file order within each file. */
export type DatasetRow =
  | { file: 'customers.csv'; row: Customer }
  | { file: 'subscriptions.csv'; row: Subscription }
  | { file: 'invoices.csv'; row: Invoice }
  | { file: 'payments.csv'; row: PaymentAttempt }
  | { file: 'disputes.csv'; row: Dispute };

/** Writes rows into a dataset folder in the import format; every file is written even when empty. */
export interface DatasetWriter {
  write(row: DatasetRow): Promise<void>;
  close(): Promise<void>;
}
