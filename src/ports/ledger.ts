import type {
  AccountFacts,
  Customer,
  Dispute,
  Invoice,
  PaymentAttempt,
  Subscription,
  TenantId,
} from '../domain/model';

export type DatasetFile =
  'customers.csv' | 'invoices.csv' | 'payments.csv' | 'subscriptions.csv' | 'disputes.csv';

/** A row read from a dataset file, with the line it came from (for error messages). */
export type Lined<T> = { line: number; row: T };

export type RowProblem = { file: DatasetFile; line: number; column: string; message: string };

export type EntityCounts = {
  customers: number;
  invoices: number;
  payments: number;
  subscriptions: number;
  disputes: number;
};

export type ImportOutcome = { inserted: EntityCounts; updated: EntityCounts; createdCustomers: number };

/** A customer left unmapped because its CRM record is another customer's already. */
export type CrmMappingConflict = { customerId: string; crmCompanyId: string; heldBy: string };

/**
 * One all-or-nothing import: rows are staged inside a transaction, checked against each other
 * and against what the tenant already has, then merged (upsert by id) or thrown away.
 */
export interface ImportSession {
  stageCustomers(rows: Lined<Customer>[]): Promise<void>;
  stageSubscriptions(rows: Lined<Subscription>[]): Promise<void>;
  stageInvoices(rows: Lined<Invoice>[]): Promise<void>;
  stagePayments(rows: Lined<PaymentAttempt>[]): Promise<void>;
  stageDisputes(rows: Lined<Dispute>[]): Promise<void>;
  /** Currencies of invoices staged in this session or already stored for the tenant. */
  invoiceCurrencies(invoiceIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * Duplicate ids within a file, references to unknown invoices, currency mismatches, customers
   * newly mapped to a CRM record another customer has.
   */
  findReferenceProblems(limit: number): Promise<RowProblem[]>;
  /**
   * For syncs from a billing source: claims each object's version and returns the ids whose version is
   * newer than the stored one (only those should be staged). Equal or older versions are not claimed.
   */
  claimVersions(
    source: string,
    versions: readonly { objectId: string; version: number }[],
  ): Promise<Set<string>>;
  /**
   * For syncs from a billing source: a staged customer that would newly share a CRM record with another
   * customer of the tenant is staged unmapped instead, and the conflict kept for the unmapped list.
   * Call after staging customers; a customer staged without a conflict has its old one cleared.
   */
  unmapSharedCrmRecords(): Promise<CrmMappingConflict[]>;
  /** Which invoice each of the source's payment objects (payment intents, charges) belongs to. */
  saveLinks(source: string, links: readonly { sourceId: string; invoiceId: string }[]): Promise<void>;
  saveSourceCustomers(
    source: string,
    customers: readonly { customerId: string; email: string | null }[],
  ): Promise<void>;
  /**
   * Merges the staged rows; customers referenced but never described are created bare. Audited as
   * `dataset_imported` unless `audit` is false (syncs record their events elsewhere).
   */
  commit(options?: { audit?: boolean }): Promise<ImportOutcome>;
  rollback(): Promise<void>;
}

/**
 * The billing ledger of each tenant (customers, invoices, payments, disputes, subscriptions): written
 * through import sessions, read as account facts.
 */
export interface LedgerStore {
  beginImport(tenant: TenantId): Promise<ImportSession>;
  counts(tenant: TenantId): Promise<EntityCounts>;
  listTenants(): Promise<TenantId[]>;

  getAccountFacts(tenant: TenantId, customerId: string): Promise<AccountFacts | undefined>;
  /** The billing customer mapped to a CRM company or account; the first by id when several are. */
  findCustomerIdByCrmId(tenant: TenantId, crmCompanyId: string): Promise<string | undefined>;
  /** Every customer's facts, ordered by customer id, read in pages so memory stays bounded. */
  streamAccountFacts(tenant: TenantId, options?: { pageSize?: number }): AsyncIterable<AccountFacts>;
}
