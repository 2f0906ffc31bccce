import { z } from 'zod';
import type { CalendarDate } from '../domain/dates';
import { parseTenantId, type TenantId } from '../domain/model';
import type { RiskTiers } from '../domain/risk/risk-model';
import type { JobHandler, JobQueue } from '../ports/queue';
import { loadActiveRules } from '../use-cases/renewal-window';
import type { PortfolioSnapshotStore } from '../ports/portfolio-snapshots';
import type { RiskModelStore } from '../ports/risk-models';
import type { TaskStore } from '../ports/tasks';
import type { TermsStore } from '../ports/terms';
import { runCollectionsRules, type RulePlanningPorts } from '../use-cases/collections-rules';
import { refitTenantRiskModel } from '../use-cases/payment-risk';
import { evaluatePromises } from '../use-cases/promises';
import { refreshPortfolioSnapshots } from '../use-cases/portfolio-trend';
import { enqueueAccountRefresh } from './crm-jobs';

/** What a day's evaluation of a tenant reads and records. */
export type DailyPorts = RulePlanningPorts & TaskStore & RiskModelStore & TermsStore;

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
  store: DailyPorts,
  tenant: TenantId,
  day: CalendarDate,
  options: { riskTiers?: RiskTiers; renewalWindowDays?: number } = {},
): Promise<Omit<DailyRunSummary, 'tenant' | 'day' | 'portfolioSnapshots'>> {
  const model = await refitTenantRiskModel(store, tenant, day);
  // Promises decided today are settled first, so one kept or past its deadline no longer holds reminders.
  await evaluatePromises(store, tenant, day);
  const active = await loadActiveRules(store, tenant, options.renewalWindowDays);
  if (active.ruleSet === undefined) throw new Error(`the active rule set of ${tenant} no longer validates`);
  const result = await runCollectionsRules(store, tenant, active.ruleSet, active.version, day, {
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
  store: DailyPorts & PortfolioSnapshotStore;
  queue: JobQueue;
  riskTiers?: RiskTiers;
  /** RENEWAL_WINDOW_DAYS: the default playbook's renewal window. */
  renewalWindowDays?: number;
  onDone?: (summary: DailyRunSummary) => void;
}): JobHandler {
  return async (raw) => {
    const job = payload.parse(raw);
    const tenant = job.tenant as TenantId;
    const day = job.day as CalendarDate;
    const result = await runDailyEvaluation(deps.store, tenant, day, {
      ...(deps.riskTiers === undefined ? {} : { riskTiers: deps.riskTiers }),
      ...(deps.renewalWindowDays === undefined ? {} : { renewalWindowDays: deps.renewalWindowDays }),
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
