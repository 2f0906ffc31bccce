import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { callApi, type ApiFailure } from '../api/client';
import { simulateRules } from '../api/simulate';
import type { RulesAnswer, SimulationJob, ValidateAnswer, VersionAnswer } from '../api/types';
import { useApiAction, useApiResource } from '../api/useApi';
import { ErrorAlert, Loading, Notice } from '../components/Feedback';
import { addDays, formatInstant, localToday } from '../format';
import { useSession } from '../session';
import { ProblemList, RuleEditor } from './rules/RuleEditor';
import {
  locatePath,
  parseDocumentText,
  toDocumentText,
  withoutPrefix,
  type DocumentFormat,
  type DocumentProblem,
} from './rules/ruleDocument';
import { SimulationTable } from './rules/SimulationTable';
import { AuditLog, DiffPanel, RollbackPanel, VersionsTable } from './rules/VersionPanels';

const SIMULATION_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_SIMULATION_DAYS = 90;

/** RevOps' rules: edit, validate, simulate against the active set, activate, compare, roll back, audit. */
export function RulesView() {
  const session = useSession();
  const rules = useApiResource('rules', () => callApi<RulesAnswer>({ path: '/rules' }));
  const [auditKey, setAuditKey] = useState(0);
  const restrictionId = useId();

  useEffect(() => {
    document.title = 'Rules · Collections';
  }, []);

  const changed = () => {
    rules.reload();
    setAuditKey((key) => key + 1);
  };

  return (
    <>
      <h1 tabIndex={-1}>Collection rules</h1>
      {session.revops ? null : (
        <p id={restrictionId} className="alert alert-info">
          Only RevOps can activate or roll back rule sets. You can still edit, validate, simulate and compare
          them.
        </p>
      )}
      {rules.state.status === 'loading' ? <Loading>Loading the rules…</Loading> : null}
      {rules.state.status === 'error' ? (
        <ErrorAlert
          title="The rules could not be loaded"
          failure={rules.state.failure}
          onRetry={rules.reload}
        />
      ) : null}
      {rules.state.status === 'success' ? (
        <RulesWorkspace
          answer={rules.state.data}
          revops={session.revops}
          restrictionId={restrictionId}
          onChanged={changed}
        />
      ) : null}
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit log</h2>
        <AuditLog refreshKey={auditKey} />
      </section>
    </>
  );
}

/** Problems the server found in the edited document (not in the rule set it is compared against). */
function editorProblems(failure: ApiFailure, text: string): DocumentProblem[] | undefined {
  if (failure.path === null || !(failure.path === 'ruleSet' || failure.path.startsWith('ruleSet.')))
    return undefined;
  const listed =
    failure.problems.length > 0
      ? failure.problems
      : [{ path: withoutPrefix(failure.path, 'ruleSet'), message: failure.message }];
  return listed.map((problem) => ({ ...problem, at: locatePath(text, problem.path) }));
}

function RulesWorkspace({
  answer,
  revops,
  restrictionId,
  onChanged,
}: {
  answer: RulesAnswer;
  revops: boolean;
  restrictionId: string;
  onChanged: () => void;
}) {
  const activeDocument = answer.active?.ruleSet ?? answer.default;
  const [format, setFormat] = useState<DocumentFormat>('yaml');
  const [text, setText] = useState(() => toDocumentText(activeDocument, 'yaml'));
  const [problems, setProblems] = useState<DocumentProblem[]>([]);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const problemsId = useId();
  const formatName = useId();
  const fromId = useId();
  const toId = useId();
  const noteId = useId();
  const [to, setTo] = useState(() => addDays(localToday(), -1));
  const [from, setFrom] = useState(() => addDays(localToday(), -DEFAULT_SIMULATION_DAYS));
  const [note, setNote] = useState('');
  const againstLabel = answer.active === null ? 'Default playbook' : `Active (v${answer.active.version})`;
  /** What the last simulation compared against, as it was when it ran. */
  const [simulatedAgainst, setSimulatedAgainst] = useState(againstLabel);

  const validate = useApiAction((ruleSet: unknown) =>
    callApi<ValidateAnswer>({ method: 'POST', path: '/rules/validate', body: { ruleSet } }),
  );
  const [progress, setProgress] = useState<SimulationJob['accounts'] | null>(null);
  const simulate = useApiAction((ruleSet: unknown, range: { from: string; to: string }) =>
    simulateRules(
      { ruleSet, against: activeDocument, ...range },
      { timeoutMs: SIMULATION_TIMEOUT_MS, onProgress: setProgress },
    ),
  );
  const activate = useApiAction((ruleSet: unknown, text: string) =>
    callApi<VersionAnswer>({
      method: 'POST',
      path: '/rules/activate',
      body: { ruleSet, ...(text === '' ? {} : { note: text }) },
    }),
  );

  /** The parsed document, or undefined with its syntax problem shown. */
  const readDocument = (): { value: unknown } | undefined => {
    const parsed = parseDocumentText(text);
    if (!parsed.ok) {
      setProblems([parsed.problem]);
      if (parsed.problem.at !== null) reveal(parsed.problem.at.line);
      return undefined;
    }
    return { value: parsed.value };
  };

  /** Server problems in the document go beside the editor; anything else is shown by the action. */
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

  /** Scrolls the editor so a line is in view, without moving the focus. */
  const reveal = (line: number) => {
    if (editorRef.current !== null) editorRef.current.scrollTop = Math.max(0, (line - 4) * 20);
  };

  const edit = (next: string) => {
    setText(next);
    setProblems([]);
    validate.reset();
  };

  const load = (document: unknown) => {
    edit(toDocumentText(document, format));
    simulate.reset();
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

  const runValidate = async () => {
    const document = readDocument();
    if (document === undefined) return;
    takeProblems(await validate.run(document.value));
  };

  const runSimulate = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const document = readDocument();
    if (document === undefined) return;
    setSimulatedAgainst(againstLabel);
    setProgress(null);
    takeProblems(await simulate.run(document.value, { from, to }));
  };

  const runActivate = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const document = readDocument();
    if (document === undefined) return;
    const result = await activate.run(document.value, note.trim());
    takeProblems(result);
    if (result.ok) {
      setNote('');
      onChanged();
    }
  };

  const failureOutsideEditor = (failure: ApiFailure) => editorProblems(failure, text) === undefined;

  return (
    <>
      <section aria-labelledby="active-heading">
        <h2 id="active-heading">Active rule set</h2>
        <p>
          {answer.active === null ? (
            'No version has been activated: the default playbook applies.'
          ) : (
            <>
              <strong data-testid="active-version">Version {answer.active.version}</strong> is active,
              activated by {answer.active.createdBy}
              {(() => {
                const version = answer.versions.find((entry) => entry.active);
                return version === undefined ? '' : ` on ${formatInstant(version.createdAt)}`;
              })()}
              .
            </>
          )}
        </p>
        <VersionsTable versions={answer.versions} />
      </section>

      <section aria-labelledby="edit-heading">
        <h2 id="edit-heading">Edit and validate</h2>
        <div className="toolbar">
          <fieldset className="segmented">
            <legend>Format</legend>
            {(['yaml', 'json'] as const).map((option) => (
              <label key={option}>
                <input
                  type="radio"
                  name={formatName}
                  value={option}
                  checked={format === option}
                  onChange={() => switchFormat(option)}
                />
                {option === 'yaml' ? 'YAML' : 'JSON'}
              </label>
            ))}
          </fieldset>
          <button type="button" className="button button-secondary" onClick={() => load(activeDocument)}>
            {answer.active === null ? 'Load the default playbook' : 'Load the active version'}
          </button>
          {answer.active === null ? null : (
            <button type="button" className="button button-secondary" onClick={() => load(answer.default)}>
              Load the default playbook
            </button>
          )}
        </div>
        <RuleEditor
          text={text}
          format={format}
          problems={problems}
          problemsId={problemsId}
          editorRef={editorRef}
          onChange={edit}
        />
        {problems.length > 0 ? <ProblemList id={problemsId} problems={problems} onGoTo={goTo} /> : null}
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => void runValidate()}
            disabled={validate.state.status === 'running'}
          >
            {validate.state.status === 'running' ? 'Validating…' : 'Validate'}
          </button>
        </div>
        {validate.state.status === 'done' ? (
          <Notice>
            Valid: {validate.state.value.rules.length}{' '}
            {validate.state.value.rules.length === 1 ? 'rule' : 'rules'} (
            {validate.state.value.rules.join(', ')}
            ).
          </Notice>
        ) : null}
        {validate.state.status === 'failed' && failureOutsideEditor(validate.state.failure) ? (
          <ErrorAlert title="The rule set could not be validated" failure={validate.state.failure} />
        ) : null}
      </section>

      <section aria-labelledby="simulate-heading">
        <h2 id="simulate-heading">
          Simulate against the {answer.active === null ? 'default' : 'active'} rules
        </h2>
        <p className="muted">
          Replays the book day by day and counts what each rule set would have done: tasks, contacts, contacts
          near renewals.
        </p>
        <form className="toolbar" onSubmit={(event) => void runSimulate(event)}>
          <div className="field field-inline">
            <label htmlFor={fromId}>From</label>
            <input
              id={fromId}
              type="date"
              value={from}
              max={to}
              onChange={(event) => setFrom(event.target.value)}
            />
          </div>
          <div className="field field-inline">
            <label htmlFor={toId}>To</label>
            <input
              id={toId}
              type="date"
              value={to}
              min={from}
              onChange={(event) => setTo(event.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={simulate.state.status === 'running'}>
            {simulate.state.status === 'running' ? 'Simulating…' : 'Simulate'}
          </button>
        </form>
        {simulate.state.status === 'running' ? (
          <Loading>
            {progress === null || progress.total === null
              ? 'Replaying history; this can take a minute for a large book…'
              : `Replaying history on the server: ${progress.done} of ${progress.total} accounts…`}
          </Loading>
        ) : null}
        {simulate.state.status === 'failed' && failureOutsideEditor(simulate.state.failure) ? (
          <ErrorAlert title="The simulation failed" failure={simulate.state.failure} />
        ) : null}
        {simulate.state.status === 'done' && simulate.state.value.summaries[0] !== undefined ? (
          <SimulationTable
            edited={simulate.state.value.summaries[0]}
            against={simulate.state.value.summaries[1]}
            againstLabel={simulatedAgainst}
          />
        ) : null}
      </section>

      <section aria-labelledby="activate-heading">
        <h2 id="activate-heading">Activate</h2>
        <form onSubmit={(event) => void runActivate(event)}>
          <div className="field">
            <label htmlFor={noteId}>Note for the audit log</label>
            <input
              id={noteId}
              type="text"
              value={note}
              maxLength={500}
              onChange={(event) => setNote(event.target.value)}
            />
          </div>
          <button
            type="submit"
            className="button"
            disabled={!revops || activate.state.status === 'running'}
            aria-describedby={revops ? undefined : restrictionId}
          >
            {activate.state.status === 'running' ? 'Activating…' : 'Activate as a new version'}
          </button>
          {revops ? null : <p className="field-hint">Activation is for RevOps only.</p>}
        </form>
        {activate.state.status === 'done' ? (
          <Notice>Version {activate.state.value.version} is now active.</Notice>
        ) : null}
        {activate.state.status === 'failed' && failureOutsideEditor(activate.state.failure) ? (
          <ErrorAlert title="The rule set was not activated" failure={activate.state.failure} />
        ) : null}
      </section>

      <section aria-labelledby="diff-heading">
        <h2 id="diff-heading">Compare versions</h2>
        <DiffPanel key={answer.versions.length} versions={answer.versions} />
      </section>

      <section aria-labelledby="rollback-heading">
        <h2 id="rollback-heading">Roll back</h2>
        <RollbackPanel
          versions={answer.versions}
          revops={revops}
          restrictionId={restrictionId}
          onChanged={onChanged}
        />
      </section>
    </>
  );
}
