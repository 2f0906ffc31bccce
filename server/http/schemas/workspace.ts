import { z } from 'zod';
import { accountCardView, plannedTask } from './account-card';
import { calendarDate, money, okData, riskTier, statusVariant } from './common';

export const sessionResponse = okData(
  z.object({
    tenant: z.string(),
    user: z.string(),
    revops: z.boolean(),
    /**
     * Set when a CRM record embeds the workspace: only that view (and record). `recordId` is the
     * billing customer when known, else the CRM record.
     */
    embedded: z
      .object({
        view: z.enum(['account', 'opportunity-terms', 'rules']),
        recordId: z.string().nullable(),
        customerId: z.string().nullable(),
        crmRecordId: z.string().nullable(),
      })
      .nullable(),
  }),
).meta({ id: 'SessionResponse' });

const agingMinor = z.object({
  current: z.number(),
  d1_30: z.number(),
  d31_60: z.number(),
  d61_90: z.number(),
  d90Plus: z.number(),
});

export const currencyMetrics = z
  .object({
    currency: z.string(),
    accounts: z.number().int(),
    arMinor: z.number(),
    currentArMinor: z.number(),
    pastDueArMinor: z.number(),
    aging: agingMinor,
    creditSales90Minor: z.number(),
    beginningAr90Minor: z.number(),
    delinquencyRate: z.number().nullable(),
    atRiskRate: z.number().nullable(),
    simpleDso: z.number().nullable(),
    bestPossibleDso: z.number().nullable(),
    averageDaysDelinquent: z.number().nullable(),
    countbackDso: z.number().nullable(),
    countbackBestPossibleDso: z.number().nullable(),
    countbackAverageDaysDelinquent: z.number().nullable(),
    cei: z.number().nullable(),
    failedMinor: z.number(),
    recoveredMinor: z.number(),
    failedPaymentRecoveryRate: z.number().nullable(),
  })
  .meta({ id: 'CurrencyMetrics' });

const slice = z.object({ key: z.string(), accounts: z.number().int(), currencies: z.array(currencyMetrics) });

const promiseTally = z.object({
  key: z.string(),
  decided: z.number().int(),
  kept: z.number().int(),
  partlyKept: z.number().int(),
  broken: z.number().int(),
  /** kept / decided (partly kept counted apart); null when none was decided. */
  keptRate: z.number().nullable(),
});

/** Promises to pay settled in the window, kept by owner and segment, and what is promised ahead. */
export const promiseMetricsView = z
  .object({
    asOf: calendarDate,
    windowDays: z.number().int(),
    total: promiseTally,
    byOwner: z.array(promiseTally),
    bySegment: z.array(promiseTally),
    aheadDays: z.number().int(),
    promisedAhead: z.array(z.object({ currency: z.string(), amountMinor: z.number().int() })),
  })
  .meta({ id: 'PromiseMetrics' });

export const portfolioResponse = okData(
  z.object({
    asOf: calendarDate,
    by: z.enum(['owner', 'segment', 'payment_terms', 'currency']).nullable(),
    windowDays: z.number().int(),
    total: slice,
    slices: z.array(slice),
    promises: promiseMetricsView,
  }),
).meta({ id: 'PortfolioResponse' });

/** Month-end points from stored snapshots; `stale` when billing changes reached it after it was computed. */
export const portfolioTrendResponse = okData(
  z.object({
    points: z.array(
      z.object({
        asOf: calendarDate,
        currencies: z.array(currencyMetrics),
        computedAt: z.string(),
        stale: z.boolean(),
      }),
    ),
  }),
).meta({ id: 'PortfolioTrendResponse' });

export const attentionAccount = z
  .object({
    customerId: z.string(),
    name: z.string().nullable(),
    owner: z.string().nullable(),
    segment: z.string().nullable(),
    status: z.string(),
    statusLabel: z.string(),
    statusVariant,
    riskScore: z.number().nullable(),
    riskTier: riskTier.nullable(),
    overdue: money.nullable(),
    outstanding: money.nullable(),
    oldestDaysPastDue: z.number(),
    daysToRenewal: z.number().nullable(),
    paused: z.boolean(),
  })
  .meta({ id: 'AttentionAccount' });

export const accountsResponse = okData(z.object({ accounts: z.array(attentionAccount) })).meta({
  id: 'AccountsResponse',
});

const worklistSituation = z.enum([
  'failed_payment',
  'disputed',
  'overdue',
  'uncollectible',
  'renewal_at_risk',
  'churn_risk',
  'paused',
]);

export const worklistAccount = z
  .object({
    customerId: z.string(),
    name: z.string().nullable(),
    owner: z.string().nullable(),
    segment: z.string().nullable(),
    status: z.string(),
    statusLabel: z.string(),
    statusVariant,
    situations: z.array(worklistSituation),
    riskScore: z.number().nullable(),
    riskTier: riskTier.nullable(),
    /** Expected loss in the ranked currency: balance at risk plus renewal at risk. */
    moneyAtRisk: money,
    balanceAtRisk: money,
    renewalAtRisk: money,
    renewalValue: money,
    /** The highest chance (0..1) that one of its open invoices is never collected. */
    lossProbability: z.number(),
    overdue: money.nullable(),
    outstanding: money.nullable(),
    oldestDaysPastDue: z.number(),
    daysToRenewal: z.number().nullable(),
    paused: z.object({ reason: z.string(), until: z.string() }).nullable(),
    openTasks: z.number().int(),
    nextStep: z
      .object({
        title: z.string(),
        assignee: z.string(),
        tone: z.string().nullable(),
        priority: z.enum(['low', 'medium', 'high']),
        dueOn: z.string(),
        ruleId: z.string(),
        /** A task from this rule is already open. */
        taskOpen: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: 'WorklistAccount' });

export const worklistResponse = okData(
  z.object({
    asOf: calendarDate,
    currency: z.string().nullable(),
    currencies: z.array(z.object({ currency: z.string(), accounts: z.number().int() })),
    owners: z.array(z.string()),
    situations: z.array(worklistSituation),
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    accounts: z.array(worklistAccount),
  }),
).meta({ id: 'WorklistResponse' });

export const timelineEntry = z
  .object({
    on: calendarDate,
    kind: z.enum([
      'invoice_issued',
      'invoice_voided',
      'payment',
      'payment_failed',
      'refund',
      'dispute_opened',
      'dispute_closed',
      'promise_recorded',
      'promise_kept',
      'promise_partly_kept',
      'promise_broken',
    ]),
    invoiceId: z.string().nullable(),
    amount: money.nullable(),
    text: z.string(),
  })
  .meta({ id: 'TimelineEntry' });

export const accountDetailResponse = okData(
  z.object({ card: accountCardView, timeline: z.array(timelineEntry) }),
).meta({ id: 'AccountDetailResponse' });

export const auditResponse = okData(
  z.object({
    events: z.array(
      z.object({
        at: z.string(),
        kind: z.string(),
        subject: z.string().nullable(),
        actor: z.string(),
        payload: z.unknown(),
      }),
    ),
  }),
).meta({ id: 'AuditResponse' });

export const accountTaskResponse = z
  .object({ ok: z.literal(true), task: plannedTask })
  .meta({ id: 'AccountTaskResponse' });
