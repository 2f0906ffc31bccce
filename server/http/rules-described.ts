import { describeRuleSet, type DescribedRule } from '../../src/domain/rules/describe';
import { validateRuleSet } from '../../src/domain/rules/rule-set';

/** The rules in words for the settings page and the workspace (which cannot import the domain). */
export function describedRules(document: unknown): DescribedRule[] {
  const parsed = validateRuleSet(document);
  return parsed.ok ? describeRuleSet(parsed.ruleSet) : [];
}
