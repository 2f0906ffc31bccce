/**
 * Built-in schema of the HubSpot emulator: the object types it serves, their HubSpot-defined properties and
 * property groups, and the HubSpot-defined association types between them.
 *
 * Only what a collections integration touches is modelled; everything else is "not there" and a write to
 * it fails with `PROPERTY_DOESNT_EXIST`, like a property that was never created in a real portal.
 */

export type PropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export const PROPERTY_TYPES: readonly PropertyType[] = [
  'string',
  'number',
  'date',
  'datetime',
  'enumeration',
  'bool',
];

/** The field types the v3 properties API accepts on create, and which property types each one fits. */
export const FIELD_TYPES: Readonly<Record<string, readonly PropertyType[]>> = {
  text: ['string'],
  textarea: ['string'],
  html: ['string'],
  phonenumber: ['string'],
  file: ['string'],
  number: ['number'],
  date: ['date', 'datetime'],
  select: ['enumeration'],
  radio: ['enumeration'],
  checkbox: ['enumeration'],
  booleancheckbox: ['bool', 'enumeration'],
  calculation_equation: ['number', 'string', 'bool', 'enumeration', 'date', 'datetime'],
};

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface BuiltinProperty {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName?: string;
  description?: string;
  options?: string[] | PropertyOption[];
  hasUniqueValue?: boolean;
  /** Set by HubSpot only (`hs_object_id`, `hs_lastmodifieddate`, …): a write fails with `READ_ONLY_VALUE`. */
  readOnlyValue?: boolean;
  /** Options come from elsewhere (owners); values are checked against `owners` instead. */
  externalOptions?: boolean;
  /** `OWNER` for a HubSpot user property: its values are owner ids. */
  referencedObjectType?: string;
}

export interface BuiltinGroup {
  name: string;
  label: string;
  displayOrder: number;
}

export type ObjectTypeName = 'companies' | 'deals' | 'tasks';

export interface ObjectTypeSpec {
  name: ObjectTypeName;
  /** `0-2` for companies and so on; also accepted in paths. */
  objectTypeId: string;
  singular: string;
  /** As HubSpot spells the type in some messages (`COMPANY`). */
  upper: string;
  /** First id handed out; each type has its own range so a company id never names a deal by accident. */
  idBase: number;
  /** `createdate` (companies, deals) or `hs_createdate` (engagements such as tasks). */
  createdateProperty: string;
  /** Returned when a read names no `properties`. */
  defaultProperties: string[];
  /** Must be present (non-empty) when an object is created. */
  requiredOnCreate: string[];
  groups: BuiltinGroup[];
  properties: BuiltinProperty[];
}

const OWNER: BuiltinProperty = {
  name: 'hubspot_owner_id',
  label: 'Owner',
  type: 'enumeration',
  fieldType: 'select',
  externalOptions: true,
  referencedObjectType: 'OWNER',
  description: 'The owner of the record (a HubSpot user id).',
};

function systemProperties(createdate: string, createdateWritable: boolean): BuiltinProperty[] {
  return [
    {
      name: createdate,
      label: 'Create date',
      type: 'datetime',
      fieldType: 'date',
      readOnlyValue: !createdateWritable,
    },
    {
      name: 'hs_lastmodifieddate',
      label: 'Last modified date',
      type: 'datetime',
      fieldType: 'date',
      readOnlyValue: true,
    },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnlyValue: true },
  ];
}

export const OBJECT_TYPES: readonly ObjectTypeSpec[] = [
  {
    name: 'companies',
    objectTypeId: '0-2',
    singular: 'company',
    upper: 'COMPANY',
    idBase: 10_000_000_000,
    createdateProperty: 'createdate',
    defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    requiredOnCreate: [],
    groups: [{ name: 'companyinformation', label: 'Company information', displayOrder: -1 }],
    properties: [
      { name: 'name', label: 'Company name', type: 'string', fieldType: 'text' },
      { name: 'domain', label: 'Company Domain Name', type: 'string', fieldType: 'text' },
      { name: 'website', label: 'Website URL', type: 'string', fieldType: 'text' },
      { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
      { name: 'address', label: 'Street Address', type: 'string', fieldType: 'text' },
      { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
      { name: 'state', label: 'State/Region', type: 'string', fieldType: 'text' },
      { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text' },
      { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
      { name: 'description', label: 'Description', type: 'string', fieldType: 'textarea' },
      { name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number' },
      { name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number' },
      {
        name: 'lifecyclestage',
        label: 'Lifecycle Stage',
        type: 'enumeration',
        fieldType: 'radio',
        options: [
          'subscriber',
          'lead',
          'marketingqualifiedlead',
          'salesqualifiedlead',
          'opportunity',
          'customer',
          'evangelist',
          'other',
        ],
      },
      {
        name: 'type',
        label: 'Type',
        type: 'enumeration',
        fieldType: 'select',
        options: ['PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER'],
      },
      {
        name: 'hs_is_target_account',
        label: 'Target Account',
        type: 'bool',
        fieldType: 'booleancheckbox',
      },
      OWNER,
      ...systemProperties('createdate', true),
    ],
  },
  {
    name: 'deals',
    objectTypeId: '0-3',
    singular: 'deal',
    upper: 'DEAL',
    idBase: 20_000_000_000,
    createdateProperty: 'createdate',
    defaultProperties: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    requiredOnCreate: [],
    groups: [{ name: 'dealinformation', label: 'Deal information', displayOrder: -1 }],
    properties: [
      { name: 'dealname', label: 'Deal Name', type: 'string', fieldType: 'text' },
      { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
      {
        name: 'dealstage',
        label: 'Deal Stage',
        type: 'enumeration',
        fieldType: 'radio',
        options: [
          'appointmentscheduled',
          'qualifiedtobuy',
          'presentationscheduled',
          'decisionmakerboughtin',
          'contractsent',
          'closedwon',
          'closedlost',
        ],
      },
      { name: 'pipeline', label: 'Pipeline', type: 'enumeration', fieldType: 'select', options: ['default'] },
      { name: 'closedate', label: 'Close Date', type: 'datetime', fieldType: 'date' },
      {
        name: 'dealtype',
        label: 'Deal Type',
        type: 'enumeration',
        fieldType: 'radio',
        options: ['newbusiness', 'existingbusiness'],
      },
      {
        name: 'deal_currency_code',
        label: 'Currency',
        type: 'enumeration',
        fieldType: 'select',
        options: ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK'],
      },
      { name: 'description', label: 'Deal Description', type: 'string', fieldType: 'textarea' },
      OWNER,
      ...systemProperties('createdate', true),
    ],
  },
  {
    name: 'tasks',
    objectTypeId: '0-27',
    singular: 'task',
    upper: 'TASK',
    idBase: 40_000_000_000,
    createdateProperty: 'hs_createdate',
    defaultProperties: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    requiredOnCreate: ['hs_timestamp'],
    groups: [{ name: 'taskinformation', label: 'Task information', displayOrder: -1 }],
    properties: [
      { name: 'hs_task_subject', label: 'Task Title', type: 'string', fieldType: 'text' },
      { name: 'hs_task_body', label: 'Notes', type: 'string', fieldType: 'html' },
      {
        name: 'hs_task_status',
        label: 'Task Status',
        type: 'enumeration',
        fieldType: 'select',
        options: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'],
      },
      {
        name: 'hs_task_priority',
        label: 'Priority',
        type: 'enumeration',
        fieldType: 'select',
        options: ['NONE', 'LOW', 'MEDIUM', 'HIGH'],
      },
      {
        name: 'hs_task_type',
        label: 'Task Type',
        type: 'enumeration',
        fieldType: 'select',
        options: ['TODO', 'CALL', 'EMAIL'],
      },
      { name: 'hs_timestamp', label: 'Due date', type: 'datetime', fieldType: 'date' },
      {
        name: 'hs_task_completion_date',
        label: 'Completed at',
        type: 'datetime',
        fieldType: 'date',
        readOnlyValue: true,
      },
      OWNER,
      ...systemProperties('hs_createdate', false),
    ],
  },
];

/** Resolves `companies`, `company`, `COMPANY` or `0-2` (and so on) to the object type. */
export function resolveObjectType(raw: string): ObjectTypeSpec | undefined {
  const key = decodeURIComponent(raw).toLowerCase();
  return OBJECT_TYPES.find((spec) => spec.name === key || spec.singular === key || spec.objectTypeId === key);
}

// ------------------------------------------------------------------------------------------ associations

export interface AssociationTypeSpec {
  typeId: number;
  from: ObjectTypeName;
  to: ObjectTypeName;
  /** `null` for the default (unlabelled) type of a pair; `Primary` for the primary company of a deal. */
  label: string | null;
  /** The type id of the same association read from the other side. */
  inverse: number;
  /** The `type` v3 reads report in `associations` blocks (`task_to_company`, `deal_to_company_unlabeled`). */
  v3Name: string;
}

/** HubSpot-defined association type ids between the modelled objects. */
export const ASSOCIATION_TYPES: readonly AssociationTypeSpec[] = [
  { typeId: 192, from: 'tasks', to: 'companies', label: null, inverse: 191, v3Name: 'task_to_company' },
  { typeId: 191, from: 'companies', to: 'tasks', label: null, inverse: 192, v3Name: 'company_to_task' },
  { typeId: 216, from: 'tasks', to: 'deals', label: null, inverse: 215, v3Name: 'task_to_deal' },
  { typeId: 215, from: 'deals', to: 'tasks', label: null, inverse: 216, v3Name: 'deal_to_task' },
  {
    typeId: 341,
    from: 'deals',
    to: 'companies',
    label: null,
    inverse: 342,
    v3Name: 'deal_to_company_unlabeled',
  },
  {
    typeId: 342,
    from: 'companies',
    to: 'deals',
    label: null,
    inverse: 341,
    v3Name: 'company_to_deal_unlabeled',
  },
  { typeId: 5, from: 'deals', to: 'companies', label: 'Primary', inverse: 6, v3Name: 'deal_to_company' },
  { typeId: 6, from: 'companies', to: 'deals', label: 'Primary', inverse: 5, v3Name: 'company_to_deal' },
];

export function associationType(typeId: number): AssociationTypeSpec | undefined {
  return ASSOCIATION_TYPES.find((spec) => spec.typeId === typeId);
}

/** The unlabelled ("default") association type from one object type to another. */
export function defaultAssociationType(
  from: ObjectTypeName,
  to: ObjectTypeName,
): AssociationTypeSpec | undefined {
  return ASSOCIATION_TYPES.find((spec) => spec.from === from && spec.to === to && spec.label === null);
}
