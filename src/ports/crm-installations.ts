import type { CrmSyncFailure } from '../domain/crm-sync-pause';
import type { TenantId } from '../domain/model';

export type CrmInstallation = {
  tenant: TenantId;
  crm: string;
  /** The CRM account: a HubSpot portal (hub) id, a Salesforce org id. */
  accountId: string;
  /** Tokens as the caller encrypted them; null in private-app token mode. */
  accessTokenEnc: string | null;
  refreshTokenEnc: string | null;
  expiresAt: Date | null;
  scopes: string[];
  installedBy: string | null;
  /** Where the account's API lives (Salesforce); null for HubSpot. */
  instanceUrl?: string | null;
  /** The org's secret for the embedded views' launch tokens, encrypted (Salesforce). */
  launchSecretEnc?: string | null;
  /** Why the sync is not running (a typed state shared by both CRMs), or null while it runs. */
  syncPause: CrmSyncFailure | null;
};

/** The app installed in CRM accounts: credentials, the sync's pause, and the one-time nonces around them. */
export interface CrmInstallations {
  /** CRM installations (one per tenant and CRM), with tokens encrypted by the caller. */
  saveCrmInstallation(installation: CrmInstallation): Promise<void>;
  getCrmInstallation(crm: string, accountId: string): Promise<CrmInstallation | undefined>;
  getCrmInstallationForTenant(tenant: TenantId, crm: string): Promise<CrmInstallation | undefined>;
  listCrmInstallations(crm: string): Promise<CrmInstallation[]>;
  /** Stops (until a time) or resumes a tenant's CRM sync, e.g. when the daily API limit is reached. */
  setCrmSyncPause(tenant: TenantId, crm: string, pause: CrmSyncFailure | null): Promise<void>;
  /**
   * Spends the nonce of a launch token: true the first time, false on every later use, whichever
   * process asks. A nonce is remembered until `expiresAt`; the tenant's nonces expired by `now` are
   * forgotten on the way.
   */
  useLaunchNonce(tenant: TenantId, nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
  /**
   * Spends an OAuth install's state (before any tenant exists): true the first time, false on every
   * later use, whichever process asks. Remembered until `expiresAt`; states expired by `now` are
   * forgotten on the way.
   */
  useInstallState(crm: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
}
