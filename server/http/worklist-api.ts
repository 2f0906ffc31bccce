import express, { type Request, type Response, type Router } from 'express';
import type { CalendarDate } from '../../src/domain/dates';
import { WORKLIST_SITUATIONS, type WorklistSituation } from '../../src/domain/money-at-risk';
import type { CollectionsStore } from '../../src/ports/store';
import {
  recordManualTask,
  refreshAccountCards,
  type AccountCard,
  type CardOptions,
} from '../../src/use-cases/account-card';
import { refusedWhenEmbedded, type RequestContext } from './api-auth';
import { fail } from './api-errors';
import { manualTask, toAccountCardView } from './cards-api';
import { moneyView } from './card-views';

export type WorklistRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  cardOptions?: CardOptions;
  context: (response: Response) => RequestContext;
};

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
    moneyAtRisk: moneyView(atRisk?.totalMinor ?? 0, currency),
    balanceAtRisk: moneyView(atRisk?.balanceMinor ?? 0, currency),
    renewalAtRisk: moneyView(atRisk?.renewalMinor ?? 0, currency),
    renewalValue: moneyView(atRisk?.renewalValueMinor ?? 0, currency),
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

/** The CSM worklist (ranked by money at risk, filtered and paged here) and tasks created from it. */
export function createWorklistRouter(options: WorklistRouteOptions): Router {
  const router = express.Router();
  router.get('/worklist', async (request: Request, response: Response) => {
    if (refusedWhenEmbedded(response, options.context(response))) return;
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
      fail(response, { code: 'invalid_request', ...problem }, 422);
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
      fail(response, { code: 'forbidden', message: 'opened for another record' }, 403);
      return;
    }
    const parsed = manualTask.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(
        response,
        { code: 'invalid_request', path: issue?.path.join('.') ?? '', message: issue?.message ?? 'invalid' },
        422,
      );
      return;
    }
    const facts = await options.store.getAccountFacts(context.tenant, customerId);
    if (facts === undefined) {
      fail(response, { code: 'not_found', message: `no account ${customerId}` });
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
  return router;
}
