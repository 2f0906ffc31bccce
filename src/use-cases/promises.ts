import { z } from 'zod';
import { addDays, isCalendarDate, toDayNumber, type CalendarDate } from '../domain/dates';
import { buildLedgers } from '../domain/invoice-ledger';
import type { TenantId } from '../domain/model';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../domain/money';
import {
  DEFAULT_PROMISE_GRACE_DAYS,
  promiseDeadline,
  promiseOutcome,
  promisesByCustomer,
  unkeptPromiseTitle,
  type PromiseAmount,
  type PromiseToPay,
  type StoredPromise,
} from '../domain/promises';
import type { PlannedTask } from '../domain/rules/evaluate';
import { stableId } from '../domain/terms/stable-id';
import type { LedgerStore } from '../ports/ledger';
import type { PromiseStore } from '../ports/promises';
import type { TaskStore } from '../ports/tasks';

/** How far ahead a promise may be dated. */
export const MAX_PROMISE_DAYS_AHEAD = 366;

/** A promise as a person enters it: amounts in major units per currency ("12000.00"). */
export const promiseInput = z
  .object({
    amounts: z
      .array(
        z
          .object({
            currency: z.string().refine(isCurrencyCode, 'expected an ISO 4217 currency code such as USD'),
            amount: z.string().max(40),
          })
          .strict(),
      )
      .min(1, 'at least one amount')
      .max(10),
    promisedOn: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
    invoiceIds: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    madeBy: z.string().trim().max(300).nullish(),
    note: z.string().trim().max(2000).nullish(),
  })
  .strict();

export type PromiseInput = z.input<typeof promiseInput>;

export type PromiseProblem = { path: string; message: string };

export type RecordPromiseResult =
  | { outcome: 'recorded' | 'exists'; promise: PromiseToPay }
  | { outcome: 'invalid'; problem: PromiseProblem }
  | { outcome: 'unknown_customer' };

function zodProblem(error: z.ZodError): PromiseProblem {
  const issue = error.issues[0];
  const path = [
    ...(issue?.path ?? []),
    ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : []),
  ];
  return { path: path.join('.'), message: issue?.message ?? 'invalid promise' };
}

function parseAmounts(
  amounts: readonly { currency: string; amount: string }[],
): PromiseAmount[] | PromiseProblem {
  const parsed: PromiseAmount[] = [];
  for (const [index, entry] of amounts.entries()) {
    const currency = entry.currency as CurrencyCode;
    if (parsed.some((amount) => amount.currency === currency))
      return {
        path: `amounts.${index}.currency`,
        message: `${currency} is given twice: one amount per currency`,
      };
    const minor = parseMajorAmount(entry.amount, currency);
    if (!minor.ok) return { path: `amounts.${index}.amount`, message: minor.message };
    if (minor.minor <= 0) return { path: `amounts.${index}.amount`, message: 'must be more than 0' };
    parsed.push({ currency, amountMinor: minor.minor });
  }
  return parsed;
}

/**
 * Validates a promise against the account: its invoices must be the customer's, in a promised
 * currency. Returns the first problem, naming its field; nothing is written.
 */
async function promiseOrProblem(
  store: LedgerStore,
  tenant: TenantId,
  customerId: string,
  input: unknown,
  actor: string,
  today: CalendarDate,
  graceDays: number,
): Promise<RecordPromiseResult> {
  const parsed = promiseInput.safeParse(input);
  if (!parsed.success) return { outcome: 'invalid', problem: zodProblem(parsed.error) };
  const body = parsed.data;
  const promisedOn = body.promisedOn as CalendarDate;
  if (promisedOn < today) return invalid('promisedOn', `must not be before today (${today})`);
  if (toDayNumber(promisedOn) - toDayNumber(today) > MAX_PROMISE_DAYS_AHEAD)
    return invalid('promisedOn', `at most ${MAX_PROMISE_DAYS_AHEAD} days ahead`);
  const amounts = parseAmounts(body.amounts);
  if (!Array.isArray(amounts)) return { outcome: 'invalid', problem: amounts };
  const facts = await store.getAccountFacts(tenant, customerId);
  if (facts === undefined) return { outcome: 'unknown_customer' };
  const invoiceIds = [...new Set(body.invoiceIds)];
  for (const [index, invoiceId] of invoiceIds.entries()) {
    const invoice = facts.invoices.find((candidate) => candidate.invoiceId === invoiceId);
    if (invoice === undefined)
      return invalid(`invoiceIds.${index}`, `${invoiceId} is not an invoice of ${customerId}`);
    if (!amounts.some((amount) => amount.currency === invoice.currency))
      return invalid(
        `invoiceIds.${index}`,
        `${invoiceId} is in ${invoice.currency}, which the promise has no amount in`,
      );
  }
  const key = [tenant, customerId, today, promisedOn, ...amounts.map((a) => `${a.currency}${a.amountMinor}`)];
  return {
    outcome: 'recorded',
    promise: {
      promiseId: `pr_${stableId([...key, ...invoiceIds.sort()].join('\u0000'))}`,
      customerId,
      amounts: [...amounts].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
      promisedOn,
      graceDays,
      invoiceIds,
      madeBy: nonEmpty(body.madeBy),
      note: nonEmpty(body.note),
      recordedBy: actor,
      recordedOn: today,
    },
  };
}

function nonEmpty(text: string | null | undefined): string | null {
  return text === undefined || text === null || text === '' ? null : text;
}

function invalid(path: string, message: string): RecordPromiseResult {
  return { outcome: 'invalid', problem: { path, message } };
}

/**
 * Records a customer's promise to pay, recorded by `actor` today, after validating every field
 * (amounts, date, invoices of this customer in a promised currency, who made it, note). Audited; the
 * same promise recorded again the same day is the same promise (`exists`).
 */
export async function recordPromiseToPay(
  store: LedgerStore & PromiseStore,
  tenant: TenantId,
  customerId: string,
  input: unknown,
  actor: string,
  today: CalendarDate,
  options: { graceDays?: number } = {},
): Promise<RecordPromiseResult> {
  const checked = await promiseOrProblem(
    store,
    tenant,
    customerId,
    input,
    actor,
    today,
    options.graceDays ?? DEFAULT_PROMISE_GRACE_DAYS,
  );
  if (checked.outcome !== 'recorded') return checked;
  const stored = await store.recordPromise(tenant, checked.promise);
  if (stored === 'unknown_customer') return { outcome: 'unknown_customer' };
  return { outcome: stored, promise: checked.promise };
}

/** The follow-up for the account owner when a promise was broken or only partly kept. */
export function unkeptPromiseTask(
  promise: PromiseToPay,
  received: readonly PromiseAmount[],
  today: CalendarDate,
): PlannedTask {
  const title = unkeptPromiseTitle(promise, received);
  const scope = promise.invoiceIds.length === 0 ? 'the account' : `invoices ${promise.invoiceIds.join(', ')}`;
  return {
    actionId: `${promise.customerId}:promise:${promise.promiseId}`,
    customerId: promise.customerId,
    ruleId: 'promise',
    invoiceId: promise.invoiceIds.length === 1 ? (promise.invoiceIds[0] ?? null) : null,
    cause: 'promise',
    plannedOn: today,
    assignee: 'account_owner',
    title,
    body:
      `${promise.madeBy === null ? 'The customer' : promise.madeBy} promised on ${promise.recordedOn} to pay ` +
      `${scope} by ${promise.promisedOn} (grace until ${promiseDeadline(promise)}).` +
      `${promise.note === null ? '' : ` Note: ${promise.note}`} Talk to them about what happens next.`,
    dueOn: addDays(today, 2),
    priority: 'high',
    tone: null,
    dunningStage: null,
    requireReview: false,
    reason: title,
  };
}

export type PromiseEvaluation = {
  settled: { promiseId: string; customerId: string; state: StoredPromise['state'] }[];
  tasksCreated: number;
};

/**
 * Settles the tenant's open promises whose outcome is decided on `today` (kept as soon as paid;
 * partly kept or broken once past their deadline), from the payments alone. A broken or partly kept
 * promise gets one high-priority follow-up for the account owner, recorded before the promise is
 * settled so a run that stops between the two completes on the next (both steps are idempotent).
 */
export async function evaluatePromises(
  store: LedgerStore & PromiseStore & TaskStore,
  tenant: TenantId,
  today: CalendarDate,
): Promise<PromiseEvaluation> {
  const open = await store.listPromises(tenant, { state: 'open' });
  const result: PromiseEvaluation = { settled: [], tasksCreated: 0 };
  for (const [customerId, promises] of promisesByCustomer(open)) {
    const facts = await store.getAccountFacts(tenant, customerId);
    const ledgers = facts === undefined ? [] : buildLedgers(facts.invoices, facts.payments);
    for (const promise of promises) {
      const outcome = promiseOutcome(promise, ledgers, today);
      if (outcome.state === 'open') continue;
      if (outcome.state !== 'kept') {
        const task = unkeptPromiseTask(promise, outcome.received, today);
        const recorded = await store.recordPlannedActions(tenant, { tasks: [task], holds: [] }, null);
        result.tasksCreated += recorded.tasksCreated;
      }
      const settled = await store.settlePromise(
        tenant,
        promise.promiseId,
        { state: outcome.state, settledOn: today, received: outcome.received },
        'promises',
      );
      if (settled) result.settled.push({ promiseId: promise.promiseId, customerId, state: outcome.state });
    }
  }
  return result;
}
