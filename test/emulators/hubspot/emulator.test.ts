/**
 * The HubSpot emulator, driven through the real `@hubspot/api-client` 14 SDK.
 */
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum as Category } from '@hubspot/api-client/lib/codegen/crm/objects/tasks';
import {
  PropertyCreateFieldTypeEnum as FieldType,
  PropertyCreateTypeEnum as PropertyType,
} from '@hubspot/api-client/lib/codegen/crm/properties';
import { startHubspotEmulator, type HubspotEmulator } from './emulator';

const TOKEN = 'pat-test';

/**
 * A client for the emulator. The SDK applies its retry decorator from a process-wide singleton when an
 * API group (`crm.companies`, …) is first touched, using the settings of the most recently constructed
 * Client; touching the groups here pins this client's own settings.
 */
function sdk(hs: HubspotEmulator, options: { retries?: number; accessToken?: string } = {}): Client {
  const client = new Client({
    ...hs.sdkConfig(options.accessToken ?? TOKEN),
    numberOfApiCallRetries: options.retries ?? 0,
  });
  const groups = [
    client.crm.companies,
    client.crm.deals,
    client.crm.objects.tasks,
    client.crm.objects,
    client.crm.properties,
    client.crm.associations.v4,
    client.oauth,
  ];
  if (groups.some((group) => !group)) throw new Error('SDK API group missing');
  return client;
}

interface SdkError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The SDK's ApiException (one class per codegen module, so no instanceof): `code`, parsed `body`, `headers`. */
async function apiError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    const candidate = error as Partial<SdkError>;
    if (typeof candidate.code === 'number') return candidate as SdkError;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function silenceSdkRetryLogs(): jest.SpyInstance {
  return jest.spyOn(console, 'error').mockImplementation(() => undefined);
}

describe('HubSpot emulator: objects, upsert and batch semantics', () => {
  let hs: HubspotEmulator;
  let client: Client;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ portalId: 4242, accessToken: TOKEN, rateLimit: false });
    client = sdk(hs);
    await client.crm.properties.coreApi.create('companies', {
      name: 'billing_customer_id',
      label: 'Billing customer id',
      type: PropertyType.String,
      fieldType: FieldType.Text,
      groupName: 'companyinformation',
      hasUniqueValue: true,
    });
  });
  afterAll(() => hs.close());

  it('upserts by a unique property: creates, then updates the same id', async () => {
    const first = await client.crm.companies.batchApi.upsert({
      inputs: [
        {
          idProperty: 'billing_customer_id',
          id: 'cus_001',
          properties: { name: 'Acme', domain: 'acme.example' },
        },
      ],
    });
    expect(first.status).toBe('COMPLETE');
    expect(first.results).toHaveLength(1);
    const created = first.results[0];
    expect(created?._new).toBe(true);
    expect(created?.id).toMatch(/^\d+$/);
    expect(created?.properties.billing_customer_id).toBe('cus_001');

    const second = await client.crm.companies.batchApi.upsert({
      inputs: [{ idProperty: 'billing_customer_id', id: 'cus_001', properties: { name: 'Acme Inc' } }],
    });
    expect(second.results[0]?._new).toBe(false);
    expect(second.results[0]?.id).toBe(created?.id);

    const stored = hs
      .objects('companies')
      .filter((company) => company.properties.billing_customer_id === 'cus_001');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.properties).toMatchObject({ name: 'Acme Inc', domain: 'acme.example' });

    const read = await client.crm.companies.batchApi.read({
      idProperty: 'billing_customer_id',
      inputs: [{ id: 'cus_001' }],
      properties: ['name'],
      propertiesWithHistory: ['name'],
    });
    expect(read.results[0]?.properties.name).toBe('Acme Inc');
    expect(read.results[0]?.propertiesWithHistory?.name?.map((entry) => entry.value)).toEqual([
      'Acme Inc',
      'Acme',
    ]);
  });

  it('rejects upsert by a property without unique values', async () => {
    const error = await apiError(
      client.crm.companies.batchApi.upsert({
        inputs: [{ idProperty: 'domain', id: 'acme.example', properties: { name: 'x' } }],
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'Unable to perform update/upsert by non-unique 0-2 property domain in portal ID 4242',
    });
  });

  it('answers 101 inputs with a 400 VALIDATION_ERROR and writes nothing', async () => {
    const before = hs.stats().writes.inputs;
    const count = hs.objects('companies').length;
    const inputs = Array.from({ length: 101 }, (_, index) => ({ properties: { name: `Bulk ${index}` } }));
    const error = await apiError(client.crm.companies.batchApi.create({ inputs }));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(String(error.body.message)).toContain('101');
    expect(error.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hs.objects('companies')).toHaveLength(count);
    expect(hs.stats().writes.inputs).toBe(before);

    const hundred = await client.crm.companies.batchApi.create({ inputs: inputs.slice(0, 100) });
    expect(hundred.results).toHaveLength(100);
  });

  it('answers a mixed batch update with 207: valid inputs applied, errors listed, SDK resolves', async () => {
    const good = hs.createDeal({ dealname: 'Good', amount: '100' });
    const alsoGood = hs.createDeal({ dealname: 'Also good' });
    const badProperty = hs.createDeal({ dealname: 'Bad property' });
    const badOption = hs.createDeal({ dealname: 'Bad option' });
    const badNumber = hs.createDeal({ dealname: 'Bad number' });
    const badDate = hs.createDeal({ dealname: 'Bad date' });
    const statsBefore = hs.stats().writes;

    const response = await client.crm.deals.batchApi.updateWithHttpInfo({
      inputs: [
        { id: good, properties: { amount: '250.50', deal_currency_code: 'EUR' } },
        { id: alsoGood, properties: { dealstage: 'closedwon', closedate: '2026-03-01T12:00:00Z' } },
        { id: badProperty, properties: { no_such_property: 'x' } },
        { id: badOption, properties: { dealstage: 'won-ish' } },
        { id: badNumber, properties: { amount: 'twelve' } },
        { id: badDate, properties: { closedate: 'next tuesday' } },
        { id: '99999999999', properties: { dealname: 'missing' } },
      ],
    });
    expect(response.httpStatusCode).toBe(207);
    const body = response.data;
    expect(body.status).toBe('COMPLETE');
    expect(body.results.map((deal) => deal.id).sort()).toEqual([good, alsoGood].sort());
    expect('numErrors' in body ? body.numErrors : undefined).toBe(5);
    const errors = 'errors' in body ? (body.errors ?? []) : [];
    const byId = new Map(errors.map((error) => [error.context.ids?.[0], error]));
    expect(byId.get(badProperty)).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(byId.get(badProperty)?.message).toContain('PROPERTY_DOESNT_EXIST');
    expect(byId.get(badProperty)?.context.propertyName).toEqual(['no_such_property']);
    expect(byId.get(badOption)?.message).toContain('INVALID_OPTION');
    expect(byId.get(badNumber)?.message).toContain('INVALID_FLOAT');
    expect(byId.get(badDate)?.message).toContain('INVALID_DATETIME');
    expect(byId.get('99999999999')?.category).toBe('OBJECT_NOT_FOUND');

    expect(hs.object('deals', good)?.properties).toMatchObject({
      amount: '250.50',
      deal_currency_code: 'EUR',
    });
    expect(hs.object('deals', alsoGood)?.properties.closedate).toBe('2026-03-01T12:00:00.000Z');
    expect(hs.object('deals', badOption)?.properties.dealstage).toBeUndefined();

    const statsAfter = hs.stats().writes;
    expect(statsAfter.inputs - statsBefore.inputs).toBe(7);
    expect(statsAfter.updated - statsBefore.updated).toBe(2);
    expect(statsAfter.failed - statsBefore.failed).toBe(5);

    // The plain method resolves too (207 is not an exception); callers must look at `errors`.
    const plain = await client.crm.deals.batchApi.update({
      inputs: [
        { id: good, properties: { amount: '1' } },
        { id: badOption, properties: { dealstage: 'nope' } },
      ],
    });
    expect('errors' in plain && plain.errors?.length).toBe(1);
  });

  it('rejects a duplicate unique value on create with a conflict', async () => {
    const single = await apiError(
      client.crm.companies.basicApi.create({
        properties: { name: 'Dup', billing_customer_id: 'cus_001' },
        associations: [],
      }),
    );
    expect(single.code).toBe(409);
    expect(single.body).toMatchObject({ status: 'error', category: 'CONFLICT' });

    const mixed = await client.crm.companies.batchApi.createWithHttpInfo({
      inputs: [
        {
          properties: { name: 'New', billing_customer_id: 'cus_002' },
          associations: [],
          objectWriteTraceId: 'a',
        },
        {
          properties: { name: 'Dup', billing_customer_id: 'cus_001' },
          associations: [],
          objectWriteTraceId: 'b',
        },
      ],
    });
    expect(mixed.httpStatusCode).toBe(207);
    const errors = 'errors' in mixed.data ? (mixed.data.errors ?? []) : [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ category: 'CONFLICT', context: { objectWriteTraceId: ['b'] } });
    expect(mixed.data.results[0]?.objectWriteTraceId).toBe('a');

    const allFail = await apiError(
      client.crm.companies.batchApi.create({
        inputs: [{ properties: { name: 'Dup', billing_customer_id: 'cus_002' }, associations: [] }],
      }),
    );
    expect(allFail.code).toBe(409);
  });

  it('validates bool and date properties and keeps values as strings', async () => {
    const company = hs.createCompany({ name: 'Flags' });
    await client.crm.properties.coreApi.create('companies', {
      name: 'collections_paused',
      label: 'Collections paused',
      type: PropertyType.Bool,
      fieldType: FieldType.Booleancheckbox,
      groupName: 'companyinformation',
    });
    await client.crm.properties.coreApi.create('companies', {
      name: 'next_dunning_date',
      label: 'Next dunning date',
      type: PropertyType.Date,
      fieldType: FieldType.Date,
      groupName: 'companyinformation',
    });
    const ok = await client.crm.companies.basicApi.update(company, {
      properties: { collections_paused: 'true', next_dunning_date: String(Date.UTC(2026, 4, 1)) },
    });
    expect(ok.properties).toMatchObject({ collections_paused: 'true', next_dunning_date: '2026-05-01' });
    const error = await apiError(
      client.crm.companies.basicApi.update(company, {
        properties: { collections_paused: 'maybe', next_dunning_date: String(Date.UTC(2026, 4, 1, 10)) },
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
    expect(String(error.body.message)).toContain('INVALID_BOOLEAN');
    expect(String(error.body.message)).toContain('not midnight');
  });

  it('serves the generic objects API, single reads and 404s', async () => {
    const id = hs.createCompany({ name: 'Generic', domain: 'generic.example' });
    const generic = await client.crm.objects.basicApi.getById('0-2', id, ['domain']);
    expect(generic.properties).toMatchObject({ domain: 'generic.example', hs_object_id: id });
    const page = await client.crm.objects.batchApi.read('companies', {
      inputs: [{ id }, { id: '12345' }],
      properties: [],
      propertiesWithHistory: [],
    });
    expect(page.results.map((company) => company.id)).toEqual([id]);
    expect('errors' in page ? page.errors?.[0] : undefined).toMatchObject({
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['12345'] },
    });
    const missing = await apiError(client.crm.companies.basicApi.getById('not-a-number'));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { id: ['not-a-number'] } });
  });
});

describe('HubSpot emulator: atomic batches', () => {
  it('fails the whole batch with 400 and applies nothing when batchMode is atomic', async () => {
    const hs = await startHubspotEmulator({ batchMode: 'atomic', rateLimit: false });
    try {
      const client = sdk(hs);
      const error = await apiError(
        client.crm.companies.batchApi.create({
          inputs: [
            { properties: { name: 'Fine' }, associations: [] },
            { properties: { name: 'Broken', numberofemployees: 'many' }, associations: [] },
          ],
        }),
      );
      expect(error.code).toBe(400);
      expect(error.body.category).toBe('VALIDATION_ERROR');
      expect(hs.objects('companies')).toHaveLength(0);
    } finally {
      await hs.close();
    }
  });
});

describe('HubSpot emulator: properties and groups', () => {
  let hs: HubspotEmulator;
  let client: Client;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false });
    client = sdk(hs);
  });
  afterAll(() => hs.close());

  it('creates a group and a property once; the second create answers 409', async () => {
    const group = await client.crm.properties.groupsApi.create('companies', {
      name: 'collections',
      label: 'Collections',
    });
    expect(group).toMatchObject({ name: 'collections', label: 'Collections', archived: false });
    const groupConflict = await apiError(
      client.crm.properties.groupsApi.create('companies', { name: 'collections', label: 'Collections' }),
    );
    expect(groupConflict.code).toBe(409);
    expect(groupConflict.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });

    const definition = {
      name: 'collections_risk',
      label: 'Collections risk',
      type: PropertyType.Enumeration,
      fieldType: FieldType.Select,
      groupName: 'collections',
      options: [
        { label: 'Low', value: 'low', hidden: false },
        { label: 'High', value: 'high', hidden: false },
      ],
    };
    const created = await client.crm.properties.coreApi.create('companies', definition);
    expect(created).toMatchObject({
      name: 'collections_risk',
      type: 'enumeration',
      groupName: 'collections',
    });
    expect(created.options.map((option) => option.value)).toEqual(['low', 'high']);
    const conflict = await apiError(client.crm.properties.coreApi.create('companies', definition));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });
    expect(String(conflict.body.message)).toContain('collections_risk');

    const all = await client.crm.properties.coreApi.getAll('companies');
    const names = all.results.map((property) => property.name);
    expect(names).toEqual(expect.arrayContaining(['name', 'domain', 'hubspot_owner_id', 'collections_risk']));
    const groups = await client.crm.properties.groupsApi.getAll('companies');
    expect(groups.results.map((item) => item.name)).toEqual(['companyinformation', 'collections']);
    const one = await client.crm.properties.coreApi.getByName('companies', 'collections_risk');
    expect(one.hasUniqueValue).toBe(false);
    const deals = await client.crm.properties.coreApi.getAll('deals');
    expect(deals.results.map((property) => property.name)).toEqual(
      expect.arrayContaining(['dealname', 'amount', 'deal_currency_code', 'hubspot_owner_id']),
    );

    const company = hs.createCompany({ name: 'Risky' });
    await client.crm.companies.basicApi.update(company, { properties: { collections_risk: 'high' } });
    expect(hs.object('companies', company)?.properties.collections_risk).toBe('high');
  });

  it('creates a HubSpot user property without options, and takes only owner ids in it', async () => {
    hs.reset();
    const created = await client.crm.properties.coreApi.create('companies', {
      name: 'csm_owner',
      label: 'CSM',
      type: PropertyType.Enumeration,
      fieldType: FieldType.Select,
      groupName: 'companyinformation',
      referencedObjectType: 'OWNER',
    });
    expect(created).toMatchObject({ name: 'csm_owner', referencedObjectType: 'OWNER', options: [] });
    const owner = await client.crm.properties.coreApi.getByName('companies', 'hubspot_owner_id');
    expect(owner.referencedObjectType).toBe('OWNER');
    const company = hs.createCompany({ name: 'Served' });
    await client.crm.companies.basicApi.update(company, { properties: { csm_owner: '123' } });
    expect(hs.object('companies', company)?.properties.csm_owner).toBe('123');
    const bad = await apiError(
      client.crm.companies.basicApi.update(company, { properties: { csm_owner: 'someone' } }),
    );
    expect(bad.code).toBe(400);
    expect(String(bad.body.message)).toContain('INVALID_OWNER_ID');
  });

  it('archives a property group: it leaves the list and its name answers 409 on create', async () => {
    hs.reset();
    await client.crm.properties.groupsApi.create('deals', { name: 'collections', label: 'Collections' });
    await client.crm.properties.groupsApi.archive('deals', 'collections');
    const groups = await client.crm.properties.groupsApi.getAll('deals');
    expect(groups.results.map((group) => group.name)).toEqual(['dealinformation']);
    const again = await apiError(
      client.crm.properties.groupsApi.create('deals', { name: 'collections', label: 'Collections' }),
    );
    expect(again.code).toBe(409);
    expect(String(again.body.message)).toContain('already exists');
    const builtin = await apiError(client.crm.properties.groupsApi.archive('deals', 'dealinformation'));
    expect(builtin.code).toBe(400);
  });

  it('rejects a property in a group that does not exist and a missing property name lookup', async () => {
    const error = await apiError(
      client.crm.properties.coreApi.create('deals', {
        name: 'orphan',
        label: 'Orphan',
        type: PropertyType.String,
        fieldType: FieldType.Text,
        groupName: 'nope',
      }),
    );
    expect(error.code).toBe(400);
    const missing = await apiError(client.crm.properties.coreApi.getByName('deals', 'nope'));
    expect(missing.code).toBe(404);
  });
});

describe('HubSpot emulator: tasks and associations', () => {
  let hs: HubspotEmulator;
  let client: Client;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false });
    client = sdk(hs);
  });
  afterAll(() => hs.close());

  it('creates tasks with inline associations 192/216 and reads them back', async () => {
    const company = hs.createCompany({ name: 'Acme', domain: 'acme.example' });
    const deal = hs.createDeal({ dealname: 'Renewal', amount: '1200' }, { companyId: company });
    const created = await client.crm.objects.tasks.batchApi.create({
      inputs: [
        {
          properties: {
            hs_task_subject: 'Call about invoice INV-1',
            hs_task_body: '2 invoices overdue',
            hs_task_status: 'NOT_STARTED',
            hs_task_priority: 'HIGH',
            hs_timestamp: '2026-01-15T09:00:00Z',
            hubspot_owner_id: '12345',
          },
          associations: [
            {
              to: { id: company },
              types: [{ associationCategory: Category.HubspotDefined, associationTypeId: 192 }],
            },
            {
              to: { id: deal },
              types: [{ associationCategory: Category.HubspotDefined, associationTypeId: 216 }],
            },
          ],
        },
      ],
    });
    const task = created.results[0];
    expect(task?.properties).toMatchObject({
      hs_task_status: 'NOT_STARTED',
      hs_timestamp: '2026-01-15T09:00:00.000Z',
    });
    const taskId = String(task?.id);

    const toCompanies = await client.crm.associations.v4.basicApi.getPage('tasks', taskId, 'companies');
    expect(toCompanies.results).toHaveLength(1);
    // HubSpot sends v4 object ids as JSON numbers; the SDK's type says string but passes the number through.
    expect(String(toCompanies.results[0]?.toObjectId)).toBe(company);
    expect(toCompanies.results[0]?.associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 192, label: null },
    ]);
    const back = await client.crm.associations.v4.basicApi.getPage('companies', company, 'tasks');
    expect(back.results[0]?.associationTypes[0]?.typeId).toBe(191);

    const withAssociations = await client.crm.objects.tasks.basicApi.getById(
      taskId,
      ['hs_task_subject'],
      undefined,
      ['companies', 'deals'],
    );
    expect(withAssociations.associations?.companies?.results).toEqual([
      { id: company, type: 'task_to_company' },
    ]);
    expect(withAssociations.associations?.deals?.results).toEqual([{ id: deal, type: 'task_to_deal' }]);

    expect(hs.object('tasks', taskId)?.associations).toEqual([
      { toObjectType: 'companies', toObjectId: company, associationTypeIds: [192] },
      { toObjectType: 'deals', toObjectId: deal, associationTypeIds: [216] },
    ]);
    expect(hs.associations('deals', deal, 'companies')).toEqual([
      { toObjectType: 'companies', toObjectId: company, associationTypeIds: [5, 341] },
    ]);

    await client.crm.objects.tasks.batchApi.update({
      inputs: [{ id: taskId, properties: { hs_task_status: 'COMPLETED' } }],
    });
    expect(hs.object('tasks', taskId)?.properties.hs_task_completion_date).toBe('2026-01-01T00:00:00.000Z');
  });

  it('rejects tasks without hs_timestamp and associations to missing objects', async () => {
    const noTimestamp = await apiError(
      client.crm.objects.tasks.basicApi.create({ properties: { hs_task_subject: 'x' }, associations: [] }),
    );
    expect(noTimestamp.code).toBe(400);
    expect(String(noTimestamp.body.message)).toContain('hs_timestamp');

    const badAssociation = await apiError(
      client.crm.objects.tasks.basicApi.create({
        properties: { hs_task_subject: 'x', hs_timestamp: '2026-01-02T00:00:00Z' },
        associations: [
          {
            to: { id: '10999999999' },
            types: [{ associationCategory: Category.HubspotDefined, associationTypeId: 192 }],
          },
        ],
      }),
    );
    expect(badAssociation.code).toBe(400);
    expect(badAssociation.body.category).toBe('VALIDATION_ERROR');
    expect(hs.objects('tasks').filter((task) => task.properties.hs_task_subject === 'x')).toHaveLength(0);
  });

  it('creates and removes associations through the v4 API', async () => {
    const company = hs.createCompany({ name: 'Later' });
    const deal = hs.createDeal({ dealname: 'Later deal' });
    await client.crm.associations.v4.basicApi.createDefault('deals', deal, 'companies', company);
    expect(hs.associations('deals', deal, 'companies')[0]?.associationTypeIds).toEqual([341]);
    const batch = await client.crm.associations.v4.batchApi.getPage('companies', 'deals', {
      inputs: [{ id: company }],
    });
    expect(String(batch.results[0]?.to[0]?.toObjectId)).toBe(deal);
    await client.crm.associations.v4.basicApi.archive('deals', deal, 'companies', company);
    expect(hs.associations('deals', deal)).toEqual([]);
  });
});

describe('HubSpot emulator: OAuth', () => {
  let hs: HubspotEmulator;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false, oauth: { clientId: 'cid', clientSecret: 'secret' } });
  });
  afterAll(() => hs.close());

  it('exchanges a code, calls the API with the token, refreshes, and expires tokens on the clock', async () => {
    const oauth = sdk(hs).oauth.tokensApi;
    const redirect = 'http://127.0.0.1:3000/oauth/callback';
    const code = hs.mintAuthCode({ redirectUri: redirect });

    const wrongSecret = await apiError(oauth.create('authorization_code', code, redirect, 'cid', 'nope'));
    expect(wrongSecret.code).toBe(400);
    expect(wrongSecret.body).toMatchObject({ status: 'BAD_CLIENT_SECRET' });
    const wrongRedirect = await apiError(
      oauth.create('authorization_code', code, 'http://elsewhere', 'cid', 'secret'),
    );
    expect(wrongRedirect.body).toMatchObject({ status: 'BAD_REDIRECT_URI' });
    const wrongClient = await apiError(oauth.create('authorization_code', code, redirect, 'other', 'secret'));
    expect(wrongClient.body).toMatchObject({ status: 'BAD_CLIENT_ID' });

    const tokens = await oauth.create('authorization_code', code, redirect, 'cid', 'secret');
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 1800 });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeTruthy();

    const reused = await apiError(oauth.create('authorization_code', code, redirect, 'cid', 'secret'));
    expect(reused.code).toBe(400);
    expect(reused.body).toMatchObject({ status: 'BAD_AUTH_CODE', message: expect.any(String) });

    const company = hs.createCompany({ name: 'OAuth Co' });
    const asApp = sdk(hs, { accessToken: tokens.accessToken });
    const read = await asApp.crm.companies.basicApi.getById(company, ['name']);
    expect(read.properties.name).toBe('OAuth Co');
    const info = await asApp.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ hubId: 4242, expiresIn: 1800 });

    const refreshed = await oauth.create(
      'refresh_token',
      undefined,
      undefined,
      'cid',
      'secret',
      tokens.refreshToken,
    );
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    const badRefresh = await apiError(
      oauth.create('refresh_token', undefined, undefined, 'cid', 'secret', 'na1-nope'),
    );
    expect(badRefresh.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });

    hs.clock.advance(1801 * 1000);
    const expired = await apiError(asApp.crm.companies.basicApi.getById(company));
    expect(expired.code).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
    const again = await oauth.create(
      'refresh_token',
      undefined,
      undefined,
      'cid',
      'secret',
      tokens.refreshToken,
    );
    const fresh = sdk(hs, { accessToken: again.accessToken });
    expect((await fresh.crm.companies.basicApi.getById(company)).id).toBe(company);
  });

  it('answers 401 with HubSpot body for an unknown token', async () => {
    const error = await apiError(sdk(hs, { accessToken: 'pat-wrong' }).crm.companies.basicApi.getPage());
    expect(error.code).toBe(401);
    expect(error.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(hs.stats().unauthorized).toBeGreaterThanOrEqual(1);
  });
});

describe('HubSpot emulator: rate limits', () => {
  it('answers the 111th request of a 10 s window with 429 TEN_SECONDLY_ROLLING and Retry-After', async () => {
    const hs = await startHubspotEmulator();
    try {
      const client = sdk(hs);
      const company = hs.createCompany({ name: 'Busy' });
      for (let index = 0; index < 110; index += 1) {
        await client.crm.companies.basicApi.getById(company);
      }
      const error = await apiError(client.crm.companies.basicApi.getById(company));
      expect(error.code).toBe(429);
      expect(error.body).toMatchObject({
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        correlationId: expect.any(String),
      });
      const retryAfter = Number(error.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(10);
      expect(error.headers['x-hubspot-ratelimit-max']).toBe('110');
      expect(error.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      expect(error.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
      expect(hs.stats().rateLimitedByPolicy).toEqual({ TEN_SECONDLY_ROLLING: 1 });
    } finally {
      await hs.close();
    }
  });

  it('keeps a window per token and reopens it when the window slides', async () => {
    // 5 requests per second: the burst below takes a few ms, far inside the window even on a busy machine.
    const hs = await startHubspotEmulator({ rateLimit: { requests: 5, windowMs: 1000 } });
    try {
      const client = sdk(hs);
      const first = await client.crm.companies.basicApi.getPageWithHttpInfo();
      expect(first.headers['x-hubspot-ratelimit-remaining']).toBe('4');
      await Promise.all([1, 2, 3, 4].map(() => client.crm.companies.basicApi.getPage()));
      const limited = await apiError(client.crm.companies.basicApi.getPage());
      expect(limited.code).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');

      const code = hs.mintAuthCode();
      const tokens = await client.oauth.tokensApi.create(
        'authorization_code',
        code,
        'http://127.0.0.1/oauth/callback',
        hs.oauthClient.clientId,
        hs.oauthClient.clientSecret,
      );
      const other = sdk(hs, { accessToken: tokens.accessToken });
      expect((await other.crm.companies.basicApi.getPage()).results).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await client.crm.companies.basicApi.getPage()).results).toEqual([]);
      expect(hs.stats().rateLimited).toBe(1);
    } finally {
      await hs.close();
    }
  });

  it('answers the daily limit with policy DAILY until the emulator day changes', async () => {
    const hs = await startHubspotEmulator({ rateLimit: false, dailyLimit: 3 });
    const log = silenceSdkRetryLogs();
    try {
      const client = sdk(hs, { retries: 3 });
      const first = await client.crm.companies.basicApi.getPageWithHttpInfo();
      expect(first.headers['x-hubspot-ratelimit-daily']).toBe('3');
      expect(first.headers['x-hubspot-ratelimit-daily-remaining']).toBe('2');
      await client.crm.companies.basicApi.getPage();
      await client.crm.companies.basicApi.getPage();
      const requestsBefore = hs.stats().requests;
      const error = await apiError(client.crm.companies.basicApi.getPage());
      expect(error.code).toBe(429);
      expect(error.body).toMatchObject({ policyName: 'DAILY', errorType: 'RATE_LIMIT' });
      // HubSpot sends no Retry-After with the daily limit: it lasts until the portal's midnight.
      expect(error.headers['retry-after']).toBeUndefined();
      // The SDK does not retry DAILY 429s, whatever numberOfApiCallRetries says.
      expect(hs.stats().requests - requestsBefore).toBe(1);
      hs.clock.advance(86_400_000);
      expect((await client.crm.companies.basicApi.getPage()).results).toEqual([]);
    } finally {
      log.mockRestore();
      await hs.close();
    }
  });
});

describe('HubSpot emulator: faults and how the SDK reacts', () => {
  let hs: HubspotEmulator;
  let logSpy: jest.SpyInstance;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false });
  });
  beforeEach(() => {
    hs.clearFaults();
    hs.reset();
    hs.resetStats();
    logSpy = silenceSdkRetryLogs();
  });
  afterEach(() => logSpy.mockRestore());
  afterAll(() => hs.close());

  it('answers injected 5xx with HubSpot body; numberOfApiCallRetries: 0 surfaces it', async () => {
    hs.setFaults({ serverError: { trigger: { kind: 'first', count: 1 }, status: 503 } });
    const error = await apiError(sdk(hs).crm.companies.basicApi.getPage());
    expect(error.code).toBe(503);
    expect(error.body).toMatchObject({
      status: 'error',
      category: 'INTERNAL_ERROR',
      message: 'internal error',
    });
    expect(hs.stats().faults.serverErrors).toBe(1);
  });

  it('numberOfApiCallRetries: N means N attempts in all (5xx retried after 200 ms × attempt)', async () => {
    hs.setFaults({ serverError: { trigger: { kind: 'first', count: 2 } } });
    const client = sdk(hs, { retries: 3 });
    expect((await client.crm.companies.basicApi.getPage()).results).toEqual([]);
    expect(hs.stats().byStatus).toEqual({ '500': 2, '200': 1 });

    hs.resetStats();
    hs.setFaults({ serverError: { trigger: { kind: 'always' } } });
    const error = await apiError(client.crm.companies.basicApi.getPage());
    expect(error.code).toBe(500);
    expect(hs.stats().requests).toBe(3);
  });

  it('scopes faults by path prefix and every Kth request', async () => {
    hs.setFaults({ serverError: { trigger: { kind: 'everyKth', k: 2 }, paths: ['/crm/v3/objects/deals'] } });
    const client = sdk(hs);
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      await client.crm.companies.basicApi.getPage();
      statuses.push(
        await client.crm.deals.basicApi.getPage().then(
          () => 200,
          (error: { code: number }) => error.code,
        ),
      );
    }
    expect(statuses).toEqual([200, 500, 200, 500]);
    expect(hs.stats().byRoute).toMatchObject({
      'GET /crm/v3/objects/companies': 4,
      'GET /crm/v3/objects/deals': 4,
    });
  });

  it('retries a TEN_SECONDLY_ROLLING 429 after 10 s × attempt and ignores Retry-After', async () => {
    hs.setFaults({ rateLimit: { trigger: { kind: 'first', count: 1 }, retryAfterSeconds: 1 } });
    const client = sdk(hs, { retries: 2 });
    const realSetTimeout = global.setTimeout;
    const retryDelays: number[] = [];
    const fastForward = jest.spyOn(global, 'setTimeout').mockImplementation(((
      callback: (...args: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) => {
      if (typeof ms === 'number' && ms >= 10_000 && ms % 10_000 === 0) {
        retryDelays.push(ms);
        return realSetTimeout(callback, 1, ...args);
      }
      return realSetTimeout(callback, ms, ...args);
    }) as unknown as typeof setTimeout);
    try {
      expect((await client.crm.companies.basicApi.getPage()).results).toEqual([]);
    } finally {
      fastForward.mockRestore();
    }
    expect(retryDelays).toEqual([10_000]);
    expect(hs.stats().byStatus).toEqual({ '429': 1, '200': 1 });
  });

  it('retries a create after a 5xx, so a write that landed is made twice (use upsert)', async () => {
    hs.setFaults({ serverError: { trigger: { kind: 'first', count: 1 }, when: 'after' } });
    const client = sdk(hs, { retries: 2 });
    await client.crm.companies.batchApi.create({
      inputs: [{ properties: { name: 'Twice' }, associations: [] }],
    });
    expect(hs.objects('companies').filter((company) => company.properties.name === 'Twice')).toHaveLength(2);
    expect(hs.stats().writes).toMatchObject({ inputs: 2, created: 2 });
    expect(hs.stats().byStatus).toEqual({ '500': 1, '201': 1 });
  });

  it('drops connections: the SDK throws a fetch TypeError and does not retry it', async () => {
    hs.setFaults({ dropConnection: { trigger: { kind: 'first', count: 1 } } });
    const client = sdk(hs, { retries: 3 });
    // Node's fetch error is a TypeError of another realm than Jest's, so compare name and message.
    await expect(client.crm.companies.basicApi.getPage()).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
    expect(hs.stats().faults.dropped).toBe(1);
    expect(hs.stats().requests).toBe(1);

    hs.setFaults({ dropConnection: { trigger: { kind: 'first', count: 1 }, when: 'after' } });
    await expect(
      client.crm.companies.basicApi.create({ properties: { name: 'Landed anyway' }, associations: [] }),
    ).rejects.toMatchObject({ message: 'fetch failed' });
    expect(hs.objects('companies').map((company) => company.properties.name)).toContain('Landed anyway');
  });

  it('delays responses', async () => {
    hs.setFaults({ latency: { ms: 150, paths: ['/crm/v3/objects/companies'] } });
    const client = sdk(hs);
    const started = performance.now();
    await client.crm.companies.basicApi.getPage();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(hs.stats().faults.delayed).toBe(1);
  });

  it('documents the SDK quirk: retry settings come from the most recently constructed Client', async () => {
    hs.setFaults({ serverError: { trigger: { kind: 'first', count: 1 } } });
    const noRetries = new Client({ ...hs.sdkConfig(TOKEN), numberOfApiCallRetries: 0 });
    const withRetries = new Client({ ...hs.sdkConfig(TOKEN), numberOfApiCallRetries: 2 });
    // `noRetries.crm.companies` is created only now, with the decorators `withRetries` installed.
    expect((await noRetries.crm.companies.basicApi.getPage()).results).toEqual([]);
    expect(hs.stats().byStatus).toEqual({ '500': 1, '200': 1 });
    expect(withRetries).toBeDefined();
  });
});
