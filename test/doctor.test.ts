import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore, CrmInstallation } from '../src/ports/store';
import { diagnose, WAITING_TOO_LONG_MS, type DoctorReport } from '../src/use-cases/doctor';

const SICK = 'doctor-sick' as TenantId;
const WARNED = 'doctor-warned' as TenantId;
const WELL = 'doctor-well' as TenantId;
const HUBSPOT_SCOPES = ['crm.objects.companies.write', 'crm.objects.deals.write'];

function installation(tenant: TenantId, crm: string, changes: Partial<CrmInstallation>): CrmInstallation {
  return {
    tenant,
    crm,
    accountId: `${crm}-${tenant}`,
    accessTokenEnc: 'sealed',
    refreshTokenEnc: 'sealed',
    expiresAt: null,
    scopes: HUBSPOT_SCOPES,
    installedBy: null,
    syncPause: null,
    ...changes,
  };
}

const checksOf = (report: DoctorReport, tenant: TenantId) =>
  report.tenants
    .find((diagnosis) => diagnosis.tenant === tenant)
    ?.integrations.flatMap((integration) =>
      integration.findings.map((finding) => [integration.integration, finding.check, finding.severity]),
    );

describe('diagnose (collections doctor) on the real store', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const record = (tenant: TenantId, eventId: string) =>
      store.recordWebhookEvent(tenant, 'stripe', { eventId, type: 'invoice.paid', createdMs: 1, body: '{}' });
    await record(SICK, 'evt_failed');
    await store.finishWebhookEvent(SICK, 'stripe', 'evt_failed', 'failed', 'connect ECONNREFUSED');
    await record(SICK, 'evt_waiting');
    await store.saveCrmInstallation(
      installation(SICK, 'hubspot', { scopes: ['crm.objects.companies.write'] }),
    );
    await store.saveCrmInstallation(installation(SICK, 'salesforce', {}));
    await store.setCrmSyncPause(SICK, 'salesforce', {
      kind: 'reconnect',
      code: 'unauthorized',
      count: 3,
      until: '9999-12-31T00:00:00Z',
      reason: 'INVALID_SESSION_ID',
      scopes: [],
    });

    await store.saveCrmInstallation(installation(WARNED, 'hubspot', {}));
    await store.setCrmSyncPause(WARNED, 'hubspot', {
      kind: 'limit',
      code: 'daily_limit',
      count: 1,
      until: new Date(Date.now() + 86400000).toISOString(),
      reason: 'daily limit reached',
      scopes: [],
    });
    const session = await store.beginImport(WARNED);
    await session.stageCustomers([
      {
        line: 1,
        row: {
          customerId: 'C-1',
          name: 'Loose Ltd',
          segment: null,
          owner: null,
          paymentTerms: null,
          country: null,
          crmCompanyId: null,
          createdOn: '2026-01-01' as CalendarDate,
          employees: null,
          fundingStage: null,
        },
      },
    ]);
    await session.commit();
  });
  afterAll(async () => {
    await store.close();
  });

  it('finds each problem with its integration, and only errors make a tenant unhealthy', async () => {
    const report = await diagnose(store, {
      now: new Date(Date.now() + WAITING_TOO_LONG_MS + 60000),
      billingSources: ['stripe'],
      requiredScopes: { hubspot: HUBSPOT_SCOPES },
      alsoTenants: [WELL],
    });
    expect(report.healthy).toBe(false);
    expect(checksOf(report, SICK)).toEqual([
      ['stripe', 'webhook_events_failed', 'error'],
      ['stripe', 'webhook_events_waiting', 'error'],
      ['hubspot', 'crm_missing_scopes', 'error'],
      ['salesforce', 'crm_reconnect_needed', 'error'],
    ]);
    const sick = report.tenants.find((diagnosis) => diagnosis.tenant === SICK);
    expect(sick?.healthy).toBe(false);
    const scopes = sick?.integrations.find((integration) => integration.integration === 'hubspot');
    expect(scopes?.findings[0]?.problem).toContain('crm.objects.deals.write');
    expect(sick?.integrations.find((i) => i.integration === 'stripe')?.findings[0]?.fix).toContain(
      `collections sync stripe --backfill --restart --tenant ${SICK}`,
    );

    // The CRM's typed failure: its code, how many syncs in a row it stopped, and the next attempt.
    const refused = sick?.integrations.find((i) => i.integration === 'salesforce')?.findings[0];
    expect(refused).toMatchObject({
      code: 'unauthorized',
      failures: 3,
      nextAttemptAt: '9999-12-31T00:00:00Z',
    });
    expect(refused?.problem).toContain('INVALID_SESSION_ID');
    expect(refused?.problem).toContain('3 times in a row');

    expect(checksOf(report, WARNED)).toEqual([
      ['mapping', 'unmapped_customers', 'warning'],
      ['hubspot', 'crm_sync_paused', 'warning'],
    ]);
    expect(report.tenants.find((diagnosis) => diagnosis.tenant === WARNED)?.healthy).toBe(true);
    expect(report.tenants.find((diagnosis) => diagnosis.tenant === WELL)).toEqual({
      tenant: WELL,
      healthy: true,
      integrations: [],
    });
  });

  it('events received moments ago are not reported as waiting; --tenant checks one tenant', async () => {
    const report = await diagnose(store, {
      now: new Date(),
      billingSources: ['stripe'],
      requiredScopes: {},
      tenants: [SICK],
    });
    expect(report.tenants.map((diagnosis) => diagnosis.tenant)).toEqual([SICK]);
    expect(checksOf(report, SICK)).toEqual([
      ['stripe', 'webhook_events_failed', 'error'],
      ['salesforce', 'crm_reconnect_needed', 'error'],
    ]);
  });
});
