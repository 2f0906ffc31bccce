import { useEffect, useId, useState, type FormEvent } from 'react';
import { callApi } from '../api/client';
import { simulateRules } from '../api/simulate';
import type {
  ActivationPreviewAnswer,
  RulesAnswer,
  SimulationJob,
  ValidateAnswer,
  VersionAnswer,
} from '../api/types';
import { useApiAction, useApiResource } from '../api/useApi';
import { ErrorAlert, Loading, Notice } from '../components/Feedback';
import { addDays, formatInstant, localToday } from '../format';
import { useSession } from '../session';
import { ActivationConfirm } from './rules/ActivationConfirm';
import { ProblemList, RuleEditor } from './rules/RuleEditor';
import { RulesInWords } from './rules/RulesInWords';
import { SimulationTable } from './rules/SimulationTable';
import { useRuleDraft, type RuleDraft } from './rules/useRuleDraft';
import { useRulesInWords } from './rules/useRulesInWords';
import { AuditLog, DiffPanel, RollbackPanel, VersionsTable } from './rules/VersionPanels';

const SIMULATION_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_SIMULATION_DAYS = 90;

/** RevOps' rules: edit, read in words, simulate, activate after a confirmation, compare, roll back, audit. */
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

/** "v3 (active)", or the default playbook's own name for version 0. */
function activeLabel(answer: RulesAnswer): string {
  if (answer.active === null) return 'Default playbook';
  if (answer.active.version === 0) return 'v0 (active, default playbook)';
  return `v${answer.active.version} (active)`;
}

/** The ids of a parsed rule set's rules, in order (nothing for a document that has none). */
function ruleIdsOf(document: unknown): string[] {
  if (typeof document !== 'object' || document === null || !('rules' in document)) return [];
  const { rules } = document;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule: unknown) =>
    typeof rule === 'object' && rule !== null && 'id' in rule && typeof rule.id === 'string' ? [rule.id] : [],
  );
}

type WorkspaceProps = {
  answer: RulesAnswer;
  revops: boolean;
  restrictionId: string;
  onChanged: () => void;
};

function RulesWorkspace({ answer, revops, restrictionId, onChanged }: WorkspaceProps) {
  const activeDocument = answer.active?.ruleSet ?? answer.default;
  const active = { source: answer.active?.source, parsed: activeDocument };
  const draft = useRuleDraft(active, useId());
  const words = useRulesInWords(draft.text, {
    text: draft.text,
    described: answer.described ?? [],
  });

  return (
    <>
      <ActiveSummary answer={answer} onOpen={(source) => draft.load({ source, parsed: undefined })} />
      <EditSection answer={answer} draft={draft} words={words} />
      <SimulateSection answer={answer} draft={draft} />
      <ActivateSection draft={draft} revops={revops} restrictionId={restrictionId} onChanged={onChanged} />
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

function ActiveSummary({ answer, onOpen }: { answer: RulesAnswer; onOpen: (source: string) => void }) {
  const activeVersion = answer.versions.find((entry) => entry.active);
  return (
    <section aria-labelledby="active-heading">
      <h2 id="active-heading">Active rule set</h2>
      <p>
        {answer.active === null ? (
          'No version has been activated: the default playbook applies.'
        ) : (
          <>
            <strong data-testid="active-version">Version {answer.active.version}</strong>
            {answer.active.version === 0 ? ', the default collections playbook, is active' : ' is active'}
            {answer.active.version === 0 ? '' : `, activated by ${answer.active.createdBy}`}
            {activeVersion === undefined || answer.active.version === 0
              ? ''
              : ` on ${formatInstant(activeVersion.createdAt)}`}
            .
          </>
        )}
      </p>
      <VersionsTable versions={answer.versions} onOpen={onOpen} />
    </section>
  );
}

function EditSection({
  answer,
  draft,
  words,
}: {
  answer: RulesAnswer;
  draft: RuleDraft;
  words: ReturnType<typeof useRulesInWords>;
}) {
  const formatName = useId();
  const validate = useApiAction((source: string) =>
    callApi<ValidateAnswer>({ method: 'POST', path: '/rules/validate', body: { source } }),
  );
  const defaultVersion = answer.versions.find((version) => version.version === 0);
  const activeIsDefault = answer.active === null || answer.active.version === 0;

  useEffect(() => {
    validate.reset();
  }, [draft.text, validate.reset]);

  const runValidate = async () => {
    if (draft.readDocument() === undefined) return;
    const text = draft.text;
    const result = await validate.run(text);
    draft.takeProblems(result);
    if (result.ok && result.value.described !== undefined) words.accept(text, result.value.described);
  };

  return (
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
                checked={draft.format === option}
                onChange={() => draft.switchFormat(option)}
              />
              {option === 'yaml' ? 'YAML' : 'JSON'}
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          className="button button-secondary"
          onClick={() =>
            draft.load({ source: answer.active?.source, parsed: answer.active?.ruleSet ?? answer.default })
          }
        >
          {answer.active === null ? 'Load the default playbook' : 'Load the active version'}
        </button>
        {activeIsDefault ? null : (
          <button
            type="button"
            className="button button-secondary"
            onClick={() => draft.load({ source: defaultVersion?.source, parsed: answer.default })}
          >
            Load the default playbook
          </button>
        )}
      </div>
      <div className="editor-with-words">
        <div>
          <RuleEditor
            text={draft.text}
            format={draft.format}
            problems={draft.problems}
            problemsId={draft.problemsId}
            editorRef={draft.editorRef}
            onChange={draft.edit}
          />
          {draft.problems.length > 0 ? (
            <ProblemList id={draft.problemsId} problems={draft.problems} onGoTo={draft.goTo} />
          ) : null}
        </div>
        <RulesInWords described={words.described} status={words.status} />
      </div>
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
          {validate.state.value.rules.join(', ')}).
        </Notice>
      ) : null}
      {validate.state.status === 'failed' && draft.outsideEditor(validate.state.failure) ? (
        <ErrorAlert title="The rule set could not be validated" failure={validate.state.failure} />
      ) : null}
    </section>
  );
}

function SimulateSection({ answer, draft }: { answer: RulesAnswer; draft: RuleDraft }) {
  const fromId = useId();
  const toId = useId();
  const activeDocument = answer.active?.ruleSet ?? answer.default;
  const [to, setTo] = useState(() => addDays(localToday(), -1));
  const [from, setFrom] = useState(() => addDays(localToday(), -DEFAULT_SIMULATION_DAYS));
  /** What the last simulation compared, as it was when it ran. */
  const [compared, setCompared] = useState<{
    labels: { proposed: string; baseline: string };
    ruleIds: string[];
  }>({
    labels: { proposed: 'Edited rule set', baseline: activeLabel(answer) },
    ruleIds: [],
  });
  const [progress, setProgress] = useState<SimulationJob['accounts'] | null>(null);
  const simulate = useApiAction((source: string, range: { from: string; to: string }) =>
    simulateRules(
      { source, against: activeDocument, ...range },
      { timeoutMs: SIMULATION_TIMEOUT_MS, onProgress: setProgress },
    ),
  );

  const runSimulate = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const document = draft.readDocument();
    if (document === undefined) return;
    setCompared({
      labels: { proposed: 'Edited rule set', baseline: activeLabel(answer) },
      ruleIds: [...new Set([...ruleIdsOf(document.value), ...ruleIdsOf(activeDocument)])],
    });
    setProgress(null);
    draft.takeProblems(await simulate.run(draft.text, { from, to }));
  };

  const result = simulate.state.status === 'done' ? simulate.state.value : undefined;
  return (
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
      {simulate.state.status === 'failed' && draft.outsideEditor(simulate.state.failure) ? (
        <ErrorAlert title="The simulation failed" failure={simulate.state.failure} />
      ) : null}
      {result?.summaries[0] !== undefined ? (
        <SimulationTable
          edited={result.summaries[0]}
          against={result.summaries[1]}
          labels={{
            proposed: result.labels?.proposed ?? compared.labels.proposed,
            baseline: result.labels?.baseline ?? compared.labels.baseline,
          }}
          ruleIds={compared.ruleIds}
        />
      ) : null}
    </section>
  );
}

function ActivateSection({
  draft,
  revops,
  restrictionId,
  onChanged,
}: {
  draft: RuleDraft;
  revops: boolean;
  restrictionId: string;
  onChanged: () => void;
}) {
  const [activated, setActivated] = useState<number | null>(null);
  const preview = useApiAction((source: string) =>
    callApi<ActivationPreviewAnswer>({
      method: 'POST',
      path: '/rules/activation-preview',
      body: { source },
      timeoutMs: SIMULATION_TIMEOUT_MS,
    }),
  );
  const { text } = draft;
  const activate = (note: string, previewToken: string) =>
    callApi<VersionAnswer>({
      method: 'POST',
      path: '/rules/activate',
      body: { source: text, note, previewToken },
    });

  // A preview is of one text: an edit makes it stale.
  useEffect(() => {
    preview.reset();
  }, [text, preview.reset]);

  const runPreview = async () => {
    if (draft.readDocument() === undefined) return;
    setActivated(null);
    draft.takeProblems(await preview.run(text));
  };

  return (
    <section aria-labelledby="activate-heading">
      <h2 id="activate-heading">Activate</h2>
      <p className="muted">
        Activating first shows what the edited rules would have done over the last 90 days against the active
        version, and asks for a note for the audit log.
      </p>
      <button
        type="button"
        className="button"
        disabled={!revops || preview.state.status === 'running'}
        aria-describedby={revops ? undefined : restrictionId}
        onClick={() => void runPreview()}
      >
        {preview.state.status === 'running' ? 'Simulating the last 90 days…' : 'Activate as a new version'}
      </button>
      {revops ? null : <p className="field-hint">Activation is for RevOps only.</p>}
      {preview.state.status === 'running' ? (
        <Loading>Simulating the edited rules against the active version over the last 90 days…</Loading>
      ) : null}
      {preview.state.status === 'failed' && draft.outsideEditor(preview.state.failure) ? (
        <ErrorAlert title="The activation could not be prepared" failure={preview.state.failure} />
      ) : null}
      {preview.state.status === 'done' ? (
        <ActivationConfirm
          key={preview.state.value.preview.token}
          preview={preview.state.value.preview}
          activate={activate}
          onActivated={(version) => {
            preview.reset();
            setActivated(version);
            onChanged();
          }}
          onPreviewAgain={() => void runPreview()}
          onCancel={preview.reset}
        />
      ) : null}
      {activated === null ? null : <Notice>Version {activated} is now active.</Notice>}
    </section>
  );
}
