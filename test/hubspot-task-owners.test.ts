import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import type { HubspotTaskOwners } from '../src/adapters/hubspot/task-owners';
import type { CrmTaskInput } from '../src/ports/crm-gateway';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const DUE = Date.parse('2026-09-08T09:00:00Z');

/** Owner ids are HubSpot's (GET /crm/v3/owners `id`); these are the emulator's portal's owners. */
const AE = '101';
const CSM = '202';
const FINANCE = '303';
const FALLBACK = '404';

describe('HubSpot task owners: rule assignees become hubspot_owner_id (emulator with the Owners API)', () => {
  let hs: HubspotEmulator;

  beforeAll(async () => {
    hs = await startHubspotEmulator({
      rateLimit: false,
      ownerDirectory: [
        { id: AE, email: 'ae@example.com' },
        { id: CSM, email: 'csm@example.com' },
        { id: FINANCE, email: 'finance@example.com' },
        { id: FALLBACK, email: 'fallback@example.com' },
        { id: '505', email: 'left@example.com', archived: true },
      ],
    });
  });
  afterAll(() => hs.close());
  beforeEach(() => {
    hs.reset();
    hs.resetStats();
    hs.defineProperty('companies', {
      name: 'csm_owner',
      label: 'CSM',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    });
  });

  const gateway = (taskOwners: HubspotTaskOwners) =>
    createHubspotGateway({
      accessToken: hs.accessToken as string,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      timeZones: new Map([['hubspot:4242', { timeZone: 'UTC', fetchedAt: Date.now() }]]),
      taskOwners,
    });

  const task = (key: string, companyId: string, assignee: string | null): CrmTaskInput => ({
    key,
    companyId,
    subject: `Follow up ${key}`,
    body: '',
    dueMs: DUE,
    priority: 'MEDIUM',
    assignee,
  });

  const ownerOfTask = (crmTaskId: string | undefined) =>
    hs.object('tasks', crmTaskId ?? '')?.properties['hubspot_owner_id'] ?? null;

  it('maps each role to its owner, and what nobody holds to the fallback owner, reported', async () => {
    const owned = hs.createCompany({ name: 'Owned', hubspot_owner_id: AE, csm_owner: CSM });
    const bare = hs.createCompany({ name: 'Bare', csm_owner: 'CSM@example.com' });
    const crm = gateway({ csmProperty: 'csm_owner', financeOwnerId: FINANCE, fallbackOwnerId: FALLBACK });

    const result = await crm.createTasks([
      task('owner', owned, 'account_owner'),
      task('csm-id', owned, 'csm'),
      task('csm-email', bare, 'csm'),
      task('finance', bare, 'finance_queue'),
      task('named', bare, 'user:ae@example.com'),
      task('email', bare, 'AE@Example.com'),
      task('no-owner', bare, 'account_owner'),
      task('left', owned, 'left@example.com'),
      task('stranger', owned, 'nobody@example.com'),
      task('unassigned', owned, null),
    ]);

    const ids = new Map(result.created.map((entry) => [entry.key, entry.crmTaskId]));
    const owners = Object.fromEntries([...ids].map(([key, id]) => [key, ownerOfTask(id)]));
    expect(owners).toEqual({
      owner: AE,
      'csm-id': CSM,
      'csm-email': CSM,
      finance: FINANCE,
      named: AE,
      email: AE,
      'no-owner': FALLBACK,
      left: FALLBACK,
      stranger: FALLBACK,
      unassigned: null,
    });
    expect(result.failed).toEqual([]);
    expect(result.ownerFallbacks).toEqual([
      { key: 'no-owner', assignee: 'account_owner', reason: 'nobody_in_role', ownedBy: 'finance_user' },
      { key: 'left', assignee: 'left@example.com', reason: 'user_not_active', ownedBy: 'finance_user' },
      { key: 'stranger', assignee: 'nobody@example.com', reason: 'user_not_active', ownedBy: 'finance_user' },
    ]);
  });

  it('without configuration, csm and finance_queue tasks get no owner and say why', async () => {
    const owned = hs.createCompany({ name: 'Owned', hubspot_owner_id: AE, csm_owner: CSM });
    const result = await gateway({}).createTasks([
      task('csm', owned, 'csm'),
      task('finance', owned, 'finance_queue'),
      task('owner', owned, 'account_owner'),
    ]);
    const ids = new Map(result.created.map((entry) => [entry.key, entry.crmTaskId]));
    expect(ownerOfTask(ids.get('csm'))).toBeNull();
    expect(ownerOfTask(ids.get('finance'))).toBeNull();
    expect(ownerOfTask(ids.get('owner'))).toBe(AE);
    expect(result.ownerFallbacks).toEqual([
      { key: 'csm', assignee: 'csm', reason: 'role_not_configured', ownedBy: 'integration_user' },
      {
        key: 'finance',
        assignee: 'finance_queue',
        reason: 'role_not_configured',
        ownedBy: 'integration_user',
      },
    ]);
  });

  it('reads the owners directory once for many creates (cached)', async () => {
    const bare = hs.createCompany({ name: 'Bare' });
    const crm = gateway({ financeOwnerId: FINANCE });
    await crm.createTasks([task('a', bare, 'csm@example.com')]);
    await crm.createTasks([task('b', bare, 'finance_queue')]);
    expect(hs.stats().byRoute['GET /crm/v3/owners']).toBe(1);
  });
});
