import type { Server } from 'node:http';
import pino from 'pino';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import type { CollectionsStore } from '../src/ports/store';
import { syncCrm } from '../src/use-cases/crm-sync';
import { syncTaskOwners } from '../src/use-cases/task-owner-sync';
import { openCrmGateway } from '../server/compose';
import { createHttpApp } from '../server/http/app';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { seedHubspotBook } from './support/hubspot-book';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const OWNER = '101';
const NEW_OWNER = '102';
const CSM = '201';
const NEW_CSM = '202';

/** The default rules, with the request for new card details given to the account's CSM. */
function rulesWithCsmTasks(): unknown {
  type Rule = { id: string; then: { createTask?: { assignee?: string } } };
  const ruleSet = JSON.parse(JSON.stringify(DEFAULT_RULE_SET)) as { rules: Rule[] };
  return {
    ...ruleSet,
    rules: ruleSet.rules.map((rule) =>
      rule.id === 'hard-decline-card-update'
        ? { ...rule, then: { ...rule.then, createTask: { ...rule.then.createTask, assignee: 'csm' } } }
        : rule,
    ),
  };
}

/**
 * The CSM is held in a company property the admin chooses on the settings page. No webhook can name
 * that property, so the CRM sync checks the open tasks' owners: a company whose CSM (or owner, when its
 * webhook was lost) changed gets its open tasks moved, and nothing else is written.
 */
describe('HubSpot task owners: the CSM property chosen on the settings page, followed by the sync', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let server: Server;
  let base = '';
  let companies: string[] = [];
  const limiter = createInProcessRateLimiter();
  let config: ReturnType<typeof parseConfig>;

  beforeAll(async () => {
    hs = await startHubspotEmulator({
      rateLimit: false,
      portalId: Number(TENANT),
      ownerDirectory: [OWNER, NEW_OWNER, CSM, NEW_CSM].map((id) => ({ id, email: `${id}@example.com` })),
    });
    store = await createPgliteStore();
    await store.migrate();
    companies = await seedHubspotBook(hs, store, TENANT, AS_OF, rulesWithCsmTasks());
    hs.defineProperty('companies', {
      name: 'csm_owner',
      label: 'Customer success manager',
      type: 'enumeration',
      fieldType: 'select',
      referencedObjectType: 'OWNER',
      groupName: 'companyinformation',
    });
    // A text property that merely holds an e-mail is no HubSpot user property: it is not offered.
    hs.defineProperty('companies', {
      name: 'csm_email',
      label: 'CSM e-mail',
      type: 'string',
      fieldType: 'text',
      groupName: 'companyinformation',
    });
    for (const company of companies)
      hs.userEdit('companies', company, { hubspot_owner_id: OWNER, csm_owner: CSM });
    config = parseConfig({
      HUBSPOT_ACCESS_TOKEN: hs.accessToken ?? '',
      HUBSPOT_API_BASE: hs.url,
      HUBSPOT_PORTAL_ID: TENANT,
      HUBSPOT_CSM_PROPERTY: 'csm_email',
      DEFAULT_TENANT: TENANT,
    });
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: {
        signingSecret: undefined,
        publicBaseUrl: 'http://127.0.0.1',
        revopsUsers: [],
        demoTenant: TENANT,
        today: () => AS_OF,
        gatewayFor: (tenant) => openCrmGateway(config, store, tenant, limiter),
        defaultCsmProperty: 'csm_email',
      },
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    await (await openCrmGateway(config, store, TENANT, limiter))?.ensureSchema();
  }, 120000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await hs.close();
  });

  const settings = async (body?: unknown) =>
    (await (
      await fetch(`${base}/api/v1/settings/task-owners`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    ).json()) as Record<string, unknown>;

  const sync = async () => {
    const gateway = await openCrmGateway(config, store, TENANT, limiter);
    if (gateway === undefined) throw new Error('no HubSpot gateway');
    hs.resetStats();
    const report = await syncCrm(store, gateway, TENANT, AS_OF);
    expect(report.stopped).toBeNull();
    return { report, byRoute: hs.stats().byRoute };
  };

  const ownerOf = (crmTaskId: string | null) =>
    hs.object('tasks', crmTaskId ?? '')?.properties['hubspot_owner_id'] ?? null;
  const companyOf = (crmTaskId: string | null) =>
    hs.associations('tasks', crmTaskId ?? '', 'companies')[0]?.toObjectId ?? '';

  it('offers the company user properties, keeps the default until one is chosen, and refuses others', async () => {
    const before = await settings();
    expect(before).toMatchObject({ ok: true, csmProperty: 'csm_email', chosen: null, unavailable: null });
    expect((before['properties'] as { name: string }[]).map((property) => property.name).sort()).toEqual([
      'csm_owner',
      'hubspot_owner_id',
    ]);

    expect(await settings({ csmProperty: 'csm_email' })).toMatchObject({
      ok: false,
      error: { path: 'csmProperty', message: 'csm_email is not a company property holding a HubSpot user' },
    });
    expect(await settings({ csmProperty: 'csm_owner' })).toEqual({ ok: true, csmProperty: 'csm_owner' });
    expect(await settings()).toMatchObject({
      csmProperty: 'csm_owner',
      chosen: { by: 'local-demo' },
      defaultCsmProperty: 'csm_email',
    });
  });

  it('creates tasks for the chosen CSM, moves them when the CSM changes, and then writes nothing', async () => {
    const first = await sync();
    const open = (await store.listTasks(TENANT, { state: 'open' })).filter((task) => task.crmTaskId !== null);
    const csmTasks = open.filter((task) => task.assignee === 'csm');
    const ownerTasks = open.filter((task) => task.assignee === 'account_owner');
    expect(first.report.tasksCreated).toBe(open.length);
    expect(csmTasks.length).toBeGreaterThan(0);
    expect(ownerTasks.length).toBeGreaterThan(0);
    for (const task of csmTasks) expect(ownerOf(task.crmTaskId)).toBe(CSM);
    for (const task of ownerTasks) expect(ownerOf(task.crmTaskId)).toBe(OWNER);
    // The owners just given at creation are not written again by the same sync.
    expect(first.report.tasksReassigned).toBe(0);

    // In HubSpot, one company gets a new CSM, another a new owner (whose webhook never came).
    const csmCompany = companyOf(csmTasks[0]?.crmTaskId ?? null);
    const ownerCompany = companyOf(
      ownerTasks.find((task) => companyOf(task.crmTaskId) !== csmCompany)?.crmTaskId ?? null,
    );
    hs.userEdit('companies', csmCompany, { csm_owner: NEW_CSM });
    hs.userEdit('companies', ownerCompany, { hubspot_owner_id: NEW_OWNER });
    const expected = (task: (typeof open)[number]) => {
      const company = companyOf(task.crmTaskId);
      if (task.assignee === 'csm') return company === csmCompany ? NEW_CSM : CSM;
      if (task.assignee === 'account_owner') return company === ownerCompany ? NEW_OWNER : OWNER;
      return ownerOf(task.crmTaskId);
    };
    const moving = open.filter(
      (task) =>
        (task.assignee === 'csm' && companyOf(task.crmTaskId) === csmCompany) ||
        (task.assignee === 'account_owner' && companyOf(task.crmTaskId) === ownerCompany),
    );
    const untouched = new Map(open.map((task) => [task.actionId, expected(task)]));

    const second = await sync();
    expect(moving.length).toBeGreaterThan(1);
    expect(second.report.tasksReassigned).toBe(moving.length);
    for (const task of open)
      expect({ task: task.actionId, owner: ownerOf(task.crmTaskId) }).toEqual({
        task: task.actionId,
        owner: untouched.get(task.actionId),
      });
    expect(second.byRoute['POST /crm/v3/objects/tasks/batch/update']).toBe(1);
    // The companies of the open tasks (fewer than 100) are read in one call.
    expect(second.byRoute['POST /crm/v3/objects/companies/batch/read']).toBe(1);

    const third = await sync();
    expect(third.report.tasksReassigned).toBe(0);
    expect(third.byRoute['POST /crm/v3/objects/tasks/batch/update']).toBeUndefined();
    expect(third.byRoute['POST /crm/v3/objects/companies/batch/read']).toBe(1);
  }, 120000);

  it('keeps the owner of a task made before owners were kept, and follows its changes from then on', async () => {
    const gateway = await openCrmGateway(config, store, TENANT, limiter);
    if (gateway === undefined) throw new Error('no HubSpot gateway');
    const open = (await store.listTasks(TENANT, { state: 'open' })).filter(
      (task) => task.crmTaskId !== null && task.assignee === 'csm',
    );
    const task = open[0];
    if (task === undefined) throw new Error('no open CSM task');
    const company = companyOf(task.crmTaskId);
    // Someone gave the task to the company owner by hand; nothing remembers what was written to it
    // (another name for the CRM: no owners kept under it).
    hs.userEdit('tasks', task.crmTaskId ?? '', { hubspot_owner_id: OWNER });
    const older = { ...gateway, name: 'hubspot-before-owners-were-kept' };
    const reassignment = open.map((entry) => ({
      crmTaskId: entry.crmTaskId ?? '',
      companyId: companyOf(entry.crmTaskId),
      assignee: 'csm',
    }));
    hs.resetStats();
    const first = await syncTaskOwners(store, older, TENANT, reassignment, 'remember');
    expect(first.moved).toBe(0);
    expect(hs.stats().byRoute['POST /crm/v3/objects/tasks/batch/update']).toBeUndefined();
    expect(ownerOf(task.crmTaskId)).toBe(OWNER);

    // Then the company's CSM changes: its tasks follow.
    const current = hs.object('companies', company)?.properties['csm_owner'];
    const next = current === NEW_CSM ? CSM : NEW_CSM;
    hs.userEdit('companies', company, { csm_owner: next });
    const second = await syncTaskOwners(store, older, TENANT, reassignment, 'remember');
    const onCompany = open.filter((entry) => companyOf(entry.crmTaskId) === company);
    expect(second.moved).toBe(onCompany.length);
    for (const entry of onCompany) expect(ownerOf(entry.crmTaskId)).toBe(next);
  }, 60000);
});
