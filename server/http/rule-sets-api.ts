import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { TenantId } from '../../src/domain/model';
import { DEFAULT_RULE_SET } from '../../src/domain/rules/default-rule-set';
import { diffRuleSets } from '../../src/domain/rules/diff';
import { validateRuleSet } from '../../src/domain/rules/rule-set';
import { versionLabel } from '../../src/domain/rules/activation';
import { describeRuleSet } from '../../src/domain/rules/describe';
import type { CollectionsStore } from '../../src/ports/store';
import { locateChanges, sourceText } from '../source-document';
import { badInput, proposalFields, proposalOrFail } from './api-answers';
import { fail } from './api-errors';
import { describedRules } from './rules-described';

export type RuleSetRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => { tenant: TenantId };
};

export const proposal = z.object({ ...proposalFields, note: z.string().max(500).optional() });
/** Versions are a PostgreSQL integer: anything else never reaches the store. */
const versionNumber = z
  .string()
  .regex(/^[0-9]{1,10}$/)
  .transform(Number)
  .refine((value) => value >= 0 && value <= 2 ** 31 - 1);
export const diffQuery = z.object({ from: versionNumber, to: versionNumber });

/** The settings page's rule sets: the active one with every version, validation and diffs. */
export function createRuleSetsRouter(options: RuleSetRouteOptions): Router {
  const router = express.Router();

  router.get('/rules', async (_request, response) => {
    const { tenant } = options.context(response);
    const [active, versions] = await Promise.all([
      options.store.getActiveRuleSet(tenant),
      options.store.listRuleSetVersions(tenant),
    ]);
    // Version 0 (the default playbook) is active until the first change; every version keeps its text.
    response.json({
      ok: true,
      active: {
        version: active.version,
        ruleSet: active.body,
        source: sourceText(active),
        note: active.note,
        createdAt: active.createdAt,
        createdBy: active.createdBy,
        activatedAt: active.activatedAt,
        label: versionLabel(active),
      },
      default: DEFAULT_RULE_SET,
      versions: versions.map((version) => {
        const { body: _body, ...rest } = version;
        return { ...rest, source: sourceText(version), label: versionLabel(version) };
      }),
      described: describedRules(active?.body ?? DEFAULT_RULE_SET),
    });
  });

  router.post('/rules/validate', (request, response) => {
    const parsed = proposal.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    const ruleSet = proposalOrFail(response, parsed.data)?.ruleSet;
    if (ruleSet !== undefined)
      response.json({
        ok: true,
        rules: ruleSet.rules.map((rule) => rule.id),
        described: describeRuleSet(ruleSet),
      });
  });

  router.get('/rules/diff', async (request, response) => {
    const parsed = diffQuery.safeParse({ from: request.query['from'], to: request.query['to'] });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(
        response,
        {
          code: 'invalid_request',
          path: String(issue?.path[0] ?? 'from'),
          message: 'expected a version number (0 is the default playbook, then 1, 2, …)',
        },
        422,
      );
    }
    const { from, to } = parsed.data;
    const { tenant } = options.context(response);
    const [before, after] = await Promise.all([
      options.store.getRuleSetVersion(tenant, from),
      options.store.getRuleSetVersion(tenant, to),
    ]);
    if (before === undefined || after === undefined)
      return fail(response, {
        code: 'not_found',
        message: `unknown version ${before === undefined ? from : to}`,
      });
    const parsedBefore = validateRuleSet(before.body);
    const parsedAfter = validateRuleSet(after.body);
    if (!parsedBefore.ok || !parsedAfter.ok)
      return fail(response, { code: 'internal_error', message: 'a stored version no longer validates' });
    // Each change also carries its line in the texts as written, for the page to show it in place.
    const changes = diffRuleSets(parsedBefore.ruleSet, parsedAfter.ruleSet);
    const lines = locateChanges(before, after, changes);
    response.json({
      ok: true,
      from,
      to,
      changes: changes.map((change, index) => ({ ...change, lines: lines[index] ?? {} })),
    });
  });

  return router;
}
