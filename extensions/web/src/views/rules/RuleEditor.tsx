import { useId, useRef, useState, type RefObject } from 'react';
import type { DocumentFormat, DocumentProblem } from './ruleDocument';

const LINE_HEIGHT = 20;
const PADDING = 8;

/**
 * A plain textarea (native keyboard behaviour and screen reader support) with line numbers, and the
 * lines that have problems highlighted beside and behind the text.
 */
export function RuleEditor({
  text,
  format,
  problems,
  problemsId,
  editorRef,
  onChange,
}: {
  text: string;
  format: DocumentFormat;
  problems: DocumentProblem[];
  /** The id of the list of problems, which describes the editor while there are any. */
  problemsId: string;
  editorRef: RefObject<HTMLTextAreaElement>;
  onChange: (text: string) => void;
}) {
  const id = useId();
  const gutter = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lineCount = text.split('\n').length;
  const problemLines = new Set(problems.flatMap((problem) => (problem.at === null ? [] : [problem.at.line])));

  return (
    <div className="field">
      <label htmlFor={id}>Rule set ({format === 'yaml' ? 'YAML' : 'JSON'})</label>
      <div className="editor">
        <div className="editor-gutter" ref={gutter} aria-hidden="true">
          <div className="editor-gutter-lines">
            {Array.from({ length: lineCount }, (_, index) => (
              <div
                key={index}
                className={problemLines.has(index + 1) ? 'gutter-line has-problem' : 'gutter-line'}
              >
                {index + 1}
              </div>
            ))}
          </div>
        </div>
        <div className="editor-body">
          <div className="editor-highlights" aria-hidden="true">
            {[...problemLines].map((line) => (
              <div
                key={line}
                className="line-highlight"
                style={{ top: PADDING + (line - 1) * LINE_HEIGHT - scrollTop, height: LINE_HEIGHT }}
              />
            ))}
          </div>
          <textarea
            id={id}
            ref={editorRef}
            className="editor-text"
            value={text}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            wrap="off"
            rows={22}
            aria-invalid={problems.length > 0}
            aria-describedby={problems.length > 0 ? problemsId : undefined}
            data-testid="rules-editor"
            onChange={(event) => onChange(event.target.value)}
            onScroll={(event) => {
              const top = event.currentTarget.scrollTop;
              setScrollTop(top);
              if (gutter.current !== null) gutter.current.scrollTop = top;
            }}
          />
        </div>
      </div>
    </div>
  );
}

/** Each problem with its path; choosing one selects the offending text in the editor. */
export function ProblemList({
  id,
  problems,
  onGoTo,
}: {
  id: string;
  problems: DocumentProblem[];
  onGoTo: (problem: DocumentProblem) => void;
}) {
  return (
    <div id={id} role="alert" className="alert alert-error" data-testid="rule-problems">
      <p className="alert-title">
        {problems.length === 1
          ? 'The rule set has a problem'
          : `The rule set has ${problems.length} problems`}
      </p>
      <ul className="problems">
        {problems.map((problem, index) => (
          <li key={`${problem.path}-${index}`}>
            {problem.at === null ? (
              <code className="path">{problem.path}</code>
            ) : (
              <button type="button" className="link-button path" onClick={() => onGoTo(problem)}>
                {problem.path}
              </button>
            )}
            {problem.at === null || problem.path.startsWith('line ') ? null : (
              <span className="muted"> (line {problem.at.line})</span>
            )}
            : {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
