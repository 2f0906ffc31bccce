/**
 * State of the HubSpot emulator: one portal's properties, property groups, CRM objects and associations,
 * with HubSpot's validation and batch semantics. No HTTP here; `emulator.ts` maps requests onto it.
 */
import {
  associationType,
  defaultAssociationType,
  FIELD_TYPES,
  OBJECT_TYPES,
  PROPERTY_TYPES,
  resolveObjectType,
  type AssociationTypeSpec,
  type BuiltinProperty,
  type ObjectTypeName,
  type ObjectTypeSpec,
  type PropertyOption,
  type PropertyType,
} from './schema';

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------------------------------------ errors

/** A whole-request error, answered with HubSpot's error body `{status:'error', message, correlationId, category}`. */
export class HubspotError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly category: string,
    message: string,
    readonly extra: JsonObject = {},
  ) {
    super(message);
    this.name = 'HubspotError';
  }

  toBody(correlationId: string): JsonObject {
    return { status: 'error', message: this.message, correlationId, category: this.category, ...this.extra };
  }
}

/** An error whose body is not the CRM shape (the OAuth endpoints answer `{status:'BAD_AUTH_CODE', message}`). */
export class RawHubspotError extends HubspotError {
  constructor(
    httpStatus: number,
    private readonly body: JsonObject,
  ) {
    super(httpStatus, String(body.status ?? 'error'), String(body.message ?? ''));
  }

  override toBody(correlationId: string): JsonObject {
    return { ...this.body, correlationId };
  }
}

/** The error of one input of a batch (an entry of `errors` in a 207 body). */
export interface InputError {
  httpStatus: number;
  category: string;
  message: string;
  subCategory?: string;
  context: Record<string, string[]>;
}

function inputErrorJson(error: InputError): JsonObject {
  return {
    status: 'error',
    category: error.category,
    ...(error.subCategory ? { subCategory: error.subCategory } : {}),
    message: error.message,
    context: error.context,
  };
}

function invalidJson(detail: string): HubspotError {
  return new HubspotError(400, 'VALIDATION_ERROR', `Invalid input JSON on line 1, column 1: ${detail}`);
}

// ------------------------------------------------------------------------------------------------- clock

/**
 * Time for `createdAt`/`updatedAt`, property history, token expiry and the daily limit. A fixed clock
 * (the default) moves only through `set`/`advance`; `'wall'` follows `Date.now()` plus any offset.
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

// ------------------------------------------------------------------------------------------------- state

export interface PropertyRecord {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  externalOptions: boolean;
  /** `OWNER`: a HubSpot user property, whose values are owner ids. */
  referencedObjectType?: string;
  calculationFormula?: string;
  archived: boolean;
  archivedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface GroupRecord {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface HistoryEntry {
  value: string;
  timestamp: number;
  sourceType: string;
}

export interface StoredObject {
  id: string;
  type: ObjectTypeName;
  properties: Map<string, string>;
  history: Map<string, HistoryEntry[]>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | null;
}

interface TypeState {
  spec: ObjectTypeSpec;
  properties: Map<string, PropertyRecord>;
  groups: Map<string, GroupRecord>;
  objects: Map<string, StoredObject>;
  /** property name → value → object id, for properties with `hasUniqueValue`. */
  unique: Map<string, Map<string, string>>;
  nextId: number;
}

interface PropertyIssue {
  code: string;
  name: string;
  message: string;
}

interface AssociationRequest {
  toType: ObjectTypeName;
  toId: string;
  typeId: number;
}

/** A validated write, ready to apply. `targetId` null = create. */
interface PreparedWrite {
  targetId: string | null;
  values: Map<string, string | null>;
  associations: AssociationRequest[];
  objectWriteTraceId: string | undefined;
}

export interface BatchOutcome {
  httpStatus: number;
  body?: JsonObject;
  error?: HubspotError;
  inputs: number;
  created: number;
  updated: number;
  failed: number;
}

export interface StoreOptions {
  portalId: number;
  clock: EmulatorClock;
  /** Valid `hubspot_owner_id` values; `null` accepts any numeric id. */
  owners: string[] | null;
  /** `partial`: valid inputs are applied and a mixed batch answers 207. `atomic`: any invalid input fails the whole batch (400/409) and nothing is applied. */
  batchMode: 'partial' | 'atomic';
  maxBatchInputs: number;
  /** Associations per input per page of a v4 batch read; more come with `paging.next.after`. */
  associationsPageSize?: number;
}

const HISTORY_LIMIT = 50;
const SOURCE_TYPE = 'INTEGRATION';

export interface AssociationSnapshot {
  toObjectType: ObjectTypeName;
  toObjectId: string;
  associationTypeIds: number[];
}

export interface ObjectSnapshot {
  id: string;
  type: ObjectTypeName;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  associations: AssociationSnapshot[];
}

/** One property value changed, by whom (webhooks' `changeSource` and `sourceId`). */
export interface PropertyChange {
  type: ObjectTypeName;
  objectId: string;
  name: string;
  value: string;
  at: number;
  changeSource: string;
  sourceId: string;
}

export class HubspotStore {
  /** Who the changes being made now come from: the emulator sets it around each API request. */
  changedBy: { changeSource: string; sourceId: string } = { changeSource: 'CRM_UI', sourceId: 'userId:1' };
  onPropertyChange: ((change: PropertyChange) => void) | undefined;
  private readonly types = new Map<ObjectTypeName, TypeState>();
  /** `type:id` → `toType:toId` → association type ids (both directions are stored). */
  private readonly links = new Map<string, Map<string, Set<number>>>();

  constructor(readonly options: StoreOptions) {
    this.reset();
  }

  private get clock(): EmulatorClock {
    return this.options.clock;
  }

  private iso(ms: number = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  /** Drops every object, association and custom property/group; restores the built-in schema. */
  reset(): void {
    this.types.clear();
    this.links.clear();
    const now = this.clock.now();
    for (const spec of OBJECT_TYPES) {
      const state: TypeState = {
        spec,
        properties: new Map(),
        groups: new Map(),
        objects: new Map(),
        unique: new Map(),
        nextId: spec.idBase + 1,
      };
      for (const group of spec.groups) state.groups.set(group.name, { ...group, archived: false });
      const defaultGroup = spec.groups[0]?.name ?? 'information';
      spec.properties.forEach((builtin, index) => {
        state.properties.set(builtin.name, builtinRecord(builtin, defaultGroup, index, now));
      });
      this.types.set(spec.name, state);
    }
  }

  /** The state of an object type named as HubSpot accepts it in paths (`companies`, `company`, `0-2`). */
  private state(raw: string): TypeState {
    const spec = resolveObjectType(raw);
    const state = spec ? this.types.get(spec.name) : undefined;
    if (!state) throw new HubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${raw}`);
    return state;
  }

  typeName(raw: string): ObjectTypeName {
    return this.state(raw).spec.name;
  }

  // ---------------------------------------------------------------------------------------- properties

  listProperties(rawType: string, archived: boolean): JsonObject[] {
    const state = this.state(rawType);
    return [...state.properties.values()]
      .filter((property) => property.archived === archived)
      .map((property) => renderProperty(property));
  }

  getProperty(rawType: string, name: string, archived = false): JsonObject {
    const property = this.state(rawType).properties.get(name);
    if (!property || property.archived !== archived) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name}`, {
        context: { name: [name] },
      });
    }
    return renderProperty(property);
  }

  createProperty(rawType: string, body: unknown): JsonObject {
    const state = this.state(rawType);
    if (!isRecord(body)) throw invalidJson('expected a property object');
    const name = requiredString(body, 'name');
    const label = requiredString(body, 'label');
    const type = requiredString(body, 'type');
    const fieldType = requiredString(body, 'fieldType');
    const groupName = requiredString(body, 'groupName');
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name.length > 100) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Property name '${name}' is invalid: names start with a lowercase letter and contain only lowercase letters, digits and underscores`,
      );
    }
    if (!PROPERTY_TYPES.includes(type as PropertyType)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid property type '${type}'`);
    }
    const fits = FIELD_TYPES[fieldType];
    if (!fits) throw new HubspotError(400, 'VALIDATION_ERROR', `Invalid field type '${fieldType}'`);
    if (!fits.includes(type as PropertyType)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Property type '${type}' is not compatible with field type '${fieldType}'`,
      );
    }
    const group = state.groups.get(groupName);
    if (!group || group.archived) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Property group '${groupName}' does not exist`);
    }
    const hasUniqueValue = body.hasUniqueValue === true;
    if (hasUniqueValue && type !== 'string' && type !== 'number') {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Properties of type '${type}' cannot require unique values (only string and number)`,
      );
    }
    if (state.properties.has(name)) {
      throw new HubspotError(409, 'OBJECT_ALREADY_EXISTS', `A property named '${name}' already exists.`, {
        context: { name: [name] },
      });
    }
    // A HubSpot user property (properties guide: `type: enumeration`, `fieldType: select`,
    // `referencedObjectType: OWNER`) takes its options from the portal's owners.
    const referencedObjectType =
      typeof body.referencedObjectType === 'string' ? body.referencedObjectType : undefined;
    if (referencedObjectType !== undefined && referencedObjectType !== 'OWNER') {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Invalid referencedObjectType '${referencedObjectType}' for property ${name}`,
      );
    }
    const ownerProperty = referencedObjectType === 'OWNER';
    if (ownerProperty && (type !== 'enumeration' || fieldType !== 'select')) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Property ${name} references owners: it must be an enumeration shown as select`,
      );
    }
    let options = parseOptions(body.options, name);
    if (type === 'enumeration' && options.length === 0 && !ownerProperty) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Property ${name} is an enumeration: it needs options`);
    }
    if (type === 'bool' && options.length === 0) {
      options = [
        { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
        { label: 'No', value: 'false', displayOrder: 1, hidden: false },
      ];
    }
    const now = this.clock.now();
    const record: PropertyRecord = {
      name,
      label,
      type: type as PropertyType,
      fieldType,
      groupName,
      description: typeof body.description === 'string' ? body.description : '',
      options,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      hasUniqueValue,
      hidden: body.hidden === true,
      formField: body.formField === true,
      hubspotDefined: false,
      readOnlyValue: false,
      externalOptions: body.externalOptions === true || ownerProperty,
      ...(ownerProperty ? { referencedObjectType: 'OWNER' } : {}),
      ...(typeof body.calculationFormula === 'string' ? { calculationFormula: body.calculationFormula } : {}),
      archived: false,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    state.properties.set(name, record);
    if (hasUniqueValue) state.unique.set(name, new Map());
    return renderProperty(record);
  }

  updateProperty(rawType: string, name: string, body: unknown): JsonObject {
    const state = this.state(rawType);
    const property = state.properties.get(name);
    if (!property || property.archived) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name}`);
    }
    if (!isRecord(body)) throw invalidJson('expected a property object');
    if (property.hubspotDefined && (body.type !== undefined || body.fieldType !== undefined)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Cannot change the type of HubSpot-defined property ${name}`,
      );
    }
    if (typeof body.label === 'string') property.label = body.label;
    if (typeof body.description === 'string') property.description = body.description;
    if (typeof body.displayOrder === 'number') property.displayOrder = body.displayOrder;
    if (typeof body.hidden === 'boolean') property.hidden = body.hidden;
    if (typeof body.formField === 'boolean') property.formField = body.formField;
    if (typeof body.groupName === 'string') {
      const group = state.groups.get(body.groupName);
      if (!group || group.archived) {
        throw new HubspotError(400, 'VALIDATION_ERROR', `Property group '${body.groupName}' does not exist`);
      }
      property.groupName = body.groupName;
    }
    const type = typeof body.type === 'string' ? body.type : property.type;
    const fieldType = typeof body.fieldType === 'string' ? body.fieldType : property.fieldType;
    if (
      !PROPERTY_TYPES.includes(type as PropertyType) ||
      !FIELD_TYPES[fieldType]?.includes(type as PropertyType)
    ) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Property type '${type}' is not compatible with field type '${fieldType}'`,
      );
    }
    property.type = type as PropertyType;
    property.fieldType = fieldType;
    if (body.options !== undefined) property.options = parseOptions(body.options, name);
    property.updatedAt = this.clock.now();
    return renderProperty(property);
  }

  archiveProperty(rawType: string, name: string): void {
    const state = this.state(rawType);
    const property = state.properties.get(name);
    if (!property || property.archived) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name}`);
    }
    if (property.hubspotDefined) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `HubSpot-defined property ${name} cannot be archived`);
    }
    property.archived = true;
    property.archivedAt = this.clock.now();
  }

  /** `DELETE …/groups/{name}`: HubSpot moves the group to the recycling bin; its name stays taken. */
  archiveGroup(rawType: string, name: string): void {
    const group = this.state(rawType).groups.get(name);
    if (!group || group.archived) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property group ${name}`);
    }
    if (this.state(rawType).spec.groups.some((builtin) => builtin.name === name)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `HubSpot-defined property group ${name} cannot be archived`,
      );
    }
    group.archived = true;
  }

  listGroups(rawType: string): JsonObject[] {
    return [...this.state(rawType).groups.values()]
      .filter((group) => !group.archived)
      .map((group) => renderGroup(group));
  }

  getGroup(rawType: string, name: string): JsonObject {
    const group = this.state(rawType).groups.get(name);
    if (!group || group.archived) {
      throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property group ${name}`);
    }
    return renderGroup(group);
  }

  createGroup(rawType: string, body: unknown): JsonObject {
    const state = this.state(rawType);
    if (!isRecord(body)) throw invalidJson('expected a property group object');
    const name = requiredString(body, 'name');
    const label = requiredString(body, 'label');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Property group name '${name}' is invalid`);
    }
    if (state.groups.has(name)) {
      throw new HubspotError(
        409,
        'OBJECT_ALREADY_EXISTS',
        `A property group named '${name}' already exists.`,
        {
          context: { name: [name] },
        },
      );
    }
    const group: GroupRecord = {
      name,
      label,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      archived: false,
    };
    state.groups.set(name, group);
    return renderGroup(group);
  }

  // ------------------------------------------------------------------------------------------ objects

  /** `POST /crm/v3/objects/{type}/batch/read`. */
  batchRead(rawType: string, body: unknown, archived: boolean): BatchOutcome {
    const state = this.state(rawType);
    const inputs = this.batchInputs(body);
    const request = body as JsonObject;
    const properties = stringList(request.properties);
    const withHistory = stringList(request.propertiesWithHistory);
    const idProperty = optionalString(request.idProperty);
    if (idProperty !== undefined) this.uniqueProperty(state, idProperty);
    const results: JsonObject[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      if (!isRecord(input) || (typeof input.id !== 'string' && typeof input.id !== 'number')) {
        throw invalidJson('Some required fields were not set: [id]');
      }
      const id = String(input.id);
      if (seen.has(id)) continue;
      seen.add(id);
      const object = this.find(state, id, idProperty, archived);
      if (object) results.push(this.render(state, object, { properties, withHistory }));
      else missing.push(id);
    }
    const now = this.iso();
    if (missing.length === 0) {
      return {
        httpStatus: 200,
        body: { status: 'COMPLETE', results, startedAt: now, completedAt: now },
        inputs: inputs.length,
        created: 0,
        updated: 0,
        failed: 0,
      };
    }
    const error: InputError = {
      httpStatus: 404,
      category: 'OBJECT_NOT_FOUND',
      message: `Could not get some ${state.spec.upper} objects, they may be deleted or not exist. Check that ids are valid.`,
      context: { ids: missing },
    };
    return {
      httpStatus: 207,
      body: {
        status: 'COMPLETE',
        results,
        numErrors: 1,
        errors: [inputErrorJson(error)],
        startedAt: now,
        completedAt: now,
      },
      inputs: inputs.length,
      created: 0,
      updated: 0,
      failed: missing.length,
    };
  }

  /** `batch/create`, `batch/update` and `batch/upsert`. */
  batchWrite(kind: 'create' | 'update' | 'upsert', rawType: string, body: unknown): BatchOutcome {
    const state = this.state(rawType);
    const inputs = this.batchInputs(body);
    for (const input of inputs) this.checkInputShape(input, kind);
    const records = inputs as JsonObject[];
    if (kind !== 'create') this.rejectDuplicateIds(records);
    const prepared: (PreparedWrite | InputError)[] = [];
    const claimed = new Map<string, string>();
    const atomic = this.options.batchMode === 'atomic';
    const results: JsonObject[] = [];
    const errors: InputError[] = [];
    let created = 0;
    let updated = 0;
    const applyOne = (write: PreparedWrite): void => {
      const { object, isNew } = this.apply(state, write);
      if (isNew) created += 1;
      else updated += 1;
      const rendered = this.render(state, object, {});
      if (write.objectWriteTraceId !== undefined) rendered.objectWriteTraceId = write.objectWriteTraceId;
      if (kind === 'upsert') rendered.new = isNew;
      results.push(rendered);
    };
    for (const input of records) {
      const write = this.prepare(state, kind, input, atomic ? claimed : null);
      if ('category' in write) {
        errors.push(write);
        prepared.push(write);
        continue;
      }
      if (atomic) prepared.push(write);
      else applyOne(write);
    }
    if (atomic) {
      const first = errors[0];
      if (first) {
        return {
          httpStatus: first.httpStatus,
          error: new HubspotError(first.httpStatus, first.category, first.message, {
            context: first.context,
          }),
          inputs: inputs.length,
          created: 0,
          updated: 0,
          failed: inputs.length,
        };
      }
      for (const write of prepared) if (!('category' in write)) applyOne(write);
    }
    const base = { inputs: inputs.length, created, updated, failed: errors.length };
    const now = this.iso();
    const okStatus = kind === 'create' ? 201 : 200;
    const first = errors[0];
    if (!first) {
      return {
        ...base,
        httpStatus: okStatus,
        body: { status: 'COMPLETE', results, startedAt: now, completedAt: now },
      };
    }
    if (results.length === 0) {
      return {
        ...base,
        httpStatus: first.httpStatus,
        error: new HubspotError(first.httpStatus, first.category, first.message, { context: first.context }),
      };
    }
    return {
      ...base,
      httpStatus: 207,
      body: {
        status: 'COMPLETE',
        results,
        numErrors: errors.length,
        errors: errors.map(inputErrorJson),
        startedAt: now,
        completedAt: now,
      },
    };
  }

  /** `POST /crm/v3/objects/{type}/batch/archive` (answers 204; unknown ids are ignored). */
  batchArchive(rawType: string, body: unknown): number {
    const state = this.state(rawType);
    const inputs = this.batchInputs(body);
    let archived = 0;
    for (const input of inputs) {
      if (!isRecord(input) || (typeof input.id !== 'string' && typeof input.id !== 'number')) {
        throw invalidJson('Some required fields were not set: [id]');
      }
      if (this.archive(state, String(input.id))) archived += 1;
    }
    return archived;
  }

  /** `POST /crm/v3/objects/{type}` → the created object (201), or throws. */
  createOne(rawType: string, body: unknown): JsonObject {
    const state = this.state(rawType);
    this.checkInputShape(body, 'create');
    const write = this.prepare(state, 'create', body as JsonObject, null);
    if ('category' in write) throw inputErrorToHubspot(write);
    const { object } = this.apply(state, write);
    return this.render(state, object, {});
  }

  /** `PATCH /crm/v3/objects/{type}/{id}?idProperty=`. */
  updateOne(rawType: string, id: string, idProperty: string | undefined, body: unknown): JsonObject {
    const state = this.state(rawType);
    this.checkInputShape(body, 'create');
    const input: JsonObject = { ...(body as JsonObject), id };
    if (idProperty !== undefined) input.idProperty = idProperty;
    const write = this.prepare(state, 'update', input, null);
    if ('category' in write) throw inputErrorToHubspot(write);
    const { object } = this.apply(state, write);
    return this.render(state, object, {});
  }

  /** `GET /crm/v3/objects/{type}/{id}`. */
  getOne(
    rawType: string,
    id: string,
    query: {
      properties?: string[];
      withHistory?: string[];
      associations?: string[];
      idProperty?: string;
      archived?: boolean;
    },
  ): JsonObject {
    const state = this.state(rawType);
    if (query.idProperty !== undefined) this.uniqueProperty(state, query.idProperty);
    const object = this.find(state, id, query.idProperty, query.archived ?? false);
    if (!object) throw notFound(id, query.idProperty);
    return this.render(state, object, {
      properties: query.properties ?? [],
      withHistory: query.withHistory ?? [],
      associations: query.associations ?? [],
    });
  }

  /** `GET /crm/v3/objects/{type}` (one page, ascending id). */
  list(
    rawType: string,
    query: {
      limit: number;
      after?: string;
      properties?: string[];
      withHistory?: string[];
      associations?: string[];
      archived: boolean;
    },
  ): JsonObject {
    const state = this.state(rawType);
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 100) {
      throw new HubspotError(400, 'VALIDATION_ERROR', 'limit must be between 1 and 100');
    }
    const after = query.after === undefined ? 0 : Number(query.after);
    const page: StoredObject[] = [];
    let next: string | undefined;
    for (const object of state.objects.values()) {
      if (object.archived !== query.archived || Number(object.id) <= after) continue;
      if (page.length === query.limit) {
        next = page[page.length - 1]?.id;
        break;
      }
      page.push(object);
    }
    const results = page.map((object) =>
      this.render(state, object, {
        properties: query.properties ?? [],
        withHistory: query.withHistory ?? [],
        associations: query.associations ?? [],
      }),
    );
    return next === undefined ? { results } : { results, paging: { next: { after: next } } };
  }

  /** `DELETE /crm/v3/objects/{type}/{id}` (204 whether or not it existed). */
  archiveOne(rawType: string, id: string): void {
    this.archive(this.state(rawType), id);
  }

  // ------------------------------------------------------------------------------------- associations

  /** `GET /crm/v4/objects/{type}/{id}/associations/{toType}`. */
  associationsPage(rawType: string, id: string, rawToType: string, after: number, limit: number): JsonObject {
    const from = this.state(rawType);
    const to = this.state(rawToType);
    const all = this.linksOf(from.spec.name, id, to.spec.name);
    const slice = all.slice(after, after + limit);
    const results = slice.map((link) => ({
      toObjectId: Number(link.toObjectId),
      associationTypes: link.associationTypeIds.map((typeId) => renderAssociationType(typeId)),
    }));
    const nextOffset = after + slice.length;
    return nextOffset < all.length
      ? { results, paging: { next: { after: String(nextOffset) } } }
      : { results };
  }

  /** `PUT /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}` with `[{associationCategory, associationTypeId}]`. */
  createAssociation(rawType: string, id: string, rawToType: string, toId: string, body: unknown): JsonObject {
    const from = this.state(rawType);
    const to = this.state(rawToType);
    if (!Array.isArray(body) || body.length === 0) {
      throw invalidJson('expected a non-empty array of association specs');
    }
    this.requireLive(from, id);
    this.requireLive(to, toId);
    const typeIds: number[] = [];
    for (const spec of body) {
      const typeId = isRecord(spec) ? Number(spec.associationTypeId) : NaN;
      const known = associationType(typeId);
      if (!known || known.from !== from.spec.name || known.to !== to.spec.name) {
        throw new HubspotError(
          400,
          'VALIDATION_ERROR',
          `Association type id ${String(isRecord(spec) ? spec.associationTypeId : spec)} is not defined from ${from.spec.singular} to ${to.spec.singular}`,
        );
      }
      typeIds.push(typeId);
    }
    for (const typeId of typeIds) this.link(from.spec.name, id, to.spec.name, toId, typeId);
    const labels = this.linksOf(from.spec.name, id, to.spec.name)
      .find((link) => link.toObjectId === toId)
      ?.associationTypeIds.map((typeId) => associationType(typeId)?.label)
      .filter((label): label is string => typeof label === 'string');
    return {
      fromObjectTypeId: from.spec.objectTypeId,
      fromObjectId: Number(id),
      toObjectTypeId: to.spec.objectTypeId,
      toObjectId: Number(toId),
      labels: labels ?? [],
    };
  }

  /** `PUT /crm/v4/objects/{type}/{id}/associations/default/{toType}/{toId}`. */
  createDefaultAssociation(rawType: string, id: string, rawToType: string, toId: string): JsonObject {
    const from = this.state(rawType);
    const to = this.state(rawToType);
    this.requireLive(from, id);
    this.requireLive(to, toId);
    const spec = defaultAssociationType(from.spec.name, to.spec.name);
    if (!spec) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `No default association is defined from ${from.spec.singular} to ${to.spec.singular}`,
      );
    }
    this.link(from.spec.name, id, to.spec.name, toId, spec.typeId);
    const now = this.iso();
    return {
      status: 'COMPLETE',
      results: [
        {
          from: { id },
          to: { id: toId },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: spec.typeId },
        },
        {
          from: { id: toId },
          to: { id },
          associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: spec.inverse },
        },
      ],
      startedAt: now,
      completedAt: now,
    };
  }

  /** `DELETE /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}`: removes every type between the pair. */
  removeAssociation(rawType: string, id: string, rawToType: string, toId: string): void {
    this.unlink(this.state(rawType).spec.name, id, this.state(rawToType).spec.name, toId);
  }

  /** `POST /crm/v4/associations/{fromType}/{toType}/batch/read`. */
  batchReadAssociations(rawFrom: string, rawTo: string, body: unknown): BatchOutcome {
    const from = this.state(rawFrom);
    const to = this.state(rawTo);
    const inputs = this.batchInputs(body);
    const results: JsonObject[] = [];
    const errors: InputError[] = [];
    for (const input of inputs) {
      if (!isRecord(input) || (typeof input.id !== 'string' && typeof input.id !== 'number')) {
        throw invalidJson('Some required fields were not set: [id]');
      }
      const id = String(input.id);
      const all = this.linksOf(from.spec.name, id, to.spec.name);
      const after = input.after === undefined ? 0 : Number(input.after);
      if (!Number.isInteger(after) || after < 0)
        throw invalidJson(`Invalid paging cursor: ${String(input.after)}`);
      const pageSize = this.options.associationsPageSize ?? 500;
      const links = all.slice(after, after + pageSize);
      const more = after + pageSize < all.length;
      if (all.length === 0) {
        errors.push({
          httpStatus: 404,
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${to.spec.singular} is associated with ${from.spec.singular} ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      // HubSpot's spec: `paging` is present only when there are more pages; `after` goes back with the id.
      results.push({
        from: { id },
        to: links.map((link) => ({
          toObjectId: Number(link.toObjectId),
          associationTypes: link.associationTypeIds.map((typeId) => renderAssociationType(typeId)),
        })),
        ...(more ? { paging: { next: { after: String(after + pageSize) } } } : {}),
      });
    }
    const now = this.iso();
    const body207 = errors.length > 0;
    return {
      httpStatus: body207 ? 207 : 200,
      body: {
        status: 'COMPLETE',
        results,
        ...(body207 ? { numErrors: errors.length, errors: errors.map(inputErrorJson) } : {}),
        startedAt: now,
        completedAt: now,
      },
      inputs: inputs.length,
      created: 0,
      updated: 0,
      failed: errors.length,
    };
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** Seeds an object through the same validation as the API; throws an Error naming the problem. */
  seed(rawType: string, properties: Record<string, string>, associations: JsonObject[] = []): string {
    const state = this.state(rawType);
    const write = this.prepare(state, 'create', { properties, associations }, null);
    if ('category' in write) throw new Error(`seed ${state.spec.name}: ${write.message}`);
    return this.apply(state, write).object.id;
  }

  associate(fromType: string, fromId: string, toType: string, toId: string, typeId?: number): void {
    const from = this.state(fromType);
    const to = this.state(toType);
    this.requireLive(from, fromId);
    this.requireLive(to, toId);
    const spec =
      typeId === undefined ? defaultAssociationType(from.spec.name, to.spec.name) : associationType(typeId);
    if (!spec || spec.from !== from.spec.name || spec.to !== to.spec.name) {
      throw new Error(`no association type ${String(typeId)} from ${from.spec.name} to ${to.spec.name}`);
    }
    this.link(from.spec.name, fromId, to.spec.name, toId, spec.typeId);
  }

  snapshots(rawType: string, archived: boolean): ObjectSnapshot[] {
    const state = this.state(rawType);
    return [...state.objects.values()]
      .filter((object) => object.archived === archived)
      .map((object) => this.snapshot(object));
  }

  snapshotOf(rawType: string, id: string): ObjectSnapshot | undefined {
    const object = this.state(rawType).objects.get(id);
    return object ? this.snapshot(object) : undefined;
  }

  associationsOf(rawType: string, id: string, rawToType?: string): AssociationSnapshot[] {
    const from = this.state(rawType);
    const to = rawToType === undefined ? undefined : this.state(rawToType).spec.name;
    return this.linksOf(from.spec.name, id, to);
  }

  propertyDefinitions(rawType: string): PropertyRecord[] {
    return [...this.state(rawType).properties.values()].map((record) => ({
      ...record,
      options: record.options.map((option) => ({ ...option })),
    }));
  }

  private snapshot(object: StoredObject): ObjectSnapshot {
    return {
      id: object.id,
      type: object.type,
      properties: Object.fromEntries(object.properties),
      createdAt: this.iso(object.createdAt),
      updatedAt: this.iso(object.updatedAt),
      archived: object.archived,
      associations: this.linksOf(object.type, object.id),
    };
  }

  private batchInputs(body: unknown): unknown[] {
    if (!isRecord(body) || !Array.isArray(body.inputs)) {
      throw invalidJson('Some required fields were not set: [inputs]');
    }
    const max = this.options.maxBatchInputs;
    if (body.inputs.length > max) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Batch input size ${body.inputs.length} exceeds the maximum of ${max} inputs per request`,
        { context: { inputs: [String(body.inputs.length)], maxInputs: [String(max)] } },
      );
    }
    return body.inputs;
  }

  /** Whole-request JSON shape checks: HubSpot's deserializer rejects these before any input is processed. */
  private checkInputShape(input: unknown, kind: 'create' | 'update' | 'upsert'): void {
    if (!isRecord(input)) throw invalidJson('expected an object');
    if (!isRecord(input.properties)) throw invalidJson('Some required fields were not set: [properties]');
    for (const [name, value] of Object.entries(input.properties)) {
      if (value !== null && typeof value === 'object') {
        throw invalidJson(
          `Cannot deserialize value of type \`java.lang.String\` from ${Array.isArray(value) ? 'Array' : 'Object'} value (property ${name})`,
        );
      }
    }
    if (kind !== 'create' && typeof input.id !== 'string' && typeof input.id !== 'number') {
      throw invalidJson('Some required fields were not set: [id]');
    }
    if (input.idProperty !== undefined && typeof input.idProperty !== 'string') {
      throw invalidJson('idProperty must be a string');
    }
    if (input.associations !== undefined && !Array.isArray(input.associations)) {
      throw invalidJson('associations must be an array');
    }
  }

  private rejectDuplicateIds(inputs: JsonObject[]): void {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const input of inputs) {
      const key = String(input.id);
      if (seen.has(key)) duplicates.add(key);
      seen.add(key);
    }
    if (duplicates.size > 0) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]. IDs must be unique`,
      );
    }
  }

  /** The property an `idProperty` names; it must exist and have unique values. */
  private uniqueProperty(state: TypeState, name: string): PropertyRecord | null {
    if (name === 'hs_object_id') return null;
    const property = state.properties.get(name);
    if (!property || property.archived) {
      throw new HubspotError(400, 'VALIDATION_ERROR', `Property "${name}" does not exist`, {
        context: { propertyName: [name] },
      });
    }
    if (!property.hasUniqueValue) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Unable to perform update/upsert by non-unique ${state.spec.objectTypeId} property ${name} in portal ID ${this.options.portalId}`,
      );
    }
    return property;
  }

  private find(
    state: TypeState,
    id: string,
    idProperty: string | undefined,
    archived: boolean,
  ): StoredObject | undefined {
    let objectId: string | undefined = id;
    if (idProperty !== undefined && idProperty !== 'hs_object_id')
      objectId = state.unique.get(idProperty)?.get(id);
    const object = objectId === undefined ? undefined : state.objects.get(objectId);
    if (!object || object.archived !== archived) return undefined;
    return object;
  }

  private requireLive(state: TypeState, id: string): StoredObject {
    const object = this.find(state, id, undefined, false);
    if (!object) throw notFound(id, undefined);
    return object;
  }

  /** Validates one input; `claimed` (atomic batches) holds unique values taken by earlier inputs. */
  private prepare(
    state: TypeState,
    kind: 'create' | 'update' | 'upsert',
    input: JsonObject,
    claimed: Map<string, string> | null,
  ): PreparedWrite | InputError {
    const traceId = optionalString(input.objectWriteTraceId);
    const context: Record<string, string[]> = {};
    if (traceId !== undefined) context.objectWriteTraceId = [traceId];
    const inputId = input.id === undefined ? undefined : String(input.id);
    if (kind !== 'create' && inputId !== undefined) context.ids = [inputId];
    const idProperty = optionalString(input.idProperty);
    let targetId: string | null = null;
    const raw: JsonObject = { ...(input.properties as JsonObject) };

    if (kind === 'upsert') {
      if (idProperty === undefined || idProperty === 'hs_object_id') {
        throw new HubspotError(
          400,
          'VALIDATION_ERROR',
          'batch/upsert needs an idProperty naming a property with unique values',
        );
      }
      this.uniqueProperty(state, idProperty);
      targetId = state.unique.get(idProperty)?.get(String(inputId)) ?? null;
      raw[idProperty] = String(inputId);
    } else if (kind === 'update') {
      if (idProperty !== undefined) this.uniqueProperty(state, idProperty);
      const object = this.find(state, String(inputId), idProperty, false);
      if (!object) {
        return {
          httpStatus: 404,
          category: 'OBJECT_NOT_FOUND',
          message: `Could not find ${state.spec.singular} with ${idProperty ?? 'id'} ${String(inputId)}`,
          context,
        };
      }
      targetId = object.id;
    }

    const { values, issues } = this.validateValues(state, raw, targetId === null);
    if (issues.length > 0) {
      return {
        httpStatus: 400,
        category: 'VALIDATION_ERROR',
        message: `Property values were not valid: ${JSON.stringify(
          issues.map((issue) => ({
            isValid: false,
            message: issue.message,
            error: issue.code,
            name: issue.name,
            localizedErrorMessage: issue.message,
            portalId: this.options.portalId,
          })),
        )}`,
        context: { ...context, propertyName: issues.map((issue) => issue.name) },
      };
    }

    for (const [name, value] of values) {
      if (value === null) continue;
      const index = state.unique.get(name);
      if (!index) continue;
      const holder = index.get(value);
      if (holder !== undefined && holder !== targetId) {
        return {
          httpStatus: 409,
          category: 'CONFLICT',
          message: `A ${state.spec.singular} with ${name} "${value}" already exists. Existing ID: ${holder}`,
          context: { ...context, propertyName: [name], existingId: [holder] },
        };
      }
      const claimedBy = claimed?.get(`${name}\u0000${value}`);
      if (claimedBy !== undefined && claimedBy !== targetId) {
        return {
          httpStatus: 409,
          category: 'CONFLICT',
          message: `Two inputs of this batch set ${name} to "${value}", a value that must be unique`,
          context: { ...context, propertyName: [name] },
        };
      }
    }

    const associations: AssociationRequest[] = [];
    if (Array.isArray(input.associations)) {
      const invalid: string[] = [];
      for (const association of input.associations) {
        const toId = isRecord(association) && isRecord(association.to) ? association.to.id : undefined;
        const types = isRecord(association) && Array.isArray(association.types) ? association.types : [];
        if ((typeof toId !== 'string' && typeof toId !== 'number') || types.length === 0) {
          invalid.push('association without to.id or types');
          continue;
        }
        for (const type of types) {
          const typeId = isRecord(type) ? Number(type.associationTypeId) : NaN;
          const spec = associationType(typeId);
          if (!spec || spec.from !== state.spec.name) {
            invalid.push(
              `association type id ${String(isRecord(type) ? type.associationTypeId : type)} is not defined from ${state.spec.singular}`,
            );
            continue;
          }
          const target = this.types.get(spec.to);
          if (!target || !this.find(target, String(toId), undefined, false)) {
            invalid.push(`${spec.to} ${String(toId)} does not exist`);
            continue;
          }
          associations.push({ toType: spec.to, toId: String(toId), typeId });
        }
      }
      if (invalid.length > 0) {
        return {
          httpStatus: 400,
          category: 'VALIDATION_ERROR',
          message: `One or more associations are invalid: ${invalid.join('; ')}`,
          context,
        };
      }
    }

    if (claimed) {
      for (const [name, value] of values) {
        if (value !== null && state.unique.has(name))
          claimed.set(`${name}\u0000${value}`, targetId ?? 'pending');
      }
    }
    return { targetId, values, associations, objectWriteTraceId: traceId };
  }

  private validateValues(
    state: TypeState,
    raw: JsonObject,
    isCreate: boolean,
  ): { values: Map<string, string | null>; issues: PropertyIssue[] } {
    const values = new Map<string, string | null>();
    const issues: PropertyIssue[] = [];
    for (const [name, value] of Object.entries(raw)) {
      const property = state.properties.get(name);
      if (!property || property.archived) {
        issues.push({ code: 'PROPERTY_DOESNT_EXIST', name, message: `Property "${name}" does not exist` });
        continue;
      }
      if (property.readOnlyValue) {
        issues.push({
          code: 'READ_ONLY_VALUE',
          name,
          message: `${name} is a read only property; its value cannot be set.`,
        });
        continue;
      }
      if (value === null || value === '' || value === undefined) {
        values.set(name, null);
        continue;
      }
      const text = typeof value === 'string' ? value : String(value);
      const result = this.coerce(property, text);
      if ('code' in result) issues.push({ code: result.code, name, message: result.message });
      else values.set(name, result.value);
    }
    if (isCreate) {
      for (const required of state.spec.requiredOnCreate) {
        if (!values.get(required) && !issues.some((issue) => issue.name === required)) {
          issues.push({
            code: 'REQUIRED_PROPERTY',
            name: required,
            message: `Property "${required}" is required to create a ${state.spec.singular}`,
          });
        }
      }
    }
    return { values, issues };
  }

  private coerce(
    property: PropertyRecord,
    text: string,
  ): { value: string } | { code: string; message: string } {
    switch (property.type) {
      case 'string':
        if (text.length > 65536) {
          return {
            code: 'INVALID_STRING_LENGTH',
            message: `${property.name} is longer than 65536 characters`,
          };
        }
        return { value: text };
      case 'number': {
        const trimmed = text.trim();
        if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) && Number.isFinite(Number(trimmed))) {
          return { value: trimmed };
        }
        return { code: 'INVALID_FLOAT', message: `${text} was not a valid number.` };
      }
      case 'bool': {
        const lower = text.trim().toLowerCase();
        if (lower === 'true' || lower === 'false') return { value: lower };
        return { code: 'INVALID_BOOLEAN', message: `${text} was not a valid boolean (true or false).` };
      }
      case 'date': {
        const ms = parseTime(text);
        if (ms === null) return { code: 'INVALID_DATE', message: `${text} was not a valid date.` };
        if (ms % 86_400_000 !== 0) {
          const time = new Date(ms).toISOString().slice(11, 23);
          return { code: 'INVALID_DATE', message: `${text} is at ${time} UTC, not midnight!` };
        }
        return { value: new Date(ms).toISOString().slice(0, 10) };
      }
      case 'datetime': {
        const ms = parseTime(text);
        if (ms === null) return { code: 'INVALID_DATETIME', message: `${text} was not a valid datetime.` };
        return { value: new Date(ms).toISOString() };
      }
      case 'enumeration': {
        if (property.externalOptions) {
          const owners = this.options.owners;
          const ok = /^\d+$/.test(text) && (owners === null || owners.includes(text));
          return ok
            ? { value: text }
            : { code: 'INVALID_OWNER_ID', message: `${text} is not a valid owner id` };
        }
        const allowed = property.options.map((option) => option.value);
        const parts = property.fieldType === 'checkbox' ? text.split(';') : [text];
        const bad = parts.find((part) => !allowed.includes(part));
        if (bad !== undefined) {
          return {
            code: 'INVALID_OPTION',
            message: `${bad} was not one of the allowed options: [${allowed.join(', ')}]`,
          };
        }
        return { value: text };
      }
    }
  }

  private apply(state: TypeState, write: PreparedWrite): { object: StoredObject; isNew: boolean } {
    const now = this.clock.now();
    let object: StoredObject;
    let isNew = false;
    if (write.targetId === null) {
      const id = String(state.nextId);
      state.nextId += 1;
      isNew = true;
      object = {
        id,
        type: state.spec.name,
        properties: new Map(),
        history: new Map(),
        createdAt: now,
        updatedAt: now,
        archived: false,
        archivedAt: null,
      };
      state.objects.set(id, object);
      this.setValue(state, object, 'hs_object_id', id, now);
      if (!write.values.get(state.spec.createdateProperty)) {
        this.setValue(state, object, state.spec.createdateProperty, this.iso(now), now);
      }
    } else {
      const existing = state.objects.get(write.targetId);
      if (!existing) throw new Error(`object ${write.targetId} vanished`);
      object = existing;
    }
    for (const [name, value] of write.values) this.setValue(state, object, name, value, now);
    if (state.spec.name === 'tasks' && write.values.has('hs_task_status')) {
      // HubSpot stamps the completion date when a task becomes COMPLETED and clears it when reopened.
      const completed = write.values.get('hs_task_status') === 'COMPLETED';
      if (!completed) this.setValue(state, object, 'hs_task_completion_date', null, now);
      else if (!object.properties.has('hs_task_completion_date')) {
        this.setValue(state, object, 'hs_task_completion_date', this.iso(now), now);
      }
    }
    object.updatedAt = now;
    this.setValue(state, object, 'hs_lastmodifieddate', this.iso(now), now);
    for (const association of write.associations) {
      this.link(state.spec.name, object.id, association.toType, association.toId, association.typeId);
    }
    return { object, isNew };
  }

  /** Sets (or clears, `null`) one value, keeping the unique index and history. Returns whether it changed. */
  private setValue(
    state: TypeState,
    object: StoredObject,
    name: string,
    value: string | null,
    now: number,
  ): boolean {
    const previous = object.properties.get(name);
    if (previous === (value ?? undefined)) return false;
    const index = state.unique.get(name);
    if (index && previous !== undefined && index.get(previous) === object.id) index.delete(previous);
    if (value === null) object.properties.delete(name);
    else {
      object.properties.set(name, value);
      index?.set(value, object.id);
    }
    const history = object.history.get(name) ?? [];
    history.unshift({ value: value ?? '', timestamp: now, sourceType: SOURCE_TYPE });
    if (history.length > HISTORY_LIMIT) history.length = HISTORY_LIMIT;
    object.history.set(name, history);
    this.onPropertyChange?.({
      type: state.spec.name,
      objectId: object.id,
      name,
      value: value ?? '',
      at: now,
      ...this.changedBy,
    });
    return true;
  }

  private archive(state: TypeState, id: string): boolean {
    const object = state.objects.get(id);
    if (!object || object.archived) return false;
    object.archived = true;
    object.archivedAt = this.clock.now();
    for (const [name, value] of object.properties) {
      const index = state.unique.get(name);
      if (index?.get(value) === object.id) index.delete(value);
    }
    const key = `${object.type}:${object.id}`;
    for (const other of this.links.get(key)?.keys() ?? []) this.links.get(other)?.delete(key);
    this.links.delete(key);
    return true;
  }

  private link(
    fromType: ObjectTypeName,
    fromId: string,
    toType: ObjectTypeName,
    toId: string,
    typeId: number,
  ): void {
    const spec = associationType(typeId);
    if (!spec) return;
    const add = (aType: string, aId: string, bType: string, bId: string, id: number): void => {
      const key = `${aType}:${aId}`;
      const targets = this.links.get(key) ?? new Map<string, Set<number>>();
      this.links.set(key, targets);
      const set = targets.get(`${bType}:${bId}`) ?? new Set<number>();
      targets.set(`${bType}:${bId}`, set);
      set.add(id);
    };
    add(fromType, fromId, toType, toId, spec.typeId);
    add(toType, toId, fromType, fromId, spec.inverse);
    if (spec.label !== null) {
      // A labelled association always comes with the unlabelled one, as in HubSpot.
      const unlabeled: AssociationTypeSpec | undefined = defaultAssociationType(fromType, toType);
      if (unlabeled) {
        add(fromType, fromId, toType, toId, unlabeled.typeId);
        add(toType, toId, fromType, fromId, unlabeled.inverse);
      }
    }
  }

  private unlink(fromType: ObjectTypeName, fromId: string, toType: ObjectTypeName, toId: string): void {
    this.links.get(`${fromType}:${fromId}`)?.delete(`${toType}:${toId}`);
    this.links.get(`${toType}:${toId}`)?.delete(`${fromType}:${fromId}`);
  }

  private linksOf(fromType: ObjectTypeName, fromId: string, toType?: ObjectTypeName): AssociationSnapshot[] {
    const out: AssociationSnapshot[] = [];
    for (const [key, typeIds] of this.links.get(`${fromType}:${fromId}`) ?? []) {
      const separator = key.indexOf(':');
      const type = key.slice(0, separator) as ObjectTypeName;
      if (toType !== undefined && type !== toType) continue;
      if (typeIds.size === 0) continue;
      out.push({
        toObjectType: type,
        toObjectId: key.slice(separator + 1),
        associationTypeIds: [...typeIds].sort((a, b) => a - b),
      });
    }
    return out;
  }

  private render(
    state: TypeState,
    object: StoredObject,
    view: { properties?: string[]; withHistory?: string[]; associations?: string[] },
  ): JsonObject {
    const properties: Record<string, string | null> = {};
    if (view.properties === undefined) {
      for (const [name, value] of object.properties) properties[name] = value;
    } else {
      const names = view.properties.length > 0 ? view.properties : state.spec.defaultProperties;
      const always = [state.spec.createdateProperty, 'hs_lastmodifieddate', 'hs_object_id'];
      for (const name of [...names, ...always]) {
        const property = state.properties.get(name);
        if (!property || property.archived) continue;
        properties[name] = object.properties.get(name) ?? null;
      }
    }
    const out: JsonObject = {
      id: object.id,
      properties,
      createdAt: this.iso(object.createdAt),
      updatedAt: this.iso(object.updatedAt),
      archived: object.archived,
    };
    if (object.archived && object.archivedAt !== null) out.archivedAt = this.iso(object.archivedAt);
    if (view.withHistory && view.withHistory.length > 0) {
      const history: JsonObject = {};
      for (const name of view.withHistory) {
        const entries = object.history.get(name);
        if (!entries) continue;
        history[name] = entries.map((entry) => ({
          value: entry.value,
          timestamp: this.iso(entry.timestamp),
          sourceType: entry.sourceType,
        }));
      }
      out.propertiesWithHistory = history;
    }
    if (view.associations && view.associations.length > 0) {
      const blocks: JsonObject = {};
      for (const rawToType of view.associations) {
        const toSpec = resolveObjectType(rawToType);
        if (!toSpec) continue;
        const results: JsonObject[] = [];
        for (const link of this.linksOf(object.type, object.id, toSpec.name)) {
          for (const typeId of link.associationTypeIds) {
            results.push({ id: link.toObjectId, type: associationType(typeId)?.v3Name ?? String(typeId) });
          }
        }
        if (results.length > 0) blocks[toSpec.name] = { results };
      }
      out.associations = blocks;
    }
    return out;
  }
}

// -------------------------------------------------------------------------------------- free functions

function builtinRecord(
  builtin: BuiltinProperty,
  defaultGroup: string,
  index: number,
  now: number,
): PropertyRecord {
  const options: PropertyOption[] = (builtin.options ?? []).map((option, order) =>
    typeof option === 'string'
      ? { label: option, value: option, displayOrder: order, hidden: false }
      : option,
  );
  if (builtin.type === 'bool' && options.length === 0) {
    options.push(
      { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
      { label: 'No', value: 'false', displayOrder: 1, hidden: false },
    );
  }
  return {
    name: builtin.name,
    label: builtin.label,
    type: builtin.type,
    fieldType: builtin.fieldType,
    groupName: builtin.groupName ?? defaultGroup,
    description: builtin.description ?? '',
    options,
    displayOrder: index,
    hasUniqueValue: builtin.hasUniqueValue ?? false,
    hidden: false,
    formField: !builtin.readOnlyValue,
    hubspotDefined: true,
    readOnlyValue: builtin.readOnlyValue ?? false,
    externalOptions: builtin.externalOptions ?? false,
    ...(builtin.referencedObjectType === undefined
      ? {}
      : { referencedObjectType: builtin.referencedObjectType }),
    archived: false,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

function renderProperty(property: PropertyRecord): JsonObject {
  return {
    updatedAt: new Date(property.updatedAt).toISOString(),
    createdAt: new Date(property.createdAt).toISOString(),
    name: property.name,
    label: property.label,
    type: property.type,
    fieldType: property.fieldType,
    description: property.description,
    groupName: property.groupName,
    options: property.options.map((option) => ({ ...option })),
    displayOrder: property.displayOrder,
    calculated: property.calculationFormula !== undefined,
    externalOptions: property.externalOptions,
    ...(property.referencedObjectType === undefined
      ? {}
      : { referencedObjectType: property.referencedObjectType }),
    hasUniqueValue: property.hasUniqueValue,
    hidden: property.hidden,
    ...(property.hubspotDefined ? { hubspotDefined: true } : {}),
    modificationMetadata: {
      archivable: !property.hubspotDefined,
      readOnlyDefinition: property.hubspotDefined,
      readOnlyValue: property.readOnlyValue,
    },
    formField: property.formField,
    archived: property.archived,
    ...(property.archivedAt !== null ? { archivedAt: new Date(property.archivedAt).toISOString() } : {}),
  };
}

function renderGroup(group: GroupRecord): JsonObject {
  return { name: group.name, label: group.label, displayOrder: group.displayOrder, archived: group.archived };
}

function renderAssociationType(typeId: number): JsonObject {
  return { category: 'HUBSPOT_DEFINED', typeId, label: associationType(typeId)?.label ?? null };
}

function parseOptions(raw: unknown, propertyName: string): PropertyOption[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidJson('options must be an array');
  const seen = new Set<string>();
  return raw.map((option, index) => {
    // HubSpot's OptionInput requires `label`, `value` and `hidden` (CRM Properties v3 spec).
    if (
      !isRecord(option) ||
      typeof option.label !== 'string' ||
      typeof option.value !== 'string' ||
      typeof option.hidden !== 'boolean'
    ) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Option ${index} of ${propertyName} needs a label, a value and hidden (a boolean)`,
      );
    }
    if (seen.has(option.value)) {
      throw new HubspotError(
        400,
        'VALIDATION_ERROR',
        `Duplicate option value '${option.value}' in property ${propertyName}`,
      );
    }
    seen.add(option.value);
    return {
      label: option.label,
      value: option.value,
      displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
      hidden: option.hidden === true,
      ...(typeof option.description === 'string' ? { description: option.description } : {}),
    };
  });
}

function requiredString(body: JsonObject, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw invalidJson(`Some required fields were not set: [${field}]`);
  }
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string');
}

/** Epoch milliseconds or an ISO-8601 date/datetime → ms; anything else → null. */
function parseTime(text: string): number | null {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) {
    const ms = Number(trimmed);
    return Number.isSafeInteger(ms) ? ms : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return null;
  const ms = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
  return Number.isNaN(ms) ? null : ms;
}

function notFound(id: string, idProperty: string | undefined): HubspotError {
  if (idProperty === undefined && !/^\d+$/.test(id)) {
    return new HubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
      context: { id: [id] },
    });
  }
  return new HubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
}

function inputErrorToHubspot(error: InputError): HubspotError {
  return new HubspotError(error.httpStatus, error.category, error.message, {
    ...(error.subCategory ? { subCategory: error.subCategory } : {}),
    context: error.context,
  });
}
