import { act } from 'react';
import { hubspot } from '@hubspot/ui-extensions';
import type { AccountCardView, Money, PromiseView } from '../../../app/cards/api/accountView';
import type { TermOptionView, TermsRecommendation } from '../../../app/cards/api/paymentTerms';

export const API_URL = 'https://collections.test';

/** What the fake backend answers: a JSON body and status, no readable body, or no answer at all. */
export type Reply = { status?: number; body?: unknown } | 'unreachable';

export type RecordedRequest = { method: string; path: string; body: unknown };

/**
 * Replaces `hubspot.fetch` (which needs HubSpot's worker) with a fake backend keyed by
 * "METHOD /path?query". A list of replies is served in order; its last reply repeats.
 */
export function mockCollectionsApi(
  routes: Record<string, Reply | Reply[]>,
  apiUrl = API_URL,
): { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const served = new Map<string, number>();
  jest.spyOn(hubspot, 'fetch').mockImplementation(async (url, options) => {
    // A request of an earlier test's extension (a timer it left behind) is not this test's.
    if (!String(url).startsWith(`${apiUrl}/`)) throw new TypeError('a request of another test');
    const path = String(url).slice(apiUrl.length);
    const method = options?.method ?? 'GET';
    requests.push({ method, path, body: options?.body });
    const key = `${method} ${path}`;
    const route = routes[key];
    if (route === undefined) throw new Error(`no fake route for ${key}`);
    const replies = Array.isArray(route) ? route : [route];
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const reply = replies[Math.min(index, replies.length - 1)];
    if (reply === undefined || reply === 'unreachable') throw new TypeError('network error');
    const status = reply.status ?? 200;
    return reply.body === undefined
      ? new Response(null, { status })
      : new Response(JSON.stringify(reply.body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { requests };
}

/** The extension context HubSpot would give: the backend URL from the config profile, the record. */
export function configureContext(
  context: { variables?: Record<string, string | number | bigint | boolean>; crm?: { objectId: number } },
  objectId?: number,
  apiUrl = API_URL,
): void {
  context.variables = { COLLECTIONS_API_URL: apiUrl };
  if (context.crm !== undefined && objectId !== undefined) context.crm.objectId = objectId;
}

/** Types into an input the way HubSpot reports it: through the component's onChange. */
export function change<V>(node: { props: { onChange?: (value: V) => void } }, value: V): void {
  act(() => node.props.onChange?.(value));
}

export function money(minor: number, currency = 'EUR'): Money {
  const major = (minor / 100).toFixed(2);
  return { minor, currency, text: currency === 'EUR' ? `€${major}` : `${major} ${currency}` };
}

export function createAccountView(overrides: Partial<AccountCardView> = {}): AccountCardView {
  return {
    customerId: 'cus_0042',
    name: 'Globex GmbH',
    asOf: '2026-11-20',
    status: 'overdue',
    statusLabel: 'Overdue',
    statusVariant: 'warning',
    situations: ['overdue', 'failed_payment'],
    balances: [
      {
        currency: 'EUR',
        outstanding: money(1_250_000),
        overdue: money(450_000),
        disputed: money(0),
        uncollectible: money(0),
        inFlight: money(0),
        aging: [
          { bucket: 'current', amount: money(800_000) },
          { bucket: '1-30', amount: money(300_000) },
          { bucket: '31-60', amount: money(150_000) },
          { bucket: '61-90', amount: money(0) },
          { bucket: '90+', amount: money(0) },
        ],
      },
    ],
    oldestDaysPastDue: 47,
    overdueInvoiceCount: 2,
    openInvoices: [
      {
        invoiceId: 'in_101',
        amount: money(300_000),
        outstanding: money(300_000),
        issuedOn: '2026-10-01',
        dueOn: '2026-10-31',
        daysPastDue: 20,
        disputed: false,
        failedAttempts: 2,
        uncollectible: false,
        paymentInFlight: false,
      },
      {
        invoiceId: 'in_099',
        amount: money(150_000),
        outstanding: money(150_000),
        issuedOn: '2026-09-04',
        dueOn: '2026-10-04',
        daysPastDue: 47,
        disputed: true,
        failedAttempts: 0,
        uncollectible: false,
        paymentInFlight: false,
      },
    ],
    lastFailure: {
      invoiceId: 'in_101',
      code: 'insufficient_funds',
      declineClass: 'soft (funds)',
      whatToDo: 'Retry near payday; send an update-card nudge after the second failure.',
      on: '2026-11-02',
      failuresSinceSuccess: 2,
    },
    openDisputes: [
      {
        disputeId: 'dp_7',
        invoiceId: 'in_099',
        amount: money(150_000),
        openedOn: '2026-10-10',
        daysOpen: 41,
        reason: 'product_not_received',
      },
    ],
    risk: {
      score: 72,
      tier: 'high',
      reasons: ['Paid 3 of the last 5 invoices late'],
      mitigating: ['Customer for 6 years'],
    },
    renewal: { on: '2027-01-15', daysTo: 56, inWindow: true },
    paused: null,
    nextStep: {
      title: 'Call the finance contact',
      tone: 'firm',
      assignee: 'owner',
      ruleId: 'overdue-call',
      dueOn: '2026-11-21',
    },
    tasks: [
      {
        taskId: 't_1',
        title: 'Send the statement of account',
        dueOn: '2026-11-22',
        priority: 'high',
        state: 'open',
        assignee: 'ar@globex.example',
      },
    ],
    ...overrides,
  };
}

/** An open promise of USD 12,000.00 by 2026-12-15 on in_101, three days' grace. */
export function createPromise(overrides: Partial<PromiseView> = {}): PromiseView {
  return {
    promiseId: 'pr_1',
    amounts: [{ minor: 1_200_000, currency: 'USD', text: 'USD 12,000.00' }],
    promisedOn: '2026-12-15',
    deadline: '2026-12-18',
    invoiceIds: ['in_101'],
    madeBy: null,
    note: null,
    state: 'open',
    settledOn: null,
    received: [],
    ...overrides,
  };
}

export function createTermOption(
  overrides: Partial<TermOptionView> & Pick<TermOptionView, 'id'>,
): TermOptionView {
  return {
    label: overrides.id,
    netDays: 30,
    billing: 'annual',
    autopay: false,
    rank: 1,
    recommended: false,
    allowed: true,
    blockedBy: [],
    sameFiguresAs: null,
    summary: 'Cash in about 41 days; 18% chance of paying late.',
    estimate: {
      expectedDaysToCash: 41.2,
      daysFromSigningToFirstCash: 41.2,
      daysFromSigningToLastCash: 41.2,
      probabilityLate: 0.18,
      invoices: 1,
      discountMinor: 0,
    },
    ...overrides,
  };
}

export function createRecommendation(overrides: Partial<TermsRecommendation> = {}): TermsRecommendation {
  return {
    recommended: 'net_60',
    explanation: '30 of 40 similar companies pay within 59 days: net 60 is the shortest term that fits.',
    notes: ['Annual billing was asked for.'],
    policy: {
      id: 'enterprise',
      riskTier: 'medium',
      relativeRisk: 1.4,
      relativeRiskText: 'about the same odds of paying late as similar companies',
      cardAutopayUnavailable: null,
    },
    buyer: { kind: 'customer', risk: { score: 41, tier: 'medium' } },
    options: [
      createTermOption({ id: 'net_30', label: 'Net 30', rank: 2, netDays: 30 }),
      createTermOption({ id: 'net_60', label: 'Net 60', rank: 1, netDays: 60, recommended: true }),
      createTermOption({
        id: 'net_90',
        label: 'Net 90',
        rank: 3,
        netDays: 90,
        allowed: false,
        blockedBy: ['longer than the 60-day cap for medium-risk buyers'],
      }),
    ],
    recommendationId: 'rec_abc',
    ...overrides,
  };
}

type TextTree = { text: string | null; childNodes?: readonly TextTree[] };

/** All the text under a rendered node (a node's own `text` covers its direct text children only). */
export function textOf(node: TextTree): string {
  if (node.childNodes === undefined) return node.text ?? '';
  return node.childNodes
    .map(textOf)
    .filter((part) => part !== '')
    .join(' ');
}
