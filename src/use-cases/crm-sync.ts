import type { AccountStatus } from '../domain/account-status';
import {
  limitFailure,
  missingScopesFailure,
  reconnectFailure,
  type CrmSyncFailure,
} from '../domain/crm-sync-pause';
import { toDayNumber, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { formatMinorAsDecimal, formatMoney } from '../domain/money';
import { cardExpiryLabel } from '../domain/card-on-file';
import { neutraliseFormula } from '../domain/text';
import type { AccountRisk } from '../domain/risk/risk-model';
import { accountFacts, buildAccountCard, groupTasks, loadCardContext } from './account-card';
import { stableId } from '../domain/terms/stable-id';
import {
  classifyFailure,
  IntegrationError,
  type CrmGateway,
  type CrmInvoice,
  type CrmWriteResult,
} from '../ports/crm-gateway';
import type { Locks } from '../ports/lock';
import { needsAttention } from './crm-record-attention';
import { crmInvoices } from './crm-invoices';
import { COMPANY_ROLES, syncTaskOwners } from './task-owner-sync';
import { createCompanyWrites, type PendingWrite } from './crm-company-writes';
import { promisesByCustomer, type StoredPromise } from '../domain/promises';
import type { CrmSyncOptions, CrmSyncPorts, CrmSyncReport } from './crm-sync-types';

export type { CrmSyncOptions, CrmSyncPorts, CrmSyncReport } from './crm-sync-types';
import {
  completeResolvedTasks,
  createCrmTasks,
  writeAcceptedTerms,
  type TaskToComplete,
  type TaskToCreate,
} from './crm-sync-tasks';
import type { CrmInstallations } from '../ports/crm-installations';
import type { CrmSyncStore } from '../ports/crm-sync';
import type { StoredTask } from '../ports/tasks';

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
  openPromises: readonly StoredPromise[] = [],
): Record<string, string> {
  const fields = accountFields(customerId, status, risk);
  fields['collections_promise'] = promiseLine(openPromises);
  fields['collections_card_on_file'] = cardOnFileLine(status);
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

/** "USD 12,000.00 by 2026-12-15", the earliest promise first; each currency on its own. */
function promiseLine(openPromises: readonly StoredPromise[]): string {
  return [...openPromises]
    .sort((a, b) => (a.promisedOn < b.promisedOn ? -1 : a.promisedOn > b.promisedOn ? 1 : 0))
    .map(
      (promise) =>
        `${promise.amounts.map((amount) => formatMoney(amount.amountMinor, amount.currency)).join(' + ')} by ${promise.promisedOn}`,
    )
    .join('; ');
}

const CARD_BRANDS: Readonly<Record<string, string>> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/**
 * "Visa ending 4242 expires 11/26, before the renewal on 2026-12-15" while the card on file expires
 * before the next charge; empty otherwise.
 */
function cardOnFileLine(status: AccountStatus): string {
  const card = status.cardOnFile;
  const next = status.cardExpiresBeforeNext;
  if (card === null || next === null) return '';
  const brand = CARD_BRANDS[card.brand.toLowerCase()] ?? (card.brand === '' ? 'Card' : card.brand);
  const charge = next.what === 'renewal' ? 'the renewal' : 'the invoice due';
  return `${brand} ending ${card.last4} expires ${cardExpiryLabel(card)}, before ${charge} on ${next.nextChargeOn}`;
}

/**
 * Why an open task no longer needs doing, or null while it does. Manual tasks and the follow-ups of
 * unkept promises are left to people.
 */
export function resolution(task: StoredTask, status: AccountStatus): string | null {
  switch (task.cause) {
    case 'manual':
      return null;
    case 'promise':
      // A broken promise's follow-up is a person's conversation about trust and what comes next: money
      // arriving late does not answer it, so only the owner closes it.
      return null;
    case 'account':
      return status.status === 'current' ? 'the account is current' : null;
    // Open while the card on file still expires before the next charge, and once a payment has failed
    // (the failure is then handled, and the card still needs updating).
    case 'card_expiry':
      if (status.cardOnFile === null || status.cardExpiresBeforeNext !== null || status.lastFailure !== null)
        return null;
      return status.nextRenewalOn === null && status.openInvoices.length === 0
        ? 'no renewal or invoice is left to charge'
        : 'the card on file was updated';
    case 'invoice':
    case 'dispute': {
      const open = status.openInvoices.some((invoice) => invoice.invoiceId === task.invoiceId);
      if (!open) return `invoice ${task.invoiceId ?? ''} is paid or voided`;
      if (task.cause === 'dispute' && !status.openDisputes.some((d) => d.invoiceId === task.invoiceId))
        return `the dispute on ${task.invoiceId ?? ''} is closed`;
      return null;
    }
  }
}

/** A sync stopped by 429s that outlasted the gateway's bounded waits tries again after at least this. */
const RATE_LIMITED_PAUSE_MS = 5 * 60 * 1000;
/** Up to this many accounts in a sync, their sync state, pauses and tasks are read by id. */
const SCOPED_READ_LIMIT = 1000;

/** Writes invoices batch by batch; a temporary failure stops this sync's invoices (kept for the next). */
async function writeInvoicesUntilFailure(
  store: CrmSyncStore,
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
  store: CrmSyncStore,
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

function emptyReport(crm: string): CrmSyncReport {
  return {
    crm,
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
}

/**
 * Why a failure stops the sync early (a limit, refused credentials, 429s that outlasted the gateway's
 * bounded waits), with what to do; null for a failure the sync does not survive.
 */
function stopOf(error: unknown): CrmSyncReport['stopped'] {
  const action = classifyFailure(error);
  // A 429 that outlasted the gateway's bounded waits stops the sync like a limit (it tries again later).
  const throttled = error instanceof IntegrationError && error.code === 'rate_limited';
  if (
    !(error instanceof IntegrationError) ||
    (action !== 'pause_until_tomorrow' && action !== 'reconnect' && !throttled)
  )
    return null;
  return {
    code: error.code,
    reason: error.message,
    action: throttled
      ? `the CRM kept answering 429 (too many requests): the sync tries again in ${Math.max(1, Math.round((error.retryAfterMs ?? RATE_LIMITED_PAUSE_MS) / 60000))} minutes`
      : action === 'pause_until_tomorrow'
        ? error.retryAfterMs === undefined
          ? 'the daily API limit is reached: the sync continues tomorrow'
          : `the daily API limit or our budget of it is reached: the sync pauses for ${Math.round(error.retryAfterMs / 60000)} minutes`
        : error.missingScopes !== undefined
          ? `reinstall the CRM app to grant the missing scopes: ${error.missingScopes.join(', ')}`
          : 'reconnect the CRM: credentials were refused',
    kind: action === 'reconnect' ? 'reconnect' : 'limit',
    ...(error.missingScopes === undefined ? {} : { missingScopes: error.missingScopes }),
    ...(throttled
      ? { retryAfterMs: Math.max(error.retryAfterMs ?? 0, RATE_LIMITED_PAUSE_MS) }
      : error.retryAfterMs === undefined
        ? {}
        : { retryAfterMs: error.retryAfterMs }),
  };
}

/** What one sync reads before it goes over the accounts. */
async function loadSyncInputs(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  options: CrmSyncOptions,
) {
  const only = options.customerIds;
  // A change's few accounts read only their own state; a whole book (or a large part) reads it all.
  const scope = only !== undefined && only.length <= SCOPED_READ_LIMIT ? only : undefined;
  const [state, pauses, context, openTasks, versions, failures, promises] = await Promise.all([
    store.getCrmSyncState(tenant, gateway.name, scope),
    store.listAutomationPauses(tenant, scope),
    loadCardContext(store, tenant, {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      ...(options.renewalWindowDays === undefined ? {} : { renewalWindowDays: options.renewalWindowDays }),
    }),
    store.listTasks(tenant, { state: 'open', ...(scope === undefined ? {} : { customerIds: scope }) }),
    store.getAccountCardVersions(tenant, only),
    store.listCrmRecordFailures(tenant, gateway.name),
    store.listPromises(tenant, scope === undefined ? {} : { customerIds: scope }),
  ]);
  // Invoices keep their own hashes, by invoice id, beside the companies'.
  const invoiceState: Map<string, { crmId: string; hash: string }> =
    gateway.writeInvoices === undefined
      ? new Map()
      : await store.getCrmSyncState(tenant, invoiceStateKey(gateway));
  return {
    state,
    pauses,
    context,
    openTasks,
    tasksByCustomer: groupTasks(openTasks),
    promisesByCustomer: promisesByCustomer(promises),
    versions,
    refused: new Map(failures.map((failure) => [failure.customerId, failure])),
    invoiceState,
  };
}

const invoiceStateKey = (gateway: CrmGateway) => `${gateway.name}:invoices`;

/** An account's open tasks: resolved ones to complete, ones the CRM lacks to create. */
function planTasks(
  tasks: readonly StoredTask[],
  status: AccountStatus,
  crmId: string,
  mayExist: boolean,
  plan: { toCreate: TaskToCreate[]; toComplete: TaskToComplete[] },
): void {
  for (const task of tasks) {
    const why = resolution(task, status);
    if (why !== null) plan.toComplete.push({ task, reason: why });
    else if (task.crmTaskId === null)
      plan.toCreate.push({
        key: task.actionId,
        customerId: task.customerId,
        companyId: crmId,
        subject: neutraliseFormula(task.title),
        body: neutraliseFormula(task.body),
        dueMs: toDayNumber(task.dueOn) * 86400000 + 9 * 3600000,
        priority: task.priority === 'high' ? 'HIGH' : task.priority === 'low' ? 'LOW' : 'MEDIUM',
        assignee: task.assignee,
        ...(mayExist ? { mayExist: true } : {}),
      });
  }
}

/**
 * Writes every mapped account's collections fields to the CRM (only values that changed since the last
 * write, by hash), creates the open tasks not yet in the CRM with their company association, and
 * completes tasks whose cause is resolved, in the CRM and here.
 */
export async function syncCrm(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  asOf: CalendarDate,
  options: CrmSyncOptions = {},
): Promise<CrmSyncReport> {
  const inputs = await loadSyncInputs(store, gateway, tenant, options);
  const report = emptyReport(gateway.name);
  const invoicesPending: { invoice: CrmInvoice; hash: string }[] = [];
  const recheck = new Set(options.unfinished ?? []);
  const crmIds = new Map<string, string>();
  const plan = { toCreate: [] as TaskToCreate[], toComplete: [] as TaskToComplete[] };
  const pending: PendingWrite[] = [];
  const syncedAt = new Date(toDayNumber(asOf) * 86400000).toISOString();
  const companies = createCompanyWrites(store, gateway, tenant, report, {
    refused: inputs.refused,
    syncedAt,
  });
  // With a bulk path, changes are gathered first: few go in collection calls, many in one bulk job.
  const flushEvery = gateway.bulk === undefined ? gateway.batchSize : Number.MAX_SAFE_INTEGER;

  try {
    const unfinished =
      gateway.bulk === undefined ? undefined : await store.getCrmBulkJob(tenant, gateway.name);
    if (unfinished !== undefined) await companies.finishBulkJob(unfinished);
    for await (const facts of accountFacts(store, tenant, options.customerIds)) {
      report.accounts += 1;
      if (report.accounts % 1000 === 0) options.onProgress?.(report.accounts);
      const customerId = facts.customer.customerId;
      const tasks = inputs.tasksByCustomer.get(customerId) ?? [];
      const card = buildAccountCard(
        facts,
        asOf,
        inputs.context,
        inputs.pauses.get(customerId) ?? null,
        tasks,
        inputs.promisesByCustomer.get(customerId) ?? [],
      );
      // The sync computes every card anyway: they are saved for the CRM cards to read.
      await companies.keepCard({ customerId, version: inputs.versions.get(customerId) ?? 0, asOf, card });
      const crmId = facts.customer.crmCompanyId;
      if (crmId === null) continue;
      crmIds.set(customerId, crmId);
      report.mapped += 1;
      const properties = companyFields(customerId, card.status, card.risk, card.promises?.open ?? []);
      const hash = stableId(JSON.stringify([crmId, properties]));
      if (gateway.writeInvoices !== undefined)
        for (const invoice of crmInvoices(facts, card.status, crmId, asOf)) {
          const invoiceHash = stableId(JSON.stringify(invoice));
          if (inputs.invoiceState.get(invoice.invoiceId)?.hash !== invoiceHash)
            invoicesPending.push({ invoice, hash: invoiceHash });
        }
      const previous = inputs.state.get(customerId);
      const refusal = inputs.refused.get(customerId);
      if (refusal !== undefined && refusal.hash === hash && needsAttention(refusal))
        report.needsAttention += 1;
      else if (previous === undefined || previous.hash !== hash || previous.crmId !== crmId) {
        report.changed += 1;
        pending.push({ customerId, update: { crmId, properties }, hash });
        // Writes overlap with reading the next accounts; the gateway's limiter keeps the pace.
        if (pending.length >= flushEvery) await companies.startWrite(pending.splice(0, pending.length));
      }
      planTasks(tasks, card.status, crmId, recheck.has(customerId), plan);
    }
    await companies.flush(pending);
    await createCrmTasks(store, gateway, tenant, report, plan.toCreate, options);
    await completeResolvedTasks(store, gateway, tenant, report, plan.toComplete, crmIds);
    await moveTaskOwners(store, gateway, tenant, report, {
      tasks: inputs.openTasks,
      crmIds,
      completed: new Set(plan.toComplete.map((entry) => entry.task.actionId)),
    });
    // Invoices come after the tasks (what people act on first), and a failed invoice call does not
    // undo the sync: what was not written keeps its old hash and goes again next time.
    const writeInvoices = gateway.writeInvoices?.bind(gateway);
    if (writeInvoices !== undefined)
      await writeInvoicesUntilFailure(store, tenant, gateway.batchSize, invoicesPending, {
        write: writeInvoices,
        stateKey: invoiceStateKey(gateway),
        report,
      });
    await writeAcceptedTerms(store, gateway, tenant, report);
  } catch (error) {
    await companies.settleAfterFailure();
    report.stopped = stopOf(error);
    if (report.stopped === null) throw error;
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
  store: CrmSyncPorts & CrmInstallations,
  gateway: CrmGateway,
  tenant: TenantId,
  asOf: CalendarDate,
  options: Parameters<typeof syncCrm>[4] & { now?: () => number } = {},
): Promise<CrmSyncReport | { skipped: CrmSyncFailure }> {
  const now = options.now ?? Date.now;
  const installation = await store.getCrmInstallationForTenant(tenant, gateway.name);
  const previous = installation?.syncPause ?? null;
  if (previous !== null && Date.parse(previous.until) > now()) return { skipped: previous };
  if (previous !== null) await store.setCrmSyncPause(tenant, gateway.name, null);
  const report = await syncCrm(store, gateway, tenant, asOf, options);
  const failure = report.stopped === null ? null : failureOf(report.stopped, previous, now());
  if (failure !== null) await store.setCrmSyncPause(tenant, gateway.name, failure);
  return report;
}

/**
 * The typed state a stopped sync leaves: a limit lifts at its reset (or after the CRM's Retry-After),
 * refused credentials wait for a person, missing scopes are tried again hourly for a day and then wait
 * for a reinstall. Repeats of the same failure count on from the previous one.
 */
function failureOf(
  stopped: NonNullable<CrmSyncReport['stopped']>,
  previous: CrmSyncFailure | null,
  now: number,
): CrmSyncFailure {
  if (stopped.kind === 'limit')
    return limitFailure(
      stopped.code === 'rate_limited' ? 'rate_limited' : 'daily_limit',
      stopped.reason,
      stopped.retryAfterMs === undefined
        ? nextUtcMidnight(now)
        : new Date(now + stopped.retryAfterMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      previous,
    );
  return stopped.missingScopes === undefined
    ? reconnectFailure(stopped.reason, previous)
    : missingScopesFailure(stopped.missingScopes, stopped.reason, now, previous);
}

/** Which accounts a sync works on: every account (`collections sync`), or those a change touched. */
export type CrmSyncScope = 'all' | { customerIds: readonly string[] };

export type CrmSyncRun = {
  /** Accounts added to the scope: an earlier sync left them unfinished, or the CRM lacks their tasks. */
  leftover: number;
  /** Null when there was nothing to do (no account in scope, no accepted terms to write). */
  outcome: CrmSyncReport | { skipped: CrmSyncFailure } | null;
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
  store: CrmSyncPorts & CrmInstallations,
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
