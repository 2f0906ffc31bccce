import { isMap, isNode, isScalar, isSeq, parseDocument, stringify, YAMLParseError, type Node } from 'yaml';

/**
 * Rule sets are edited as YAML (the CLI's format) or JSON. JSON is YAML too, so one parser reads both
 * and can say where in the text a problem's path (`rules[4].when.daysPastDue.min`) is.
 */
export type DocumentFormat = 'yaml' | 'json';

export type Located = { line: number; start: number; end: number };

/** A problem with the document, by its path in the document and, when found, its place in the text. */
export type DocumentProblem = { path: string; message: string; at: Located | null };

export function toDocumentText(document: unknown, format: DocumentFormat): string {
  if (document === undefined || document === null) return '';
  return format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) if (text[index] === '\n') line += 1;
  return line;
}

function locatedAt(text: string, start: number, end: number): Located {
  return { line: lineAt(text, start), start, end: Math.max(start, end) };
}

export function parseDocumentText(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: DocumentProblem } {
  if (text.trim() === '')
    return { ok: false, problem: { path: '(document)', message: 'The document is empty.', at: null } };
  const document = parseDocument(text, { prettyErrors: false });
  const error = document.errors[0];
  if (error !== undefined) {
    const [start = 0, end = start] = error.pos;
    const message =
      error instanceof YAMLParseError ? (error.message.split('\n')[0] ?? error.message) : String(error);
    const at = locatedAt(text, start, end);
    return { ok: false, problem: { path: `line ${at.line}`, message, at } };
  }
  return { ok: true, value: document.toJS() };
}

/** A 1-based line and column as the server reports them: from there to the end of the line. */
export function locateLineColumn(text: string, line: number, column: number | undefined): Located | null {
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) return null;
  const lineStart = lines.slice(0, line - 1).reduce((offset, current) => offset + current.length + 1, 0);
  const length = lines[line - 1]?.length ?? 0;
  if (column === undefined || column < 1 || column > length + 1)
    return { line, start: lineStart, end: lineStart + length };
  const start = lineStart + column - 1;
  return { line, start, end: Math.max(start, lineStart + (lines[line - 1] ?? '').trimEnd().length) };
}

/** Whether a document is JSON (so the editor shows it in that format). */
export function formatOfText(text: string): DocumentFormat {
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/** `rules[4].when.daysPastDue.min` → ['rules', 4, 'when', 'daysPastDue', 'min']. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

/**
 * Where a path is in the text: the key of the deepest existing entry along it (the line to look at),
 * or the item of a list. A path into something missing points at its nearest existing parent.
 */
export function locatePath(text: string, path: string): Located | null {
  if (path === '' || path === '(document)') return null;
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) return null;
  let node: unknown = document.contents;
  let found: Located | null = null;
  for (const segment of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      const key = pair.key as Node;
      if (key.range) found = locatedAt(text, key.range[0], key.range[1]);
      node = pair.value;
      if (isScalar(node) && node.range && key.range) found = locatedAt(text, key.range[0], node.range[1]);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      if (item.range) found = locatedAt(text, item.range[0], item.range[0]);
      node = item;
    } else break;
  }
  return found;
}

/** The server's paths may carry the request field first (`ruleSet.rules[2]…`). */
export function withoutPrefix(path: string, prefix: string): string {
  return path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
}
