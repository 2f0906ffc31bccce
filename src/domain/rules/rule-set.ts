import { z } from 'zod';
import { SITUATION_PRECEDENCE } from '../account-status';
import { DECLINE_CLASSES } from '../decline-classes';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../money';
import { isTag, MAX_TAG_LENGTH } from '../tags';

/**
 * A rule set as RevOps writes it (YAML or JSON): an ordered list of rules, each with conditions that
 * must all hold and the actions to take. Validated with zod; every problem is reported by its path
 * in the document (`rules[2].when.daysPastDue.min: …`).
 */
const range = z
  .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
  .strict()
  .refine((value) => value.min === undefined || value.max === undefined || value.min <= value.max, {
    message: 'min must not exceed max',
  });

const money = z.record(
  z.string().refine(isCurrencyCode, 'unknown currency code'),
  z.string().regex(/^\d+(\.\d+)?$/, 'an amount in major units, like "1000.00"'),
);

const situation = z.enum(SITUATION_PRECEDENCE as unknown as [string, ...string[]]);
const declineClass = z.enum(DECLINE_CLASSES as unknown as [string, ...string[]]);
/** `unknown`: no risk score yet (no model fitted, or no history). */
const tier = z.enum(['low', 'medium', 'high', 'unknown']);
const nonEmpty = z.array(z.string().min(1)).min(1);
const tag = z
  .string()
  .refine(
    isTag,
    `a tag as stored: lower-case letters and digits, words joined by one space, _ or -, at most ${MAX_TAG_LENGTH} characters`,
  );
/** Tags the account must have one of (`anyOf`) and must have none of (`noneOf`). */
const tags = z
  .object({ anyOf: z.array(tag).min(1).optional(), noneOf: z.array(tag).min(1).optional() })
  .strict()
  .refine((value) => value.anyOf !== undefined || value.noneOf !== undefined, {
    message: 'name anyOf, noneOf or both',
  });

export const conditionsSchema = z
  .object({
    daysPastDue: range.optional(),
    overdueAtLeast: money.optional(),
    situationsInclude: z.array(situation).min(1).optional(),
    situationsExclude: z.array(situation).min(1).optional(),
    declineClassIn: z.array(declineClass).min(1).optional(),
    failuresAtLeast: z.number().int().min(1).optional(),
    churnSignal: z.boolean().optional(),
    churnSignalIn: z
      .array(z.enum(['payment_authorization_revoked', 'stop_payment_order', 'all_subscriptions_canceled']))
      .min(1)
      .optional(),
    riskTierIn: z.array(tier).min(1).optional(),
    inRenewalWindow: z.boolean().optional(),
    daysToRenewal: range.optional(),
    segmentIn: nonEmpty.optional(),
    ownerIn: nonEmpty.optional(),
    paymentTermsIn: nonEmpty.optional(),
    earlierContacts: range.optional(),
    tags: tags.optional(),
    /** The card on file expires before the next renewal or subscription invoice, before any failure. */
    cardExpiresBeforeRenewal: z.boolean().optional(),
  })
  .strict();

export const assigneeSchema = z.union([
  z.enum(['account_owner', 'csm', 'ae', 'finance_queue']),
  z.object({ user: z.string().min(1) }).strict(),
]);

export const actionsSchema = z
  .object({
    createTask: z
      .object({
        assignee: assigneeSchema,
        title: z.string().min(1).max(200),
        body: z.string().max(4000).optional(),
        dueInDays: z.number().int().min(0).max(365).default(2),
        priority: z.enum(['low', 'medium', 'high']).default('medium'),
        perInvoice: z.boolean().default(false),
      })
      .strict()
      .optional(),
    dunningStage: z.string().min(1).max(50).optional(),
    tone: z.enum(['gentle', 'helpful', 'firm']).optional(),
    requireReview: z.boolean().optional(),
    holdDays: z.number().int().min(1).max(365).optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, { message: 'a rule needs at least one action' });

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -'),
    description: z.string().max(500).optional(),
    when: conditionsSchema.default({}),
    then: actionsSchema,
  })
  .strict();

export const ruleSetSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(2000).optional(),
    renewalWindowDays: z.number().int().min(0).max(730).default(90),
    caps: z
      .object({
        maxContactsPerWeek: z.number().int().min(0).max(50).default(2),
        minHoursBetweenContacts: z
          .number()
          .int()
          .min(0)
          .max(24 * 30)
          .default(48),
      })
      .strict()
      .default({ maxContactsPerWeek: 2, minHoursBetweenContacts: 48 }),
    rules: z.array(ruleSchema).min(1),
  })
  .strict()
  .superRefine((value, context) => {
    const seen = new Map<string, number>();
    value.rules.forEach((rule, index) => {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['rules', index, 'id'],
          message: `duplicate rule id "${rule.id}" (first used by rules[${first}])`,
        });
      } else seen.set(rule.id, index);
      for (const [currency, amount] of Object.entries(rule.when.overdueAtLeast ?? {})) {
        const parsed = parseMajorAmount(amount, currency as CurrencyCode);
        if (!parsed.ok) {
          context.addIssue({
            code: 'custom',
            path: ['rules', index, 'when', 'overdueAtLeast', currency],
            message: parsed.message,
          });
        }
      }
    });
  });

export type RuleSet = z.infer<typeof ruleSetSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type Conditions = z.infer<typeof conditionsSchema>;
export type Actions = z.infer<typeof actionsSchema>;

export type RuleSetProblem = { path: string; message: string };

/** `rules[2].when.daysPastDue.min` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(document)' : text;
}

/** The keys of a path `formatPath` wrote: `rules[2].when` → `['rules', 2, 'when']`; `(document)` → `[]`. */
export function pathSegments(path: string): (string | number)[] {
  if (path === '(document)') return [];
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\.?([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(match[2]);
  }
  return segments;
}

export function validateRuleSet(
  input: unknown,
): { ok: true; ruleSet: RuleSet } | { ok: false; problems: RuleSetProblem[] } {
  const result = ruleSetSchema.safeParse(input);
  if (result.success) return { ok: true, ruleSet: result.data };
  return {
    ok: false,
    // An unknown field is named by its own path, so an editor can point at it.
    problems: result.error.issues.map((issue) => ({
      path: formatPath(
        issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path,
      ),
      message: issue.message,
    })),
  };
}
