import express, { type Router } from 'express';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import { diagnose, type DoctorReport } from '../../src/use-cases/doctor';
import { localCallersOnly } from './local-import';

import { LOCAL_DOCTOR_PATH } from './local-routes';

export { LOCAL_DOCTOR_PATH } from './local-routes';

export type DoctorOptions = Omit<Parameters<typeof diagnose>[1], 'now' | 'tenants'>;

/**
 * `collections doctor` while this server owns the embedded store: the CLI may not open it beside the
 * server, so the server runs the same checks (same host, lock-file token).
 */
export function createLocalDoctorRouter(options: {
  token: string;
  store: CollectionsStore;
  doctor: DoctorOptions;
}): Router {
  const router = express.Router();
  router.get(LOCAL_DOCTOR_PATH, localCallersOnly(options.token), async (request, response) => {
    const asked = typeof request.query.tenant === 'string' ? request.query.tenant : undefined;
    const tenant: TenantId | undefined = asked === undefined ? undefined : parseTenantId(asked);
    if (asked !== undefined && tenant === undefined) {
      response.status(422).json({ error: 'invalid_request', field: 'tenant', message: 'not a tenant id' });
      return;
    }
    const report: DoctorReport = await diagnose(options.store, {
      ...options.doctor,
      now: new Date(),
      ...(tenant === undefined ? {} : { tenants: [tenant] }),
    });
    response.json(report);
  });
  return router;
}
