import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import type {
  AccountCardView,
  ActivationPreview,
  Impact,
  AccountDetail,
  AttentionAccount,
  CurrencyMetrics,
  Money,
  PortfolioReport,
  PortfolioTrend,
  RulesAnswer,
  Session,
  SimulationSummary,
  TermOptionView,
  TermsRecommendation,
  Worklist,
  WorklistAccount,
} from '../api/types';
import { ROUTER_FUTURE } from '../routerFuture';
import { SessionContext } from '../session';

/** One call the app made, with its JSON body parsed. */
export type RecordedCall = { method: string; path: string; body: unknown };

export type MockAnswer = { status?: number; body: unknown } | 'pending' | 'network-error';

/** Routes keyed `METHOD /path?query` (path under /api/v1); a function sees the call. */
export type MockRoutes = Record<string, MockAnswer | ((call: RecordedCall) => MockAnswer)>;

/**
 * Replaces `fetch` with a router over `routes`. Unknown routes answer 404, so a test fails loudly
 * when the app calls something it did not expect. Returns the calls made, in order.
 */
export function mockFetch(routes: MockRoutes): RecordedCall[] {
  const calls: RecordedCall[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = url.replace(/^https?:\/\/[^/]+/, '').replace(/^\/api\/v1/, '');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { method, path, body };
    calls.push(call);
    const route = routes[`${method} ${path}`];
    const answer = typeof route === 'function' ? route(call) : route;
    if (answer === undefined)
      return new Response(JSON.stringify({ error: 'not_found' }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      });
    if (answer === 'pending') return new Promise<Response>(() => undefined);
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return calls;
}

export const ok = (data: unknown): MockAnswer => ({ body: { ok: true, data } });
export const okFlat = (fields: Record<string, unknown>): MockAnswer => ({ body: { ok: true, ...fields } });
export const fail = (
  message: string,
  extra: { status?: number; path?: string; problems?: unknown } = {},
) => ({
  status: extra.status ?? 200,
  body: {
    ok: false,
    error: { message, ...(extra.path === undefined ? {} : { path: extra.path }) },
    ...(extra.problems === undefined ? {} : { problems: extra.problems }),
  },
});

export function createSession(overrides: Partial<Session> = {}): Session {
  return { tenant: 'demo', user: 'local-demo', revops: true, embedded: null, ...overrides };
}

/** Renders a view as the router would, with a session. */
export function renderView(
  element: ReactElement,
  options: { session?: Session; route?: string; path?: string } = {},
): RenderResult {
  const route = options.route ?? '/';
  return render(
    <SessionContext.Provider value={options.session ?? createSession()}>
      <MemoryRouter initialEntries={[route]} future={ROUTER_FUTURE}>
        <Routes>
          <Route path={options.path ?? '*'} element={element} />
        </Routes>
      </MemoryRouter>
    </SessionContext.Provider>,
  );
}

export function money(minor: number, currency = 'USD'): Money {
  const digits = currency === 'JPY' ? 0 : 2;
  return { minor, currency, text: `${currency} ${(minor / 10 ** digits).toFixed(digits)}` };
}

export function createMetrics(overrides: Partial<CurrencyMetrics> = {}): CurrencyMetrics {
  return {
    currency: 'USD',
    accounts: 40,
    arMinor: 12_500_000,
    currentArMinor: 9_000_000,
    pastDueArMinor: 3_500_000,
    aging: { current: 9_000_000, d1_30: 2_000_000, d31_60: 800_000, d61_90: 400_000, d90Plus: 300_000 },
    creditSales90Minor: 30_000_000,
    beginningAr90Minor: 11_000_000,
    delinquencyRate: 0.28,
    atRiskRate: 0.06,
    simpleDso: 37.5,
    bestPossibleDso: 27,
    averageDaysDelinquent: 10.5,
    countbackDso: 41.2,
    countbackBestPossibleDso: 29.4,
    countbackAverageDaysDelinquent: 11.8,
    cei: 82.5,
    failedMinor: 500_000,
    recoveredMinor: 350_000,
    failedPaymentRecoveryRate: 0.7,
    ...overrides,
  };
}

export function createReport(overrides: Partial<PortfolioReport> = {}): PortfolioReport {
  return {
    asOf: '2026-11-27',
    by: 'owner',
    windowDays: 90,
    total: {
      key: 'all',
      accounts: 60,
      currencies: [createMetrics(), createMetrics({ currency: 'EUR', accounts: 20, arMinor: 4_000_000 })],
    },
    slices: [
      {
        key: 'ana@example.com',
        accounts: 30,
        currencies: [createMetrics({ accounts: 25, countbackDso: 38 })],
      },
      {
        key: 'ben@example.com',
        accounts: 30,
        currencies: [createMetrics({ accounts: 15, countbackDso: 52, delinquencyRate: 0.4 })],
      },
    ],
    ...overrides,
  };
}

export function createTrend(months = 3): PortfolioTrend {
  return {
    points: Array.from({ length: months }, (_, index) => ({
      asOf: `2026-${String(9 + index).padStart(2, '0')}-28`,
      currencies: [
        createMetrics({ countbackDso: 40 + index, cei: 80 + index, countbackAverageDaysDelinquent: 12 }),
      ],
    })),
  };
}

export function createAttentionAccount(overrides: Partial<AttentionAccount> = {}): AttentionAccount {
  return {
    customerId: 'C-1042',
    name: 'Acme Robotics',
    owner: 'ana@example.com',
    segment: 'mid_market',
    status: 'overdue',
    statusLabel: 'Overdue',
    statusVariant: 'warning',
    riskScore: 71,
    riskTier: 'high',
    overdue: money(250_000),
    outstanding: money(900_000),
    oldestDaysPastDue: 34,
    daysToRenewal: 45,
    paused: false,
    ...overrides,
  };
}

export function createCard(overrides: Partial<AccountCardView> = {}): AccountCardView {
  return {
    customerId: 'C-1042',
    name: 'Acme Robotics',
    asOf: '2026-11-27',
    status: 'overdue',
    statusLabel: 'Overdue',
    statusVariant: 'warning',
    situations: ['overdue', 'failed_payment'],
    balances: [
      {
        currency: 'USD',
        outstanding: money(900_000),
        overdue: money(250_000),
        disputed: money(0),
        uncollectible: money(0),
        inFlight: money(0),
        aging: [
          { bucket: 'current', amount: money(650_000) },
          { bucket: '1-30', amount: money(100_000) },
          { bucket: '31-60', amount: money(150_000) },
          { bucket: '61-90', amount: money(0) },
          { bucket: '90+', amount: money(0) },
        ],
      },
    ],
    oldestDaysPastDue: 34,
    overdueInvoiceCount: 2,
    openInvoices: [
      {
        invoiceId: 'in_1',
        amount: money(150_000),
        outstanding: money(150_000),
        issuedOn: '2026-09-24',
        dueOn: '2026-10-24',
        daysPastDue: 34,
        disputed: false,
        failedAttempts: 2,
        uncollectible: false,
        paymentInFlight: false,
      },
    ],
    lastFailure: {
      invoiceId: 'in_1',
      code: 'insufficient_funds',
      declineClass: 'soft_funds',
      whatToDo: 'Let automatic retries run; they often succeed after payday.',
      on: '2026-11-20',
      failuresSinceSuccess: 2,
    },
    openDisputes: [],
    risk: { score: 71, tier: 'high', reasons: ['Paid 4 of the last 6 invoices late'], mitigating: [] },
    renewal: { on: '2027-01-11', daysTo: 45, inWindow: true },
    paused: null,
    nextStep: {
      title: 'Acme Robotics renews in 45 days with USD 2500.00 overdue',
      tone: 'gentle',
      assignee: 'csm',
      ruleId: 'renewal-window-overdue',
      dueOn: '2026-11-29',
    },
    tasks: [],
    ...overrides,
  };
}

export function createAccountDetail(card: Partial<AccountCardView> = {}): AccountDetail {
  return {
    card: createCard(card),
    timeline: [
      {
        on: '2026-11-20',
        kind: 'payment_failed',
        invoiceId: 'in_1',
        amount: money(150_000),
        text: 'Payment for in_1 failed: insufficient_funds',
      },
      {
        on: '2026-09-24',
        kind: 'invoice_issued',
        invoiceId: 'in_1',
        amount: money(150_000),
        text: 'Invoice in_1 issued, due 2026-10-24',
      },
    ],
  };
}

export function createOption(overrides: Partial<TermOptionView> = {}): TermOptionView {
  return {
    id: 'net_30',
    label: 'Annual in advance, net 30',
    billing: 'annual',
    netDays: 30,
    autopay: false,
    rank: 1,
    recommended: true,
    allowed: true,
    blockedBy: [],
    sameFiguresAs: null,
    summary: 'Cash in about 38 days; similar companies pay within 40 days.',
    estimate: {
      invoices: 1,
      expectedDaysToCash: 38.4,
      expectedDaysFromSigningToCash: 38.4,
      daysFromSigningToFirstCash: 38.4,
      daysFromSigningToLastCash: 38.4,
      probabilityLate: 0.18,
      expectedDaysLate: 2.1,
      discountMinor: 0,
    },
    ...overrides,
  };
}

export function createRecommendation(overrides: Partial<TermsRecommendation> = {}): TermsRecommendation {
  return {
    recommended: 'net_30',
    explanation: 'Net 30 fits: 75% of similar companies pay within 32 days.',
    notes: ['Based on 48 similar companies.'],
    policy: {
      id: 'defaults',
      riskTier: 'medium',
      relativeRisk: 1.4,
      requiresUpfrontOrAutopay: null,
      cardAutopayUnavailable: null,
    },
    buyer: { kind: 'customer', name: 'Acme Robotics', risk: { score: 55, tier: 'medium', reasons: [] } },
    deal: { amountMinor: 12_000_000, currency: 'USD', months: 12 },
    options: [
      createOption(),
      createOption({
        id: 'upfront',
        label: 'Whole contract upfront, due on receipt',
        billing: 'upfront',
        netDays: 0,
        rank: 2,
        recommended: false,
        summary: 'Cash at signing, 3% discount.',
        estimate: {
          invoices: 1,
          expectedDaysToCash: 9,
          expectedDaysFromSigningToCash: 9,
          daysFromSigningToFirstCash: 9,
          daysFromSigningToLastCash: 9,
          probabilityLate: 0.1,
          expectedDaysLate: 1,
          discountMinor: 360_000,
        },
      }),
      createOption({
        id: 'net_60',
        label: 'Annual in advance, net 60',
        netDays: 60,
        rank: 3,
        recommended: false,
        allowed: false,
        blockedBy: ['above the 45-day maximum'],
        summary: 'Cash in about 64 days.',
      }),
    ],
    recommendationId: 'rec_abc',
    ...overrides,
  };
}

export const RULE_SET = {
  name: 'Default collections playbook',
  renewalWindowDays: 90,
  caps: { maxContactsPerWeek: 2, minHoursBetweenContacts: 48 },
  rules: [
    {
      id: 'overdue-7',
      when: { daysPastDue: { min: 7 } },
      then: { createTask: { assignee: 'account_owner', title: 'Overdue: {{name}}' }, tone: 'gentle' },
    },
  ],
};

/** RULE_SET as its author wrote it: comments and flow style that a parse and re-layout would lose. */
export const RULE_SOURCE = `# Calmer reminders: a week before the first one.
name: Default collections playbook
renewalWindowDays: 90
caps: { maxContactsPerWeek: 2, minHoursBetweenContacts: 48 }
rules:
  - id: overdue-7 # the first reminder
    when: { daysPastDue: { min: 7 } }
    then:
      createTask: { assignee: account_owner, title: "Overdue: {{name}}" }
      tone: gentle
`;

export const DEFAULT_SOURCE = `# The default collections playbook
name: Default collections playbook
rules:
  - id: overdue-7
    when: { daysPastDue: { min: 7 } }
    then: { createTask: { assignee: finance_queue, title: "Overdue: {{name}}" }, tone: gentle }
`;

export const OVERDUE_7_WORDS =
  'When the oldest overdue invoice is at least 7 days past due: a gentle task for the account owner, ' +
  'medium priority, due in 2 days.';

export function createRulesAnswer(overrides: Partial<RulesAnswer> = {}): RulesAnswer {
  return {
    ok: true,
    active: {
      version: 2,
      ruleSet: RULE_SET,
      createdBy: 'ana@example.com',
      createdAt: '2026-11-01T09:00:00Z',
      note: 'calmer',
      source: RULE_SOURCE,
    },
    default: RULE_SET,
    versions: [
      {
        version: 0,
        createdAt: '2026-09-01T00:00:00Z',
        createdBy: 'system',
        note: 'Default collections playbook',
        active: false,
        source: DEFAULT_SOURCE,
      },
      {
        version: 1,
        createdAt: '2026-10-01T09:00:00Z',
        createdBy: 'ana@example.com',
        note: 'first',
        active: false,
        source: 'name: first\nrules: []\n',
      },
      {
        version: 2,
        createdAt: '2026-11-01T09:00:00Z',
        createdBy: 'ana@example.com',
        note: 'calmer',
        active: true,
        source: RULE_SOURCE,
      },
    ],
    described: [{ id: 'overdue-7', text: OVERDUE_7_WORDS }],
    ...overrides,
  };
}

export function createSimulation(overrides: Partial<SimulationSummary> = {}): SimulationSummary {
  return {
    from: '2026-08-29',
    to: '2026-11-26',
    days: 90,
    accounts: 200,
    tasks: 120,
    tasksByRule: { 'overdue-7': 120 },
    accountsContacted: 80,
    contacts: 110,
    contactsInRenewalWindow: 12,
    accountsHeldForDisputes: 3,
    accountsSkippedByRails: 9,
    skippedByRail: { contact_cap: 5, open_task: 4 },
    contactsPerAccountWeek: { max: 2, cap: 2 },
    peakTasksPerAssigneePerWeek: { account_owner: { week: '2026-10-05', tasks: 14 } },
    ...overrides,
  };
}

export function createImpact(overrides: Partial<Impact> = {}): Impact {
  return {
    tasks: 120,
    accountsContacted: 80,
    contactsInRenewalWindow: 12,
    peakTasksPerAssignee: { assignee: 'finance_queue', tasks: 14 },
    maxContactsPerAccountWeek: 2,
    contactCapPerWeek: 2,
    ...overrides,
  };
}

export function createPreview(overrides: Partial<ActivationPreview> = {}): ActivationPreview {
  return {
    token: 'preview-token-1',
    identicalToActive: false,
    against: { version: 2, label: 'v2 (active, "calmer")' },
    proposed: { label: 'proposed' },
    from: '2026-08-29',
    to: '2026-11-26',
    windowDays: 90,
    impact: {
      active: createImpact(),
      proposed: createImpact({
        tasks: 150,
        accountsContacted: 95,
        contactsInRenewalWindow: 3,
        peakTasksPerAssignee: { assignee: 'account_owner', tasks: 21 },
        maxContactsPerAccountWeek: 3,
      }),
    },
    rules: [
      { id: 'overdue-7', label: 'overdue-7', active: { tasks: 120 }, proposed: { tasks: 150 } },
      { id: 'overdue-90', label: 'overdue-90', active: { tasks: 0 }, proposed: { tasks: 0 } },
    ],
    ...overrides,
  };
}

export function createWorklistAccount(overrides: Partial<WorklistAccount> = {}): WorklistAccount {
  return {
    customerId: 'C-1042',
    name: 'Acme Robotics',
    owner: 'ana@example.com',
    segment: 'mid_market',
    status: 'failed_payment',
    statusLabel: 'Failed payment',
    statusVariant: 'danger',
    situations: ['failed_payment', 'overdue', 'renewal_at_risk'],
    riskScore: 38,
    riskTier: 'medium',
    moneyAtRisk: money(181_000),
    balanceAtRisk: money(61_000),
    renewalAtRisk: money(120_000),
    renewalValue: money(1_200_000),
    lossProbability: 0.1,
    overdue: money(610_000),
    outstanding: money(610_000),
    oldestDaysPastDue: 12,
    daysToRenewal: 40,
    paused: null,
    openTasks: 0,
    nextStep: {
      title: 'Acme Robotics renews in 40 days: ask for a card update (expired_card)',
      assignee: 'account_owner',
      tone: 'gentle',
      priority: 'high',
      dueOn: '2026-09-16',
      ruleId: 'renewal-window-card-update',
      taskOpen: false,
    },
    ...overrides,
  };
}

export function createWorklist(overrides: Partial<Worklist> = {}): Worklist {
  return {
    asOf: '2026-09-15',
    currency: 'USD',
    currencies: [
      { currency: 'USD', accounts: 30 },
      { currency: 'EUR', accounts: 4 },
    ],
    owners: ['ana@example.com', 'local-demo', 'li@example.com'],
    situations: ['failed_payment', 'disputed', 'overdue', 'renewal_at_risk', 'churn_risk', 'paused'],
    total: 2,
    offset: 0,
    limit: 25,
    accounts: [
      createWorklistAccount(),
      createWorklistAccount({
        customerId: 'C-7',
        name: null,
        owner: 'li@example.com',
        status: 'disputed',
        statusLabel: 'Disputed',
        statusVariant: 'warning',
        situations: ['disputed'],
        moneyAtRisk: money(9_000),
        renewalAtRisk: money(0),
        daysToRenewal: null,
        nextStep: null,
      }),
    ],
    ...overrides,
  };
}
