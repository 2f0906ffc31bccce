import { isIP } from 'node:net';
import { ConfigError, type Config } from './config';

/**
 * True for addresses only this machine can reach. A host name other than `localhost` may resolve to
 * anything, so it does not count.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * Demo mode: no CRM is configured at all. A Salesforce-only deployment (its connected app or JWT user
 * configured) is not a demo: its /api/v1 callers come with a workspace session, or are refused.
 */
export function isDemoMode(config: Pick<Config, 'crm'>): boolean {
  return (
    config.crm.hubspotClientSecret === undefined &&
    config.crm.salesforceClientId === undefined &&
    config.crm.salesforceJwt === undefined
  );
}

/**
 * Without HUBSPOT_CLIENT_SECRET nothing can verify who calls /api/v1, so every request gets RevOps
 * rights on the default tenant (demo mode). That is only acceptable on this machine and outside
 * production: the refusal names why and what to set; undefined when the server may start.
 */
export function demoModeRefusal(config: Pick<Config, 'nodeEnv' | 'http' | 'crm'>): ConfigError | undefined {
  if (!isDemoMode(config)) return undefined;
  const why =
    'unset, so /api/v1 runs in demo mode: unauthenticated requests get RevOps rights on the default tenant.';
  const fix =
    'Set HUBSPOT_CLIENT_SECRET (requests must then carry a HubSpot signature) or connect Salesforce (SALESFORCE_CLIENT_ID; requests must then carry a workspace session)';
  if (config.nodeEnv === 'production')
    return new ConfigError([
      {
        variable: 'HUBSPOT_CLIENT_SECRET',
        message: `${why} Demo mode never runs with NODE_ENV=production. ${fix}, or leave NODE_ENV unset for a local demo.`,
      },
    ]);
  if (!isLoopbackHost(config.http.host))
    return new ConfigError([
      {
        variable: 'HUBSPOT_CLIENT_SECRET',
        message: `${why} Demo mode listens on a loopback address only, and HOST=${config.http.host} is reachable from other machines. ${fix}, or set HOST=127.0.0.1.`,
      },
    ]);
  return undefined;
}
