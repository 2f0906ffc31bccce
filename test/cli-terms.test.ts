import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCollections } from './support/processes';

type Recommendation = {
  recommended: string | null;
  recommendationId: string;
  explanation: string;
  policy: { id: string };
  options: { id: string; allowed: boolean; rank: number; recommended: boolean; blockedBy: string[] }[];
  buyer: { kind: string; segment: string | null };
};

jest.setTimeout(180000);

describe('collections terms (CLI, end to end)', () => {
  let work: string;
  let env: Record<string, string>;
  let book: string;
  let enterprise: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-terms-'));
    env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn', DEFAULT_TENANT: 'acme' };
    book = path.join(work, 'book');
    expect(
      (
        await runCollections(
          ['demo-data', book, '--customers', '400', '--seed', '5', '--as-of', '2026-10-01'],
          env,
        )
      ).code,
    ).toBe(0);
    expect((await runCollections(['import', book, '--json'], env)).code).toBe(0);
    const customers = (await readFile(path.join(book, 'customers.csv'), 'utf8')).split('\n');
    enterprise = customers.find((line) => line.includes(',enterprise,'))!.split(',')[0]!;
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('recommends terms for a customer, deterministically, with the reasons', async () => {
    const args = [
      'terms',
      'recommend',
      '--customer',
      enterprise,
      '--amount',
      '120000',
      '--currency',
      'USD',
      '--as-of',
      '2026-10-01',
      '--json',
    ];
    const first = await runCollections(args, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const again = await runCollections(args, env);
    expect(again.stdout).toBe(first.stdout);
    const result = JSON.parse(first.stdout) as Recommendation;
    expect(result.buyer).toMatchObject({ kind: 'customer', segment: 'enterprise' });
    expect(result.recommended).not.toBeNull();
    expect(result.options[0]).toMatchObject({
      id: result.recommended,
      rank: 1,
      recommended: true,
      allowed: true,
    });
    expect(result.explanation).toMatch(/enterprise company/);
    expect(result.recommendationId).toMatch(/^rec_[0-9a-f]{16}$/);

    const human = await runCollections(args.slice(0, -1), env);
    expect(human.stdout).toMatch(/^Recommended: /);
    expect(human.stdout).toContain('model estimates');
  });

  it('recommends for a prospect from firmographics and segment evidence', async () => {
    const result = await runCollections(
      [
        'terms',
        'recommend',
        '--segment',
        'mid_market',
        '--employees',
        '400',
        '--funding-stage',
        'Series B',
        '--country',
        'de',
        '--amount',
        '40000',
        '--currency',
        'EUR',
        '--months',
        '24',
        '--json',
      ],
      env,
    );
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as Recommendation & {
      buyer: { fundingStage: string; country: string };
    };
    expect(parsed.buyer).toMatchObject({ kind: 'prospect', fundingStage: 'series_b', country: 'DE' });
    expect(parsed.explanation).toMatch(/no payment history \(prospect\)/);
  });

  it('exits 2 naming the flag for unknown customers and bad input', async () => {
    const unknown = await runCollections(
      ['terms', 'recommend', '--customer', 'nobody', '--amount', '1000', '--currency', 'USD'],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--customer: unknown customer nobody');
    const decimals = await runCollections(
      ['terms', 'recommend', '--customer', enterprise, '--amount', '10.001', '--currency', 'USD'],
      env,
    );
    expect(decimals.code).toBe(2);
    expect(decimals.stderr).toMatch(/--amount: .*decimals/);
    const currency = await runCollections(
      ['terms', 'recommend', '--customer', enterprise, '--amount', '10', '--currency', 'XYZ'],
      env,
    );
    expect(currency.code).toBe(2);
    expect(currency.stderr).toContain('--currency: unknown currency "XYZ"');
    const both = await runCollections(
      [
        'terms',
        'recommend',
        '--customer',
        enterprise,
        '--segment',
        'smb',
        '--amount',
        '10',
        '--currency',
        'USD',
      ],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--customer: give either');
    const months = await runCollections(
      [
        'terms',
        'recommend',
        '--customer',
        enterprise,
        '--amount',
        '10',
        '--currency',
        'USD',
        '--months',
        '0',
      ],
      env,
    );
    expect(months.code).toBe(2);
  });

  it('records an accepted recommendation once, audited, and refuses a blocked option', async () => {
    const base = [
      'terms',
      'accept',
      '--deal',
      'D-77',
      '--customer',
      enterprise,
      '--amount',
      '120000',
      '--currency',
      'USD',
      '--as-of',
      '2026-10-01',
      '--by',
      'ae@example.com',
      '--json',
    ];
    const accepted = await runCollections(base, env);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ ok: true, state: 'accepted', overridden: false });
    const twice = await runCollections(base, env);
    expect(JSON.parse(twice.stdout)).toMatchObject({ state: 'already_accepted' });
    const blocked = await runCollections([...base, '--option', 'card_autopay'], env);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/--option: "card_autopay" is not allowed: not offered/);
    const audit = await runCollections(['audit', '--subject', 'deal:D-77', '--json'], env);
    expect(audit.code).toBe(0);
    const events = JSON.parse(audit.stdout) as { events: { kind: string; actor: string }[] };
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({ kind: 'payment_terms_accepted', actor: 'ae@example.com' });
  });

  it('versions guardrails: validate with paths, activate, and the active version governs', async () => {
    const defaults = await runCollections(['terms', 'guardrails', 'default', '--json'], env);
    const guardrails = JSON.parse(defaults.stdout) as {
      defaults: { maxNetDays: number; allowed: string[]; default: string };
      policies: unknown[];
    };
    const bad = path.join(work, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ ...guardrails, defaults: { ...guardrails.defaults, default: 'net_90' } }),
    );
    const invalid = await runCollections(['terms', 'guardrails', 'validate', bad], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('defaults.default: "net_90" is not among the allowed options');

    // Only net 30 and upfront for everyone.
    const strict = path.join(work, 'strict.json');
    await writeFile(
      strict,
      JSON.stringify({
        ...guardrails,
        policies: [],
        defaults: {
          ...guardrails.defaults,
          allowed: ['upfront', 'net_30'],
          default: 'net_30',
          maxNetDays: 30,
        },
      }),
    );
    const activated = await runCollections(
      [
        'terms',
        'guardrails',
        'activate',
        strict,
        '--by',
        'revops@example.com',
        '--note',
        'tighten',
        '--json',
      ],
      env,
    );
    expect(JSON.parse(activated.stdout)).toMatchObject({ ok: true, version: 1 });
    const result = await runCollections(
      ['terms', 'recommend', '--customer', enterprise, '--amount', '120000', '--currency', 'USD', '--json'],
      env,
    );
    const parsed = JSON.parse(result.stdout) as Recommendation;
    expect(['upfront', 'net_30']).toContain(parsed.recommended);
    expect(
      parsed.options
        .filter((option) => option.allowed)
        .map((option) => option.id)
        .sort(),
    ).toEqual(expect.arrayContaining([parsed.recommended]));
    expect(parsed.options.find((option) => option.id === 'net_60')!.allowed).toBe(false);
    const listed = await runCollections(['terms', 'guardrails', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      versions: [{ version: 1, active: true, createdBy: 'revops@example.com' }],
    });
  });

  it('backtests actual against recommended terms by segment, saying which figures are estimates', async () => {
    const result = await runCollections(['terms', 'backtest', book, '--split', '2026-03-01', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      overall: { invoices: number; actual: { lateShare: number }; recommended: { lateShare: number } };
      bySegment: { segment: string; invoices: number }[];
      method: string;
    };
    expect(report.overall.invoices).toBeGreaterThan(50);
    expect(report.bySegment.reduce((sum, group) => sum + group.invoices, 0)).toBe(report.overall.invoices);
    expect(report.method).toContain('MODEL ESTIMATES');
    const human = await runCollections(['terms', 'backtest', book, '--split', '2026-03-01'], env);
    expect(human.stdout).toContain('RECOMMENDED (model estimate)');
  });

  it('reports late rate, days to cash and DSO by term, segment and owner, with charts', async () => {
    const chart = path.join(work, 'insights.svg');
    const result = await runCollections(
      ['terms', 'insights', '--from', '2025-10-01', '--to', '2026-09-30', '--chart', chart, '--json'],
      env,
    );
    expect(result.code).toBe(0);
    const insights = JSON.parse(result.stdout) as {
      groups: Record<string, { key: string; invoices: number; lateRate: number | null }[]>;
    };
    expect(Object.keys(insights.groups)).toEqual(['payment_term', 'segment', 'owner']);
    const terms = insights.groups['payment_term']!;
    expect(terms.map((group) => group.key)).toEqual(expect.arrayContaining(['card', 'net_30']));
    const total = (key: string) => insights.groups[key]!.reduce((sum, group) => sum + group.invoices, 0);
    expect(total('segment')).toBe(total('payment_term'));
    expect(await readFile(chart, 'utf8')).toContain('<svg');
    const backwards = await runCollections(
      ['terms', 'insights', '--from', '2026-09-30', '--to', '2026-01-01'],
      env,
    );
    expect(backwards.code).toBe(2);
  });
});
