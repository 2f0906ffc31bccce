import { z } from 'zod';
import type { CalendarDate } from '../domain/dates';
import { parseTenantId, type TenantId } from '../domain/model';
import type { RiskTiers } from '../domain/risk/risk-model';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set';
import { validateRuleSet } from '../domain/rules/rule-set';
import type { JobHandler, JobQueue } from '../ports/queue';
import type { CollectionsStore } from '../ports/store';
import { runCollectionsRules } from '../use-cases/collections-rules';
import { refitTenantRiskModel } from '../use-cases/payment-risk';
import { refreshPortfolioSnapshots } from '../use-cases/portfolio-trend';
import { enqueueAccountRefresh } from './crm-jobs';

export const DAILY_TENANT = 'daily-tenant';

/** One job per tenant and day: a tenant's failure never holds up another's, and a day runs once. */
export async function enqueueDailyRun(queue: JobQueue, tenant: TenantId, today: CalendarDate): Promise<void> {
  await queue.enqueue(
    DAILY_TENANT,
    { tenant, day: today },
    { jobId: `${DAILY_TENANT}:${tenant}:${today}`, attempts: 3 },
  );
}

const payload = z.object({
  tenant: z.string().refine((value) => parseTenantId(value) !== undefined, 'invalid tenant id'),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});

export type DailyRunSummary = {
  tenant: TenantId;
  day: CalendarDate;
  /** Invoices the refitted payment-risk model learned from. */
  riskTrainingSize: number;
  tasksCreated: number;
  holdsSet: number;
  /** Days whose portfolio snapshot was taken: the day's own, and the trend's missing or stale month-ends. */
  portfolioSnapshots: number;
};

/**
 * The day's evaluation of a tenant: the payment-risk model refitted on what happened, then the active
 * rule set (the default until RevOps activates one) run for the day, recording its tasks and holds.
 * Idempotent for a day (task ids are derived from account, rule, invoice and day).
 */
export async function runDailyEvaluation(
  store: CollectionsStore,
  tenant: TenantId,
  day: CalendarDate,
  options: { riskTiers?: RiskTiers } = {},
): Promise<Omit<DailyRunSummary, 'tenant' | 'day' | 'portfolioSnapshots'>> {
  const model = await refitTenantRiskModel(store, tenant, day);
  const active = await store.getActiveRuleSet(tenant);
  const parsed = validateRuleSet(active?.body ?? DEFAULT_RULE_SET);
  if (!parsed.ok) throw new Error(`the active rule set of ${tenant} no longer validates`);
  const result = await runCollectionsRules(store, tenant, parsed.ruleSet, active?.version ?? null, day, {
    ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
  });
  return {
    riskTrainingSize: model.trainingSize,
    tasksCreated: result.tasksCreated,
    holdsSet: result.holdsSet,
  };
}

/**
 * The daily re-evaluation of a tenant: the payment-risk model refitted on what happened, the active
 * rule set (the default until RevOps activates one) run for the day, then the cards and CRM records
 * refreshed (statuses move with the calendar: days past due, renewal windows), and the day's portfolio
 * snapshot taken with the trend's month-ends that are missing or stale.
 */
export function createDailyRunHandler(deps: {
  store: CollectionsStore;
  queue: JobQueue;
  riskTiers?: RiskTiers;
  onDone?: (summary: DailyRunSummary) => void;
}): JobHandler {
  return async (raw) => {
    const job = payload.parse(raw);
    const tenant = job.tenant as TenantId;
    const day = job.day as CalendarDate;
    const result = await runDailyEvaluation(deps.store, tenant, day, {
      ...(deps.riskTiers === undefined ? {} : { riskTiers: deps.riskTiers }),
    });
    await enqueueAccountRefresh(deps.queue, tenant);
    const snapshots = await refreshPortfolioSnapshots(
      { book: deps.store, snapshots: deps.store },
      tenant,
      day,
    );
    deps.onDone?.({ tenant, day, ...result, portfolioSnapshots: snapshots.length });
  };
}
