import type { AuditLog } from '../../src/ports/audit-log';
import type { AutomationStore } from '../../src/ports/automation';
import type { LedgerStore } from '../../src/ports/ledger';
import { date, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('AutomationStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: AutomationStore;
  let setup: LedgerStore & AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('pauses and resumes automation per account, tenant-scoped, for known customers only', async () => {
    const tenant = newTenant();
    const other = newTenant();
    await importData(setup, tenant, sampleDataset());
    const pause = {
      reason: 'renewal call next week',
      until: date('2026-12-01'),
      actor: 'csm@example.com',
      startedOn: date('2026-11-02'),
    };
    expect(await store.pauseAutomation(tenant, 'C-404', pause)).toBe('unknown_customer');
    expect(await store.pauseAutomation(tenant, 'C-1', pause)).toBe('paused');
    expect(await store.getAutomationPause(tenant, 'C-1')).toEqual({
      reason: pause.reason,
      until: '2026-12-01',
    });
    expect(await store.getAutomationPause(other, 'C-1')).toBeNull();
    await store.pauseAutomation(tenant, 'C-1', {
      ...pause,
      reason: 'longer',
      until: date('2027-01-15'),
      startedOn: date('2026-11-20'),
    });
    expect([...(await store.listAutomationPauses(tenant)).entries()]).toEqual([
      ['C-1', { reason: 'longer', until: '2027-01-15' }],
    ]);
    expect((await store.listAutomationPauses(other)).size).toBe(0);
    expect(await store.resumeAutomation(tenant, 'C-1', 'csm@example.com', date('2026-12-24'))).toBe(true);
    expect(await store.resumeAutomation(tenant, 'C-1', 'csm@example.com')).toBe(false);
    expect(await store.getAutomationPause(tenant, 'C-1')).toBeNull();
    // History keeps each pause with its start and the day it was lifted (replaced, then resumed).
    expect([...(await store.listPauseHistory(tenant)).entries()]).toEqual([
      [
        'C-1',
        [
          {
            reason: 'renewal call next week',
            startedOn: '2026-11-02',
            until: '2026-12-01',
            endedOn: '2026-11-20',
          },
          { reason: 'longer', startedOn: '2026-11-20', until: '2027-01-15', endedOn: '2026-12-24' },
        ],
      ],
    ]);
    expect((await store.listPauseHistory(tenant, ['C-2'])).size).toBe(0);
    expect((await store.listPauseHistory(other)).size).toBe(0);
  });

  it('keeps rule sets as immutable, audited versions with one active, and rolls back', async () => {
    const tenant = newTenant();
    // Version 0, the default playbook, is active before anything is stored.
    const initial = await store.getActiveRuleSet(tenant);
    expect(initial).toMatchObject({ version: 0, active: true, source: null, createdBy: 'system' });
    expect((initial.body as { name: string }).name).toBe('Default collections playbook');
    const first = await store.activateNewRuleSet(
      tenant,
      { name: 'v1', rules: [] },
      'revops@example.com',
      'first',
      {
        source: '# first try\nname: v1\nrules: []\n',
      },
    );
    const second = await store.activateNewRuleSet(
      tenant,
      { name: 'v2', rules: [] },
      'revops@example.com',
      'tighter',
    );
    expect(first.outcome === 'activated' && second.outcome === 'activated').toBe(true);
    if (first.outcome !== 'activated' || second.outcome !== 'activated') return;
    expect([first.version.version, second.version.version]).toEqual([1, 2]);
    expect(first.version.source).toBe('# first try\nname: v1\nrules: []\n');
    expect(second.version.source).toBeNull();
    expect((await store.getActiveRuleSet(tenant)).version).toBe(2);
    expect(await store.reactivateRuleSet(tenant, 9, 'revops@example.com', 'nope')).toBeUndefined();
    const rolledBack = await store.reactivateRuleSet(tenant, 1, 'revops@example.com', 'too many tasks');
    expect(rolledBack).toMatchObject({
      version: 1,
      active: true,
      body: { name: 'v1', rules: [] },
      note: 'first',
    });
    expect((await store.listRuleSetVersions(tenant)).map((v) => [v.version, v.active, v.createdBy])).toEqual([
      [0, false, 'system'],
      [1, true, 'revops@example.com'],
      [2, false, 'revops@example.com'],
    ]);
    expect((await store.getRuleSetVersion(tenant, 2))?.body).toEqual({ name: 'v2', rules: [] });
    expect((await store.getRuleSetVersion(tenant, 1))?.source).toBe('# first try\nname: v1\nrules: []\n');
    const untouched = await store.listRuleSetVersions(newTenant());
    expect(untouched.map((v) => [v.version, v.active, v.activatedAt])).toEqual([[0, true, null]]);
    const events = await setup.listEvents(tenant);
    expect(events.map((event) => [event.kind, event.subject, event.payload])).toEqual([
      ['rule_set_rolled_back', 'rule-set:1', { version: 1, note: 'too many tasks' }],
      ['rule_set_activated', 'rule-set:2', { version: 2, note: 'tighter' }],
      ['rule_set_activated', 'rule-set:1', { version: 1, note: 'first' }],
    ]);
    expect(await setup.listEvents(tenant, { subject: 'rule-set:2' })).toHaveLength(1);
  });

  it('rolls back to version 0 and activates only while the version the caller saw is active', async () => {
    const tenant = newTenant();
    const first = await store.activateNewRuleSet(tenant, { name: 'v1', rules: [] }, 'ana', 'start', {
      ifActiveVersion: 0,
    });
    expect(first).toMatchObject({ outcome: 'activated', version: { version: 1, active: true } });
    const stale = await store.activateNewRuleSet(tenant, { name: 'v2', rules: [] }, 'ben', 'late', {
      ifActiveVersion: 0,
    });
    expect(stale).toEqual({ outcome: 'active_changed', active: 1 });
    expect((await store.listRuleSetVersions(tenant)).map((v) => v.version)).toEqual([0, 1]);
    const zero = await store.reactivateRuleSet(tenant, 0, 'ana', 'back to the default');
    expect(zero).toMatchObject({ version: 0, active: true, createdBy: 'system' });
    expect((zero?.body as { name: string }).name).toBe('Default collections playbook');
    expect(typeof zero?.activatedAt).toBe('string');
    expect((await store.getActiveRuleSet(tenant)).version).toBe(0);
    const next = await store.activateNewRuleSet(tenant, { name: 'v2', rules: [] }, 'ben', 'again', {
      ifActiveVersion: 0,
    });
    expect(next).toMatchObject({ outcome: 'activated', version: { version: 2 } });
  });
});
