import fs from 'node:fs';
import path from 'node:path';
import { computeAccountStatus } from '../src/domain/account-status';
import { customer, day, facts, subscription } from '../src/domain/test-facts';
import { PROPERTIES } from '../src/adapters/hubspot/properties';
import { SALESFORCE_FIELDS } from '../src/adapters/salesforce/fields';
import { companyFields } from '../src/use-cases/crm-sync';

const ACCOUNT_FIELDS = path.resolve(
  __dirname,
  '../extensions/salesforce/force-app/main/default/objects/Account/fields',
);

/** Every field the sync writes on a company has a HubSpot property and a packaged Salesforce field. */
describe('the company fields the sync writes, in both CRMs', () => {
  const status = computeAccountStatus(
    facts({
      customer: customer({
        cardOnFile: {
          brand: 'visa',
          last4: '4242',
          expMonth: 11,
          expYear: 2026,
          expiresOn: day('2026-11-30'),
          updatedOn: null,
        },
      }),
      subscriptions: [subscription({ renewsOn: day('2026-12-15') })],
    }),
    day('2026-06-01'),
  );
  const written = Object.keys(companyFields('C-1', status, null)).sort();

  it('include the open promise and the card on file', () => {
    expect(written).toEqual(expect.arrayContaining(['collections_promise', 'collections_card_on_file']));
  });

  it('are HubSpot company properties', () => {
    const properties = new Set(PROPERTIES.companies.map((property) => property.name));
    expect(written.filter((name) => !properties.has(name))).toEqual([]);
  });

  it('map to Account fields that the Salesforce package defines', () => {
    const mapped = written.map((name) => SALESFORCE_FIELDS.companies[name]?.field ?? `(none for ${name})`);
    const packaged = new Set(
      fs.readdirSync(ACCOUNT_FIELDS).map((file) => file.replace('.field-meta.xml', '')),
    );
    expect(mapped.filter((field) => !packaged.has(field))).toEqual([]);
  });
});
