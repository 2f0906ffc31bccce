import { computeAccountStatus, type AccountStatus, type AutomationPause } from '../domain/account-status';
import type { CalendarDate } from '../domain/dates';
import type { AccountFacts, TenantId } from '../domain/model';
import { prepareHistory } from '../domain/risk/features';
import {
  accountRisk,
  DEFAULT_TIERS,
  fromStoredRiskModel,
  type AccountRisk,
  type RiskModel,
  type RiskTiers,
} from '../domain/risk/risk-model';
import { moneyAtRisk, type MoneyAtRisk } from '../domain/money-at-risk';
import { buildLedgers } from '../domain/invoice-ledger';
import { promiseHoldsOn, promisesByCustomer, type StoredPromise } from '../domain/promises';
import { accountContext, evaluateRuleSet, type PlannedTask } from '../domain/rules/evaluate';
import type { RuleSet } from '../domain/rules/rule-set';
import { stableId } from '../domain/terms/stable-id';
import { loadActiveRules } from './renewal-window';
import type { AutomationStore } from '../ports/automation';
import type { CardStore } from '../ports/cards';
import type { LedgerStore } from '../ports/ledger';
import type { PromiseStore } from '../ports/promises';
import type { RiskModelStore } from '../ports/risk-models';
import type { StoredTask, TaskStore } from '../ports/tasks';

/** What computing and keeping account cards reads and writes. */
export type CardPorts = LedgerStore & AutomationStore & TaskStore & CardStore & RiskModelStore & PromiseStore;

/** How many settled promises a card shows. */
const CARD_PROMISE_OUTCOMES = 3;

export type AccountCard = {
  customerId: string;
  name: string | null;
  /** Who owns the account and its segment, for lists of cards (absent on cards saved before). */
  owner?: string | null;
  segment?: string | null;
  status: AccountStatus;
  risk: AccountRisk | null;
  /**
   * The first task the active rule set calls for today, if any, whether or not it is already open (so
   * the recommendation stays while its task is being worked on).
   */
  nextStep: PlannedTask | null;
  openTasks: StoredTask[];
  /** Expected loss and worklist situations (absent on cards saved before). */
  worklist?: MoneyAtRisk;
  /**
   * Promises to pay: those open today (holding reminders until their deadline) and the latest settled
   * ones, newest first (absent on cards saved before).
   */
  promises?: { open: StoredPromise[]; lastOutcomes: StoredPromise[] };
};

/** What every card of a tenant is computed with: loaded once per request or per refresh. */
export type CardContext = {
  model: RiskModel | undefined;
  ruleSet: RuleSet | undefined;
  renewalWindowDays: number;
  riskTiers: RiskTiers;
};

/** `renewalWindowDays`: the configured default (RENEWAL_WINDOW_DAYS), in force while version 0 is. */
export type CardOptions = { riskTiers?: RiskTiers; renewalWindowDays?: number };

export async function loadCardContext(
  store: AutomationStore & RiskModelStore,
  tenant: TenantId,
  options: CardOptions = {},
): Promise<CardContext> {
  const [stored, active] = await Promise.all([
    store.loadRiskModel(tenant),
    loadActiveRules(store, tenant, options.renewalWindowDays),
  ]);
  return {
    model: stored === undefined ? undefined : fromStoredRiskModel(stored),
    ruleSet: active.ruleSet,
    renewalWindowDays: active.renewalWindowDays,
    riskTiers: options.riskTiers ?? DEFAULT_TIERS,
  };
}

/** One account's card from its facts: status, risk with reasons, the rule set's next step, open tasks. */
export function buildAccountCard(
  facts: AccountFacts,
  asOf: CalendarDate,
  context: CardContext,
  pause: AutomationPause | null,
  openTasks: StoredTask[],
  promises: readonly StoredPromise[] = [],
): AccountCard {
  const status = computeAccountStatus(facts, asOf, {
    renewalWindowDays: context.renewalWindowDays,
    pause,
  });
  const risk =
    context.model === undefined
      ? null
      : accountRisk(context.model, prepareHistory(facts, promises), asOf, context.riskTiers);
  const holds =
    promises.length === 0 ? [] : promiseHoldsOn(promises, buildLedgers(facts.invoices, facts.payments), asOf);
  let nextStep: PlannedTask | null = null;
  if (context.ruleSet !== undefined) {
    const rulesContext = accountContext(facts, status, {
      riskTier: risk?.tier ?? null,
      openTasks: [],
      contacts: [],
      holdUntil: null,
      promises: holds,
    });
    nextStep = evaluateRuleSet(context.ruleSet, [rulesContext], asOf).tasks[0] ?? null;
  }
  const customerId = facts.customer.customerId;
  return {
    customerId,
    name: facts.customer.name,
    owner: facts.customer.owner,
    segment: facts.customer.segment,
    status,
    risk,
    nextStep,
    openTasks,
    // Money at risk reads the chance of being seriously late against the book's own share of it.
    worklist: moneyAtRisk(
      status,
      facts.subscriptions,
      risk?.probabilitySeriouslyLate ?? null,
      context.model?.seriouslyLate?.trainingRate ?? context.model?.trainingLateRate,
    ),
    promises: {
      open: promises.filter((promise) => holds.some((hold) => hold.promiseId === promise.promiseId)),
      lastOutcomes: promises
        .filter((promise) => promise.state !== 'open')
        .sort((a, b) => ((a.settledOn ?? '') < (b.settledOn ?? '') ? 1 : -1))
        .slice(0, CARD_PROMISE_OUTCOMES),
    },
  };
}

/** Computes one account's card from the store and saves it, unless the account changed meanwhile. */
async function computeAndSave(
  store: CardPorts,
  tenant: TenantId,
  customerId: string,
  version: number,
  asOf: CalendarDate,
  options: CardOptions,
): Promise<AccountCard | undefined> {
  const [facts, pause, context, openTasks, promises] = await Promise.all([
    store.getAccountFacts(tenant, customerId),
    store.getAutomationPause(tenant, customerId),
    loadCardContext(store, tenant, options),
    store.listTasks(tenant, { customerId, state: 'open' }),
    store.listPromises(tenant, { customerId }),
  ]);
  if (facts === undefined) return undefined;
  const card = buildAccountCard(facts, asOf, context, pause, openTasks, promises);
  await store.saveAccountCards(tenant, [{ customerId, version, asOf, card }]);
  return card;
}

/**
 * The collections picture of the billing customer behind a CRM company, for the cards: the card
 * precomputed for today when it is fresh (one indexed read), otherwise computed from the store and
 * saved. Never from the billing system or the CRM.
 */
export async function getAccountCardByCrmId(
  store: CardPorts,
  tenant: TenantId,
  crmCompanyId: string,
  asOf: CalendarDate,
  options: CardOptions = {},
): Promise<AccountCard | undefined> {
  const stored = await store.getAccountCardByCrmId(tenant, crmCompanyId);
  if (stored === undefined) return undefined;
  if (stored.card !== null && stored.cardVersion === stored.version && stored.asOf === asOf)
    return stored.card as AccountCard;
  return computeAndSave(store, tenant, stored.customerId, stored.version, asOf, options);
}

export type CardRefreshReport = { stale: number; saved: number };

/** Up to this many accounts are read one by one; more are streamed with the whole tenant. */
const PER_ACCOUNT_LIMIT = 200;

/** The facts of some accounts: a few read one by one, many streamed (or all when `only` is absent). */
export async function* accountFacts(
  store: LedgerStore,
  tenant: TenantId,
  only: readonly string[] | undefined,
): AsyncIterable<AccountFacts> {
  if (only !== undefined && only.length <= PER_ACCOUNT_LIMIT) {
    for (const customerId of only) {
      const facts = await store.getAccountFacts(tenant, customerId);
      if (facts !== undefined) yield facts;
    }
    return;
  }
  const wanted = only === undefined ? undefined : new Set(only);
  for await (const facts of store.streamAccountFacts(tenant))
    if (wanted === undefined || wanted.has(facts.customer.customerId)) yield facts;
}

/**
 * Recomputes the cards that are missing, stale or not for `asOf` (after billing changes, a refit, a
 * new rule set, or a new day). The model and rule set are loaded once; pauses and open tasks per
 * account when few are stale, for the whole tenant when many are.
 */
export async function refreshAccountCards(
  store: CardPorts,
  tenant: TenantId,
  asOf: CalendarDate,
  options: CardOptions & { onProgress?: (done: number, total: number) => void } = {},
): Promise<CardRefreshReport> {
  const stale = await store.listStaleAccountCards(tenant, asOf, Number.MAX_SAFE_INTEGER);
  if (stale.length === 0) return { stale: 0, saved: 0 };
  const few = stale.length <= PER_ACCOUNT_LIMIT;
  const [versions, context, pauses, openTasks, promises] = await Promise.all([
    store.getAccountCardVersions(tenant, few ? stale : undefined),
    loadCardContext(store, tenant, options),
    few ? undefined : store.listAutomationPauses(tenant),
    few ? undefined : store.listTasks(tenant, { state: 'open' }),
    store.listPromises(tenant, few ? { customerIds: stale } : {}),
  ]);
  const promisesOf = promisesByCustomer(promises);
  const tasksByCustomer = openTasks === undefined ? undefined : groupTasks(openTasks);
  let batch: { customerId: string; version: number; asOf: CalendarDate; card: AccountCard }[] = [];
  let saved = 0;
  let done = 0;
  for await (const facts of accountFacts(store, tenant, stale)) {
    const customerId = facts.customer.customerId;
    const pause =
      pauses === undefined
        ? await store.getAutomationPause(tenant, customerId)
        : (pauses.get(customerId) ?? null);
    const tasks =
      tasksByCustomer === undefined
        ? await store.listTasks(tenant, { customerId, state: 'open' })
        : (tasksByCustomer.get(customerId) ?? []);
    const card = buildAccountCard(facts, asOf, context, pause, tasks, promisesOf.get(customerId) ?? []);
    batch.push({ customerId, version: versions.get(customerId) ?? 0, asOf, card });
    done += 1;
    if (batch.length >= 500) {
      saved += await store.saveAccountCards(tenant, batch);
      batch = [];
      options.onProgress?.(done, stale.length);
    }
  }
  saved += await store.saveAccountCards(tenant, batch);
  options.onProgress?.(done, stale.length);
  return { stale: stale.length, saved };
}

export function groupTasks(tasks: readonly StoredTask[]): Map<string, StoredTask[]> {
  const byCustomer = new Map<string, StoredTask[]>();
  for (const task of tasks) {
    const list = byCustomer.get(task.customerId);
    if (list === undefined) byCustomer.set(task.customerId, [task]);
    else list.push(task);
  }
  return byCustomer;
}

export type ManualTask = {
  title: string;
  dueOn: CalendarDate;
  priority: PlannedTask['priority'];
  body?: string;
  assignee: string;
};

/** A task a person creates from the card; recorded (and audited) like the rules' tasks. */
export async function createManualTask(
  store: LedgerStore & TaskStore,
  tenant: TenantId,
  crmCompanyId: string,
  task: ManualTask,
  today: CalendarDate,
): Promise<PlannedTask | undefined> {
  const customerId = await store.findCustomerIdByCrmId(tenant, crmCompanyId);
  if (customerId === undefined) return undefined;
  return recordManualTask(store, tenant, customerId, task, today, 'the CRM card');
}

/** A task a person creates for a billing customer (from the card or the worklist). */
export async function recordManualTask(
  store: TaskStore,
  tenant: TenantId,
  customerId: string,
  task: ManualTask,
  today: CalendarDate,
  from: string,
): Promise<PlannedTask> {
  const planned: PlannedTask = {
    actionId: `manual:${customerId}:${stableId(JSON.stringify([task, today]))}`,
    customerId,
    ruleId: 'manual',
    invoiceId: null,
    cause: 'manual',
    plannedOn: today,
    assignee: task.assignee,
    title: task.title,
    body: task.body ?? '',
    dueOn: task.dueOn < today ? today : task.dueOn,
    priority: task.priority,
    tone: null,
    dunningStage: null,
    requireReview: false,
    reason: `created by ${task.assignee} from ${from}`,
  };
  await store.recordPlannedActions(tenant, { tasks: [planned], holds: [] }, null);
  return planned;
}
