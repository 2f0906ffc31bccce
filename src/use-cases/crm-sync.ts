import type { AccountStatus } from '../domain/account-status';
import { toDayNumber, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { formatMinorAsDecimal } from '../domain/money';
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
  type CrmTaskInput,
  type CrmUpdate,
  type CrmWriteResult,
} from '../ports/crm-gateway';
import type { CollectionsStore, CrmBulkJob, StoredTask } from '../ports/store';

/** The CRM fields of one account: strings, as CRMs take them. Amounts in the largest balance's currency. */
export function companyFields(
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
  /** Accepted payment terms written to their deals. */
  dealsWritten: number;
  /** Bulk jobs finished by this sync (one started before a restart, then this sync's own). */
  bulkJobs: string[];
  /** Accounts whose records or tasks the CRM refused for now (a locked row, a 5xx): to sync again. */
  retryLater: string[];
  /** Set when the sync stopped early: the CRM's daily limit, or credentials to renew. */
  stopped: { reason: string; action: string; kind: 'limit' | 'reconnect'; retryAfterMs?: number } | null;
  apiRequests: number;
  rateLimited: number;
};

const IN_FLIGHT = 4;

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
  options: {
    riskTiers?: RiskTiers;
    renewalWindowDays?: number;
    /** Only these accounts (after billing changes); every account when absent. */
    customerIds?: readonly string[];
    /** Accounts a sync that did not finish worked on: their task creates may have landed. */
    unfinished?: readonly string[];
    onProgress?: (accounts: number) => void;
  } = {},
): Promise<CrmSyncReport> {
  const only = options.customerIds;
  const [state, pauses, context, openTasks, versions] = await Promise.all([
    store.getCrmSyncState(tenant, gateway.name),
    store.listAutomationPauses(tenant),
    loadCardContext(store, tenant, {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
    }),
    store.listTasks(tenant, { state: 'open' }),
    store.getAccountCardVersions(tenant, only),
  ]);
  const tasksByCustomer = groupTasks(openTasks);
  const recheck = new Set(options.unfinished ?? []);
  const crmIds = new Map<string, string>();
  let cards: { customerId: string; version: number; asOf: CalendarDate; card: AccountCard }[] = [];

  const report: CrmSyncReport = {
    crm: gateway.name,
    accounts: 0,
    mapped: 0,
    changed: 0,
    written: 0,
    failed: [],
    tasksCreated: 0,
    tasksCompleted: 0,
    dealsWritten: 0,
    bulkJobs: [],
    retryLater: [],
    stopped: null,
    apiRequests: 0,
    rateLimited: 0,
  };
  let pending: { customerId: string; update: CrmUpdate; hash: string }[] = [];
  const toCreate: (CrmTaskInput & { customerId: string })[] = [];
  const toComplete: { task: StoredTask; reason: string }[] = [];
  const syncedAt = new Date(toDayNumber(asOf) * 86400000).toISOString();
  const inFlight: Promise<void>[] = [];

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
  const settle = async (
    entries: readonly { customerId: string; crmId: string; hash: string }[],
    result: CrmWriteResult,
  ) => {
    const written = new Set(result.written);
    report.written += result.written.length;
    report.failed.push(...result.failed);
    const byCrmId = new Map(entries.map((entry) => [entry.crmId, entry.customerId]));
    retryLater(result.failed, (crmId) => byCrmId.get(crmId));
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
  const flush = () => writeBatch(pending.splice(0, pending.length));
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
      if (cards.length >= 500) {
        const saving = cards;
        cards = [];
        await store.saveAccountCards(tenant, saving);
      }
      const crmId = facts.customer.crmCompanyId;
      if (crmId === null) continue;
      crmIds.set(customerId, crmId);
      report.mapped += 1;
      const status = card.status;
      const properties = companyFields(customerId, status, card.risk);
      const hash = stableId(JSON.stringify([crmId, properties]));
      const previous = state.get(customerId);
      if (previous === undefined || previous.hash !== hash || previous.crmId !== crmId) {
        report.changed += 1;
        pending.push({ customerId, update: { crmId, properties }, hash });
        if (pending.length >= flushEvery) {
          // Writes overlap with reading the next accounts; the gateway's limiter keeps the pace.
          inFlight.push(flush());
          if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
        }
      }
      for (const task of tasksByCustomer.get(facts.customer.customerId) ?? []) {
        const why = resolution(task, status);
        if (why !== null) toComplete.push({ task, reason: why });
        else if (task.crmTaskId === null)
          toCreate.push({
            key: task.actionId,
            customerId: task.customerId,
            companyId: crmId,
            subject: task.title,
            body: task.body,
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
    while (pending.length > 0) {
      inFlight.push(writeBatch(pending.splice(0, gateway.batchSize)));
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    }
    while (inFlight.length > 0) await inFlight.shift();
    await store.saveAccountCards(tenant, cards);
    cards = [];

    if (toCreate.length > 0) {
      const created = await gateway.createTasks(toCreate);
      await store.setCrmTaskIds(
        tenant,
        created.created.map((entry) => ({ taskId: entry.key, crmTaskId: entry.crmTaskId })),
      );
      report.tasksCreated = created.created.length;
      const failedTasks = created.failed.map((entry) => ({
        crmId: entry.key,
        code: entry.code,
        message: entry.message,
      }));
      report.failed.push(...failedTasks);
      const customerOfTask = new Map(toCreate.map((task) => [task.key, task.customerId]));
      retryLater(failedTasks, (key) => customerOfTask.get(key));
    }
    if (toComplete.length > 0) {
      // A task whose create may have landed without an answer (its sync did not finish) is looked
      // for by key, so it is completed there too.
      const unknown = toComplete.filter(
        (entry) => entry.task.crmTaskId === null && recheck.has(entry.task.customerId),
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
      report.tasksCompleted = await store.completeTasks(
        tenant,
        toComplete
          .filter((entry) => !notCompleted.has(crmTaskOf(entry) ?? ''))
          .map((entry) => ({ taskId: entry.task.actionId, reason: entry.reason })),
      );
    }
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
    await Promise.allSettled(inFlight);
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
          : 'reconnect the CRM: credentials were refused',
      kind: action === 'pause_until_tomorrow' ? 'limit' : 'reconnect',
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
  if (stopped?.kind === 'reconnect')
    await store.setCrmSyncPause(tenant, gateway.name, {
      until: '9999-12-31T00:00:00Z',
      reason: `reconnect needed: ${stopped.reason}`,
    });
  return report;
}
