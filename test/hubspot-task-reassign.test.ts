import type { Server } from 'node:http';
import pino from 'pino';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createPgliteStore } from '../src/adapters/postgres';
import { parseConfig } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { processCrmEvent } from '../src/use-cases/crm-events';
import { syncCrm } from '../src/use-cases/crm-sync';
import { diagnose } from '../src/use-cases/doctor';
import { hubspotAppOptions, hubspotTenantResolver, openCrmGateway } from '../server/compose';
import { createHttpApp } from '../server/http/app';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { seedHubspotBook } from './support/hubspot-book';
import { freePort } from './support/processes';

const TENANT = '4242' as TenantId;
const AS_OF = '2026-09-01' as CalendarDate;
const SECRET = 'owner-client-secret';
const FIRST_OWNER = '101';
const NEW_OWNER = '102';
const GONE = '999';
const FALLBACK = '303';

/**
 * Tasks of the company's owner follow the company: HubSpot sends the `hubspot_owner_id` change as a
 * webhook, and the open collections tasks held by `account_owner` move to the new owner.
 */
describe('HubSpot: a reassigned company moves its open collections tasks (emulator → webhook → event)', () => {
  let hs: HubspotEmulator;
  let store: CollectionsStore;
  let server: Server;
  let companies: string[] = [];
  const queued: string[] = [];
  let config: ReturnType<typeof parseConfig>;
  const limiter = createInProcessRateLimiter();

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    hs = await startHubspotEmulator({
      rateLimit: false,
      portalId: Number(TENANT),
      oauth: { clientSecret: SECRET },
      ownerDirectory: [
        { id: FIRST_OWNER, email: 'first@example.com' },
        { id: NEW_OWNER, email: 'second@example.com' },
        { id: FALLBACK, email: 'finance@example.com' },
      ],
      webhooks: { targetUrl: `${base}/webhooks/hubspot`, properties: ['hubspot_owner_id'] },
    });
    store = await createPgliteStore();
    await store.migrate();
    companies = await seedHubspotBook(hs, store, TENANT, AS_OF);
    for (const company of companies) hs.userEdit('companies', company, { hubspot_owner_id: FIRST_OWNER });
    config = parseConfig({
      HUBSPOT_ACCESS_TOKEN: hs.accessToken ?? '',
      HUBSPOT_API_BASE: hs.url,
      HUBSPOT_PORTAL_ID: TENANT,
      HUBSPOT_CLIENT_SECRET: SECRET,
      // The finance owner named is no owner of the portal: its tasks go to the fallback owner.
      HUBSPOT_FINANCE_OWNER_ID: GONE,
      HUBSPOT_FALLBACK_OWNER_ID: FALLBACK,
      DEFAULT_TENANT: TENANT,
      PUBLIC_BASE_URL: base,
    });
    const app = createHttpApp({
      store,
      state: { startedAt: Date.now(), demo: { state: 'off', tenant: TENANT }, shuttingDown: false },
      logger: pino({ level: 'silent' }),
      api: {
        signingSecret: SECRET,
        publicBaseUrl: base,
        revopsUsers: [],
        demoTenant: TENANT,
        today: () => AS_OF,
        resolveTenant: hubspotTenantResolver(config, store),
      },
      hubspotApp: hubspotAppOptions(
        config,
        store,
        (tenant) => openCrmGateway(config, store, tenant, limiter),
        async (_tenant, eventId) => {
          queued.push(eventId);
        },
      ),
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
    });
    const gateway = await openCrmGateway(config, store, TENANT, limiter);
    await gateway?.ensureSchema();
  }, 120000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await hs.close();
  });

  async function deliverAndApply(): Promise<string[]> {
    const statuses = await hs.flushWebhooks();
    expect(statuses.every((status) => status === 200)).toBe(true);
    const outcomes: string[] = [];
    while (queued.length > 0) {
      const eventId = queued.shift() as string;
      outcomes.push(
        await processCrmEvent(store, TENANT, eventId, {
          today: AS_OF,
          gateway: () => openCrmGateway(config, store, TENANT, limiter),
        }),
      );
    }
    return outcomes;
  }

  const ownerInHubspot = (crmTaskId: string | null) =>
    hs.object('tasks', crmTaskId ?? '')?.properties['hubspot_owner_id'] ?? null;

  it('tasks are created with owners, and the owner tasks of a reassigned company move', async () => {
    await deliverAndApply();
    const gateway = await openCrmGateway(config, store, TENANT, limiter);
    if (gateway === undefined) throw new Error('no HubSpot gateway');
    const report = await syncCrm(store, gateway, TENANT, AS_OF);
    expect(report.stopped).toBeNull();

    const open = (await store.listTasks(TENANT, { state: 'open' })).filter((task) => task.crmTaskId !== null);
    const companyOf = (crmTaskId: string | null) =>
      hs.associations('tasks', crmTaskId ?? '', 'companies')[0]?.toObjectId ?? '';
    const ownerTasks = open.filter((task) => task.assignee === 'account_owner');
    const financeTasks = open.filter((task) => task.assignee === 'finance_queue');
    expect(ownerTasks.length).toBeGreaterThan(0);
    expect(financeTasks.length).toBeGreaterThan(0);
    for (const task of ownerTasks) expect(ownerInHubspot(task.crmTaskId)).toBe(FIRST_OWNER);
    for (const task of financeTasks) expect(ownerInHubspot(task.crmTaskId)).toBe(FALLBACK);
    const doctor = await diagnose(store, {
      tenants: [TENANT],
      now: new Date('2026-09-01T12:00:00Z'),
      billingSources: [],
      requiredScopes: {},
    });
    const fellBack = doctor.tenants[0]?.integrations
      .find((entry) => entry.integration === 'hubspot')
      ?.findings.find((finding) => finding.check === 'task_owner_fallbacks');
    expect(fellBack?.count).toBe(financeTasks.length);
    expect(fellBack?.fix).toContain('`finance_queue` is not an active user');

    const moved = ownerTasks[0];
    if (moved === undefined) throw new Error('no owner task');
    const company = companyOf(moved.crmTaskId);
    hs.userEdit('companies', company, { hubspot_owner_id: NEW_OWNER });
    const outcomes = await deliverAndApply();
    expect(outcomes.some((outcome) => outcome.startsWith('moved '))).toBe(true);

    for (const task of open) {
      const expected =
        task.assignee === 'finance_queue'
          ? FALLBACK
          : task.assignee !== 'account_owner'
            ? null
            : task.customerId === moved.customerId
              ? NEW_OWNER
              : FIRST_OWNER;
      expect({ task: task.actionId, owner: ownerInHubspot(task.crmTaskId) }).toEqual({
        task: task.actionId,
        owner: expected,
      });
    }

    // The owners the event wrote are remembered: the sync's own owner check writes nothing more.
    hs.resetStats();
    const after = await syncCrm(store, gateway, TENANT, AS_OF);
    expect(after.tasksReassigned).toBe(0);
    expect(hs.stats().byRoute['POST /crm/v3/objects/tasks/batch/update']).toBeUndefined();
  }, 120000);
});
