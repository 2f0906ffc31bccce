import request from 'supertest';
import pino from 'pino';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import type { CollectionsStore } from '../src/ports/store';
import { createHttpApp } from '../server/http/app';
import { apiContract } from './support/api-contract';

const contract = apiContract();

/** The settings page and the workspace cannot import the domain: the rules in words come from the API. */
describe('rules in words from the API', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    app = contract.check(
      createHttpApp({
        store,
        state: { startedAt: Date.now(), demo: { state: 'off', tenant: 'demo' }, shuttingDown: false },
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: undefined,
          publicBaseUrl: 'http://127.0.0.1',
          revopsUsers: [],
          demoTenant: 'demo' as TenantId,
          today: () => '2026-03-01' as CalendarDate,
        },
      }),
    );
  });

  afterAll(async () => {
    await store.close();
  });

  it('describes each rule of the rule set in force, in order', async () => {
    const response = await request(app).get('/api/v1/rules');
    expect(response.status).toBe(200);
    const described = response.body.described as { id: string; text: string }[];
    expect(described.map((rule) => rule.id)).toEqual(DEFAULT_RULE_SET.rules.map((rule) => rule.id));
    expect(described.find((rule) => rule.id === 'overdue-7')?.text).toBe(
      'When the oldest overdue invoice is 7–14 days past due and the account has no failed payment, outside ' +
        'the 90-day renewal window: a gentle first reminder task for the finance queue, low priority, due in ' +
        '2 days.',
    );
  });

  it('describes a proposal that validates', async () => {
    const response = await request(app)
      .post('/api/v1/rules/validate')
      .send({
        ruleSet: {
          name: 'calmer',
          renewalWindowDays: 45,
          rules: [
            {
              id: 'big-balance',
              when: { overdueAtLeast: { EUR: '5000' }, inRenewalWindow: true },
              then: { createTask: { assignee: 'csm', title: 'Call', dueInDays: 1 }, tone: 'firm' },
            },
          ],
        },
      });
    expect(response.body).toMatchObject({
      ok: true,
      described: [
        {
          id: 'big-balance',
          text:
            'When at least EUR 5,000.00 is overdue, inside the 45-day renewal window: a helpful (firm is ' +
            'softened inside the renewal window) task for the account owner (inside the renewal window, ' +
            'instead of the CSM), medium priority, due in 1 day.',
        },
      ],
    });
  });
});
