import { z } from 'zod';
import { calendarDate, money, riskTier, statusVariant } from './common';
import { promiseView } from './promises';

export const agingBucketView = z
  .object({ bucket: z.enum(['current', '1-30', '31-60', '61-90', '90+']), amount: money })
  .meta({ id: 'AgingBucketView' });

/** What the company cards and the workspace show of one account. */
export const accountCardView = z
  .object({
    customerId: z.string(),
    name: z.string().nullable(),
    asOf: z.string(),
    /** current | payment_in_flight | overdue | failed_payment | disputed | paused */
    status: z.string(),
    statusLabel: z.string(),
    statusVariant,
    situations: z.array(z.string()),
    balances: z.array(
      z.object({
        currency: z.string(),
        outstanding: money,
        overdue: money,
        disputed: money,
        /** Owed on invoices the billing system marked uncollectible (still owed). */
        uncollectible: money,
        /** Owed on invoices whose payment is on its way (a bank debit not settled yet). */
        inFlight: money,
        aging: z.array(agingBucketView),
      }),
    ),
    oldestDaysPastDue: z.number(),
    overdueInvoiceCount: z.number().int(),
    openInvoices: z.array(
      z.object({
        invoiceId: z.string(),
        amount: money,
        outstanding: money,
        issuedOn: z.string(),
        dueOn: z.string(),
        daysPastDue: z.number(),
        disputed: z.boolean(),
        failedAttempts: z.number().int(),
        uncollectible: z.boolean(),
        paymentInFlight: z.boolean(),
      }),
    ),
    lastFailure: z
      .object({
        invoiceId: z.string(),
        code: z.string().nullable(),
        declineClass: z.string(),
        whatToDo: z.string(),
        on: z.string(),
        failuresSinceSuccess: z.number().int(),
      })
      .nullable(),
    openDisputes: z.array(
      z.object({
        disputeId: z.string(),
        invoiceId: z.string(),
        amount: money,
        openedOn: z.string(),
        daysOpen: z.number(),
        reason: z.string().nullable(),
      }),
    ),
    risk: z
      .object({
        score: z.number(),
        tier: riskTier,
        reasons: z.array(z.string()),
        mitigating: z.array(z.string()),
      })
      .nullable(),
    renewal: z.object({ on: z.string(), daysTo: z.number(), inWindow: z.boolean() }).nullable(),
    /** The card on file expires before the next renewal or invoice (before any payment failed). */
    cardExpiry: z
      .object({
        /** As printed on the card: 11/26. */
        expires: z.string(),
        expiresOn: calendarDate,
        nextChargeOn: calendarDate,
        what: z.enum(['renewal', 'invoice']),
        /** "Card on file expires 11/26, renewal 2026-12-15" */
        text: z.string(),
      })
      .nullable(),
    paused: z.object({ reason: z.string(), until: z.string() }).nullable(),
    /** Promises to pay open today (reminders on what they cover are held) and the latest outcomes. */
    promises: z.object({ open: z.array(promiseView), lastOutcomes: z.array(promiseView) }),
    /** What the active rule set would do today, or null when nothing is due. */
    nextStep: z
      .object({
        title: z.string(),
        tone: z.string().nullable(),
        assignee: z.string(),
        ruleId: z.string(),
        dueOn: z.string(),
      })
      .nullable(),
    tasks: z.array(
      z.object({
        taskId: z.string(),
        /** The rule that made it (`manual` for a person's). */
        ruleId: z.string(),
        title: z.string(),
        dueOn: z.string(),
        priority: z.string(),
        state: z.string(),
        assignee: z.string(),
      }),
    ),
  })
  .meta({ id: 'AccountCardView' });

/** A task made by a person (or planned by a rule), as stored. */
export const plannedTask = z
  .looseObject({
    actionId: z.string(),
    customerId: z.string(),
    ruleId: z.string(),
    title: z.string(),
    body: z.string(),
    dueOn: calendarDate,
    priority: z.enum(['low', 'medium', 'high']),
    assignee: z.string(),
  })
  .meta({ id: 'PlannedTask' });
