import { z } from 'zod';
import { Client } from '@hubspot/api-client';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { COLLECTIONS_GROUP, PROPERTIES } from '../src/adapters/hubspot/properties';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

/** HubSpot's `PropertyCreate` and `OptionInput`, as the CRM Properties v3 OpenAPI spec defines them. */
const optionInput = z.object({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
});
const propertyCreate = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.enum(['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string']),
    fieldType: z.enum([
      'booleancheckbox',
      'calculation_equation',
      'checkbox',
      'date',
      'file',
      'html',
      'number',
      'phonenumber',
      'radio',
      'select',
      'text',
      'textarea',
    ]),
    groupName: z.string(),
    description: z.string().optional(),
    hasUniqueValue: z.boolean().optional(),
    options: z.array(optionInput).optional(),
  })
  .strict();

describe("HubSpot property definitions follow HubSpot's schema", () => {
  it.each([...PROPERTIES.companies, ...PROPERTIES.deals].map((property) => [property.name, property]))(
    '%s is a valid PropertyCreate',
    (_name, property) => {
      const parsed = propertyCreate.safeParse({ ...property, groupName: COLLECTIONS_GROUP.name });
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      if (property.type === 'enumeration') expect(property.options?.length ?? 0).toBeGreaterThan(0);
    },
  );

  describe('against the emulator, which validates property bodies', () => {
    let hs: HubspotEmulator;
    beforeAll(async () => {
      hs = await startHubspotEmulator({ rateLimit: false });
    });
    afterAll(() => hs.close());

    it('refuses an enumeration option without hidden, and installs every collections property', async () => {
      const client = new Client({ ...hs.sdkConfig(), numberOfApiCallRetries: 0 });
      await client.crm.properties.groupsApi.create('companies', { name: 'probe', label: 'Probe' });
      const refused = await fetch(`${hs.url}/crm/v3/properties/companies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hs.accessToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'probe_choice',
          label: 'Probe',
          type: 'enumeration',
          fieldType: 'select',
          groupName: 'probe',
          options: [{ label: 'A', value: 'a' }],
        }),
      });
      expect(refused.status).toBe(400);

      const gateway = createHubspotGateway({
        accessToken: hs.accessToken as string,
        limiter: createInProcessRateLimiter(),
        limiterKey: 'hubspot:4242',
        basePath: hs.url,
        timeZones: new Map(),
      });
      const installed = await gateway.ensureSchema();
      const expected = [
        ...PROPERTIES.companies.map((property) => `companies.${property.name}`),
        ...PROPERTIES.deals.map((property) => `deals.${property.name}`),
      ];
      expect(installed.created).toEqual(expect.arrayContaining(expected));
      const status = hs.properties('companies').find((property) => property.name === 'collections_status');
      expect(status?.options.map((option) => option.hidden)).toEqual([
        false,
        false,
        false,
        false,
        false,
        false,
      ]);
    });
  });
});
