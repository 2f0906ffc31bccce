import type { Response } from 'express';
import type { z } from 'zod';
import { validateRuleSet, type RuleSet } from '../../src/domain/rules/rule-set';

/** Business errors answer 2xx with a typed body: hubspot.fetch turns any non-2xx into a generic error. */
export function fail(
  response: Response,
  error: { path?: string; code?: string; message: string },
  status = 200,
  extra: object = {},
): void {
  response.status(status).json({ ok: false, error, ...extra });
}

export function badInput(response: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  // An unknown field is named by its own path.
  const path = [
    ...(issue?.path ?? []),
    ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : []),
  ];
  fail(response, { path: path.join('.'), message: issue?.message ?? 'invalid request' });
}

export function ruleSetOrFail(response: Response, input: unknown, path: string): RuleSet | undefined {
  const result = validateRuleSet(input);
  if (result.ok) return result.ruleSet;
  const first = result.problems[0];
  fail(
    response,
    { path: `${path}.${first?.path ?? ''}`, message: first?.message ?? 'invalid rule set' },
    200,
    {
      problems: result.problems,
    },
  );
  return undefined;
}
