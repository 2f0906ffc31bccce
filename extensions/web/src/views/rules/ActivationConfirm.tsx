import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ApiResult } from '../../api/client';
import type { ActivationPreview, Impact, VersionAnswer } from '../../api/types';
import { useApiAction } from '../../api/useApi';
import { ErrorAlert, Notice } from '../../components/Feedback';
import { formatDate, formatNumber } from '../../format';

type ImpactRow = {
  label: string;
  value: (impact: Impact) => number | null;
  text?: (impact: Impact) => string;
  over?: (impact: Impact) => boolean;
};

const IMPACT_ROWS: ImpactRow[] = [
  { label: 'Tasks', value: (impact) => impact.tasks },
  { label: 'Accounts contacted', value: (impact) => impact.accountsContacted },
  { label: 'Contacts in the renewal window', value: (impact) => impact.contactsInRenewalWindow },
  {
    label: 'Peak tasks for one assignee in a week',
    value: (impact) => impact.peakTasksPerAssignee?.tasks ?? null,
    text: (impact) =>
      impact.peakTasksPerAssignee === null
        ? 'none'
        : `${formatNumber(impact.peakTasksPerAssignee.tasks)} (${impact.peakTasksPerAssignee.assignee.replace(/_/g, ' ')})`,
  },
  {
    label: 'Most contacts to one account in a week, against the cap',
    value: (impact) => impact.maxContactsPerAccountWeek,
    text: (impact) =>
      `${formatNumber(impact.maxContactsPerAccountWeek)} of at most ${formatNumber(impact.contactCapPerWeek)}`,
    over: (impact) => impact.maxContactsPerAccountWeek > impact.contactCapPerWeek,
  },
];

function change(before: number | null, after: number | null): string {
  if (before === null || after === null) return '—';
  const difference = after - before;
  if (difference === 0) return 'same';
  return `${difference > 0 ? '+' : '−'}${formatNumber(Math.abs(difference))}`;
}

function ImpactCell({ row, impact }: { row: ImpactRow; impact: Impact }) {
  const over = row.over?.(impact) ?? false;
  return (
    <td className={over ? 'number over-cap' : 'number'}>
      {row.text === undefined ? formatNumber(row.value(impact)) : row.text(impact)}
    </td>
  );
}

function ImpactTables({ preview }: { preview: ActivationPreview }) {
  const { active, proposed } = preview.impact;
  const columns = (
    <tr>
      <th scope="col">Measure</th>
      <th scope="col">{preview.against.label}</th>
      <th scope="col">{preview.proposed.label}</th>
      <th scope="col">Change</th>
    </tr>
  );
  return (
    <>
      <div className="table-scroll" role="region" aria-label="Simulated impact" tabIndex={0}>
        <table className="data-table" data-testid="activation-impact">
          <caption>
            Simulated over the last {formatNumber(preview.windowDays)} days ({formatDate(preview.from)} to{' '}
            {formatDate(preview.to)})
          </caption>
          <thead>{columns}</thead>
          <tbody>
            {IMPACT_ROWS.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <ImpactCell row={row} impact={active} />
                <ImpactCell row={row} impact={proposed} />
                <td className="number">{change(row.value(active), row.value(proposed))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-scroll" role="region" aria-label="Tasks by rule" tabIndex={0}>
        <table className="data-table" data-testid="activation-rules">
          <caption>Tasks by rule (0 for a rule that never fires)</caption>
          <thead>{columns}</thead>
          <tbody>
            {preview.rules.map((rule) => (
              <tr key={rule.id}>
                <th scope="row">
                  <code>{rule.id}</code>
                  {rule.label === rule.id || rule.label === '' ? null : <> {rule.label}</>}
                </th>
                <td className="number">{formatNumber(rule.active.tasks)}</td>
                <td className="number">{formatNumber(rule.proposed.tasks)}</td>
                <td className="number">{change(rule.active.tasks, rule.proposed.tasks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * The step between "Activate" and a new version: the simulated impact against the active version,
 * every rule with its tasks, and a required note. An identical proposal is refused here already.
 */
export function ActivationConfirm({
  preview,
  activate,
  onActivated,
  onPreviewAgain,
  onCancel,
}: {
  preview: ActivationPreview;
  activate: (note: string, token: string) => Promise<ApiResult<VersionAnswer>>;
  onActivated: (version: number) => void;
  onPreviewAgain: () => void;
  onCancel: () => void;
}) {
  const headingId = useId();
  const noteId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [note, setNote] = useState('');
  const activation = useApiAction(activate);
  const running = activation.state.status === 'running';
  const failure = activation.state.status === 'failed' ? activation.state.failure : null;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (note.trim() === '') return;
    const result = await activation.run(note.trim(), preview.token);
    if (result.ok) onActivated(result.value.version);
  };

  return (
    <div role="dialog" aria-labelledby={headingId} className="confirm-panel" data-testid="activation-confirm">
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Confirm activation
      </h3>
      {preview.identicalToActive ? (
        <>
          <Notice tone="info">
            This is the same rule set as {preview.against.label}: there is nothing to activate. Change a rule
            first.
          </Notice>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Close
          </button>
        </>
      ) : (
        <>
          <p>
            What the {preview.proposed.label} rule set would have done, against {preview.against.label}.
            Nothing changes until you confirm.
          </p>
          <ImpactTables preview={preview} />
          <form onSubmit={(event) => void submit(event)} noValidate>
            <div className="field">
              <label htmlFor={noteId}>Note for the audit log (required)</label>
              <input
                id={noteId}
                type="text"
                value={note}
                maxLength={500}
                required
                aria-invalid={failure?.code === 'note_required'}
                onChange={(event) => setNote(event.target.value)}
              />
              {failure?.code === 'note_required' ? (
                <p className="field-error" role="alert">
                  Say why the rules change, for the audit log.
                </p>
              ) : null}
            </div>
            <div className="actions">
              <button type="submit" className="button" disabled={note.trim() === '' || running}>
                {running ? 'Activating…' : 'Confirm and activate'}
              </button>{' '}
              <button type="button" className="button button-secondary" onClick={onCancel} disabled={running}>
                Cancel
              </button>
            </div>
          </form>
          {failure?.code === 'confirmation_required' ? (
            <div role="alert" className="alert alert-error">
              <p className="alert-title">The active version changed since this preview</p>
              <p>Review the impact against the version now active before activating.</p>
              <button type="button" className="button button-secondary" onClick={onPreviewAgain}>
                Review the impact again
              </button>
            </div>
          ) : null}
          {failure?.code === 'identical_to_active' ? (
            <ErrorAlert
              title="Nothing to activate"
              failure={{ message: 'This rule set is the same as the active version.' }}
            />
          ) : null}
          {failure !== null &&
          !['note_required', 'confirmation_required', 'identical_to_active'].includes(failure.code ?? '') ? (
            <ErrorAlert title="The rule set was not activated" failure={failure} />
          ) : null}
        </>
      )}
    </div>
  );
}
