import { useId, useState, type FormEvent } from 'react';
import { callApi, getData } from '../../api/client';
import type {
  AuditEvent,
  DiffAnswer,
  RuleSetChange,
  RuleSetVersionView,
  VersionAnswer,
} from '../../api/types';
import { useApiAction, useApiResource } from '../../api/useApi';
import { Empty, ErrorAlert, Loading, Notice } from '../../components/Feedback';
import { formatInstant, humanize } from '../../format';

/** "v0 (default playbook)" for the playbook every tenant starts from, "v3" for the others. */
export function versionName(version: number): string {
  return version === 0 ? 'v0 (default playbook)' : `v${version}`;
}

/** The stored versions, newest first; each one's text, as written, can be opened in the editor. */
export function VersionsTable({
  versions,
  onOpen,
}: {
  versions: RuleSetVersionView[];
  onOpen?: (source: string) => void;
}) {
  if (versions.length === 0) return <Empty>No versions yet.</Empty>;
  const openable = onOpen !== undefined && versions.some((version) => version.source !== undefined);
  return (
    <div className="table-scroll" role="region" aria-label="Rule set versions" tabIndex={0}>
      <table className="data-table" data-testid="versions-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Activated</th>
            <th scope="col">By</th>
            <th scope="col">Note</th>
            <th scope="col">State</th>
            {openable ? <th scope="col">Text</th> : null}
          </tr>
        </thead>
        <tbody>
          {[...versions]
            .sort((a, b) => b.version - a.version)
            .map((version) => (
              <tr key={version.version} className={version.active ? 'row-active' : undefined}>
                <th scope="row">{versionName(version.version)}</th>
                <td>{formatInstant(version.createdAt)}</td>
                <td>{version.createdBy}</td>
                <td>{version.note === null || version.note === '' ? '—' : version.note}</td>
                <td>{version.active ? <strong>Active</strong> : 'Inactive'}</td>
                {openable ? (
                  <td>
                    {version.source === undefined ? (
                      '—'
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Open ${versionName(version.version)} in the editor`}
                        onClick={() => onOpen(version.source ?? '')}
                      >
                        Open in the editor
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/** Makes an earlier version active again. RevOps only (the server answers 403 otherwise). */
export function RollbackPanel({
  versions,
  revops,
  restrictionId,
  onChanged,
}: {
  versions: RuleSetVersionView[];
  revops: boolean;
  restrictionId: string;
  onChanged: () => void;
}) {
  const versionId = useId();
  const noteId = useId();
  const candidates = [...versions].filter((version) => !version.active).sort((a, b) => b.version - a.version);
  const [chosen, setChosen] = useState<string>('');
  const [note, setNote] = useState('');
  const [noteMissing, setNoteMissing] = useState(false);
  const rollback = useApiAction((version: number, text: string) =>
    callApi<VersionAnswer>({ method: 'POST', path: '/rules/rollback', body: { version, note: text } }),
  );
  const version = chosen === '' ? candidates[0]?.version : Number(chosen);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (version === undefined) return;
    if (note.trim() === '') {
      setNoteMissing(true);
      return;
    }
    setNoteMissing(false);
    const result = await rollback.run(version, note.trim());
    if (result.ok) {
      setNote('');
      onChanged();
    }
  };

  if (candidates.length === 0) return <Empty>There is no earlier version to roll back to.</Empty>;
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={versionId}>Version to make active</label>
          <select
            id={versionId}
            value={String(version ?? '')}
            onChange={(event) => setChosen(event.target.value)}
          >
            {candidates.map((candidate) => (
              <option key={candidate.version} value={candidate.version}>
                {versionName(candidate.version)} by {candidate.createdBy}
                {candidate.note === null || candidate.note === '' ? '' : `: ${candidate.note}`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={noteId}>Why roll back</label>
          <input
            id={noteId}
            type="text"
            value={note}
            maxLength={500}
            aria-invalid={noteMissing}
            aria-describedby={noteMissing ? `${noteId}-error` : undefined}
            onChange={(event) => setNote(event.target.value)}
          />
          {noteMissing ? (
            <p id={`${noteId}-error`} className="field-error" role="alert">
              Say why, for the audit log.
            </p>
          ) : null}
        </div>
      </div>
      <button
        type="submit"
        className="button button-secondary"
        disabled={!revops || rollback.state.status === 'running'}
        aria-describedby={revops ? undefined : restrictionId}
      >
        {rollback.state.status === 'running' ? 'Rolling back…' : 'Roll back'}
      </button>
      {rollback.state.status === 'done' ? (
        <Notice>Rolled back: version {rollback.state.value.version} is active.</Notice>
      ) : null}
      {rollback.state.status === 'failed' ? (
        <ErrorAlert title="The rollback failed" failure={rollback.state.failure} />
      ) : null}
    </form>
  );
}

function describeChange(change: RuleSetChange): { path: string; text: string } {
  const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
  switch (change.kind) {
    case 'added':
      return { path: change.path, text: `rule ${change.ruleId} added` };
    case 'removed':
      return { path: change.path, text: `rule ${change.ruleId} removed` };
    case 'moved':
      return {
        path: `rules[${change.to}]`,
        text: `rule ${change.ruleId} moved from position ${change.from + 1}`,
      };
    case 'changed':
      return { path: change.path, text: `${show(change.before)} → ${show(change.after)}` };
  }
}

/** What changed between two stored versions, path by path. */
export function DiffPanel({ versions }: { versions: RuleSetVersionView[] }) {
  const fromId = useId();
  const toId = useId();
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const [from, setFrom] = useState(String(sorted[sorted.length - 2]?.version ?? ''));
  const [to, setTo] = useState(String(sorted[sorted.length - 1]?.version ?? ''));
  const diff = useApiAction((before: string, after: string) =>
    callApi<DiffAnswer>({
      path: `/rules/diff?from=${encodeURIComponent(before)}&to=${encodeURIComponent(after)}`,
    }),
  );
  if (sorted.length < 2) return <Empty>Activate a second version to compare versions.</Empty>;
  return (
    <>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void diff.run(from, to);
        }}
      >
        {[
          { id: fromId, label: 'From version', value: from, set: setFrom },
          { id: toId, label: 'To version', value: to, set: setTo },
        ].map((field) => (
          <div className="field field-inline" key={field.id}>
            <label htmlFor={field.id}>{field.label}</label>
            <select id={field.id} value={field.value} onChange={(event) => field.set(event.target.value)}>
              {sorted.map((version) => (
                <option key={version.version} value={version.version}>
                  {versionName(version.version)}
                </option>
              ))}
            </select>
          </div>
        ))}
        <button type="submit" className="button button-secondary" disabled={diff.state.status === 'running'}>
          Compare
        </button>
      </form>
      {diff.state.status === 'running' ? <Loading>Comparing…</Loading> : null}
      {diff.state.status === 'failed' ? (
        <ErrorAlert title="The versions could not be compared" failure={diff.state.failure} />
      ) : null}
      {diff.state.status === 'done' ? (
        diff.state.value.changes.length === 0 ? (
          <Empty>
            v{diff.state.value.from} and v{diff.state.value.to} are the same.
          </Empty>
        ) : (
          <div className="table-scroll" role="region" aria-label="Changes between versions" tabIndex={0}>
            <table className="data-table" data-testid="diff-table">
              <caption>
                Changes from v{diff.state.value.from} to v{diff.state.value.to}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {diff.state.value.changes.map((change, index) => {
                  const described = describeChange(change);
                  return (
                    <tr key={`${described.path}-${index}`}>
                      <th scope="row">
                        <code>{described.path}</code>
                      </th>
                      <td>
                        <span className={`change change-${change.kind}`}>{humanize(change.kind)}</span>{' '}
                        {described.text}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </>
  );
}

/** The newest audit events: activations, rollbacks, pauses, accepted terms, tasks. */
export function AuditLog({ refreshKey }: { refreshKey: number }) {
  const { state, reload } = useApiResource(`audit ${refreshKey}`, () =>
    getData<{ events: AuditEvent[] }>('/audit?limit=50'),
  );
  if (state.status === 'loading') return <Loading>Loading the audit log…</Loading>;
  if (state.status === 'error')
    return <ErrorAlert title="The audit log could not be loaded" failure={state.failure} onRetry={reload} />;
  if (state.data.events.length === 0) return <Empty>Nothing has been recorded yet.</Empty>;
  return (
    <div className="table-scroll" role="region" aria-label="Table of audit events" tabIndex={0}>
      <table className="data-table" data-testid="audit-log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Subject</th>
            <th scope="col">Who</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {state.data.events.map((event, index) => (
            <tr key={`${event.at}-${index}`}>
              <td>{formatInstant(event.at)}</td>
              <th scope="row">{humanize(event.kind)}</th>
              <td>{event.subject ?? '—'}</td>
              <td>{event.actor}</td>
              <td>
                {event.payload === null || event.payload === undefined ? (
                  '—'
                ) : (
                  <details>
                    <summary>Payload</summary>
                    <pre className="payload">{JSON.stringify(event.payload, null, 2)}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
