import { z } from 'zod';
import { isCalendarDate, type CalendarDate } from '../domain/dates';
import { parseTenantId, type TenantId } from '../domain/model';
import type { JobHandler } from '../ports/queue';
import type { RiskTiers } from '../domain/risk/risk-model';
import { runDailyEvaluation, type DailyPorts } from './daily';
import {
  loadDemoDataset,
  type DemoDatasetDeps,
  type DemoDatasetRequest,
} from '../use-cases/load-demo-dataset';

export const LOAD_DEMO_DATA = 'load-demo-data';

export const loadDemoDataPayload = z.object({
  tenant: z.string().refine((value) => parseTenantId(value) !== undefined, 'invalid tenant id'),
  customers: z.number().int().min(1).max(200000),
  seed: z.number().int().min(0),
  asOf: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
});

/** Same tenant, size, seed and day → same job: a restart while it waits does not load twice. */
export function loadDemoDataJobId(request: DemoDatasetRequest): string {
  return `${LOAD_DEMO_DATA}:${request.tenant}:${request.customers}:${request.seed}:${request.asOf}`;
}

export type LoadDemoDataEvents = {
  /** Builds a fresh dataset folder's writer and reader for one run. */
  openFolder(): Promise<Omit<DemoDatasetDeps, 'store'> & { dispose(): Promise<void> }>;
  /** Called once the day's evaluation has run too: the first screen shows its tasks. */
  onLoaded(request: DemoDatasetRequest, invoices: number, tasksCreated: number): void;
};

/**
 * Loads the demo book, then runs the day's evaluation (risk refit, rules, tasks) before reporting it
 * loaded, so nobody sees "no open tasks" while the first daily run is still to come.
 */
export function createLoadDemoDataHandler(
  store: DailyPorts,
  events: LoadDemoDataEvents,
  options: { riskTiers?: RiskTiers; renewalWindowDays?: number } = {},
): JobHandler {
  return async (payload) => {
    const parsed = loadDemoDataPayload.parse(payload);
    const request: DemoDatasetRequest = {
      tenant: parsed.tenant as TenantId,
      customers: parsed.customers,
      seed: parsed.seed,
      asOf: parsed.asOf as CalendarDate,
    };
    const folder = await events.openFolder();
    try {
      const result = await loadDemoDataset({ store, writer: folder.writer, reader: folder.reader }, request);
      const evaluation = await runDailyEvaluation(store, request.tenant, request.asOf, options);
      events.onLoaded(request, result.rows['invoices.csv'], evaluation.tasksCreated);
    } finally {
      await folder.dispose();
    }
  };
}
