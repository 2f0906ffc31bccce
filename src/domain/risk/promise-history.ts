import { addDays, toDayNumber, type CalendarDate } from '../dates';
import type { InvoiceLedger } from '../invoice-ledger';
import { promiseDeadline, promiseOutcome, type PromiseAmount, type PromiseToPay } from '../promises';

/** Promises whose deadline fell in this many days up to the known day count in the feature. */
export const PROMISE_HISTORY_DAYS = 365;
/** A promise partly kept counts as this much of a broken one. */
export const PARTLY_KEPT_WEIGHT = 0.5;

/** A promise that was not kept, as the reason sentence tells it. */
export type UnkeptPromise = {
  promiseId: string;
  amounts: readonly PromiseAmount[];
  promisedOn: CalendarDate;
  /** What came in toward it by its deadline (empty or zero when broken). */
  received: readonly PromiseAmount[];
};

/** Promises not kept in the window, each ordered by promised day, latest last. */
export type PromiseHistory = { broken: UnkeptPromise[]; partlyKept: UnkeptPromise[] };

/** A promise with its outcome judged once, from the payments up to its deadline. */
export type JudgedPromise = {
  recordedDay: number;
  deadlineDay: number;
  /** Null when it was kept (kept promises do not count). */
  unkept: (UnkeptPromise & { state: 'broken' | 'partly_kept' }) | null;
};

/**
 * Each promise judged as it stood the day after its deadline (`promiseOutcome` then counts the
 * payments up to the deadline only), never from the state stored on the promise, which may have been
 * settled later or edited. The outcome depends on nothing dated after the deadline, so it is worked
 * out once per customer.
 */
export function judgePromises(
  promises: readonly PromiseToPay[],
  ledgers: readonly InvoiceLedger[],
): JudgedPromise[] {
  return promises.map((promise) => {
    const deadline = promiseDeadline(promise);
    const outcome = promiseOutcome(promise, ledgers, addDays(deadline, 1));
    const unkept =
      outcome.state === 'broken' || outcome.state === 'partly_kept'
        ? {
            state: outcome.state,
            promiseId: promise.promiseId,
            amounts: promise.amounts,
            promisedOn: promise.promisedOn,
            received: outcome.received,
          }
        : null;
    return { recordedDay: toDayNumber(promise.recordedOn), deadlineDay: toDayNumber(deadline), unkept };
  });
}

/**
 * The customer's unkept promises as known on `known`: only promises recorded before that day whose
 * deadline also fell before it (and no more than PROMISE_HISTORY_DAYS before it). A payment after a
 * deadline, or a promise recorded or falling due on or after `known`, cannot change it.
 */
export function promiseHistoryOn(judged: readonly JudgedPromise[], known: number): PromiseHistory {
  const history: PromiseHistory = { broken: [], partlyKept: [] };
  for (const { recordedDay, deadlineDay, unkept } of judged) {
    if (unkept === null || recordedDay >= known || deadlineDay >= known) continue;
    if (deadlineDay < known - PROMISE_HISTORY_DAYS) continue;
    const { state, ...told } = unkept;
    (state === 'broken' ? history.broken : history.partlyKept).push(told);
  }
  const byPromisedDay = (a: UnkeptPromise, b: UnkeptPromise) =>
    a.promisedOn < b.promisedOn ? -1 : a.promisedOn > b.promisedOn ? 1 : a.promiseId < b.promiseId ? -1 : 1;
  history.broken.sort(byPromisedDay);
  history.partlyKept.sort(byPromisedDay);
  return history;
}

/** The feature: log(1 + broken + PARTLY_KEPT_WEIGHT × partly kept); 0 without unkept promises. */
export function brokenPromisesValue(history: PromiseHistory): number {
  return Math.log1p(history.broken.length + PARTLY_KEPT_WEIGHT * history.partlyKept.length);
}
