import type { Response } from 'express';
import { z } from 'zod';
import { validateRuleSet, type RuleSet } from '../../src/domain/rules/rule-set';
import { MAX_SOURCE_LENGTH, readRuleSetSource } from '../source-document';
import { fail } from './api-errors';

export function badInput(response: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  // An unknown field is named by its own path.
  const path = [
    ...(issue?.path ?? []),
    ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : []),
  ];
  fail(response, {
    code: 'invalid_request',
    path: path.join('.'),
    message: issue?.message ?? 'invalid request',
  });
}

export function ruleSetOrFail(response: Response, input: unknown, path: string): RuleSet | undefined {
  const result = validateRuleSet(input);
  if (result.ok) return result.ruleSet;
  const first = result.problems[0];
  fail(
    response,
    {
      code: 'invalid_request',
      path: `${path}.${first?.path ?? ''}`,
      message: first?.message ?? 'invalid rule set',
    },
    200,
    {
      problems: result.problems,
    },
  );
  return undefined;
}

/** A rule set sent as `source` (the text as written, preferred) or as `ruleSet` (parsed). */
export const proposalFields = {
  source: z.string().max(MAX_SOURCE_LENGTH).optional(),
  ruleSet: z.unknown().optional(),
};

export type Proposal = { ruleSet: RuleSet; source: string | null };

/**
 * The proposal of a request, or undefined with the problem answered: problems in a source carry their
 * line and column, problems in a parsed rule set their path only.
 */
export function proposalOrFail(
  response: Response,
  body: { source?: string | undefined; ruleSet?: unknown },
): Proposal | undefined {
  if ((body.source === undefined) === (body.ruleSet === undefined)) {
    fail(response, {
      code: 'invalid_request',
      path: 'source',
      message: 'send the rule set as source (its YAML or JSON text) or as ruleSet, one of the two',
    });
    return undefined;
  }
  if (body.source === undefined) {
    const ruleSet = ruleSetOrFail(response, body.ruleSet, 'ruleSet');
    return ruleSet === undefined ? undefined : { ruleSet, source: null };
  }
  const read = readRuleSetSource(body.source);
  if (read.ok) return { ruleSet: read.value, source: body.source };
  const first = read.problems[0];
  fail(
    response,
    {
      code: 'invalid_request',
      path: `source.${first?.path ?? ''}`,
      message: first?.message ?? 'invalid rule set',
      ...(first?.line === undefined ? {} : { line: first.line, column: first.column ?? 1 }),
    },
    200,
    { problems: read.problems },
  );
  return undefined;
}
