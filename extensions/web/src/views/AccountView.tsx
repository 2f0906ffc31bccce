import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { getData } from '../api/client';
import type { AccountCardView, AccountDetail, TimelineEntry, TimelineKind } from '../api/types';
import { useApiResource } from '../api/useApi';
import { AGING_SERIES } from '../components/charts/palette';
import { StackedBarChart } from '../components/charts/StackedBarChart';
import { Empty, ErrorAlert, Loading } from '../components/Feedback';
import { RiskBadge, StatusBadge } from '../components/StatusBadge';
import { DASH, formatDate, formatMinor, formatMinorCompact, formatNumber, humanize } from '../format';
import { PausePanel } from './PausePanel';
import { PromisePanel } from './PromisePanel';

/** One account: status, balances and aging, risk, renewal, failures, disputes, tasks, pause, timeline. */
export function AccountView({ customerId, embedded = false }: { customerId: string; embedded?: boolean }) {
  const { state, reload } = useApiResource(`account ${customerId}`, () =>
    getData<AccountDetail>(`/accounts/${encodeURIComponent(customerId)}`),
  );
  const name = state.status === 'success' ? (state.data.card.name ?? customerId) : customerId;

  useEffect(() => {
    document.title = `${name} · Collections`;
  }, [name]);

  return (
    <>
      {embedded ? null : (
        <p className="breadcrumb">
          <Link to="/">Portfolio</Link> <span aria-hidden="true">›</span> Account
        </p>
      )}
      <h1 tabIndex={-1}>{name}</h1>
      {state.status === 'loading' ? <Loading>Loading the account…</Loading> : null}
      {state.status === 'error' ? (
        <ErrorAlert title="The account could not be loaded" failure={state.failure} onRetry={reload} />
      ) : null}
      {state.status === 'success' ? (
        <AccountDetails card={state.data.card} timeline={state.data.timeline} onChanged={reload} />
      ) : null}
    </>
  );
}

function AccountDetails({
  card,
  timeline,
  onChanged,
}: {
  card: AccountCardView;
  timeline: TimelineEntry[];
  onChanged: () => void;
}) {
  const others = card.situations.filter((situation) => situation !== card.status);
  return (
    <>
      <div className="account-header">
        <StatusBadge variant={card.statusVariant} testId="account-status">
          {card.statusLabel}
        </StatusBadge>
        {others.length > 0 ? <span className="muted">also {others.map(humanize).join(', ')}</span> : null}
        <span className="subtle">
          {card.customerId} · as of {formatDate(card.asOf)}
        </span>
      </div>

      <div className="account-layout">
        <div className="account-main">
          <NextStepSection card={card} />
          <BalancesSection card={card} />
          <InvoicesSection card={card} />
          {card.openDisputes.length > 0 ? <DisputesSection card={card} /> : null}
          <TimelineSection timeline={timeline} />
        </div>
        <div className="account-side">
          <PausePanel card={card} onChanged={onChanged} />
          <PromisePanel card={card} onChanged={onChanged} />
          <RiskSection card={card} />
          <RenewalSection card={card} />
          {card.lastFailure === null ? null : <FailureSection failure={card.lastFailure} />}
          <TasksSection card={card} />
        </div>
      </div>
    </>
  );
}

function NextStepSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="next-step-heading" className="card">
      <h2 id="next-step-heading">Recommended next step</h2>
      {card.nextStep === null ? (
        <Empty>Nothing is due today under the active rules.</Empty>
      ) : (
        <>
          <p className="lead">{card.nextStep.title}</p>
          {card.tasks.some((task) => task.ruleId === card.nextStep?.ruleId) ? (
            <p className="muted">A task for this step is already open (see the tasks).</p>
          ) : null}
          <dl className="facts">
            <dt>Who</dt>
            <dd>{humanize(card.nextStep.assignee)}</dd>
            <dt>Tone</dt>
            <dd>{card.nextStep.tone === null ? DASH : humanize(card.nextStep.tone)}</dd>
            <dt>Due</dt>
            <dd>{formatDate(card.nextStep.dueOn)}</dd>
            <dt>Rule</dt>
            <dd>
              <code>{card.nextStep.ruleId}</code>
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}

function BalancesSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="balances-heading">
      <h2 id="balances-heading">Balances and aging</h2>
      {card.balances.length === 0 ? (
        <Empty>Nothing is outstanding.</Empty>
      ) : (
        <>
          <p className="muted">
            Oldest invoice {formatNumber(card.oldestDaysPastDue)} days past due ·{' '}
            {formatNumber(card.overdueInvoiceCount)} overdue{' '}
            {card.overdueInvoiceCount === 1 ? 'invoice' : 'invoices'}
          </p>
          <div className="grid-2">
            {card.balances.map((balance) => (
              <section
                key={balance.currency}
                className="card"
                aria-labelledby={`balance-${balance.currency}`}
              >
                <h3 id={`balance-${balance.currency}`}>{balance.currency}</h3>
                <dl className="kpis">
                  <div className="kpi">
                    <dt>Outstanding</dt>
                    <dd>{balance.outstanding.text}</dd>
                  </div>
                  <div className="kpi">
                    <dt>Overdue</dt>
                    <dd>{balance.overdue.text}</dd>
                  </div>
                  <div className="kpi">
                    <dt>Disputed</dt>
                    <dd>{balance.disputed.text}</dd>
                  </div>
                </dl>
                <StackedBarChart
                  title={`Outstanding in ${balance.currency} by age`}
                  label={`Stacked bar of the ${balance.outstanding.text} outstanding by days past due: ${balance.aging
                    .map((bucket) => `${bucket.bucket} ${bucket.amount.text}`)
                    .join(', ')}.`}
                  rowHeader="Balance"
                  series={AGING_SERIES}
                  rows={[
                    { label: 'Outstanding', values: balance.aging.map((bucket) => bucket.amount.minor) },
                  ]}
                  formatValue={(value) => formatMinor(value, balance.currency)}
                  formatAxis={(value) => formatMinorCompact(value, balance.currency)}
                />
              </section>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function InvoicesSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Open invoices</h2>
      {card.openInvoices.length === 0 ? (
        <Empty>No open invoices.</Empty>
      ) : (
        <div className="table-scroll" role="region" aria-label="Table of open invoices" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Amount</th>
                <th scope="col">Outstanding</th>
                <th scope="col">Due</th>
                <th scope="col">Days past due</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {card.openInvoices.map((invoice) => (
                <tr key={invoice.invoiceId}>
                  <th scope="row">{invoice.invoiceId}</th>
                  <td className="number">{invoice.amount.text}</td>
                  <td className="number">{invoice.outstanding.text}</td>
                  <td>{formatDate(invoice.dueOn)}</td>
                  <td className="number">
                    {invoice.daysPastDue > 0 ? formatNumber(invoice.daysPastDue) : DASH}
                  </td>
                  <td>
                    {[
                      invoice.disputed ? 'disputed' : null,
                      invoice.paymentInFlight ? 'payment in flight' : null,
                      invoice.uncollectible ? 'marked uncollectible' : null,
                      invoice.failedAttempts > 0
                        ? `${invoice.failedAttempts} failed ${invoice.failedAttempts === 1 ? 'attempt' : 'attempts'}`
                        : null,
                    ]
                      .filter((note) => note !== null)
                      .join(', ') || DASH}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DisputesSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="disputes-heading">
      <h2 id="disputes-heading">Open disputes</h2>
      <ul className="plain-list">
        {card.openDisputes.map((dispute) => (
          <li key={dispute.disputeId}>
            <strong>{dispute.amount.text}</strong> on invoice {dispute.invoiceId}, open{' '}
            {formatNumber(dispute.daysOpen)} days since {formatDate(dispute.openedOn)}
            {dispute.reason === null ? '' : ` (${humanize(dispute.reason)})`}
          </li>
        ))}
      </ul>
    </section>
  );
}

function RiskSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="risk-heading" className="card">
      <h2 id="risk-heading">Payment risk</h2>
      {card.risk === null ? (
        <Empty>No risk score yet.</Empty>
      ) : (
        <>
          <p>
            <RiskBadge tier={card.risk.tier} score={card.risk.score} />
          </p>
          <p className="muted">
            {card.risk.score} % chance the next invoice is still unpaid 30 days after it falls due.
          </p>
          {card.risk.reasons.length > 0 ? (
            <>
              <h3>Why</h3>
              <ul>
                {card.risk.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </>
          ) : null}
          {card.risk.mitigating.length > 0 ? (
            <>
              <h3>In its favour</h3>
              <ul>
                {card.risk.mitigating.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

function RenewalSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="renewal-heading" className="card">
      <h2 id="renewal-heading">Renewal</h2>
      {card.renewal === null ? (
        <Empty>No upcoming renewal.</Empty>
      ) : (
        <p>
          {formatDate(card.renewal.on)}, in {formatNumber(card.renewal.daysTo)}{' '}
          {card.renewal.daysTo === 1 ? 'day' : 'days'}
          {card.renewal.inWindow ? (
            <>
              {' '}
              <StatusBadge variant="info">In renewal window</StatusBadge>
              <span className="block muted">Collections is human-led and gentle until the renewal.</span>
            </>
          ) : null}
        </p>
      )}
      {card.cardExpiry ? (
        <p data-testid="card-expiry">
          <StatusBadge variant="warning">{card.cardExpiry.text}</StatusBadge>
          <span className="block muted">Ask for an updated card before the charge fails.</span>
        </p>
      ) : null}
    </section>
  );
}

function FailureSection({ failure }: { failure: NonNullable<AccountCardView['lastFailure']> }) {
  return (
    <section aria-labelledby="failure-heading" className="card card-danger">
      <h2 id="failure-heading">Last failed payment</h2>
      <p>
        Invoice {failure.invoiceId} on {formatDate(failure.on)}: <code>{failure.code ?? 'no code'}</code> (
        {humanize(failure.declineClass)}),{' '}
        {failure.failuresSinceSuccess === 1 ? 'one failure' : `${failure.failuresSinceSuccess} failures`}{' '}
        since the last success.
      </p>
      <p>
        <strong>What to do:</strong> {failure.whatToDo}
      </p>
    </section>
  );
}

function TasksSection({ card }: { card: AccountCardView }) {
  return (
    <section aria-labelledby="tasks-heading" className="card">
      <h2 id="tasks-heading">Open collections tasks</h2>
      {card.tasks.length === 0 ? (
        <Empty>No open tasks.</Empty>
      ) : (
        <ul className="plain-list">
          {card.tasks.map((task) => (
            <li key={task.taskId}>
              <strong>{task.title}</strong>
              <span className="block muted">
                {humanize(task.assignee)} · due {formatDate(task.dueOn)} · {task.priority} priority ·{' '}
                {humanize(task.state)}
                {task.ruleId === undefined
                  ? null
                  : task.ruleId === 'manual'
                    ? ' · created by hand'
                    : ` · rule ${task.ruleId}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const KIND_LABELS: Readonly<Record<TimelineKind, string>> = {
  invoice_issued: 'Invoice issued',
  invoice_voided: 'Invoice voided',
  payment: 'Payment',
  payment_failed: 'Payment failed',
  refund: 'Refund',
  dispute_opened: 'Dispute opened',
  dispute_closed: 'Dispute closed',
  promise_recorded: 'Promise to pay',
  promise_kept: 'Promise kept',
  promise_partly_kept: 'Promise partly kept',
  promise_broken: 'Promise broken',
};

const TIMELINE_PAGE = 30;

function TimelineSection({ timeline }: { timeline: TimelineEntry[] }) {
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? timeline : timeline.slice(0, TIMELINE_PAGE);
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      {timeline.length === 0 ? (
        <Empty>No billing history yet.</Empty>
      ) : (
        <>
          <ol className="timeline" data-testid="timeline">
            {shown.map((entry, index) => (
              <li
                key={`${entry.on}-${entry.kind}-${entry.invoiceId ?? ''}-${index}`}
                className={`kind-${entry.kind}`}
              >
                <span className="timeline-date">{formatDate(entry.on)}</span>
                <span className="timeline-kind">{KIND_LABELS[entry.kind] ?? humanize(entry.kind)}</span>
                <span className="timeline-text">{entry.text}</span>
                {entry.amount === null ? null : <span className="timeline-amount">{entry.amount.text}</span>}
              </li>
            ))}
          </ol>
          {timeline.length > TIMELINE_PAGE ? (
            <button type="button" className="button button-secondary" onClick={() => setShowAll(!showAll)}>
              {showAll ? 'Show the latest only' : `Show all ${timeline.length} events`}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
