/**
 * The describe-like schema of the emulated org: one table (`SOBJECTS`) of sObjects and their fields.
 * Every sObject also gets the system fields (`Id`, `OwnerId`, `CreatedDate`, …) from `SYSTEM_FIELDS`.
 * To emulate another object or field, add a row here; validation, describe, SOQL and Bulk follow.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldSpec {
  /** API name, exact case (lookups are case-insensitive, like Salesforce). */
  name: string;
  label: string;
  type: FieldType;
  /** Maximum length of text values. */
  length?: number;
  /** Needs a non-null value on insert (and may not be set to null). */
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  /** Unique values compare case-sensitively (default: case-insensitive, Salesforce's default). */
  caseSensitive?: boolean;
  /** Picklist values, in order. */
  picklist?: readonly string[];
  /** Values outside `picklist` are rejected (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  restricted?: boolean;
  /** sObject names a reference may point to (`User` for owners). */
  referenceTo?: readonly string[];
  /** Value given on insert when none is sent. */
  defaultValue?: string | number | boolean;
  /** Set by the system; writing it answers INVALID_FIELD_FOR_INSERT_UPDATE. */
  readOnly?: boolean;
  /** Digits of numbers: values are rounded to `scale` and may have at most `precision - scale` integer digits. */
  precision?: number;
  scale?: number;
  /** An auto-number Name (`CINV-{0000000}`): generated on insert, read-only. */
  autoNumber?: string;
  /** Relationship name of a custom lookup (describe only). */
  relationshipName?: string;
}

export interface SObjectSpec {
  name: string;
  label: string;
  labelPlural: string;
  /** 3-character id prefix. */
  keyPrefix: string;
  custom: boolean;
  /** Fields of this object, system fields first. */
  fields: readonly FieldSpec[];
}

// ------------------------------------------------------------------------------------------- helpers

type Extra = Omit<FieldSpec, 'name' | 'label' | 'type'>;

const text = (name: string, label: string, length = 255, extra: Extra = {}): FieldSpec => ({
  name,
  label,
  type: 'string',
  length,
  ...extra,
});
const longText = (name: string, label: string, length = 32_768): FieldSpec => ({
  name,
  label,
  type: 'textarea',
  length,
});
const number = (
  name: string,
  label: string,
  type: 'double' | 'currency' | 'percent' | 'int' = 'double',
  scale = 0,
): FieldSpec => ({ name, label, type, precision: 18, scale });
/** A custom Number(precision, scale) field: `double` in describe, rounded to `scale` on save. */
const decimal = (name: string, label: string, precision: number, scale: number): FieldSpec => ({
  name,
  label,
  type: 'double',
  precision,
  scale,
});
const picklist = (name: string, label: string, values: readonly string[], extra: Extra = {}): FieldSpec => ({
  name,
  label,
  type: 'picklist',
  picklist: values,
  restricted: true,
  ...extra,
});
const date = (name: string, label: string, extra: Extra = {}): FieldSpec => ({
  name,
  label,
  type: 'date',
  ...extra,
});
const dateTime = (name: string, label: string): FieldSpec => ({ name, label, type: 'datetime' });
const checkbox = (name: string, label: string): FieldSpec => ({
  name,
  label,
  type: 'boolean',
  defaultValue: false,
});
const lookup = (name: string, label: string, to: readonly string[], extra: Extra = {}): FieldSpec => ({
  name,
  label,
  type: 'reference',
  referenceTo: to,
  ...extra,
});

/** On every sObject. `OwnerId` defaults to the running user. */
export const SYSTEM_FIELDS: readonly FieldSpec[] = [
  { name: 'Id', label: 'Record ID', type: 'id', readOnly: true },
  { name: 'IsDeleted', label: 'Deleted', type: 'boolean', readOnly: true },
  lookup('OwnerId', 'Owner ID', ['User']),
  { name: 'CreatedDate', label: 'Created Date', type: 'datetime', readOnly: true },
  lookup('CreatedById', 'Created By ID', ['User'], { readOnly: true }),
  { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', readOnly: true },
  lookup('LastModifiedById', 'Last Modified By ID', ['User'], { readOnly: true }),
  { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', readOnly: true },
];

const COLLECTIONS_STATUS = [
  'current',
  'overdue',
  'failed_payment',
  'disputed',
  'paused',
  'payment_in_flight',
];
const RISK_TIERS = ['low', 'medium', 'high'];

interface ObjectRow {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldSpec[];
}

// ---------------------------------------------------------------------------------------- the table

const OBJECT_ROWS: readonly ObjectRow[] = [
  {
    name: 'Account',
    label: 'Account',
    labelPlural: 'Accounts',
    keyPrefix: '001',
    fields: [
      text('Name', 'Account Name', 255, { required: true }),
      text('AccountNumber', 'Account Number', 40),
      picklist('Type', 'Account Type', ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Other'], {
        restricted: false,
      }),
      picklist('Industry', 'Industry', ['Technology', 'Finance', 'Retail', 'Other'], { restricted: false }),
      { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      text('BillingCity', 'Billing City', 40),
      text('BillingCountry', 'Billing Country', 80),
      number('AnnualRevenue', 'Annual Revenue', 'currency', 2),
      number('NumberOfEmployees', 'Employees', 'int'),
      longText('Description', 'Account Description'),
      text('Collections_Billing_Customer_Id__c', 'Billing Customer Id', 64, {
        externalId: true,
        unique: true,
        caseSensitive: true,
      }),
      picklist('Collections_Status__c', 'Collections Status', COLLECTIONS_STATUS),
      decimal('Collections_Overdue_Amount__c', 'Overdue Amount', 16, 2),
      decimal('Collections_Outstanding_Amount__c', 'Outstanding Amount', 16, 2),
      text('Collections_Currency__c', 'Collections Currency', 3),
      decimal('Collections_Oldest_Days_Past_Due__c', 'Oldest Days Past Due', 6, 0),
      decimal('Collections_Risk_Score__c', 'Payment Risk Score', 3, 0),
      picklist('Collections_Risk_Tier__c', 'Payment Risk Tier', RISK_TIERS),
      longText('Collections_Risk_Reasons__c', 'Payment Risk Reasons'),
      date('Collections_Next_Renewal__c', 'Next Renewal'),
      decimal('Collections_Days_To_Renewal__c', 'Days To Renewal', 5, 0),
      text('Collections_Last_Payment_Failure__c', 'Last Payment Failure', 255),
      checkbox('Collections_Automation_Paused__c', 'Collections Automation Paused'),
      text('Collections_Promise__c', 'Open Promise To Pay', 255),
      text('Collections_Card_On_File__c', 'Card On File Expiring', 255),
      dateTime('Collections_Last_Synced__c', 'Collections Last Synced'),
    ],
  },
  {
    name: 'Opportunity',
    label: 'Opportunity',
    labelPlural: 'Opportunities',
    keyPrefix: '006',
    fields: [
      text('Name', 'Name', 120, { required: true }),
      lookup('AccountId', 'Account ID', ['Account']),
      picklist(
        'StageName',
        'Stage',
        [
          'Prospecting',
          'Qualification',
          'Needs Analysis',
          'Proposal/Price Quote',
          'Negotiation/Review',
          'Closed Won',
          'Closed Lost',
        ],
        { required: true },
      ),
      date('CloseDate', 'Close Date', { required: true }),
      number('Amount', 'Amount', 'currency', 2),
      number('Probability', 'Probability (%)', 'percent'),
      longText('Description', 'Description'),
      text('Collections_Recommended_Terms__c', 'Recommended Payment Terms', 255),
      picklist('Collections_Buyer_Risk__c', 'Buyer Payment Risk', RISK_TIERS),
    ],
  },
  {
    name: 'Task',
    label: 'Task',
    labelPlural: 'Tasks',
    keyPrefix: '00T',
    fields: [
      text('Subject', 'Subject', 255),
      longText('Description', 'Description', 32_000),
      picklist(
        'Status',
        'Status',
        ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
        { required: true, defaultValue: 'Not Started' },
      ),
      picklist('Priority', 'Priority', ['High', 'Normal', 'Low'], { required: true, defaultValue: 'Normal' }),
      date('ActivityDate', 'Due Date Only'),
      lookup('WhatId', 'Related To ID', ['Account', 'Opportunity', 'Collections_Invoice__c']),
      text('Collections_Task_Key__c', 'Collections Task Key', 255, {
        externalId: true,
        unique: true,
        caseSensitive: true,
      }),
    ],
  },
  {
    name: 'Collections_Invoice__c',
    label: 'Collections Invoice',
    labelPlural: 'Collections Invoices',
    keyPrefix: 'a0X',
    fields: [
      {
        name: 'Name',
        label: 'Collections Invoice Number',
        type: 'string',
        length: 80,
        autoNumber: 'CINV-{0000000}',
      },
      lookup('Account__c', 'Account', ['Account'], { relationshipName: 'Collections_Invoices__r' }),
      text('Invoice_Id__c', 'Invoice Id', 255, { externalId: true, unique: true, caseSensitive: true }),
      picklist('Status__c', 'Status', ['open', 'paid', 'void', 'disputed']),
      decimal('Amount__c', 'Amount', 16, 2),
      decimal('Outstanding__c', 'Outstanding', 16, 2),
      text('Currency__c', 'Currency', 3),
      date('Issued_On__c', 'Issued On'),
      date('Due_On__c', 'Due On'),
      date('Paid_On__c', 'Paid On'),
      decimal('Days_Past_Due__c', 'Days Past Due', 6, 0),
    ],
  },
  {
    // Account Teams (Object Reference, "AccountTeamMember"): who works an account, in which role.
    name: 'AccountTeamMember',
    label: 'Account Team Member',
    labelPlural: 'Account Team Members',
    keyPrefix: '01M',
    fields: [
      lookup('AccountId', 'Account ID', ['Account'], { required: true }),
      lookup('UserId', 'User ID', ['User'], { required: true }),
      picklist(
        'TeamMemberRole',
        'Team Role',
        [
          'Account Manager',
          'Channel Manager',
          'Executive Sponsor',
          'Lead Qualifier',
          'Sales Manager',
          'Sales Rep',
          'Technical Sales',
        ],
        { restricted: false },
      ),
    ],
  },
  {
    // The org's users, queryable (task owners are found by e-mail); one record per configured user.
    name: 'User',
    label: 'User',
    labelPlural: 'Users',
    keyPrefix: '005',
    fields: [
      text('Username', 'Username', 80, { unique: true }),
      text('Email', 'Email', 128),
      text('Name', 'Full Name', 121),
      checkbox('IsActive', 'Active'),
    ],
  },
];

/** The users of the org (owners, `CreatedById`), also queryable as `User` records with these ids. */
export const USER_KEY_PREFIX = '005';
export const ORG_KEY_PREFIX = '00D';
export const BULK_JOB_KEY_PREFIX = '750';
export const QUERY_LOCATOR_PREFIX = '01g';

function build(row: ObjectRow): SObjectSpec {
  return {
    name: row.name,
    label: row.label,
    labelPlural: row.labelPlural,
    keyPrefix: row.keyPrefix,
    custom: row.name.endsWith('__c'),
    fields: [...SYSTEM_FIELDS, ...row.fields],
  };
}

export const SOBJECTS: readonly SObjectSpec[] = OBJECT_ROWS.map(build);

const BY_NAME = new Map(SOBJECTS.map((spec) => [spec.name.toLowerCase(), spec]));
const BY_PREFIX = new Map(SOBJECTS.map((spec) => [spec.keyPrefix, spec]));
const FIELD_INDEX = new Map(
  SOBJECTS.map((spec) => [spec, new Map(spec.fields.map((field) => [field.name.toLowerCase(), field]))]),
);

/** The sObject of a (case-insensitive) name. */
export function sobjectSpec(name: string): SObjectSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function sobjectByKeyPrefix(prefix: string): SObjectSpec | undefined {
  return BY_PREFIX.get(prefix);
}

/** The field of a (case-insensitive) name. */
export function fieldSpec(spec: SObjectSpec, name: string): FieldSpec | undefined {
  return FIELD_INDEX.get(spec)?.get(name.toLowerCase());
}

export function isCustomField(field: FieldSpec): boolean {
  return field.name.endsWith('__c');
}

export function isNumeric(type: FieldType): boolean {
  return type === 'double' || type === 'currency' || type === 'percent' || type === 'int';
}

export function isTextual(type: FieldType): boolean {
  return (
    type === 'string' ||
    type === 'textarea' ||
    type === 'email' ||
    type === 'phone' ||
    type === 'url' ||
    type === 'picklist'
  );
}

/** Salesforce's message for a field that does not exist on an object (writes and describe-free reads). */
export function noSuchColumn(field: string, spec: SObjectSpec): string {
  return `No such column '${field}' on sobject of type ${spec.name}`;
}

/** One field as `GET /sobjects/{type}/describe` lists it (the subset the emulator knows). */
export function describeField(field: FieldSpec): Record<string, unknown> {
  const system = SYSTEM_FIELDS.includes(field);
  const writable = !field.readOnly && field.type !== 'id' && field.autoNumber === undefined;
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    length: field.length ?? 0,
    precision: field.precision ?? 0,
    scale: field.scale ?? 0,
    custom: isCustomField(field),
    externalId: field.externalId ?? false,
    unique: field.unique ?? false,
    caseSensitive: field.caseSensitive ?? false,
    idLookup: field.type === 'id' || (field.externalId ?? false),
    nillable: !field.required && field.type !== 'boolean' && field.type !== 'id' && !system,
    defaultedOnCreate: field.defaultValue !== undefined || system,
    createable: writable,
    updateable: writable,
    filterable: field.type !== 'textarea',
    sortable: field.type !== 'textarea',
    calculated: false,
    referenceTo: field.referenceTo ?? [],
    relationshipName:
      field.relationshipName ??
      (field.type === 'reference' && field.name.endsWith('Id') ? field.name.slice(0, -2) : null),
    autoNumber: field.autoNumber !== undefined,
    picklistValues: (field.picklist ?? []).map((value) => ({
      active: true,
      defaultValue: value === field.defaultValue,
      label: value,
      validFor: null,
      value,
    })),
    restrictedPicklist: field.restricted ?? false,
    soapType: soapType(field.type),
  };
}

function soapType(type: FieldType): string {
  switch (type) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'double':
    case 'currency':
    case 'percent':
      return 'xsd:double';
    case 'int':
      return 'xsd:int';
    case 'boolean':
      return 'xsd:boolean';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    default:
      return 'xsd:string';
  }
}
