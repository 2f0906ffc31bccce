/**
 * Reads the backend messages PostgreSQL answers a pipeline of Parse/Bind/Describe/Execute with, ending
 * in one Sync: one list of positional rows per statement, in statement order, values in the binary
 * format the Bind asked for (pglite-worker.mts) turned into what the rest of the store expects (BIGINT
 * a safe-integer number, DATE the text PostgreSQL writes for it, 'YYYY-MM-DD' in the common era, text
 * a string, NULL null).
 *
 * Every string is made from its own bytes, never cut out of a larger string: V8 would keep a whole
 * page of text alive for as long as any one value cut from it is kept.
 */
import { Buffer } from 'node:buffer';
import type { TupleCursor, TupleField } from './sql-client';
import { civilFromDayNumber } from '../../domain/dates';

export type WireRow = unknown[];

type Decode = (bytes: Buffer, start: number, end: number) => unknown;

type Column = { name: string; decode: Decode };

const BOOL_OID = 16;
const NAME_OID = 19;
const INT8_OID = 20;
const INT2_OID = 21;
const INT4_OID = 23;
const TEXT_OID = 25;
const BPCHAR_OID = 1042;
const VARCHAR_OID = 1043;
const DATE_OID = 1082;

const text = (bytes: Buffer, start: number, end: number): string => bytes.toString('utf8', start, end);

/** Exactly the bytes of a value of at most 6 bytes, with its length, as one safe integer. */
function shortKey(bytes: Buffer, start: number, end: number): number {
  let key = end - start;
  for (let index = start; index < end; index += 1) key = key * 256 + (bytes[index] ?? 0);
  return key;
}

function sameBytes(bytes: Buffer, start: number, end: number, other: number): boolean {
  for (let index = start; index < end; index += 1)
    if (bytes[index] !== bytes[other + index - start]) return false;
  return true;
}

/**
 * Text of one column. Values repeat down a column (a customer's id on each of its invoices, an
 * invoice's on each of its payments, a handful of currencies and statuses): a value equal to the
 * previous one, or a short one seen before, is the same string rather than a new one.
 */
function texts(): Decode {
  const short = new Map<number, string>();
  let previous = '';
  let previousStart = 0;
  let previousLength = -1;
  return (bytes, start, end) => {
    const length = end - start;
    if (length <= 6) {
      const key = shortKey(bytes, start, end);
      let value = short.get(key);
      if (value === undefined) {
        value = text(bytes, start, end);
        short.set(key, value);
      }
      return value;
    }
    if (length === previousLength && sameBytes(bytes, start, end, previousStart)) return previous;
    previous = text(bytes, start, end);
    previousStart = start;
    previousLength = length;
    return previous;
  };
}

/** BIGINT, INTEGER, SMALLINT in the binary format: big-endian two's complement. */
const binaryInteger =
  (column: string): Decode =>
  (bytes, start, end) => {
    if (end - start === 2) return bytes.readInt16BE(start);
    if (end - start === 4) return bytes.readInt32BE(start);
    if (end - start !== 8) throw new RangeError(`${column}: ${end - start} bytes are not an integer`);
    // Exact below 2^53; past it the sum rounds to a value no smaller, which the check refuses.
    const value = bytes.readInt32BE(start) * 0x100000000 + bytes.readUInt32BE(start + 4);
    if (!Number.isSafeInteger(value))
      throw new RangeError(`bigint ${bytes.readBigInt64BE(start)} is not a safe integer`);
    return value;
  };

const binaryBool: Decode = (bytes, start) => bytes[start] === 1;

/** Days from 1970-01-01 to PostgreSQL's date epoch, 2000-01-01. */
const POSTGRES_EPOCH_DAY = 10957;
const DATE_NOBEGIN = -0x80000000;
const DATE_NOEND = 0x7fffffff;

/** A date as PostgreSQL writes it in the text format with DateStyle ISO ('0044-03-15 BC', 'infinity'). */
function isoText(days: number): string {
  if (days === DATE_NOBEGIN) return '-infinity';
  if (days === DATE_NOEND) return 'infinity';
  const { year, month, day } = civilFromDayNumber(days + POSTGRES_EPOCH_DAY);
  const shown = year > 0 ? year : 1 - year;
  const text = `${String(shown).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return year > 0 ? text : `${text} BC`;
}

/**
 * The text of each day read in the binary format (days since 2000-01-01), made once per process: a
 * book spans a few thousand distinct days, shared by every row and page that has them. Bounded all
 * the same, for a table of dates spread over millennia.
 */
const dayTexts = new Map<number, string>();
const MAX_DAY_TEXTS = 100_000;

const binaryDate: Decode = (bytes, start) => {
  const days = bytes.readInt32BE(start);
  let date = dayTexts.get(days);
  if (date === undefined) {
    if (dayTexts.size >= MAX_DAY_TEXTS) dayTexts.clear();
    date = isoText(days);
    dayTexts.set(days, date);
  }
  return date;
};

function decoderOf(name: string, typeOid: number): Decode {
  switch (typeOid) {
    case TEXT_OID:
    case VARCHAR_OID:
    case BPCHAR_OID:
    case NAME_OID:
      return texts();
    case INT8_OID:
    case INT4_OID:
    case INT2_OID:
      return binaryInteger(name);
    case DATE_OID:
      return binaryDate;
    case BOOL_OID:
      return binaryBool;
    default:
      throw new TypeError(`column ${name}: type oid ${typeOid} is not read from the wire here`);
  }
}

/** A zero-terminated string at `start`, and the offset after its terminator. */
function cString(bytes: Buffer, start: number): [string, number] {
  const end = bytes.indexOf(0, start);
  if (end < 0) throw new Error('malformed backend message: unterminated string');
  return [bytes.toString('utf8', start, end), end + 1];
}

export type WireError = Error & { code?: string; detail?: string; hint?: string };

/** ErrorResponse: typed fields (M message, C SQLSTATE, D detail, H hint, ...) up to a zero byte. */
function errorOf(bytes: Buffer, start: number, end: number): WireError {
  const fields = new Map<string, string>();
  let offset = start;
  while (offset < end && bytes[offset] !== 0) {
    const type = String.fromCharCode(bytes[offset] ?? 0);
    const [value, next] = cString(bytes, offset + 1);
    fields.set(type, value);
    offset = next;
  }
  const error: WireError = new Error(fields.get('M') ?? 'the database reported an error');
  const code = fields.get('C');
  const detail = fields.get('D');
  const hint = fields.get('H');
  if (code !== undefined) error.code = code;
  if (detail !== undefined) error.detail = detail;
  if (hint !== undefined) error.hint = hint;
  return error;
}

function columnsOf(bytes: Buffer, start: number): Column[] {
  const count = bytes.readInt16BE(start);
  const columns: Column[] = [];
  let offset = start + 2;
  for (let index = 0; index < count; index += 1) {
    const [name, next] = cString(bytes, offset);
    // table oid (4), column number (2), type oid (4), type size (2), type modifier (4), format (2)
    const typeOid = bytes.readInt32BE(next + 6);
    const format = bytes.readInt16BE(next + 16);
    if (format !== 1) throw new TypeError(`column ${name}: only the binary format is read here`);
    columns.push({ name, decode: decoderOf(name, typeOid) });
    offset = next + 18;
  }
  return columns;
}

/** Where each value of the DataRow at `start` lies: its first byte, or -1 for NULL, and its end. */
function locate(bytes: Buffer, start: number, end: number, starts: Int32Array, ends: Int32Array): void {
  const count = bytes.readInt16BE(start);
  if (count !== starts.length) throw new Error('malformed backend message: row width differs');
  let offset = start + 2;
  for (let index = 0; index < count; index += 1) {
    const length = bytes.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      starts[index] = -1;
      continue;
    }
    if (offset + length > end) throw new Error('malformed backend message: value past its row');
    starts[index] = offset;
    ends[index] = offset + length;
    offset += length;
  }
}

/** The rows of a pipeline's statements, each statement's decoded when asked for. */
export type WireResults = {
  rows<Tuple extends unknown[] = WireRow>(statement: number): Tuple[];
  /** What `build` makes of each row, reading only the values it asks for and no row array. */
  map<Tuple extends unknown[], T>(statement: number, build: (field: TupleField<Tuple>) => T): T[];
  /** A statement's rows one at a time, in order. */
  cursor<Tuple extends unknown[]>(statement: number): TupleCursor<Tuple>;
  /** Done with these rows: their memory goes back to the engine, and reading them again throws. */
  release(): void;
};

/** One statement's messages: where its rows lie, and how to read their columns. */
type Result = { start: number; end: number; columns: Column[] };

/** One statement's rows in turn: `next` locates the next row, `field` reads a value of the row located. */
function rowReader(bytes: Buffer, { start, end, columns }: Result) {
  const starts = new Int32Array(columns.length);
  const ends = new Int32Array(columns.length);
  let offset = start;
  const field = (column: number): unknown => {
    const from = starts[column] ?? -1;
    if (from < 0) return null;
    return (columns[column] as Column).decode(bytes, from, ends[column] ?? from);
  };
  return {
    field: field as TupleField<WireRow>,
    /** Whether there is a next row (then located), past messages that are not rows. */
    next(): boolean {
      while (offset < end) {
        const at = offset;
        offset = at + 1 + bytes.readInt32BE(at + 1);
        if (bytes[at] === 0x44) {
          locate(bytes, at + 5, offset, starts, ends);
          return true;
        }
      }
      return false;
    },
  };
}

function mapRows<T>(bytes: Buffer, result: Result, build: (field: TupleField<WireRow>) => T): T[] {
  const reader = rowReader(bytes, result);
  const built: T[] = [];
  while (reader.next()) built.push(build(reader.field));
  return built;
}

function cursorOf<Tuple extends unknown[]>(bytes: Buffer, result: Result): TupleCursor<Tuple> {
  const reader = rowReader(bytes, result);
  const field = reader.field as TupleField<Tuple>;
  let current = reader.next();
  return {
    peek: <K extends number & keyof Tuple>(column: K): Tuple[K] | undefined =>
      current ? field(column) : undefined,
    take<T>(build: (row: TupleField<Tuple>) => T): T | undefined {
      if (!current) return undefined;
      const built = build(field);
      current = reader.next();
      return built;
    },
  };
}

function decodeRows(bytes: Buffer, result: Result): WireRow[] {
  const width = result.columns.length;
  return mapRows(bytes, result, (field) => {
    const row: WireRow = new Array<unknown>(width);
    for (let index = 0; index < width; index += 1) row[index] = field(index);
    return row;
  });
}

/**
 * The results of `statements` statements from their backend messages. The first ErrorResponse is
 * thrown here (PostgreSQL skips the statements after it up to Sync), as is a column of a type not
 * read here; a statement that returns no rows (NoData) has none. Rows are decoded when asked for, so
 * a caller can act on one statement (say, send its next request) before paying for the others.
 */
export function readWireResults(
  wire: Uint8Array,
  statements: number,
  release: () => void = () => undefined,
): WireResults {
  const bytes = Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
  const results: Result[] = [];
  let current: Result = { start: 0, end: 0, columns: [] };
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 5 > bytes.length) throw new Error('malformed backend message: truncated');
    const type = bytes[offset];
    const end = offset + 1 + bytes.readInt32BE(offset + 1);
    if (end > bytes.length || end < offset + 5) throw new Error('malformed backend message: truncated');
    switch (type) {
      case 0x54: // T RowDescription
        current.columns = columnsOf(bytes, offset + 5);
        break;
      case 0x43: // C CommandComplete
      case 0x49: // I EmptyQueryResponse
        current.end = offset;
        results.push(current);
        current = { start: end, end: end, columns: [] };
        break;
      case 0x45: // E ErrorResponse
        throw errorOf(bytes, offset + 5, end);
      default:
        // DataRow, ParseComplete, BindComplete, NoData, notices, parameter status, ReadyForQuery.
        break;
    }
    offset = end;
  }
  if (results.length !== statements)
    throw new Error(`expected the rows of ${statements} statements, got ${results.length}`);
  let released = false;
  return {
    // Decoded anew on each call and not kept: rows held here would outlive their use by a whole page.
    rows<Tuple extends unknown[] = WireRow>(statement: number): Tuple[] {
      const result = results[statement];
      if (result === undefined) throw new RangeError(`no statement ${statement} in this pipeline`);
      return decodeRows(bytes, result) as Tuple[];
    },
    map<Tuple extends unknown[], T>(statement: number, build: (field: TupleField<Tuple>) => T): T[] {
      const result = results[statement];
      if (result === undefined) throw new RangeError(`no statement ${statement} in this pipeline`);
      return mapRows(bytes, result, build as (field: TupleField<WireRow>) => T);
    },
    cursor<Tuple extends unknown[]>(statement: number): TupleCursor<Tuple> {
      const result = results[statement];
      if (result === undefined) throw new RangeError(`no statement ${statement} in this pipeline`);
      return cursorOf<Tuple>(bytes, result);
    },
    release(): void {
      if (released) return;
      released = true;
      release();
    },
  };
}
