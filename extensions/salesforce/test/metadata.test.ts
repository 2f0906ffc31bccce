/**
 * @jest-environment node
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(PACKAGE_ROOT, 'force-app', 'main', 'default');
const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';
const API_VERSION = '62.0';

type Sobject = 'Account' | 'Opportunity' | 'Task' | 'Collections_Invoice__c';

type ExpectedField = {
  object: Sobject;
  name: string;
  type: 'Text' | 'Number' | 'Picklist' | 'LongTextArea' | 'Date' | 'DateTime' | 'Checkbox' | 'Lookup';
  length?: number;
  precision?: number;
  scale?: number;
  /** External ID and unique: the keys the backend upserts by. */
  key?: boolean;
  values?: string[];
  defaultValue?: string;
  referenceTo?: string;
};

const TIERS = ['low', 'medium', 'high'];

/** Every field the collections backend writes, as it writes it. */
const BACKEND_FIELDS: ExpectedField[] = [
  { object: 'Account', name: 'Collections_Billing_Customer_Id__c', type: 'Text', length: 64, key: true },
  {
    object: 'Account',
    name: 'Collections_Status__c',
    type: 'Picklist',
    values: ['current', 'overdue', 'failed_payment', 'disputed', 'paused', 'payment_in_flight'],
  },
  { object: 'Account', name: 'Collections_Currency__c', type: 'Text', length: 3 },
  { object: 'Account', name: 'Collections_Overdue_Amount__c', type: 'Number', precision: 16, scale: 2 },
  { object: 'Account', name: 'Collections_Outstanding_Amount__c', type: 'Number', precision: 16, scale: 2 },
  { object: 'Account', name: 'Collections_Oldest_Days_Past_Due__c', type: 'Number', precision: 6, scale: 0 },
  { object: 'Account', name: 'Collections_Risk_Score__c', type: 'Number', precision: 3, scale: 0 },
  { object: 'Account', name: 'Collections_Risk_Tier__c', type: 'Picklist', values: TIERS },
  { object: 'Account', name: 'Collections_Risk_Reasons__c', type: 'LongTextArea', length: 32768 },
  { object: 'Account', name: 'Collections_Next_Renewal__c', type: 'Date' },
  { object: 'Account', name: 'Collections_Days_To_Renewal__c', type: 'Number', precision: 5, scale: 0 },
  { object: 'Account', name: 'Collections_Last_Payment_Failure__c', type: 'Text', length: 255 },
  { object: 'Account', name: 'Collections_Automation_Paused__c', type: 'Checkbox', defaultValue: 'false' },
  { object: 'Account', name: 'Collections_Promise__c', type: 'Text', length: 255 },
  { object: 'Account', name: 'Collections_Card_On_File__c', type: 'Text', length: 255 },
  { object: 'Account', name: 'Collections_Last_Synced__c', type: 'DateTime' },
  { object: 'Opportunity', name: 'Collections_Recommended_Terms__c', type: 'Text', length: 255 },
  { object: 'Opportunity', name: 'Collections_Buyer_Risk__c', type: 'Picklist', values: TIERS },
  { object: 'Task', name: 'Collections_Task_Key__c', type: 'Text', length: 255, key: true },
  { object: 'Collections_Invoice__c', name: 'Invoice_Id__c', type: 'Text', length: 255, key: true },
  { object: 'Collections_Invoice__c', name: 'Account__c', type: 'Lookup', referenceTo: 'Account' },
  { object: 'Collections_Invoice__c', name: 'Amount__c', type: 'Number', precision: 16, scale: 2 },
  { object: 'Collections_Invoice__c', name: 'Outstanding__c', type: 'Number', precision: 16, scale: 2 },
  { object: 'Collections_Invoice__c', name: 'Currency__c', type: 'Text', length: 3 },
  { object: 'Collections_Invoice__c', name: 'Issued_On__c', type: 'Date' },
  { object: 'Collections_Invoice__c', name: 'Due_On__c', type: 'Date' },
  { object: 'Collections_Invoice__c', name: 'Paid_On__c', type: 'Date' },
  { object: 'Collections_Invoice__c', name: 'Days_Past_Due__c', type: 'Number', precision: 6, scale: 0 },
  {
    object: 'Collections_Invoice__c',
    name: 'Status__c',
    type: 'Picklist',
    values: ['open', 'paid', 'void', 'disputed'],
  },
];

/** Task and Event custom fields are defined on Activity; permission sets name them Task.Field__c. */
const FOLDER_OF: Record<Sobject, string> = {
  Account: 'Account',
  Opportunity: 'Opportunity',
  Task: 'Activity',
  Collections_Invoice__c: 'Collections_Invoice__c',
};

/** The Flow actions (global classes with one @InvocableMethod) and the backend action each calls. */
const FLOW_ACTIONS = [
  ['CollectionsPauseAction', 'pause-collections'],
  ['CollectionsPromiseAction', 'record-promise-to-pay'],
  ['CollectionsStatusAction', 'get-collections-status'],
  ['CollectionsTermsAction', 'recommend-payment-terms'],
] as const;

const ROOT_ELEMENT_BY_SUFFIX: [string, string][] = [
  ['.field-meta.xml', 'CustomField'],
  ['.object-meta.xml', 'CustomObject'],
  ['.permissionset-meta.xml', 'PermissionSet'],
  ['.js-meta.xml', 'LightningComponentBundle'],
  ['.cls-meta.xml', 'ApexClass'],
  ['.cspTrustedSite-meta.xml', 'CspTrustedSite'],
  ['.remoteSite-meta.xml', 'RemoteSiteSetting'],
];

const REPEATED_ELEMENTS = new Set([
  'classAccesses',
  'customMetadataTypeAccesses',
  'fieldPermissions',
  'objectPermissions',
  'value',
  'target',
  'targetConfig',
  'property',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (tagName) => REPEATED_ELEMENTS.has(tagName),
});

type Xml = Record<string, unknown>;

function filesUnder(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : filesUnder(full, suffix);
    return entry.name.endsWith(suffix) ? [full] : [];
  });
}

function readXml(file: string): Xml {
  return parser.parse(fs.readFileSync(file, 'utf8')) as Xml;
}

/** The document's root element (the one named `name`) with its children. */
function root(file: string, name: string): Xml {
  const element = readXml(file)[name];
  if (typeof element !== 'object' || element === null) throw new Error(`${file} has no <${name}> root`);
  return element as Xml;
}

function list(value: unknown): Xml[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Xml[];
}

function fieldFile(object: Sobject, name: string): string {
  return path.join(SOURCE, 'objects', FOLDER_OF[object], 'fields', `${name}.field-meta.xml`);
}

function permissionSet(name: string): Xml {
  return root(path.join(SOURCE, 'permissionsets', `${name}.permissionset-meta.xml`), 'PermissionSet');
}

function fieldPermissions(permissions: Xml): Map<string, { readable: string; editable: string }> {
  return new Map(
    list(permissions.fieldPermissions).map((entry) => [
      String(entry.field),
      { readable: String(entry.readable), editable: String(entry.editable) },
    ]),
  );
}

function invoicePermission(permissions: Xml): Xml {
  const found = list(permissions.objectPermissions).filter(
    (entry) => entry.object === 'Collections_Invoice__c',
  );
  expect(found).toHaveLength(1);
  return found[0] as Xml;
}

function bundle(component: string): Xml {
  return root(path.join(SOURCE, 'lwc', component, `${component}.js-meta.xml`), 'LightningComponentBundle');
}

function targetConfig(component: string, target: string): Xml | undefined {
  const targetConfigs = bundle(component).targetConfigs as Xml | undefined;
  return list(targetConfigs?.targetConfig).find((config) => config['@_targets'] === target);
}

function targets(component: string): string[] {
  return list((bundle(component).targets as Xml).target).map(String);
}

const ALL_META_FILES = filesUnder(SOURCE, '-meta.xml');

describe('every metadata file', () => {
  it('covers the package: fields, objects, permission sets, components, classes, CSP, remote site', () => {
    const suffixes = new Set(
      ALL_META_FILES.map((file) => ROOT_ELEMENT_BY_SUFFIX.find(([suffix]) => file.endsWith(suffix))?.[0]),
    );
    expect(suffixes).toEqual(new Set(ROOT_ELEMENT_BY_SUFFIX.map(([suffix]) => suffix)));
  });

  it.each(ALL_META_FILES.map((file) => [path.relative(SOURCE, file), file]))(
    '%s is well formed, in the metadata namespace, with the root its suffix calls for',
    (_relative, file) => {
      const text = fs.readFileSync(file, 'utf8');
      expect(XMLValidator.validate(text)).toBe(true);
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      const rootName = ROOT_ELEMENT_BY_SUFFIX.find(([suffix]) => file.endsWith(suffix))?.[1];
      if (rootName === undefined) throw new Error(`no metadata type known for ${file}`);
      const element = root(file, rootName);
      expect(element['@_xmlns']).toBe(METADATA_NAMESPACE);
    },
  );

  it('uses the project API version wherever one is given', () => {
    const versions = ALL_META_FILES.flatMap((file) => {
      const match = /<apiVersion>([^<]+)<\/apiVersion>/.exec(fs.readFileSync(file, 'utf8'));
      return match === null ? [] : [[path.relative(SOURCE, file), match[1]]];
    });
    expect(versions.length).toBeGreaterThan(0);
    for (const [file, version] of versions) expect({ file, version }).toEqual({ file, version: API_VERSION });
  });

  it('names each field after its file', () => {
    for (const file of filesUnder(SOURCE, '.field-meta.xml'))
      expect(root(file, 'CustomField').fullName).toBe(path.basename(file, '.field-meta.xml'));
  });
});

describe('the fields the backend writes', () => {
  it.each(BACKEND_FIELDS.map((field) => [`${field.object}.${field.name}`, field]))(
    '%s exists with its type, size and key flags',
    (_name, expected) => {
      const file = fieldFile(expected.object, expected.name);
      expect(fs.existsSync(file)).toBe(true);
      const field = root(file, 'CustomField');

      expect(field.type).toBe(expected.type);
      if (expected.length !== undefined) expect(field.length).toBe(String(expected.length));
      if (expected.precision !== undefined) expect(field.precision).toBe(String(expected.precision));
      if (expected.scale !== undefined) expect(field.scale).toBe(String(expected.scale));
      if (expected.defaultValue !== undefined) expect(field.defaultValue).toBe(expected.defaultValue);
      if (expected.referenceTo !== undefined) {
        expect(field.referenceTo).toBe(expected.referenceTo);
        expect(field.deleteConstraint).toBe('SetNull');
      }
      const isKey = expected.key === true;
      expect(field.externalId === 'true').toBe(isKey);
      expect(field.unique === 'true').toBe(isKey);
      if (isKey) expect(field.caseSensitive).toBe('true');
      if (expected.values !== undefined) {
        const valueSet = field.valueSet as Xml;
        expect(valueSet.restricted).toBe('true');
        const values = list((valueSet.valueSetDefinition as Xml).value);
        expect(values.map((value) => value.fullName)).toEqual(expected.values);
        expect(values.every((value) => value.default === 'false')).toBe(true);
      }
      expect(String(field.description ?? '')).not.toBe('');
    },
  );

  it('are the only custom fields on Account, Opportunity, Task and the invoice object', () => {
    const objects: Sobject[] = ['Account', 'Opportunity', 'Task', 'Collections_Invoice__c'];
    const present = objects.flatMap((object) =>
      filesUnder(path.join(SOURCE, 'objects', FOLDER_OF[object]), '.field-meta.xml').map(
        (file) => `${object}.${path.basename(file, '.field-meta.xml')}`,
      ),
    );
    expect(present.sort()).toEqual(BACKEND_FIELDS.map((field) => `${field.object}.${field.name}`).sort());
  });
});

describe('the Collections Invoice object', () => {
  const object = root(
    path.join(SOURCE, 'objects', 'Collections_Invoice__c', 'Collections_Invoice__c.object-meta.xml'),
    'CustomObject',
  );

  it('is labelled Collections Invoice and numbers its records', () => {
    expect(object.label).toBe('Collections Invoice');
    expect(object.pluralLabel).toBe('Collections Invoices');
    expect(object.deploymentStatus).toBe('Deployed');
    const nameField = object.nameField as Xml;
    expect(nameField.type).toBe('AutoNumber');
    expect(String(nameField.displayFormat)).toMatch(/\{0+\}$/);
  });

  it('is shared Public Read/Write: a lookup child of Account cannot be ControlledByParent', () => {
    expect(object.sharingModel).toBe('ReadWrite');
    const accountLookup = root(fieldFile('Collections_Invoice__c', 'Account__c'), 'CustomField');
    expect(accountLookup.type).toBe('Lookup');
  });
});

describe('the Collections Settings custom metadata type', () => {
  const folder = path.join(SOURCE, 'objects', 'Collections_Settings__mdt');

  it('is protected and holds the backend URL and the launch secret', () => {
    const type = root(path.join(folder, 'Collections_Settings__mdt.object-meta.xml'), 'CustomObject');
    expect(type.visibility).toBe('Protected');
    const url = root(path.join(folder, 'fields', 'Backend_Url__c.field-meta.xml'), 'CustomField');
    const secret = root(path.join(folder, 'fields', 'Launch_Secret__c.field-meta.xml'), 'CustomField');
    expect(url.type).toBe('Url');
    expect(secret.type).toBe('Text');
    expect(Number(secret.length)).toBeGreaterThanOrEqual(64);
  });

  it('ships no record: the secret is set in each org, never packaged', () => {
    expect(fs.existsSync(path.join(SOURCE, 'customMetadata'))).toBe(false);
    const forceignore = fs.readFileSync(path.join(PACKAGE_ROOT, '.forceignore'), 'utf8');
    expect(forceignore).toContain('**/customMetadata/Collections_Settings.*.md-meta.xml');
  });
});

describe('the permission sets', () => {
  const existingFields = new Set(
    (Object.keys(FOLDER_OF) as Sobject[]).flatMap((object) =>
      filesUnder(path.join(SOURCE, 'objects', FOLDER_OF[object]), '.field-meta.xml').map(
        (file) => `${object}.${path.basename(file, '.field-meta.xml')}`,
      ),
    ),
  );
  const existingClasses = new Set(
    filesUnder(path.join(SOURCE, 'classes'), '.cls-meta.xml').map((file) =>
      path.basename(file, '.cls-meta.xml'),
    ),
  );
  const backendFields = BACKEND_FIELDS.map((field) => `${field.object}.${field.name}`).sort();

  it.each(['Collections_User', 'Collections_Integration'])(
    '%s references only fields, objects and classes that exist',
    (name) => {
      const permissions = permissionSet(name);
      for (const field of fieldPermissions(permissions).keys()) expect(existingFields).toContain(field);
      for (const object of list(permissions.objectPermissions).map((entry) => String(entry.object)))
        expect(fs.existsSync(path.join(SOURCE, 'objects', object))).toBe(true);
      for (const apexClass of list(permissions.classAccesses).map((entry) => String(entry.apexClass)))
        expect(existingClasses).toContain(apexClass);
      expect(permissions.customMetadataTypeAccesses).toBeUndefined();
    },
  );

  it('Collections_User reads every collections field and the invoices, edits nothing, and may launch the workspace', () => {
    const permissions = permissionSet('Collections_User');
    const fields = fieldPermissions(permissions);
    expect([...fields.keys()].sort()).toEqual(backendFields);
    for (const access of fields.values()) expect(access).toEqual({ readable: 'true', editable: 'false' });
    expect(invoicePermission(permissions)).toMatchObject({
      allowRead: 'true',
      allowCreate: 'false',
      allowEdit: 'false',
      allowDelete: 'false',
      modifyAllRecords: 'false',
      viewAllRecords: 'false',
    });
    expect(list(permissions.classAccesses)).toEqual(
      ['CollectionsLaunch', 'CollectionsPromiseController', ...FLOW_ACTIONS.map(([name]) => name)]
        .sort()
        .map((apexClass) => ({ apexClass, enabled: 'true' })),
    );
  });

  it('Collections_Integration edits every collections field and creates and edits invoices, without delete', () => {
    const permissions = permissionSet('Collections_Integration');
    const fields = fieldPermissions(permissions);
    expect([...fields.keys()].sort()).toEqual(backendFields);
    for (const access of fields.values()) expect(access).toEqual({ readable: 'true', editable: 'true' });
    expect(invoicePermission(permissions)).toMatchObject({
      allowRead: 'true',
      allowCreate: 'true',
      allowEdit: 'true',
      allowDelete: 'false',
      modifyAllRecords: 'false',
    });
    expect(permissions.classAccesses).toBeUndefined();
  });
});

describe('the Lightning web components', () => {
  it.each(['collectionsAccountCard', 'collectionsWorkspace'])(
    '%s is a complete, exposed bundle',
    (component) => {
      for (const suffix of ['.js', '.html', '.js-meta.xml'])
        expect(fs.existsSync(path.join(SOURCE, 'lwc', component, `${component}${suffix}`))).toBe(true);
      expect(bundle(component).isExposed).toBe('true');
      expect(String(bundle(component).masterLabel ?? '')).not.toBe('');
    },
  );

  it('collectionsAccountCard goes on Account record pages only', () => {
    expect(targets('collectionsAccountCard')).toEqual(['lightning__RecordPage']);
    const config = targetConfig('collectionsAccountCard', 'lightning__RecordPage');
    expect(list((config?.objects as Xml).object)).toEqual(['Account']);
  });

  it('collectionsWorkspace goes on Account and Opportunity record pages and on app pages', () => {
    expect(targets('collectionsWorkspace').sort()).toEqual(['lightning__AppPage', 'lightning__RecordPage']);
    const recordPage = targetConfig('collectionsWorkspace', 'lightning__RecordPage');
    expect(list((recordPage?.objects as Xml).object)).toEqual(['Account', 'Opportunity']);
    expect(targetConfig('collectionsWorkspace', 'lightning__AppPage')).toBeDefined();
  });

  it('import only schema fields and Apex methods that exist in this package', () => {
    const sources = filesUnder(path.join(SOURCE, 'lwc'), '.js').map((file) => fs.readFileSync(file, 'utf8'));
    const imports = sources.flatMap((source) =>
      [...source.matchAll(/from '(@salesforce\/(?:schema|apex)\/[^']+)'/g)].map((match) => match[1] ?? ''),
    );
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) {
      const schema = /^@salesforce\/schema\/(\w+)\.(\w+__c)$/.exec(specifier);
      if (schema !== null) {
        const object = schema[1] as Sobject;
        expect(FOLDER_OF[object]).toBeDefined();
        expect(fs.existsSync(fieldFile(object, schema[2] ?? ''))).toBe(true);
      }
      const apex = /^@salesforce\/apex\/(\w+)\.(\w+)$/.exec(specifier);
      if (apex !== null) {
        const source = fs.readFileSync(path.join(SOURCE, 'classes', `${apex[1]}.cls`), 'utf8');
        expect(source).toMatch(new RegExp(`@AuraEnabled[^\\n]*\\n\\s*public static \\w+ ${apex[2]}\\(`));
      }
    }
  });
});

describe('the Apex classes', () => {
  const classFiles = filesUnder(path.join(SOURCE, 'classes'), '.cls');

  class CollectingListener extends ApexErrorListener {
    readonly errors: string[] = [];
    apexSyntaxError(line: number, column: number, message: string): void {
      this.errors.push(`${line}:${column} ${message}`);
    }
  }

  it.each(classFiles.map((file) => [path.basename(file), file]))('%s parses as Apex', (_name, file) => {
    const listener = new CollectingListener();
    const { parser: apex } = ApexParserFactory.createLexerAndParser(fs.readFileSync(file, 'utf8'), listener);
    apex.compilationUnit();
    expect(listener.errors).toEqual([]);
    expect(fs.existsSync(`${file}-meta.xml`)).toBe(true);
    expect(root(`${file}-meta.xml`, 'ApexClass').status).toBe('Active');
  });

  it('CollectionsLaunch exposes launchUrl(String view, Id recordId) to components, uncached', () => {
    const source = fs.readFileSync(path.join(SOURCE, 'classes', 'CollectionsLaunch.cls'), 'utf8');
    expect(source).toMatch(/public with sharing class CollectionsLaunch\b/);
    expect(source).toMatch(
      /@AuraEnabled\(cacheable=false\)\s*\n\s*public static String launchUrl\(String view, Id recordId\)/,
    );
  });

  it.each(FLOW_ACTIONS)(
    '%s is a global invocable action for Flow calling %s, with callouts, in the Collections category',
    (name, action) => {
      const source = fs.readFileSync(path.join(SOURCE, 'classes', `${name}.cls`), 'utf8');
      expect(source).toMatch(new RegExp(`^global with sharing class ${name}\\b`, 'm'));
      const invocable = source.match(
        /@InvocableMethod\(([^)]*)\)\s*\n\s*global static List<Result> \w+\(List<Request> requests\)/g,
      );
      expect(invocable).toHaveLength(1);
      expect(invocable?.[0]).toMatch(/callout=true/);
      expect(invocable?.[0]).toMatch(/category='Collections'/);
      expect(source).toMatch(/global class Request \{/);
      expect(source).toMatch(/global class Result \{/);
      expect(source).toContain(`CollectionsActionClient.call(\n                '${action}',`);
      for (const variable of ['ok', 'errorCode', 'errorMessage'])
        expect(source).toMatch(
          new RegExp(`@InvocableVariable\\(label='[^']+'\\)\\s*\\n\\s*global \\w+ ${variable};`),
        );
    },
  );

  it('CollectionsActionClient signs org id, timestamp and body with the launch secret, read like CollectionsLaunch', () => {
    const source = fs.readFileSync(path.join(SOURCE, 'classes', 'CollectionsActionClient.cls'), 'utf8');
    expect(source).toMatch(/public with sharing class CollectionsActionClient\b/);
    expect(source).toContain("Blob.valueOf(org + '\\n' + timestamp + '\\n' + body)");
    expect(source).toContain("Crypto.generateMac('hmacSHA256', message, Blob.valueOf(secret))");
    expect(source).toContain('Collections_Settings__mdt.getInstance(settingsRecordName)');
    expect(source).toContain("'/salesforce/actions/' + action");
    for (const header of ['X-Collections-Org', 'X-Collections-Timestamp', 'X-Collections-Signature'])
      expect(source).toContain(`request.setHeader('${header}'`);
  });

  it('CollectionsActionsTest runs every action against an HttpCalloutMock', () => {
    const source = fs.readFileSync(path.join(SOURCE, 'classes', 'CollectionsActionsTest.cls'), 'utf8');
    expect(source).toMatch(/^@IsTest\s*\nprivate class CollectionsActionsTest\b/);
    expect(source).toMatch(/implements HttpCalloutMock/);
    expect(source).toContain('Test.setMock(HttpCalloutMock.class, mock)');
    for (const [name] of FLOW_ACTIONS)
      expect(source).toContain(`${name}.Request request = new ${name}.Request();`);
    expect(source.match(/@IsTest\s*\n\s*static void /g)?.length ?? 0).toBeGreaterThanOrEqual(8);
  });

  it('lets the actions call the backend the CSP trusted site frames (remote site setting)', () => {
    const [file] = filesUnder(path.join(SOURCE, 'remoteSiteSettings'), '.remoteSite-meta.xml');
    if (file === undefined) throw new Error('no remote site setting');
    const site = root(file, 'RemoteSiteSetting');
    const [csp] = filesUnder(path.join(SOURCE, 'cspTrustedSites'), '.cspTrustedSite-meta.xml');
    expect(site.url).toBe(root(csp ?? '', 'CspTrustedSite').endpointUrl);
    expect(site.isActive).toBe('true');
    expect(site.disableProtocolSecurity).toBe('false');
  });

  it('CollectionsPromiseController records a promise for the account card through the signed action client', () => {
    const source = fs.readFileSync(path.join(SOURCE, 'classes', 'CollectionsPromiseController.cls'), 'utf8');
    expect(source).toMatch(/^public with sharing class CollectionsPromiseController\b/m);
    expect(source).toMatch(
      /@AuraEnabled\(cacheable=false\)\s*\n\s*public static Outcome recordPromise\(\s*Id accountId,\s*String amount,\s*String currencyCode,\s*Date promisedDate,\s*String madeBy,\s*List<String> invoiceIds,\s*String note\s*\)/,
    );
    expect(source).toContain("CollectionsActionClient.call(\n            'record-promise-to-pay',");
    for (const field of ['ok', 'promiseId', 'deadline', 'errorCode', 'errorMessage', 'field'])
      expect(source).toMatch(new RegExp(`@AuraEnabled\\s*\\n\\s*public \\w+ ${field};`));
    const test = fs.readFileSync(
      path.join(SOURCE, 'classes', 'CollectionsPromiseControllerTest.cls'),
      'utf8',
    );
    expect(test).toMatch(/^@IsTest\s*\nprivate class CollectionsPromiseControllerTest\b/);
    expect(test).toMatch(/implements HttpCalloutMock/);
    expect(test).toContain('Test.setMock(HttpCalloutMock.class, mock)');
    expect(test.match(/@IsTest\s*\n\s*static void /g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('CollectionsLaunchTest is a test class', () => {
    const source = fs.readFileSync(path.join(SOURCE, 'classes', 'CollectionsLaunchTest.cls'), 'utf8');
    expect(source).toMatch(/^@IsTest\s*\nprivate class CollectionsLaunchTest\b/);
    expect(source.match(/@IsTest\s*\n\s*static void /g)?.length ?? 0).toBeGreaterThanOrEqual(10);
  });
});

describe('the CSP trusted site', () => {
  it('lets Lightning pages frame the backend', () => {
    const [file] = filesUnder(path.join(SOURCE, 'cspTrustedSites'), '.cspTrustedSite-meta.xml');
    if (file === undefined) throw new Error('no CSP trusted site');
    const site = root(file, 'CspTrustedSite');
    expect(site.endpointUrl).toBe('https://collections.example.com');
    expect(site.isActive).toBe('true');
    expect(site.isApplicableToFrameSrc).toBe('true');
    expect(['LEX', 'All']).toContain(site.context);
  });
});

describe('sfdx-project.json', () => {
  const project = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: { path: string; default?: boolean; package?: string; versionNumber?: string }[];
    namespace?: string;
    sourceApiVersion?: string;
  };

  it('has force-app as its one, default package directory', () => {
    expect(project.packageDirectories).toHaveLength(1);
    const [directory] = project.packageDirectories;
    expect(directory).toMatchObject({ path: 'force-app', default: true });
    expect(fs.statSync(path.join(PACKAGE_ROOT, 'force-app')).isDirectory()).toBe(true);
    expect(directory?.versionNumber).toMatch(/^\d+\.\d+\.\d+\.(NEXT|\d+)$/);
  });

  it('targets API 62.0 and leaves the namespace to be set when the package is registered', () => {
    expect(project.sourceApiVersion).toBe(API_VERSION);
    expect(project.namespace).toBe('');
  });

  it('keeps the tests out of the org', () => {
    const forceignore = fs.readFileSync(path.join(PACKAGE_ROOT, '.forceignore'), 'utf8');
    expect(forceignore).toContain('**/__tests__/**');
    const scratch = JSON.parse(
      fs.readFileSync(path.join(PACKAGE_ROOT, 'config', 'project-scratch-def.json'), 'utf8'),
    ) as { edition?: string };
    expect(scratch.edition).toBeDefined();
  });
});
