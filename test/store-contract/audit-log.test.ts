import type { AuditLog } from '../../src/ports/audit-log';
import type { AutomationStore } from '../../src/ports/automation';
import type { LedgerStore } from '../../src/ports/ledger';
import { date, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('AuditLog contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: AuditLog;
  let setup: LedgerStore & AutomationStore;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it("lists a tenant's events newest first, by subject and up to a limit", async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    const pause = { reason: 'renewal call', until: date('2026-12-01'), actor: 'csm@example.com' };
    await setup.pauseAutomation(tenant, 'C-1', pause);
    await setup.pauseAutomation(tenant, 'C-2', pause);
    await setup.resumeAutomation(tenant, 'C-1', 'lead@example.com');

    const ofC1 = await store.listEvents(tenant, { subject: 'C-1' });
    expect(ofC1.map((event) => [event.kind, event.actor])).toEqual([
      ['automation_resumed', 'lead@example.com'],
      ['automation_paused', 'csm@example.com'],
    ]);
    expect(ofC1[1]).toMatchObject({
      subject: 'C-1',
      payload: { reason: 'renewal call', until: '2026-12-01' },
    });
    expect(ofC1[0]?.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const newest = await store.listEvents(tenant, { limit: 2 });
    expect(newest.map((event) => event.subject)).toEqual(['C-1', 'C-2']);
    const ids = newest.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect((await store.listEvents(tenant)).length).toBeGreaterThan(3);
    expect(await store.listEvents(newTenant())).toEqual([]);
  });
});
