import { z } from 'zod';

export const taskOwnersResponse = z
  .object({
    ok: z.literal(true),
    crm: z.literal('hubspot'),
    csmProperty: z.string().nullable(),
    chosen: z.object({ by: z.string(), at: z.string() }).nullable(),
    defaultCsmProperty: z.string().nullable(),
    properties: z.array(z.object({ name: z.string(), label: z.string() })).nullable(),
    unavailable: z.string().nullable(),
  })
  .meta({ id: 'TaskOwnersResponse' });

export const taskOwnerChoiceResponse = z
  .object({ ok: z.literal(true), csmProperty: z.string().nullable() })
  .meta({ id: 'TaskOwnerChoiceResponse' });
