import { addDays, toDayNumber, type CalendarDate } from './dates';
import type { InvoiceLedger } from './invoice-ledger';
import { addMinor, formatMoney, type CurrencyCode } from './money';

/**
 * A customer's promise to pay, as a person recorded it, and what became of it. Kept or broken is
 * decided from the account's payments only (succeeded payments net of refunds, and invoices the billing
 * source marks paid), never from what someone says later.
 */
export type PromiseState = 'open' | 'kept' | 'partly_kept' | 'broken';
export const PROMISE_STATES: readonly PromiseState[] = ['open', 'kept', 'partly_kept', 'broken'];

export const DEFAULT_PROMISE_GRACE_DAYS = 3;
/** The most grace a promise may be given (PROMISE_GRACE_DAYS is validated against it). */
export const MAX_PROMISE_GRACE_DAYS = 60;

export type PromiseAmount = { currency: CurrencyCode; amountMinor: number };

export type PromiseToPay = {
  promiseId: string;
  customerId: string;
  /** One entry per currency, each > 0. */
  amounts: readonly PromiseAmount[];
  /** The day the customer promised to pay by. */
  promisedOn: CalendarDate;
  /** Days after `promisedOn` payments still count (the grace in force when it was recorded). */
  graceDays: number;
  /** Only payments on these invoices count; empty: any payment on the account. */
  invoiceIds: readonly string[];
  /** Who at the customer made it (contact name or e-mail). */
  madeBy: string | null;
  note: string | null;
  recordedBy: string;
  recordedOn: CalendarDate;
};

export type StoredPromise = PromiseToPay & {
  state: PromiseState;
  /** The day the outcome was settled; null while open. */
  settledOn: CalendarDate | null;
  /** What was received toward it when settled; empty while open. */
  received: readonly PromiseAmount[];
};

export type PromiseOutcome = {
  state: PromiseState;
  /** Received toward each promised currency from the day it was recorded up to the day (or the deadline). */
  received: PromiseAmount[];
};

/** The last day payments count toward the promise: the promised day plus the grace. */
export function promiseDeadline(promise: Pick<PromiseToPay, 'promisedOn' | 'graceDays'>): CalendarDate {
  return addDays(promise.promisedOn, promise.graceDays);
}

function countedLedgers(promise: PromiseToPay, ledgers: readonly InvoiceLedger[]): readonly InvoiceLedger[] {
  const named = new Set(promise.invoiceIds);
  return ledgers.filter(
    (ledger) =>
      ledger.invoice.customerId === promise.customerId &&
      (named.size === 0 || named.has(ledger.invoice.invoiceId)),
  );
}

/**
 * The promise's outcome as known on `asOf` (ledgers from `buildLedgers` over the account's facts): money moved toward it (per promised currency, from the day
 * it was recorded up to the earlier of `asOf` and the deadline). Kept as soon as every currency is paid,
 * early included; after the deadline partly kept when something came in, broken when nothing did.
 */
export function promiseOutcome(
  promise: PromiseToPay,
  ledgers: readonly InvoiceLedger[],
  asOf: CalendarDate,
): PromiseOutcome {
  const firstDay = toDayNumber(promise.recordedOn);
  const deadlineDay = toDayNumber(promiseDeadline(promise));
  const lastDay = Math.min(toDayNumber(asOf), deadlineDay);
  const byCurrency = new Map<string, number>(promise.amounts.map((amount) => [amount.currency, 0]));
  for (const ledger of countedLedgers(promise, ledgers)) {
    const currency = ledger.invoice.currency;
    const sum = byCurrency.get(currency);
    if (sum === undefined) continue;
    let moved = 0;
    for (const entry of ledger.entries)
      if (entry.day >= firstDay && entry.day <= lastDay) moved = addMinor(moved, entry.delta);
    byCurrency.set(currency, addMinor(sum, moved));
  }
  const received = promise.amounts.map((amount) => ({
    currency: amount.currency,
    amountMinor: Math.max(0, byCurrency.get(amount.currency) ?? 0),
  }));
  const kept = promise.amounts.every(
    (amount, index) => (received[index]?.amountMinor ?? 0) >= amount.amountMinor,
  );
  if (kept) return { state: 'kept', received };
  if (toDayNumber(asOf) <= deadlineDay) return { state: 'open', received };
  const anything = received.some((amount) => amount.amountMinor > 0);
  return { state: anything ? 'partly_kept' : 'broken', received };
}

/** Promises per customer, in the order given. */
export function promisesByCustomer<T extends PromiseToPay>(promises: readonly T[]): Map<string, T[]> {
  const byCustomer = new Map<string, T[]>();
  for (const promise of promises) {
    const list = byCustomer.get(promise.customerId);
    if (list === undefined) byCustomer.set(promise.customerId, [promise]);
    else list.push(promise);
  }
  return byCustomer;
}

/** What a promise holds back while it is open: its invoices, or the whole account when it names none. */
export type PromiseHold = { promiseId: string; invoiceIds: readonly string[]; until: CalendarDate };

/**
 * The promises in force on `asOf`: recorded by then, not past their deadline and not yet kept (from the
 * payments up to that day), so a replay of a past day sees them as they were.
 */
export function promiseHoldsOn(
  promises: readonly PromiseToPay[],
  ledgers: readonly InvoiceLedger[],
  asOf: CalendarDate,
): PromiseHold[] {
  const holds: PromiseHold[] = [];
  for (const promise of promises) {
    if (asOf < promise.recordedOn || asOf > promiseDeadline(promise)) continue;
    if (promiseOutcome(promise, ledgers, asOf).state !== 'open') continue;
    holds.push({
      promiseId: promise.promiseId,
      invoiceIds: promise.invoiceIds,
      until: promiseDeadline(promise),
    });
  }
  return holds;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec 15" from 2026-12-15. */
export function shortDate(date: CalendarDate): string {
  const [, month = '01', day = '01'] = date.split('-');
  return `${MONTHS[Number(month) - 1] ?? month} ${Number(day)}`;
}

function moneyList(amounts: readonly PromiseAmount[]): string {
  return amounts.map((amount) => formatMoney(amount.amountMinor, amount.currency)).join(' + ');
}

/** The escalation task's title for a promise that was not kept. */
export function unkeptPromiseTitle(promise: PromiseToPay, received: readonly PromiseAmount[]): string {
  const got = received.filter((amount) => amount.amountMinor > 0);
  return (
    `Promise of ${moneyList(promise.amounts)} due ${shortDate(promise.promisedOn)} was not kept; ` +
    `${got.length === 0 ? 'nothing' : moneyList(got)} received`
  );
}

/** Decided promises in a window, and the share kept (partly kept is counted apart, not as kept). */
export type PromiseTally = {
  key: string;
  decided: number;
  kept: number;
  partlyKept: number;
  broken: number;
  /** kept / decided; null when none was decided. */
  keptRate: number | null;
};

export type PromiseMetrics = {
  asOf: CalendarDate;
  /** Promises settled in the last `windowDays` days (up to and including `asOf`) count. */
  windowDays: number;
  total: PromiseTally;
  byOwner: PromiseTally[];
  bySegment: PromiseTally[];
  /** What open promises due in the next `aheadDays` days (from `asOf` on) promise, per currency. */
  aheadDays: number;
  promisedAhead: PromiseAmount[];
};

function tally(key: string, promises: readonly StoredPromise[]): PromiseTally {
  const count = (state: PromiseState) => promises.filter((promise) => promise.state === state).length;
  const decided = promises.length;
  const kept = count('kept');
  return {
    key,
    decided,
    kept,
    partlyKept: count('partly_kept'),
    broken: count('broken'),
    keptRate: decided === 0 ? null : kept / decided,
  };
}

function tallies(
  promises: readonly StoredPromise[],
  keyOf: (promise: StoredPromise) => string,
): PromiseTally[] {
  const groups = new Map<string, StoredPromise[]>();
  for (const promise of promises) {
    const key = keyOf(promise);
    groups.set(key, [...(groups.get(key) ?? []), promise]);
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, group]) => tally(key, group));
}

/**
 * Promises kept by owner and by segment over the last `windowDays` days (kept / decided), and the
 * money promised for the next `aheadDays` days per currency. `accounts` gives each customer's owner and
 * segment; one missing either is counted under "(none)".
 */
export function promiseMetrics(
  promises: readonly StoredPromise[],
  accounts: ReadonlyMap<string, { owner: string | null; segment: string | null }>,
  asOf: CalendarDate,
  options: { windowDays?: number; aheadDays?: number } = {},
): PromiseMetrics {
  const windowDays = options.windowDays ?? 90;
  const aheadDays = options.aheadDays ?? 30;
  const since = addDays(asOf, -windowDays);
  const decided = promises.filter(
    (promise) => promise.settledOn !== null && promise.settledOn > since && promise.settledOn <= asOf,
  );
  const until = addDays(asOf, aheadDays);
  const ahead = new Map<string, number>();
  for (const promise of promises) {
    if (promise.state !== 'open' || promise.promisedOn < asOf || promise.promisedOn > until) continue;
    for (const amount of promise.amounts)
      ahead.set(amount.currency, addMinor(ahead.get(amount.currency) ?? 0, amount.amountMinor));
  }
  const NONE = '(none)';
  return {
    asOf,
    windowDays,
    total: tally('total', decided),
    byOwner: tallies(decided, (promise) => accounts.get(promise.customerId)?.owner ?? NONE),
    bySegment: tallies(decided, (promise) => accounts.get(promise.customerId)?.segment ?? NONE),
    aheadDays,
    promisedAhead: [...ahead]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, amountMinor]) => ({ currency: currency as CurrencyCode, amountMinor })),
  };
}
