import { useId, useState, type FormEvent } from 'react';
import { callApi } from '../api/client';
import type { AccountCardView, PauseAnswer, PauseInput, ResumeAnswer } from '../api/types';
import { useApiAction } from '../api/useApi';
import { ErrorAlert, Notice } from '../components/Feedback';
import { addDays, formatDate } from '../format';

const DEFAULT_PAUSE_DAYS = 14;

function pausePath(customerId: string): string {
  return `/accounts/${encodeURIComponent(customerId)}/pause`;
}

/**
 * The escape hatch: stop collections automation for the account until a date, with a reason (both
 * audited by the server), or resume it. Each change reloads the account.
 */
export function PausePanel({ card, onChanged }: { card: AccountCardView; onChanged: () => void }) {
  const reasonId = useId();
  const untilId = useId();
  const hintId = useId();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState(addDays(card.asOf, DEFAULT_PAUSE_DAYS));
  const [reasonMissing, setReasonMissing] = useState(false);
  const pause = useApiAction((input: PauseInput) =>
    callApi<PauseAnswer>({ method: 'POST', path: pausePath(card.customerId), body: input }),
  );
  const resume = useApiAction(() =>
    callApi<ResumeAnswer>({ method: 'DELETE', path: pausePath(card.customerId) }),
  );
  const busy = pause.state.status === 'running' || resume.state.status === 'running';

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (reason.trim() === '') {
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    resume.reset();
    const result = await pause.run({ reason: reason.trim(), until });
    if (result.ok) {
      setReason('');
      onChanged();
    }
  };

  const resumeNow = async () => {
    pause.reset();
    const result = await resume.run();
    if (result.ok) onChanged();
  };

  const failure = pause.state.status === 'failed' ? pause.state.failure : null;
  const untilProblem = failure?.path === 'until' ? failure.message : null;
  const reasonProblem = reasonMissing
    ? 'Give a reason, so the team knows why.'
    : failure?.path === 'reason'
      ? failure.message
      : null;

  return (
    <section aria-labelledby="pause-heading" className="card">
      <h2 id="pause-heading">Automation</h2>
      {pause.state.status === 'done' ? (
        <Notice>Automation paused until {formatDate(pause.state.value.paused.until)}.</Notice>
      ) : null}
      {resume.state.status === 'done' ? (
        <Notice>{resume.state.value.resumed ? 'Automation resumed.' : 'Automation was not paused.'}</Notice>
      ) : null}
      {resume.state.status === 'failed' ? (
        <ErrorAlert title="Automation could not be resumed" failure={resume.state.failure} />
      ) : null}
      {card.paused !== null ? (
        <>
          <p>
            Paused until <strong>{formatDate(card.paused.until)}</strong>: {card.paused.reason}
          </p>
          <button type="button" className="button" onClick={() => void resumeNow()} disabled={busy}>
            {resume.state.status === 'running' ? 'Resuming…' : 'Resume automation'}
          </button>
        </>
      ) : (
        <form onSubmit={(event) => void submit(event)} noValidate aria-describedby={hintId}>
          <p id={hintId} className="muted">
            Pausing stops reminders and new collections tasks for this account until the date you choose.
          </p>
          {failure !== null && untilProblem === null && failure.path !== 'reason' ? (
            <ErrorAlert title="Automation could not be paused" failure={failure} />
          ) : null}
          <div className="field">
            <label htmlFor={reasonId}>Reason</label>
            <input
              id={reasonId}
              type="text"
              value={reason}
              maxLength={500}
              required
              aria-invalid={reasonProblem !== null}
              aria-describedby={reasonProblem === null ? undefined : `${reasonId}-error`}
              onChange={(event) => setReason(event.target.value)}
            />
            {reasonProblem === null ? null : (
              <p id={`${reasonId}-error`} className="field-error" role="alert">
                {reasonProblem}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={untilId}>Paused until</label>
            <input
              id={untilId}
              type="date"
              value={until}
              min={card.asOf}
              required
              aria-invalid={untilProblem !== null}
              aria-describedby={untilProblem === null ? undefined : `${untilId}-error`}
              onChange={(event) => setUntil(event.target.value)}
            />
            {untilProblem === null ? null : (
              <p id={`${untilId}-error`} className="field-error" role="alert">
                {untilProblem}
              </p>
            )}
          </div>
          <button type="submit" className="button" disabled={busy}>
            {pause.state.status === 'running' ? 'Pausing…' : 'Pause automation'}
          </button>
        </form>
      )}
    </section>
  );
}
