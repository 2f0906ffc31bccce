import { createHubspotOAuth } from '../src/adapters/hubspot/hubspot-oauth';
import { APP_SCOPES } from '../src/adapters/hubspot/properties';
import { IntegrationError } from '../src/ports/crm-gateway';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';

const REDIRECT = 'https://collections.example.com/oauth/hubspot/callback';
/** HubSpot's changelog "v1 OAuth API Deprecation": the v1 endpoints stop on this day. */
const V1_RETIRED = Date.UTC(2027, 1, 16);

describe('HubSpot OAuth through the dated 2026-03 endpoints (emulator)', () => {
  let hs: HubspotEmulator;

  beforeAll(async () => {
    hs = await startHubspotEmulator({ accessToken: null, rateLimit: false, clock: V1_RETIRED - 86_400_000 });
  });
  afterAll(() => hs.close());
  beforeEach(() => {
    hs.clock.set(V1_RETIRED - 86_400_000);
    hs.resetStats();
  });

  const oauth = () => createHubspotOAuth({ ...hs.oauthClient, basePath: hs.url, now: () => hs.clock.now() });

  it('exchanges a code: the portal and scopes come from the token answer, no v1 call is made', async () => {
    const scopes = [...APP_SCOPES];
    const tokens = await oauth().exchangeCode(hs.mintAuthCode({ redirectUri: REDIRECT, scopes }), REDIRECT);
    expect(tokens).toMatchObject({ accountId: String(hs.portalId), scopes, user: 'emulator@example.com' });
    expect(tokens.expiresAt.getTime()).toBe(hs.clock.now() + 1800 * 1000);
    const routes = Object.keys(hs.stats().byRoute).sort();
    expect(routes).toEqual(['POST /oauth/2026-03/token', 'POST /oauth/2026-03/token/introspect']);
  });

  it('refreshes with one call to the dated token endpoint and keeps the refresh token', async () => {
    const first = await oauth().exchangeCode(hs.mintAuthCode({ redirectUri: REDIRECT }), REDIRECT);
    hs.resetStats();
    const renewed = await oauth().refresh(first.refreshToken as string);
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(renewed).toMatchObject({ refreshToken: first.refreshToken, accountId: String(hs.portalId) });
    expect(hs.stats().byRoute).toEqual({ 'POST /oauth/2026-03/token': 1 });
  });

  it('keeps installing and refreshing after the v1 endpoints are retired', async () => {
    hs.clock.set(V1_RETIRED + 1000);
    const v1 = await fetch(`${hs.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'x',
        ...hs.oauthClient,
      }).toString(),
    });
    expect(v1.status).toBe(404);
    const tokens = await oauth().exchangeCode(hs.mintAuthCode({ redirectUri: REDIRECT }), REDIRECT);
    await expect(oauth().refresh(tokens.refreshToken as string)).resolves.toMatchObject({
      accountId: String(hs.portalId),
    });
  });

  it('a used code is a bad install (invalid); an unknown refresh token needs a reconnect (unauthorized)', async () => {
    const code = hs.mintAuthCode({ redirectUri: REDIRECT });
    await oauth().exchangeCode(code, REDIRECT);
    const reused = await oauth()
      .exchangeCode(code, REDIRECT)
      .catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(IntegrationError);
    expect(reused).toMatchObject({ code: 'invalid' });
    const unknown = await oauth()
      .refresh('na1-not-a-token')
      .catch((error: unknown) => error);
    expect(unknown).toMatchObject({ code: 'unauthorized' });
  });
});
