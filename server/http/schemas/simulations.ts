import { z } from 'zod';
import { calendarDate } from './common';

export const simulationSummary = z
  .object({
    from: calendarDate,
    to: calendarDate,
    days: z.number().int(),
    accounts: z.number().int(),
    tasks: z.number().int(),
    /** Every rule of the simulated set, 0 for one that never fired. */
    tasksByRule: z.record(z.string(), z.number()),
    accountsContacted: z.number().int(),
    contacts: z.number().int(),
    contactsInRenewalWindow: z.number().int(),
    accountsHeldForDisputes: z.number().int(),
    skippedByRail: z.record(z.string(), z.number()),
    /** The sum of `skippedByRail`. */
    accountsSkippedByRails: z.number().int(),
    /** The most automated contacts one account had in one week, and the set's cap. */
    contactsPerAccountWeek: z.object({ max: z.number(), cap: z.number() }),
    peakTasksPerAssigneePerWeek: z.record(z.string(), z.object({ week: z.string(), tasks: z.number() })),
  })
  .meta({ id: 'SimulationSummary' });

/** What each column compares: the proposal and what it is compared with (null: nothing). */
export const simulationLabels = z
  .object({ baseline: z.string().nullable(), proposed: z.string() })
  .meta({ id: 'SimulationLabels' });

export const simulateResponse = z
  .object({ ok: z.literal(true), labels: simulationLabels, summaries: z.array(simulationSummary) })
  .meta({ id: 'SimulateResponse' });

/** A simulation run as a job, as polled. */
export const simulationJob = z
  .object({
    id: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    from: z.unknown(),
    to: z.unknown(),
    accounts: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
    labels: simulationLabels.optional(),
    summaries: z.array(simulationSummary).optional(),
    error: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** Where to poll it. */
    poll: z.string(),
  })
  .meta({ id: 'SimulationJob' });

export const simulationJobResponse = z
  .object({ ok: z.literal(true), simulation: simulationJob })
  .meta({ id: 'SimulationJobResponse' });
