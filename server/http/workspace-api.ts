import type { Request, Response, Router } from 'express';
import { type CalendarDate } from '../../src/domain/dates';
import type { AccountFacts, TenantId } from '../../src/domain/model';
import { formatMoney, type CurrencyCode } from '../../src/domain/money';
import type { SliceDimension } from '../../src/domain/ar-metrics';
import type { CollectionsStore } from '../../src/ports/store';
import { buildPortfolioReportFromStore } from '../../src/use-cases/collections-picture';
import { portfolioTrend } from '../../src/use-cases/portfolio-trend';
import {
  buildAccountCard,
  getAccountCardByCrmId,
  loadCardContext,
  recordManualTask,
  refreshAccountCards,
  type AccountCard,
  type CardOptions,
} from '../../src/use-cases/account-card';
import { WORKLIST_SITUATIONS, type WorklistSituation } from '../../src/domain/money-at-risk';
import { manualTask, toAccountCardView } from './cards-api';
import type { Money } from './card-views';

/** Who is asking: a signed CRM request, a workspace session opened from an embedded view, or local demo. */
export type WorkspaceContext = {
  tenant: TenantId;
  user: string;
  revops: boolean;
  /** Set when the workspace was opened embedded in a CRM record: only that view and record. */
  embedded: { view: string; customerId: string | null; crmRecordId: string | null } | null;
};

export type WorkspaceRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  context: (response: Response) => WorkspaceContext;
};

const money = (minor: number, currency: string): Money => ({
  minor,
  currency,
  text: formatMoney(minor, currency as CurrencyCode),
});

export type TimelineEntry = {
  on: CalendarDate;
  kind:
    | 'invoice_issued'
    | 'invoice_voided'
    | 'payment'
    | 'payment_failed'
    | 'refund'
    | 'dispute_opened'
    | 'dispute_closed';
  invoiceId: string | null;
  amount: Money | null;
  text: string;
};

/** An account's invoices, payments and disputes as one dated list, newest first. */
export function accountTimeline(facts: AccountFacts): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const currencyOf = new Map(facts.invoices.map((invoice) => [invoice.invoiceId, invoice.currency]));
  for (const invoice of facts.invoices) {
    entries.push({
      on: invoice.issuedOn,
      kind: 'invoice_issued',
      invoiceId: invoice.invoiceId,
      amount: money(invoice.amountMinor, invoice.currency),
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
      amount: money(payment.amountMinor, payment.currency),
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
      dispute.amountMinor === null || currency === undefined ? null : money(dispute.amountMinor, currency);
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
  return entries.sort((a, b) => (a.on < b.on ? 1 : a.on > b.on ? -1 : 0));
}

export { monthEnds } from '../../src/domain/dates';

const SORTS = new Set(['risk', 'overdue', 'renewal']);
const WORKLIST_PAGE_MAX = 200;

/** One worklist row: the account, its money at risk in the ranked currency, and what to do next. */
export function worklistRow(customerId: string, card: AccountCard, currency: string) {
  const view = toAccountCardView(card);
  const atRisk = card.worklist?.byCurrency[currency];
  const balance = view.balances.find((entry) => entry.currency === currency);
  const openRules = new Set(card.openTasks.map((task) => task.ruleId));
  return {
    customerId,
    name: view.name,
    owner: card.owner ?? null,
    segment: card.segment ?? null,
    status: view.status,
    statusLabel: view.statusLabel,
    statusVariant: view.statusVariant,
    situations: card.worklist?.situations ?? [],
    riskScore: view.risk?.score ?? null,
    riskTier: view.risk?.tier ?? null,
    moneyAtRisk: money(atRisk?.totalMinor ?? 0, currency),
    balanceAtRisk: money(atRisk?.balanceMinor ?? 0, currency),
    renewalAtRisk: money(atRisk?.renewalMinor ?? 0, currency),
    renewalValue: money(atRisk?.renewalValueMinor ?? 0, currency),
    lossProbability: card.worklist?.worstLossProbability ?? 0,
    overdue: balance?.overdue ?? null,
    outstanding: balance?.outstanding ?? null,
    oldestDaysPastDue: view.oldestDaysPastDue,
    daysToRenewal: view.renewal?.daysTo ?? null,
    paused: view.paused,
    openTasks: card.openTasks.length,
    nextStep:
      card.nextStep === null
        ? null
        : {
            title: card.nextStep.title,
            assignee: card.nextStep.assignee,
            tone: card.nextStep.tone,
            priority: card.nextStep.priority,
            dueOn: card.nextStep.dueOn,
            ruleId: card.nextStep.ruleId,
            taskOpen: openRules.has(card.nextStep.ruleId),
          },
  };
}
const DIMENSIONS = new Set<SliceDimension>(['owner', 'segment', 'payment_terms', 'currency']);

/** The workspace's read routes: portfolio metrics and trend, the attention list, an account with its timeline. */
export function mountWorkspaceRoutes(router: Router, options: WorkspaceRouteOptions): void {
  const notEmbedded = (response: Response): boolean => {
    const embedded = options.context(response).embedded;
    if (embedded === null) return true;
    response.status(403).json({
      ok: false,
      error: { code: 'forbidden', message: `opened for the ${embedded.view} view of one record only` },
    });
    return false;
  };

  router.get('/session', (_request, response) => {
    const context = options.context(response);
    response.json({
      ok: true,
      data: {
        tenant: context.tenant,
        user: context.user,
        revops: context.revops,
        embedded:
          context.embedded === null
            ? null
            : {
                view: context.embedded.view,
                recordId: context.embedded.customerId ?? context.embedded.crmRecordId,
                customerId: context.embedded.customerId,
                crmRecordId: context.embedded.crmRecordId,
              },
      },
    });
  });

  router.get('/portfolio', async (request: Request, response: Response) => {
    if (!notEmbedded(response)) return;
    const by = request.query['by'];
    if (by !== undefined && !DIMENSIONS.has(by as SliceDimension)) {
      response.status(422).json({
        ok: false,
        error: { path: 'by', message: 'expected owner, segment, payment_terms or currency' },
      });
      return;
    }
    const report = await buildPortfolioReportFromStore(
      options.store,
      options.context(response).tenant,
      options.today(),
      by === undefined ? {} : { by: by as SliceDimension },
    );
    response.json({ ok: true, data: report });
  });

  mountTrendRoute(router, options, notEmbedded);

  router.get('/accounts', async (request: Request, response: Response) => {
    if (!notEmbedded(response)) return;
    const sort = String(request.query['sort'] ?? 'risk');
    const limit = Number(request.query['limit'] ?? 50);
    if (!SORTS.has(sort)) {
      response
        .status(422)
        .json({ ok: false, error: { path: 'sort', message: 'expected risk, overdue or renewal' } });
      return;
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      response.status(422).json({ ok: false, error: { path: 'limit', message: 'expected 1 to 500' } });
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

  mountWorklistRoutes(router, options, notEmbedded);

  router.get('/accounts/:customerId', async (request: Request, response: Response) => {
    const customerId = String(request.params['customerId']);
    const context = options.context(response);
    if (context.embedded !== null && context.embedded.customerId !== customerId) {
      response.status(403).json({
        ok: false,
        error: { code: 'forbidden', message: 'opened for another record' },
      });
      return;
    }
    const facts = await options.store.getAccountFacts(context.tenant, customerId);
    if (facts === undefined) {
      response.json({ ok: false, error: { code: 'not_found', message: `no account ${customerId}` } });
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
    response.json({ ok: true, data: { card: view, timeline: accountTimeline(facts) } });
  });

  router.get('/audit', async (request: Request, response: Response) => {
    if (!notEmbedded(response)) return;
    const limit = Number(request.query['limit'] ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      response.status(422).json({ ok: false, error: { path: 'limit', message: 'expected 1 to 500' } });
      return;
    }
    const events = await options.store.listEvents(options.context(response).tenant, { limit });
    response.json({
      ok: true,
      data: {
        events: events.map((event) => ({
          at: event.occurredAt,
          kind: event.kind,
          subject: event.subject,
          actor: event.actor,
          payload: event.payload,
        })),
      },
    });
  });
}

/** The portfolio trend, from stored month-end snapshots (computed first when missing or stale). */
function mountTrendRoute(
  router: Router,
  options: WorkspaceRouteOptions,
  notEmbedded: (response: Response) => boolean,
): void {
  // Requests for the same trend while its snapshots are being computed share that one pass.
  const trendsInFlight = new Map<string, ReturnType<typeof portfolioTrend>>();
  router.get('/portfolio/trend', async (request: Request, response: Response) => {
    if (!notEmbedded(response)) return;
    const months = Number(request.query['months'] ?? 12);
    if (!Number.isInteger(months) || months < 2 || months > 36) {
      response.status(422).json({ ok: false, error: { path: 'months', message: 'expected 2 to 36' } });
      return;
    }
    const tenant = options.context(response).tenant;
    const today = options.today();
    const key = `${tenant}:${today}:${months}`;
    let trend = trendsInFlight.get(key);
    if (trend === undefined) {
      trend = portfolioTrend({ book: options.store, snapshots: options.store }, tenant, today, months);
      trendsInFlight.set(key, trend);
      void trend.finally(() => trendsInFlight.delete(key)).catch(() => undefined);
    }
    const { points } = await trend;
    response.json({
      ok: true,
      data: {
        points: points.map((point) => ({
          asOf: point.asOf,
          currencies: point.total.currencies,
          computedAt: point.computedAt,
          stale: point.stale,
        })),
      },
    });
  });
}

/** The CSM worklist (ranked by money at risk, filtered and paged here) and tasks created from it. */
function mountWorklistRoutes(
  router: Router,
  options: WorkspaceRouteOptions,
  notEmbedded: (response: Response) => boolean,
): void {
  router.get('/worklist', async (request: Request, response: Response) => {
    if (!notEmbedded(response)) return;
    const text = (name: string): string | undefined => {
      const value = request.query[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const limit = Number(request.query['limit'] ?? 25);
    const offset = Number(request.query['offset'] ?? 0);
    const situation = text('situation');
    const currency = text('currency');
    const problem =
      !Number.isInteger(limit) || limit < 1 || limit > WORKLIST_PAGE_MAX
        ? { path: 'limit', message: `expected 1 to ${WORKLIST_PAGE_MAX}` }
        : !Number.isInteger(offset) || offset < 0
          ? { path: 'offset', message: 'expected 0 or more' }
          : situation !== undefined && !WORKLIST_SITUATIONS.includes(situation as WorklistSituation)
            ? { path: 'situation', message: `expected one of ${WORKLIST_SITUATIONS.join(', ')}` }
            : currency !== undefined && !/^[A-Z]{3}$/.test(currency)
              ? { path: 'currency', message: 'expected an ISO 4217 code' }
              : null;
    if (problem !== null) {
      response.status(422).json({ ok: false, error: problem });
      return;
    }
    const tenant = options.context(response).tenant;
    const today = options.today();
    await refreshAccountCards(options.store, tenant, today, options.cardOptions ?? {});
    const owner = text('owner');
    const page = await options.store.listWorklist(tenant, today, {
      ...(currency === undefined ? {} : { currency }),
      ...(owner === undefined ? {} : { owner }),
      ...(situation === undefined ? {} : { situation }),
      offset,
      limit,
    });
    response.json({
      ok: true,
      data: {
        asOf: today,
        currency: page.currency,
        currencies: page.currencies,
        owners: page.owners,
        situations: WORKLIST_SITUATIONS,
        total: page.total,
        offset,
        limit,
        accounts:
          page.currency === null
            ? []
            : page.rows.map((row) =>
                worklistRow(row.customerId, row.card as AccountCard, page.currency as string),
              ),
      },
    });
  });

  router.post('/accounts/:customerId/tasks', async (request: Request, response: Response) => {
    const customerId = String(request.params['customerId']);
    const context = options.context(response);
    if (context.embedded !== null && context.embedded.customerId !== customerId) {
      response
        .status(403)
        .json({ ok: false, error: { code: 'forbidden', message: 'opened for another record' } });
      return;
    }
    const parsed = manualTask.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      response.status(422).json({
        ok: false,
        error: { path: issue?.path.join('.') ?? '', message: issue?.message ?? 'invalid' },
      });
      return;
    }
    const facts = await options.store.getAccountFacts(context.tenant, customerId);
    if (facts === undefined) {
      response.json({ ok: false, error: { code: 'not_found', message: `no account ${customerId}` } });
      return;
    }
    const task = await recordManualTask(
      options.store,
      context.tenant,
      customerId,
      {
        title: parsed.data.title,
        dueOn: parsed.data.dueOn as CalendarDate,
        priority: parsed.data.priority,
        ...(parsed.data.body === undefined ? {} : { body: parsed.data.body }),
        assignee: context.user,
      },
      options.today(),
      'the workspace',
    );
    response.json({ ok: true, task });
  });
}

async function cardOf(
  options: WorkspaceRouteOptions,
  tenant: TenantId,
  facts: AccountFacts,
): Promise<AccountCard> {
  const [context, pause, openTasks] = await Promise.all([
    loadCardContext(options.store, tenant, options.cardOptions ?? {}),
    options.store.getAutomationPause(tenant, facts.customer.customerId),
    options.store.listTasks(tenant, { customerId: facts.customer.customerId, state: 'open' }),
  ]);
  return buildAccountCard(facts, options.today(), context, pause, openTasks);
}
