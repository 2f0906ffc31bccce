import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createHubspotGateway, withKey } from '../src/adapters/hubspot/hubspot-gateway';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

describe('HubSpot associations v4 batch read: every page is followed (emulator pages by 2)', () => {
  let hs: HubspotEmulator;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ rateLimit: false, associationsPageSize: 2 });
  });
  afterAll(() => hs.close());

  it('finds all five tasks of a company, and the one task of another, by their keys', async () => {
    const busy = hs.createCompany({ name: 'Busy' });
    const quiet = hs.createCompany({ name: 'Quiet' });
    const expected = new Map<string, string>();
    for (const index of [1, 2, 3, 4, 5]) {
      const key = `busy-${index}`;
      expected.set(
        key,
        hs.createTask({ hs_task_subject: key, hs_task_body: withKey('', key) }, { companyId: busy }),
      );
    }
    expected.set(
      'quiet-1',
      hs.createTask({ hs_task_subject: 'q', hs_task_body: withKey('', 'quiet-1') }, { companyId: quiet }),
    );

    const gateway = createHubspotGateway({
      accessToken: hs.accessToken as string,
      limiter: createInProcessRateLimiter(),
      limiterKey: 'hubspot:4242',
      basePath: hs.url,
      timeZones: new Map([['hubspot:4242', { timeZone: 'UTC', fetchedAt: Date.now() }]]),
    });
    const found = await gateway.findTasks(
      [...expected.keys()].map((key) => ({ key, companyId: key.startsWith('busy') ? busy : quiet })),
    );
    expect(found).toEqual(expected);
    // 5 associations at 2 a page: three reads for the busy company (the quiet one fits the first).
    expect(hs.stats().byRoute['POST /crm/v4/associations/companies/tasks/batch/read']).toBe(3);
  });
});
