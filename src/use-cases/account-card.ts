import {
  computeAccountStatus,
  DEFAULT_RENEWAL_WINDOW_DAYS,
  type AccountStatus,
} from '../domain/account-status';
import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { prepareHistory } from '../domain/risk/features';
import {
  accountRisk,
  DEFAULT_TIERS,
  fromStoredRiskModel,
  type AccountRisk,
  type RiskTiers,
} from '../domain/risk/risk-model';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set';
import { accountContext, evaluateRuleSet, type PlannedTask } from '../domain/rules/evaluate';
import { validateRuleSet } from '../domain/rules/rule-set';
import { stableId } from '../domain/terms/stable-id';
import type { CollectionsStore, StoredTask } from '../ports/store';

export type AccountCard = {
  customerId: string;
  name: string | null;
  status: AccountStatus;
  risk: AccountRisk | null;
  /** The first task the active rule set would create today, if any. */
  nextStep: PlannedTask | null;
  openTasks: StoredTask[];
};

/**
 * The collections picture of the billing customer behind a CRM company, for the cards: computed from
 * the store only (never from the billing system or the CRM while a card loads).
 */
export async function getAccountCardByCrmId(
  store: CollectionsStore,
  tenant: TenantId,
  crmCompanyId: string,
  asOf: CalendarDate,
  options: { riskTiers?: RiskTiers } = {},
): Promise<AccountCard | undefined> {
  const customerId = await store.findCustomerIdByCrmId(tenant, crmCompanyId);
  if (customerId === undefined) return undefined;
  const [facts, pause, stored, active, openTasks] = await Promise.all([
    store.getAccountFacts(tenant, customerId),
    store.getAutomationPause(tenant, customerId),
    store.loadRiskModel(tenant),
    store.getActiveRuleSet(tenant),
    store.listTasks(tenant, { customerId, state: 'open' }),
  ]);
  if (facts === undefined) return undefined;
  const parsed = validateRuleSet(active?.body ?? DEFAULT_RULE_SET);
  const ruleSet = parsed.ok ? parsed.ruleSet : undefined;
  const status = computeAccountStatus(facts, asOf, {
    renewalWindowDays: ruleSet?.renewalWindowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS,
    pause,
  });
  const risk =
    stored === undefined
      ? null
      : accountRisk(
          fromStoredRiskModel(stored),
          prepareHistory(facts),
          asOf,
          options.riskTiers ?? DEFAULT_TIERS,
        );
  let nextStep: PlannedTask | null = null;
  if (ruleSet !== undefined) {
    const context = accountContext(facts, status, {
      riskTier: risk?.tier ?? null,
      openTasks: openTasks.map((task) => ({ ruleId: task.ruleId, invoiceId: task.invoiceId })),
      contacts: [],
      holdUntil: null,
    });
    nextStep = evaluateRuleSet(ruleSet, [context], asOf).tasks[0] ?? null;
  }
  return { customerId, name: facts.customer.name, status, risk, nextStep, openTasks };
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
  store: CollectionsStore,
  tenant: TenantId,
  crmCompanyId: string,
  task: ManualTask,
  today: CalendarDate,
): Promise<PlannedTask | undefined> {
  const customerId = await store.findCustomerIdByCrmId(tenant, crmCompanyId);
  if (customerId === undefined) return undefined;
  const planned: PlannedTask = {
    actionId: `manual:${customerId}:${stableId(JSON.stringify([task, today]))}`,
    customerId,
    ruleId: 'manual',
    invoiceId: null,
    plannedOn: today,
    assignee: task.assignee,
    title: task.title,
    body: task.body ?? '',
    dueOn: task.dueOn < today ? today : task.dueOn,
    priority: task.priority,
    tone: null,
    dunningStage: null,
    requireReview: false,
    reason: `created by ${task.assignee} from the CRM card`,
  };
  await store.recordPlannedActions(tenant, { tasks: [planned], holds: [] }, null);
  return planned;
}
