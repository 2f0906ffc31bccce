import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import type { RuleSetChange } from '../src/domain/rules/diff';
import { pathSegments, validateRuleSet, type RuleSet } from '../src/domain/rules/rule-set';

/**
 * Documents RevOps writes (rule sets, guardrails) as YAML or JSON text: parsed with the position of
 * every node, so each problem is named by its path and by the line and column it is on.
 */
export type SourceProblem = { path: string; message: string; line?: number; column?: number };

type Validated<T> = { ok: true; value: T } | { ok: false; problems: { path: string; message: string }[] };

/** Document text is bounded like a request body. */
export const MAX_SOURCE_LENGTH = 512 * 1024;

type Parsed =
  | { ok: true; document: unknown; locate: (path: string) => { line: number; column: number } | undefined }
  | { ok: false; problems: SourceProblem[] };

/** The node a path names, or the deepest one on its way that exists (a missing field points at its parent). */
function offsetOf(root: unknown, segments: readonly (string | number)[]): number | undefined {
  let node: unknown = root;
  let offset = (node as Node | null)?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
      // A scalar value is pointed at itself; a nested map or list at its key.
      if (isScalar(node)) offset = node.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined || item === null) break;
      node = item;
      offset = (item as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

export function parseSource(text: string): Parsed {
  if (text.length > MAX_SOURCE_LENGTH)
    return {
      ok: false,
      problems: [{ path: '(document)', message: `longer than ${MAX_SOURCE_LENGTH} characters` }],
    };
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (document.errors.length > 0)
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        path: '(document)',
        message: `not valid YAML or JSON: ${error.message.split('\n')[0] ?? error.code}`,
        ...position(error.pos[0]),
      })),
    };
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [{ path: '(document)', message: (error as Error).message }] };
  }
  return {
    ok: true,
    document: value,
    locate: (path) => {
      const offset = offsetOf(document.contents, pathSegments(path));
      return offset === undefined ? undefined : position(offset);
    },
  };
}

/** Parses and validates document text; every problem carries its line and column when it has one. */
export function validateSource<T>(
  text: string,
  validate: (document: unknown) => Validated<T>,
): { ok: true; value: T } | { ok: false; problems: SourceProblem[] } {
  const parsed = parseSource(text);
  if (!parsed.ok) return parsed;
  const result = validate(parsed.document);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map((problem) => ({ ...problem, ...parsed.locate(problem.path) })),
  };
}

export function readRuleSetSource(
  text: string,
): { ok: true; value: RuleSet } | { ok: false; problems: SourceProblem[] } {
  return validateSource(text, (document) => {
    const result = validateRuleSet(document);
    return result.ok ? { ok: true, value: result.ruleSet } : result;
  });
}

/** `rules.yaml:7:14: rules[0].when.daysPastDue.min: …` (without a position when the problem has none). */
export function formatSourceProblem(file: string, problem: SourceProblem): string {
  const at = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  return `${at}: ${problem.path}: ${problem.message}`;
}

/** The text of a stored version: as written, or (stored before the text was kept, or version 0) as YAML. */
export function sourceText(version: { source: string | null; body: unknown }): string {
  return version.source ?? stringify(version.body);
}

type VersionText = { source: string | null; body: unknown };

/** The line of each change in the two documents as written (a moved rule has none). */
export function locateChanges(
  before: VersionText,
  after: VersionText,
  changes: readonly RuleSetChange[],
): { before?: number; after?: number }[] {
  const locator = (version: VersionText) => {
    const parsed = parseSource(sourceText(version));
    return parsed.ok ? parsed.locate : () => undefined;
  };
  const [inBefore, inAfter] = [locator(before), locator(after)];
  return changes.map((change) => {
    if (change.kind === 'moved') return {};
    const lineBefore = change.kind === 'added' ? undefined : inBefore(change.path)?.line;
    const lineAfter = change.kind === 'removed' ? undefined : inAfter(change.path)?.line;
    return {
      ...(lineBefore === undefined ? {} : { before: lineBefore }),
      ...(lineAfter === undefined ? {} : { after: lineAfter }),
    };
  });
}
