import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import type { AccountFacts, TenantId } from '../../src/domain/model';
import { formatMoney } from '../../src/domain/money';
import type { StoredPromise } from '../../src/domain/promises';
import type { CollectionsStore } from '../../src/ports/store';
import {
  buildAccountCard,
  getAccountCardByCrmId,
  loadCardContext,
  refreshAccountCards,
  type AccountCard,
  type CardOptions,
} from '../../src/use-cases/account-card';
import { refusedWhenEmbedded, type RequestContext } from './api-auth';
import { fail } from './api-errors';
import { toAccountCardView } from './cards-api';
import { moneyView } from './card-views';
import type { timelineEntry } from './schemas/workspace';

const SORTS = new Set(['risk', 'overdue', 'renewal']);

export type AccountRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  context: (response: Response) => RequestContext;
};

/** One dated line of an account's history, as documented. */
export type TimelineEntry = z.infer<typeof timelineEntry>;

/** An account's invoices, payments, disputes and promises to pay as one dated list, newest first. */
export function accountTimeline(
  facts: AccountFacts,
  promises: readonly StoredPromise[] = [],
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const currencyOf = new Map(facts.invoices.map((invoice) => [invoice.invoiceId, invoice.currency]));
  for (const invoice of facts.invoices) {
    entries.push({
      on: invoice.issuedOn,
      kind: 'invoice_issued',
      invoiceId: invoice.invoiceId,
      amount: moneyView(invoice.amountMinor, invoice.currency),
      text: `Invoice ${invoice.invoiceId} issued, due ${invoice.dueOn}`,
    });
    if (invoice.voidedOn !== null)
      entries.push({
        on: invoice.voidedOn,
        kind: 'invoice_voided',
        invoiceId: invoice.invoiceId,
        amount: null,
        text: `Invoice ${invoice.invoiceId} voided`,
      });
  }
  for (const payment of facts.payments) {
    const kind =
      payment.status === 'succeeded' ? 'payment' : payment.status === 'failed' ? 'payment_failed' : 'refund';
    entries.push({
      on: payment.attemptedOn,
      kind,
      invoiceId: payment.invoiceId,
      amount: moneyView(payment.amountMinor, payment.currency),
      text:
        kind === 'payment'
          ? `Payment for ${payment.invoiceId}${payment.method === null ? '' : ` by ${payment.method}`}`
          : kind === 'payment_failed'
            ? `Payment for ${payment.invoiceId} failed${payment.declineCode === null ? '' : `: ${payment.declineCode}`}`
            : `Refund on ${payment.invoiceId}`,
    });
  }
  for (const dispute of facts.disputes) {
    const currency = currencyOf.get(dispute.invoiceId);
    const amount =
      dispute.amountMinor === null || currency === undefined
        ? null
        : moneyView(dispute.amountMinor, currency);
    entries.push({
      on: dispute.openedOn,
      kind: 'dispute_opened',
      invoiceId: dispute.invoiceId,
      amount,
      text: `Dispute on ${dispute.invoiceId} opened${dispute.reason === null ? '' : `: ${dispute.reason}`}`,
    });
    if (dispute.resolvedOn !== null)
      entries.push({
        on: dispute.resolvedOn,
        kind: 'dispute_closed',
        invoiceId: dispute.invoiceId,
        amount,
        text: `Dispute on ${dispute.invoiceId} closed${dispute.outcome === null ? '' : `: ${dispute.outcome}`}`,
      });
  }
  entries.push(...promises.flatMap(promiseEntries));
  return entries.sort((a, b) => (a.on < b.on ? 1 : a.on > b.on ? -1 : 0));
}

const PROMISE_OUTCOME_WORDS = { kept: 'kept', partly_kept: 'partly kept', broken: 'broken' } as const;

function promiseEntries(promise: StoredPromise): TimelineEntry[] {
  const amounts = promise.amounts
    .map((amount) => formatMoney(amount.amountMinor, amount.currency))
    .join(' + ');
  const single = promise.amounts.length === 1 ? promise.amounts[0] : undefined;
  const amount = single === undefined ? null : moneyView(single.amountMinor, single.currency);
  const invoiceId = promise.invoiceIds.length === 1 ? (promise.invoiceIds[0] ?? null) : null;
  const recorded: TimelineEntry = {
    on: promise.recordedOn,
    kind: 'promise_recorded',
    invoiceId,
    amount,
    text: `Promise to pay ${amounts} by ${promise.promisedOn}${promise.madeBy === null ? '' : ` (${promise.madeBy})`}, recorded by ${promise.recordedBy}`,
  };
  if (promise.state === 'open' || promise.settledOn === null) return [recorded];
  const received = promise.received.map((part) => formatMoney(part.amountMinor, part.currency)).join(' + ');
  return [
    recorded,
    {
      on: promise.settledOn,
      kind: `promise_${promise.state}`,
      invoiceId,
      amount,
      text: `Promise of ${amounts} due ${promise.promisedOn} ${PROMISE_OUTCOME_WORDS[promise.state]}: ${received} received`,
    },
  ];
}

/** The workspace's accounts: the list that needs attention, and one account with its timeline. */
export function createAccountsRouter(options: AccountRouteOptions): Router {
  const router = express.Router();
  router.get('/accounts', async (request: Request, response: Response) => {
    if (refusedWhenEmbedded(response, options.context(response))) return;
    const sort = String(request.query['sort'] ?? 'risk');
    const limit = Number(request.query['limit'] ?? 50);
    if (!SORTS.has(sort)) {
      fail(
        response,
        { code: 'invalid_request', path: 'sort', message: 'expected risk, overdue or renewal' },
        422,
      );
      return;
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      fail(response, { code: 'invalid_request', path: 'limit', message: 'expected 1 to 500' }, 422);
      return;
    }
    const tenant = options.context(response).tenant;
    const today = options.today();
    // Cards not yet computed for today are computed first (only the stale ones).
    await refreshAccountCards(options.store, tenant, today, options.cardOptions ?? {});
    const rows = await options.store.listAccountCards(tenant, today, {
      sort: sort as 'risk' | 'overdue' | 'renewal',
      limit,
    });

    response.json({
      ok: true,
      data: {
        accounts: rows.map((row) => {
          const card = row.card as AccountCard;
          const view = toAccountCardView(card);
          const main = [...view.balances].sort((a, b) => b.outstanding.minor - a.outstanding.minor)[0];
          return {
            customerId: row.customerId,
            name: view.name,
            owner: card.owner ?? null,
            segment: card.segment ?? null,
            status: view.status,
            statusLabel: view.statusLabel,
            statusVariant: view.statusVariant,
            riskScore: view.risk?.score ?? null,
            riskTier: view.risk?.tier ?? null,
            overdue: main?.overdue ?? null,
            outstanding: main?.outstanding ?? null,
            oldestDaysPastDue: view.oldestDaysPastDue,
            daysToRenewal: view.renewal?.daysTo ?? null,
            paused: view.paused !== null,
          };
        }),
      },
    });
  });

  router.get('/accounts/:customerId', async (request: Request, response: Response) => {
    const customerId = String(request.params['customerId']);
    const context = options.context(response);
    if (context.embedded !== null && context.embedded.customerId !== customerId) {
      fail(response, { code: 'forbidden', message: 'opened for another record' }, 403);
      return;
    }
    const facts = await options.store.getAccountFacts(context.tenant, customerId);
    if (facts === undefined) {
      fail(response, { code: 'not_found', message: `no account ${customerId}` });
      return;
    }
    const card =
      facts.customer.crmCompanyId === null
        ? undefined
        : await getAccountCardByCrmId(
            options.store,
            context.tenant,
            facts.customer.crmCompanyId,
            options.today(),
            options.cardOptions ?? {},
          );
    // An account without a CRM record is computed from the store the same way.
    const view =
      card !== undefined && card.customerId === customerId
        ? toAccountCardView(card)
        : toAccountCardView(await cardOf(options, context.tenant, facts));
    const promises = await options.store.listPromises(context.tenant, { customerId });
    response.json({ ok: true, data: { card: view, timeline: accountTimeline(facts, promises) } });
  });
  return router;
}

async function cardOf(
  options: AccountRouteOptions,
  tenant: TenantId,
  facts: AccountFacts,
): Promise<AccountCard> {
  const [context, pause, openTasks, promises] = await Promise.all([
    loadCardContext(options.store, tenant, options.cardOptions ?? {}),
    options.store.getAutomationPause(tenant, facts.customer.customerId),
    options.store.listTasks(tenant, { customerId: facts.customer.customerId, state: 'open' }),
    options.store.listPromises(tenant, { customerId: facts.customer.customerId }),
  ]);
  return buildAccountCard(facts, options.today(), context, pause, openTasks, promises);
}
