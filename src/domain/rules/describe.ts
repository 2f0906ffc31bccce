import { DEFAULT_RENEWAL_WINDOW_DAYS, type ChurnSignal, type Situation } from '../account-status';
import type { DeclineClass } from '../decline-classes';
import { formatMoney, parseMajorAmount, type CurrencyCode } from '../money';
import type { Actions, Conditions, Rule, RuleSet } from './rule-set';

/**
 * Each rule as one plain-English sentence, true of its fields and of the rails the evaluator applies
 * to it (inside the renewal window a task goes to the account owner and is never firm), so RevOps can
 * read a rule set without reading YAML.
 */
export type DescribedRule = { id: string; text: string };

export type DescribeContext = { renewalWindowDays: number };

type ConditionKey = keyof Conditions;
type ActionKey = keyof Actions;
type Range = { min?: number | undefined; max?: number | undefined };

/** The order clauses are read in; a condition missing here does not compile. */
const CONDITION_ORDER = {
  daysPastDue: 0,
  overdueAtLeast: 1,
  situationsInclude: 2,
  situationsExclude: 3,
  declineClassIn: 4,
  failuresAtLeast: 5,
  churnSignal: 6,
  churnSignalIn: 7,
  riskTierIn: 8,
  daysToRenewal: 9,
  segmentIn: 10,
  ownerIn: 11,
  paymentTermsIn: 12,
  earlierContacts: 13,
  tags: 14,
  inRenewalWindow: 15,
  cardExpiresBeforeRenewal: 16,
} satisfies Record<ConditionKey, number>;

const ACTION_ORDER = {
  createTask: 0,
  tone: 1,
  dunningStage: 2,
  requireReview: 3,
  holdDays: 4,
} satisfies Record<ActionKey, number>;

const SITUATION_HAS: Readonly<Record<Situation, string>> = {
  paused: 'is paused',
  disputed: 'has an open dispute',
  failed_payment: 'has a failed payment',
  overdue: 'is overdue',
  payment_in_flight: 'has a payment on its way',
  current: 'is current',
};

const SITUATION_HAS_NOT: Readonly<Record<Situation, string>> = {
  paused: 'is not paused',
  disputed: 'has no open dispute',
  failed_payment: 'has no failed payment',
  overdue: 'is not overdue',
  payment_in_flight: 'has no payment on its way',
  current: 'is not current',
};

const DECLINE: Readonly<Record<DeclineClass, string>> = {
  soft_funds: 'a soft decline for lack of funds',
  soft_technical: 'a soft technical decline',
  ambiguous: 'an ambiguous decline',
  action_required: 'a decline that needs the customer to authenticate',
  hard_new_data: 'a hard decline that needs new card details',
  hard_risk: 'a hard decline for risk',
  hard_revoked: 'a revoked authorisation',
  hard_other: 'another hard decline',
  unknown: 'an unclassified decline',
};

const CHURN_SIGNAL: Readonly<Record<ChurnSignal, string>> = {
  payment_authorization_revoked: 'the customer revoked the payment authorisation',
  stop_payment_order: 'the customer placed a stop-payment order',
  all_subscriptions_canceled: 'every subscription was canceled',
};

const ASSIGNEE: Readonly<Record<string, string>> = {
  account_owner: 'the account owner',
  csm: 'the CSM',
  ae: 'the AE',
  finance_queue: 'the finance queue',
};

/** The default playbook's stages by name; any other stage is read as written. */
const STAGE: Readonly<Record<string, string>> = {
  reminder_1: 'first reminder',
  reminder_2: 'second reminder',
  card_update: 'card update',
  retry: 'retry follow-up',
  retry_exhausted: 'retries-exhausted',
  owner_outreach: 'owner outreach',
  escalation: 'escalation',
  final_notice: 'final notice',
  write_off_or_agency_review: 'write-off or agency review',
};

function lookup<K extends string>(table: Readonly<Record<K, string>>, key: string): string {
  return (table as Readonly<Record<string, string>>)[key] ?? key.replace(/_/g, ' ');
}

/** "a, b or c". */
function either(items: readonly string[], last = 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1] ?? ''}`;
}

function quoted(values: readonly string[], last = 'or'): string {
  return either(
    values.map((value) => `"${value}"`),
    last,
  );
}

function count(value: number, unit: string): string {
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}

/** "15–29 days", "at least 7 days", "at most 14 days", "exactly 30 days"; undefined for any. */
function spanOf(range: Range, unit: string): string | undefined {
  const { min, max } = range;
  if (min !== undefined && max !== undefined) {
    if (min === max) return `exactly ${count(min, unit)}`;
    return `${min}–${count(max, unit)}`;
  }
  if (min !== undefined) return `at least ${count(min, unit)}`;
  if (max !== undefined) return `at most ${count(max, unit)}`;
  return undefined;
}

function daysPastDueClause(range: Range): string {
  const lowest = range.min ?? 0;
  if (range.max === undefined && lowest <= 1) return 'an invoice is overdue';
  return `the oldest overdue invoice is ${spanOf(range, 'day') ?? 'any number of days'} past due`;
}

function overdueAtLeastClause(amounts: Readonly<Record<string, string>>): string {
  const shown = Object.entries(amounts).map(([currency, amount]) => {
    const parsed = parseMajorAmount(amount, currency as CurrencyCode);
    return parsed.ok ? formatMoney(parsed.minor, currency as CurrencyCode) : `${currency} ${amount}`;
  });
  return `at least ${either(shown)} is overdue`;
}

function riskClause(tiers: readonly string[]): string {
  const scored = tiers.filter((tier) => tier !== 'unknown');
  const parts = scored.length === 0 ? [] : [`is ${either(scored)} risk`];
  if (tiers.includes('unknown')) parts.push('has no risk score yet');
  return `the buyer ${either(parts)}`;
}

function tagsClause(tags: { anyOf?: readonly string[]; noneOf?: readonly string[] }): string | undefined {
  const parts: string[] = [];
  if (tags.anyOf !== undefined && tags.anyOf.length > 0) parts.push(`is tagged ${quoted(tags.anyOf)}`);
  if (tags.noneOf !== undefined && tags.noneOf.length > 0)
    parts.push(
      tags.noneOf.length === 1
        ? `is not tagged "${tags.noneOf[0] ?? ''}"`
        : `is tagged neither ${quoted(tags.noneOf, 'nor')}`,
    );
  return parts.length === 0 ? undefined : `the account ${parts.join(' and ')}`;
}

/** One condition as a clause; undefined when it does not restrict anything. */
function conditionClause(key: ConditionKey, when: Conditions, context: DescribeContext): string | undefined {
  switch (key) {
    case 'daysPastDue':
      return when.daysPastDue === undefined ? undefined : daysPastDueClause(when.daysPastDue);
    case 'overdueAtLeast':
      return when.overdueAtLeast === undefined ? undefined : overdueAtLeastClause(when.overdueAtLeast);
    case 'situationsInclude':
      return when.situationsInclude === undefined
        ? undefined
        : `the account ${either(when.situationsInclude.map((situation) => lookup(SITUATION_HAS, situation)))}`;
    case 'situationsExclude':
      return when.situationsExclude === undefined
        ? undefined
        : `the account ${either(
            when.situationsExclude.map((situation) => lookup(SITUATION_HAS_NOT, situation)),
            'and',
          )}`;
    case 'declineClassIn':
      return when.declineClassIn === undefined
        ? undefined
        : `the last payment failed with ${either(when.declineClassIn.map((name) => lookup(DECLINE, name)))}`;
    case 'failuresAtLeast':
      return when.failuresAtLeast === undefined
        ? undefined
        : `the payment has failed ${when.failuresAtLeast === 1 ? 'at least once' : `at least ${when.failuresAtLeast} times`} since it last succeeded`;
    case 'churnSignal':
      if (when.churnSignal === undefined) return undefined;
      return when.churnSignal ? 'there is a churn signal' : 'there is no churn signal';
    case 'churnSignalIn':
      return when.churnSignalIn === undefined
        ? undefined
        : either(when.churnSignalIn.map((signal) => lookup(CHURN_SIGNAL, signal)));
    case 'riskTierIn':
      return when.riskTierIn === undefined ? undefined : riskClause(when.riskTierIn);
    case 'daysToRenewal': {
      const span = when.daysToRenewal === undefined ? undefined : spanOf(when.daysToRenewal, 'day');
      if (when.daysToRenewal === undefined) return undefined;
      return span === undefined ? 'a renewal is scheduled' : `the renewal is ${span} away`;
    }
    case 'segmentIn':
      return when.segmentIn === undefined ? undefined : `the segment is ${quoted(when.segmentIn)}`;
    case 'ownerIn':
      return when.ownerIn === undefined ? undefined : `the owner is ${quoted(when.ownerIn)}`;
    case 'paymentTermsIn':
      return when.paymentTermsIn === undefined
        ? undefined
        : `the payment terms are ${quoted(when.paymentTermsIn)}`;
    case 'earlierContacts': {
      if (when.earlierContacts === undefined) return undefined;
      const span = spanOf(when.earlierContacts, 'automated contact');
      return `the account had ${span ?? 'any number of automated contacts'} in the previous 90 days`;
    }
    case 'tags':
      return when.tags === undefined ? undefined : tagsClause(when.tags);
    case 'inRenewalWindow':
      if (when.inRenewalWindow === undefined) return undefined;
      return `${when.inRenewalWindow ? 'inside' : 'outside'} the ${context.renewalWindowDays}-day renewal window`;
    case 'cardExpiresBeforeRenewal':
      if (when.cardExpiresBeforeRenewal === undefined) return undefined;
      return when.cardExpiresBeforeRenewal
        ? 'the card on file expires before the next renewal or invoice and no payment has failed yet'
        : 'the card on file does not expire before the next renewal or invoice';
    default:
      return unreachable(key);
  }
}

function unreachable(value: never): never {
  throw new Error(`no words for ${String(value)}`);
}

function describeConditions(when: Conditions, context: DescribeContext): string {
  const keys = (Object.keys(when) as ConditionKey[])
    .filter((key) => when[key] !== undefined)
    .sort((a, b) => CONDITION_ORDER[a] - CONDITION_ORDER[b]);
  const clauses: string[] = [];
  let window: string | undefined;
  for (const key of keys) {
    const clause = conditionClause(key, when, context);
    if (clause === undefined) continue;
    if (key === 'inRenewalWindow') window = clause;
    else clauses.push(clause);
  }
  const main = either(clauses, 'and');
  if (main === '') return window === undefined ? 'For every account' : `For every account ${window}`;
  return `When ${main}${window === undefined ? '' : `, ${window}`}`;
}

type ActionWords = {
  task?: NonNullable<Actions['createTask']>;
  tone?: NonNullable<Actions['tone']>;
  stage?: string;
  review: boolean;
  holdDays?: number;
};

function collectActions(then: Actions): ActionWords {
  const words: ActionWords = { review: false };
  const keys = (Object.keys(then) as ActionKey[]).sort((a, b) => ACTION_ORDER[a] - ACTION_ORDER[b]);
  for (const key of keys) {
    switch (key) {
      case 'createTask':
        if (then.createTask !== undefined) words.task = then.createTask;
        break;
      case 'tone':
        if (then.tone !== undefined) words.tone = then.tone;
        break;
      case 'dunningStage':
        if (then.dunningStage !== undefined) words.stage = then.dunningStage;
        break;
      case 'requireReview':
        words.review = then.requireReview === true;
        break;
      case 'holdDays':
        if (then.holdDays !== undefined) words.holdDays = then.holdDays;
        break;
      default:
        unreachable(key);
    }
  }
  return words;
}

function dueIn(days: number): string {
  return days === 0 ? 'due the same day' : `due in ${count(days, 'day')}`;
}

/** The tone as it reaches the customer: never firm inside the renewal window. */
function toneWords(tone: ActionWords['tone'], inWindow: boolean | undefined): string {
  if (tone === undefined) return '';
  if (tone !== 'firm' || inWindow === false) return `${tone} `;
  if (inWindow === true) return 'helpful (firm is softened inside the renewal window) ';
  return 'firm (helpful inside the renewal window) ';
}

/** Who gets the task: always the account owner inside the renewal window. */
function assigneeWords(task: NonNullable<Actions['createTask']>, inWindow: boolean | undefined): string {
  const named =
    typeof task.assignee === 'string' ? lookup(ASSIGNEE, task.assignee) : `user "${task.assignee.user}"`;
  if (task.assignee === 'account_owner' || inWindow === false) return named;
  if (inWindow === true) return `the account owner (inside the renewal window, instead of ${named})`;
  return `${named} (the account owner inside the renewal window)`;
}

function taskWords(words: ActionWords, task: NonNullable<Actions['createTask']>, when: Conditions): string {
  const inWindow = when.inRenewalWindow;
  const kind = words.stage === undefined ? '' : `${lookup(STAGE, words.stage)} `;
  const article = /^[aeiou]/i.test(toneWords(words.tone, inWindow) + kind + 'task') ? 'an' : 'a';
  const each = task.perInvoice ? ' for each overdue invoice' : '';
  const contact = words.tone === undefined ? ' (not a customer contact)' : '';
  return (
    `${article} ${toneWords(words.tone, inWindow)}${kind}task${contact}${each} for ` +
    `${assigneeWords(task, inWindow)}, ${task.priority} priority, ${dueIn(task.dueInDays)}`
  );
}

function describeActions(then: Actions, when: Conditions): string {
  const words = collectActions(then);
  const parts: string[] = [];
  if (words.task !== undefined) {
    parts.push(taskWords(words, words.task, when));
    if (words.review) parts.push('marked for review');
  } else {
    parts.push('no task');
    const unused = [
      ...(words.tone === undefined ? [] : [`tone ${words.tone}`]),
      ...(words.stage === undefined ? [] : [`dunning stage ${words.stage}`]),
      ...(words.review ? ['review'] : []),
    ];
    if (unused.length > 0) parts.push(`(${either(unused, 'and')} apply to tasks only)`);
  }
  if (words.holdDays !== undefined)
    parts.push(
      `then no automated action on the account for ${count(words.holdDays, 'day')} (later rules are skipped that day)`,
    );
  return parts.join('; ');
}

export function describeRule(
  rule: Rule,
  context: DescribeContext = { renewalWindowDays: DEFAULT_RENEWAL_WINDOW_DAYS },
): string {
  return `${describeConditions(rule.when, context)}: ${describeActions(rule.then, rule.when)}.`;
}

export function describeRuleSet(ruleSet: RuleSet): DescribedRule[] {
  const context = { renewalWindowDays: ruleSet.renewalWindowDays };
  return ruleSet.rules.map((rule) => ({ id: rule.id, text: describeRule(rule, context) }));
}
