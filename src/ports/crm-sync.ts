import type { TenantId } from '../domain/model';

export type CrmSyncState = { crmId: string; hash: string };

export type CrmBulkJob = {
  jobId: string;
  type: 'companies' | 'deals';
  entries: { customerId: string; crmId: string; hash: string }[];
};

export type CrmCompany = { crmCompanyId: string; domain: string; name: string | null };

export type UnmappedCustomer = {
  customerId: string;
  name: string | null;
  email: string | null;
  country: string | null;
  invoices: number;
  /** Set when the billing source named a CRM record that another customer already has. */
  conflict: { crmCompanyId: string; heldBy: string } | null;
};

/**
 * Where each tenant's sync to a CRM stands: what each record last got, the accounts left half done, the
 * bulk write in flight, the API budget spent, and how billing customers map to CRM records.
 */
export interface CrmSyncStore {
  /**
   * What was last written to each CRM record, as a hash (unchanged values are not written again); only
   * these keys' (customer ids, or the ids a state is kept under) when given.
   */
  getCrmSyncState(
    tenant: TenantId,
    crm: string,
    customerIds?: readonly string[],
  ): Promise<Map<string, CrmSyncState>>;
  saveCrmSyncState(
    tenant: TenantId,
    crm: string,
    entries: readonly ({ customerId: string } & CrmSyncState)[],
  ): Promise<void>;
  /** Accounts a CRM sync is about to work on: kept until it finished (a sync that died leaves them). */
  markCrmSyncPending(tenant: TenantId, crm: string, customerIds: readonly string[]): Promise<void>;
  clearCrmSyncPending(tenant: TenantId, crm: string, customerIds: readonly string[]): Promise<void>;
  /**
   * Accounts with CRM work left over: `unfinished`, marked by a sync that did not finish (its creates
   * may have landed); `tasksToCreate`, mapped to a CRM record with an open task the CRM lacks.
   */
  listCrmSyncPending(
    tenant: TenantId,
    crm: string,
  ): Promise<{ unfinished: string[]; tasksToCreate: string[] }>;

  /**
   * Order-safe CRM property changes: records a change and answers true only when it is newer than the
   * last one applied for the same record and property.
   */
  claimCrmPropertyChange(
    tenant: TenantId,
    crm: string,
    change: { objectId: string; property: string; occurredAt: number },
  ): Promise<boolean>;
  /** A CRM record deleted or merged away: its customers are unmapped, or moved to the record kept. */
  remapCrmCompany(tenant: TenantId, fromCrmIds: readonly string[], toCrmId: string | null): Promise<string[]>;
  /** A bulk write in flight (at most one per tenant and CRM), with what each record will be once written. */
  saveCrmBulkJob(tenant: TenantId, crm: string, job: CrmBulkJob): Promise<void>;
  getCrmBulkJob(tenant: TenantId, crm: string): Promise<CrmBulkJob | undefined>;
  finishCrmBulkJob(tenant: TenantId, crm: string, jobId: string): Promise<void>;
  /** API requests our syncs made, per hour: the budget governor's memory across processes and restarts. */
  recordCrmApiUsage(tenant: TenantId, crm: string, requests: number, at: Date): Promise<void>;
  crmApiUsageSince(tenant: TenantId, crm: string, since: Date): Promise<number>;

  /** CRM companies with their web domain (from the CRM sync or a CSV), replaced by id. */
  saveCrmCompanies(tenant: TenantId, companies: readonly CrmCompany[]): Promise<number>;
  /** The CRM company of each domain; a domain shared by several companies matches none. */
  findCrmCompaniesByDomain(tenant: TenantId, domains: readonly string[]): Promise<Map<string, string>>;
  /** Customers with no CRM record, with the e-mail the billing source knows. */
  listUnmappedCustomers(tenant: TenantId): Promise<UnmappedCustomer[]>;
}
