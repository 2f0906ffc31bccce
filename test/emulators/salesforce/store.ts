/**
 * State of the Salesforce emulator: the org's records with Salesforce's per-record validation (unknown
 * and read-only fields, types, lengths, restricted picklists, required fields, references, unique and
 * external-id fields) and an undo journal for all-or-none rollbacks. No HTTP here.
 */
import { isIdShaped, mintId, normalizeId } from './ids';
import {
  fieldSpec,
  isNumeric,
  isTextual,
  noSuchColumn,
  sobjectByKeyPrefix,
  sobjectSpec,
  SOBJECTS,
  USER_KEY_PREFIX,
  type FieldSpec,
  type SObjectSpec,
} from './schema';

export type JsonObject = Record<string, unknown>;
export type FieldValue = string | number | boolean | null;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------------------------------------ errors

/** One entry of a REST error body. */
export interface ApiErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** A whole-request error, answered as Salesforce does: `[{message, errorCode, fields?}]`. */
export class SalesforceError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
    this.name = 'SalesforceError';
  }

  toBody(): ApiErrorItem[] {
    return [
      {
        message: this.message,
        errorCode: this.errorCode,
        ...(this.fields ? { fields: this.fields } : {}),
      },
    ];
  }
}

/** The error of one record (sObject Collections, composite, Bulk). */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

export function recordError(statusCode: string, message: string, fields: string[] = []): RecordError {
  return { statusCode, message, fields };
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

// ------------------------------------------------------------------------------------------------- clock

/**
 * Time for `CreatedDate`/`LastModifiedDate`, token expiry and date literals. A fixed clock (the default)
 * moves only through `set`/`advance`; `'wall'` follows `Date.now()` plus any offset.
 */
export class EmulatorClock {
  private fixed: number | null;
  private offset = 0;

  constructor(start: number | 'wall') {
    this.fixed = start === 'wall' ? null : start;
  }

  now(): number {
    return this.fixed ?? Date.now() + this.offset;
  }

  set(ms: number): void {
    if (this.fixed === null) this.offset = ms - Date.now();
    else this.fixed = ms;
  }

  advance(ms: number): void {
    if (this.fixed === null) this.offset += ms;
    else this.fixed += ms;
  }
}

/** Salesforce's JSON dateTime format: `2026-01-01T00:00:00.000+0000`. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseDate(value: string): string | null {
  const match = DATE_SHAPE.exec(value);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === value ? value : null;
}

/** Epoch ms of an ISO-8601 dateTime (offset optional, UTC assumed), or null. */
export function parseDateTime(value: string): number | null {
  const match = DATETIME_SHAPE.exec(value);
  if (!match) return null;
  const zone = match[8] ?? 'Z';
  const fraction = (match[7] ?? '0').padEnd(3, '0').slice(0, 3);
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}.${fraction}${
    zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone
  }`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

// ------------------------------------------------------------------------------------------------ values

type Coerced = { ok: true; value: FieldValue } | { ok: false; parse: boolean; error: RecordError };

/** Where a value came from: a JSON body (typed) or a Bulk CSV cell (text). */
export type ValueSource = 'json' | 'csv';

function parseFailure(field: FieldSpec, raw: unknown, target: string): Coerced {
  const token =
    typeof raw === 'string' ? 'VALUE_STRING' : Array.isArray(raw) ? 'START_ARRAY' : 'START_OBJECT';
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return {
    ok: false,
    parse: true,
    error: recordError(
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${target} from ${token} value ${shown} or request may be missing a required field`,
      [field.name],
    ),
  };
}

function typeFailure(field: FieldSpec, raw: unknown): Coerced {
  return {
    ok: false,
    parse: false,
    error: recordError(
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      `${field.label}: value not of required type: ${String(raw)}`,
      [field.name],
    ),
  };
}

/**
 * A value as stored (dates `YYYY-MM-DD`, dateTimes in Salesforce's format, numbers, booleans, ids in the
 * 18-character form). JSON type mismatches are whole-request `JSON_PARSER_ERROR`s (`parse: true`), as
 * Salesforce fails to deserialize the body; CSV ones are per-record errors.
 */
export function coerceValue(field: FieldSpec, raw: unknown, source: ValueSource): Coerced {
  const failure = (target: string): Coerced =>
    source === 'json' ? parseFailure(field, raw, target) : typeFailure(field, raw);
  if (raw === null || raw === undefined) return { ok: true, value: field.type === 'boolean' ? false : null };
  if (typeof raw === 'object') return failure(field.type === 'boolean' ? 'boolean' : 'string');
  const type = field.type;
  if (isTextual(type) || type === 'id' || type === 'reference') {
    const value = String(raw);
    if (field.length !== undefined && value.length > field.length) {
      return {
        ok: false,
        parse: false,
        error: recordError(
          'STRING_TOO_LONG',
          `${field.label}: data value too large: ${value.slice(0, 64)} (max length=${field.length})`,
          [field.name],
        ),
      };
    }
    if (type === 'email' && value !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
      return {
        ok: false,
        parse: false,
        error: recordError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${value}`, [
          field.name,
        ]),
      };
    }
    if (type === 'picklist' && field.restricted && !(field.picklist ?? []).includes(value)) {
      return {
        ok: false,
        parse: false,
        error: recordError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${value}`,
          [field.name],
        ),
      };
    }
    if (type === 'reference' || type === 'id') {
      const id = normalizeId(value);
      if (!id) {
        return {
          ok: false,
          parse: false,
          error: recordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${value}`, [
            field.name,
          ]),
        };
      }
      return { ok: true, value: id };
    }
    return { ok: true, value: value === '' && type === 'picklist' ? null : value };
  }
  if (isNumeric(type)) {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
    if (
      typeof raw === 'boolean' ||
      !Number.isFinite(value) ||
      (typeof raw === 'string' && raw.trim() === '')
    ) {
      return failure(type === 'int' ? 'int' : 'double');
    }
    if (type === 'int' && !Number.isInteger(value)) return failure('int');
    const scale = field.scale ?? 0;
    const rounded = field.precision === undefined ? value : Number(value.toFixed(scale));
    if (
      field.precision !== undefined &&
      Math.trunc(Math.abs(rounded)).toString().length > field.precision - scale
    ) {
      return {
        ok: false,
        parse: false,
        error: recordError(
          'NUMBER_OUTSIDE_VALID_RANGE',
          `${field.label}: value outside of valid range on numeric field: ${value}`,
          [field.name],
        ),
      };
    }
    return { ok: true, value: rounded };
  }
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return { ok: true, value: raw };
    const text = String(raw).toLowerCase();
    if (text === 'true' || (source === 'csv' && text === '1')) return { ok: true, value: true };
    if (text === 'false' || (source === 'csv' && text === '0')) return { ok: true, value: false };
    return failure('boolean');
  }
  if (type === 'date') {
    const value = typeof raw === 'string' ? parseDate(raw) : null;
    return value === null ? failure('date') : { ok: true, value };
  }
  // datetime
  const ms = typeof raw === 'string' ? parseDateTime(raw) : null;
  return ms === null ? failure('datetime') : { ok: true, value: formatDateTime(ms) };
}

// ------------------------------------------------------------------------------------------------- state

export interface StoredRecord {
  id: string;
  spec: SObjectSpec;
  /** Canonical field name → value, system fields included. */
  values: Record<string, FieldValue>;
  deleted: boolean;
}

export interface RecordSnapshot {
  id: string;
  type: string;
  fields: Record<string, FieldValue>;
  deleted: boolean;
}

export type DmlOutcome =
  { success: true; id: string; created: boolean } | { success: false; id?: string; errors: RecordError[] };

export interface WriteOptions {
  /** `'record'` (default): an unknown field fails only that record; `'request'`: the whole request (400). */
  unknownField?: 'record' | 'request';
  source?: ValueSource;
  /** The record's id (seeding records that already have one, like the org's users). */
  id?: string;
  /** A test seeding data, not the API user: field-level security does not apply. */
  seed?: boolean;
}

export interface StoreOptions {
  clock: EmulatorClock;
  /** The running user (`OwnerId`/`CreatedById` default). */
  userId: string;
  /** Every user id that may own records. */
  userIds: () => readonly string[];
  /** Field-level security: the API user may read but not edit this field. */
  fieldReadOnly?: (object: string, field: string) => boolean;
}

/** A point to roll back to (`savepoint()` … `rollbackTo()` / `release()`). */
export interface Savepoint {
  readonly mark: number;
}

export class SalesforceStore {
  private readonly records = new Map<string, StoredRecord>();
  private readonly byType = new Map<string, Map<string, StoredRecord>>();
  /** type → field → normalized value → id. */
  private readonly uniqueIndex = new Map<string, Map<string, Map<string, string>>>();
  private readonly counters = new Map<string, number>();
  private journal: (() => void)[] | null = null;
  private depth = 0;

  constructor(private readonly options: StoreOptions) {
    for (const spec of SOBJECTS) this.byType.set(spec.name, new Map());
  }

  get clock(): EmulatorClock {
    return this.options.clock;
  }

  /** Next deterministic id for a key prefix. */
  nextId(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return mintId(prefix, next);
  }

  /** `CINV-{0000000}` → `CINV-0000001`, one sequence per object (not rolled back, like Salesforce). */
  private nextAutoNumber(spec: SObjectSpec, format: string): string {
    const key = `autonumber:${spec.name}`;
    const next = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, next);
    return format.replace(/\{(0+)\}/, (_match, zeros: string) => String(next).padStart(zeros.length, '0'));
  }

  // ------------------------------------------------------------------------------------ transactions

  savepoint(): Savepoint {
    if (!this.journal) this.journal = [];
    this.depth += 1;
    return { mark: this.journal.length };
  }

  release(_savepoint: Savepoint): void {
    this.depth -= 1;
    if (this.depth <= 0) {
      this.depth = 0;
      this.journal = null;
    }
  }

  rollbackTo(savepoint: Savepoint): void {
    const journal = this.journal;
    if (journal) {
      while (journal.length > savepoint.mark) journal.pop()?.();
    }
    this.release(savepoint);
  }

  private remember(undo: () => void): void {
    this.journal?.push(undo);
  }

  // ---------------------------------------------------------------------------------------- reading

  get(id: string): StoredRecord | undefined {
    const canonical = normalizeId(id);
    return canonical ? this.records.get(canonical) : undefined;
  }

  /** Records of a type in creation order; deleted ones only with `includeDeleted`. */
  *recordsOf(spec: SObjectSpec, includeDeleted = false): Iterable<StoredRecord> {
    for (const record of this.byType.get(spec.name)?.values() ?? []) {
      if (includeDeleted || !record.deleted) yield record;
    }
  }

  count(spec: SObjectSpec): number {
    let total = 0;
    for (const record of this.byType.get(spec.name)?.values() ?? []) if (!record.deleted) total += 1;
    return total;
  }

  /** The live record whose unique field has `value` (case rules of the field). */
  findByUnique(spec: SObjectSpec, field: FieldSpec, value: string): StoredRecord | undefined {
    if (field.type === 'id') {
      const record = this.get(value);
      return record && record.spec === spec && !record.deleted ? record : undefined;
    }
    const id = this.uniqueIndex.get(spec.name)?.get(field.name)?.get(uniqueKey(field, value));
    return id ? this.records.get(id) : undefined;
  }

  /** Live records whose (external id) field equals `value`, for non-unique external ids. */
  findAllByField(spec: SObjectSpec, field: FieldSpec, value: string): StoredRecord[] {
    if (field.unique || field.type === 'id') {
      const found = this.findByUnique(spec, field, value);
      return found ? [found] : [];
    }
    const key = uniqueKey(field, value);
    return [...this.recordsOf(spec)].filter((record) => {
      const stored = record.values[field.name];
      return typeof stored === 'string' && uniqueKey(field, stored) === key;
    });
  }

  snapshot(record: StoredRecord): RecordSnapshot {
    return { id: record.id, type: record.spec.name, fields: { ...record.values }, deleted: record.deleted };
  }

  // ---------------------------------------------------------------------------------------- writing

  /**
   * Validates `input` (an sObject body; `attributes` ignored) for an insert or an update of `existing`.
   * Throws a SalesforceError for whole-request failures (JSON type mismatches, unknown fields with
   * `unknownField: 'request'`); returns per-record errors otherwise.
   */
  private prepare(
    spec: SObjectSpec,
    input: JsonObject,
    existing: StoredRecord | null,
    options: WriteOptions,
  ): { values: Record<string, FieldValue> } | { errors: RecordError[] } {
    const source = options.source ?? 'json';
    const values: Record<string, FieldValue> = {};
    const readOnly: string[] = [];
    const errors: RecordError[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const field = fieldSpec(spec, key);
      if (!field) {
        if ((options.unknownField ?? 'record') === 'request') {
          throw new SalesforceError(400, 'INVALID_FIELD', noSuchColumn(key, spec));
        }
        return { errors: [recordError('INVALID_FIELD', noSuchColumn(key, spec), [key])] };
      }
      if (field.type === 'id') {
        if (existing && typeof raw === 'string' && normalizeId(raw) === existing.id) continue;
        return {
          errors: [
            recordError(
              'INVALID_FIELD_FOR_INSERT_UPDATE',
              existing
                ? `Record ID: cannot specify a different Id in an update call`
                : 'Record ID: cannot specify Id in an insert call',
              ['Id'],
            ),
          ],
        };
      }
      const hidden = options.seed !== true && this.options.fieldReadOnly?.(spec.name, field.name) === true;
      if (field.readOnly || field.autoNumber !== undefined || hidden) {
        readOnly.push(field.name);
        continue;
      }
      if (source === 'csv' && raw === '') continue;
      const coerced = coerceValue(field, source === 'csv' && raw === '#N/A' ? null : raw, source);
      if (!coerced.ok) {
        if (coerced.parse) {
          throw new SalesforceError(400, 'JSON_PARSER_ERROR', coerced.error.message);
        }
        errors.push(coerced.error);
        continue;
      }
      values[field.name] = coerced.value;
    }
    if (readOnly.length > 0) {
      return {
        errors: [
          recordError(
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            readOnly,
          ),
        ],
      };
    }
    if (errors.length > 0) return { errors };

    if (!existing) {
      for (const field of spec.fields) {
        if (values[field.name] === undefined && field.defaultValue !== undefined) {
          values[field.name] = field.defaultValue;
        }
      }
    }
    const missing = spec.fields
      .filter((field) => field.required)
      .filter((field) => {
        const value = field.name in values ? values[field.name] : existing?.values[field.name];
        return value === null || value === undefined || value === '';
      })
      .map((field) => field.name);
    if (missing.length > 0) {
      return {
        errors: [
          recordError(
            'REQUIRED_FIELD_MISSING',
            `Required fields are missing: [${missing.join(', ')}]`,
            missing,
          ),
        ],
      };
    }

    for (const [name, value] of Object.entries(values)) {
      const field = fieldSpec(spec, name);
      if (!field || field.type !== 'reference' || typeof value !== 'string') continue;
      const problem = this.checkReference(field, value);
      if (problem) return { errors: [problem] };
    }

    for (const [name, value] of Object.entries(values)) {
      const field = fieldSpec(spec, name);
      if (!field?.unique || typeof value !== 'string' || value === '') continue;
      const holder = this.uniqueIndex.get(spec.name)?.get(field.name)?.get(uniqueKey(field, value));
      if (holder && holder !== existing?.id) {
        return {
          errors: [
            recordError(
              'DUPLICATE_VALUE',
              `duplicate value found: ${field.name} duplicates value on record with id: ${holder}`,
            ),
          ],
        };
      }
    }
    return { values };
  }

  private checkReference(field: FieldSpec, id: string): RecordError | null {
    const targets = field.referenceTo ?? [];
    const prefix = id.slice(0, 3);
    if (prefix === USER_KEY_PREFIX && targets.includes('User')) {
      return this.options.userIds().includes(id)
        ? null
        : recordError('INVALID_CROSS_REFERENCE_KEY', `${field.label}: owner cannot be inactive or missing`, [
            field.name,
          ]);
    }
    const target = sobjectByKeyPrefix(prefix);
    if (!target || !targets.includes(target.name)) {
      return recordError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${id}`, [
        field.name,
      ]);
    }
    const record = this.records.get(id);
    if (!record)
      return recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]);
    if (record.deleted) return recordError('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
    return null;
  }

  /** Creates a record. */
  insert(spec: SObjectSpec, input: JsonObject, options: WriteOptions = {}): DmlOutcome {
    const prepared = this.prepare(spec, input, null, options);
    if ('errors' in prepared) return { success: false, errors: prepared.errors };
    const id = options.id ?? this.nextId(spec.keyPrefix);
    const now = formatDateTime(this.clock.now());
    const values: Record<string, FieldValue> = {};
    for (const field of spec.fields) {
      values[field.name] =
        field.autoNumber === undefined ? null : this.nextAutoNumber(spec, field.autoNumber);
    }
    Object.assign(values, prepared.values, {
      Id: id,
      IsDeleted: false,
      OwnerId: prepared.values.OwnerId ?? this.options.userId,
      CreatedDate: now,
      CreatedById: this.options.userId,
      LastModifiedDate: now,
      LastModifiedById: this.options.userId,
      SystemModstamp: now,
    });
    const record: StoredRecord = { id, spec, values, deleted: false };
    this.records.set(id, record);
    this.byType.get(spec.name)?.set(id, record);
    this.indexAll(record);
    this.remember(() => {
      this.unindexAll(record);
      this.records.delete(id);
      this.byType.get(spec.name)?.delete(id);
    });
    return { success: true, id, created: true };
  }

  /** The record an update/delete names, or the error Salesforce gives for a bad id. */
  resolveTarget(spec: SObjectSpec | null, rawId: unknown): StoredRecord | RecordError {
    const text = typeof rawId === 'string' ? rawId : '';
    const id = normalizeId(text);
    if (!id) return recordError('MALFORMED_ID', `malformed id ${text}`, []);
    const record = this.records.get(id);
    if (!record) {
      const owner = sobjectByKeyPrefix(id.slice(0, 3));
      if (!owner || (spec && owner !== spec)) return recordError('MALFORMED_ID', `malformed id ${text}`, []);
      return recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    }
    if (spec && record.spec !== spec) return recordError('MALFORMED_ID', `malformed id ${text}`, []);
    if (record.deleted) return recordError('ENTITY_IS_DELETED', 'entity is deleted', []);
    return record;
  }

  /** Updates `record` with `input`. */
  update(record: StoredRecord, input: JsonObject, options: WriteOptions = {}): DmlOutcome {
    const prepared = this.prepare(record.spec, input, record, options);
    if ('errors' in prepared) return { success: false, id: record.id, errors: prepared.errors };
    const before = { ...record.values };
    this.unindexAll(record);
    const now = formatDateTime(this.clock.now());
    Object.assign(record.values, prepared.values, {
      LastModifiedDate: now,
      LastModifiedById: this.options.userId,
      SystemModstamp: now,
    });
    this.indexAll(record);
    this.remember(() => {
      this.unindexAll(record);
      record.values = before;
      this.indexAll(record);
    });
    return { success: true, id: record.id, created: false };
  }

  /**
   * Upsert by an external id (or `Id`): updates the single match, creates when none matches (setting the
   * external id field to `value`), fails when several match.
   */
  upsert(
    spec: SObjectSpec,
    field: FieldSpec,
    value: string,
    input: JsonObject,
    options: WriteOptions = {},
  ): DmlOutcome | { multiple: StoredRecord[] } {
    const matches = this.findAllByField(spec, field, value);
    if (matches.length > 1) return { multiple: matches };
    const body: JsonObject = {};
    for (const [key, raw] of Object.entries(input)) {
      if (key.toLowerCase() !== field.name.toLowerCase()) body[key] = raw;
    }
    const match = matches[0];
    if (match) return this.update(match, body, options);
    if (field.type === 'id') {
      return {
        success: false,
        errors: [recordError('NOT_FOUND', `Provided Id ${value} does not exist`, ['Id'])],
      };
    }
    return this.insert(spec, { ...body, [field.name]: value }, options);
  }

  /** Soft delete (to the recycle bin): `IsDeleted` becomes true, queries skip it (queryAll shows it). */
  delete(record: StoredRecord): DmlOutcome {
    this.unindexAll(record);
    record.deleted = true;
    record.values.IsDeleted = true;
    this.remember(() => {
      record.deleted = false;
      record.values.IsDeleted = false;
      this.indexAll(record);
    });
    return { success: true, id: record.id, created: false };
  }

  /** Forgets every record (ids keep counting). */
  clear(): void {
    this.records.clear();
    for (const map of this.byType.values()) map.clear();
    this.uniqueIndex.clear();
  }

  private indexAll(record: StoredRecord): void {
    if (record.deleted) return;
    for (const field of record.spec.fields) {
      const value = record.values[field.name];
      if (!field.unique || typeof value !== 'string' || value === '') continue;
      let byField = this.uniqueIndex.get(record.spec.name);
      if (!byField) {
        byField = new Map();
        this.uniqueIndex.set(record.spec.name, byField);
      }
      let byValue = byField.get(field.name);
      if (!byValue) {
        byValue = new Map();
        byField.set(field.name, byValue);
      }
      byValue.set(uniqueKey(field, value), record.id);
    }
  }

  private unindexAll(record: StoredRecord): void {
    const byField = this.uniqueIndex.get(record.spec.name);
    if (!byField) return;
    for (const field of record.spec.fields) {
      const value = record.values[field.name];
      if (!field.unique || typeof value !== 'string') continue;
      const byValue = byField.get(field.name);
      const key = uniqueKey(field, value);
      if (byValue?.get(key) === record.id) byValue.delete(key);
    }
  }
}

export function uniqueKey(field: FieldSpec, value: string): string {
  return field.caseSensitive ? value : value.toLowerCase();
}

/** The sObject of a path segment or `attributes.type`, or a 404 like Salesforce's. */
export function requireSpec(name: string): SObjectSpec {
  const spec = sobjectSpec(name);
  if (!spec) throw new SalesforceError(404, 'NOT_FOUND', NOT_FOUND_MESSAGE);
  return spec;
}

/** The external id field of an upsert path: must exist (404) and be an external id or `Id` (400). */
export function requireExternalIdField(spec: SObjectSpec, name: string): FieldSpec {
  const field = fieldSpec(spec, name);
  if (!field) {
    throw new SalesforceError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  }
  if (field.type !== 'id' && !field.externalId) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `Field name provided, ${field.name} is not an External ID or indexed field for ${spec.name}`,
    );
  }
  return field;
}

export { isIdShaped };
