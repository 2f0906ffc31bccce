import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import {
  createPgliteStore,
  createPostgresStore,
  type DataDirHolder,
  type DataDirOwner,
} from '../src/adapters/postgres';
import type { Config } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import type { LoadDemoDataEvents } from '../src/jobs/load-demo-data';
import type { BillingSource } from '../src/ports/billing-source';
import type { HubspotTaskOwners } from '../src/adapters/hubspot/task-owners';
import { createHubspotOAuth } from '../src/adapters/hubspot/hubspot-oauth';
import { hubspotRequestsPer10s, type HubspotAppKind } from '../src/adapters/hubspot/rate-limits';
import { createSecretCipher, parseEncryptionKey } from '../src/adapters/crypto/secret-cipher';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { parseTenantId, type TenantId } from '../src/domain/model';
import { APP_SCOPES } from '../src/adapters/hubspot/properties';
import type { DoctorOptions } from './http/local-doctor';
import type { CrmOAuth, OAuthTokens, SecretCipher } from '../src/ports/crm-auth';
import { createSalesforceOAuth, type SalesforceOAuth } from '../src/adapters/salesforce/salesforce-oauth';
import type { RateLimiter } from '../src/ports/rate-limiter';
import type { Locks } from '../src/ports/lock';
import { createInProcessLocks } from '../src/adapters/inprocess/locks';
import type { HitCounter } from '../src/ports/hit-counter';
import type { HubspotAppOptions } from './http/hubspot-app';
import type { SalesforceAppOptions } from './http/salesforce-app';
import type { WorkflowActionOptions } from './http/workflow-actions';
import type { SalesforceActionOptions } from './http/salesforce-actions';
import { createAccessTokenProvider } from '../src/use-cases/crm-installation';
import { installCrmSchema } from '../src/use-cases/crm-schema';
import type { CrmGateway } from '../src/ports/crm-gateway';

// The SDK-backed adapters (Redis, Stripe, HubSpot, Salesforce) are loaded when first opened: a process
// that does not use one (the demo, `--help`) does not pay for loading it.

/** Rate budgets shared by every process through Redis when REDIS_URL is set; in-process otherwise. */
export async function openRateLimiter(config: Config): Promise<RateLimiter> {
  if (config.redisUrl === undefined) return createInProcessRateLimiter();
  const { createRedisRateLimiter } = await import('../src/adapters/redis/rate-limiter');
  return createRedisRateLimiter({ url: config.redisUrl });
}

/**
 * The public endpoints' per-client counts, shared by every server process through Redis when REDIS_URL
 * is set; undefined otherwise (each process counts in memory).
 */
export async function openPublicRateLimitCounter(config: Config): Promise<HitCounter | undefined> {
  if (config.redisUrl === undefined) return undefined;
  const { createRedisHitCounter } = await import('../src/adapters/redis/hit-counter');
  return createRedisHitCounter({ url: config.redisUrl });
}

/** Locks shared by every process through Redis when REDIS_URL is set; in-process otherwise. */
export async function openLocks(config: Config): Promise<Locks> {
  if (config.redisUrl === undefined) return createInProcessLocks();
  const { createRedisLocks } = await import('../src/adapters/redis/locks');
  return createRedisLocks({ url: config.redisUrl });
}

/** The cipher for tokens at rest; undefined without TOKEN_ENCRYPTION_KEY. */
export function openSecretCipher(config: Config): SecretCipher | undefined {
  const key = config.crm.tokenEncryptionKey;
  return key === undefined ? undefined : createSecretCipher(parseEncryptionKey(key));
}

/** HubSpot OAuth with the app's client id and secret; undefined without them. */
export function openHubspotOAuth(config: Config): CrmOAuth | undefined {
  const { hubspotClientId, hubspotClientSecret, hubspotApiBase } = config.crm;
  if (hubspotClientId === undefined || hubspotClientSecret === undefined) return undefined;
  return createHubspotOAuth({
    clientId: hubspotClientId,
    clientSecret: hubspotClientSecret,
    ...(hubspotApiBase === undefined ? {} : { basePath: hubspotApiBase.replace(/\/+$/, '') }),
  });
}

/**
 * Who the rules' roles mean in the tenant's portal: the CSM property the admin chose on the settings
 * page (or none), else HUBSPOT_CSM_PROPERTY; the rest from the environment.
 */
export async function hubspotTaskOwnersOf(
  config: Config,
  store: CollectionsStore,
  tenant: TenantId,
): Promise<HubspotTaskOwners> {
  const { csmProperty: fallback, ...rest } = config.crm.hubspotTaskOwners;
  const chosen = await store.getCrmOwnerSettings(tenant, 'hubspot');
  const csmProperty = chosen === undefined ? fallback : (chosen.csmProperty ?? undefined);
  return { ...rest, ...(csmProperty === undefined ? {} : { csmProperty }) };
}

/**
 * The HubSpot portal of a tenant: its OAuth installation (tokens decrypted and refreshed as needed),
 * else the private-app token (HUBSPOT_ACCESS_TOKEN) for the default tenant; undefined when neither.
 */
export async function openCrmGateway(
  config: Config,
  store: CollectionsStore,
  tenant: TenantId,
  limiter: RateLimiter,
  locks: Locks = createInProcessLocks(),
): Promise<CrmGateway | undefined> {
  const crm = config.crm;
  const common = {
    limiter,
    ...(crm.hubspotApiBase === undefined ? {} : { basePath: crm.hubspotApiBase.replace(/\/+$/, '') }),
    taskOwners: await hubspotTaskOwnersOf(config, store, tenant),
  };
  const budget = (kind: HubspotAppKind) => ({
    requests: crm.hubspotRequestsPer10s ?? hubspotRequestsPer10s(crm.hubspotAppKind ?? kind, crm.hubspotTier),
    windowMs: 10000,
  });
  const salesforce = await openSalesforceGateway(config, store, tenant, locks);
  if (salesforce !== undefined) return salesforce;
  const installation = await store.getCrmInstallationForTenant(tenant, 'hubspot');
  if (installation !== undefined && installation.accessTokenEnc !== null) {
    const oauth = openHubspotOAuth(config);
    const cipher = openSecretCipher(config);
    if (oauth === undefined || cipher === undefined)
      throw new Error(
        `${tenant} is installed through OAuth: HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY are needed`,
      );
    const token = createAccessTokenProvider({ store, oauth, cipher, locks });
    const { createHubspotGateway } = await import('../src/adapters/hubspot/hubspot-gateway');
    return createHubspotGateway({
      ...common,
      accessToken: (options) => token(tenant, options),
      limiterKey: `hubspot:${installation.accountId}`,
      rateLimit: budget('marketplace'),
    });
  }
  if (crm.hubspotAccessToken === undefined || tenant !== config.defaultTenant) return undefined;
  const { createHubspotGateway } = await import('../src/adapters/hubspot/hubspot-gateway');
  return createHubspotGateway({
    ...common,
    accessToken: crm.hubspotAccessToken,
    limiterKey: `hubspot:${crm.hubspotPortalId ?? 'private-app'}`,
    rateLimit: budget('private'),
  });
}

/**
 * The tenant of a portal id from a signed request: its installation's tenant; the default tenant for
 * the private-app portal (HUBSPOT_PORTAL_ID). Any other portal is not ours (undefined: refused), so a
 * signature alone never opens a tenant.
 */
export function hubspotTenantResolver(
  config: Config,
  store: CollectionsStore,
): (portalId: string) => Promise<TenantId | undefined> {
  return async (portalId) => {
    const installation = await store.getCrmInstallation('hubspot', portalId);
    if (installation !== undefined) return installation.tenant;
    if (config.crm.hubspotPortalId === portalId) return parseTenantId(config.defaultTenant);
    return undefined;
  };
}

/**
 * Stripe when STRIPE_SECRET_KEY is set; undefined otherwise. With `limiter` (Redis when REDIS_URL is
 * set) every process paces its Stripe requests under one per-account budget.
 */
export async function openBillingSource(
  config: Config,
  hooks: { onThrottled?: (waitMs: number) => void; limiter?: RateLimiter } = {},
): Promise<BillingSource | undefined> {
  const billing = config.billing;
  if (billing.stripeSecretKey === undefined) return undefined;
  const { createStripeSource } = await import('../src/adapters/stripe/stripe-source');
  return createStripeSource({
    secretKey: billing.stripeSecretKey,
    ...(billing.stripeWebhookSecret === undefined ? {} : { webhookSecret: billing.stripeWebhookSecret }),
    ...(billing.stripeApiBase === undefined ? {} : { apiBase: billing.stripeApiBase }),
    maxRequestsPerSecond: billing.stripeMaxRequestsPerSecond,
    timeZone: billing.timeZone,
    crm: billing.crm,
    ...(hooks.onThrottled === undefined ? {} : { onThrottled: hooks.onThrottled }),
    ...(hooks.limiter === undefined ? {} : { limiter: hooks.limiter }),
  });
}

/** Today's calendar date in UTC: the one place the wall clock becomes a domain value. */
export function todayUtc(now: Date = new Date()): CalendarDate {
  return now.toISOString().slice(0, 10) as CalendarDate;
}

/**
 * Opens the configured store and brings its schema up to date. An embedded store is locked for this
 * process while open (`owner` is who another opener is told holds it).
 */
export async function openStore(
  config: Config,
  owner: DataDirOwner = { role: 'collections' },
  onTakeover?: (previous: DataDirHolder) => void,
): Promise<CollectionsStore> {
  const store =
    config.store.kind === 'postgres'
      ? await createPostgresStore({ connectionString: config.store.connectionString })
      : await createPgliteStore({
          dataDir: path.resolve(config.store.dataDir),
          owner,
          ...(onTakeover === undefined ? {} : { onTakeover }),
        });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** A throwaway embedded store in `dir` (backtests), migrated and ready. */
export async function openScratchStore(dir: string): Promise<CollectionsStore> {
  const store = await createPgliteStore({ dataDir: dir });
  await store.migrate();
  return store;
}

/** Jobs in Redis (BullMQ) when REDIS_URL is set, shared by every server and worker; in-process otherwise. */
export async function openQueue(config: Config, onError?: (error: Error) => void): Promise<JobQueue> {
  if (config.redisUrl === undefined) return createInProcessJobQueue();
  const { createBullmqJobQueue } = await import('../src/adapters/redis/job-queue');
  return createBullmqJobQueue({ url: config.redisUrl, ...(onError === undefined ? {} : { onError }) });
}

/** A throwaway dataset folder for generated demo data. */
export function demoDatasetFolders(): LoadDemoDataEvents['openFolder'] {
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-demo-'));
    return {
      writer: await createCsvDatasetWriter(dir),
      reader: createCsvDatasetReader(dir),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  };
}

/** The OAuth install and webhook endpoints of the HubSpot app (needs HUBSPOT_CLIENT_SECRET). */
export function hubspotAppOptions(
  config: Config,
  store: CollectionsStore,
  gatewayFor: (tenant: TenantId) => Promise<CrmGateway | undefined>,
  onEvent: (tenant: TenantId, eventId: string) => Promise<void>,
): Omit<HubspotAppOptions, 'store' | 'logger'> {
  const oauth = openHubspotOAuth(config);
  const cipher = openSecretCipher(config);
  const defaultTenant = parseTenantId(config.defaultTenant) as TenantId;
  return {
    clientSecret: config.crm.hubspotClientSecret ?? '',
    publicBaseUrl: config.publicBaseUrl,
    ...(oauth === undefined ? {} : { oauth }),
    ...(cipher === undefined ? {} : { cipher }),
    // A portal is its own tenant, except the one configured for the default tenant.
    tenantFor: (portalId) =>
      portalId === config.crm.hubspotPortalId ? defaultTenant : (parseTenantId(portalId) ?? defaultTenant),
    // Webhooks count only from installed portals (or the private-app portal).
    resolveTenant: async (portalId) =>
      (await store.getCrmInstallation('hubspot', portalId))?.tenant ??
      (portalId === config.crm.hubspotPortalId ? defaultTenant : undefined),
    onInstalled: async (tenant) => {
      const gateway = await gatewayFor(tenant);
      if (gateway === undefined) throw new Error(`no HubSpot gateway for ${tenant} right after the install`);
      return installCrmSchema(store, tenant, gateway);
    },
    onEvent,
  };
}

/** The HubSpot app's workflow actions: signed with its client secret, open to installed portals only. */
export function hubspotWorkflowActionOptions(
  config: Config,
  store: CollectionsStore,
  gatewayFor?: (tenant: TenantId) => Promise<CrmGateway | undefined>,
): Omit<WorkflowActionOptions, 'store' | 'logger'> {
  return {
    ...(gatewayFor === undefined ? {} : { gatewayFor }),
    clientSecret: config.crm.hubspotClientSecret ?? '',
    publicBaseUrl: config.publicBaseUrl,
    resolveTenant: hubspotTenantResolver(config, store),
    today: () => todayUtc(),
    cardOptions: { riskTiers: config.riskTiers, renewalWindowDays: config.renewalWindowDays },
    promiseGraceDays: config.promiseGraceDays,
  };
}

/** Salesforce OAuth (web-server flow with PKCE, refresh rotation; JWT bearer); undefined without the app. */
export function openSalesforceOAuth(config: Config): SalesforceOAuth | undefined {
  const { salesforceClientId, salesforceClientSecret, salesforceLoginUrl } = config.crm;
  if (salesforceClientId === undefined || salesforceClientSecret === undefined) return undefined;
  const { salesforceOrgType, salesforceJwtAudience } = config.crm;
  return createSalesforceOAuth({
    clientId: salesforceClientId,
    clientSecret: salesforceClientSecret,
    loginUrl: salesforceLoginUrl,
    ...(salesforceOrgType === undefined ? {} : { orgType: salesforceOrgType }),
    ...(salesforceJwtAudience === undefined ? {} : { jwtAudience: salesforceJwtAudience }),
  });
}

/** A new JWT bearer token for the configured integration user (no refresh token in this flow). */
export async function salesforceJwtLogin(config: Config, oauth: SalesforceOAuth): Promise<OAuthTokens> {
  const jwt = config.crm.salesforceJwt;
  if (jwt === undefined) throw new Error('SALESFORCE_JWT_USERNAME and SALESFORCE_JWT_KEY_FILE are not set');
  const privateKeyPem = await readFile(jwt.keyFile, 'utf8');
  return oauth.jwtBearer({ username: jwt.username, privateKeyPem });
}

/** The Salesforce org of a tenant, through its installation; undefined when the tenant has none. */
export async function openSalesforceGateway(
  config: Config,
  store: CollectionsStore,
  tenant: TenantId,
  locks: Locks,
): Promise<CrmGateway | undefined> {
  const installation = await store.getCrmInstallationForTenant(tenant, 'salesforce');
  if (installation === undefined || installation.accessTokenEnc === null) return undefined;
  const oauth = openSalesforceOAuth(config);
  const cipher = openSecretCipher(config);
  if (oauth === undefined || cipher === undefined)
    throw new Error(
      `${tenant} is connected to Salesforce: SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY are needed`,
    );
  const token = createAccessTokenProvider({
    store,
    oauth,
    cipher,
    locks,
    reauthorize: () => salesforceJwtLogin(config, oauth),
  });
  const crm = config.crm;
  let current = await token(tenant);
  const { createSalesforceGateway } = await import('../src/adapters/salesforce/salesforce-gateway');
  return createSalesforceGateway({
    instanceUrl: installation.instanceUrl ?? crm.salesforceLoginUrl,
    accessToken: current,
    refresh: async () => {
      current = await token(tenant, { forceRefresh: true, refused: current });
      return current;
    },
    maxInFlight: crm.salesforceMaxInFlight,
    bulkThreshold: crm.salesforceBulkThreshold,
    taskOwners: crm.salesforceTaskOwners,
    budget: {
      share: crm.salesforceApiShare,
      orgPauseAt: crm.salesforceOrgPauseAt,
      usedToday: () => store.crmApiUsageSince(tenant, 'salesforce', new Date(Date.now() - 86400000)),
      record: (requests) => store.recordCrmApiUsage(tenant, 'salesforce', requests, new Date()),
    },
  });
}

/** The Salesforce install and embedded views (needs the app's client id and secret, or a launch secret). */
export function salesforceAppOptions(
  config: Config,
  gatewayFor: (tenant: TenantId) => Promise<CrmGateway | undefined>,
  today: () => CalendarDate,
  sessionSecret?: string,
): Omit<SalesforceAppOptions, 'store' | 'logger'> | undefined {
  const crm = config.crm;
  if (crm.salesforceClientSecret === undefined) return undefined;
  const oauth = openSalesforceOAuth(config);
  const cipher = openSecretCipher(config);
  return {
    publicBaseUrl: config.publicBaseUrl,
    stateSecret: crm.salesforceClientSecret,
    ...(oauth === undefined ? {} : { oauth }),
    ...(cipher === undefined ? {} : { cipher }),
    // An org is its own tenant, named by its 18-character id.
    tenantFor: (orgId) => parseTenantId(orgId) ?? (parseTenantId(config.defaultTenant) as TenantId),
    onInstalled: async (tenant) => {
      const gateway = await gatewayFor(tenant);
      if (gateway === undefined)
        throw new Error(`no Salesforce gateway for ${tenant} right after connecting`);
      return gateway.ensureSchema();
    },
    today,
    cardOptions: { riskTiers: config.riskTiers, renewalWindowDays: config.renewalWindowDays },
    ...(sessionSecret === undefined ? {} : { workspace: { sessionSecret } }),
  };
}

/** The Salesforce package's invocable actions: verified with each connected org's launch secret. */
export function salesforceActionOptions(config: Config): Omit<SalesforceActionOptions, 'store' | 'logger'> {
  const cipher = openSecretCipher(config);
  return {
    ...(cipher === undefined ? {} : { cipher }),
    today: () => todayUtc(),
    cardOptions: { riskTiers: config.riskTiers, renewalWindowDays: config.renewalWindowDays },
    promiseGraceDays: config.promiseGraceDays,
  };
}

/** The key of workspace sessions opened from embedded views: derived from the token key (never the key itself). */
export function workspaceSessionSecret(config: Config): string | undefined {
  const key = config.crm.tokenEncryptionKey;
  return key === undefined
    ? undefined
    : createHmac('sha256', parseEncryptionKey(key))
        .update('collections workspace sessions')
        .digest('base64url');
}

/** What every doctor run checks, whether the CLI runs it or the server that owns the store. */
export function doctorOptions(tenant: TenantId): DoctorOptions {
  return {
    // What the store holds is checked whether or not this shell has the Stripe key.
    billingSources: ['stripe'],
    requiredScopes: { hubspot: APP_SCOPES },
    // Billing webhooks are stored for the default tenant, before it has any other data.
    alsoTenants: [tenant],
  };
}
