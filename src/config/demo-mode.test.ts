import { parseConfig } from './config';
import { demoModeRefusal, isDemoMode, isLoopbackHost } from './demo-mode';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '192.168.1.10',
    '10.0.0.1',
    'example.com',
    'localhost.example.com',
    '128.0.0.1',
  ])('%s is not', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('demoModeRefusal', () => {
  it('lets demo mode start on the default loopback address', () => {
    expect(demoModeRefusal(parseConfig({}))).toBeUndefined();
    expect(demoModeRefusal(parseConfig({ HOST: '::1', NODE_ENV: 'test' }))).toBeUndefined();
  });

  it('refuses demo mode on an address other machines reach, naming the variable, why and what to set', () => {
    const refusal = demoModeRefusal(parseConfig({ HOST: '0.0.0.0' }));
    expect(refusal?.problems.map((problem) => problem.variable)).toEqual(['HUBSPOT_CLIENT_SECRET']);
    expect(refusal?.message).toContain('demo mode');
    expect(refusal?.message).toContain('HOST=0.0.0.0');
    expect(refusal?.message).toContain('HOST=127.0.0.1');
  });

  it('refuses demo mode with NODE_ENV=production, even on loopback', () => {
    const refusal = demoModeRefusal(parseConfig({ NODE_ENV: 'production' }));
    expect(refusal?.message).toContain('NODE_ENV=production');
    expect(refusal?.message).toContain('Set HUBSPOT_CLIENT_SECRET');
  });

  it('starts anywhere once requests are signed (HUBSPOT_CLIENT_SECRET set)', () => {
    expect(
      demoModeRefusal(
        parseConfig({ HOST: '0.0.0.0', NODE_ENV: 'production', HUBSPOT_CLIENT_SECRET: 'app-secret' }),
      ),
    ).toBeUndefined();
  });

  it('is not demo mode with Salesforce connected: such a server starts anywhere and takes sessions only', () => {
    const salesforceOnly = parseConfig({
      HOST: '0.0.0.0',
      NODE_ENV: 'production',
      SALESFORCE_CLIENT_ID: 'connected-app-id',
      SALESFORCE_CLIENT_SECRET: 'connected-app-secret',
    });
    expect(isDemoMode(salesforceOnly)).toBe(false);
    expect(demoModeRefusal(salesforceOnly)).toBeUndefined();
    expect(isDemoMode(parseConfig({}))).toBe(true);
  });
});
