import { z } from 'zod';

const optionalSecret = z
  .string()
  .trim()
  .min(1)
  .optional()
  .or(z.literal('').transform(() => undefined));

/** A HubSpot owner id (`GET /crm/v3/owners` `id`, not the user id). */
const hubspotOwnerId = z
  .string()
  .trim()
  .regex(/^([0-9]{1,20})?$/, 'a numeric HubSpot owner id (GET /crm/v3/owners `id`)')
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine(
      (value) => {
        if (value === undefined) return true;
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every environment variable the product reads. Documented one by one in .env.example. */
export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  // Empty is not "unset" here: a number would silently become 0, a random port nobody knows.
  PORT: z
    .string()
    .refine((value) => value.trim() !== '', 'is empty: give a port number (0-65535), or unset it for 3000')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  COLLECTIONS_DATA_DIR: z.string().trim().min(1).default('./.data'),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  DEFAULT_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits and _ . : - (at most 64)')
    .default('demo'),
  DEMO_DATA: z.enum(['auto', 'always', 'never']).default('auto'),
  DEMO_CUSTOMERS: integer(400, 1, 200000),
  DEMO_SEED: integer(42, 0, 2 ** 31 - 1),
  RENEWAL_WINDOW_DAYS: integer(90, 0, 730),
  // Days after a promised date that payments still count toward the promise (and reminders stay held).
  PROMISE_GRACE_DAYS: integer(3, 0, 60),
  // Probabilities that the next invoice is still unpaid 30 days past due (see DEFAULT_TIERS).
  RISK_TIER_MEDIUM: z.coerce.number().min(0).max(1).default(0.1),
  RISK_TIER_HIGH: z.coerce.number().min(0).max(1).default(0.3),
  SHUTDOWN_TIMEOUT_MS: integer(10000, 100, 120000),
  PUBLIC_BASE_URL: optionalUrl(['https:', 'http:']),
  METRICS_TOKEN: optionalSecret,
  TRUST_PROXY_HOPS: integer(0, 0, 10),
  REVOPS_USERS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== ''),
    ),
  STRIPE_SECRET_KEY: optionalSecret,
  STRIPE_WEBHOOK_SECRET: optionalSecret,
  STRIPE_API_BASE: optionalUrl(['https:', 'http:']),
  // Unset: Stripe's documented per-account limit for the key's mode (see stripeRequestsPerSecond).
  STRIPE_MAX_RPS: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : Number(value)))
    .pipe(z.number().int().min(1).max(10000).optional()),
  BILLING_TIME_ZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Berlin'),
  CRM: z.enum(['hubspot', 'salesforce']).default('hubspot'),
  CRM_MATCH_BY_EMAIL_DOMAIN: z.enum(['true', 'false']).default('true'),
  HUBSPOT_ACCESS_TOKEN: optionalSecret,
  HUBSPOT_API_BASE: optionalUrl(['https:', 'http:']),
  // Unset: HubSpot's burst limit for the app kind and the account's tier (README, "HubSpot limits").
  HUBSPOT_REQUESTS_PER_10S: z
    .literal('')
    .transform(() => undefined)
    .or(z.coerce.number().int().min(1).max(1000).optional()),
  HUBSPOT_APP_KIND: z
    .literal('')
    .transform(() => undefined)
    .or(z.enum(['marketplace', 'private']).optional()),
  HUBSPOT_TIER: z
    .enum(['free', 'starter', 'professional', 'enterprise', 'api-limit-increase'])
    .default('free'),
  HUBSPOT_CLIENT_ID: optionalSecret,
  // The app's id: webhooks of our own writes carry it as their sourceId, and are ignored.
  HUBSPOT_APP_ID: z
    .literal('')
    .transform(() => undefined)
    .or(
      z
        .string()
        .trim()
        .regex(/^[0-9]{1,20}$/, 'the numeric HubSpot app id')
        .optional(),
    ),
  HUBSPOT_CLIENT_SECRET: optionalSecret,
  HUBSPOT_PORTAL_ID: z
    .string()
    .trim()
    .regex(/^[0-9]{1,20}$/, 'the numeric HubSpot portal (hub) id')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TOKEN_ENCRYPTION_KEY: optionalSecret.refine((value) => {
    if (value === undefined) return true;
    const text = value.trim();
    const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? 32 : Buffer.from(text, 'base64').length;
    return bytes === 32;
  }, '32 random bytes, as base64 or 64 hex digits (e.g. `openssl rand -base64 32`)'),
  SALESFORCE_CLIENT_ID: optionalSecret,
  SALESFORCE_CLIENT_SECRET: optionalSecret,
  SALESFORCE_LOGIN_URL: optionalUrl(['https:', 'http:']),
  SALESFORCE_ORG_TYPE: z
    .enum(['production', 'sandbox'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SALESFORCE_JWT_AUDIENCE: optionalUrl(['https:']),
  SALESFORCE_JWT_USERNAME: z
    .string()
    .trim()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SALESFORCE_JWT_KEY_FILE: z
    .string()
    .trim()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SALESFORCE_API_SHARE: z.coerce.number().gt(0).max(1).default(0.1),
  SALESFORCE_ORG_PAUSE_AT: z.coerce.number().gt(0).max(1).default(0.8),
  SALESFORCE_BULK_THRESHOLD: integer(2000, 1, 10_000_000),
  SALESFORCE_MAX_IN_FLIGHT: integer(4, 1, 25),
  SALESFORCE_CSM_ROLE: z
    .string()
    .trim()
    .max(80)
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  // Goes into SOQL as a field name: only an API name.
  SALESFORCE_CSM_FIELD: z
    .string()
    .trim()
    .regex(/^([A-Za-z][A-Za-z0-9_]{0,79})?$/, 'a field API name, e.g. CSM__c')
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  SALESFORCE_FINANCE_USER: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  // A HubSpot company property's internal name (it is asked for in a batch read).
  HUBSPOT_CSM_PROPERTY: z
    .string()
    .trim()
    .regex(/^([a-z][a-z0-9_]{0,99})?$/, 'a company property internal name, e.g. csm_owner')
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  HUBSPOT_FINANCE_OWNER_ID: hubspotOwnerId,
  HUBSPOT_FALLBACK_OWNER_ID: hubspotOwnerId,
});

export type Environment = z.infer<typeof environmentSchema>;

export type Config = {
  nodeEnv: Environment['NODE_ENV'];
  http: { host: string; port: number };
  logLevel: Environment['LOG_LEVEL'];
  store: { kind: 'postgres'; connectionString: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | undefined;
  defaultTenant: string;
  demo: { mode: Environment['DEMO_DATA']; customers: number; seed: number };
  renewalWindowDays: number;
  /** PROMISE_GRACE_DAYS: days after a promised date that still count toward the promise. */
  promiseGraceDays: number;
  riskTiers: { medium: number; high: number };
  shutdownTimeoutMs: number;
  /** The URL HubSpot calls us on (signatures cover the full URI); defaults to http://HOST:PORT. */
  publicBaseUrl: string;
  /** Load balancers in front of the server: the client address (rate limits) is read behind them. */
  trustProxyHops: number;
  /** Bearer token for /metrics; open when unset. */
  metricsToken: string | undefined;
  /** User ids or e-mails allowed to activate and roll back rule sets. */
  revopsUsers: string[];
  billing: {
    stripeSecretKey: string | undefined;
    stripeWebhookSecret: string | undefined;
    /** A local Stripe emulator, for tests and benchmarks. */
    stripeApiBase: string | undefined;
    stripeMaxRequestsPerSecond: number;
    /** Calendar dates of billing events are taken in this zone. */
    timeZone: string;
    /** Which CRM's id customer metadata is read for first. */
    crm: 'hubspot' | 'salesforce';
    /** Customers without a CRM id in their metadata are matched to a CRM company by e-mail domain. */
    matchByEmailDomain: boolean;
  };
  crm: {
    /** A private-app (static) token for a single portal. */
    hubspotAccessToken: string | undefined;
    /** A local HubSpot emulator, for tests and benchmarks. */
    hubspotApiBase: string | undefined;
    /** An explicit budget; otherwise the one of the app kind and tier below. */
    hubspotRequestsPer10s: number | undefined;
    /** Unset: marketplace for OAuth installations, private for the private-app token. */
    hubspotAppKind: 'marketplace' | 'private' | undefined;
    hubspotTier: 'free' | 'starter' | 'professional' | 'enterprise' | 'api-limit-increase';
    hubspotClientId: string | undefined;
    /** The app's id: property changes it made come back as webhooks with it as `sourceId`. */
    hubspotAppId: string | undefined;
    hubspotClientSecret: string | undefined;
    /** The portal of the private-app token: signed requests from it map to the default tenant. */
    hubspotPortalId: string | undefined;
    /** AES-256-GCM key for OAuth tokens at rest; required for OAuth installs. */
    tokenEncryptionKey: string | undefined;
    salesforceClientId: string | undefined;
    salesforceClientSecret: string | undefined;
    salesforceLoginUrl: string;
    /** JWT bearer flow for an integration user: its username and the connected app's private key file. */
    salesforceJwt: { username: string; keyFile: string } | undefined;
    /** Which login host JWT assertions name (guessed from the login URL when unset). */
    salesforceOrgType: 'production' | 'sandbox' | undefined;
    salesforceJwtAudience: string | undefined;
    /** Our share of the org's daily API allocation, and the org-wide use at which our sync pauses. */
    salesforceApiShare: number;
    salesforceOrgPauseAt: number;
    salesforceBulkThreshold: number;
    salesforceMaxInFlight: number;
    /** Who the rules' `csm` and `finance_queue` are in Salesforce. */
    salesforceTaskOwners: { csmRole?: string; csmField?: string; financeUser?: string };
    /** Who the rules' `csm`, `finance_queue` and unresolvable assignees are in HubSpot. */
    hubspotTaskOwners: { csmProperty?: string; financeOwnerId?: string; fallbackOwnerId?: string };
  };
};

/** Names of variables whose values must never reach a log line. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'HUBSPOT_CLIENT_SECRET',
  'HUBSPOT_ACCESS_TOKEN',
  'SALESFORCE_CLIENT_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'METRICS_TOKEN',
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function parseConfig(environment: Readonly<Record<string, string | undefined>>): Config {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  const env = result.data;
  if (env.RISK_TIER_MEDIUM >= env.RISK_TIER_HIGH) {
    throw new ConfigError([{ variable: 'RISK_TIER_MEDIUM', message: 'must be below RISK_TIER_HIGH' }]);
  }
  return {
    nodeEnv: env.NODE_ENV,
    http: { host: env.HOST, port: env.PORT },
    logLevel: env.LOG_LEVEL,
    store: env.DATABASE_URL
      ? { kind: 'postgres', connectionString: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: env.COLLECTIONS_DATA_DIR },
    redisUrl: env.REDIS_URL,
    defaultTenant: env.DEFAULT_TENANT,
    demo: { mode: env.DEMO_DATA, customers: env.DEMO_CUSTOMERS, seed: env.DEMO_SEED },
    renewalWindowDays: env.RENEWAL_WINDOW_DAYS,
    promiseGraceDays: env.PROMISE_GRACE_DAYS,
    riskTiers: { medium: env.RISK_TIER_MEDIUM, high: env.RISK_TIER_HIGH },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/+$/, ''),
    revopsUsers: env.REVOPS_USERS,
    metricsToken: env.METRICS_TOKEN,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    billing: {
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
      stripeApiBase: env.STRIPE_API_BASE,
      stripeMaxRequestsPerSecond: env.STRIPE_MAX_RPS ?? stripeRequestsPerSecond(env.STRIPE_SECRET_KEY),
      timeZone: env.BILLING_TIME_ZONE,
      crm: env.CRM,
      matchByEmailDomain: env.CRM_MATCH_BY_EMAIL_DOMAIN === 'true',
    },
    crm: {
      hubspotAccessToken: env.HUBSPOT_ACCESS_TOKEN,
      hubspotApiBase: env.HUBSPOT_API_BASE,
      hubspotRequestsPer10s: env.HUBSPOT_REQUESTS_PER_10S,
      hubspotAppKind: env.HUBSPOT_APP_KIND,
      hubspotTier: env.HUBSPOT_TIER,
      hubspotClientId: env.HUBSPOT_CLIENT_ID,
      hubspotAppId: env.HUBSPOT_APP_ID,
      hubspotClientSecret: env.HUBSPOT_CLIENT_SECRET,
      hubspotPortalId: env.HUBSPOT_PORTAL_ID,
      tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
      salesforceClientId: env.SALESFORCE_CLIENT_ID,
      salesforceClientSecret: env.SALESFORCE_CLIENT_SECRET,
      salesforceLoginUrl: (env.SALESFORCE_LOGIN_URL ?? 'https://login.salesforce.com').replace(/\/+$/, ''),
      salesforceOrgType: env.SALESFORCE_ORG_TYPE,
      salesforceJwtAudience: env.SALESFORCE_JWT_AUDIENCE,
      salesforceJwt:
        env.SALESFORCE_JWT_USERNAME === undefined || env.SALESFORCE_JWT_KEY_FILE === undefined
          ? undefined
          : { username: env.SALESFORCE_JWT_USERNAME, keyFile: env.SALESFORCE_JWT_KEY_FILE },
      salesforceApiShare: env.SALESFORCE_API_SHARE,
      salesforceOrgPauseAt: env.SALESFORCE_ORG_PAUSE_AT,
      salesforceBulkThreshold: env.SALESFORCE_BULK_THRESHOLD,
      salesforceMaxInFlight: env.SALESFORCE_MAX_IN_FLIGHT,
      salesforceTaskOwners: {
        ...(env.SALESFORCE_CSM_ROLE === undefined ? {} : { csmRole: env.SALESFORCE_CSM_ROLE }),
        ...(env.SALESFORCE_CSM_FIELD === undefined ? {} : { csmField: env.SALESFORCE_CSM_FIELD }),
        ...(env.SALESFORCE_FINANCE_USER === undefined ? {} : { financeUser: env.SALESFORCE_FINANCE_USER }),
      },
      hubspotTaskOwners: {
        ...(env.HUBSPOT_CSM_PROPERTY === undefined ? {} : { csmProperty: env.HUBSPOT_CSM_PROPERTY }),
        ...(env.HUBSPOT_FINANCE_OWNER_ID === undefined
          ? {}
          : { financeOwnerId: env.HUBSPOT_FINANCE_OWNER_ID }),
        ...(env.HUBSPOT_FALLBACK_OWNER_ID === undefined
          ? {}
          : { fallbackOwnerId: env.HUBSPOT_FALLBACK_OWNER_ID }),
      },
    },
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed once from process.env on first use. */
export function loadConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}

/**
 * Stripe's documented global rate limit per account ("Rate limits"): 100 requests per second in live
 * mode, 25 in a sandbox (test mode). Live keys start `sk_live_` (secret) or `rk_live_` (restricted).
 */
export function stripeRequestsPerSecond(secretKey: string | undefined): number {
  return secretKey !== undefined && /^(sk|rk)_live_/.test(secretKey) ? 100 : 25;
}

/** True when billing credentials are configured (so no demo data should be loaded). */
export function hasBillingCredentials(config: Config): boolean {
  return config.billing.stripeSecretKey !== undefined;
}
