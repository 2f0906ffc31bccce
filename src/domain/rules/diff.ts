import { formatPath, type RuleSet } from './rule-set';

export type RuleSetChange =
  | { kind: 'added'; path: string; ruleId: string }
  | { kind: 'removed'; path: string; ruleId: string }
  | { kind: 'moved'; ruleId: string; from: number; to: number }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

function changes(before: unknown, after: unknown, path: PropertyKey[], out: RuleSetChange[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      changes(before[key], after[key], [...path, key], out);
    }
    return;
  }
  out.push({ kind: 'changed', path: formatPath(path), before, after });
}

/** What changed between two rule sets: rules matched by id, then field by field. */
export function diffRuleSets(before: RuleSet, after: RuleSet): RuleSetChange[] {
  const out: RuleSetChange[] = [];
  const { rules: rulesBefore, ...restBefore } = before;
  const { rules: rulesAfter, ...restAfter } = after;
  changes(restBefore, restAfter, [], out);
  const indexBefore = new Map(rulesBefore.map((rule, index) => [rule.id, index]));
  const indexAfter = new Map(rulesAfter.map((rule, index) => [rule.id, index]));
  rulesBefore.forEach((rule, index) => {
    if (!indexAfter.has(rule.id)) out.push({ kind: 'removed', path: `rules[${index}]`, ruleId: rule.id });
  });
  rulesAfter.forEach((rule, index) => {
    const earlier = indexBefore.get(rule.id);
    if (earlier === undefined) {
      out.push({ kind: 'added', path: `rules[${index}]`, ruleId: rule.id });
      return;
    }
    if (earlier !== index) out.push({ kind: 'moved', ruleId: rule.id, from: earlier, to: index });
    changes(rulesBefore[earlier], rule, ['rules', index], out);
  });
  return out;
}

/** JSON with every object's keys sorted: equal for rule sets that parse alike, however written. */
export function canonicalRuleSetText(ruleSet: RuleSet): string {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
      );
    return value;
  };
  return JSON.stringify(sorted(ruleSet));
}

/** Whether two parsed rule sets are the same change-wise: comments, layout and key order do not count. */
export function sameRuleSet(a: RuleSet, b: RuleSet): boolean {
  return canonicalRuleSetText(a) === canonicalRuleSetText(b);
}
