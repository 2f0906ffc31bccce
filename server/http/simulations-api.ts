import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { isCalendarDate, toDayNumber, type CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { RiskTiers } from '../../src/domain/risk/risk-model';
import type { RuleSet } from '../../src/domain/rules/rule-set';
import {
  MAX_JOB_SIMULATION_DAYS,
  MAX_REQUEST_SIMULATION_DAYS,
  simulationSpanProblem,
} from '../../src/domain/rules/simulate';
import { startRuleSimulation } from '../../src/jobs/rule-simulation';
import type { JobQueue } from '../../src/ports/queue';
import type { StoredRuleSimulation } from '../../src/ports/rule-simulations';
import type { CollectionsStore } from '../../src/ports/store';
import { simulateRuleSets } from '../../src/use-cases/collections-rules';
import { simulationLabels } from '../../src/use-cases/rule-set-activation';
import { MAX_SOURCE_LENGTH } from '../source-document';
import { badInput, proposalFields, proposalOrFail, ruleSetOrFail } from './api-answers';
import { fail } from './api-errors';

/**
 * Accounts × days × rule sets one request may replay (about five seconds of work): the rest runs as
 * a job. With the workspace's default (90 days, proposal against the active set) that is 2,200 accounts.
 */
export const MAX_REQUEST_SIMULATION_WORK = 400_000;

const JOBS_ROUTE = '/api/v1/rules/simulations';

export type SimulationRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => { tenant: TenantId };
  queue?: JobQueue;
  riskTiers?: RiskTiers;
  now?: () => number;
};

export const simulation = z.object({
  ...proposalFields,
  against: z.unknown().optional(),
  /** The set to compare with, as its text (the workspace sends what it shows). */
  againstSource: z.string().max(MAX_SOURCE_LENGTH).optional(),
  from: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  to: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
});

/** A turn of the event loop: other requests are answered between two accounts of a replay. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Proposal = { ruleSets: RuleSet[]; from: CalendarDate; to: CalendarDate };

/** What each column of a simulation compares: a version (`v3 (active, "…")`), or what it is. */
export type SimulationLabels = { baseline: string | null; proposed: string };

/** The validated body, or undefined with the problem answered (as the settings page expects it). */
function readProposal(request: Request, response: Response, maxDays: number): Proposal | undefined {
  const parsed = simulation.safeParse(request.body);
  if (!parsed.success) {
    badInput(response, parsed.error);
    return undefined;
  }
  const ruleSet = proposalOrFail(response, parsed.data)?.ruleSet;
  if (ruleSet === undefined) return undefined;
  const hasAgainst = parsed.data.against !== undefined || parsed.data.againstSource !== undefined;
  const against = hasAgainst
    ? againstOrFail(response, parsed.data.against, parsed.data.againstSource)
    : undefined;
  if (hasAgainst && against === undefined) return undefined;
  const from = parsed.data.from as CalendarDate;
  const to = parsed.data.to as CalendarDate;
  const span = simulationSpanProblem(from, to, maxDays);
  if (span !== undefined) {
    const hint =
      maxDays < MAX_JOB_SIMULATION_DAYS
        ? `; POST ${JOBS_ROUTE} replays up to ${MAX_JOB_SIMULATION_DAYS} days as a job`
        : '';
    fail(response, { path: span.path, code: 'span_too_long', message: `${span.message}${hint}` }, 422);
    return undefined;
  }
  return { ruleSets: against === undefined ? [ruleSet] : [ruleSet, against], from, to };
}

/** The set to compare with, sent parsed (`against`) or as text (`againstSource`). */
function againstOrFail(response: Response, against: unknown, againstSource: string | undefined) {
  if (againstSource === undefined) return ruleSetOrFail(response, against, 'against');
  const read = proposalOrFail(response, { source: againstSource });
  return read?.ruleSet;
}

function simulationView(stored: StoredRuleSimulation) {
  const request = stored.request as { from?: unknown; to?: unknown; labels?: unknown };
  const result = stored.result as { summaries?: unknown } | null;
  return {
    id: stored.simulationId,
    state: stored.state,
    from: request.from,
    to: request.to,
    accounts: { done: stored.accountsDone, total: stored.accountsTotal },
    ...(request.labels === undefined ? {} : { labels: request.labels }),
    ...(result?.summaries === undefined ? {} : { summaries: result.summaries }),
    ...(stored.error === null ? {} : { error: stored.error }),
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    poll: `${JOBS_ROUTE}/${stored.simulationId}`,
  };
}

/**
 * Replays of history under proposed rule sets. A request answers a bounded replay itself (a span of at
 * most a year and a bounded book); longer or bigger ones run as a job whose progress and result are
 * polled. Either way the replay yields the event loop after every account.
 */
export function createSimulationsRouter(options: SimulationRouteOptions): Router {
  const router = express.Router();
  router.post('/rules/simulate', async (request, response) => {
    const proposal = readProposal(request, response, MAX_REQUEST_SIMULATION_DAYS);
    if (proposal === undefined) return;
    const { tenant } = options.context(response);
    const accounts = (await options.store.counts(tenant)).customers;
    const days = toDayNumber(proposal.to) - toDayNumber(proposal.from) + 1;
    const work = accounts * days * proposal.ruleSets.length;
    if (work > MAX_REQUEST_SIMULATION_WORK)
      return fail(
        response,
        {
          code: 'simulation_too_large',
          message:
            `${accounts} accounts × ${days} days × ${proposal.ruleSets.length} rule set(s) is more than one ` +
            `request replays (${MAX_REQUEST_SIMULATION_WORK} account-days); POST ${JOBS_ROUTE} runs it as a job`,
        },
        422,
      );
    const [proposed, baseline] = proposal.ruleSets;
    if (proposed === undefined) throw new Error('a simulation without a rule set');
    const labels = await simulationLabels(options.store, tenant, proposed, baseline);
    const report = await simulateRuleSets(
      options.store,
      tenant,
      proposal.ruleSets,
      proposal.from,
      proposal.to,
      {
        ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
        yieldControl: nextTurn,
      },
    );
    response.json({ ok: true, labels, summaries: report.summaries });
  });

  router.post('/rules/simulations', async (request, response) => {
    const proposal = readProposal(request, response, MAX_JOB_SIMULATION_DAYS);
    if (proposal === undefined) return;
    if (options.queue === undefined)
      return fail(
        response,
        { code: 'unavailable', message: 'simulation jobs do not run on this server' },
        503,
      );
    const { tenant } = options.context(response);
    const simulationId = randomUUID();
    const [proposed, baseline] = proposal.ruleSets;
    if (proposed === undefined) throw new Error('a simulation without a rule set');
    await startRuleSimulation(
      options.store,
      options.queue,
      tenant,
      simulationId,
      { ...proposal, labels: await simulationLabels(options.store, tenant, proposed, baseline) },
      new Date((options.now ?? Date.now)()),
    );
    const stored = await options.store.getRuleSimulation(tenant, simulationId);
    if (stored === undefined) throw new Error(`simulation ${simulationId} vanished after it was stored`);
    response.status(202).json({ ok: true, simulation: simulationView(stored) });
  });

  router.get('/rules/simulations/:simulationId', async (request, response) => {
    const simulationId = String(request.params['simulationId']);
    const stored = /^[A-Za-z0-9-]{1,64}$/.test(simulationId)
      ? await options.store.getRuleSimulation(options.context(response).tenant, simulationId)
      : undefined;
    if (stored === undefined)
      return fail(response, { code: 'not_found', path: 'simulationId', message: 'unknown simulation' }, 404);
    response.json({ ok: true, simulation: simulationView(stored) });
  });
  return router;
}
