import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';

/**
 * The package in metadata format, as `sf project deploy start` would send it: converted offline by
 * source-deploy-retrieve, the library the Salesforce CLI itself uses. Returns the output directory
 * (it holds package.xml and one folder per metadata type).
 */
export async function convertToMetadataFormat(sourceDir: string): Promise<string> {
  const outputDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'collections-mdapi-'));
  const components = ComponentSet.fromSource(sourceDir);
  await new MetadataConverter().convert(components, 'metadata', {
    type: 'directory',
    outputDirectory,
    genUniqueDir: false,
  });
  return outputDirectory;
}

type Xml = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (tagName) => ['fields', 'value'].includes(tagName),
});

/**
 * Developer names: letters, digits and single underscores, starting with a letter and not ending with an
 * underscore (Salesforce Help, "Custom Field Attributes" / "Create a Custom Object": Field Name / Object
 * Name). `__c` and `__mdt` are the platform's suffixes, not part of the name.
 */
const DEVELOPER_NAME = /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/;
/** Lightning web component bundle names begin with a lowercase letter (LWC Developer Guide, "Component Folder"). */
const LWC_NAME = /^[a-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/;

/**
 * Lengths from the Metadata API Developer Guide and the object reference: CustomField label 40, name 40
 * (without suffix), description 1000, inlineHelpText 510; CustomObject label and pluralLabel 40, name 40,
 * description 1000, nameField label 80; picklist value API name and label 255; PermissionSet label and
 * name 80, description 255; CspTrustedSite name 80, description 255; ApexClass name 40.
 */
const LIMITS = {
  fieldName: 40,
  fieldLabel: 40,
  fieldDescription: 1000,
  helpText: 510,
  relationshipName: 40,
  relationshipLabel: 80,
  objectName: 40,
  objectLabel: 40,
  objectDescription: 1000,
  nameFieldLabel: 80,
  picklistValue: 255,
  permissionSetName: 80,
  permissionSetLabel: 80,
  permissionSetDescription: 255,
  cspName: 80,
  cspDescription: 255,
  apexClassName: 40,
  lwcName: 40,
} as const;

class Findings {
  readonly problems: string[] = [];

  length(where: string, what: string, value: unknown, limit: number): void {
    if (value === undefined) return;
    const length = [...String(value)].length;
    if (length > limit) this.problems.push(`${where} ${what}: ${length} characters, limit ${limit}`);
  }

  name(where: string, name: string, suffix: string, limit: number, format = DEVELOPER_NAME): void {
    if (suffix !== '' && !name.endsWith(suffix)) {
      this.problems.push(`${where} name ${name}: must end in ${suffix}`);
      return;
    }
    const base = suffix === '' ? name : name.slice(0, -suffix.length);
    if (!format.test(base))
      this.problems.push(
        `${where} name ${name}: letters, digits and single underscores, starting with a letter, not ending in _`,
      );
    this.length(where, 'name', base, limit);
  }
}

function readRoot(file: string, rootName: string): Xml {
  const element = (parser.parse(fs.readFileSync(file, 'utf8')) as Xml)[rootName];
  return typeof element === 'object' && element !== null ? (element as Xml) : {};
}

function filesIn(dir: string, suffix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .map((name) => path.join(dir, name));
}

function list(value: unknown): Xml[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Xml[];
}

const STANDARD_OBJECT = /^[A-Za-z]+$/;

function checkField(findings: Findings, object: string, field: Xml): void {
  const name = String(field.fullName);
  const where = `CustomField ${object}.${name}`;
  findings.name(where, name, '__c', LIMITS.fieldName);
  findings.length(where, 'label', field.label, LIMITS.fieldLabel);
  findings.length(where, 'description', field.description, LIMITS.fieldDescription);
  findings.length(where, 'inlineHelpText', field.inlineHelpText, LIMITS.helpText);
  if (field.relationshipName !== undefined)
    findings.name(`${where} relationship`, String(field.relationshipName), '', LIMITS.relationshipName);
  findings.length(where, 'relationshipLabel', field.relationshipLabel, LIMITS.relationshipLabel);
  const definition = (field.valueSet as Xml | undefined)?.valueSetDefinition as Xml | undefined;
  for (const value of list(definition?.value)) {
    findings.length(where, `picklist value ${String(value.fullName)}`, value.fullName, LIMITS.picklistValue);
    findings.length(where, `picklist label ${String(value.fullName)}`, value.label, LIMITS.picklistValue);
  }
}

function checkObjects(findings: Findings, dir: string): void {
  for (const file of filesIn(dir, '.object')) {
    const name = path.basename(file, '.object');
    const object = readRoot(file, 'CustomObject');
    const where = `CustomObject ${name}`;
    if (!STANDARD_OBJECT.test(name)) {
      findings.name(where, name, name.endsWith('__mdt') ? '__mdt' : '__c', LIMITS.objectName);
      findings.length(where, 'label', object.label, LIMITS.objectLabel);
      findings.length(where, 'pluralLabel', object.pluralLabel, LIMITS.objectLabel);
      findings.length(where, 'description', object.description, LIMITS.objectDescription);
      findings.length(
        where,
        'nameField label',
        (object.nameField as Xml | undefined)?.label,
        LIMITS.nameFieldLabel,
      );
    }
    for (const field of list(object.fields)) checkField(findings, name, field);
  }
}

function checkPermissionSets(findings: Findings, dir: string): void {
  for (const file of filesIn(dir, '.permissionset')) {
    const name = path.basename(file, '.permissionset');
    const permissions = readRoot(file, 'PermissionSet');
    const where = `PermissionSet ${name}`;
    findings.name(where, name, '', LIMITS.permissionSetName);
    findings.length(where, 'label', permissions.label, LIMITS.permissionSetLabel);
    findings.length(where, 'description', permissions.description, LIMITS.permissionSetDescription);
  }
}

function checkOthers(findings: Findings, root: string): void {
  for (const file of filesIn(path.join(root, 'cspTrustedSites'), '.cspTrustedSite')) {
    const name = path.basename(file, '.cspTrustedSite');
    const site = readRoot(file, 'CspTrustedSite');
    findings.name(`CspTrustedSite ${name}`, name, '', LIMITS.cspName);
    findings.length(`CspTrustedSite ${name}`, 'description', site.description, LIMITS.cspDescription);
  }
  for (const file of filesIn(path.join(root, 'classes'), '.cls')) {
    const name = path.basename(file, '.cls');
    findings.name(`ApexClass ${name}`, name, '', LIMITS.apexClassName);
  }
  const lwc = path.join(root, 'lwc');
  if (fs.existsSync(lwc))
    for (const name of fs.readdirSync(lwc))
      findings.name(`LightningComponentBundle ${name}`, name, '', LIMITS.lwcName, LWC_NAME);
}

/**
 * Every label, description, help text and API name in a metadata-format package that Salesforce would
 * reject, one line each naming the component and the attribute; empty when the package is within limits.
 */
export function metadataLimitViolations(metadataDir: string): string[] {
  const findings = new Findings();
  checkObjects(findings, path.join(metadataDir, 'objects'));
  checkPermissionSets(findings, path.join(metadataDir, 'permissionsets'));
  checkOthers(findings, metadataDir);
  return findings.problems;
}
