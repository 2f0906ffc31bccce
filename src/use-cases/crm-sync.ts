import type { AccountStatus } from '../domain/account-status';
import { MISSING_SCOPES_RETRY_MS, missingScopesPause, reconnectPause } from '../domain/crm-sync-pause';
import { toDayNumber, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { formatMinorAsDecimal } from '../domain/money';
import { neutraliseFormula } from '../domain/text';
import type { AccountRisk, RiskTiers } from '../domain/risk/risk-model';
import {
  accountFacts,
  buildAccountCard,
  groupTasks,
  loadCardContext,
  type AccountCard,
} from './account-card';
import { stableId } from '../domain/terms/stable-id';
import {
  actionFor,
  classifyFailure,
  IntegrationError,
  type CrmGateway,
  type CrmInvoice,
  type CrmTaskInput,
  type CrmUpdate,
  type CrmWriteResult,
} from '../ports/crm-gateway';
import type { Locks } from '../ports/lock';
import { countsAsRefusal, needsAttention } from './crm-record-attention';
import { crmInvoices } from './crm-invoices';
import { noteTaskOwnerFallbacks, taskOwnerFallbacksOf } from './task-owner-fallbacks';
import { COMPANY_ROLES, rememberTaskOwners, syncTaskOwners } from './task-owner-sync';
import type { CollectionsStore, CrmBulkJob, StoredTask } from '../ports/store';

/** Account cards saved per statement, and the most held back while the CRM writes go first. */
const CARD_BATCH = 500;
const CARDS_HELD = 20000;

/** Fields holding numbers, dates or flags; every other field is text a CRM export may open in a spreadsheet. */
const NOT_TEXT = new Set([
  'collections_overdue_amount',
  'collections_outstanding_amount',
  'collections_oldest_days_past_due',
  'collections_risk_score',
  'collections_next_renewal_date',
  'collections_days_to_renewal',
  'collections_automation_paused',
]);

/**
 * The CRM fields of one account: strings, as CRMs take them. Amounts in the largest balance's currency.
 * Text that would run as a spreadsheet formula (an id or a name from billing data) gets an apostrophe.
 */
export function companyFields(
  customerId: string,
  status: AccountStatus,
  risk: AccountRisk | null,
): Record<string, string> {
  const fields = accountFields(customerId, status, risk);
  for (const [name, value] of Object.entries(fields))
    if (!NOT_TEXT.has(name)) fields[name] = neutraliseFormula(value);
  return fields;
}

function accountFields(
  customerId: string,
  status: AccountStatus,
  risk: AccountRisk | null,
): Record<string, string> {
  const main = [...status.balances].sort(
    (a, b) => b.outstandingMinor - a.outstandingMinor || a.currency.localeCompare(b.currency),
  )[0];
  const failure = status.lastFailure;
  return {
    collections_billing_customer_id: customerId,
    collections_status: status.status,
    collections_currency: main?.currency ?? '',
    collections_overdue_amount:
      main === undefined ? '0' : formatMinorAsDecimal(main.overdueMinor, main.currency),
    collections_outstanding_amount:
      main === undefined ? '0' : formatMinorAsDecimal(main.outstandingMinor, main.currency),
    collections_oldest_days_past_due: String(status.oldestDaysPastDue),
    collections_risk_score: risk === null ? '' : String(risk.score),
    collections_risk_tier: risk?.tier ?? '',
    collections_risk_reasons:
      risk === null
        ? ''
        : risk.reasons
            .slice(0, 3)
            .map((reason) => reason.text)
            .join('; '),
    collections_next_renewal_date: status.nextRenewalOn ?? '',
    collections_days_to_renewal: status.daysToRenewal === null ? '' : String(status.daysToRenewal),
    collections_last_payment_failure:
      failure === null
        ? ''
        : `${failure.on}: ${failure.code ?? 'declined'} (${failure.class}): ${failure.action}`,
    collections_automation_paused: status.paused === null ? 'false' : 'true',
  };
}

/** Why an open task no longer needs doing, or null while it does. Manual tasks are left to people. */
export function resolution(task: StoredTask, status: AccountStatus): string | null {
  if (task.ruleId === 'manual') return null;
  if (task.invoiceId !== null) {
    const open = status.openInvoices.find((invoice) => invoice.invoiceId === task.invoiceId);
    if (open === undefined) return `invoice ${task.invoiceId} is paid or voided`;
    if (/dispute/i.test(task.ruleId) && !status.openDisputes.some((d) => d.invoiceId === task.invoiceId))
      return `the dispute on ${task.invoiceId} is closed`;
    return null;
  }
  return status.status === 'current' ? 'the account is current' : null;
}

export type CrmSyncReport = {
  crm: string;
  accounts: number;
  mapped: number;
  changed: number;
  written: number;
  failed: { crmId: string; code: string; message: string }[];
  tasksCreated: number;
  tasksCompleted: number;
  /** Open tasks given to someone else: their company's owner or CSM changed (CRMs that say so). */
  tasksReassigned: number;
  /** Accepted payment terms written to their deals. */
  dealsWritten: number;
  /** Invoices written under their companies (CRMs that list them: Salesforce). */
  invoicesWritten: number;
  /** Bulk jobs finished by this sync (one started before a restart, then this sync's own). */
  bulkJobs: string[];
  /** Accounts whose records or tasks the CRM refused for now (a locked row, a 5xx): to sync again. */
  retryLater: string[];
  /** Accounts not sent: the CRM refused this same content for good, or too often (see the doctor). */
  needsAttention: number;
  /** Set when the sync stopped early: the CRM's daily limit, or credentials to renew. */
  stopped: {
    reason: string;
    action: string;
    kind: 'limit' | 'reconnect';
    retryAfterMs?: number;
    /** The permissions the CRM said are missing: the installation needs them granted. */
    missingScopes?: readonly string[];
  } | null;
  apiRequests: number;
  rateLimited: number;
};

/** Write calls open at once when the gateway does not say. */
const WRITE_CONCURRENCY = 4;
/** Up to this many accounts in a sync, their sync state, pauses and tasks are read by id. */
const SCOPED_READ_LIMIT = 1000;

export type CrmSyncOptions = {
  riskTiers?: RiskTiers;
  renewalWindowDays?: number;
  /** Only these accounts (after billing changes); every account when absent. */
  customerIds?: readonly string[];
  /** Accounts a sync that did not finish worked on: their task creates may have landed. */
  unfinished?: readonly string[];
  /** Called with the accounts whose tasks are about to be created in the CRM, before any is sent. */
  beforeCreatingTasks?: (customerIds: readonly string[]) => Promise<void>;
  onProgress?: (accounts: number) => void;
};

/** Writes invoices batch by batch; a temporary failure stops this sync's invoices (kept for the next). */
async function writeInvoicesUntilFailure(
  store: CollectionsStore,
  tenant: TenantId,
  batchSize: number,
  pending: readonly { invoice: CrmInvoice; hash: string }[],
  options: {
    write: NonNullable<CrmGateway['writeInvoices']>;
    stateKey: string;
    report: CrmSyncReport;
  },
): Promise<void> {
  for (let start = 0; start < pending.length; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    let result: CrmWriteResult;
    try {
      result = await options.write(batch.map((entry) => entry.invoice));
    } catch (error) {
      const action = classifyFailure(error);
      if (action === 'pause_until_tomorrow' || action === 'reconnect') throw error;
      options.report.failed.push({
        crmId: batch[0]?.invoice.invoiceId ?? 'invoices',
        code: error instanceof IntegrationError ? error.code : 'unknown',
        message: `invoices not written this time (${pending.length - start} left for the next sync): ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    const written = new Set(result.written);
    options.report.invoicesWritten += written.size;
    options.report.failed.push(...result.failed);
    await store.saveCrmSyncState(
      tenant,
      options.stateKey,
      batch
        .filter((entry) => written.has(entry.invoice.invoiceId))
        .map((entry) => ({
          customerId: entry.invoice.invoiceId,
          crmId: entry.invoice.companyId,
          hash: entry.hash,
        })),
    );
  }
}

/**
 * The open tasks of the accounts this sync went over, already in the CRM before it, follow their
 * company's owner and CSM. A failure other than a limit or refused credentials leaves them for the
 * next sync (the owners last written are kept per task).
 */
async function moveTaskOwners(
  store: CollectionsStore,
  gateway: CrmGateway,
  tenant: TenantId,
  report: CrmSyncReport,
  scope: {
    tasks: readonly StoredTask[];
    crmIds: ReadonlyMap<string, string>;
    completed: ReadonlySet<string>;
  },
): Promise<void> {
  if (gateway.taskOwners === undefined) return;
  const tasks = scope.tasks.flatMap((task) => {
    const companyId = scope.crmIds.get(task.customerId);
    return task.crmTaskId === null ||
      companyId === undefined ||
      task.assignee == null ||
      !COMPANY_ROLES.has(task.assignee) ||
      scope.completed.has(task.actionId)
      ? []
      : [{ crmTaskId: task.crmTaskId, companyId, assignee: task.assignee }];
  });
  try {
    const moved = await syncTaskOwners(store, gateway, tenant, tasks, 'remember');
    report.tasksReassigned = moved.moved;
    report.failed.push(...moved.failed);
  } catch (error) {
    const action = classifyFailure(error);
    if (action === 'pause_until_tomorrow' || action === 'reconnect') throw error;
    report.failed.push({
      crmId: 'task owners',
      code: error instanceof IntegrationError ? error.code : 'unknown',
      message: `task owners not checked this time: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/**
 * Writes every mapped account's collections fields to the CRM (only values that changed since the last
 * write, by hash), creates the open tasks not yet in the CRM with their company association, and
 * completes tasks whose cause is resolved, in the CRM and here.
 */
export async function syncCrm(
  store: CollectionsStore,
  gateway: CrmGateway,
  tenant: TenantId,
  asOf: CalendarDate,
  options: CrmSyncOptions = {},
): Promise<CrmSyncReport> {
  const only = options.customerIds;
  // A change's few accounts read only their own state; a whole book (or a large part) reads it all.
  const scope = only !== undefined && only.length <= SCOPED_READ_LIMIT ? only : undefined;
  const [state, pauses, context, openTasks, versions] = await Promise.all([
    store.getCrmSyncState(tenant, gateway.name, scope),
    store.listAutomationPauses(tenant, scope),
    loadCardContext(store, tenant, {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
    }),
    store.listTasks(tenant, { state: 'open', ...(scope === undefined ? {} : { customerIds: scope }) }),
    store.getAccountCardVersions(tenant, only),
  ]);
  const tasksByCustomer = groupTasks(openTasks);
  const refused = new Map(
    (await store.listCrmRecordFailures(tenant, gateway.name)).map((failure) => [failure.customerId, failure]),
  );
  // Invoices keep their own hashes, by invoice id, beside the companies'.
  const invoiceCrm = `${gateway.name}:invoices`;
  const writeInvoices = gateway.writeInvoices?.bind(gateway);
  const invoiceState: Map<string, { crmId: string; hash: string }> =
    writeInvoices === undefined ? new Map() : await store.getCrmSyncState(tenant, invoiceCrm);
  const invoicesPending: { invoice: CrmInvoice; hash: string }[] = [];
  const recheck = new Set(options.unfinished ?? []);
  const crmIds = new Map<string, string>();
  const cards: { customerId: string; version: number; asOf: CalendarDate; card: AccountCard }[] = [];

  const report: CrmSyncReport = {
    crm: gateway.name,
    accounts: 0,
    mapped: 0,
    changed: 0,
    written: 0,
    failed: [],
    tasksCreated: 0,
    tasksCompleted: 0,
    tasksReassigned: 0,
    dealsWritten: 0,
    invoicesWritten: 0,
    bulkJobs: [],
    retryLater: [],
    needsAttention: 0,
    stopped: null,
    apiRequests: 0,
    rateLimited: 0,
  };
  let pending: { customerId: string; update: CrmUpdate; hash: string }[] = [];
  const toCreate: (CrmTaskInput & { customerId: string })[] = [];
  const toComplete: { task: StoredTask; reason: string }[] = [];
  const syncedAt = new Date(toDayNumber(asOf) * 86400000).toISOString();
  /** Write calls on their way; each removes itself when settled, keeping the first failure. */
  const writes = new Set<Promise<void>>();
  let writeFailure: { error: unknown } | null = null;
  const writeConcurrency = Math.max(1, gateway.writeConcurrency ?? WRITE_CONCURRENCY);

  const withSyncedAt = (entry: (typeof pending)[number]): CrmUpdate => ({
    crmId: entry.update.crmId,
    properties: { ...entry.update.properties, collections_last_synced: syncedAt },
  });
  /** What the CRM accepted becomes the records' stored state (their hash); the rest is reported. */
  /** Failures worth trying again (a locked row, a 5xx) keep their account for the next sync. */
  const retryLater = (
    failed: CrmWriteResult['failed'],
    customerOf: (crmId: string) => string | undefined,
  ) => {
    for (const failure of failed) {
      if (actionFor(failure.code) !== 'retry') continue;
      const customerId = customerOf(failure.crmId);
      if (customerId !== undefined) report.retryLater.push(customerId);
    }
  };
  /** Refusals that would come back on every sync are counted, and left for a person past their limit. */
  const noteRefusals = async (
    entries: readonly { customerId: string; crmId: string; hash: string }[],
    written: ReadonlySet<string>,
    failed: CrmWriteResult['failed'],
  ) => {
    const byCrmId = new Map(entries.map((entry) => [entry.crmId, entry]));
    await store.noteCrmRecordFailures(
      tenant,
      gateway.name,
      failed.flatMap((failure) => {
        const entry = byCrmId.get(failure.crmId);
        if (entry === undefined || !countsAsRefusal(failure.code)) return [];
        return [{ ...entry, code: failure.code, message: failure.message }];
      }),
    );
    const cleared = entries.filter((entry) => written.has(entry.crmId) && refused.has(entry.customerId));
    await store.clearCrmRecordFailures(
      tenant,
      gateway.name,
      cleared.map((entry) => entry.customerId),
    );
  };
  const settle = async (
    entries: readonly { customerId: string; crmId: string; hash: string }[],
    result: CrmWriteResult,
  ) => {
    const written = new Set(result.written);
    report.written += result.written.length;
    report.failed.push(...result.failed);
    const byCrmId = new Map(entries.map((entry) => [entry.crmId, entry.customerId]));
    retryLater(result.failed, (crmId) => byCrmId.get(crmId));
    await noteRefusals(entries, written, result.failed);
    await store.saveCrmSyncState(
      tenant,
      gateway.name,
      entries.filter((entry) => written.has(entry.crmId)),
    );
  };
  const entryOf = (entry: (typeof pending)[number]) => ({
    customerId: entry.customerId,
    crmId: entry.update.crmId,
    hash: entry.hash,
  });
  /** One write call, then what it wrote is settled. */
  const writeBatch = async (batch: typeof pending) => {
    if (batch.length === 0) return;
    await settle(batch.map(entryOf), await gateway.updateRecords('companies', batch.map(withSyncedAt)));
  };
  /**
   * Sends a batch without waiting for its answer, once fewer than the gateway's concurrency are on
   * their way (whichever answers first makes room). Each account is in one batch of a sync, so no
   * record is in two writes at once.
   */
  const startWrite = async (batch: typeof pending) => {
    await writesBelow(writeConcurrency);
    const write: Promise<void> = writeBatch(batch).then(
      () => {
        writes.delete(write);
      },
      (error: unknown) => {
        writes.delete(write);
        writeFailure ??= { error };
      },
    );
    writes.add(write);
  };
  /** Waits until fewer than `open` writes are on their way, then throws the first failure, if any. */
  const writesBelow = async (open: number) => {
    while (writes.size >= open) {
      // The writes may all settle while a save waits for the one before it: the count is read again,
      // as racing an empty set would wait forever.
      if (cards.length >= CARD_BATCH) {
        await saveCards(cards.splice(0, CARD_BATCH));
        continue;
      }
      await Promise.race(writes);
    }
    if (writeFailure !== null) throw writeFailure.error;
  };
  /**
   * Cards are saved a batch at a time, one save in flight, without holding up the next accounts: a
   * failed save is thrown by the next save or at the end. They are saved while the sync waits on the
   * CRM's answers or rate limit (see `writesBelow`), or once CARDS_HELD are waiting.
   */
  let cardsSaved: Promise<void> = Promise.resolve();
  const saveCards = async (batch: typeof cards) => {
    await cardsSaved;
    cardsSaved = store.saveAccountCards(tenant, batch).then(() => undefined);
    cardsSaved.catch(() => undefined);
  };
  const bulk = gateway.bulk;
  // With a bulk path, changes are gathered first: few go in collection calls, many in one bulk job.
  const flushEvery = bulk === undefined ? gateway.batchSize : Number.MAX_SAFE_INTEGER;
  /** A bulk job started before a crash or restart is finished first, and its records settled. */
  const finishBulkJob = async (job: CrmBulkJob) => {
    if (bulk === undefined) return;
    const result = await bulk.finish(job.jobId);
    await settle(job.entries, result);
    await store.finishCrmBulkJob(tenant, gateway.name, job.jobId);
    report.bulkJobs.push(job.jobId);
  };

  try {
    const unfinished = bulk === undefined ? undefined : await store.getCrmBulkJob(tenant, gateway.name);
    if (unfinished !== undefined) await finishBulkJob(unfinished);
    for await (const facts of accountFacts(store, tenant, only)) {
      report.accounts += 1;
      if (report.accounts % 1000 === 0) options.onProgress?.(report.accounts);
      const customerId = facts.customer.customerId;
      const card = buildAccountCard(
        facts,
        asOf,
        context,
        pauses.get(customerId) ?? null,
        tasksByCustomer.get(customerId) ?? [],
      );
      // The sync computes every card anyway: they are saved for the CRM cards to read.
      cards.push({ customerId, version: versions.get(customerId) ?? 0, asOf, card });
      if (cards.length >= CARDS_HELD) await saveCards(cards.splice(0, CARD_BATCH));
      const crmId = facts.customer.crmCompanyId;
      if (crmId === null) continue;
      crmIds.set(customerId, crmId);
      report.mapped += 1;
      const status = card.status;
      const properties = companyFields(customerId, status, card.risk);
      const hash = stableId(JSON.stringify([crmId, properties]));
      if (writeInvoices !== undefined)
        for (const invoice of crmInvoices(facts, status, crmId, asOf)) {
          const invoiceHash = stableId(JSON.stringify(invoice));
          if (invoiceState.get(invoice.invoiceId)?.hash !== invoiceHash)
            invoicesPending.push({ invoice, hash: invoiceHash });
        }
      const previous = state.get(customerId);
      const refusal = refused.get(customerId);
      if (refusal !== undefined && refusal.hash === hash && needsAttention(refusal))
        report.needsAttention += 1;
      else if (previous === undefined || previous.hash !== hash || previous.crmId !== crmId) {
        report.changed += 1;
        pending.push({ customerId, update: { crmId, properties }, hash });
        // Writes overlap with reading the next accounts; the gateway's limiter keeps the pace.
        if (pending.length >= flushEvery) await startWrite(pending.splice(0, pending.length));
      }
      for (const task of tasksByCustomer.get(facts.customer.customerId) ?? []) {
        const why = resolution(task, status);
        if (why !== null) toComplete.push({ task, reason: why });
        else if (task.crmTaskId === null)
          toCreate.push({
            key: task.actionId,
            customerId: task.customerId,
            companyId: crmId,
            subject: neutraliseFormula(task.title),
            body: neutraliseFormula(task.body),
            dueMs: toDayNumber(task.dueOn) * 86400000 + 9 * 3600000,
            priority: task.priority === 'high' ? 'HIGH' : task.priority === 'low' ? 'LOW' : 'MEDIUM',
            assignee: task.assignee,
            ...(recheck.has(task.customerId) ? { mayExist: true } : {}),
          });
      }
    }
    if (bulk !== undefined && pending.length >= bulk.threshold) {
      const job: CrmBulkJob = {
        jobId: await bulk.start('companies', pending.map(withSyncedAt)),
        type: 'companies',
        entries: pending.map(entryOf),
      };
      pending = [];
      // Kept before waiting: a crash while the job runs resumes it on the next sync.
      await store.saveCrmBulkJob(tenant, gateway.name, job);
      await finishBulkJob(job);
    }
    while (pending.length > 0) await startWrite(pending.splice(0, gateway.batchSize));
    await writesBelow(1);
    while (cards.length > 0) await saveCards(cards.splice(0, CARD_BATCH));
    await cardsSaved;
    if (toCreate.length > 0) {
      await options.beforeCreatingTasks?.([...new Set(toCreate.map((task) => task.customerId))]);
      const created = await gateway.createTasks(toCreate);
      await store.setCrmTaskIds(
        tenant,
        created.created.map((entry) => ({ taskId: entry.key, crmTaskId: entry.crmTaskId })),
      );
      report.tasksCreated = created.created.length;
      await rememberTaskOwners(
        store,
        gateway.name,
        tenant,
        created.created.flatMap((entry) =>
          entry.ownerId === undefined ? [] : [{ crmTaskId: entry.crmTaskId, ownerId: entry.ownerId }],
        ),
      );
      const failedTasks = created.failed.map((entry) => ({
        crmId: entry.key,
        code: entry.code,
        message: entry.message,
      }));
      report.failed.push(...failedTasks);
      const customerOfTask = new Map(toCreate.map((task) => [task.key, task.customerId]));
      retryLater(failedTasks, (key) => customerOfTask.get(key));
      const landed = new Set(created.created.map((entry) => entry.key));
      await noteTaskOwnerFallbacks(
        store,
        tenant,
        gateway.name,
        new Map(toCreate.map((task) => [task.key, task.companyId])),
        (created.ownerFallbacks ?? []).filter((fallback) => landed.has(fallback.key)),
      );
    }
    if (toComplete.length > 0) {
      // A task with no CRM id may still be there: its create may have landed without an answer, in a
      // sync whose marks are gone since. It is looked for by key, so it is completed there too.
      const unknown = toComplete.filter(
        (entry) => entry.task.crmTaskId === null && crmIds.has(entry.task.customerId),
      );
      const landed =
        unknown.length === 0
          ? new Map<string, string>()
          : await gateway.findTasks(
              unknown.flatMap((entry) => {
                const companyId = crmIds.get(entry.task.customerId);
                return companyId === undefined ? [] : [{ key: entry.task.actionId, companyId }];
              }),
            );
      await store.setCrmTaskIds(
        tenant,
        [...landed].map(([taskId, crmTaskId]) => ({ taskId, crmTaskId })),
      );
      const crmTaskOf = (entry: (typeof toComplete)[number]) =>
        entry.task.crmTaskId ?? landed.get(entry.task.actionId);
      const inCrm = toComplete.flatMap((entry) => {
        const id = crmTaskOf(entry);
        return id === undefined ? [] : [id];
      });
      const completed: CrmWriteResult =
        inCrm.length > 0 ? await gateway.completeTasks(inCrm) : { written: [], failed: [] };
      report.failed.push(...completed.failed);
      const customerOfCrmTask = new Map(
        toComplete.map((entry) => [crmTaskOf(entry) ?? '', entry.task.customerId]),
      );
      retryLater(completed.failed, (crmTaskId) => customerOfCrmTask.get(crmTaskId));
      // A task the CRM did not complete stays open here, so the next sync completes it there.
      const notCompleted = new Set(completed.failed.map((failure) => failure.crmId));
      const done = toComplete.filter((entry) => !notCompleted.has(crmTaskOf(entry) ?? ''));
      report.tasksCompleted = await store.completeTasks(
        tenant,
        done.map((entry) => ({ taskId: entry.task.actionId, reason: entry.reason })),
      );
      await store.clearCrmRecordFailures(
        tenant,
        taskOwnerFallbacksOf(gateway.name),
        done.map((entry) => entry.task.actionId),
      );
    }
    await moveTaskOwners(store, gateway, tenant, report, {
      tasks: openTasks,
      crmIds,
      completed: new Set(toComplete.map((entry) => entry.task.actionId)),
    });
    // Invoices come after the tasks (what people act on first), and a failed invoice call does not
    // undo the sync: what was not written keeps its old hash and goes again next time.
    if (writeInvoices !== undefined)
      await writeInvoicesUntilFailure(store, tenant, gateway.batchSize, invoicesPending, {
        write: writeInvoices,
        stateKey: invoiceCrm,
        report,
      });
    // Accepted payment terms go to their deals, the latest acceptance per deal.
    const accepted = await store.listTermAcceptances(tenant, { unsynced: true });
    const latestByDeal = new Map<string, (typeof accepted)[number]>();
    for (const acceptance of accepted)
      if (acceptance.dealId !== null) latestByDeal.set(acceptance.dealId, acceptance);
    if (latestByDeal.size > 0) {
      const result = await gateway.updateRecords(
        'deals',
        [...latestByDeal.values()].map((acceptance) => {
          const body = acceptance.body as { option?: { label?: string }; buyerRiskTier?: string };
          return {
            crmId: acceptance.dealId as string,
            properties: {
              collections_recommended_terms: body.option?.label ?? acceptance.optionId,
              collections_buyer_risk: body.buyerRiskTier ?? '',
            },
          };
        }),
      );
      report.dealsWritten = result.written.length;
      report.failed.push(...result.failed);
      const written = new Set(result.written);
      await store.markTermAcceptancesSynced(
        tenant,
        accepted
          .filter((acceptance) => acceptance.dealId === null || written.has(acceptance.dealId))
          .map((acceptance) => acceptance.recommendationId),
      );
    }
  } catch (error) {
    await Promise.all(writes);
    await cardsSaved.catch(() => undefined);
    const action = classifyFailure(error);
    if (!(error instanceof IntegrationError) || (action !== 'pause_until_tomorrow' && action !== 'reconnect'))
      throw error;
    report.stopped = {
      reason: error.message,
      action:
        action === 'pause_until_tomorrow'
          ? error.retryAfterMs === undefined
            ? 'the daily API limit is reached: the sync continues tomorrow'
            : `the daily API limit or our budget of it is reached: the sync pauses for ${Math.round(error.retryAfterMs / 60000)} minutes`
          : error.missingScopes !== undefined
            ? `reinstall the CRM app to grant the missing scopes: ${error.missingScopes.join(', ')}`
            : 'reconnect the CRM: credentials were refused',
      kind: action === 'pause_until_tomorrow' ? 'limit' : 'reconnect',
      ...(error.missingScopes === undefined ? {} : { missingScopes: error.missingScopes }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  const stats = gateway.stats();
  report.apiRequests = stats.requests;
  report.rateLimited = stats.rateLimited;
  return report;
}

/** The start of the next UTC day, when a daily API limit resets. */
function nextUtcMidnight(now: number): string {
  const day = Math.floor(now / 86400000) + 1;
  return new Date(day * 86400000).toISOString().replace('.000Z', 'Z');
}

/**
 * A sync that respects the tenant's pause: while the CRM's daily limit is reached the sync does not
 * run (it says until when); when a sync hits the limit, it pauses until the limit resets.
 */
export async function syncCrmUnlessPaused(
  store: CollectionsStore,
  gateway: CrmGateway,
  tenant: TenantId,
  asOf: CalendarDate,
  options: Parameters<typeof syncCrm>[4] & { now?: () => number } = {},
): Promise<CrmSyncReport | { skipped: { until: string; reason: string } }> {
  const now = options.now ?? Date.now;
  const installation = await store.getCrmInstallationForTenant(tenant, gateway.name);
  const pause = installation?.syncPause ?? null;
  if (pause !== null && Date.parse(pause.until) > now()) return { skipped: pause };
  if (pause !== null) await store.setCrmSyncPause(tenant, gateway.name, null);
  const report = await syncCrm(store, gateway, tenant, asOf, options);
  const stopped = report.stopped;
  if (stopped?.kind === 'limit')
    await store.setCrmSyncPause(tenant, gateway.name, {
      until:
        stopped.retryAfterMs === undefined
          ? nextUtcMidnight(now())
          : new Date(now() + stopped.retryAfterMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason: stopped.reason,
    });
  // Refused credentials (also after a token refresh) need a person: the sync stays off until then.
  // Missing scopes also need a person, but are tried again now and then: they may have been granted.
  if (stopped?.kind === 'reconnect')
    await store.setCrmSyncPause(
      tenant,
      gateway.name,
      stopped.missingScopes === undefined
        ? reconnectPause(stopped.reason, '9999-12-31T00:00:00Z')
        : missingScopesPause(
            stopped.missingScopes,
            new Date(now() + MISSING_SCOPES_RETRY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ),
    );
  return report;
}

/** Which accounts a sync works on: every account (`collections sync`), or those a change touched. */
export type CrmSyncScope = 'all' | { customerIds: readonly string[] };

export type CrmSyncRun = {
  /** Accounts added to the scope: an earlier sync left them unfinished, or the CRM lacks their tasks. */
  leftover: number;
  /** Null when there was nothing to do (no account in scope, no accepted terms to write). */
  outcome: CrmSyncReport | { skipped: { until: string; reason: string } } | null;
};

/** The key the per-tenant sync lock has always had (the refresh jobs took it first). */
const syncLockKey = (tenant: TenantId) => `account-refresh:${tenant}`;
/** Held while a tenant's sync runs; kept alive by its holder, gone soon after the holder dies. */
const SYNC_LOCK_TTL_MS = 30000;

/**
 * Runs `work` while holding the tenant's sync lock, across processes when the locks are shared: two
 * syncs of a tenant at once would create the same tasks twice. LockBusyError after `waitMs`.
 */
export function withTenantSyncLock<T>(
  locks: Locks,
  tenant: TenantId,
  waitMs: number,
  work: () => Promise<T>,
): Promise<T> {
  return locks.withLock(syncLockKey(tenant), { ttlMs: SYNC_LOCK_TTL_MS, waitMs }, work);
}

/**
 * The one CRM sync of the jobs and the command line. Accounts are marked before the CRM sees any task
 * of theirs and cleared once the sync finished, so a sync that died part way (a killed process, the CRM
 * down) is finished by the next one: the tasks of marked accounts are looked up by key before any is
 * created again. Accounts the CRM refused for now (a locked row, a 5xx) stay marked. Callers hold the
 * tenant's sync lock (withTenantSyncLock).
 */
export async function runCrmSync(
  store: CollectionsStore,
  gateway: CrmGateway,
  tenant: TenantId,
  asOf: CalendarDate,
  scope: CrmSyncScope,
  options: Omit<CrmSyncOptions, 'customerIds' | 'unfinished' | 'beforeCreatingTasks'> & {
    now?: () => number;
  } = {},
): Promise<CrmSyncRun> {
  const crm = gateway.name;
  const left = await store.listCrmSyncPending(tenant, crm);
  const leftover = [...new Set([...left.unfinished, ...left.tasksToCreate])];
  const asked = scope === 'all' ? undefined : new Set(scope.customerIds);
  const customerIds = asked === undefined ? undefined : [...new Set([...asked, ...leftover])];
  if (customerIds?.length === 0 && (await store.listTermAcceptances(tenant, { unsynced: true })).length === 0)
    return { leftover: 0, outcome: null };
  // A change's accounts are marked up front, so records the CRM did not take are written again too.
  if (customerIds !== undefined) await store.markCrmSyncPending(tenant, crm, customerIds);
  const outcome = await syncCrmUnlessPaused(store, gateway, tenant, asOf, {
    ...options,
    ...(customerIds === undefined ? {} : { customerIds }),
    unfinished: left.unfinished,
    beforeCreatingTasks: (accounts) => store.markCrmSyncPending(tenant, crm, accounts),
  });
  if (!('skipped' in outcome) && outcome.stopped === null) {
    const again = new Set(outcome.retryLater);
    // A whole-book sync went over every account, so every mark (this sync's and earlier ones') is done.
    const done = customerIds ?? (await store.listCrmSyncPending(tenant, crm)).unfinished;
    await store.clearCrmSyncPending(
      tenant,
      crm,
      done.filter((customerId) => !again.has(customerId)),
    );
  }
  return {
    leftover: asked === undefined ? leftover.length : (customerIds?.length ?? 0) - asked.size,
    outcome,
  };
}
