import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { TenantId } from '../../src/domain/model';
import type { CrmGateway, CrmOwnerProperty } from '../../src/ports/crm-gateway';
import type { CollectionsStore } from '../../src/ports/store';
import { badInput } from './api-answers';
import { fail } from './api-errors';

export type TaskOwnerRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => { tenant: TenantId; user: string; revops: boolean };
  /** The tenant's CRM, to list the company properties that hold a user; absent: none can be listed. */
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>;
  /** The deployment's CSM property (HUBSPOT_CSM_PROPERTY), used while a tenant has chosen nothing. */
  defaultCsmProperty?: string;
};

export const choice = z
  .object({
    csmProperty: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,99}$/, 'a company property internal name, e.g. csm_owner')
      .nullable(),
  })
  .strict();

const CRM = 'hubspot';

/**
 * The settings page's task owners: which company property names each company's CSM. `GET` answers the
 * choice in force and the company's user properties to choose from; `POST` (RevOps) chooses one, or
 * none. The next sync gives open CSM tasks to the CSMs the new property names.
 */
export function createTaskOwnersRouter(options: TaskOwnerRouteOptions): Router {
  const router = express.Router();
  const ownerProperties = async (
    tenant: TenantId,
  ): Promise<{ properties: CrmOwnerProperty[] } | { unavailable: string }> => {
    const gateway = await options.gatewayFor?.(tenant);
    if (gateway?.ownerProperties === undefined || gateway.name !== CRM)
      return { unavailable: 'HubSpot is not connected for this portal' };
    try {
      return { properties: await gateway.ownerProperties() };
    } catch (error) {
      return {
        unavailable: `HubSpot's company properties could not be read: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };

  router.get('/settings/task-owners', async (_request, response) => {
    const { tenant } = options.context(response);
    const [chosen, listed] = await Promise.all([
      options.store.getCrmOwnerSettings(tenant, CRM),
      ownerProperties(tenant),
    ]);
    response.json({
      ok: true,
      crm: CRM,
      csmProperty: chosen === undefined ? (options.defaultCsmProperty ?? null) : chosen.csmProperty,
      chosen: chosen === undefined ? null : { by: chosen.updatedBy, at: chosen.updatedAt.toISOString() },
      defaultCsmProperty: options.defaultCsmProperty ?? null,
      properties: 'properties' in listed ? listed.properties : null,
      unavailable: 'unavailable' in listed ? listed.unavailable : null,
    });
  });

  router.post('/settings/task-owners', async (request, response) => {
    const { tenant, user, revops } = options.context(response);
    if (!revops) {
      fail(response, { code: 'forbidden', message: 'only RevOps may choose who takes the tasks' }, 403);
      return;
    }
    const parsed = choice.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    const { csmProperty } = parsed.data;
    if (csmProperty !== null) {
      const listed = await ownerProperties(tenant);
      if ('unavailable' in listed)
        return fail(response, {
          code: 'unavailable',
          path: 'csmProperty',
          message: `cannot check the property: ${listed.unavailable}`,
        });
      if (!listed.properties.some((property) => property.name === csmProperty))
        return fail(response, {
          code: 'invalid_request',
          path: 'csmProperty',
          message: `${csmProperty} is not a company property holding a HubSpot user`,
        });
    }
    await options.store.saveCrmOwnerSettings(tenant, CRM, { csmProperty }, user);
    response.json({ ok: true, csmProperty });
  });
  return router;
}
