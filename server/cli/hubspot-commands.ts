import type { Command } from 'commander';
import { loadConfig } from '../../src/config/config';
import type { TenantId } from '../../src/domain/model';
import { installCrmSchema } from '../../src/use-cases/crm-schema';
import { openCrmGateway, openRateLimiter } from '../compose';
import { defaultTenant, EXIT, ExitCode, print, tenantOption, UsageError, withStore } from './shared';

/** `hubspot install`: the portal's collections properties, through OAuth or a private-app token. */
export function registerHubspotCommands(program: Command): void {
  const hubspot = program
    .command('hubspot')
    .description('the HubSpot portal: OAuth installation, or a private-app token (HUBSPOT_ACCESS_TOKEN)');
  hubspot
    .command('install')
    .description('create the collections property group and properties on companies and deals (idempotent)')
    .option('--tenant <tenant>', 'tenant (the portal)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const config = loadConfig();
      const tenant = options.tenant ?? defaultTenant();
      const limiter = await openRateLimiter(config);
      try {
        const outcome = await withStore(async (store) => {
          const gateway = await openCrmGateway(config, store, tenant, limiter);
          if (gateway === undefined)
            throw new UsageError(
              `${tenant}: not installed through OAuth (GET /oauth/hubspot/install) and HUBSPOT_ACCESS_TOKEN is not set for the default tenant`,
            );
          const installation = await store.getCrmInstallationForTenant(tenant, 'hubspot');
          if (installation === undefined)
            // Private-app mode: the installation row carries the portal's sync pause.
            await store.saveCrmInstallation({
              tenant,
              crm: 'hubspot',
              accountId: config.crm.hubspotPortalId ?? `private-app:${tenant}`,
              accessTokenEnc: null,
              refreshTokenEnc: null,
              expiresAt: null,
              scopes: [],
              installedBy: 'cli',
              syncPause: null,
            });
          return {
            result: await installCrmSchema(store, tenant, gateway),
            requests: gateway.stats().requests,
          };
        });
        const blocked = outcome.result.blocked ?? [];
        print(options, { ok: blocked.length === 0, ...outcome.result, apiRequests: outcome.requests }, () =>
          [
            outcome.result.created.length === 0
              ? `Already installed: ${outcome.result.existing.length} properties and groups in place.`
              : `Created ${outcome.result.created.length} (${outcome.result.created.join(', ')}); ${outcome.result.existing.length} already there.`,
            ...blocked.map((block) => `Not created: ${block.problem}. ${block.fix}.`),
          ].join('\n'),
        );
        // What an admin archived is not created; the rest is, and a later install finishes the job.
        if (blocked.length > 0) throw new ExitCode(EXIT.incomplete);
      } finally {
        await limiter.close();
      }
    });
}
