/**
 * SOQL for the emulator: `@jetstreamapp/soql-parser-js` parses, this file checks the query against the
 * schema (Salesforce's error codes and messages) and evaluates the supported subset over the store:
 * plain fields of one object (plus `FIELDS(ALL|STANDARD|CUSTOM)` and `COUNT()`), WHERE with
 * `= != < <= > >= LIKE IN NOT IN`, `AND`/`OR`/`NOT`, parentheses, null checks and date literals,
 * ORDER BY (ASC/DESC, NULLS FIRST/LAST), LIMIT and OFFSET. Query cursors (`queryMore` locators) live here.
 */
import { parseQuery, type Condition, type Query, type WhereClause } from '@jetstreamapp/soql-parser-js';
import { normalizeId } from './ids';
import {
  fieldSpec,
  isCustomField,
  isNumeric,
  isTextual,
  sobjectSpec,
  type FieldSpec,
  type SObjectSpec,
} from './schema';
import {
  parseDate,
  parseDateTime,
  SalesforceError,
  type FieldValue,
  type JsonObject,
  type StoredRecord,
} from './store';

export interface CompiledQuery {
  soql: string;
  spec: SObjectSpec;
  /** `SELECT COUNT() …`: only `totalSize` is answered. */
  countOnly: boolean;
  fields: FieldSpec[];
  where: Predicate | null;
  orderBy: { field: FieldSpec; desc: boolean; nullsFirst: boolean }[];
  limit: number | null;
  offset: number;
}

type Predicate = (record: StoredRecord) => boolean;

const MAX_SOQL_LENGTH = 100_000;
const MAX_OFFSET = 2000;
const DAY_MS = 86_400_000;

function malformed(soql: string, detail: string): SalesforceError {
  return new SalesforceError(400, 'MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${detail}`);
}

function noSuchColumn(soql: string, name: string, spec: SObjectSpec): SalesforceError {
  return new SalesforceError(
    400,
    'INVALID_FIELD',
    `\n${soql}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity '${spec.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

/** Parses and checks a query; throws MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE like Salesforce. */
export function compileSoql(soql: string, now: () => number): CompiledQuery {
  if (soql.trim() === '') throw malformed(soql, 'unexpected token: <EOF>');
  if (soql.length > MAX_SOQL_LENGTH) {
    throw malformed(soql.slice(0, 200), 'SOQL statements cannot be longer than 100,000 characters.');
  }
  let query: Query;
  try {
    query = parseQuery(soql);
  } catch (error) {
    throw malformed(
      soql,
      error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : 'parse error',
    );
  }
  const objectName = query.sObject ?? '';
  const spec = sobjectSpec(objectName);
  if (!spec) {
    throw new SalesforceError(
      400,
      'INVALID_TYPE',
      `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${objectName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  if (query.groupBy || query.having) throw malformed(soql, 'GROUP BY and HAVING are not emulated');

  const resolve = (name: string, use: 'select' | 'filter' | 'order'): FieldSpec => {
    const bare =
      name.includes('.') && name.split('.')[0]?.toLowerCase() === spec.name.toLowerCase()
        ? name.slice(name.indexOf('.') + 1)
        : name;
    if (bare.includes('.')) {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nRelationship field '${name}' is not emulated (plain fields of ${spec.name} only).`,
      );
    }
    const field = fieldSpec(spec, bare);
    if (!field) throw noSuchColumn(soql, bare, spec);
    if (use !== 'select' && field.type === 'textarea') {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nfield '${field.name}' can not be ${use === 'filter' ? 'filtered' : 'sorted'} in a query call`,
      );
    }
    return field;
  };

  let countOnly = false;
  const fields: FieldSpec[] = [];
  const add = (field: FieldSpec, explicit: boolean): void => {
    if (fields.includes(field)) {
      if (explicit) throw malformed(soql, `duplicate field selected: ${field.name}`);
      return;
    }
    fields.push(field);
  };
  for (const item of query.fields ?? []) {
    if (item.type === 'Field') {
      add(resolve(item.field, 'select'), true);
    } else if (item.type === 'FieldFunctionExpression') {
      const fn = item.functionName.toUpperCase();
      if (fn === 'COUNT' && item.parameters.length === 0) {
        countOnly = true;
      } else if (fn === 'FIELDS') {
        const which = String(item.parameters[0] ?? '').toUpperCase();
        if (which !== 'STANDARD' && (query.limit === undefined || query.limit > 200)) {
          throw malformed(soql, 'The SOQL FIELDS function must have a LIMIT of at most 200');
        }
        for (const field of spec.fields) {
          if (which === 'ALL' || (which === 'CUSTOM') === isCustomField(field)) add(field, false);
        }
      } else {
        throw malformed(soql, `${item.rawValue ?? fn}: aggregate and other functions are not emulated`);
      }
    } else {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nRelationship fields and subqueries are not emulated.`,
      );
    }
  }
  if (countOnly && fields.length > 0)
    throw malformed(soql, 'COUNT() must be the only element in the SELECT list');
  if (!countOnly && fields.length === 0) throw malformed(soql, 'unexpected token: FROM');

  const where = query.where ? compileWhere(query.where, { soql, spec, resolve, now }) : null;
  const orders =
    query.orderBy === undefined ? [] : Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy];
  const orderBy = orders.map((clause) => {
    if (!('field' in clause)) throw malformed(soql, 'ORDER BY functions are not emulated');
    const desc = clause.order === 'DESC';
    return {
      field: resolve(clause.field, 'order'),
      desc,
      nullsFirst: clause.nulls === undefined ? !desc : clause.nulls === 'FIRST',
    };
  });
  const offset = query.offset ?? 0;
  if (offset > MAX_OFFSET) {
    throw new SalesforceError(
      400,
      'NUMBER_OUTSIDE_VALID_RANGE',
      `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
    );
  }
  return { soql, spec, countOnly, fields, where, orderBy, limit: query.limit ?? null, offset };
}

// --------------------------------------------------------------------------------------------- where

interface WhereContext {
  soql: string;
  spec: SObjectSpec;
  resolve: (name: string, use: 'filter') => FieldSpec;
  now: () => number;
}

type Token =
  | { kind: '(' }
  | { kind: ')' }
  | { kind: 'NOT' }
  | { kind: 'AND' | 'OR' }
  | { kind: 'cond'; test: Predicate };

/** The parser gives a linked list with paren counts; flatten it to tokens and parse with precedence. */
function compileWhere(clause: WhereClause, context: WhereContext): Predicate {
  const tokens: Token[] = [];
  let node: WhereClause | undefined = clause;
  while (node) {
    const left: WhereClause['left'] = node.left;
    if (left && 'openParen' in left && left.openParen) {
      for (let index = 0; index < left.openParen; index += 1) tokens.push({ kind: '(' });
    }
    if (left && ('field' in left || 'fn' in left)) {
      tokens.push({ kind: 'cond', test: compileCondition(left as Condition, context) });
      const close = (left as { closeParen?: number }).closeParen ?? 0;
      for (let index = 0; index < close; index += 1) tokens.push({ kind: ')' });
    }
    if ('operator' in node && node.operator) {
      tokens.push(node.operator === 'NOT' ? { kind: 'NOT' } : { kind: node.operator });
      node = (node as { right?: WhereClause }).right;
    } else {
      node = undefined;
    }
  }
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const fail = (): never => {
    throw malformed(context.soql, 'unexpected token in WHERE clause');
  };
  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peek()?.kind === 'OR') {
      position += 1;
      const right = parseAnd();
      const previous = left;
      left = (record) => previous(record) || right(record);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseNot();
    while (peek()?.kind === 'AND') {
      position += 1;
      const right = parseNot();
      const previous = left;
      left = (record) => previous(record) && right(record);
    }
    return left;
  };
  const parseNot = (): Predicate => {
    if (peek()?.kind === 'NOT') {
      position += 1;
      const inner = parseNot();
      return (record) => !inner(record);
    }
    return parsePrimary();
  };
  const parsePrimary = (): Predicate => {
    const token = peek();
    if (!token) return fail();
    position += 1;
    if (token.kind === '(') {
      const inner = parseOr();
      if (peek()?.kind !== ')') return fail();
      position += 1;
      return inner;
    }
    if (token.kind === 'cond') return token.test;
    return fail();
  };
  const predicate = parseOr();
  if (position !== tokens.length) fail();
  return predicate;
}

type Operand =
  { kind: 'null' } | { kind: 'value'; value: FieldValue } | { kind: 'range'; start: number; end: number };

function unquote(literal: string): string {
  const body = literal.startsWith("'") && literal.endsWith("'") ? literal.slice(1, -1) : literal;
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_match, escaped: string) => {
    if (escaped.length === 5) return String.fromCharCode(parseInt(escaped.slice(1), 16));
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
    return map[escaped] ?? escaped;
  });
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function dateLiteralRange(
  literal: string,
  n: number | undefined,
  now: number,
): { start: number; end: number } | null {
  const today = startOfDay(now);
  const date = new Date(today);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const count = n ?? 0;
  switch (literal.toUpperCase().split(':')[0]) {
    case 'TODAY':
      return { start: today, end: today + DAY_MS };
    case 'YESTERDAY':
      return { start: today - DAY_MS, end: today };
    case 'TOMORROW':
      return { start: today + DAY_MS, end: today + 2 * DAY_MS };
    case 'LAST_N_DAYS':
      return { start: today - count * DAY_MS, end: today + DAY_MS };
    case 'NEXT_N_DAYS':
      return { start: today + DAY_MS, end: today + (count + 1) * DAY_MS };
    case 'N_DAYS_AGO':
      return { start: today - count * DAY_MS, end: today - (count - 1) * DAY_MS };
    case 'THIS_MONTH':
      return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
    case 'LAST_MONTH':
      return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
    case 'NEXT_MONTH':
      return { start: Date.UTC(year, month + 1, 1), end: Date.UTC(year, month + 2, 1) };
    case 'THIS_YEAR':
      return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
    case 'LAST_90_DAYS':
      return { start: today - 90 * DAY_MS, end: today + DAY_MS };
    case 'NEXT_90_DAYS':
      return { start: today + DAY_MS, end: today + 91 * DAY_MS };
    default:
      return null;
  }
}

function typeName(field: FieldSpec): string {
  if (isNumeric(field.type)) return field.type === 'int' ? 'int' : 'double';
  if (field.type === 'datetime') return 'dateTime';
  if (field.type === 'id' || field.type === 'reference') return 'id';
  return isTextual(field.type) ? 'string' : field.type;
}

function literalOperand(
  field: FieldSpec,
  raw: string,
  literalType: string,
  dateN: number | undefined,
  context: WhereContext,
): Operand {
  const mismatch = (): never => {
    const quoted = isTextual(field.type) || field.type === 'id' || field.type === 'reference';
    throw new SalesforceError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      `\n${context.soql}\n^\nERROR at Row:1:Column:1\nvalue of filter criterion for field '${field.name}' must be of type ${typeName(field)} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
    );
  };
  if (literalType === 'NULL') return { kind: 'null' };
  if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
    if (field.type !== 'date' && field.type !== 'datetime') return mismatch();
    const range = dateLiteralRange(raw, dateN, context.now());
    if (!range) throw malformed(context.soql, `date literal ${raw} is not emulated`);
    return { kind: 'range', ...range };
  }
  if (isTextual(field.type)) {
    return literalType === 'STRING' ? { kind: 'value', value: unquote(raw) } : mismatch();
  }
  if (field.type === 'id' || field.type === 'reference') {
    if (literalType !== 'STRING') return mismatch();
    const text = unquote(raw);
    if (text === '') return { kind: 'null' };
    const id = normalizeId(text);
    if (!id) {
      throw new SalesforceError(
        400,
        'INVALID_QUERY_FILTER_OPERATOR',
        `\n${context.soql}\n^\nERROR at Row:1:Column:1\ninvalid ID field: ${text}`,
      );
    }
    return { kind: 'value', value: id };
  }
  if (isNumeric(field.type)) {
    if (literalType !== 'INTEGER' && literalType !== 'DECIMAL') return mismatch();
    return { kind: 'value', value: Number(raw) };
  }
  if (field.type === 'boolean') {
    return literalType === 'BOOLEAN' ? { kind: 'value', value: raw.toUpperCase() === 'TRUE' } : mismatch();
  }
  if (field.type === 'date') {
    const date = literalType === 'DATE' ? parseDate(raw) : null;
    return date ? { kind: 'value', value: Date.parse(`${date}T00:00:00Z`) } : mismatch();
  }
  const ms = literalType === 'DATETIME' ? parseDateTime(raw) : null;
  return ms === null ? mismatch() : { kind: 'value', value: ms };
}

/** A stored value in comparable form: dates/dateTimes as epoch ms, text lower-cased. */
function comparable(field: FieldSpec, value: FieldValue | undefined): FieldValue {
  if (value === undefined || value === null) return null;
  if (field.type === 'date' && typeof value === 'string') return Date.parse(`${value}T00:00:00Z`);
  if (field.type === 'datetime' && typeof value === 'string') return parseDateTime(value);
  if (typeof value === 'string' && isTextual(field.type)) return value.toLowerCase();
  return value;
}

function operandValue(operand: Operand, field: FieldSpec): FieldValue {
  if (operand.kind !== 'value') return null;
  return typeof operand.value === 'string' && isTextual(field.type)
    ? operand.value.toLowerCase()
    : operand.value;
}

function compare(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index);
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += pattern.charAt(index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}

function compileCondition(condition: Condition, context: WhereContext): Predicate {
  if (!('field' in condition) || !('operator' in condition)) {
    throw malformed(context.soql, 'functions in WHERE are not emulated');
  }
  if ('valueQuery' in condition) throw malformed(context.soql, 'semi-join subqueries are not emulated');
  const field = context.resolve(condition.field, 'filter');
  const operator = condition.operator;
  const values = Array.isArray(condition.value) ? condition.value : [condition.value];
  const types = Array.isArray(condition.literalType)
    ? condition.literalType
    : values.map(() => (condition.literalType as string | undefined) ?? 'STRING');
  const dateVars =
    'dateLiteralVariable' in condition
      ? Array.isArray(condition.dateLiteralVariable)
        ? condition.dateLiteralVariable
        : [condition.dateLiteralVariable]
      : [];
  const operands = values.map((raw, index) =>
    literalOperand(field, String(raw), String(types[index] ?? 'STRING'), dateVars[index], context),
  );
  const get = (record: StoredRecord): FieldValue => comparable(field, record.values[field.name]);

  if (operator === 'IN' || operator === 'NOT IN') {
    const negate = operator === 'NOT IN';
    return (record) => {
      const value = get(record);
      const hit = operands.some((operand) => matchesEquals(value, operand, field));
      return negate ? !hit : hit;
    };
  }
  const operand = operands[0] ?? { kind: 'null' as const };
  switch (operator) {
    case '=':
      return (record) => matchesEquals(get(record), operand, field);
    case '!=':
      return (record) => !matchesEquals(get(record), operand, field);
    case 'LIKE': {
      if (!isTextual(field.type) && field.type !== 'id' && field.type !== 'reference') {
        throw new SalesforceError(
          400,
          'INVALID_QUERY_FILTER_OPERATOR',
          `\n${context.soql}\n^\nERROR at Row:1:Column:1\ninvalid operator on field: ${field.name}`,
        );
      }
      const regex = likeRegex(operand.kind === 'value' ? String(operand.value) : '');
      return (record) => {
        const value = record.values[field.name];
        return typeof value === 'string' && regex.test(value);
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (operand.kind === 'null') return () => false;
      return (record) => {
        const value = get(record);
        if (value === null) return false;
        if (operand.kind === 'range') {
          const ms = Number(value);
          if (operator === '<') return ms < operand.start;
          if (operator === '<=') return ms < operand.end;
          if (operator === '>') return ms >= operand.end;
          return ms >= operand.start;
        }
        const diff = compare(value, operandValue(operand, field));
        if (operator === '<') return diff < 0;
        if (operator === '<=') return diff <= 0;
        if (operator === '>') return diff > 0;
        return diff >= 0;
      };
    }
    default:
      throw malformed(context.soql, `operator ${operator} is not emulated`);
  }
}

function matchesEquals(value: FieldValue, operand: Operand, field: FieldSpec): boolean {
  if (operand.kind === 'null') return value === null || value === '';
  if (value === null) return false;
  if (operand.kind === 'range') {
    const ms = Number(value);
    return ms >= operand.start && ms < operand.end;
  }
  return compare(value, operandValue(operand, field)) === 0;
}

// ------------------------------------------------------------------------------------------- running

/** The matching records, ordered and sliced by OFFSET/LIMIT. */
export function runQuery(compiled: CompiledQuery, records: Iterable<StoredRecord>): StoredRecord[] {
  let rows: StoredRecord[] = [];
  for (const record of records) if (!compiled.where || compiled.where(record)) rows.push(record);
  if (compiled.orderBy.length > 0) {
    const order = compiled.orderBy;
    rows = rows
      .map((record, index) => ({ record, index }))
      .sort((a, b) => {
        for (const { field, desc, nullsFirst } of order) {
          const left = comparable(field, a.record.values[field.name]);
          const right = comparable(field, b.record.values[field.name]);
          if (left === null || right === null) {
            if (left === right) continue;
            return (left === null) === nullsFirst ? -1 : 1;
          }
          const diff = compare(left, right);
          if (diff !== 0) return desc ? -diff : diff;
        }
        return a.index - b.index;
      })
      .map((entry) => entry.record);
  }
  const end = compiled.limit === null ? undefined : compiled.offset + compiled.limit;
  return rows.slice(compiled.offset, end);
}

/** A record as the query resource returns it: `attributes` then the selected fields in SELECT order. */
export function projectRecord(compiled: CompiledQuery, record: StoredRecord, version: string): JsonObject {
  const row: JsonObject = {
    attributes: {
      type: record.spec.name,
      url: `/services/data/v${version}/sobjects/${record.spec.name}/${record.id}`,
    },
  };
  for (const field of compiled.fields) row[field.name] = record.values[field.name] ?? null;
  return row;
}

// ------------------------------------------------------------------------------------------- cursors

interface Cursor {
  rows: JsonObject[];
  batchSize: number;
  version: string;
  lastUsed: number;
}

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: JsonObject[];
}

/**
 * Open query cursors (`queryMore` locators `01g…-2000`). Like Salesforce, a user keeps at most
 * `maxOpen` (default 10) cursors: opening another drops the least recently used; an idle cursor expires
 * after 15 minutes of emulator time; a finished cursor is closed. A stale locator answers
 * 400 INVALID_QUERY_LOCATOR.
 */
export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly now: () => number,
    private readonly nextId: () => string,
    private readonly maxOpen = 10,
    private readonly idleMs = 15 * 60_000,
  ) {}

  /** The first page; opens a cursor when more rows remain. */
  first(rows: JsonObject[], batchSize: number, version: string): QueryPage {
    if (rows.length <= batchSize) return { totalSize: rows.length, done: true, records: rows };
    const id = this.nextId();
    this.cursors.set(id, { rows, batchSize, version, lastUsed: this.now() });
    while (this.cursors.size > this.maxOpen) {
      let oldest: string | null = null;
      let oldestAt = Infinity;
      for (const [key, cursor] of this.cursors) {
        if (cursor.lastUsed < oldestAt) {
          oldest = key;
          oldestAt = cursor.lastUsed;
        }
      }
      if (oldest === null) break;
      this.cursors.delete(oldest);
    }
    return this.page(id, 0, version);
  }

  /** The page a locator names (`<cursor>-<offset>`). */
  more(locator: string, version: string): QueryPage {
    const dash = locator.lastIndexOf('-');
    const id = dash > 0 ? locator.slice(0, dash) : locator;
    const offset = dash > 0 ? Number(locator.slice(dash + 1)) : NaN;
    const cursor = this.cursors.get(id);
    if (!cursor || !Number.isInteger(offset) || offset < 0 || offset >= cursor.rows.length) {
      throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    if (this.now() - cursor.lastUsed > this.idleMs) {
      this.cursors.delete(id);
      throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return this.page(id, offset, version);
  }

  get open(): number {
    return this.cursors.size;
  }

  clear(): void {
    this.cursors.clear();
  }

  private page(id: string, offset: number, version: string): QueryPage {
    const cursor = this.cursors.get(id);
    if (!cursor) throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    cursor.lastUsed = this.now();
    const end = Math.min(offset + cursor.batchSize, cursor.rows.length);
    const records = cursor.rows.slice(offset, end);
    const done = end >= cursor.rows.length;
    if (done) this.cursors.delete(id);
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}` }),
      records,
    };
  }
}
