import { useId, useState, type FormEvent } from 'react';
import { callApi } from '../api/client';
import type {
  AccountCardView,
  PromiseInput,
  PromiseState,
  PromiseView,
  RecordPromiseAnswer,
  StatusVariant,
} from '../api/types';
import { useApiAction } from '../api/useApi';
import { Empty, ErrorAlert, Notice } from '../components/Feedback';
import { StatusBadge } from '../components/StatusBadge';
import { addDays, formatDate } from '../format';

const DEFAULT_PROMISE_DAYS = 7;

const STATE_CHIPS: Readonly<Record<PromiseState, { label: string; variant: StatusVariant }>> = {
  open: { label: 'Open', variant: 'info' },
  kept: { label: 'Kept', variant: 'success' },
  partly_kept: { label: 'Partly kept', variant: 'warning' },
  broken: { label: 'Broken', variant: 'danger' },
};

/** Currencies the account bills in, the most outstanding first; USD when it has none open. */
function currenciesOf(card: AccountCardView): string[] {
  const currencies = [
    ...card.balances.map((balance) => balance.currency),
    ...card.openInvoices.map((invoice) => invoice.amount.currency),
  ];
  return currencies.length === 0 ? ['USD'] : [...new Set(currencies)];
}

/**
 * A customer's promise to pay: recorded here (amount, date, the invoices it covers, who made it, a
 * note), then kept or broken from the payments. While open, reminders on what it covers are held.
 */
export function PromisePanel({ card, onChanged }: { card: AccountCardView; onChanged: () => void }) {
  const promises = [...(card.promises?.open ?? []), ...(card.promises?.lastOutcomes ?? [])];
  return (
    <section aria-labelledby="promises-heading" className="card">
      <h2 id="promises-heading">Promises to pay</h2>
      {promises.length === 0 ? (
        <Empty>No promise to pay recorded.</Empty>
      ) : (
        <PromiseList promises={promises} />
      )}
      <PromiseForm card={card} onChanged={onChanged} />
    </section>
  );
}

function PromiseList({ promises }: { promises: PromiseView[] }) {
  return (
    <ul className="promise-list" data-testid="promises">
      {promises.map((promise) => {
        const chip = STATE_CHIPS[promise.state];
        const amounts = promise.amounts.map((amount) => amount.text).join(' + ');
        const received = promise.received.map((amount) => amount.text).join(' + ');
        return (
          <li key={promise.promiseId}>
            <StatusBadge variant={chip.variant}>{chip.label}</StatusBadge> <strong>{amounts}</strong> by{' '}
            {formatDate(promise.promisedOn)}
            {promise.invoiceIds.length === 0 ? null : ` on ${promise.invoiceIds.join(', ')}`}
            {promise.madeBy === null ? null : ` · from ${promise.madeBy}`}
            <span className="muted">
              {promise.state === 'open'
                ? ` · reminders held until ${formatDate(promise.deadline)}`
                : ` · ${received === '' ? 'nothing' : received} received`}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function PromiseForm({ card, onChanged }: { card: AccountCardView; onChanged: () => void }) {
  const id = useId();
  const currencies = currenciesOf(card);
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(currencies[0] ?? 'USD');
  const [promisedOn, setPromisedOn] = useState(addDays(card.asOf, DEFAULT_PROMISE_DAYS));
  const [invoiceIds, setInvoiceIds] = useState<string[]>([]);
  const [madeBy, setMadeBy] = useState('');
  const [note, setNote] = useState('');
  const record = useApiAction((input: PromiseInput) =>
    callApi<RecordPromiseAnswer>({
      method: 'POST',
      path: `/accounts/${encodeURIComponent(card.customerId)}/promises`,
      body: input,
    }),
  );
  const failure = record.state.status === 'failed' ? record.state.failure : null;
  const problemAt = (field: string) =>
    failure !== null && (failure.path ?? '').split('.')[0] === field ? failure.message : null;
  const amountProblem = problemAt('amounts');
  const dateProblem = problemAt('promisedOn');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = await record.run({
      amounts: [{ currency, amount: amount.trim() }],
      promisedOn,
      invoiceIds,
      ...(madeBy.trim() === '' ? {} : { madeBy: madeBy.trim() }),
      ...(note.trim() === '' ? {} : { note: note.trim() }),
    });
    if (result.ok) {
      setAmount('');
      setInvoiceIds([]);
      setNote('');
      onChanged();
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Record promise">
      <h3>Record promise</h3>
      {record.state.status === 'done' ? (
        <Notice>
          Promise recorded: reminders on it are held until{' '}
          {formatDate(record.state.value.data.promise.deadline)}.
        </Notice>
      ) : null}
      {failure !== null && amountProblem === null && dateProblem === null ? (
        <ErrorAlert title="The promise could not be recorded" failure={failure} />
      ) : null}
      <AmountFields
        id={id}
        amount={amount}
        currency={currency}
        currencies={currencies}
        problem={amountProblem}
        onAmount={setAmount}
        onCurrency={setCurrency}
      />
      <div className="field">
        <label htmlFor={`${id}-date`}>Promised by</label>
        <input
          id={`${id}-date`}
          type="date"
          value={promisedOn}
          min={card.asOf}
          required
          aria-invalid={dateProblem !== null}
          aria-describedby={dateProblem === null ? undefined : `${id}-date-error`}
          onChange={(event) => setPromisedOn(event.target.value)}
        />
        {dateProblem === null ? null : (
          <p id={`${id}-date-error`} className="field-error" role="alert">
            {dateProblem}
          </p>
        )}
      </div>
      <InvoiceChoices card={card} chosen={invoiceIds} onChange={setInvoiceIds} />
      <div className="field">
        <label htmlFor={`${id}-from`}>From</label>
        <input
          id={`${id}-from`}
          type="text"
          value={madeBy}
          maxLength={300}
          placeholder="Contact name or e-mail"
          onChange={(event) => setMadeBy(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Note</label>
        <textarea
          id={`${id}-note`}
          value={note}
          maxLength={2000}
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
      <button type="submit" className="button" disabled={record.state.status === 'running'}>
        {record.state.status === 'running' ? 'Recording…' : 'Record promise'}
      </button>
    </form>
  );
}

function InvoiceChoices({
  card,
  chosen,
  onChange,
}: {
  card: AccountCardView;
  chosen: string[];
  onChange: (invoiceIds: string[]) => void;
}) {
  if (card.openInvoices.length === 0) return null;
  const toggle = (invoiceId: string) =>
    onChange(
      chosen.includes(invoiceId) ? chosen.filter((other) => other !== invoiceId) : [...chosen, invoiceId],
    );
  return (
    <fieldset className="field">
      <legend>Invoices it covers (none: the whole account)</legend>
      {card.openInvoices.map((invoice) => (
        <label key={invoice.invoiceId} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.includes(invoice.invoiceId)}
            onChange={() => toggle(invoice.invoiceId)}
          />{' '}
          {invoice.invoiceId} · {invoice.outstanding.text} outstanding
        </label>
      ))}
    </fieldset>
  );
}

function AmountFields(props: {
  id: string;
  amount: string;
  currency: string;
  currencies: string[];
  problem: string | null;
  onAmount: (amount: string) => void;
  onCurrency: (currency: string) => void;
}) {
  const { id, problem } = props;
  return (
    <>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-amount`}>Amount</label>
          <input
            id={`${id}-amount`}
            type="text"
            inputMode="decimal"
            value={props.amount}
            placeholder="12000.00"
            required
            aria-invalid={problem !== null}
            aria-describedby={problem === null ? undefined : `${id}-amount-error`}
            onChange={(event) => props.onAmount(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-currency`}>Currency</label>
          <select
            id={`${id}-currency`}
            value={props.currency}
            onChange={(event) => props.onCurrency(event.target.value)}
          >
            {props.currencies.map((code) => (
              <option key={code}>{code}</option>
            ))}
          </select>
        </div>
      </div>
      {problem === null ? null : (
        <p id={`${id}-amount-error`} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
