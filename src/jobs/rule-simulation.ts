import { z } from 'zod';
import { isCalendarDate, type CalendarDate } from '../domain/dates';
import { parseTenantId, type TenantId } from '../domain/model';
import type { RiskTiers } from '../domain/risk/risk-model';
import { validateRuleSet, type RuleSet } from '../domain/rules/rule-set';
import { MAX_JOB_SIMULATION_DAYS, simulationSpanProblem } from '../domain/rules/simulate';
import { PermanentJobError, type JobHandler, type JobQueue } from '../ports/queue';
import type { RuleSimulations } from '../ports/rule-simulations';
import { simulateRuleSets, type RulePlanningPorts } from '../use-cases/collections-rules';

export const RULE_SIMULATION = 'rule-simulation';

const payload = z.object({
  tenant: z.string().refine((value) => parseTenantId(value) !== undefined, 'invalid tenant id'),
  simulationId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
});

/** What a simulation job replays: the rule sets side by side (the proposal first), over a span. */
export const ruleSimulationRequest = z.object({
  ruleSets: z.array(z.unknown()).min(1).max(2),
  from: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  to: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  /** What each column compares (a stored version or what it is), named when the job was asked for. */
  labels: z.object({ baseline: z.string().nullable(), proposed: z.string() }).optional(),
});

export type RuleSimulationRequest = {
  ruleSets: RuleSet[];
  from: CalendarDate;
  to: CalendarDate;
  labels?: { baseline: string | null; proposed: string };
};

/** Simulations nobody asked about for a week are dropped when the tenant starts another. */
export const RULE_SIMULATION_KEPT_MS = 7 * 86_400_000;

/** Stores the request as queued and queues its job (one per simulation id). */
export async function startRuleSimulation(
  store: RuleSimulations,
  queue: JobQueue,
  tenant: TenantId,
  simulationId: string,
  request: RuleSimulationRequest,
  now: Date,
): Promise<void> {
  await store.createRuleSimulation(
    tenant,
    simulationId,
    request,
    new Date(now.getTime() - RULE_SIMULATION_KEPT_MS),
  );
  await queue.enqueue(
    RULE_SIMULATION,
    { tenant, simulationId },
    { jobId: `${RULE_SIMULATION}:${tenant}:${simulationId}`, attempts: 1 },
  );
}

function readRequest(stored: unknown): RuleSimulationRequest {
  const parsed = ruleSimulationRequest.safeParse(stored);
  if (!parsed.success) throw new PermanentJobError('the stored simulation request is not valid');
  const ruleSets = parsed.data.ruleSets.map((body) => {
    const result = validateRuleSet(body);
    if (!result.ok) throw new PermanentJobError('a stored rule set no longer validates');
    return result.ruleSet;
  });
  const from = parsed.data.from as CalendarDate;
  const to = parsed.data.to as CalendarDate;
  const span = simulationSpanProblem(from, to, MAX_JOB_SIMULATION_DAYS);
  if (span !== undefined) throw new PermanentJobError(`${span.path}: ${span.message}`);
  return { ruleSets, from, to };
}

/**
 * Runs a stored simulation and keeps its progress and result beside it, so any server process
 * answers a poll. The replay hands the event loop back after every account (`yieldControl`). A
 * failure, or a shutdown part way, is recorded as the simulation's end: the client starts it again.
 */
export function createRuleSimulationHandler(deps: {
  store: RuleSimulations & RulePlanningPorts;
  yieldControl: () => Promise<void>;
  riskTiers?: RiskTiers;
  /** Progress is written every this many accounts. */
  progressEvery?: number;
}): JobHandler {
  return async (raw, context) => {
    const job = payload.parse(raw);
    const tenant = job.tenant as TenantId;
    const stored = await deps.store.getRuleSimulation(tenant, job.simulationId);
    if (stored === undefined) throw new PermanentJobError(`unknown simulation ${job.simulationId}`);
    if (stored.state === 'done' || stored.state === 'failed') return;
    try {
      const request = readRequest(stored.request);
      const total = (await deps.store.counts(tenant)).customers;
      await deps.store.updateRuleSimulation(tenant, job.simulationId, {
        state: 'running',
        accountsDone: 0,
        accountsTotal: total,
      });
      const report = await simulateRuleSets(deps.store, tenant, request.ruleSets, request.from, request.to, {
        ...(deps.riskTiers === undefined ? {} : { riskTiers: deps.riskTiers }),
        progressEvery: deps.progressEvery ?? 25,
        onProgress: (accounts) =>
          deps.store.updateRuleSimulation(tenant, job.simulationId, {
            state: 'running',
            accountsDone: accounts,
            accountsTotal: Math.max(total, accounts),
          }),
        yieldControl: async () => {
          if (context.signal.aborted) throw new Error('interrupted: the worker stopped; start it again');
          await deps.yieldControl();
        },
      });
      await deps.store.updateRuleSimulation(tenant, job.simulationId, {
        state: 'done',
        accountsDone: report.summaries[0]?.accounts ?? 0,
        result: { summaries: report.summaries },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await deps.store.updateRuleSimulation(tenant, job.simulationId, {
        state: 'failed',
        error: message.slice(0, 500),
      });
      throw error instanceof PermanentJobError ? error : new PermanentJobError(message, { cause: error });
    }
  };
}
