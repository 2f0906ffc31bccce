/**
 * The Salesforce emulator, driven through the real `jsforce` 3 client.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import { pkceChallenge, startSalesforceEmulator, type SalesforceEmulator } from './emulator';

const TOKEN = 'sf-test-token';
const EXT = 'Collections_Billing_Customer_Id__c';
const REDIRECT_URI = 'http://127.0.0.1/oauth/callback';

function connect(sf: SalesforceEmulator, version = '62.0', accessToken = TOKEN): Connection {
  return new Connection({ instanceUrl: sf.url, accessToken, version });
}

interface ApiFailure extends Error {
  errorCode?: string;
  data?: unknown;
}

/** The error a call rejects with (jsforce's HttpApiError: `name` = `errorCode`, `data` = the error entry). */
async function failure(promise: PromiseLike<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as ApiFailure;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function oauth2(sf: SalesforceEmulator, extra: { useVerifier?: boolean } = {}): OAuth2 {
  return new OAuth2({
    loginUrl: sf.url,
    clientId: sf.oauthClient.clientId,
    clientSecret: sf.oauthClient.clientSecret,
    redirectUri: REDIRECT_URI,
    ...extra,
  });
}

/** Logs in through the web-server flow; the connection refreshes itself on 401. */
async function oauthConnection(sf: SalesforceEmulator): Promise<Connection> {
  const conn = new Connection({ oauth2: oauth2(sf), version: '62.0' });
  await conn.authorize(sf.mintAuthCode({ redirectUri: REDIRECT_URI }));
  return conn;
}

function signJwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

/** Waits (up to 2 s) for something jsforce does without awaiting it. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!condition()) throw new Error('condition not met within 2 s');
}

interface SaveResultLike {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: { statusCode?: string; errorCode?: string; message: string; fields?: string[] }[];
}

function codes(results: SaveResultLike[]): string[] {
  return results.map((result) => (result.success ? 'ok' : (result.errors[0]?.statusCode ?? '?')));
}

describe('Salesforce emulator: sObjects and sObject Collections through jsforce', () => {
  let sf: SalesforceEmulator;
  let conn: Connection;

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ logBodies: true });
    conn = connect(sf);
  });
  afterAll(() => sf.close());

  it('upserts an array by external id through PATCH /composite/sobjects/{type}/{field}: create, then update', async () => {
    const first = (await conn.sobject('Account').upsert(
      [
        {
          Name: 'Acme',
          [EXT]: 'cus_001',
          Collections_Status__c: 'overdue',
          Collections_Overdue_Amount__c: 1200.5,
        },
        { Name: 'Globex', [EXT]: 'cus_002', Collections_Automation_Paused__c: true },
      ],
      EXT,
      { allOrNone: false },
    )) as SaveResultLike[];
    expect(first.map((result) => result.created)).toEqual([true, true]);
    expect(first[0]?.id).toMatch(/^001[A-Za-z0-9]{15}$/);

    const entry = sf.requestLog().at(-1);
    expect(entry?.route).toBe(`PATCH /composite/sobjects/Account/${EXT}`);
    expect(JSON.parse(entry?.body ?? '{}')).toEqual({
      allOrNone: false,
      records: [
        {
          [EXT]: 'cus_001',
          attributes: { type: 'Account' },
          Name: 'Acme',
          Collections_Status__c: 'overdue',
          Collections_Overdue_Amount__c: 1200.5,
        },
        {
          [EXT]: 'cus_002',
          attributes: { type: 'Account' },
          Name: 'Globex',
          Collections_Automation_Paused__c: true,
        },
      ],
    });

    const second = (await conn.sobject('Account').upsert(
      [
        { Name: 'Acme Inc', [EXT]: 'cus_001' },
        { Name: 'Other case', [EXT]: 'CUS_001' }, // the field is case-sensitive (package metadata)
      ],
      EXT,
      { allOrNone: false },
    )) as SaveResultLike[];
    expect(second[0]).toEqual({ id: first[0]?.id, success: true, errors: [], created: false });
    expect(second[1]?.created).toBe(true);
    const stored = sf.findByExternalId('Account', EXT, 'cus_001');
    expect(stored?.fields).toMatchObject({
      Name: 'Acme Inc',
      Collections_Status__c: 'overdue',
      Collections_Overdue_Amount__c: 1200.5,
      Collections_Automation_Paused__c: false,
    });
    expect(sf.records('Account').filter((record) => record.fields[EXT] === 'cus_001')).toHaveLength(1);
  });

  it('reports per-record errors with allOrNone:false without failing the others', async () => {
    const results = (await conn.sobject('Account').upsert(
      [
        { Name: 'Valid', [EXT]: 'cus_010' },
        { Name: 'Unknown field', [EXT]: 'cus_011', Bogus__c: 'x' },
        { Name: 'Bad picklist', [EXT]: 'cus_012', Collections_Risk_Tier__c: 'extreme' },
        { Name: 'Twice', [EXT]: 'cus_013' },
        { Name: 'Twice again', [EXT]: 'cus_013' },
        { Name: 'Too long', [EXT]: 'cus_014', Collections_Currency__c: 'EURO' },
        { Name: 'Too big', [EXT]: 'cus_015', Collections_Risk_Score__c: 1000 },
      ],
      EXT,
      { allOrNone: false },
    )) as SaveResultLike[];
    expect(codes(results)).toEqual([
      'ok',
      'INVALID_FIELD',
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'DUPLICATE_EXTERNAL_ID',
      'DUPLICATE_EXTERNAL_ID',
      'STRING_TOO_LONG',
      'NUMBER_OUTSIDE_VALID_RANGE',
    ]);
    expect(results[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'INVALID_FIELD',
          message: "No such column 'Bogus__c' on sobject of type Account",
          fields: ['Bogus__c'],
        },
      ],
    });
    expect(sf.findByExternalId('Account', EXT, 'cus_010')).toBeDefined();
    expect(sf.findByExternalId('Account', EXT, 'cus_011')).toBeUndefined();
  });

  it('rolls every record back with allOrNone:true', async () => {
    const before = sf.records('Account').length;
    const results = (await conn
      .sobject('Account')
      .create(
        [{ Name: 'One' }, { Name: 'Two', Collections_Billing_Customer_Id__c: 'cus_001' }, { Name: 'Three' }],
        { allOrNone: true },
      )) as SaveResultLike[];
    expect(codes(results)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'DUPLICATE_VALUE',
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    ]);
    expect(results[1]?.errors[0]?.message).toMatch(
      /^duplicate value found: Collections_Billing_Customer_Id__c duplicates value on record with id: 001/,
    );
    expect(sf.records('Account')).toHaveLength(before);
    expect(sf.stats().records.rolledBack).toBeGreaterThanOrEqual(2);
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT and writes nothing', async () => {
    const records = Array.from({ length: 201 }, (_, index) => ({
      Name: `Bulk ${index}`,
      [EXT]: `cus_b${index}`,
    }));
    const error = await failure(conn.sobject('Account').upsert(records, EXT, { allOrNone: false }));
    expect(error.errorCode).toBe('EXCEEDED_ID_LIMIT');
    expect(error.message).toBe('record limit reached. cannot submit more than 200 records into this call');
    expect(sf.findByExternalId('Account', EXT, 'cus_b0')).toBeUndefined();
    const ok = (await conn
      .sobject('Account')
      .upsert(records.slice(0, 200), EXT, { allOrNone: false })) as SaveResultLike[];
    expect(ok.every((result) => result.success && result.created)).toBe(true);
  });

  it('creates, reads, updates and deletes single records and Tasks with validation', async () => {
    const accountId = sf.createAccount({ Name: 'Task owner', [EXT]: 'cus_task' });
    const created = (await conn.sobject('Task').create({
      Subject: 'Call AP about INV-1',
      WhatId: accountId,
      ActivityDate: '2026-01-15',
      Priority: 'High',
      Collections_Task_Key__c: 'task-1',
    })) as SaveResultLike;
    expect(created.id).toMatch(/^00T/);
    expect(sf.requestLog().at(-1)?.route).toBe('POST /sobjects/Task');

    const task = await conn.sobject('Task').retrieve(created.id ?? '');
    expect(task).toMatchObject({
      Status: 'Not Started',
      Priority: 'High',
      WhatId: accountId,
      OwnerId: sf.userId,
    });

    const updated = (await conn
      .sobject('Task')
      .update({ Id: created.id ?? '', Status: 'Completed' })) as SaveResultLike;
    expect(updated).toEqual({ id: created.id, success: true, errors: [] });
    expect(sf.record(created.id ?? '')?.fields.Status).toBe('Completed');

    const badStatus = await failure(conn.sobject('Task').update({ Id: created.id ?? '', Status: 'Done' }));
    expect(badStatus.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(badStatus.message).toBe('Status: bad value for restricted picklist field: Done');

    const missingName = await failure(conn.sobject('Account').create({ Phone: '555' }));
    expect(missingName.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missingName.data).toEqual({
      message: 'Required fields are missing: [Name]',
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['Name'],
    });

    const unknown = await failure(conn.sobject('Account').create({ Name: 'x', Nope__c: 1 }));
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    expect(unknown.message).toBe("No such column 'Nope__c' on sobject of type Account");

    const badType = await failure(
      conn.sobject('Account').create({ Name: 'x', Collections_Risk_Score__c: 'high' }),
    );
    expect(badType.errorCode).toBe('JSON_PARSER_ERROR');

    const badReference = await failure(conn.sobject('Task').create({ Subject: 'x', WhatId: sf.userId }));
    expect(badReference.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');

    const single = (await conn
      .sobject('Task')
      .upsert(
        { Collections_Task_Key__c: 'task-1', Subject: 'Call AP again' },
        'Collections_Task_Key__c',
      )) as SaveResultLike;
    expect(single).toEqual({ id: created.id, success: true, errors: [], created: false });
    expect(sf.requestLog().at(-1)).toMatchObject({
      route: 'PATCH /sobjects/Task/Collections_Task_Key__c/:value',
      status: 200,
    });

    await conn.sobject('Task').destroy(created.id ?? '');
    const gone = await failure(conn.sobject('Task').retrieve(created.id ?? ''));
    expect(gone.errorCode).toBe('ENTITY_IS_DELETED');
    const missing = await failure(conn.sobject('Task').retrieve('00TEm000000zzzz'));
    expect(missing.errorCode).toBe('NOT_FOUND');
    const deleted = await conn.query(`SELECT Id, IsDeleted FROM Task WHERE Id = '${created.id ?? ''}'`, {
      scanAll: true,
    });
    expect(deleted.records[0]).toMatchObject({ IsDeleted: true });
  });

  it('updates and deletes through collections (jsforce sends lowercase `id`), and retrieves many', async () => {
    const ids = [
      sf.createAccount({ Name: 'U1' }),
      sf.createAccount({ Name: 'U2' }),
      sf.createAccount({ Name: 'U3' }),
    ];
    const updated = (await conn.sobject('Account').update(
      [
        { Id: ids[0] ?? '', Collections_Risk_Tier__c: 'high' },
        { Id: ids[1] ?? '', Collections_Risk_Tier__c: 'low' },
        { Id: '001Em00000zzzzz', Collections_Risk_Tier__c: 'low' },
      ],
      { allOrNone: false },
    )) as SaveResultLike[];
    expect(codes(updated)).toEqual(['ok', 'ok', 'INVALID_CROSS_REFERENCE_KEY']);
    const sent = JSON.parse(sf.requestLog().at(-1)?.body ?? '{}') as { records: Record<string, unknown>[] };
    expect(sent.records[0]).toEqual({
      id: ids[0],
      attributes: { type: 'Account' },
      Collections_Risk_Tier__c: 'high',
    });

    const retrieved = (await conn.sobject('Account').retrieve(ids.slice(0, 2), { fields: ['Name'] })) as {
      Name: string;
    }[];
    expect(retrieved.map((record) => record.Name)).toEqual(['U1', 'U2']);

    const destroyed = (await conn
      .sobject('Account')
      .destroy([...ids, 'not-an-id'], { allOrNone: false })) as SaveResultLike[];
    expect(codes(destroyed)).toEqual(['ok', 'ok', 'ok', 'MALFORMED_ID']);
    expect(sf.requestLog().at(-1)?.url).toContain('/composite/sobjects?ids=');
    const again = (await conn
      .sobject('Account')
      .destroy([ids[0] ?? ''], { allOrNone: false })) as SaveResultLike[];
    expect(codes(again)).toEqual(['ENTITY_IS_DELETED']);
  });

  it('describes objects with external id and unique flags', async () => {
    const describe = await conn.sobject('Account').describe();
    expect(describe.keyPrefix).toBe('001');
    const field = describe.fields.find((item) => item.name === EXT);
    expect(field).toMatchObject({
      externalId: true,
      unique: true,
      caseSensitive: true,
      type: 'string',
      length: 64,
    });
    const tier = describe.fields.find((item) => item.name === 'Collections_Risk_Tier__c');
    expect(tier?.picklistValues?.map((value) => value.value)).toEqual(['low', 'medium', 'high']);
    const invoice = await conn.sobject('Collections_Invoice__c').describe();
    expect(invoice).toMatchObject({ custom: true, keyPrefix: 'a0X' });
    const created = (await conn.sobject('Collections_Invoice__c').create({
      Account__c: sf.createAccount({ Name: 'Billed' }),
      Invoice_Id__c: 'in_1',
      Amount__c: 99.999,
      Status__c: 'open',
    })) as SaveResultLike;
    expect(created.id).toMatch(/^a0X/);
    expect(sf.record(created.id ?? '')?.fields).toMatchObject({ Name: 'CINV-0000001', Amount__c: 100 });
    const autoNumber = await failure(conn.sobject('Collections_Invoice__c').create({ Name: 'mine' }));
    expect(autoNumber.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const error = await failure(conn.sobject('Contact').describe());
    expect(error.errorCode).toBe('NOT_FOUND');
  });

  it('uses one PATCH per record below API 46 (jsforce has no collection upsert there)', async () => {
    const old = connect(sf, '45.0');
    sf.resetStats();
    const results = (await old.sobject('Account').upsert(
      [
        { Name: 'Old 1', [EXT]: 'cus_old1' },
        { Name: 'Old 2', [EXT]: 'cus_old2' },
      ],
      EXT,
    )) as SaveResultLike[];
    expect(results.map((result) => result.success)).toEqual([true, true]);
    expect(sf.stats().byRoute[`PATCH /sobjects/Account/${EXT}/:value`]).toBe(2);
    expect(sf.stats().byApiVersion['45.0']).toBe(2);
    const collections = await failure(
      old.requestPatch(`/composite/sobjects/Account/${EXT}`, { records: [] }),
    );
    expect(collections.errorCode).toBe('NOT_FOUND');
  });

  it('runs a composite request with references and all-or-none rollback', async () => {
    const ok = (await conn.requestPost('/composite', {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'acct',
          body: { Name: 'Composite Co', [EXT]: 'cus_comp' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Task',
          referenceId: 'task',
          body: { Subject: 'Follow up', WhatId: '@{acct.id}' },
        },
        {
          method: 'GET',
          url: `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id, Name FROM Account WHERE ${EXT} = 'cus_comp'`)}`,
          referenceId: 'check',
        },
      ],
    })) as { compositeResponse: { httpStatusCode: number; referenceId: string; body: unknown }[] };
    expect(ok.compositeResponse.map((item) => item.httpStatusCode)).toEqual([201, 201, 200]);
    const accountId = (ok.compositeResponse[0]?.body as { id: string }).id;
    expect(sf.records('Task').some((task) => task.fields.WhatId === accountId)).toBe(true);

    const before = sf.records('Account').length;
    const counters = sf.stats().records.byObject.Account;
    const rolledBack = (await conn.requestPost('/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'a1',
          body: { Name: 'Gone' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'a2',
          body: { Phone: '1' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'a3',
          body: { Name: 'Never' },
        },
      ],
    })) as { compositeResponse: { httpStatusCode: number; body: { errorCode: string }[] }[] };
    expect(rolledBack.compositeResponse.map((item) => item.body[0]?.errorCode)).toEqual([
      'PROCESSING_HALTED',
      'REQUIRED_FIELD_MISSING',
      'PROCESSING_HALTED',
    ]);
    expect(sf.records('Account')).toHaveLength(before);
    expect(sf.stats().records.byObject.Account).toMatchObject({
      created: counters?.created,
      rolledBack: (counters?.rolledBack ?? 0) + 1,
      failed: (counters?.failed ?? 0) + 1,
    });
  });
});

describe('Salesforce emulator: SOQL', () => {
  let sf: SalesforceEmulator;
  let conn: Connection;

  beforeAll(async () => {
    sf = await startSalesforceEmulator();
    conn = connect(sf);
    const tiers = ['low', 'medium', 'high'];
    for (let index = 0; index < 450; index += 1) {
      sf.createAccount({
        Name: `Customer ${String(index).padStart(3, '0')}`,
        [EXT]: `cus_${index}`,
        Collections_Risk_Tier__c: tiers[index % 3],
        Collections_Overdue_Amount__c: index % 5 === 0 ? null : index * 10,
        Collections_Next_Renewal__c: index < 10 ? '2026-01-05' : null,
      });
    }
  });
  afterAll(() => sf.close());

  it('filters with =, !=, IN, LIKE, AND/OR/NOT, null checks, ORDER BY and LIMIT', async () => {
    const result = await conn.query<{ Name: string; Collections_Overdue_Amount__c: number | null }>(
      `SELECT Id, Name, Collections_Overdue_Amount__c FROM Account
       WHERE (Collections_Risk_Tier__c IN ('high', 'medium') AND Name LIKE 'customer 0%')
         AND NOT Collections_Overdue_Amount__c = null AND Collections_Overdue_Amount__c != 10
       ORDER BY Collections_Overdue_Amount__c DESC NULLS LAST LIMIT 3`,
    );
    expect(result.totalSize).toBe(3);
    expect(result.done).toBe(true);
    expect(result.records.map((record) => record.Name)).toEqual([
      'Customer 098',
      'Customer 097',
      'Customer 094',
    ]);
    expect(result.records[0]).toMatchObject({
      attributes: {
        type: 'Account',
        url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/),
      },
      Collections_Overdue_Amount__c: 980,
    });

    const or = await conn.query(
      `SELECT Id FROM Account WHERE ${EXT} = 'cus_1' OR (${EXT} = 'cus_2' AND Collections_Risk_Tier__c = 'high')`,
    );
    expect(or.totalSize).toBe(2);
    const nulls = await conn.query('SELECT Id FROM Account WHERE Collections_Overdue_Amount__c = null');
    expect(nulls.totalSize).toBe(90);
    const dates = await conn.query(
      'SELECT Id FROM Account WHERE Collections_Next_Renewal__c = NEXT_N_DAYS:7',
    );
    expect(dates.totalSize).toBe(10);
    const count = await conn.query("SELECT COUNT() FROM Account WHERE Collections_Risk_Tier__c = 'low'");
    expect(count).toMatchObject({ totalSize: 150, records: [] });
    const offset = await conn.query<{ Name: string }>(
      'SELECT Name FROM Account ORDER BY Name DESC LIMIT 2 OFFSET 1',
    );
    expect(offset.records.map((record) => record.Name)).toEqual(['Customer 448', 'Customer 447']);
  });

  it('pages with Sforce-Query-Options batchSize, queryMore and autoFetch', async () => {
    sf.resetStats();
    const first = await conn.query('SELECT Id, Name FROM Account ORDER BY Name', {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(first).toMatchObject({ totalSize: 450, done: false });
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-200$/);
    const second = await conn.queryMore(first.nextRecordsUrl ?? '');
    expect(second.records).toHaveLength(200);
    const third = await conn.queryMore(second.nextRecordsUrl ?? '');
    expect(third).toMatchObject({ done: true, totalSize: 450 });
    expect(third.records).toHaveLength(50);
    expect(third.nextRecordsUrl).toBeUndefined();

    const stale = await failure(conn.queryMore(first.nextRecordsUrl ?? ''));
    expect(stale.errorCode).toBe('INVALID_QUERY_LOCATOR');

    const all = await conn
      .query('SELECT Id FROM Account', { headers: { 'Sforce-Query-Options': 'batchSize=300' } })
      .autoFetch(true)
      .maxFetch(10_000)
      .execute();
    expect(all.records).toHaveLength(450);
    const unbatched = await conn.query('SELECT Id FROM Account');
    expect(unbatched).toMatchObject({ done: true, totalSize: 450 });
    expect(sf.stats().queries).toMatchObject({ queries: 3, queryMore: 3 });
  });

  it('answers malformed SOQL, unknown columns and objects, and mistyped filters like Salesforce', async () => {
    expect((await failure(conn.query('SELEC Id FROM Account'))).errorCode).toBe('MALFORMED_QUERY');
    const column = await failure(conn.query('SELECT Id, Nope__c FROM Account'));
    expect(column.errorCode).toBe('INVALID_FIELD');
    expect(column.message).toContain("No such column 'Nope__c' on entity 'Account'");
    expect((await failure(conn.query('SELECT Id FROM Contact'))).errorCode).toBe('INVALID_TYPE');
    const filter = await failure(conn.query('SELECT Id FROM Account WHERE Name = 5'));
    expect(filter.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    const id = await failure(conn.query("SELECT Id FROM Account WHERE Id = 'nope'"));
    expect(id.message).toContain('invalid ID field: nope');
  });
});

describe('Salesforce emulator: Bulk API 2.0 ingest', () => {
  let sf: SalesforceEmulator;
  let conn: Connection;

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ bulkProcessingDelayMs: 10 });
    conn = connect(sf);
    conn.bulk2.pollInterval = 20;
    conn.bulk2.pollTimeout = 5000;
  });
  afterAll(() => sf.close());

  it('loads CSV with upsert and returns successful and failed results', async () => {
    sf.createAccount({ Name: 'Existing', [EXT]: 'cus_1' });
    sf.resetStats();
    const csv = [
      `Name,${EXT},Collections_Overdue_Amount__c,Collections_Automation_Paused__c,Collections_Next_Renewal__c`,
      'Existing renamed,cus_1,100.25,true,2026-03-01',
      '"Quoted, Inc",cus_2,,false,',
      ',cus_3,5,false,',
      'Bad amount,cus_4,abc,false,',
      'Dup A,cus_5,1,false,',
      'Dup B,cus_5,2,false,',
    ].join('\n');
    const results = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: EXT,
      input: csv,
    });
    expect(
      results.successfulResults.map((row) => [row.sf__Created, (row as Record<string, unknown>).Name]),
    ).toEqual([
      ['false', 'Existing renamed'],
      ['true', 'Quoted, Inc'],
    ]);
    expect(results.failedResults.map((row) => String(row.sf__Error).split(':')[0])).toEqual([
      'REQUIRED_FIELD_MISSING',
      'INVALID_TYPE_ON_FIELD_IN_RECORD',
      'DUPLICATE_EXTERNAL_ID',
      'DUPLICATE_EXTERNAL_ID',
    ]);
    expect(results.failedResults[0]?.sf__Error).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
    );
    expect(sf.findByExternalId('Account', EXT, 'cus_1')?.fields).toMatchObject({
      Name: 'Existing renamed',
      Collections_Overdue_Amount__c: 100.25,
      Collections_Automation_Paused__c: true,
      Collections_Next_Renewal__c: '2026-03-01',
    });
    const job = sf.bulkJobs().at(-1);
    expect(job).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 6, numberRecordsFailed: 4 });
    expect(job?.id).toMatch(/^750/);
    const routes = sf.requestLog().map((entry) => entry.route);
    expect(routes.slice(0, 3)).toEqual([
      'POST /jobs/ingest',
      'PUT /jobs/ingest/:id/batches',
      'PATCH /jobs/ingest/:id',
    ]);
    expect(routes).toContain('GET /jobs/ingest/:id/unprocessedrecords');
    expect(sf.stats().bulk).toMatchObject({
      jobsCreated: 1,
      jobsCompleted: 1,
      recordsProcessed: 6,
      recordsFailed: 4,
    });
  });

  it('lets a restarted client resume polling a job by id; lock faults fail single records', async () => {
    sf.setFaults({ lockError: { trigger: { kind: 'everyKth', k: 2 } } });
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name\nL1\nL2\nL3\nL4\n');
    await job.close();
    const jobId = job.id;

    const restarted = connect(sf);
    const resumed = restarted.bulk2.job('ingest', { id: jobId });
    await resumed.poll(20, 5000);
    const results = await resumed.getAllResults();
    sf.clearFaults();
    expect(results.successfulResults).toHaveLength(2);
    expect(results.failedResults.map((row) => row.sf__Error)).toEqual([
      'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --',
      'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --',
    ]);
    const info = await restarted.request<{ state: string; numberRecordsFailed: number }>(
      `/services/data/v62.0/jobs/ingest/${jobId}`,
    );
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsFailed: 2 });
  });

  it('fails a job whose CSV names an unknown field; jsforce then deletes the job', async () => {
    sf.resetStats();
    const error = await failure(
      conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'insert',
        input: 'Name,Nope__c\nx,y\n',
      }),
    );
    expect(error.message).toBe(
      'Ingest job failed to complete due to: InvalidBatch : Field name not found : Nope__c',
    );
    expect(sf.stats().bulk).toMatchObject({ jobsCreated: 1, jobsFailed: 1 });
    // loadAndWaitForResults fires job.delete() without awaiting it
    await waitFor(() => sf.stats().byRoute['DELETE /jobs/ingest/:id'] === 1);
    expect(sf.bulkJobs().some((job) => job.state === 'Failed')).toBe(false);

    const upsertWithoutField = await failure(
      conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'upsert', input: 'Name\nx\n' }),
    );
    expect(upsertWithoutField.errorCode).toBe('INVALIDJOB');
    // …even when the job was never created: DELETE /jobs/ingest/undefined
    await waitFor(() => sf.requestLog().some((entry) => entry.url.endsWith('/jobs/ingest/undefined')));
  });

  it('a 503 on the CSV upload breaks jsforce: it retries the PUT with an already consumed body', async () => {
    sf.setFaults({ serviceUnavailable: { trigger: { kind: 'first', count: 1 }, methods: ['PUT'] } });
    sf.resetStats();
    try {
      const error = await failure(
        conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name\nA\n' }),
      );
      expect(error.message).toBe('Response body object should not be disturbed or locked');
      expect(sf.bulkJobs().at(-1)).toMatchObject({ state: 'Open', data: null });
      // the clean-up delete is refused (409: the job is still Open), so the job stays behind
      await waitFor(() => sf.requestLog().some((entry) => entry.route === 'DELETE /jobs/ingest/:id'));
      expect(sf.requestLog().at(-1)).toMatchObject({ route: 'DELETE /jobs/ingest/:id', status: 409 });
    } finally {
      sf.clearFaults();
    }
  });
});

describe('Salesforce emulator: OAuth', () => {
  let sf: SalesforceEmulator;
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ jwtPublicKeyPem: keys.publicKey });
  });
  afterAll(() => sf.close());

  it('runs the web-server flow with PKCE (OAuth2 useVerifier) from the authorize redirect', async () => {
    const client = oauth2(sf, { useVerifier: true });
    const authorizeUrl = client.getAuthorizationUrl({ state: 'xyz' });
    expect(authorizeUrl.startsWith(`${sf.url}/services/oauth2/authorize?`)).toBe(true);
    const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') ?? '';

    const stranger = oauth2(sf, { useVerifier: true }); // another verifier
    const wrong = await failure(new Connection({ oauth2: stranger }).authorize(code));
    expect(wrong.name).toBe('invalid_grant');
    expect(wrong.message).toBe('invalid code verifier');

    const conn = new Connection({ oauth2: client, version: '62.0' });
    const userInfo = await conn.authorize(code);
    expect(userInfo).toEqual({
      id: sf.userId,
      organizationId: sf.orgId,
      url: `${sf.url}/id/${sf.orgId}/${sf.userId}`,
    });
    expect(conn.instanceUrl).toBe(sf.url);
    expect(conn.refreshToken).toMatch(/^5Aep861/);
    await conn.query('SELECT Id FROM Account');

    const reused = await failure(new Connection({ oauth2: client }).authorize(code));
    expect(reused.message).toBe('invalid authorization code');
  });

  it('accepts a code_verifier passed to authorize() for a code minted with a challenge', async () => {
    const verifier = randomBytes(64).toString('base64url');
    const code = sf.mintAuthCode({ redirectUri: REDIRECT_URI, codeChallenge: pkceChallenge(verifier) });
    const conn = new Connection({ oauth2: oauth2(sf), version: '62.0' });
    await conn.authorize(code, { code_verifier: verifier });
    expect(sf.isAccessTokenValid(conn.accessToken ?? '')).toBe(true);
  });

  it('rotates refresh tokens; jsforce reports the new one only through the refresh event', async () => {
    const conn = await oauthConnection(sf);
    const original = conn.refreshToken ?? '';
    const reported: string[] = [];
    conn.on('refresh', (_accessToken: string, response: { refresh_token?: string }) => {
      if (response.refresh_token) reported.push(response.refresh_token);
    });

    sf.clock.advance(7201_000); // the access token expired: jsforce gets 401 and refreshes by itself
    await conn.query('SELECT Id FROM Account');
    expect(reported).toHaveLength(1);
    expect(reported[0]).not.toBe(original);
    expect(conn.refreshToken).toBe(original); // jsforce keeps the retired token
    expect(sf.isRefreshTokenValid(original)).toBe(false);
    expect(sf.isRefreshTokenValid(reported[0] ?? '')).toBe(true);

    sf.clock.advance(7201_000); // the next refresh presents the retired token: reuse revokes the login
    const error = await failure(conn.query('SELECT Id FROM Account'));
    expect(error.message).toBe('Unable to refresh session due to: expired access/refresh token');
    expect(sf.isRefreshTokenValid(reported[0] ?? '')).toBe(false);
    expect(sf.stats().oauth).toMatchObject({ refreshTokenReuse: 1, familiesRevoked: 1 });
  });

  it('keeps refreshing when the client stores each rotated refresh token', async () => {
    const conn = await oauthConnection(sf);
    conn.on('refresh', (_accessToken: string, response: { refresh_token?: string }) => {
      if (response.refresh_token) conn.refreshToken = response.refresh_token;
    });
    for (let round = 0; round < 3; round += 1) {
      sf.clock.advance(7201_000);
      await conn.query('SELECT Id FROM Account');
    }
    expect(sf.isRefreshTokenValid(conn.refreshToken ?? '')).toBe(true);
  });

  it('without rotation returns no refresh_token and the old one keeps working', async () => {
    sf.setRotateRefreshTokens(false);
    try {
      const conn = await oauthConnection(sf);
      const token = conn.refreshToken ?? '';
      const first = await conn.oauth2.refreshToken(token);
      expect(first.refresh_token).toBeUndefined();
      const second = await conn.oauth2.refreshToken(token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(first).toMatchObject({ token_type: 'Bearer', instance_url: sf.url });
      expect(first.issued_at).toBe(String(sf.clock.now()));
      expect(first.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    } finally {
      sf.setRotateRefreshTokens(true);
    }
  });

  it('issues tokens for an RS256 JWT bearer assertion and rejects bad claims', async () => {
    const claims = {
      iss: sf.oauthClient.clientId,
      sub: 'emulator@example.com',
      aud: 'https://login.salesforce.com',
      exp: Math.floor(sf.clock.now() / 1000) + 180,
    };
    const conn = new Connection({ loginUrl: sf.url, version: '62.0' });
    const grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const userInfo = await conn.authorize({
      grant_type: grantType,
      assertion: signJwt(keys.privateKey, claims),
    });
    expect(userInfo.id).toBe(sf.userId);
    expect(conn.refreshToken).toBeUndefined();
    await conn.query('SELECT Id FROM Account');

    const attempt = async (overrides: Record<string, unknown>, key = keys.privateKey) =>
      failure(
        new Connection({ loginUrl: sf.url }).authorize({
          grant_type: grantType,
          assertion: signJwt(key, { ...claims, ...overrides }),
        }),
      );
    expect((await attempt({ aud: sf.url })).message).toBe('audience is invalid');
    expect((await attempt({ aud: 'https://test.salesforce.com' })).message).toBe('audience is invalid');
    expect((await attempt({ exp: Math.floor(sf.clock.now() / 1000) - 1 })).name).toBe('invalid_grant');
    expect((await attempt({ sub: 'nobody@example.com' })).message).toBe("user hasn't approved this consumer");
    expect((await attempt({ iss: 'other-client' })).name).toBe('invalid_client_id');
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect((await attempt({}, String(otherKey))).message).toBe('invalid assertion');
  });

  it('logs in with the username-password flow (conn.login with client id and secret)', async () => {
    const conn = new Connection({ oauth2: oauth2(sf), version: '62.0' });
    const userInfo = await conn.login('emulator@example.com', 'password');
    expect(userInfo.id).toBe(sf.userId);
    expect(conn.refreshToken).toBeUndefined();
    const wrong = await failure(new Connection({ oauth2: oauth2(sf) }).login('emulator@example.com', 'nope'));
    expect(wrong).toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
  });

  it('answers 401 INVALID_SESSION_ID for unknown or revoked tokens', async () => {
    const stranger = await failure(connect(sf, '62.0', 'not-a-token').query('SELECT Id FROM Account'));
    expect(stranger.errorCode).toBe('INVALID_SESSION_ID');
    expect(stranger.message).toBe('Session expired or invalid');

    const conn = await oauthConnection(sf);
    const accessToken = conn.accessToken ?? '';
    await conn.oauth2.revokeToken(conn.refreshToken ?? '');
    expect(sf.isAccessTokenValid(accessToken)).toBe(false);
    const plain = connect(sf, '62.0', accessToken);
    expect((await failure(plain.query('SELECT Id FROM Account'))).errorCode).toBe('INVALID_SESSION_ID');
  });
});

describe('Salesforce emulator: limits and faults', () => {
  let sf: SalesforceEmulator;
  let conn: Connection;

  beforeEach(async () => {
    sf = await startSalesforceEmulator({ dailyApiLimit: 1000 });
    conn = connect(sf);
  });
  afterEach(() => sf.close());

  it('reports usage in Sforce-Limit-Info (conn.limitInfo) and /limits; OAuth and /limits are free', async () => {
    sf.setUserPermissions({ viewSetupAndConfiguration: true });
    await conn.query('SELECT Id FROM Account');
    await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 2, limit: 1000 } });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 1000, Remaining: 998 });
    await oauthConnection(sf);
    expect(sf.apiUsage()).toEqual({ used: 2, max: 1000 });
  });

  it('serves /limits only to a user with View Setup and Configuration; the header to every user', async () => {
    const refused = await failure(conn.limits());
    expect(refused.errorCode).toBe('INSUFFICIENT_ACCESS');
    await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 1, limit: 1000 } });
    sf.setUserPermissions({ viewSetupAndConfiguration: true });
    expect((await conn.limits()).DailyApiRequests).toEqual({ Max: 1000, Remaining: 999 });
  });

  it('applies field-level security: a read-only field is not updateable and fails the record', async () => {
    const id = sf.createAccount({ Name: 'Acme', Collections_Status__c: 'current' });
    sf.setUserPermissions({ readOnlyFields: ['Account.Collections_Status__c'] });
    const described = await conn.sobject('Account').describe();
    const field = (name: string) => described.fields.find((entry) => entry.name === name);
    expect(field('Collections_Status__c')?.updateable).toBe(false);
    expect(field('Collections_Risk_Tier__c')?.updateable).toBe(true);
    const [result] = (await conn
      .sobject('Account')
      .update([{ Id: id, Collections_Status__c: 'overdue' }], { allOrNone: false })) as unknown as {
      success: boolean;
      errors: { statusCode: string; fields: string[] }[];
    }[];
    expect(result?.success).toBe(false);
    expect(result?.errors[0]).toMatchObject({
      statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['Collections_Status__c'],
    });
    expect(sf.record(id)?.fields['Collections_Status__c']).toBe('current');
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED over the daily limit until 24 hours pass', async () => {
    sf.setUserPermissions({ viewSetupAndConfiguration: true });
    sf.setApiUsage(1000);
    const error = await failure(conn.query('SELECT Id FROM Account'));
    expect(error.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(error.message).toBe('TotalRequests Limit exceeded.');
    expect((await conn.limits()).DailyApiRequests?.Remaining).toBe(0);
    sf.clock.advance(24 * 3600_000);
    await conn.query('SELECT Id FROM Account');
    expect(sf.stats().requestLimitExceeded).toBe(1);

    sf.setFaults({ requestLimit: { trigger: { kind: 'first', count: 1 }, paths: ['/composite/sobjects'] } });
    const injected = await failure(conn.sobject('Account').create([{ Name: 'a' }, { Name: 'b' }]));
    expect(injected.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(sf.stats().faults.requestLimit).toBe(1);
  });

  it('fails chosen records with UNABLE_TO_LOCK_ROW (first N, every kth, seeded probability)', async () => {
    const records = (prefix: string) =>
      Array.from({ length: 6 }, (_, index) => ({ Name: `${prefix}${index}`, [EXT]: `${prefix}${index}` }));
    sf.setFaults({ lockError: { trigger: { kind: 'first', count: 2 }, objects: ['Account'] } });
    const first = (await conn
      .sobject('Account')
      .upsert(records('f'), EXT, { allOrNone: false })) as SaveResultLike[];
    expect(codes(first)).toEqual(['UNABLE_TO_LOCK_ROW', 'UNABLE_TO_LOCK_ROW', 'ok', 'ok', 'ok', 'ok']);
    expect(first[0]?.errors[0]?.message).toBe('unable to obtain exclusive access to this record');

    const retried = (await conn.sobject('Account').upsert(records('f').slice(0, 2), EXT, {
      allOrNone: false,
    })) as SaveResultLike[];
    expect(codes(retried)).toEqual(['ok', 'ok']);

    sf.setFaults({ lockError: { trigger: { kind: 'everyKth', k: 3 } } });
    const kth = (await conn
      .sobject('Account')
      .upsert(records('f'), EXT, { allOrNone: false })) as SaveResultLike[];
    expect(codes(kth)).toEqual(['ok', 'ok', 'UNABLE_TO_LOCK_ROW', 'ok', 'ok', 'UNABLE_TO_LOCK_ROW']);
    expect(kth[2]?.errors[0]?.message).toMatch(
      /^unable to obtain exclusive access to this record or 1 records: 001/,
    );

    const run = async () => {
      sf.setFaults({ lockError: { trigger: { kind: 'probability', p: 0.5, seed: 42 } } });
      return codes(
        (await conn.sobject('Account').upsert(records('p'), EXT, { allOrNone: false })) as SaveResultLike[],
      );
    };
    expect(await run()).toEqual(await run());
    sf.setFaults({ lockError: { trigger: { kind: 'always' }, objects: ['Task'] } });
    const other = (await conn
      .sobject('Account')
      .upsert(records('o'), EXT, { allOrNone: false })) as SaveResultLike[];
    expect(codes(other).every((code) => code === 'ok')).toBe(true);
  });

  it('injects 503: PATCH/POST fail at once, GET is retried by jsforce after 500 ms', async () => {
    sf.setFaults({ serviceUnavailable: { trigger: { kind: 'first', count: 1 }, methods: ['PATCH'] } });
    const error = await failure(conn.sobject('Account').upsert([{ Name: 'x', [EXT]: 'x' }], EXT));
    expect(error.errorCode).toBe('SERVER_UNAVAILABLE');
    expect(sf.findByExternalId('Account', EXT, 'x')).toBeUndefined();

    sf.setFaults({ serviceUnavailable: { trigger: { kind: 'first', count: 1 }, paths: ['/query'] } });
    sf.resetStats();
    const started = Date.now();
    const result = await conn.query('SELECT Id FROM Account');
    expect(result.done).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(sf.stats().byStatus).toEqual({ '503': 1, '200': 1 });

    sf.setFaults({
      serviceUnavailable: { trigger: { kind: 'first', count: 1 }, when: 'after', methods: ['POST'] },
    });
    const after = await failure(conn.sobject('Account').create({ Name: 'Landed' }));
    expect(after.errorCode).toBe('SERVER_UNAVAILABLE');
    expect(sf.records('Account').some((record) => record.fields.Name === 'Landed')).toBe(true);
  });

  it('expires the session once: a static-token client fails, an OAuth client refreshes and retries', async () => {
    sf.setFaults({ sessionExpired: {} });
    expect((await failure(conn.query('SELECT Id FROM Account'))).errorCode).toBe('INVALID_SESSION_ID');
    await conn.query('SELECT Id FROM Account');

    const oauthConn = await oauthConnection(sf);
    sf.setFaults({ sessionExpired: { paths: ['/query'] } });
    const refreshed: string[] = [];
    oauthConn.on('refresh', (accessToken: string) => refreshed.push(accessToken));
    await oauthConn.query('SELECT Id FROM Account');
    expect(refreshed).toHaveLength(1);
    expect(sf.stats().faults.sessionExpired).toBe(2);
  });

  it('drops connections: jsforce retries a reset GET, not a closed one nor any PATCH', async () => {
    sf.setFaults({
      dropConnection: { trigger: { kind: 'first', count: 1 }, methods: ['GET'], mode: 'reset' },
    });
    await conn.query('SELECT Id FROM Account');
    expect(sf.stats().faults.dropped).toBe(1);

    sf.setFaults({ dropConnection: { trigger: { kind: 'first', count: 1 }, methods: ['GET'] } });
    const closed = await failure(conn.query('SELECT Id FROM Account'));
    expect(closed.message).toBe('fetch failed');

    sf.setFaults({
      dropConnection: {
        trigger: { kind: 'first', count: 1 },
        when: 'after',
        methods: ['PATCH'],
        mode: 'reset',
      },
    });
    const error = await failure(
      conn.sobject('Account').upsert([{ Name: 'Lost answer', [EXT]: 'lost' }], EXT),
    );
    expect(error.errorCode).toBeUndefined();
    expect(sf.findByExternalId('Account', EXT, 'lost')).toBeDefined();
    expect(sf.stats().faults.dropped).toBe(3);

    sf.clearFaults();
    sf.setFaults({ latency: { ms: 150 } });
    const started = Date.now();
    await conn.query('SELECT Id FROM Account');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sf.stats().faults.delayed).toBe(1);
  });

  it("answers Salesforce's exact bodies and headers on the wire", async () => {
    const api = `${sf.url}/services/data/v62.0`;
    const unauthorized = await fetch(`${api}/query?q=SELECT+Id+FROM+Account`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Token');
    expect(await unauthorized.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);

    const auth = { authorization: `Bearer ${TOKEN}` };
    const ok = await fetch(`${api}/query?q=SELECT+Id+FROM+Account`, { headers: auth });
    expect(ok.headers.get('sforce-limit-info')).toBe('api-usage=1/1000');
    expect(ok.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await ok.json()).toEqual({ totalSize: 0, done: true, records: [] });

    expect((await fetch(`${api}/nothing/here`, { headers: auth })).status).toBe(404);
    const notAllowed = await fetch(`${api}/sobjects/Account/001Em0000000001IAA`, {
      method: 'PUT',
      headers: auth,
    });
    expect(notAllowed.status).toBe(405);

    sf.setApiUsage(1000);
    const limited = await fetch(`${api}/sobjects/Account`, { headers: auth });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('sforce-limit-info')).toBe('api-usage=1000/1000');
    expect(await limited.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);

    const code = sf.mintAuthCode({
      redirectUri: REDIRECT_URI,
      codeChallenge: pkceChallenge('right-verifier'),
    });
    const token = (form: Record<string, string>) =>
      fetch(`${sf.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const client = { client_id: sf.oauthClient.clientId, client_secret: sf.oauthClient.clientSecret };
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: 'wrong-verifier',
      ...client,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'invalid code verifier',
    });
    const granted = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: 'right-verifier',
      ...client,
    });
    const body = (await granted.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(
      [
        'access_token',
        'id',
        'instance_url',
        'issued_at',
        'refresh_token',
        'scope',
        'signature',
        'token_type',
      ].sort(),
    );
    const rotated = (await (
      await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '', ...client })
    ).json()) as Record<string, string>;
    expect(rotated.refresh_token).not.toBe(body.refresh_token);
    const reuse = await token({
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token ?? '',
      ...client,
    });
    expect(await reuse.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect(sf.isRefreshTokenValid(rotated.refresh_token ?? '')).toBe(false);
    expect(sf.isAccessTokenValid(rotated.access_token ?? '')).toBe(false);
    expect(sf.apiUsage().used).toBe(1000);
  });

  it('counts requests per route, status and API version, and keeps a request log', async () => {
    const old = connect(sf, '58.0');
    await old.query('SELECT Id FROM Account');
    await failure(conn.sobject('Account').create({ Phone: '1' }));
    const stats = sf.stats();
    expect(stats.byRoute).toMatchObject({ 'GET /query': 1, 'POST /sobjects/Account': 1 });
    expect(stats.byStatus).toMatchObject({ '200': 1, '400': 1 });
    expect(stats.byApiVersion).toEqual({ '58.0': 1, '62.0': 1 });
    expect(stats.records.byObject.Account).toMatchObject({ failed: 1 });
    expect(sf.requestLog().map((entry) => [entry.route, entry.status, entry.auth])).toEqual([
      ['GET /query', 200, 'static'],
      ['POST /sobjects/Account', 400, 'static'],
    ]);
  });
});
