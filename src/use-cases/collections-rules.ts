import { computeAccountStatus } from '../domain/account-status';
import { addDays, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { buildLedgers } from '../domain/invoice-ledger';
import { pauseOn } from '../domain/pauses';
import {
  MAX_PROMISE_GRACE_DAYS,
  promiseHoldsOn,
  promisesByCustomer,
  type StoredPromise,
} from '../domain/promises';
import { prepareHistory } from '../domain/risk/features';
import { PROMISE_HISTORY_DAYS } from '../domain/risk/promise-history';
import { accountRisk, DEFAULT_TIERS, fromStoredRiskModel, type RiskTiers } from '../domain/risk/risk-model';
import { accountContext, evaluateRuleSet, type Evaluation, type PlannedTask } from '../domain/rules/evaluate';
import { createSimulator, type SimulationSummary } from '../domain/rules/simulate';
import type { RuleSet } from '../domain/rules/rule-set';
import type { AutomationStore } from '../ports/automation';
import type { CustomerTags } from '../ports/customer-tags';
import type { LedgerStore } from '../ports/ledger';
import type { PromiseStore } from '../ports/promises';
import type { RiskModelStore } from '../ports/risk-models';
import type { AutomationMemory, TaskStore } from '../ports/tasks';

/** What planning a rule set's actions over the book reads. */
export type RulePlanningPorts = LedgerStore & AutomationStore & RiskModelStore & CustomerTags & PromiseStore;

/**
 * The tenant's promises that may be in force on some day from `from` on, or that the risk score may
 * still count then (a deadline is at most MAX_PROMISE_GRACE_DAYS after the promised day, and an unkept
 * promise counts for PROMISE_HISTORY_DAYS after its deadline), per customer.
 */
async function promisesInForceFrom(
  store: PromiseStore,
  tenant: TenantId,
  from: CalendarDate,
): Promise<Map<string, StoredPromise[]>> {
  return promisesByCustomer(
    await store.listPromises(tenant, {
      promisedFrom: addDays(from, -(MAX_PROMISE_GRACE_DAYS + PROMISE_HISTORY_DAYS)),
    }),
  );
}

export type PlanSummary = {
  asOf: CalendarDate;
  ruleSet: string;
  accounts: number;
  tasksByRule: Record<string, number>;
  tasksByAssignee: Record<string, number>;
  skipped: number;
  evaluation: Evaluation;
};

/**
 * What the rule set would do on `asOf` for every account of the tenant (a dry run: nothing is written).
 * Accounts are evaluated one page at a time with their status, risk tier, tags, the pause in force
 * that day (from the pause history, so a past day sees the pauses as they were then) and the promises
 * to pay open that day.
 */
export async function planCollectionsActions(
  store: RulePlanningPorts,
  tenant: TenantId,
  ruleSet: RuleSet,
  asOf: CalendarDate,
  options: { riskTiers?: RiskTiers; memory?: ReadonlyMap<string, AutomationMemory> } = {},
): Promise<PlanSummary> {
  const [pauses, stored, tags, promises] = await Promise.all([
    store.listPauseHistory(tenant),
    store.loadRiskModel(tenant),
    store.listCustomerTags(tenant),
    promisesInForceFrom(store, tenant, asOf),
  ]);
  const model = stored === undefined ? undefined : fromStoredRiskModel(stored);
  const evaluation: Evaluation = { tasks: [], holds: [], skipped: [] };
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    accounts += 1;
    const status = computeAccountStatus(facts, asOf, {
      renewalWindowDays: ruleSet.renewalWindowDays,
      pause: pauseOn(pauses.get(facts.customer.customerId) ?? [], asOf),
    });
    const memory = options.memory?.get(facts.customer.customerId);
    const context = accountContext(facts, status, {
      riskTier:
        model === undefined
          ? null
          : accountRisk(
              model,
              prepareHistory(facts, promises.get(facts.customer.customerId) ?? []),
              asOf,
              options.riskTiers ?? DEFAULT_TIERS,
            ).tier,
      openTasks: memory?.openTasks ?? [],
      contacts: memory?.contacts ?? [],
      holdUntil: memory?.holdUntil ?? null,
      tags: tags.get(facts.customer.customerId) ?? [],
      promises: promiseHoldsOn(
        promises.get(facts.customer.customerId) ?? [],
        promises.has(facts.customer.customerId) ? buildLedgers(facts.invoices, facts.payments) : [],
        asOf,
      ),
    });
    const result = evaluateRuleSet(ruleSet, [context], asOf);
    evaluation.tasks.push(...result.tasks);
    evaluation.holds.push(...result.holds);
    evaluation.skipped.push(...result.skipped);
  }
  const count = (keys: string[]): Record<string, number> =>
    keys.reduce<Record<string, number>>((acc, key) => ({ ...acc, [key]: (acc[key] ?? 0) + 1 }), {});
  return {
    asOf,
    ruleSet: ruleSet.name,
    accounts,
    tasksByRule: count(evaluation.tasks.map((task) => task.ruleId)),
    tasksByAssignee: count(evaluation.tasks.map((task) => task.assignee)),
    skipped: evaluation.skipped.length,
    evaluation,
  };
}

export type SimulationReport = {
  summaries: SimulationSummary[];
  actions?: PlannedTask[][];
};

export type SimulationOptions = {
  details?: boolean;
  riskTiers?: RiskTiers;
  /** Called every `progressEvery` accounts (500 by default) and once at the end; awaited. */
  onProgress?: (accounts: number) => void | Promise<void>;
  progressEvery?: number;
  /**
   * Awaited after each account under each rule set. A server passes a turn of its event loop here, so
   * requests (health checks among them) are answered while a long replay runs.
   */
  yieldControl?: () => Promise<void>;
};

/**
 * Replays the tenant's history day by day under one or more rule sets (side by side), streaming the
 * accounts so memory holds one page. The risk tier comes from the tenant's current model, refreshed
 * every 30 simulated days; pauses and promises to pay count on the days they were in force; tags are
 * today's.
 */
export async function simulateRuleSets(
  store: RulePlanningPorts,
  tenant: TenantId,
  ruleSets: readonly RuleSet[],
  from: CalendarDate,
  to: CalendarDate,
  options: SimulationOptions = {},
): Promise<SimulationReport> {
  const [stored, pauses, tags, promises] = await Promise.all([
    store.loadRiskModel(tenant),
    store.listPauseHistory(tenant),
    store.listCustomerTags(tenant),
    promisesInForceFrom(store, tenant, from),
  ]);
  const model = stored === undefined ? undefined : fromStoredRiskModel(stored);
  const simulators = ruleSets.map((ruleSet) =>
    createSimulator(ruleSet, from, to, { keepActions: options.details ?? false }),
  );
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    const history =
      model === undefined ? undefined : prepareHistory(facts, promises.get(facts.customer.customerId) ?? []);
    const tierOn = (day: CalendarDate) =>
      model === undefined || history === undefined
        ? null
        : accountRisk(model, history, day, options.riskTiers ?? DEFAULT_TIERS).tier;
    const beyondBilling = {
      pauses: pauses.get(facts.customer.customerId) ?? [],
      tags: tags.get(facts.customer.customerId) ?? [],
      promises: promises.get(facts.customer.customerId) ?? [],
    };
    for (const simulator of simulators) {
      simulator.add(facts, tierOn, beyondBilling);
      await options.yieldControl?.();
    }
    accounts += 1;
    if (accounts % (options.progressEvery ?? 500) === 0) await options.onProgress?.(accounts);
  }
  await options.onProgress?.(accounts);
  return {
    summaries: simulators.map((simulator) => simulator.result()),
    ...(options.details ? { actions: simulators.map((simulator) => simulator.actions) } : {}),
  };
}

/**
 * Evaluates the rule set for every account on `asOf`, remembering earlier runs (open tasks, contacts
 * of the last 30 days, holds), and records the new tasks and holds. Idempotent: a task's id is derived
 * from account, rule, invoice and day, so a second run on the same day creates nothing.
 */
export async function runCollectionsRules(
  store: RulePlanningPorts & TaskStore,
  tenant: TenantId,
  ruleSet: RuleSet,
  ruleSetVersion: number | null,
  asOf: CalendarDate,
  options: { riskTiers?: RiskTiers } = {},
): Promise<PlanSummary & { tasksCreated: number; holdsSet: number }> {
  const memory = await store.getAutomationMemory(tenant, addDays(asOf, -30));
  const plan = await planCollectionsActions(store, tenant, ruleSet, asOf, { ...options, memory });
  const recorded = await store.recordPlannedActions(tenant, plan.evaluation, ruleSetVersion);
  return { ...plan, ...recorded };
}
