import type { AccountStatus, Situation } from '../account-status';
import type { DeclineClass } from '../decline-classes';
import type { AccountFacts } from '../model';
import { cardExpiryLabel } from '../card-on-file';
import { addDays, toDayNumber, type CalendarDate } from '../dates';
import { formatMoney, parseMajorAmount, type CurrencyCode } from '../money';
import type { PromiseHold } from '../promises';
import type { Actions, Conditions, Rule, RuleSet } from './rule-set';

export type Tone = 'gentle' | 'helpful' | 'firm';

/** What the evaluator needs to know about one account on one day. */
export type AccountContext = {
  status: AccountStatus;
  name: string | null;
  segment: string | null;
  owner: string | null;
  paymentTerms: string | null;
  riskTier: 'low' | 'medium' | 'high' | null;
  /** Collections tasks still open, by the rule that made them. */
  openTasks: readonly { ruleId: string; invoiceId: string | null }[];
  /** Days of earlier automated contacts (most recent last or in any order). */
  contacts: readonly CalendarDate[];
  /** An earlier rule's hold: no automated action up to and including this day. */
  holdUntil: CalendarDate | null;
  /** The account's tags from every source (billing and CRM), for `when.tags`. */
  tags: readonly string[];
  /** Promises to pay open on the day: reminders on what they cover are held until their deadline. */
  promises: readonly PromiseHold[];
};

/**
 * An account's context from its facts, its status on the day and what earlier runs left behind. Tags
 * default to the billing tags on the facts; callers that read every source pass them.
 */
export function accountContext(
  facts: AccountFacts,
  status: AccountStatus,
  memory: Pick<AccountContext, 'riskTier' | 'openTasks' | 'contacts' | 'holdUntil'> & {
    tags?: readonly string[];
    promises?: readonly PromiseHold[];
  },
): AccountContext {
  const { name, segment, owner, paymentTerms } = facts.customer;
  return {
    status,
    name,
    segment,
    owner,
    paymentTerms,
    ...memory,
    tags: memory.tags ?? facts.customer.tags ?? [],
    promises: memory.promises ?? [],
  };
}

/**
 * What a task is about, so it closes when that is resolved: an overdue invoice (paid or voided), a
 * dispute on an invoice (closed), the account's arrears (current again), or a person's own task, which
 * only a person closes.
 */
export type TaskCause = 'invoice' | 'dispute' | 'account' | 'manual' | 'promise' | 'card_expiry';

/**
 * The cause of a rule's account-wide task: a rule about the card on file expiring makes a task that
 * closes when the card is updated; any other, one that closes when the account is current again.
 */
export function accountTaskCause(rule: Pick<Rule, 'when'>): TaskCause {
  return rule.when.cardExpiresBeforeRenewal === true ? 'card_expiry' : 'account';
}

export type PlannedTask = {
  actionId: string;
  customerId: string;
  ruleId: string;
  invoiceId: string | null;
  cause: TaskCause;
  plannedOn: CalendarDate;
  assignee: string;
  title: string;
  body: string;
  dueOn: CalendarDate;
  priority: 'low' | 'medium' | 'high';
  tone: Tone | null;
  dunningStage: string | null;
  requireReview: boolean;
  /** Why: the facts the rule matched on, for the audit log and the task body. */
  reason: string;
};

/** The safety rail (or the open-task guard) that held an action back: each is counted on its own. */
export type SkipRail = 'paused' | 'held' | 'open_task' | 'disputed' | 'contact_cap' | 'cooldown' | 'promised';
export const SKIP_RAILS: readonly SkipRail[] = [
  'paused',
  'held',
  'open_task',
  'disputed',
  'contact_cap',
  'cooldown',
  'promised',
];

export type Skipped = { customerId: string; ruleId: string | null; rail: SkipRail; why: string };

export type Evaluation = {
  tasks: PlannedTask[];
  holds: { customerId: string; ruleId: string; until: CalendarDate }[];
  skipped: Skipped[];
};

type Undisputed = { oldestDaysPastDue: number; overdueByCurrency: Map<string, number>; anyOverdue: boolean };

/**
 * Disputed invoices, and those whose payment is on its way, are held: overdue-based conditions only
 * look at the others.
 */
function undisputedOverdue(status: AccountStatus): Undisputed {
  let oldest = 0;
  const byCurrency = new Map<string, number>();
  for (const open of status.openInvoices) {
    if (open.disputed || open.paymentInFlight || open.daysPastDue <= 0) continue;
    oldest = Math.max(oldest, open.daysPastDue);
    byCurrency.set(open.currency, (byCurrency.get(open.currency) ?? 0) + open.outstandingMinor);
  }
  return { oldestDaysPastDue: oldest, overdueByCurrency: byCurrency, anyOverdue: byCurrency.size > 0 };
}

function inRange(
  value: number,
  range: { min?: number | undefined; max?: number | undefined } | undefined,
): boolean {
  if (range === undefined) return true;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

function contactsWithin(contacts: readonly CalendarDate[], day: number, days: number): number {
  return contacts.filter((contact) => {
    const contactDay = toDayNumber(contact);
    return contactDay <= day && contactDay > day - days;
  }).length;
}

export function conditionsHold(when: Conditions, account: AccountContext, asOf: CalendarDate): boolean {
  const { status } = account;
  const day = toDayNumber(asOf);
  const overdue = undisputedOverdue(status);
  if (
    when.daysPastDue !== undefined &&
    (!overdue.anyOverdue || !inRange(overdue.oldestDaysPastDue, when.daysPastDue))
  ) {
    return false;
  }
  if (when.overdueAtLeast !== undefined) {
    const met = Object.entries(when.overdueAtLeast).some(([currency, amount]) => {
      const threshold = parseMajorAmount(amount, currency as CurrencyCode);
      return (
        threshold.ok &&
        (overdue.overdueByCurrency.get(currency) ?? 0) >= threshold.minor &&
        threshold.minor >= 0
      );
    });
    if (!met) return false;
  }
  const situations = new Set<Situation>(status.situations);
  if (
    when.situationsInclude !== undefined &&
    !when.situationsInclude.some((s) => situations.has(s as Situation))
  )
    return false;
  if (
    when.situationsExclude !== undefined &&
    when.situationsExclude.some((s) => situations.has(s as Situation))
  )
    return false;
  // A failure on a disputed invoice is held with the invoice: no card chasing while it is disputed.
  const disputedInvoices = new Set(status.openDisputes.map((dispute) => dispute.invoiceId));
  const failure =
    status.lastFailure !== null && !disputedInvoices.has(status.lastFailure.invoiceId)
      ? status.lastFailure
      : null;
  if (
    when.declineClassIn !== undefined &&
    (failure === null || !when.declineClassIn.includes(failure.class))
  ) {
    return false;
  }
  if (when.failuresAtLeast !== undefined && (failure?.failuresSinceSuccess ?? 0) < when.failuresAtLeast) {
    return false;
  }
  if (when.churnSignal !== undefined && status.churnSignals.length > 0 !== when.churnSignal) return false;
  if (
    when.churnSignalIn !== undefined &&
    !status.churnSignals.some((signal) => when.churnSignalIn?.includes(signal))
  ) {
    return false;
  }
  if (when.riskTierIn !== undefined && !when.riskTierIn.includes(account.riskTier ?? 'unknown')) return false;
  if (when.inRenewalWindow !== undefined && status.inRenewalWindow !== when.inRenewalWindow) return false;
  if (
    when.daysToRenewal !== undefined &&
    (status.daysToRenewal === null || !inRange(status.daysToRenewal, when.daysToRenewal))
  ) {
    return false;
  }
  if (when.segmentIn !== undefined && (account.segment === null || !when.segmentIn.includes(account.segment)))
    return false;
  if (when.ownerIn !== undefined && (account.owner === null || !when.ownerIn.includes(account.owner)))
    return false;
  if (
    when.paymentTermsIn !== undefined &&
    (account.paymentTerms === null || !when.paymentTermsIn.includes(account.paymentTerms))
  ) {
    return false;
  }
  if (
    when.earlierContacts !== undefined &&
    !inRange(contactsWithin(account.contacts, day - 1, 90), when.earlierContacts)
  )
    return false;
  if (
    when.cardExpiresBeforeRenewal !== undefined &&
    (status.cardExpiresBeforeNext !== null) !== when.cardExpiresBeforeRenewal
  )
    return false;
  if (when.tags !== undefined) {
    const { anyOf, noneOf } = when.tags;
    if (anyOf !== undefined && !anyOf.some((tag) => account.tags.includes(tag))) return false;
    if (noneOf !== undefined && noneOf.some((tag) => account.tags.includes(tag))) return false;
  }
  return true;
}

function describeFacts(account: AccountContext): string {
  const { status } = account;
  const parts = [`status ${status.status}`];
  const overdue = undisputedOverdue(status);
  for (const [currency, minor] of overdue.overdueByCurrency)
    parts.push(`${formatMoney(minor, currency as CurrencyCode)} overdue`);
  if (overdue.anyOverdue) parts.push(`oldest ${overdue.oldestDaysPastDue} days past due`);
  if (status.lastFailure !== null)
    parts.push(`last decline ${status.lastFailure.code ?? 'unknown'} (${status.lastFailure.class})`);
  if (status.churnSignals.length > 0) parts.push(`churn signals: ${status.churnSignals.join(', ')}`);
  if (status.inRenewalWindow) parts.push(`renews in ${status.daysToRenewal} days`);
  if (account.riskTier !== null) parts.push(`risk ${account.riskTier}`);
  return parts.join('; ');
}

/** The one thing to do about a failed payment, by decline class (agrees with the class's advice). */
export const PAYMENT_FIX: Readonly<Record<DeclineClass, string>> = {
  soft_funds: 'let the scheduled retries run, then ask for another card',
  soft_technical: 'let the automatic retries run',
  ambiguous: 'ask the customer to call their bank or use another card',
  action_required: 'send an authentication link',
  hard_new_data: 'ask for a card update',
  hard_risk: 'ask for a new payment method',
  hard_revoked: 'talk about the relationship before the invoice',
  hard_other: 'ask for another payment method',
  unknown: 'review the failure and ask for another payment method',
};

function fill(template: string, account: AccountContext): string {
  const { status } = account;
  const overdue = undisputedOverdue(status);
  const values: Record<string, string> = {
    name: account.name ?? status.customerId,
    customerId: status.customerId,
    owner: account.owner ?? 'the account owner',
    daysPastDue: String(overdue.oldestDaysPastDue),
    overdue:
      [...overdue.overdueByCurrency]
        .map(([currency, minor]) => formatMoney(minor, currency as CurrencyCode))
        .join(', ') || 'nothing',
    declineCode: status.lastFailure?.code ?? 'none',
    declineAction: status.lastFailure?.action ?? '',
    paymentFix: status.lastFailure === null ? 'none' : PAYMENT_FIX[status.lastFailure.class],
    failures: String(status.lastFailure?.failuresSinceSuccess ?? 0),
    renewalDate: status.nextRenewalOn ?? 'none',
    daysToRenewal: status.daysToRenewal === null ? 'n/a' : String(status.daysToRenewal),
    cardExpiry: status.cardOnFile === null ? 'none' : cardExpiryLabel(status.cardOnFile),
    cardLast4: status.cardOnFile?.last4 ?? 'none',
    nextCharge: status.cardExpiresBeforeNext?.what === 'invoice' ? 'invoice due' : 'renewal',
    nextChargeOn: status.cardExpiresBeforeNext?.nextChargeOn ?? 'none',
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, key: string) => values[key] ?? match);
}

/**
 * The open promise that holds a reminder back: one naming no invoice covers the whole account; one
 * naming invoices covers those, and an account-wide reminder only when it covers every overdue invoice.
 */
function promiseCovering(account: AccountContext, invoiceId: string | null): PromiseHold | undefined {
  const whole = account.promises.find((promise) => promise.invoiceIds.length === 0);
  if (whole !== undefined) return whole;
  if (invoiceId !== null) return account.promises.find((promise) => promise.invoiceIds.includes(invoiceId));
  const overdue = account.status.openInvoices.filter(
    (open) => !open.disputed && !open.paymentInFlight && open.daysPastDue > 0,
  );
  if (overdue.length === 0) return undefined;
  const covering = overdue.map((open) =>
    account.promises.find((promise) => promise.invoiceIds.includes(open.invoiceId)),
  );
  return covering.every((promise) => promise !== undefined) ? covering[0] : undefined;
}

const TONE_RANK: Record<Tone, number> = { gentle: 0, helpful: 1, firm: 2 };

/**
 * Turns account states into planned actions. Safety rails that no rule can override:
 * a paused or held account gets nothing automated; disputed invoices are never dunned (a dispute
 * review task instead); at most `caps.maxContactsPerWeek` automated contacts a week, at least
 * `caps.minHoursBetweenContacts` apart; never two open tasks for the same rule and account (or
 * invoice); inside the renewal window never a firm tone, and the task goes to the account owner; no
 * reminder on what an open promise to pay covers until its deadline.
 * Pure and deterministic: the same input gives the same actions with the same ids.
 */
export function evaluateRuleSet(
  ruleSet: RuleSet,
  accounts: Iterable<AccountContext>,
  asOf: CalendarDate,
): Evaluation {
  const day = toDayNumber(asOf);
  const evaluation: Evaluation = { tasks: [], holds: [], skipped: [] };
  const cooldownDays = Math.ceil(ruleSet.caps.minHoursBetweenContacts / 24);

  for (const account of accounts) {
    const customerId = account.status.customerId;
    if (account.status.paused !== null) {
      evaluation.skipped.push({
        customerId,
        ruleId: null,
        rail: 'paused',
        why: `automation paused until ${account.status.paused.until}: ${account.status.paused.reason}`,
      });
      continue;
    }
    if (account.holdUntil !== null && account.holdUntil >= asOf) {
      evaluation.skipped.push({
        customerId,
        ruleId: null,
        rail: 'held',
        why: `held until ${account.holdUntil}`,
      });
      continue;
    }
    const open = new Set(account.openTasks.map((task) => `${task.ruleId}\u0000${task.invoiceId ?? ''}`));
    const contacts = [...account.contacts];
    const reason = describeFacts(account);
    const hasUndisputedBalance = account.status.openInvoices.some((open) => !open.disputed);

    const plan = (
      ruleId: string,
      invoiceId: string | null,
      cause: TaskCause,
      task: NonNullable<Actions['createTask']>,
      actions: Actions,
    ): void => {
      if (open.has(`${ruleId}\u0000${invoiceId ?? ''}`)) {
        evaluation.skipped.push({
          customerId,
          ruleId,
          rail: 'open_task',
          why: 'a task from this rule is still open',
        });
        return;
      }
      // A task with a tone is an outreach to the customer: only those count against the caps.
      const isContact = actions.tone !== undefined;
      const promise = isContact ? promiseCovering(account, invoiceId) : undefined;
      if (promise !== undefined) {
        evaluation.skipped.push({
          customerId,
          ruleId,
          rail: 'promised',
          why: `promise to pay open until ${promise.until}`,
        });
        return;
      }
      // A card about to expire is no dunning: it is asked about whatever is disputed.
      if (isContact && !hasUndisputedBalance && cause !== 'card_expiry') {
        evaluation.skipped.push({
          customerId,
          ruleId,
          rail: 'disputed',
          why: 'everything outstanding is disputed: held',
        });
        return;
      }
      if (isContact && contactsWithin(contacts, day, 7) >= ruleSet.caps.maxContactsPerWeek) {
        evaluation.skipped.push({
          customerId,
          ruleId,
          rail: 'contact_cap',
          why: `contact cap reached (${ruleSet.caps.maxContactsPerWeek} a week)`,
        });
        return;
      }
      if (isContact && contactsWithin(contacts, day, cooldownDays) > 0) {
        evaluation.skipped.push({
          customerId,
          ruleId,
          rail: 'cooldown',
          why: `cooldown (${ruleSet.caps.minHoursBetweenContacts} h between contacts)`,
        });
        return;
      }
      let tone: Tone | null = actions.tone ?? null;
      let assignee = typeof task.assignee === 'string' ? task.assignee : `user:${task.assignee.user}`;
      if (account.status.inRenewalWindow) {
        if (tone !== null && TONE_RANK[tone] > TONE_RANK.helpful) tone = 'helpful';
        assignee = 'account_owner';
      }
      if (isContact) contacts.push(asOf);
      open.add(`${ruleId}\u0000${invoiceId ?? ''}`);
      evaluation.tasks.push({
        actionId: `${customerId}:${ruleId}:${invoiceId ?? '-'}:${asOf}`,
        customerId,
        ruleId,
        invoiceId,
        cause,
        plannedOn: asOf,
        assignee,
        title: fill(task.title, account),
        body: fill(task.body ?? '', account),
        dueOn: addDays(asOf, task.dueInDays),
        priority: task.priority,
        tone,
        dunningStage: actions.dunningStage ?? null,
        requireReview: actions.requireReview ?? false,
        reason,
      });
    };

    // Rail: each open dispute gets a review task; the disputed invoice itself is never dunned.
    for (const dispute of account.status.openDisputes) {
      plan(
        'dispute-review',
        dispute.invoiceId,
        'dispute',
        {
          assignee: 'finance_queue',
          title: `Review dispute ${dispute.disputeId} on ${dispute.invoiceId} ({{name}})`,
          body: `Open for ${dispute.daysOpen} days, ${formatMoney(dispute.amountMinor, dispute.currency)}, reason: ${dispute.reason ?? 'not given'}. Collections on this invoice are held.`,
          dueInDays: 2,
          priority: 'high',
          perInvoice: true,
        },
        {},
      );
    }

    for (const rule of ruleSet.rules as Rule[]) {
      if (!conditionsHold(rule.when, account, asOf)) continue;
      if (rule.then.createTask !== undefined) {
        const task = rule.then.createTask;
        if (task.perInvoice) {
          for (const invoice of account.status.openInvoices) {
            if (invoice.disputed || invoice.paymentInFlight || invoice.daysPastDue <= 0) continue;
            plan(rule.id, invoice.invoiceId, 'invoice', task, rule.then);
          }
        } else plan(rule.id, null, accountTaskCause(rule), task, rule.then);
      }
      if (rule.then.holdDays !== undefined) {
        evaluation.holds.push({ customerId, ruleId: rule.id, until: addDays(asOf, rule.then.holdDays) });
        break;
      }
    }
  }
  return evaluation;
}
