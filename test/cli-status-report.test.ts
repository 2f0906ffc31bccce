import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CurrencyCode } from '../src/domain/money';
import type { PromiseState } from '../src/domain/promises';
import { runCollections } from './support/processes';

/** A hand-made book whose collections picture on 2026-03-01 is known exactly. */
const BOOK: Record<string, string> = {
  'customers.csv': [
    'customer_id,name,segment,owner,payment_terms,country,crm_company_id,created_on',
    'C-1,"Acme, Inc.",mid_market,dana,net_30,US,101,2024-01-10',
    'C-2,Globex,smb,eli,due_on_receipt,DE,102,2025-05-01',
  ].join('\n'),
  'subscriptions.csv': [
    'subscription_id,customer_id,plan,currency,amount,interval,started_on,renews_on,status,canceled_on',
    'S-1,C-1,enterprise,USD,12000.00,year,2025-04-15,2026-04-15,active,',
  ].join('\n'),
  'invoices.csv': [
    'invoice_id,customer_id,currency,amount,issued_on,due_on,paid_on,voided_on,subscription_id',
    'INV-1,C-1,USD,1000.00,2025-12-01,2025-12-31,,,S-1',
    'INV-2,C-1,USD,500.00,2026-02-01,2026-03-03,,,S-1',
    'INV-3,C-1,USD,300.00,2025-11-01,2025-12-01,2025-12-20,,S-1',
    'INV-4,C-2,EUR,99.00,2026-02-10,2026-02-10,,,',
    'INV-5,C-2,EUR,99.00,2026-01-10,2026-01-10,,,',
  ].join('\n'),
  'payments.csv': [
    'payment_id,invoice_id,currency,amount,attempted_on,status,decline_code,method',
    'P-1,INV-1,USD,400.00,2026-01-15,succeeded,,ach',
    'P-2,INV-4,EUR,99.00,2026-02-10,failed,expired_card,card',
    'P-3,INV-5,EUR,99.00,2026-01-10,failed,insufficient_funds,card',
    'P-4,INV-5,EUR,99.00,2026-01-14,succeeded,,card',
  ].join('\n'),
  'disputes.csv': [
    'dispute_id,invoice_id,opened_on,resolved_on,reason,amount,outcome',
    'D-1,INV-1,2026-02-20,,billing_error,200.00,',
  ].join('\n'),
};

describe('collections status, report, pause and resume (CLI, end to end)', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-status-'));
    env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn', DEFAULT_TENANT: 'acme' };
    const book = path.join(work, 'book');
    await mkdir(book);
    for (const [file, text] of Object.entries(BOOK)) await writeFile(path.join(book, file), `${text}\n`);
    const imported = await runCollections(['import', book, '--json'], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints the account status contract as JSON', async () => {
    const result = await runCollections(['status', 'C-1', '--as-of', '2026-03-01', '--json'], env);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      customerId: 'C-1',
      asOf: '2026-03-01',
      status: 'disputed',
      situations: ['disputed'],
      balances: [
        {
          currency: 'USD',
          outstandingMinor: 110000,
          // INV-1 (600 owed, 60 days past due) is held whole under D-1 (200 of it): disputed, not overdue.
          overdueMinor: 0,
          disputedMinor: 60000,
          aging: { current: 50000, d1_30: 0, d31_60: 60000, d61_90: 0, d90Plus: 0 },
        },
      ],
      oldestDaysPastDue: 0,
      overdueInvoiceCount: 0,
      lastFailure: null,
      churnSignals: [],
      openDisputes: [expect.objectContaining({ disputeId: 'D-1', invoiceId: 'INV-1', amountMinor: 20000 })],
      nextRenewalOn: '2026-04-15',
      daysToRenewal: 45,
      inRenewalWindow: true,
      averageDaysLate: 19,
    });
    const risk = (
      status as {
        risk: { score: number; tier: string; probabilitySeriouslyLate: number; reasons: unknown[] };
      }
    ).risk;
    expect(risk.score).toBe(Math.round(risk.probabilitySeriouslyLate * 100));
    expect(['low', 'medium', 'high']).toContain(risk.tier);
    expect(Array.isArray(risk.reasons)).toBe(true);

    const card = await runCollections(['status', 'C-2', '--as-of', '2026-03-01', '--json'], env);
    expect(JSON.parse(card.stdout)).toMatchObject({
      status: 'failed_payment',
      situations: ['failed_payment', 'overdue'],
      lastFailure: { invoiceId: 'INV-4', code: 'expired_card', class: 'hard_new_data', on: '2026-02-10' },
      balances: [{ currency: 'EUR', outstandingMinor: 9900, overdueMinor: 9900 }],
    });

    const human = await runCollections(['status', 'C-2', '--as-of', '2026-03-01'], env);
    expect(human.stdout).toContain('FAILED_PAYMENT');
    expect(human.stdout).toContain('EUR 99.00 outstanding');
    expect(human.stdout).toContain('card-update link');
  });

  it('exits 2 for an unknown customer', async () => {
    const result = await runCollections(['status', 'C-404', '--as-of', '2026-03-01', '--json'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown customer C-404');
  });

  it('pauses and resumes automation, which the status shows first', async () => {
    const paused = await runCollections(
      ['pause', 'C-2', '--reason', 'CFO on leave', '--until', '2099-01-01', '--json'],
      env,
    );
    expect(paused.code).toBe(0);
    type Shown = { status: string; situations: string[]; paused: unknown };
    const status = JSON.parse((await runCollections(['status', 'C-2', '--json'], env)).stdout) as Shown;
    expect(status.status).toBe('paused');
    expect(status.situations).toEqual(['paused', 'failed_payment', 'overdue']);
    expect(status.paused).toEqual({ reason: 'CFO on leave', until: '2099-01-01' });
    // The pause started today: a day before it reads as it was then.
    const before = JSON.parse(
      (await runCollections(['status', 'C-2', '--as-of', '2026-03-01', '--json'], env)).stdout,
    ) as Shown;
    expect(before).toMatchObject({ status: 'failed_payment', paused: null });
    expect(before.situations).toEqual(['failed_payment', 'overdue']);
    const resumed = await runCollections(['resume', 'C-2', '--json'], env);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true });
    const unknown = await runCollections(['pause', 'C-404', '--reason', 'x', '--until', '2099-01-01'], env);
    expect(unknown.code).toBe(2);
  });

  it('reports the portfolio per slice and currency and draws the chart', async () => {
    const chart = path.join(work, 'report.svg');
    const result = await runCollections(
      ['report', '--as-of', '2026-03-01', '--by', 'owner', '--chart', chart, '--json'],
      env,
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      total: {
        accounts: number;
        currencies: { currency: string; arMinor: number; aging: { d90Plus: number } }[];
      };
      slices: { key: string; currencies: { currency: string; arMinor: number }[] }[];
    };
    expect(report.total.accounts).toBe(2);
    expect(report.total.currencies.map((c) => [c.currency, c.arMinor])).toEqual([
      ['EUR', 9900],
      ['USD', 110000],
    ]);
    expect(report.slices.map((slice) => slice.key)).toEqual(['dana', 'eli']);
    const svg = await readFile(chart, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Aging of accounts receivable (USD)');
    expect(svg).toContain('Countback DSO (EUR)');

    const table = await runCollections(['report', '--as-of', '2026-03-01', '--by', 'segment'], env);
    expect(table.stdout).toMatch(/mid_market\s+USD\s+1\s+USD 1,100.00/);
    const bad = await runCollections(['report', '--by', 'planet'], env);
    expect(bad.code).toBe(2);
  });

  it('validates rule sets by path and plans the default rule set as a dry run', async () => {
    const bad = path.join(work, 'bad-rules.yaml');
    await writeFile(
      bad,
      'name: broken\nrules:\n  - id: tier-1\n    when:\n      daysPastDue:\n        min: -3\n    then:\n      tone: shouty\n',
    );
    const invalid = await runCollections(['rules', 'validate', bad], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('rules[0].when.daysPastDue.min');
    expect(invalid.stderr).toContain('rules[0].then.tone');

    const printed = await runCollections(['rules', 'default'], env);
    const good = path.join(work, 'rules.yaml');
    await writeFile(good, printed.stdout);
    const valid = await runCollections(['rules', 'validate', good, '--json'], env);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ ok: true, name: 'Default collections playbook' });

    const planned = await runCollections(
      ['rules', 'plan', '--file', good, '--as-of', '2026-03-01', '--json'],
      env,
    );
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as {
      accounts: number;
      evaluation: {
        tasks: { customerId: string; ruleId: string; invoiceId: string | null; assignee: string }[];
      };
    };
    expect(plan.accounts).toBe(2);
    expect(plan.evaluation.tasks.map((t) => [t.customerId, t.ruleId, t.invoiceId, t.assignee])).toEqual([
      // C-1 renews in 45 days: inside the renewal window its tasks go to the relationship owner.
      ['C-1', 'dispute-review', 'INV-1', 'account_owner'],
      ['C-2', 'hard-decline-card-update', null, 'finance_queue'],
    ]);
  });

  it('versions rule sets: activate, list, diff, roll back, all in the audit log', async () => {
    const printed = await runCollections(['rules', 'default'], env);
    const v1 = path.join(work, 'v1.yaml');
    const v2 = path.join(work, 'v2.yaml');
    // Version 0 is the default playbook itself: version 1 must change something.
    await writeFile(v1, printed.stdout.replace('maxContactsPerWeek: 2', 'maxContactsPerWeek: 3'));
    await writeFile(v2, printed.stdout.replace('maxContactsPerWeek: 2', 'maxContactsPerWeek: 1'));
    expect(
      (await runCollections(['rules', 'activate', v1, '--by', 'ana', '--note', 'start', '--yes'], env)).code,
    ).toBe(0);
    const second = await runCollections(
      ['rules', 'activate', v2, '--by', 'ana', '--note', 'calmer', '--yes', '--json'],
      env,
    );
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, version: 2 });
    const diff = await runCollections(['rules', 'diff', '1', '2', '--json'], env);
    // name, renewalWindowDays, caps: the cap is on line 4 of both files.
    expect(JSON.parse(diff.stdout).changes).toEqual([
      {
        kind: 'changed',
        path: 'caps.maxContactsPerWeek',
        before: 3,
        after: 1,
        lines: { before: 4, after: 4 },
      },
    ]);
    expect(
      (await runCollections(['rules', 'rollback', '--to', '1', '--by', 'ben', '--note', 'too quiet'], env))
        .code,
    ).toBe(0);
    const listed = JSON.parse((await runCollections(['rules', 'list', '--json'], env)).stdout) as {
      versions: { version: number; active: boolean }[];
    };
    expect(listed.versions.map((v) => [v.version, v.active])).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
    expect((await runCollections(['rules', 'rollback', '--to', '7', '--by', 'ben'], env)).code).toBe(2);
    const audit = JSON.parse((await runCollections(['audit', '--limit', '3', '--json'], env)).stdout) as {
      events: { kind: string; actor: string }[];
    };
    expect(audit.events.map((e) => [e.kind, e.actor])).toEqual([
      ['rule_set_rolled_back', 'ben'],
      ['rule_set_activated', 'ana'],
      ['rule_set_activated', 'ana'],
    ]);
    const pauses = JSON.parse(
      (await runCollections(['audit', '--account', 'C-2', '--json'], env)).stdout,
    ) as {
      events: { kind: string }[];
    };
    expect(pauses.events.map((e) => e.kind)).toEqual(['automation_resumed', 'automation_paused']);
  });

  it('runs the active rules once per day and lists the recorded tasks', async () => {
    const first = JSON.parse(
      (await runCollections(['rules', 'run', '--as-of', '2026-03-01', '--json'], env)).stdout,
    ) as {
      tasksCreated: number;
    };
    expect(first.tasksCreated).toBe(2);
    const again = JSON.parse(
      (await runCollections(['rules', 'run', '--as-of', '2026-03-01', '--json'], env)).stdout,
    ) as {
      tasksCreated: number;
    };
    expect(again.tasksCreated).toBe(0);
    const listed = JSON.parse((await runCollections(['tasks', '--json'], env)).stdout) as {
      tasks: { customerId: string; ruleId: string; ruleVersion: number; state: string }[];
    };
    expect(listed.tasks.map((t) => [t.customerId, t.ruleId, t.ruleVersion, t.state])).toEqual([
      ['C-1', 'dispute-review', 1, 'open'],
      ['C-2', 'hard-decline-card-update', 1, 'open'],
    ]);
  });

  // Last: open promises hold reminders, which the rule runs above must not see.
  it('reports promises to pay kept by owner and segment, and what is promised for the next 30 days', async () => {
    type Seeded = [string, 'C-1' | 'C-2', string, number, string, Exclude<PromiseState, 'open'>, string];
    // C-1 is dana's (mid_market), C-2 eli's (smb). Decided in the 90 days to 2026-03-01 (after Dec 1):
    const decided: Seeded[] = [
      ['pr_a', 'C-1', 'USD', 10000, '2026-02-05', 'kept', '2026-02-10'],
      ['pr_b', 'C-1', 'USD', 20000, '2026-02-15', 'partly_kept', '2026-02-20'],
      ['pr_c', 'C-1', 'USD', 7500, '2026-01-02', 'kept', '2026-01-05'],
      ['pr_d', 'C-2', 'EUR', 5000, '2026-01-15', 'broken', '2026-01-20'],
      ['pr_e', 'C-2', 'EUR', 9900, '2026-02-20', 'kept', '2026-02-25'],
      // Settled 2025-11-15: before the window, not counted.
      ['pr_f', 'C-1', 'USD', 5000, '2025-11-10', 'kept', '2025-11-15'],
    ];
    const open: [string, 'C-1' | 'C-2', string, number, string][] = [
      ['pr_g', 'C-1', 'USD', 50000, '2026-03-10'],
      // Mar 31 is the 30th day after Mar 1: counted; Apr 1 is not, nor a promise due before Mar 1.
      ['pr_h', 'C-2', 'EUR', 9900, '2026-03-31'],
      ['pr_i', 'C-1', 'USD', 30000, '2026-04-01'],
      ['pr_j', 'C-2', 'EUR', 1000, '2026-02-27'],
    ];
    const store = await createPgliteStore({ dataDir: env['COLLECTIONS_DATA_DIR'] ?? '' });
    try {
      const tenant = 'acme' as TenantId;
      for (const [promiseId, customerId, currency, amountMinor, promisedOn] of [...decided, ...open]) {
        const recorded = await store.recordPromise(tenant, {
          promiseId,
          customerId,
          amounts: [{ currency: currency as CurrencyCode, amountMinor }],
          promisedOn: promisedOn as CalendarDate,
          graceDays: 3,
          invoiceIds: [],
          madeBy: null,
          note: null,
          recordedBy: 'test',
          recordedOn: '2025-11-01' as CalendarDate,
        });
        expect(recorded).toBe('recorded');
      }
      for (const [promiseId, , currency, amountMinor, , state, settledOn] of decided) {
        const received = state === 'broken' ? 0 : state === 'kept' ? amountMinor : amountMinor / 2;
        const settled = await store.settlePromise(
          tenant,
          promiseId,
          {
            state,
            settledOn: settledOn as CalendarDate,
            received: [{ currency: currency as CurrencyCode, amountMinor: received }],
          },
          'test',
        );
        expect(settled).toBe(true);
      }
    } finally {
      await store.close();
    }

    const json = await runCollections(['report', '--as-of', '2026-03-01', '--json'], env);
    expect(json.code).toBe(0);
    const tally = (key: string, kept: number, partlyKept: number, broken: number) => ({
      key,
      decided: kept + partlyKept + broken,
      kept,
      partlyKept,
      broken,
      keptRate: kept / (kept + partlyKept + broken),
    });
    expect(JSON.parse(json.stdout).promises).toEqual({
      asOf: '2026-03-01',
      windowDays: 90,
      // a, c, e kept; b partly kept; d broken: 3 of 5 kept.
      total: tally('total', 3, 1, 1),
      byOwner: [tally('dana', 2, 1, 0), tally('eli', 1, 0, 1)],
      bySegment: [tally('mid_market', 2, 1, 0), tally('smb', 1, 0, 1)],
      aheadDays: 30,
      promisedAhead: [
        { currency: 'EUR', amountMinor: 9900 },
        { currency: 'USD', amountMinor: 50000 },
      ],
    });

    const text = await runCollections(['report', '--as-of', '2026-03-01'], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines).toContain(
      'Promises to pay decided in the 90 days to 2026-03-01: 5 (3 kept, 1 partly kept, 1 broken), kept rate 60.0%',
    );
    const row = (key: string) =>
      lines
        .find((line) => line.trim().startsWith(`${key} `))
        ?.trim()
        .split(/\s+/);
    // key, decided, kept, partly, broken, kept rate (2 of 3 = 66.7%, 1 of 2 = 50.0%).
    expect(row('dana')).toEqual(['dana', '3', '2', '1', '0', '66.7%']);
    expect(row('eli')).toEqual(['eli', '2', '1', '0', '1', '50.0%']);
    expect(row('mid_market')).toEqual(['mid_market', '3', '2', '1', '0', '66.7%']);
    expect(row('smb')).toEqual(['smb', '2', '1', '0', '1', '50.0%']);
    expect(lines).toContain(
      'Promised for the next 30 days (2026-03-01 to 2026-03-31): EUR 99.00; USD 500.00',
    );
  });
});
