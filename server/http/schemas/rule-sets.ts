import { z } from 'zod';
import { describedRule } from './common';

const versionFields = {
  version: z.number().int(),
  /** The document as written (comments and order kept), or the parsed one as YAML. */
  source: z.string(),
  note: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  activatedAt: z.string().nullable(),
  /** `v3 (active, "note")`: how the pages name a version. */
  label: z.string(),
};

export const ruleSetVersionView = z
  .object({ ...versionFields, active: z.boolean() })
  .meta({ id: 'RuleSetVersionView' });

/** Version 0 is the default playbook, stored for every tenant and active until the first change. */
export const rulesResponse = z
  .object({
    ok: z.literal(true),
    active: z.object({ ...versionFields, ruleSet: z.unknown() }),
    default: z.unknown(),
    versions: z.array(ruleSetVersionView),
    /** The active rule set in words. */
    described: z.array(describedRule),
  })
  .meta({ id: 'RulesResponse' });

export const validateRulesResponse = z
  .object({ ok: z.literal(true), rules: z.array(z.string()), described: z.array(describedRule) })
  .meta({ id: 'ValidateRulesResponse' });

const lines = z.object({ before: z.number().int().optional(), after: z.number().int().optional() });

export const ruleSetChange = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('added'), path: z.string(), ruleId: z.string(), lines }),
    z.object({ kind: z.literal('removed'), path: z.string(), ruleId: z.string(), lines }),
    z.object({ kind: z.literal('moved'), ruleId: z.string(), from: z.number(), to: z.number(), lines }),
    z.object({
      kind: z.literal('changed'),
      path: z.string(),
      before: z.unknown(),
      after: z.unknown(),
      lines,
    }),
  ])
  .meta({ id: 'RuleSetChange' });

export const rulesDiffResponse = z
  .object({
    ok: z.literal(true),
    from: z.number().int(),
    to: z.number().int(),
    changes: z.array(ruleSetChange),
  })
  .meta({ id: 'RulesDiffResponse' });

export const versionResponse = z
  .object({ ok: z.literal(true), version: z.number().int() })
  .meta({ id: 'VersionResponse' });
