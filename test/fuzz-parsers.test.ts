import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { ZodError } from 'zod';
import { createPgliteStore } from '../src/adapters/postgres';
import { ConfigError, environmentSchema, parseConfig, SECRET_VARIABLES } from '../src/config/config';
import type { TenantId } from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import type { DatasetReader, RawRecord } from '../src/ports/dataset';
import type { CollectionsStore, DatasetFile } from '../src/ports/store';
import { CRM_EVENTS } from '../src/use-cases/crm-events';
import {
  DATASET_COLUMNS,
  parseCustomerRow,
  parseDisputeRow,
  parseInvoiceRow,
  parsePaymentRow,
  parseSubscriptionRow,
} from '../src/use-cases/dataset-rows';
import { importDataset } from '../src/use-cases/import-dataset';
import { verifyLaunchToken } from '../server/http/launch-token';
import { readSession, signSession } from '../server/http/workspace-session';

/** Bounded and seeded: a failure names its seed and counterexample, and the run is reproducible. */
const RUNS = { numRuns: 300, seed: 20260915 } as const;

describe('fuzz: parseConfig', () => {
  const variables = Object.keys(environmentSchema.shape);
  /** Secret values carry a marker so an echo is found even inside a longer message. */
  const secretValue = fc.stringMatching(/^[A-Za-z0-9+/=:@._-]{0,24}$/).map((tail) => `Zq9SECRET${tail}`);
  const anyValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'true', 'redis://:pw@h:1', 'postgres://u:p@h/db'),
    fc.integer({ min: -100000, max: 100000 }).map(String),
    secretValue,
  );
  const SECRETS = [...SECRET_VARIABLES, 'TOKEN_ENCRYPTION_KEY', 'HUBSPOT_CLIENT_ID', 'SALESFORCE_CLIENT_ID'];

  it('returns a config or throws a ConfigError that never echoes a secret value', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...variables), anyValue, { maxKeys: 12 }),
        fc.dictionary(fc.constantFrom(...SECRETS), secretValue, { minKeys: 1, maxKeys: 4 }),
        (env, secrets) => {
          const environment = { ...env, ...secrets };
          try {
            parseConfig(environment);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            const text = `${(error as Error).message}\n${JSON.stringify((error as ConfigError).problems)}`;
            for (const name of SECRETS) {
              const value = environment[name];
              if (value !== undefined && value.trim().length >= 9) expect(text).not.toContain(value.trim());
            }
          }
        },
      ),
      RUNS,
    );
  });
});

describe('fuzz: validateRuleSet', () => {
  const problemsHavePaths = (result: ReturnType<typeof validateRuleSet>) => {
    if (result.ok) return;
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) {
      expect(typeof problem.path).toBe('string');
      expect(problem.path.length).toBeGreaterThan(0);
      expect(typeof problem.message).toBe('string');
    }
  };

  it('never throws on arbitrary JSON, and reports problems with paths', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (input) => problemsHavePaths(validateRuleSet(input))),
      RUNS,
    );
  });

  it('never throws on the default rule set with one value replaced anywhere', () => {
    const base = JSON.parse(JSON.stringify(DEFAULT_RULE_SET)) as unknown;
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, at: (string | number)[]): void => {
      paths.push(at);
      if (Array.isArray(value)) value.forEach((entry, index) => walk(entry, [...at, index]));
      else if (value !== null && typeof value === 'object')
        for (const [key, entry] of Object.entries(value)) walk(entry, [...at, key]);
    };
    walk(base, []);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths.filter((at) => at.length > 0)),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
        (at, replacement) => {
          const copy = JSON.parse(JSON.stringify(base)) as Record<string | number, unknown>;
          let parent: Record<string | number, unknown> = copy;
          for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
          parent[at[at.length - 1] as string | number] = replacement;
          problemsHavePaths(validateRuleSet(copy));
        },
      ),
      RUNS,
    );
  });
});

describe('fuzz: dataset row parsers', () => {
  const cell = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      '2026-02-30',
      '2026-09-15',
      'USD',
      'jpy',
      '12.345',
      '-1',
      '1e9',
      'failed',
      'Series A',
    ),
    fc.string({ minLength: 256, maxLength: 1200 }),
  );
  const currency = fc.constantFrom<CurrencyCode | undefined>(
    undefined,
    'USD' as CurrencyCode,
    'JPY' as CurrencyCode,
    'ZZZ' as CurrencyCode,
  );
  const parsers: [DatasetFile, (values: Record<string, string>, currency?: CurrencyCode) => unknown][] = [
    ['customers.csv', parseCustomerRow],
    ['subscriptions.csv', parseSubscriptionRow],
    ['invoices.csv', parseInvoiceRow],
    ['payments.csv', parsePaymentRow],
    ['disputes.csv', parseDisputeRow],
  ];

  it.each(parsers)('%s rows: never throw; problems name known columns', (file, parse) => {
    const { required, optional } = DATASET_COLUMNS[file];
    const columns = [...required, ...optional];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...columns, 'unknown_column'), cell),
        currency,
        (values, invoiceCurrency) => {
          const result = parse(values, invoiceCurrency) as
            { ok: true } | { ok: false; problems: { column: string; message: string }[] };
          if (result.ok) return;
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) {
            expect(columns).toContain(problem.column);
            expect(problem.message.length).toBeGreaterThan(0);
          }
        },
      ),
      RUNS,
    );
  });

  describe('through importDataset (file, line and column)', () => {
    let store: CollectionsStore;
    beforeAll(async () => {
      store = await createPgliteStore();
      await store.migrate();
    });
    afterAll(() => store.close());

    it('random invoice rows are reported as file:line: column, never thrown', async () => {
      const header = [...DATASET_COLUMNS['invoices.csv'].required, 'paid_on'];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(cell, { minLength: header.length - 1, maxLength: header.length + 1 }), {
            minLength: 1,
            maxLength: 5,
          }),
          async (rows) => {
            const records: RawRecord[] = rows.map((cells, index) => ({
              line: index + 2,
              cellCount: cells.length,
              values: Object.fromEntries(header.map((column, at) => [column, (cells[at] ?? '').trim()])),
            }));
            const reader: DatasetReader = {
              open: (file) =>
                Promise.resolve(
                  file !== 'invoices.csv'
                    ? undefined
                    : {
                        header,
                        sizeBytes: 100,
                        bytesRead: () => 100,
                        records: (async function* () {
                          yield* records;
                        })(),
                      },
                ),
            };
            const result = await importDataset(store, reader, { tenant: 'fuzz' as TenantId });
            if (result.ok) return;
            expect(result.problems.length).toBeGreaterThan(0);
            for (const problem of result.problems) {
              expect(problem.file).toBe('invoices.csv');
              expect(problem.line).toBeGreaterThanOrEqual(0);
              expect(problem.line).toBeLessThanOrEqual(rows.length + 1);
              expect(typeof problem.column).toBe('string');
            }
          },
        ),
        { numRuns: 60, seed: 20260915 },
      );
      expect((await store.counts('fuzz' as TenantId)).invoices).toBe(0);
    }, 120000);
  });
});

describe('fuzz: HubSpot webhook events (CRM_EVENTS)', () => {
  const scalar = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
  );
  const eventLike = fc.record(
    {
      eventId: scalar,
      portalId: scalar,
      occurredAt: scalar,
      subscriptionType: scalar,
      objectTypeId: scalar,
      objectId: scalar,
      propertyName: scalar,
      propertyValue: scalar,
      mergedObjectIds: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })),
    },
    { requiredKeys: [] },
  );

  it('accepts or rejects with a ZodError, never anything else; accepted ids are strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(eventLike, { maxLength: 4 })), (input) => {
        try {
          const events = CRM_EVENTS.parse(input);
          for (const event of events) {
            expect(typeof event.eventId).toBe('string');
            expect(typeof event.portalId).toBe('string');
            expect(typeof event.objectId).toBe('string');
            expect(typeof event.occurredAt).toBe('number');
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ZodError);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: tokens (Salesforce launch tokens, workspace sessions)', () => {
  const SECRET = 'launch-secret-for-fuzzing';
  const NOW = Date.UTC(2026, 8, 15, 12);
  const nowS = Math.floor(NOW / 1000);
  const launchToken = (claims: object, secret = SECRET) => {
    const json = Buffer.from(JSON.stringify(claims), 'utf8');
    return `${json.toString('base64url')}.${createHmac('sha256', secret).update(json).digest('base64url')}`;
  };
  const validClaims = {
    org: '00D000000000001AAA',
    user: '005000000000001AAA',
    view: 'account',
    recordId: '001000000000001AAA',
    iat: nowS,
    exp: nowS + 60,
    nonce: '0123456789abcdef0123456789abcdef',
  };
  const valid = launchToken(validClaims);
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/!';

  /** One edit of a token: a character replaced, inserted or removed. */
  const mutated = (token: string) =>
    fc
      .tuple(
        fc.nat({ max: token.length }),
        fc.constantFrom('replace', 'insert', 'delete'),
        fc.constantFrom(...ALPHABET),
      )
      .map(([at, edit, char]) =>
        edit === 'insert'
          ? token.slice(0, at) + char + token.slice(at)
          : edit === 'delete'
            ? token.slice(0, at) + token.slice(at + 1)
            : token.slice(0, at) + char + token.slice(at + 1),
      )
      .filter((candidate) => candidate !== token);

  it('the genuine launch token verifies (the premise)', () => {
    expect(verifyLaunchToken(SECRET, valid, NOW)).toMatchObject({ ok: true });
  });

  it('verifyLaunchToken never accepts a random string or a token signed with another secret', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (token) => {
        expect(verifyLaunchToken(SECRET, token, NOW).ok).toBe(false);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (secret) => {
        fc.pre(secret !== SECRET);
        expect(verifyLaunchToken(SECRET, launchToken(validClaims, secret), NOW).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('verifyLaunchToken never accepts a mutated token that means anything different', () => {
    fc.assert(
      fc.property(mutated(valid), (token) => {
        const checked = verifyLaunchToken(SECRET, token, NOW);
        if (!checked.ok) return;
        // Base64url decoding is lenient (stray characters and unused trailing bits are ignored), so
        // an edit may decode to the very same bytes; what must never happen is different claims.
        expect(checked.claims).toEqual(validClaims);
      }),
      RUNS,
    );
  });

  it('readSession never accepts a random string or a mutated session', () => {
    const session = {
      tenant: 'demo' as TenantId,
      user: 'salesforce:005000000000001AAA',
      view: 'account',
      customerId: 'cus_1',
      crmRecordId: '001000000000001AAA',
      exp: nowS + 600,
    };
    const signed = signSession(SECRET, session);
    expect(readSession(SECRET, signed, NOW)).toEqual(session);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        expect(readSession(SECRET, value, NOW)).toBeUndefined();
      }),
      RUNS,
    );
    fc.assert(
      fc.property(mutated(signed), (value) => {
        expect(readSession(SECRET, value, NOW)).toBeUndefined();
      }),
      RUNS,
    );
  });
});
