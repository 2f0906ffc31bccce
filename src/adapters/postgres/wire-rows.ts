/**
 * Reads the backend messages PostgreSQL answers a pipeline of Parse/Bind/Describe/Execute with, ending
 * in one Sync: one list of positional rows per statement, in statement order, values in the text
 * format turned into what the rest of the store expects (BIGINT a safe-integer number, DATE its
 * 'YYYY-MM-DD' text, text a string, NULL null).
 *
 * Every string is made from its own bytes, never cut out of a larger string: V8 would keep a whole
 * page of text alive for as long as any one value cut from it is kept.
 */
import { Buffer } from 'node:buffer';

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

const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const text = (bytes: Buffer, start: number, end: number): string => bytes.toString('utf8', start, end);

const integer =
  (column: string): Decode =>
  (bytes, start, end) => {
    let index = start;
    const negative = bytes[index] === MINUS;
    if (negative) index += 1;
    let value = 0;
    if (index === end) throw new RangeError(`${column}: "${text(bytes, start, end)}" is not an integer`);
    for (; index < end; index += 1) {
      const digit = (bytes[index] ?? 0) - ZERO;
      if (digit < 0 || digit > 9)
        throw new RangeError(`${column}: "${text(bytes, start, end)}" is not an integer`);
      value = value * 10 + digit;
    }
    // Past 2^53 the sum above is no longer exact, and it only grows: the check catches every such value.
    if (!Number.isSafeInteger(value))
      throw new RangeError(`bigint ${text(bytes, start, end)} is not a safe integer`);
    return negative ? -value : value;
  };

const bool: Decode = (bytes, start) => bytes[start] === 0x74;

/** The day of an ISO 'YYYY-MM-DD' as yyyymmdd, or -1 for any other form (BC, infinity, a 5-digit year). */
function isoDateKey(bytes: Buffer, start: number, end: number): number {
  if (end - start !== 10 || bytes[start + 4] !== MINUS || bytes[start + 7] !== MINUS) return -1;
  let key = 0;
  for (let index = start; index < end; index += 1) {
    if (index === start + 4 || index === start + 7) continue;
    const byte = bytes[index] ?? 0;
    if (byte < ZERO || byte > NINE) return -1;
    key = key * 10 + (byte - ZERO);
  }
  return key;
}

/** Dates repeat across a page's rows: one string per distinct day, shared by every row that has it. */
function dates(): Decode {
  const seen = new Map<number, string>();
  return (bytes, start, end) => {
    const key = isoDateKey(bytes, start, end);
    if (key < 0) return text(bytes, start, end);
    let date = seen.get(key);
    if (date === undefined) {
      date = text(bytes, start, end);
      seen.set(key, date);
    }
    return date;
  };
}

function decoderOf(name: string, typeOid: number, dateDecoder: Decode): Decode {
  switch (typeOid) {
    case TEXT_OID:
    case VARCHAR_OID:
    case BPCHAR_OID:
    case NAME_OID:
      return text;
    case INT8_OID:
    case INT4_OID:
    case INT2_OID:
      return integer(name);
    case DATE_OID:
      return dateDecoder;
    case BOOL_OID:
      return bool;
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
  const dateDecoder = dates();
  let offset = start + 2;
  for (let index = 0; index < count; index += 1) {
    const [name, next] = cString(bytes, offset);
    // table oid (4), column number (2), type oid (4), type size (2), type modifier (4), format (2)
    const typeOid = bytes.readInt32BE(next + 6);
    const format = bytes.readInt16BE(next + 16);
    if (format !== 0) throw new TypeError(`column ${name}: only the text format is read here`);
    columns.push({ name, decode: decoderOf(name, typeOid, dateDecoder) });
    offset = next + 18;
  }
  return columns;
}

function rowOf(bytes: Buffer, start: number, end: number, columns: readonly Column[]): WireRow {
  const count = bytes.readInt16BE(start);
  if (count !== columns.length) throw new Error('malformed backend message: row width differs');
  const row: WireRow = new Array<unknown>(count);
  let offset = start + 2;
  for (let index = 0; index < count; index += 1) {
    const length = bytes.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      row[index] = null;
      continue;
    }
    if (offset + length > end) throw new Error('malformed backend message: value past its row');
    row[index] = (columns[index] as Column).decode(bytes, offset, offset + length);
    offset += length;
  }
  return row;
}

/** The rows of a pipeline's statements, each statement's decoded when asked for. */
export type WireResults = { rows<Tuple extends unknown[] = WireRow>(statement: number): Tuple[] };

/** One statement's messages: where its rows lie, and how to read their columns. */
type Result = { start: number; end: number; columns: Column[] };

function decodeRows(bytes: Buffer, { start, end, columns }: Result): WireRow[] {
  const rows: WireRow[] = [];
  for (let offset = start; offset < end;) {
    const next = offset + 1 + bytes.readInt32BE(offset + 1);
    if (bytes[offset] === 0x44) rows.push(rowOf(bytes, offset + 5, next, columns));
    offset = next;
  }
  return rows;
}

/**
 * The results of `statements` statements from their backend messages. The first ErrorResponse is
 * thrown here (PostgreSQL skips the statements after it up to Sync), as is a column of a type not
 * read here; a statement that returns no rows (NoData) has none. Rows are decoded when asked for, so
 * a caller can act on one statement (say, send its next request) before paying for the others.
 */
export function readWireResults(wire: Uint8Array, statements: number): WireResults {
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
  return {
    // Decoded anew on each call and not kept: rows held here would outlive their use by a whole page.
    rows<Tuple extends unknown[] = WireRow>(statement: number): Tuple[] {
      const result = results[statement];
      if (result === undefined) throw new RangeError(`no statement ${statement} in this pipeline`);
      return decodeRows(bytes, result) as Tuple[];
    },
  };
}
