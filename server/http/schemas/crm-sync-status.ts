import { z } from 'zod';

const state = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('running') }),
  z.object({ kind: z.literal('missing_scopes'), until: z.string(), scopes: z.array(z.string()) }),
  z.object({ kind: z.literal('reconnect'), until: z.string(), reason: z.string() }),
  z.object({ kind: z.literal('limit'), until: z.string(), reason: z.string() }),
]);

export const crmSyncStatusResponse = z
  .object({
    ok: z.literal(true),
    connections: z.array(z.object({ crm: z.enum(['hubspot', 'salesforce']), state })),
  })
  .meta({ id: 'CrmSyncStatusResponse' });
