import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = parseConfig({});
    expect(config.store).toEqual({ kind: 'pglite', dataDir: './.data' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.redisUrl).toBeUndefined();
    expect(config.demo).toEqual({ mode: 'auto', customers: 400, seed: 42 });
  });

  it('selects PostgreSQL when DATABASE_URL is set and honours COLLECTIONS_DATA_DIR otherwise', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }).store).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@127.0.0.1:5432/db',
    });
    expect(parseConfig({ COLLECTIONS_DATA_DIR: '/var/lib/collections' }).store).toEqual({
      kind: 'pglite',
      dataDir: '/var/lib/collections',
    });
  });

  it('reads the Salesforce org type, JWT audience and task owners, refusing a CSM field that is not an API name', () => {
    const config = parseConfig({
      SALESFORCE_ORG_TYPE: 'sandbox',
      SALESFORCE_JWT_AUDIENCE: 'https://acme.my.site.com/customers',
      SALESFORCE_CSM_ROLE: 'Customer Success Manager',
      SALESFORCE_CSM_FIELD: 'CSM__c',
      SALESFORCE_FINANCE_USER: 'ar@example.com',
    });
    expect(config.crm.salesforceOrgType).toBe('sandbox');
    expect(config.crm.salesforceJwtAudience).toBe('https://acme.my.site.com/customers');
    expect(config.crm.salesforceTaskOwners).toEqual({
      csmRole: 'Customer Success Manager',
      csmField: 'CSM__c',
      financeUser: 'ar@example.com',
    });
    expect(parseConfig({}).crm.salesforceTaskOwners).toEqual({});
    expect(() => parseConfig({ SALESFORCE_ORG_TYPE: 'staging' })).toThrow(ConfigError);
    expect(() => parseConfig({ SALESFORCE_CSM_FIELD: "Id FROM User WHERE Name = 'x' --" })).toThrow(
      ConfigError,
    );
  });

  it('treats empty optional variables as unset', () => {
    const config = parseConfig({ DATABASE_URL: '', STRIPE_SECRET_KEY: '', REDIS_URL: '' });
    expect(config.store.kind).toBe('pglite');
    expect(config.billing.stripeSecretKey).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });

  it('refuses an empty PORT, naming it, instead of listening on a random port', () => {
    for (const empty of ['', '  ']) {
      let caught: unknown;
      try {
        parseConfig({ PORT: empty });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems).toEqual([
        { variable: 'PORT', message: expect.stringContaining('is empty') },
      ]);
    }
    expect(parseConfig({ PORT: '0' }).http.port).toBe(0);
    expect(parseConfig({ PORT: '8080' }).http.port).toBe(8080);
    expect(parseConfig({}).http.port).toBe(3000);
  });

  it('names every bad variable in one error', () => {
    let caught: unknown;
    try {
      parseConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        DEFAULT_TENANT: 'no spaces',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const variables = (caught as ConfigError).problems.map((problem) => problem.variable).sort();
    expect(variables).toEqual(['DATABASE_URL', 'DEFAULT_TENANT', 'LOG_LEVEL', 'PORT']);
    expect((caught as ConfigError).message).toContain(
      'DATABASE_URL: must be a URL starting with postgres://',
    );
  });

  it('never echoes a secret value in its error', () => {
    expect(() => parseConfig({ REDIS_URL: 'http://:hunter2@127.0.0.1:6379' })).toThrow(ConfigError);
    try {
      parseConfig({ REDIS_URL: 'http://:hunter2@127.0.0.1:6379' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('takes a 32-byte token key and a numeric portal id, and refuses others without echoing the key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseConfig({ TOKEN_ENCRYPTION_KEY: key, HUBSPOT_PORTAL_ID: '4242' }).crm).toMatchObject({
      tokenEncryptionKey: key,
      hubspotPortalId: '4242',
    });
    const short = Buffer.alloc(16, 9).toString('base64');
    let caught: unknown;
    try {
      parseConfig({ TOKEN_ENCRYPTION_KEY: short, HUBSPOT_PORTAL_ID: 'acme' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).problems.map((problem) => problem.variable).sort()).toEqual([
      'HUBSPOT_PORTAL_ID',
      'TOKEN_ENCRYPTION_KEY',
    ]);
    expect(String(caught)).not.toContain(short);
  });

  it("paces Stripe at Stripe's documented per-account limit for the key's mode unless STRIPE_MAX_RPS says otherwise", () => {
    // Stripe "Rate limits": 100 requests per second in live mode, 25 in a sandbox.
    const rps = (env: Record<string, string>) => parseConfig(env).billing.stripeMaxRequestsPerSecond;
    expect(rps({ STRIPE_SECRET_KEY: 'sk_live_abc' })).toBe(100);
    expect(rps({ STRIPE_SECRET_KEY: 'rk_live_abc' })).toBe(100);
    expect(rps({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toBe(25);
    expect(rps({})).toBe(25);
    expect(rps({ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_MAX_RPS: '' })).toBe(100);
    expect(rps({ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_MAX_RPS: '40' })).toBe(40);
    expect(() => parseConfig({ STRIPE_MAX_RPS: 'fast' })).toThrow(ConfigError);
    expect(() => parseConfig({ STRIPE_MAX_RPS: '0' })).toThrow(ConfigError);
  });
});
