import type { AutomationPause } from '../domain/account-status';
import type { PauseSpan } from '../domain/pauses';
import type { StoredRiskModel } from '../domain/risk/risk-model';
import type { PlannedTask } from '../domain/rules/evaluate';
import type { TermEvidence } from '../domain/terms/evidence';
import type { CalendarDate } from '../domain/dates';
import type { CrmOwnerSettingsStore } from './crm-owner-settings';
import type { CrmRecordFailures } from './crm-record-failures';
import type { CustomerDirectory } from './customer-directory';
import type { CustomerTags } from './customer-tags';
import type { PortfolioSnapshotStore } from './portfolio-snapshots';
import type { RuleSimulations } from './rule-simulations';
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

export interface CollectionsStore
  extends
    RuleSimulations,
    CrmRecordFailures,
    CustomerDirectory,
    CrmOwnerSettingsStore,
    PortfolioSnapshotStore,
    CustomerTags {
  readonly kind: 'pglite' | 'postgres';
  /** Applies pending versioned migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  beginImport(tenant: TenantId): Promise<ImportSession>;
  counts(tenant: TenantId): Promise<EntityCounts>;
  listTenants(): Promise<TenantId[]>;

  getAccountFacts(tenant: TenantId, customerId: string): Promise<AccountFacts | undefined>;
  /** The billing customer mapped to a CRM company or account; the first by id when several are. */
  findCustomerIdByCrmId(tenant: TenantId, crmCompanyId: string): Promise<string | undefined>;
  /** Every customer's facts, ordered by customer id, read in pages so memory stays bounded. */
  streamAccountFacts(tenant: TenantId, options?: { pageSize?: number }): AsyncIterable<AccountFacts>;

  /**
   * The escape hatch: a CSM stops automated collections for one account until a date. Audited, and kept
   * in the pause history from `startedOn` (default: today in UTC); a pause in force is replaced.
   */
  pauseAutomation(
    tenant: TenantId,
    customerId: string,
    pause: AutomationPause & { actor: string; startedOn?: CalendarDate },
  ): Promise<'paused' | 'unknown_customer'>;
  /** true when a pause was lifted (its history ends on `on`, default today in UTC). Audited. */
  resumeAutomation(tenant: TenantId, customerId: string, actor: string, on?: CalendarDate): Promise<boolean>;
  getAutomationPause(tenant: TenantId, customerId: string): Promise<AutomationPause | null>;
  /**
   * The tenant's pauses (only these accounts' when given), expired ones included (the engine decides
   * what is active on a day).
   */
  listAutomationPauses(
    tenant: TenantId,
    customerIds?: readonly string[],
  ): Promise<Map<string, AutomationPause>>;
  /** Every pause ever set, per customer (of these customers, when given), oldest first. */
  listPauseHistory(tenant: TenantId, customerIds?: readonly string[]): Promise<Map<string, PauseSpan[]>>;

  /** The tenant's current payment-risk model (one per tenant, replaced on every refit). */
  saveRiskModel(tenant: TenantId, model: StoredRiskModel): Promise<void>;
  loadRiskModel(tenant: TenantId): Promise<StoredRiskModel | undefined>;

  /**
   * Stores a validated rule set (with the text it was written as) as the next immutable version and
   * makes it active. Audited. With `ifActiveVersion`, only while that version is still the active one.
   * The default playbook is version 0 of every tenant: stored on the first change, active until then.
   */
  activateNewRuleSet(
    tenant: TenantId,
    body: unknown,
    actor: string,
    note: string,
    options?: { source?: string | null; ifActiveVersion?: number },
  ): Promise<RuleSetActivation>;
  /** Makes an earlier version (0 included) active again (a rollback). Audited. undefined for an unknown version. */
  reactivateRuleSet(
    tenant: TenantId,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  /** Every version, version 0 (the default playbook) first. */
  listRuleSetVersions(tenant: TenantId): Promise<RuleSetVersion[]>;
  getRuleSetVersion(tenant: TenantId, version: number): Promise<RuleSetVersion | undefined>;
  /** The active version: version 0 until the tenant activates another. */
  getActiveRuleSet(tenant: TenantId): Promise<RuleSetVersion>;

  /** Payment-term guardrails: versioned and audited exactly like rule sets. */
  activateNewTermGuardrails(
    tenant: TenantId,
    body: unknown,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion>;
  reactivateTermGuardrails(
    tenant: TenantId,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  listTermGuardrailVersions(tenant: TenantId): Promise<RuleSetVersion[]>;
  getTermGuardrailVersion(tenant: TenantId, version: number): Promise<RuleSetVersion | undefined>;
  getActiveTermGuardrails(tenant: TenantId): Promise<RuleSetVersion | undefined>;

  /** Portfolio evidence for payment terms, replaced whenever it is recomputed. */
  saveTermEvidence(tenant: TenantId, evidence: TermEvidence): Promise<void>;
  loadTermEvidence(tenant: TenantId): Promise<TermEvidence | undefined>;
  /**
   * Records that an AE accepted a recommendation for a deal, so the CRM sync can write it to the deal.
   * Accepting the same recommendation again changes nothing. Audited.
   */
  acceptTermRecommendation(
    tenant: TenantId,
    acceptance: TermAcceptance,
  ): Promise<'accepted' | 'already_accepted'>;
  markTermAcceptancesSynced(tenant: TenantId, recommendationIds: readonly string[]): Promise<void>;
  listTermAcceptances(
    tenant: TenantId,
    filter?: { dealId?: string; unsynced?: boolean },
  ): Promise<StoredTermAcceptance[]>;

  /**
   * Records planned actions once: a task whose action id is already stored is left alone (running the
   * same day twice changes nothing). Each new task and hold is audited with its rule, version and facts.
   */
  recordPlannedActions(
    tenant: TenantId,
    planned: { tasks: PlannedTask[]; holds: { customerId: string; ruleId: string; until: CalendarDate }[] },
    ruleSetVersion: number | null,
  ): Promise<{ tasksCreated: number; holdsSet: number }>;
  /** What the evaluator needs from earlier runs, per customer. */
  getAutomationMemory(tenant: TenantId, since: CalendarDate): Promise<Map<string, AutomationMemory>>;
  listTasks(
    tenant: TenantId,
    filter?: {
      state?: 'open' | 'completed' | 'canceled';
      customerId?: string;
      /** Only these accounts' tasks. */
      customerIds?: readonly string[];
    },
  ): Promise<StoredTask[]>;

  /** Billing-source sync state. */
  getSourceVersions(
    tenant: TenantId,
    source: string,
    objectIds: readonly string[],
  ): Promise<Map<string, number>>;
  resolveSourceLinks(
    tenant: TenantId,
    source: string,
    sourceIds: readonly string[],
  ): Promise<Map<string, string>>;
  knownInvoiceIds(tenant: TenantId, invoiceIds: readonly string[]): Promise<Set<string>>;
  getSyncCursors(tenant: TenantId, source: string): Promise<SyncCursor[]>;
  saveSyncCursor(tenant: TenantId, source: string, cursor: SyncCursor): Promise<void>;
  resetSyncCursors(tenant: TenantId, source: string): Promise<void>;
  /** CRM companies with their web domain (from the CRM sync or a CSV), replaced by id. */
  saveCrmCompanies(tenant: TenantId, companies: readonly CrmCompany[]): Promise<number>;
  /** The CRM company of each domain; a domain shared by several companies matches none. */
  findCrmCompaniesByDomain(tenant: TenantId, domains: readonly string[]): Promise<Map<string, string>>;
  /** Customers with no CRM record, with the e-mail the billing source knows. */
  listUnmappedCustomers(tenant: TenantId): Promise<UnmappedCustomer[]>;

  /** Verified webhook events: stored once by id ('duplicate' for a repeat), then processed by a job. */
  recordWebhookEvent(
    tenant: TenantId,
    source: string,
    event: StoredWebhookEvent,
  ): Promise<'new' | 'duplicate'>;
  getWebhookEvent(
    tenant: TenantId,
    source: string,
    eventId: string,
  ): Promise<
    (StoredWebhookEvent & { state: string; receivedAtMs: number; processedAtMs: number | null }) | undefined
  >;
  finishWebhookEvent(
    tenant: TenantId,
    source: string,
    eventId: string,
    state: 'processed' | 'ignored' | 'failed',
    error?: string,
  ): Promise<void>;
  /** Events received (before `receivedBefore`, when given) but not yet processed, oldest first. */
  listPendingWebhookEvents(
    tenant: TenantId,
    source: string,
    limit: number,
    receivedBefore?: Date,
  ): Promise<string[]>;
  countWebhookEvents(tenant: TenantId, source: string): Promise<Record<string, number>>;
  /**
   * Webhook events kept as failed, per source and reason (the error's leading `code:`, such as
   * `unsupported_api_version`; `processing_error` when it has none), each with its newest event.
   */
  listWebhookFailures(tenant: TenantId): Promise<WebhookFailure[]>;
  /**
   * Failed events created up to `createdUpToMs` (source clock) become `superseded`: a complete read of
   * the source that started after them has brought their objects up to date. Returns how many.
   */
  supersedeFailedWebhookEvents(tenant: TenantId, source: string, createdUpToMs: number): Promise<number>;

  /** Tasks now in the CRM: the id the CRM gave each. */
  setCrmTaskIds(tenant: TenantId, pairs: readonly { taskId: string; crmTaskId: string }[]): Promise<void>;
  /** Completes open tasks whose cause is resolved. Audited with the reason. */
  completeTasks(tenant: TenantId, tasks: readonly { taskId: string; reason: string }[]): Promise<number>;
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
   * Precomputed account cards. Every write that changes what a card shows (billing data, pauses,
   * tasks, the risk model, the rule set) bumps the account's version in the same transaction; a card
   * is fresh when it was computed at the current version for today.
   */
  getAccountCardByCrmId(tenant: TenantId, crmCompanyId: string): Promise<StoredAccountCard | undefined>;
  /** Current versions (read before computing, so a card computed from older facts is never saved). */
  getAccountCardVersions(tenant: TenantId, customerIds?: readonly string[]): Promise<Map<string, number>>;
  /** Saves cards computed at `version`; a card whose account changed meanwhile is skipped. */
  saveAccountCards(
    tenant: TenantId,
    cards: readonly { customerId: string; version: number; asOf: CalendarDate; card: unknown }[],
  ): Promise<number>;
  /** Marks cards stale: some accounts, or every account of the tenant. */
  invalidateAccountCards(tenant: TenantId, customerIds: readonly string[] | 'all'): Promise<void>;
  /** Accounts whose card is missing, stale or not for `asOf`. */
  listStaleAccountCards(tenant: TenantId, asOf: CalendarDate, limit: number): Promise<string[]>;
  /** The fresh cards of a tenant for `asOf`, the first `limit` by a sort key (the attention list). */
  listAccountCards(
    tenant: TenantId,
    asOf: CalendarDate,
    options: { sort: 'risk' | 'overdue' | 'renewal'; limit: number },
  ): Promise<{ customerId: string; card: unknown }[]>;
  /**
   * The worklist: fresh cards for `asOf` with a payment problem and an expected loss in `currency`,
   * ranked by that expected loss (largest first), filtered by owner and situation, one page at a time;
   * with the number of matching accounts, the owners of the book and the currencies at risk.
   */
  listWorklist(tenant: TenantId, asOf: CalendarDate, query: WorklistQuery): Promise<WorklistPage>;
  /** Tenants in which a CRM company is mapped to a billing customer (to refuse another portal's record). */
  findTenantsByCrmCompanyId(crmCompanyId: string): Promise<TenantId[]>;

  /** CRM installations (one per tenant and CRM), with tokens encrypted by the caller. */
  saveCrmInstallation(installation: CrmInstallation): Promise<void>;
  getCrmInstallation(crm: string, accountId: string): Promise<CrmInstallation | undefined>;
  getCrmInstallationForTenant(tenant: TenantId, crm: string): Promise<CrmInstallation | undefined>;
  listCrmInstallations(crm: string): Promise<CrmInstallation[]>;
  /** Stops (until a time) or resumes a tenant's CRM sync, e.g. when the daily API limit is reached. */
  setCrmSyncPause(
    tenant: TenantId,
    crm: string,
    pause: { until: string; reason: string } | null,
  ): Promise<void>;
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
  /** Completes an open task by its CRM id (done in the CRM); audited with the actor. */
  completeTaskByCrmId(tenant: TenantId, crmTaskId: string, actor: string): Promise<boolean>;
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

  /** The append-only audit log, newest first. */
  listEvents(tenant: TenantId, filter?: { subject?: string; limit?: number }): Promise<AuditEvent[]>;
}

export type AutomationMemory = {
  openTasks: { ruleId: string; invoiceId: string | null }[];
  contacts: CalendarDate[];
  holdUntil: CalendarDate | null;
};

export type WorklistQuery = {
  /** The currency ranked; without one, the currency with the most accounts at risk. */
  currency?: string;
  owner?: string;
  situation?: string;
  offset: number;
  limit: number;
};

export type WorklistPage = {
  currency: string | null;
  total: number;
  rows: { customerId: string; card: unknown }[];
  owners: string[];
  currencies: { currency: string; accounts: number }[];
};

export type StoredTask = PlannedTask & {
  state: string;
  ruleVersion: number | null;
  crmTaskId: string | null;
};

export type CrmSyncState = { crmId: string; hash: string };

export type StoredAccountCard = {
  customerId: string;
  version: number;
  cardVersion: number;
  asOf: CalendarDate | null;
  card: unknown;
};

export type CrmBulkJob = {
  jobId: string;
  type: 'companies' | 'deals';
  entries: { customerId: string; crmId: string; hash: string }[];
};

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
  syncPause: { until: string; reason: string } | null;
};

export type CrmCompany = { crmCompanyId: string; domain: string; name: string | null };

export type SyncCursor = {
  kind: string;
  cursor: string | null;
  done: boolean;
  version: number;
  records: number;
};

export type WebhookFailure = {
  source: string;
  reason: string;
  count: number;
  latest: { eventId: string; type: string; error: string | null; failedAtMs: number | null };
};

export type UnmappedCustomer = {
  customerId: string;
  name: string | null;
  email: string | null;
  country: string | null;
  invoices: number;
  /** Set when the billing source named a CRM record that another customer already has. */
  conflict: { crmCompanyId: string; heldBy: string } | null;
};

/** A customer left unmapped because its CRM record is another customer's already. */
export type CrmMappingConflict = { customerId: string; crmCompanyId: string; heldBy: string };

export type StoredWebhookEvent = { eventId: string; type: string; createdMs: number; body: string };

export type TermAcceptance = {
  recommendationId: string;
  dealId: string | null;
  customerId: string | null;
  optionId: string;
  recommendedOptionId: string | null;
  guardrailVersion: number | null;
  /** The recommendation as shown to the AE. */
  body: unknown;
  actor: string;
};

export type StoredTermAcceptance = TermAcceptance & { acceptedAt: string; syncedAt: string | null };

export type RuleSetVersion = {
  version: number;
  body: unknown;
  /** The document as written (YAML or JSON, comments kept); null when only the parsed body was kept. */
  source: string | null;
  createdAt: string;
  createdBy: string;
  note: string | null;
  active: boolean;
  /** When it last became active; null when it never was (version 0 before any change). */
  activatedAt: string | null;
};

export type RuleSetActivation =
  | { outcome: 'activated'; version: RuleSetVersion }
  /** Another version became active after the caller looked: nothing was stored. */
  | { outcome: 'active_changed'; active: number };

export type AuditEvent = {
  id: number;
  occurredAt: string;
  kind: string;
  subject: string | null;
  actor: string;
  payload: unknown;
};
