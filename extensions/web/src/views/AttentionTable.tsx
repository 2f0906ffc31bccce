import { useId, useState } from 'react';
import { Link } from 'react-router-dom';
import { callApi, getData } from '../api/client';
import type {
  ManualTaskAnswer,
  ManualTaskInput,
  PauseAnswer,
  PauseInput,
  Worklist,
  WorklistAccount,
  WorklistSituation,
} from '../api/types';
import { useApiAction, useApiResource } from '../api/useApi';
import { Empty, ErrorAlert, Loading } from '../components/Feedback';
import { RiskBadge, StatusBadge } from '../components/StatusBadge';
import { addDays, DASH, formatDate, formatNumber, formatShare, humanize } from '../format';
import { useSession } from '../session';

export const SITUATION_LABELS: Readonly<Record<WorklistSituation, string>> = {
  failed_payment: 'Failed payment',
  disputed: 'Disputed',
  overdue: 'Overdue',
  uncollectible: 'Uncollectible',
  renewal_at_risk: 'Renewal at risk',
  churn_risk: 'Churn risk',
  paused: 'Automation paused',
};

const PAGE_SIZE = 25;
const PAUSE_DAYS = 14;

function worklistPath(
  filters: { owner: string; situation: string; currency: string },
  offset: number,
): string {
  const query = new URLSearchParams();
  if (filters.currency !== '') query.set('currency', filters.currency);
  if (filters.owner !== '') query.set('owner', filters.owner);
  if (filters.situation !== '') query.set('situation', filters.situation);
  query.set('offset', String(offset));
  query.set('limit', String(PAGE_SIZE));
  return `/worklist?${query.toString()}`;
}

/**
 * The CSM's worklist: accounts with a payment problem ranked by money at risk (ranked, filtered and
 * paged by the server), each with its next step and one-click task and pause.
 */
export function WorklistSection() {
  const session = useSession();
  const [owner, setOwner] = useState('');
  const [situation, setSituation] = useState('');
  const [currency, setCurrency] = useState('');
  const [offset, setOffset] = useState(0);
  const ownerId = useId();
  const situationId = useId();
  const currencyId = useId();
  const path = worklistPath({ owner, situation, currency }, offset);
  const { state, reload } = useApiResource(path, () => getData<Worklist>(path));
  const filter = (set: (value: string) => void) => (value: string) => {
    set(value);
    setOffset(0);
  };
  const data = state.status === 'success' ? state.data : null;

  return (
    <section aria-labelledby="worklist-heading">
      <h2 id="worklist-heading">Worklist</h2>
      <p className="muted">
        Accounts with a payment problem, ranked by money at risk: each open invoice times the chance it is
        never collected (higher the older it is and the riskier the account), plus the renewal at stake when
        the renewal is near.
      </p>
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor={ownerId}>Owner</label>
          <select id={ownerId} value={owner} onChange={(event) => filter(setOwner)(event.target.value)}>
            <option value="">Everyone</option>
            {data?.owners.includes(session.user) ? <option value={session.user}>My accounts</option> : null}
            {(data?.owners ?? (owner === '' ? [] : [owner]))
              .filter((name) => name !== session.user)
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </select>
        </div>
        <div className="field field-inline">
          <label htmlFor={situationId}>Situation</label>
          <select
            id={situationId}
            value={situation}
            onChange={(event) => filter(setSituation)(event.target.value)}
          >
            <option value="">All situations</option>
            {Object.entries(SITUATION_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {data !== null && data.currencies.length > 1 ? (
          <div className="field field-inline">
            <label htmlFor={currencyId}>Currency</label>
            <select
              id={currencyId}
              value={currency === '' ? (data.currency ?? '') : currency}
              onChange={(event) => filter(setCurrency)(event.target.value)}
            >
              {data.currencies.map((entry) => (
                <option key={entry.currency} value={entry.currency}>
                  {`${entry.currency} (${formatNumber(entry.accounts)})`}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      {state.status === 'loading' ? <Loading>Loading the worklist…</Loading> : null}
      {state.status === 'error' ? (
        <ErrorAlert title="The worklist could not be loaded" failure={state.failure} onRetry={reload} />
      ) : null}
      {data !== null ? (
        data.accounts.length === 0 ? (
          <Empty>
            {owner === '' && situation === ''
              ? 'No account has a payment problem.'
              : 'No account matches these filters.'}
          </Empty>
        ) : (
          <>
            <WorklistTable worklist={data} onChanged={reload} />
            <Pager
              offset={data.offset}
              shown={data.accounts.length}
              total={data.total}
              onPage={(next) => setOffset(next)}
            />
          </>
        )
      ) : null}
    </section>
  );
}

function Pager({
  offset,
  shown,
  total,
  onPage,
}: {
  offset: number;
  shown: number;
  total: number;
  onPage: (offset: number) => void;
}) {
  return (
    <div className="toolbar pager">
      <span className="muted" aria-live="polite">
        {`Accounts ${formatNumber(offset + 1)}–${formatNumber(offset + shown)} of ${formatNumber(total)}`}
      </span>
      <button
        type="button"
        className="button button-secondary"
        disabled={offset === 0}
        onClick={() => onPage(Math.max(0, offset - PAGE_SIZE))}
      >
        Previous
      </button>
      <button
        type="button"
        className="button button-secondary"
        disabled={offset + shown >= total}
        onClick={() => onPage(offset + PAGE_SIZE)}
      >
        Next
      </button>
    </div>
  );
}

function WorklistTable({ worklist, onChanged }: { worklist: Worklist; onChanged: () => void }) {
  return (
    <div className="table-scroll" role="region" aria-label="Worklist table" tabIndex={0}>
      <table className="data-table attention-table" data-testid="worklist-table">
        <caption className="visually-hidden">
          {`Accounts in ${worklist.currency ?? ''} ranked by money at risk, largest first.`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Situation</th>
            <th scope="col" aria-sort="descending">
              Money at risk
            </th>
            <th scope="col">Overdue</th>
            <th scope="col">Renewal in</th>
            <th scope="col">Risk</th>
            <th scope="col">Owner</th>
            <th scope="col">Next step</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {worklist.accounts.map((account) => (
            <WorklistRow
              key={account.customerId}
              account={account}
              asOf={worklist.asOf}
              onChanged={onChanged}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function taskFor(account: WorklistAccount, asOf: string): ManualTaskInput {
  const name = account.name ?? account.customerId;
  return account.nextStep === null
    ? { title: `Follow up with ${name}`, dueOn: addDays(asOf, 2), priority: 'medium' }
    : { title: account.nextStep.title, dueOn: account.nextStep.dueOn, priority: account.nextStep.priority };
}

function WorklistRow({
  account,
  asOf,
  onChanged,
}: {
  account: WorklistAccount;
  asOf: string;
  onChanged: () => void;
}) {
  const name = account.name ?? account.customerId;
  const path = `/accounts/${encodeURIComponent(account.customerId)}`;
  const task = useApiAction((input: ManualTaskInput) =>
    callApi<ManualTaskAnswer>({ method: 'POST', path: `${path}/tasks`, body: input }),
  );
  const pause = useApiAction((input: PauseInput) =>
    callApi<PauseAnswer>({ method: 'POST', path: `${path}/pause`, body: input }),
  );
  const act = async (run: () => Promise<{ ok: boolean }>) => {
    if ((await run()).ok) onChanged();
  };
  const failure =
    task.state.status === 'failed'
      ? task.state.failure
      : pause.state.status === 'failed'
        ? pause.state.failure
        : null;
  return (
    <tr>
      <th scope="row">
        <Link to={path}>{name}</Link>
        {account.name === null ? null : <span className="subtle">{account.customerId}</span>}
      </th>
      <td>
        <StatusBadge variant={account.statusVariant}>{account.statusLabel}</StatusBadge>
        <span className="subtle">
          {account.situations
            .filter((situation) => SITUATION_LABELS[situation] !== account.statusLabel)
            .map((situation) => SITUATION_LABELS[situation])
            .join(' · ')}
        </span>
      </td>
      <td className="number worklist-money">
        <strong>{account.moneyAtRisk.text}</strong>
        <span className="subtle">
          {account.outstanding === null
            ? null
            : `${formatShare(account.lossProbability)} chance of loss on ${account.outstanding.text}`}
          {account.renewalAtRisk.minor > 0 ? ` · renewal ${account.renewalAtRisk.text} at stake` : null}
        </span>
      </td>
      <td className="number">
        {account.overdue === null || account.overdue.minor === 0 ? DASH : account.overdue.text}
        {account.oldestDaysPastDue > 0 ? (
          <span className="subtle">{`${formatNumber(account.oldestDaysPastDue)} days past due`}</span>
        ) : null}
      </td>
      <td className="number">
        {account.daysToRenewal === null ? DASH : `${formatNumber(account.daysToRenewal)} d`}
      </td>
      <td>
        <RiskBadge tier={account.riskTier} score={account.riskScore} />
      </td>
      <td>{account.owner ?? DASH}</td>
      <td>
        {account.nextStep === null ? (
          DASH
        ) : (
          <>
            {account.nextStep.title}
            <span className="subtle">
              {`${humanize(account.nextStep.assignee)}${
                account.nextStep.tone === null ? '' : ` · ${account.nextStep.tone}`
              }${account.nextStep.taskOpen ? ' · task open' : ''}`}
            </span>
          </>
        )}
      </td>
      <td>
        <div className="row-actions">
          <button
            type="button"
            className="button button-small"
            aria-label={`Create task for ${name}`}
            disabled={task.state.status === 'running'}
            onClick={() => void act(() => task.run(taskFor(account, asOf)))}
          >
            {task.state.status === 'running' ? 'Creating…' : 'Create task'}
          </button>
          {account.paused === null ? (
            <button
              type="button"
              className="button button-small button-secondary"
              aria-label={`Pause automation for ${name} for ${PAUSE_DAYS} days`}
              disabled={pause.state.status === 'running'}
              onClick={() =>
                void act(() =>
                  pause.run({ reason: 'Paused from the worklist', until: addDays(asOf, PAUSE_DAYS) }),
                )
              }
            >
              {pause.state.status === 'running' ? 'Pausing…' : `Pause ${PAUSE_DAYS} days`}
            </button>
          ) : (
            <span className="subtle">{`Paused until ${formatDate(account.paused.until)}`}</span>
          )}
        </div>
        {task.state.status === 'done' ? (
          <span className="subtle" role="status">{`Task created: ${task.state.value.task.title}`}</span>
        ) : null}
        {failure === null ? null : (
          <span className="field-error" role="alert">
            {failure.message}
          </span>
        )}
      </td>
    </tr>
  );
}
