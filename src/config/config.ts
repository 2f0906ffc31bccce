import { z } from 'zod';

const optionalSecret = z
  .string()
  .trim()
  .min(1)
  .optional()
  .or(z.literal('').transform(() => undefined));

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
  PORT: integer(3000, 0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  RISK_TIER_MEDIUM: z.coerce.number().min(0).max(1).default(0.3),
  RISK_TIER_HIGH: z.coerce.number().min(0).max(1).default(0.6),
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
  STRIPE_MAX_RPS: integer(20, 1, 100),
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
  HUBSPOT_REQUESTS_PER_10S: integer(110, 1, 1000),
  HUBSPOT_CLIENT_ID: optionalSecret,
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
    hubspotRequestsPer10s: number;
    hubspotClientId: string | undefined;
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
    /** Our share of the org's daily API allocation, and the org-wide use at which our sync pauses. */
    salesforceApiShare: number;
    salesforceOrgPauseAt: number;
    salesforceBulkThreshold: number;
    salesforceMaxInFlight: number;
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
      stripeMaxRequestsPerSecond: env.STRIPE_MAX_RPS,
      timeZone: env.BILLING_TIME_ZONE,
      crm: env.CRM,
      matchByEmailDomain: env.CRM_MATCH_BY_EMAIL_DOMAIN === 'true',
    },
    crm: {
      hubspotAccessToken: env.HUBSPOT_ACCESS_TOKEN,
      hubspotApiBase: env.HUBSPOT_API_BASE,
      hubspotRequestsPer10s: env.HUBSPOT_REQUESTS_PER_10S,
      hubspotClientId: env.HUBSPOT_CLIENT_ID,
      hubspotClientSecret: env.HUBSPOT_CLIENT_SECRET,
      hubspotPortalId: env.HUBSPOT_PORTAL_ID,
      tokenEncryptionKey: env.TOKEN_ENCRYPTION_KEY,
      salesforceClientId: env.SALESFORCE_CLIENT_ID,
      salesforceClientSecret: env.SALESFORCE_CLIENT_SECRET,
      salesforceLoginUrl: (env.SALESFORCE_LOGIN_URL ?? 'https://login.salesforce.com').replace(/\/+$/, ''),
      salesforceJwt:
        env.SALESFORCE_JWT_USERNAME === undefined || env.SALESFORCE_JWT_KEY_FILE === undefined
          ? undefined
          : { username: env.SALESFORCE_JWT_USERNAME, keyFile: env.SALESFORCE_JWT_KEY_FILE },
      salesforceApiShare: env.SALESFORCE_API_SHARE,
      salesforceOrgPauseAt: env.SALESFORCE_ORG_PAUSE_AT,
      salesforceBulkThreshold: env.SALESFORCE_BULK_THRESHOLD,
      salesforceMaxInFlight: env.SALESFORCE_MAX_IN_FLIGHT,
    },
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed once from process.env on first use. */
export function loadConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}

/** True when billing credentials are configured (so no demo data should be loaded). */
export function hasBillingCredentials(config: Config): boolean {
  return config.billing.stripeSecretKey !== undefined;
}
