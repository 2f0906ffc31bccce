import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createPgliteStore } from '../src/adapters/postgres';
import type { TenantId } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { installCrmSchema } from '../src/use-cases/crm-schema';
import { diagnose } from '../src/use-cases/doctor';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const TENANT = '4242' as TenantId;

/** A fresh emulator and store for a describe block, and a gateway onto them (portal time zone known). */
function emulatedPortal() {
  const portal = {} as { hs: HubspotEmulator; store: CollectionsStore };
  beforeAll(async () => {
    portal.hs = await startHubspotEmulator({ rateLimit: false });
    portal.store = await createPgliteStore();
    await portal.store.migrate();
  });
  afterAll(async () => {
    await portal.store.close();
    await portal.hs.close();
  });
  const gateway = () =>
    createHubspotGateway({
      accessToken: portal.hs.accessToken as string,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: portal.hs.url,
      timeZones: new Map([['hubspot:4242', { timeZone: 'UTC', fetchedAt: Date.now() }]]),
    });
  return { portal, gateway };
}

/**
 * HubSpot keeps an archived property's name: creating it again answers 409, and its v3 API has no
 * restore. Install must go on with the rest, say which property an admin must restore, and stay
 * idempotent; the doctor lists it until an install finds it back.
 */
describe('HubSpot install after an admin archived one of our properties (emulator answers 409)', () => {
  const { portal, gateway } = emulatedPortal();

  const doctorFinding = async () => {
    const report = await diagnose(portal.store, {
      tenants: [TENANT],
      now: new Date('2026-09-01T12:00:00Z'),
      billingSources: [],
      requiredScopes: {},
    });
    return report.tenants[0]?.integrations
      .find((entry) => entry.integration === 'hubspot')
      ?.findings.find((finding) => finding.check === 'crm_schema_archived');
  };

  it('reports the archived property, creates the rest, and a second install changes nothing', async () => {
    const first = await installCrmSchema(portal.store, TENANT, gateway());
    expect(first.blocked).toBeUndefined();
    expect(first.created).toContain('companies.collections_risk_score');

    // An admin deletes (archives) two of our properties in HubSpot's settings.
    for (const name of ['collections_risk_score', 'collections_currency']) {
      const response = await fetch(`${portal.hs.url}/crm/v3/properties/companies/${name}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${portal.hs.accessToken ?? ''}` },
      });
      expect(response.status).toBe(204);
    }

    const again = await installCrmSchema(portal.store, TENANT, gateway());
    expect(again.created).toEqual([]);
    expect((again.blocked ?? []).map((block) => block.name).sort()).toEqual([
      'companies.collections_currency',
      'companies.collections_risk_score',
    ]);
    const block = again.blocked?.find((entry) => entry.name === 'companies.collections_risk_score');
    expect(block?.problem).toContain('`collections_risk_score` was archived');
    expect(block?.fix).toContain('Archived properties › Restore');
    // Nothing else is touched: every other property is still there, active.
    expect(again.existing).toContain('companies.collections_status');
    expect(portal.hs.properties('companies').filter((p) => p.name === 'collections_risk_score')).toHaveLength(
      1,
    );

    const finding = await doctorFinding();
    expect(finding?.severity).toBe('error');
    expect(finding?.count).toBe(2);
    expect(finding?.problem).toContain('companies.collections_currency, companies.collections_risk_score');

    const third = await installCrmSchema(portal.store, TENANT, gateway());
    expect(third).toEqual(again);
    expect((await doctorFinding())?.count).toBe(2);
  });
});

/**
 * An archived property group keeps its name too (HubSpot's "Archive a property group": moved to the
 * recycling bin), and properties cannot be created in it: install reports the group, creates nothing
 * for that object type, goes on with the others, and stays idempotent.
 */
describe('HubSpot install after an admin archived our property group (emulator answers 409)', () => {
  const { portal, gateway } = emulatedPortal();

  it('reports the deals group, installs the companies schema, and a second install changes nothing', async () => {
    // An admin archives the group before the app is installed (left from an earlier install).
    const createdGroup = await fetch(`${portal.hs.url}/crm/v3/properties/deals/groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${portal.hs.accessToken ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'collections', label: 'Collections' }),
    });
    expect(createdGroup.status).toBe(201);
    const archived = await fetch(`${portal.hs.url}/crm/v3/properties/deals/groups/collections`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${portal.hs.accessToken ?? ''}` },
    });
    expect(archived.status).toBe(204);

    const first = await installCrmSchema(portal.store, TENANT, gateway());
    expect(first.blocked?.map((block) => block.name)).toEqual(['deals:group']);
    expect(first.blocked?.[0]?.problem).toContain('deal property group `collections` was archived');
    expect(first.blocked?.[0]?.fix).toContain('Archived groups › Restore');
    // Nothing of ours was created on deals; companies got their group and properties.
    expect([...first.created, ...first.existing].filter((name) => name.startsWith('deals'))).toEqual([]);
    expect(first.created).toContain('companies:group');
    expect(first.created).toContain('companies.collections_status');
    expect(portal.hs.properties('deals').some((property) => property.name.startsWith('collections_'))).toBe(
      false,
    );

    const report = await diagnose(portal.store, {
      tenants: [TENANT],
      now: new Date('2026-09-01T12:00:00Z'),
      billingSources: [],
      requiredScopes: {},
    });
    const finding = report.tenants[0]?.integrations
      .find((entry) => entry.integration === 'hubspot')
      ?.findings.find((entry) => entry.check === 'crm_schema_archived');
    expect(finding?.count).toBe(1);
    expect(finding?.problem).toContain('deals:group');

    const second = await installCrmSchema(portal.store, TENANT, gateway());
    expect(second.blocked?.map((block) => block.name)).toEqual(['deals:group']);
    expect(second.created).toEqual([]);
    expect(second.existing).toContain('companies.collections_status');
  });
});
