import { computeAccountStatus } from '../account-status';
import { fromDayNumber, toDayNumber, type CalendarDate } from '../dates';
import { buildLedgers } from '../invoice-ledger';
import type { AccountFacts } from '../model';
import { pauseOn, type PauseSpan } from '../pauses';
import { promiseHoldsOn, type PromiseToPay } from '../promises';
import {
  accountContext,
  conditionsHold,
  evaluateRuleSet,
  SKIP_RAILS,
  type AccountContext,
  type PlannedTask,
  type SkipRail,
  type TaskCause,
} from './evaluate';
import type { RuleSet } from './rule-set';

export type SimulationSummary = {
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  accounts: number;
  tasks: number;
  /** Every rule of the set, 0 when it never fired, and the dispute-review rail when it did. */
  tasksByRule: Record<string, number>;
  accountsContacted: number;
  contacts: number;
  contactsInRenewalWindow: number;
  accountsHeldForDisputes: number;
  /** Accounts each rail held something back from at least once (an account may count under several). */
  skippedByRail: Record<SkipRail, number>;
  /** The sum of `skippedByRail`, kept for readers of the earlier single count. */
  accountsSkippedByRails: number;
  /** The most contacts one account got in any 7 days, against the set's weekly cap. */
  contactsPerAccountWeek: { max: number; cap: number };
  /** The busiest week for each assignee: tasks created in one ISO-style week (Monday start). */
  peakTasksPerAssigneePerWeek: Record<string, { week: CalendarDate; tasks: number }>;
};

/**
 * What happened to an account outside its billing facts, replayed as it was on each day: its pauses
 * (with the day each started and ended), its tags, and its promises to pay (each holds reminders on
 * the days it was open: recorded, not past its deadline, not yet kept).
 */
export type AccountHistory = {
  pauses: readonly PauseSpan[];
  tags: readonly string[];
  promises?: readonly PromiseToPay[];
};

const NO_HISTORY: AccountHistory = { pauses: [], tags: [] };

/** Days one request may replay: each account is replayed day by day, so the span bounds the work. */
export const MAX_REQUEST_SIMULATION_DAYS = 366;
/** Days a simulation run as a job may replay (ten years). */
export const MAX_JOB_SIMULATION_DAYS = 3660;

/** What is wrong with a span, naming the field; undefined when `from`..`to` has 1 to `maxDays` days. */
export function simulationSpanProblem(
  from: CalendarDate,
  to: CalendarDate,
  maxDays: number,
): { path: 'to'; message: string } | undefined {
  const days = toDayNumber(to) - toDayNumber(from) + 1;
  if (days < 1) return { path: 'to', message: `must not be before from (${from})` };
  if (days > maxDays)
    return { path: 'to', message: `at most ${maxDays} days from ${from} (${from}..${to} is ${days} days)` };
  return undefined;
}

/** Each assignee's busiest week (the earliest of equals), from counts keyed `assignee\0week`. */
function busiestWeeks(
  perAssigneeWeek: ReadonlyMap<string, number>,
): SimulationSummary['peakTasksPerAssigneePerWeek'] {
  const peak: SimulationSummary['peakTasksPerAssigneePerWeek'] = {};
  for (const [key, count] of perAssigneeWeek) {
    const [assignee = '', week = ''] = key.split('\u0000');
    const current = peak[assignee];
    if (current === undefined || count > current.tasks || (count === current.tasks && week < current.week)) {
      peak[assignee] = { week: week as CalendarDate, tasks: count };
    }
  }
  return peak;
}

export type Simulator = {
  add(
    facts: AccountFacts,
    riskTierOn: (day: CalendarDate) => AccountContext['riskTier'],
    history?: AccountHistory,
  ): void;
  result(): SimulationSummary;
  actions: PlannedTask[];
};

const WEEK_DAYS = 7;

/**
 * Replays history day by day and records what the rule set would have done. Each account is replayed
 * on its own (caps and cooldowns are per account), so accounts can be fed one at a time from a stream.
 * Assumptions: a task is worked by its due day, and its rule does not fire again for the same account
 * (or invoice) while the rule's conditions keep holding (the same situation is not re-dunned every
 * few days); a dispute review lasts while the dispute is open. A pause counts on the days it was in
 * force (started, not past its last day, not lifted), exactly as `rules run` would have seen it; so
 * does a promise to pay on the days it was open. The card on file is the one known today (the store
 * keeps no history of cards, as with tags): a card replaced since is replayed as if it had always been
 * the current one.
 */
export function createSimulator(
  ruleSet: RuleSet,
  from: CalendarDate,
  to: CalendarDate,
  options: { keepActions?: boolean } = {},
): Simulator {
  const firstDay = toDayNumber(from);
  const lastDay = toDayNumber(to);
  const tasksByRule: Record<string, number> = Object.fromEntries(ruleSet.rules.map((rule) => [rule.id, 0]));
  const skippedByRail = Object.fromEntries(SKIP_RAILS.map((rail) => [rail, 0])) as Record<SkipRail, number>;
  const perAssigneeWeek = new Map<string, number>();
  const actions: PlannedTask[] = [];
  let accounts = 0;
  let tasks = 0;
  let contacts = 0;
  let contactsInRenewalWindow = 0;
  let accountsContacted = 0;
  let accountsHeldForDisputes = 0;
  let maxContactsPerAccountWeek = 0;

  return {
    actions,
    add(facts, riskTierOn, history = NO_HISTORY) {
      accounts += 1;
      const ledgers = buildLedgers(facts.invoices, facts.payments);
      let openTasks: { ruleId: string; invoiceId: string | null; cause: TaskCause; closesOn: number }[] = [];
      const rulesById = new Map(ruleSet.rules.map((rule) => [rule.id, rule]));
      const contactDays: CalendarDate[] = [];
      let holdUntil: CalendarDate | null = null;
      let contacted = false;
      let heldForDispute = false;
      const railsHit = new Set<SkipRail>();
      let tier: AccountContext['riskTier'] = null;
      for (let day = firstDay; day <= lastDay; day += 1) {
        const asOf = fromDayNumber(day);
        if ((day - firstDay) % 30 === 0) tier = riskTierOn(asOf);
        const status = computeAccountStatus(
          facts,
          asOf,
          {
            renewalWindowDays: ruleSet.renewalWindowDays,
            pause: history.pauses.length === 0 ? null : pauseOn(history.pauses, asOf),
          },
          ledgers,
        );
        const context = accountContext(facts, status, {
          riskTier: tier,
          openTasks,
          contacts: contactDays,
          holdUntil,
          tags: history.tags,
          promises:
            history.promises === undefined || history.promises.length === 0
              ? []
              : promiseHoldsOn(history.promises, ledgers, asOf),
        });
        openTasks = openTasks.filter((task) => {
          if (task.closesOn >= day) return true;
          if (task.cause === 'dispute') {
            return status.openDisputes.some((dispute) => dispute.invoiceId === task.invoiceId);
          }
          const rule = rulesById.get(task.ruleId);
          return rule !== undefined && conditionsHold(rule.when, context, asOf);
        });
        context.openTasks = openTasks;
        if (
          status.balances.length === 0 &&
          status.churnSignals.length === 0 &&
          status.cardExpiresBeforeNext === null
        )
          continue;
        const evaluation = evaluateRuleSet(ruleSet, [context], asOf);
        for (const skipped of evaluation.skipped) railsHit.add(skipped.rail);
        for (const hold of evaluation.holds) holdUntil = hold.until;
        for (const task of evaluation.tasks) {
          tasks += 1;
          tasksByRule[task.ruleId] = (tasksByRule[task.ruleId] ?? 0) + 1;
          openTasks.push({
            ruleId: task.ruleId,
            invoiceId: task.invoiceId,
            cause: task.cause,
            closesOn: toDayNumber(task.dueOn),
          });
          if (task.cause === 'dispute') heldForDispute = true;
          if (task.tone !== null) {
            contacts += 1;
            contacted = true;
            contactDays.push(asOf);
            const inWeek = contactDays.filter((contact) => toDayNumber(contact) > day - WEEK_DAYS).length;
            maxContactsPerAccountWeek = Math.max(maxContactsPerAccountWeek, inWeek);
            if (status.inRenewalWindow) contactsInRenewalWindow += 1;
          }
          // Weeks start on Monday; day 0 (1970-01-01) was a Thursday.
          const weekStart = fromDayNumber(day - ((day + 3) % 7));
          const key = `${task.assignee}\u0000${weekStart}`;
          perAssigneeWeek.set(key, (perAssigneeWeek.get(key) ?? 0) + 1);
          if (options.keepActions) actions.push(task);
        }
      }
      if (contacted) accountsContacted += 1;
      if (heldForDispute) accountsHeldForDisputes += 1;
      for (const rail of railsHit) skippedByRail[rail] += 1;
    },
    result() {
      return {
        from,
        to,
        days: lastDay - firstDay + 1,
        accounts,
        tasks,
        tasksByRule,
        accountsContacted,
        contacts,
        contactsInRenewalWindow,
        accountsHeldForDisputes,
        skippedByRail: { ...skippedByRail },
        accountsSkippedByRails: Object.values(skippedByRail).reduce((sum, count) => sum + count, 0),
        contactsPerAccountWeek: { max: maxContactsPerAccountWeek, cap: ruleSet.caps.maxContactsPerWeek },
        peakTasksPerAssigneePerWeek: busiestWeeks(perAssigneeWeek),
      };
    },
  };
}
