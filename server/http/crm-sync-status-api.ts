import express, { type Response, type Router } from 'express';
import { crmSyncPauseState } from '../../src/domain/crm-sync-pause';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';

export type CrmSyncStatusRouteOptions = {
  store: CollectionsStore;
  now: () => number;
  context: (response: Response) => { tenant: TenantId };
};

/** The settings page shows why the portal's sync is paused and what to do (e.g. scopes to grant). */
export function createCrmSyncStatusRouter(options: CrmSyncStatusRouteOptions): Router {
  const router = express.Router();
  router.get('/crm-sync-status', async (_request, response) => {
    const { tenant } = options.context(response);
    const connections = [];
    for (const crm of ['hubspot', 'salesforce'] as const) {
      const installation = await options.store.getCrmInstallationForTenant(tenant, crm);
      if (installation === undefined) continue;
      const pause = installation.syncPause === null ? null : crmSyncPauseState(installation.syncPause);
      // A limit's pause that has ended is no longer news; a reconnect stays until someone acts.
      const over = pause?.kind === 'limit' && Date.parse(pause.until) <= options.now();
      connections.push({ crm, state: pause === null || over ? { kind: 'running' as const } : pause });
    }
    response.json({ ok: true, connections });
  });
  return router;
}
