/**
 * @jest-environment node
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertToMetadataFormat, metadataLimitViolations } from './metadata-limits';

const FORCE_APP = path.resolve(__dirname, '..', 'force-app');
const PERMISSION_SET = path.join(
  'main',
  'default',
  'permissionsets',
  'Collections_Integration.permissionset-meta.xml',
);

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

async function converted(sourceDir: string): Promise<string> {
  const dir = await convertToMetadataFormat(sourceDir);
  made.push(dir);
  return dir;
}

/** A copy of force-app with one file rewritten, for checks that must reject a broken package. */
function copyWith(relative: string, edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collections-source-'));
  made.push(dir);
  const copy = path.join(dir, 'force-app');
  fs.cpSync(FORCE_APP, copy, { recursive: true });
  const file = path.join(copy, relative);
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
  return copy;
}

describe('the package converted to metadata format', () => {
  it('converts with source-deploy-retrieve into the components the package defines', async () => {
    const dir = await converted(FORCE_APP);
    const manifest = fs.readFileSync(path.join(dir, 'package.xml'), 'utf8');
    for (const type of [
      'ApexClass',
      'CspTrustedSite',
      'CustomField',
      'CustomObject',
      'LightningComponentBundle',
      'PermissionSet',
      'RemoteSiteSetting',
    ])
      expect(manifest).toContain(`<name>${type}</name>`);
    expect(manifest).toContain('<members>Collections_Invoice__c.Invoice_Id__c</members>');
    expect(manifest).toContain('<members>Collections_Integration</members>');
    for (const apexClass of [
      'CollectionsActionClient',
      'CollectionsActionsTest',
      'CollectionsPauseAction',
      'CollectionsPromiseAction',
      'CollectionsPromiseController',
      'CollectionsPromiseControllerTest',
      'CollectionsStatusAction',
      'CollectionsTermsAction',
    ])
      expect(manifest).toContain(`<members>${apexClass}</members>`);
    expect(fs.existsSync(path.join(dir, 'objects', 'Activity.object'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'lwc', 'collectionsWorkspace', '__tests__'))).toBe(false);
  });

  it('keeps every label, description, help text and API name within the Metadata API limits', async () => {
    expect(metadataLimitViolations(await converted(FORCE_APP))).toEqual([]);
  });

  it('rejects a permission set description over 255 characters, naming it', async () => {
    const source = copyWith(PERMISSION_SET, (text) =>
      text.replace(/<description>[^<]*<\/description>/, `<description>${'x'.repeat(256)}</description>`),
    );
    expect(metadataLimitViolations(await converted(source))).toEqual([
      'PermissionSet Collections_Integration description: 256 characters, limit 255',
    ]);
  });

  it('rejects a field label over 40 characters, help text over 510 and a double underscore in a name', async () => {
    const source = copyWith(
      path.join('main', 'default', 'objects', 'Account', 'fields', 'Collections_Status__c.field-meta.xml'),
      (text) =>
        text
          .replace(/<label>[^<]*<\/label>/, `<label>${'L'.repeat(41)}</label>`)
          .replace(
            '</description>',
            `</description>\n    <inlineHelpText>${'h'.repeat(511)}</inlineHelpText>`,
          ),
    );
    const renamed = path.join(source, 'main', 'default', 'objects', 'Account', 'fields');
    fs.renameSync(
      path.join(renamed, 'Collections_Risk_Tier__c.field-meta.xml'),
      path.join(renamed, 'Collections__Risk_Tier__c.field-meta.xml'),
    );
    const file = path.join(renamed, 'Collections__Risk_Tier__c.field-meta.xml');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('Collections_Risk_Tier__c', 'Collections__Risk_Tier__c'),
    );
    const problems = metadataLimitViolations(await converted(source));
    expect(problems).toEqual(
      expect.arrayContaining([
        'CustomField Account.Collections_Status__c label: 41 characters, limit 40',
        'CustomField Account.Collections_Status__c inlineHelpText: 511 characters, limit 510',
        expect.stringMatching(
          /^CustomField Account\.Collections__Risk_Tier__c name Collections__Risk_Tier__c: /,
        ),
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});
