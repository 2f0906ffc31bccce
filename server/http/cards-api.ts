import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AccountStatus } from '../../src/domain/account-status';
import { cardExpiryLabel, cardExpiryNotice } from '../../src/domain/card-on-file';
import { isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import {
  createManualTask,
  getAccountCardByCrmId,
  type AccountCard,
  type CardOptions,
} from '../../src/use-cases/account-card';
import { fail } from './api-errors';
import { moneyView, type AccountCardView, type AgingBucketView, type CardResponse } from './card-views';
import { toPromiseView } from './promises-api';

export type CardRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  context: (response: Response) => { tenant: TenantId; user: string; revops: boolean };
};

const LABELS: Readonly<Record<string, { label: string; variant: AccountCardView['statusVariant'] }>> = {
  current: { label: 'Current', variant: 'success' },
  overdue: { label: 'Overdue', variant: 'warning' },
  failed_payment: { label: 'Payment failed', variant: 'danger' },
  payment_in_flight: { label: 'Payment in flight', variant: 'info' },
  disputed: { label: 'Disputed', variant: 'danger' },
  paused: { label: 'Automation paused', variant: 'info' },
};

function aging(status: AccountStatus['balances'][number]): AgingBucketView[] {
  const { aging: buckets, currency } = status;
  return [
    { bucket: 'current', amount: moneyView(buckets.current, currency) },
    { bucket: '1-30', amount: moneyView(buckets.d1_30, currency) },
    { bucket: '31-60', amount: moneyView(buckets.d31_60, currency) },
    { bucket: '61-90', amount: moneyView(buckets.d61_90, currency) },
    { bucket: '90+', amount: moneyView(buckets.d90Plus, currency) },
  ];
}

/** Cards saved before the card on file was known have neither field: nothing to show. */
function cardExpiryView(status: AccountStatus): AccountCardView['cardExpiry'] {
  const card = status.cardOnFile ?? null;
  const next = status.cardExpiresBeforeNext ?? null;
  if (card === null || next === null) return null;
  return {
    expires: cardExpiryLabel(card),
    expiresOn: next.expiresOn,
    nextChargeOn: next.nextChargeOn,
    what: next.what,
    text: cardExpiryNotice(card, next),
  };
}

export function toAccountCardView(card: AccountCard): AccountCardView {
  const { status } = card;
  const label = LABELS[status.status] ?? { label: status.status, variant: 'info' as const };
  return {
    customerId: card.customerId,
    name: card.name,
    asOf: status.asOf,
    status: status.status,
    statusLabel: label.label,
    statusVariant: label.variant,
    situations: status.situations,
    balances: status.balances.map((balance) => ({
      currency: balance.currency,
      outstanding: moneyView(balance.outstandingMinor, balance.currency),
      overdue: moneyView(balance.overdueMinor, balance.currency),
      disputed: moneyView(balance.disputedMinor, balance.currency),
      uncollectible: moneyView(balance.uncollectibleMinor, balance.currency),
      inFlight: moneyView(balance.inFlightMinor, balance.currency),
      aging: aging(balance),
    })),
    oldestDaysPastDue: status.oldestDaysPastDue,
    overdueInvoiceCount: status.overdueInvoiceCount,
    openInvoices: status.openInvoices.map((invoice) => ({
      invoiceId: invoice.invoiceId,
      amount: moneyView(invoice.amountMinor, invoice.currency),
      outstanding: moneyView(invoice.outstandingMinor, invoice.currency),
      issuedOn: invoice.issuedOn,
      dueOn: invoice.dueOn,
      daysPastDue: invoice.daysPastDue,
      disputed: invoice.disputed,
      failedAttempts: invoice.failedAttempts,
      uncollectible: invoice.uncollectible,
      paymentInFlight: invoice.paymentInFlight,
    })),
    lastFailure:
      status.lastFailure === null
        ? null
        : {
            invoiceId: status.lastFailure.invoiceId,
            code: status.lastFailure.code,
            declineClass: status.lastFailure.class,
            whatToDo: status.lastFailure.action,
            on: status.lastFailure.on,
            failuresSinceSuccess: status.lastFailure.failuresSinceSuccess,
          },
    openDisputes: status.openDisputes.map((dispute) => ({
      disputeId: dispute.disputeId,
      invoiceId: dispute.invoiceId,
      amount: moneyView(dispute.amountMinor, dispute.currency),
      openedOn: dispute.openedOn,
      daysOpen: dispute.daysOpen,
      reason: dispute.reason,
    })),
    risk:
      card.risk === null
        ? null
        : {
            score: card.risk.score,
            tier: card.risk.tier,
            reasons: card.risk.reasons.map((reason) => reason.text),
            mitigating: card.risk.mitigating.map((reason) => reason.text),
          },
    renewal:
      status.nextRenewalOn === null
        ? null
        : { on: status.nextRenewalOn, daysTo: status.daysToRenewal ?? 0, inWindow: status.inRenewalWindow },
    cardExpiry: cardExpiryView(status),
    paused: status.paused === null ? null : { reason: status.paused.reason, until: status.paused.until },
    promises: {
      open: (card.promises?.open ?? []).map(toPromiseView),
      lastOutcomes: (card.promises?.lastOutcomes ?? []).map(toPromiseView),
    },
    nextStep:
      card.nextStep === null
        ? null
        : {
            title: card.nextStep.title,
            tone: card.nextStep.tone,
            assignee: card.nextStep.assignee,
            ruleId: card.nextStep.ruleId,
            dueOn: card.nextStep.dueOn,
          },
    tasks: card.openTasks.map((task) => ({
      taskId: task.actionId,
      ruleId: task.ruleId,
      title: task.title,
      dueOn: task.dueOn,
      priority: task.priority,
      state: task.state,
      assignee: task.assignee,
    })),
  };
}

export const manualTask = z
  .object({
    title: z.string().trim().min(1).max(200),
    dueOn: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
    priority: z.enum(['low', 'medium', 'high']).default('medium'),
    body: z.string().max(2000).optional(),
  })
  .strict();

/** The company cards' endpoints: answers come from the store only. */
export function createCardsRouter(options: CardRouteOptions): Router {
  const router = express.Router();
  /** A record mapped in another tenant is another portal's: refused, not reported as unknown. */
  const belongsToAnotherPortal = async (companyId: string, tenant: TenantId): Promise<boolean> =>
    (await options.store.findTenantsByCrmCompanyId(companyId)).some((owner) => owner !== tenant);
  const forbidden = (response: Response, companyId: string): void => {
    fail(response, { code: 'forbidden', message: `company ${companyId} belongs to another portal` }, 403);
  };
  const noBillingData = (companyId: string): CardResponse<never> => ({
    ok: false,
    error: { code: 'no_billing_data', message: `no billing customer is mapped to company ${companyId}` },
  });

  router.get('/companies/:companyId/collections', async (request: Request, response: Response) => {
    const companyId = String(request.params['companyId']);
    const tenant = options.context(response).tenant;
    const card = await getAccountCardByCrmId(
      options.store,
      tenant,
      companyId,
      options.today(),
      options.cardOptions ?? {},
    );
    if (card === undefined && (await belongsToAnotherPortal(companyId, tenant))) {
      forbidden(response, companyId);
      return;
    }
    const body: CardResponse<AccountCardView> =
      card === undefined ? noBillingData(companyId) : { ok: true, data: toAccountCardView(card) };
    response.json(body);
  });

  router.post(
    '/companies/:companyId/tasks',
    async (request: Request, response: Response, next: NextFunction) => {
      const parsed = manualTask.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        fail(response, {
          code: 'invalid_input',
          path: issue?.path.join('.') ?? '',
          message: issue?.message ?? 'invalid',
        });
        return;
      }
      const companyId = String(request.params['companyId']);
      const { tenant, user } = options.context(response);
      try {
        if (
          (await options.store.findCustomerIdByCrmId(tenant, companyId)) === undefined &&
          (await belongsToAnotherPortal(companyId, tenant))
        ) {
          forbidden(response, companyId);
          return;
        }
        const task = await createManualTask(
          options.store,
          tenant,
          companyId,
          {
            title: parsed.data.title,
            dueOn: parsed.data.dueOn as CalendarDate,
            priority: parsed.data.priority,
            ...(parsed.data.body === undefined ? {} : { body: parsed.data.body }),
            assignee: user,
          },
          options.today(),
        );
        response.json(task === undefined ? noBillingData(companyId) : { ok: true, task });
      } catch (error) {
        next(error);
      }
    },
  );
  return router;
}
