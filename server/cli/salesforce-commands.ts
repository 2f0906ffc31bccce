import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../../src/config/config';
import type { TenantId } from '../../src/domain/model';
import { ensureLaunchSecret, saveTokens } from '../../src/use-cases/crm-installation';
import {
  openLocks,
  openSalesforceGateway,
  openSalesforceOAuth,
  openSecretCipher,
  salesforceJwtLogin,
} from '../compose';
import { defaultTenant, print, tenantOption, UsageError, withStore } from './shared';

const newLaunchSecret = () => randomBytes(32).toString('base64url');

function registerConnect(salesforce: Command): void {
  salesforce
    .command('connect')
    .description('connect an org as the integration user with the JWT bearer flow (SALESFORCE_JWT_*)')
    .option('--jwt', 'use the JWT bearer flow (the only flow a command line can run)', false)
    .option('--tenant <tenant>', 'tenant (default: the org id)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { jwt: boolean; tenant?: TenantId; json: boolean }) => {
      const config = loadConfig();
      if (!options.jwt)
        throw new UsageError('--jwt: an interactive login goes through GET /oauth/salesforce/install');
      const oauth = openSalesforceOAuth(config);
      const cipher = openSecretCipher(config);
      if (oauth === undefined || cipher === undefined)
        throw new UsageError(
          'SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY must be set',
        );
      const tokens = await salesforceJwtLogin(config, oauth);
      const locks = await openLocks(config);
      try {
        const outcome = await withStore(async (store) => {
          const tenant =
            options.tenant ??
            (await store.getCrmInstallation('salesforce', tokens.accountId))?.tenant ??
            (tokens.accountId as TenantId);
          const installation = await saveTokens(store, cipher, 'salesforce', tokens, tenant);
          const gateway = await openSalesforceGateway(config, store, tenant, locks);
          const schema = await gateway?.ensureSchema();
          const launch = await ensureLaunchSecret(store, cipher, installation, newLaunchSecret);
          return {
            tenant,
            fields: schema?.existing.length ?? 0,
            launchSecret: launch.created ? launch.secret : null,
          };
        });
        print(
          options,
          { ok: true, org: tokens.accountId, ...outcome },
          () =>
            `Connected org ${tokens.accountId} as tenant ${outcome.tenant}; the package's ${outcome.fields} fields are in place.` +
            (outcome.launchSecret === null
              ? ''
              : `\nSet the Collections_Settings__mdt record "Default": Backend_Url__c = ${config.publicBaseUrl}, Launch_Secret__c = ${outcome.launchSecret}`),
        );
      } finally {
        await locks.close();
      }
    });
}

function registerLaunchSecret(salesforce: Command): void {
  salesforce
    .command('launch-secret')
    .description("the org's secret for the embedded views' launch tokens (for Collections_Settings__mdt)")
    .option('--tenant <tenant>', 'tenant (the org)', tenantOption)
    .option('--rotate', 'issue a new secret (the old one stops working at once)', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; rotate: boolean; json: boolean }) => {
      const config = loadConfig();
      const cipher = openSecretCipher(config);
      if (cipher === undefined) throw new UsageError('TOKEN_ENCRYPTION_KEY: not set');
      const tenant = options.tenant ?? defaultTenant();
      const result = await withStore(async (store) => {
        const installation = await store.getCrmInstallationForTenant(tenant, 'salesforce');
        if (installation === undefined) throw new UsageError(`${tenant}: no Salesforce org is connected`);
        const launch = await ensureLaunchSecret(store, cipher, installation, newLaunchSecret, {
          rotate: options.rotate,
        });
        return { org: installation.accountId, ...launch };
      });
      print(
        options,
        { tenant, ...result },
        () =>
          `Org ${result.org}: Launch_Secret__c = ${result.secret}${result.created ? ' (new)' : ''}; Backend_Url__c = ${config.publicBaseUrl}`,
      );
    });
}

/** `salesforce connect|launch-secret`: the org, connected with the JWT bearer flow, and its launch secret. */
export function registerSalesforceCommands(program: Command): void {
  const salesforce = program
    .command('salesforce')
    .description('the Salesforce org: OAuth (GET /oauth/salesforce/install) or the JWT bearer flow');
  registerConnect(salesforce);
  registerLaunchSecret(salesforce);
}
