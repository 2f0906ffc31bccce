import { z } from 'zod';
import { calendarDate } from './common';

/** The simulated impact of one rule set over the preview's window. */
export const impact = z
  .object({
    tasks: z.number().int(),
    accountsContacted: z.number().int(),
    contactsInRenewalWindow: z.number().int(),
    peakTasksPerAssignee: z.object({ assignee: z.string(), tasks: z.number().int() }).nullable(),
    maxContactsPerAccountWeek: z.number(),
    contactCapPerWeek: z.number(),
  })
  .meta({ id: 'Impact' });

/** The proposal against the active version over the last 90 days; `token` goes with the activation. */
export const activationPreview = z
  .object({
    token: z.string(),
    identicalToActive: z.boolean(),
    against: z.object({ version: z.number().int(), label: z.string() }),
    proposed: z.object({ label: z.string() }),
    from: calendarDate,
    to: calendarDate,
    windowDays: z.number().int(),
    impact: z.object({ active: impact, proposed: impact }),
    rules: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        active: z.object({ tasks: z.number().int() }),
        proposed: z.object({ tasks: z.number().int() }),
      }),
    ),
  })
  .meta({ id: 'ActivationPreview' });

export const activationPreviewResponse = z
  .object({ ok: z.literal(true), preview: activationPreview })
  .meta({ id: 'ActivationPreviewResponse' });
