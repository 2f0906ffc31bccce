import { useRef, useState, type RefObject } from 'react';
import type { ApiFailure } from '../../api/client';
import {
  formatOfText,
  locateLineColumn,
  locatePath,
  parseDocumentText,
  toDocumentText,
  withoutPrefix,
  type DocumentFormat,
  type DocumentProblem,
} from './ruleDocument';

/** The request fields a rule set travels in: its text as written, or parsed. */
const DOCUMENT_FIELDS = ['source', 'ruleSet'] as const;

/** Problems the server found in the edited document (not in the rule set it is compared against). */
export function editorProblems(failure: ApiFailure, text: string): DocumentProblem[] | undefined {
  const { path } = failure;
  const field = DOCUMENT_FIELDS.find((name) => path === name || path?.startsWith(`${name}.`));
  if (path === null || field === undefined) return undefined;
  const listed =
    failure.problems.length > 0
      ? failure.problems
      : [{ path: withoutPrefix(path, field), message: failure.message }];
  return listed.map((problem) => {
    const relative = withoutPrefix(problem.path, field);
    const shownPath = relative === '' || relative === field ? '(document)' : relative;
    const line = 'line' in problem ? problem.line : undefined;
    const column = 'column' in problem ? problem.column : undefined;
    return {
      path: shownPath,
      message: problem.message,
      at: line === undefined ? locatePath(text, shownPath) : locateLineColumn(text, line, column),
    };
  });
}

export type RuleDraft = {
  text: string;
  format: DocumentFormat;
  problems: DocumentProblem[];
  problemsId: string;
  editorRef: RefObject<HTMLTextAreaElement>;
  edit: (next: string) => void;
  /** A stored document into the editor: its text as written, or the parsed one laid out. */
  load: (document: { source?: string | undefined; parsed: unknown }) => void;
  switchFormat: (next: DocumentFormat) => void;
  goTo: (problem: DocumentProblem) => void;
  /** The parsed text, or undefined with its syntax problem shown at its line. */
  readDocument: () => { value: unknown } | undefined;
  /** Server problems in the document go beside the editor; anything else is shown by the action. */
  takeProblems: (result: { ok: true } | { ok: false; failure: ApiFailure }) => void;
  outsideEditor: (failure: ApiFailure) => boolean;
};

/** The text in the editor and the problems found in it, shared by validate, simulate and activate. */
export function useRuleDraft(
  initial: { source?: string | undefined; parsed: unknown },
  problemsId: string,
): RuleDraft {
  const [format, setFormat] = useState<DocumentFormat>(() =>
    initial.source === undefined ? 'yaml' : formatOfText(initial.source),
  );
  const [text, setText] = useState(() => initial.source ?? toDocumentText(initial.parsed, 'yaml'));
  const [problems, setProblems] = useState<DocumentProblem[]>([]);
  const editorRef = useRef<HTMLTextAreaElement>(null);

  /** Scrolls the editor so a line is in view, without moving the focus. */
  const reveal = (line: number) => {
    if (editorRef.current !== null) editorRef.current.scrollTop = Math.max(0, (line - 4) * 20);
  };

  const edit = (next: string) => {
    setText(next);
    setProblems([]);
  };

  const load = (document: { source?: string | undefined; parsed: unknown }) => {
    if (document.source !== undefined) {
      setFormat(formatOfText(document.source));
      edit(document.source);
    } else edit(toDocumentText(document.parsed, format));
  };

  const switchFormat = (next: DocumentFormat) => {
    if (next === format) return;
    const parsed = parseDocumentText(text);
    if (!parsed.ok) {
      setProblems([parsed.problem]);
      return;
    }
    setFormat(next);
    edit(toDocumentText(parsed.value, next));
  };

  const goTo = (problem: DocumentProblem) => {
    const editor = editorRef.current;
    if (editor === null || problem.at === null) return;
    editor.focus();
    editor.setSelectionRange(problem.at.start, problem.at.end);
    reveal(problem.at.line);
  };

  const readDocument = () => {
    const parsed = parseDocumentText(text);
    if (!parsed.ok) {
      setProblems([parsed.problem]);
      if (parsed.problem.at !== null) reveal(parsed.problem.at.line);
      return undefined;
    }
    return { value: parsed.value };
  };

  const takeProblems = (result: { ok: true } | { ok: false; failure: ApiFailure }) => {
    if (result.ok) {
      setProblems([]);
      return;
    }
    const found = editorProblems(result.failure, text);
    if (found === undefined) return;
    setProblems(found);
    const first = found.find((problem) => problem.at !== null)?.at;
    if (first !== undefined && first !== null) reveal(first.line);
  };

  const outsideEditor = (failure: ApiFailure) => editorProblems(failure, text) === undefined;

  return {
    text,
    format,
    problems,
    problemsId,
    editorRef,
    edit,
    load,
    switchFormat,
    goTo,
    readDocument,
    takeProblems,
    outsideEditor,
  };
}
