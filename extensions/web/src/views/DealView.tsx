import { useEffect, useId, useState, type FormEvent } from 'react';
import { callApi, getData, type ApiFailure } from '../api/client';
import type {
  AcceptAnswer,
  AttentionAccount,
  DealTermsInput,
  RecommendationAnswer,
  TermOptionView,
} from '../api/types';
import { useApiAction, useApiResource } from '../api/useApi';
import { ErrorAlert, Loading, Notice } from '../components/Feedback';
import { RiskBadge, StatusBadge } from '../components/StatusBadge';
import { formatDays, formatShare, humanize } from '../format';

const COMMON_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'KWD'];
const AMOUNT = /^\d+(\.\d+)?$/;
/** The most accounts the server lists at once. */
const CUSTOMER_LIMIT = 500;

type Field = 'dealId' | 'customerId' | 'amount' | 'currency' | 'months';
type FieldErrors = Partial<Record<Field, string>>;

function newDealId(): string {
  return `deal-${Date.now().toString(36)}`;
}

function validate(form: Record<Field, string>): FieldErrors {
  const errors: FieldErrors = {};
  if (form.dealId.trim() === '') errors.dealId = 'Give the deal or opportunity id.';
  if (form.customerId.trim() === '') errors.customerId = 'Choose the customer.';
  const amount = form.amount.trim();
  if (!AMOUNT.test(amount))
    errors.amount = 'An amount in major units, like 120000.00 (digits and one point).';
  else if (Number(amount) <= 0) errors.amount = 'The amount must be greater than 0.';
  const months = Number(form.months);
  if (!Number.isInteger(months) || months < 1 || months > 120)
    errors.months = 'A whole number of months from 1 to 120.';
  return errors;
}

function fieldOf(path: string | null): Field | undefined {
  const head = path?.split('.')[0];
  return head === 'customerId' || head === 'amount' || head === 'currency' || head === 'months'
    ? head
    : undefined;
}

type Requested = { dealId: string; input: DealTermsInput };

/** The AE's view: payment-term options for a deal, ranked, with the recommended one; accept one. */
export function DealView({
  embedded = false,
  dealId = null,
  customerId = null,
}: {
  /** Opened from a CRM opportunity: its deal only, and no customer list (the server allows neither). */
  embedded?: boolean;
  dealId?: string | null;
  customerId?: string | null;
}) {
  const ids = {
    dealId: useId(),
    customerId: useId(),
    amount: useId(),
    currency: useId(),
    months: useId(),
  };
  const [form, setForm] = useState<Record<Field, string>>(() => ({
    dealId: dealId ?? newDealId(),
    customerId: customerId ?? '',
    amount: '',
    currency: 'USD',
    months: '12',
  }));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [requested, setRequested] = useState<Requested | null>(null);
  const accounts = useApiResource(`deal-customers ${embedded}`, () =>
    embedded
      ? Promise.resolve({ ok: true as const, value: { accounts: [] as AttentionAccount[] } })
      : getData<{ accounts: AttentionAccount[] }>(`/accounts?sort=risk&limit=${CUSTOMER_LIMIT}`),
  );
  const recommend = useApiAction((request: Requested) =>
    callApi<RecommendationAnswer>({
      method: 'POST',
      path: `/deals/${encodeURIComponent(request.dealId)}/payment-terms`,
      body: request.input,
    }),
  );

  useEffect(() => {
    document.title = 'Payment terms · Collections';
  }, []);

  const set = (field: Field, value: string) => setForm((previous) => ({ ...previous, [field]: value }));

  const customers =
    accounts.state.status === 'success'
      ? [...accounts.state.data.accounts].sort((a, b) =>
          (a.name ?? a.customerId).localeCompare(b.name ?? b.customerId),
        )
      : [];
  const chooseCustomer = (customerId: string) => {
    const account = customers.find((candidate) => candidate.customerId === customerId);
    const currency = account?.outstanding?.currency ?? account?.overdue?.currency;
    setForm((previous) => ({ ...previous, customerId, ...(currency === undefined ? {} : { currency }) }));
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validate(form);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = Object.keys(found)[0] as Field;
      document.getElementById(ids[first])?.focus();
      return;
    }
    const request: Requested = {
      dealId: form.dealId.trim(),
      input: {
        customerId: form.customerId.trim(),
        amount: form.amount.trim(),
        currency: form.currency,
        months: Number(form.months),
      },
    };
    setRequested(request);
    const result = await recommend.run(request);
    if (!result.ok) {
      const field = fieldOf(result.failure.path);
      if (field !== undefined) setErrors({ [field]: result.failure.message });
    }
  };

  const currencies = [
    ...new Set([
      ...COMMON_CURRENCIES,
      ...customers.flatMap((account) => (account.outstanding === null ? [] : [account.outstanding.currency])),
      form.currency,
    ]),
  ];
  const recommendFailure = recommend.state.status === 'failed' ? recommend.state.failure : null;

  return (
    <>
      <h1 tabIndex={-1}>Payment terms for a deal</h1>
      <p className="muted">
        The options the guardrails allow, ranked by how soon cash arrives and how likely the buyer is to pay
        late, with the recommended one first.
      </p>
      <form className="card deal-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="form-grid">
          <TextField
            id={ids.dealId}
            label="Deal or opportunity id"
            value={form.dealId}
            error={errors.dealId}
            readOnly={embedded && dealId !== null}
            onChange={(value) => set('dealId', value)}
          />
          <div className="field">
            <label htmlFor={ids.customerId}>Customer</label>
            {embedded || accounts.state.status === 'error' ? (
              <input
                id={ids.customerId}
                type="text"
                value={form.customerId}
                aria-invalid={errors.customerId !== undefined}
                aria-describedby={errors.customerId === undefined ? undefined : `${ids.customerId}-error`}
                onChange={(event) => set('customerId', event.target.value)}
              />
            ) : (
              <select
                id={ids.customerId}
                value={form.customerId}
                disabled={accounts.state.status === 'loading'}
                aria-invalid={errors.customerId !== undefined}
                aria-describedby={errors.customerId === undefined ? undefined : `${ids.customerId}-error`}
                onChange={(event) => chooseCustomer(event.target.value)}
              >
                <option value="">
                  {accounts.state.status === 'loading' ? 'Loading customers…' : 'Choose a customer'}
                </option>
                {customers.map((account) => (
                  <option key={account.customerId} value={account.customerId}>
                    {account.name === null ? account.customerId : `${account.name} (${account.customerId})`}
                  </option>
                ))}
              </select>
            )}
            {accounts.state.status === 'error' ? (
              <p className="field-hint">The customer list could not be loaded; type the customer id.</p>
            ) : null}
            <FieldError id={`${ids.customerId}-error`} error={errors.customerId} />
          </div>
          <TextField
            id={ids.amount}
            label="Contract amount"
            hint="In major units, like 120000.00"
            inputMode="decimal"
            value={form.amount}
            error={errors.amount}
            onChange={(value) => set('amount', value)}
          />
          <div className="field">
            <label htmlFor={ids.currency}>Currency</label>
            <select
              id={ids.currency}
              value={form.currency}
              aria-invalid={errors.currency !== undefined}
              aria-describedby={errors.currency === undefined ? undefined : `${ids.currency}-error`}
              onChange={(event) => set('currency', event.target.value)}
            >
              {currencies.map((code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ))}
            </select>
            <FieldError id={`${ids.currency}-error`} error={errors.currency} />
          </div>
          <TextField
            id={ids.months}
            label="Contract length in months"
            type="number"
            min={1}
            max={120}
            value={form.months}
            error={errors.months}
            onChange={(value) => set('months', value)}
          />
        </div>
        <button type="submit" className="button" disabled={recommend.state.status === 'running'}>
          {recommend.state.status === 'running' ? 'Recommending…' : 'Recommend terms'}
        </button>
      </form>

      {recommend.state.status === 'running' ? <Loading>Weighing the options…</Loading> : null}
      {recommendFailure !== null && fieldOf(recommendFailure.path) === undefined ? (
        <ErrorAlert title="No recommendation" failure={recommendFailure} />
      ) : null}
      {recommend.state.status === 'done' && requested !== null ? (
        <RecommendationPanel
          key={recommend.state.value.recommendation.recommendationId}
          answer={recommend.state.value}
          requested={requested}
        />
      ) : null}
    </>
  );
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error === undefined ? null : (
    <p id={id} className="field-error">
      {error}
    </p>
  );
}

function TextField({
  id,
  label,
  hint,
  value,
  error,
  onChange,
  type = 'text',
  inputMode,
  min,
  max,
  readOnly = false,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
  type?: 'text' | 'number';
  inputMode?: 'decimal';
  min?: number;
  max?: number;
  readOnly?: boolean;
}) {
  const described = [hint === undefined ? null : `${id}-hint`, error === undefined ? null : `${id}-error`]
    .filter((entry) => entry !== null)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        inputMode={inputMode}
        min={min}
        max={max}
        readOnly={readOnly}
        aria-invalid={error !== undefined}
        aria-describedby={described === '' ? undefined : described}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

function describeAcceptance(value: AcceptAnswer, options: TermOptionView[], dealId: string): string {
  const label = options.find((option) => option.id === value.optionId)?.label ?? value.optionId;
  if (value.state === 'already_accepted') return `“${label}” was already accepted for deal ${dealId}.`;
  return `Accepted “${label}” for deal ${dealId}.${
    value.overridden ? ' It differs from the recommendation; the choice is recorded with your name.' : ''
  }`;
}

function RecommendationPanel({ answer, requested }: { answer: RecommendationAnswer; requested: Requested }) {
  const { recommendation } = answer;
  const options = [...recommendation.options].sort((a, b) => a.rank - b.rank);
  const groupName = useId();
  const [chosen, setChosen] = useState<string | null>(
    recommendation.recommended ?? options.find((option) => option.allowed)?.id ?? null,
  );
  const accept = useApiAction((optionId: string) =>
    callApi<AcceptAnswer>({
      method: 'POST',
      path: `/deals/${encodeURIComponent(requested.dealId)}/payment-terms/accept`,
      body: { ...requested.input, optionId },
    }),
  );
  const chosenOption = options.find((option) => option.id === chosen);
  const acceptFailure: ApiFailure | null = accept.state.status === 'failed' ? accept.state.failure : null;

  return (
    <section aria-labelledby="recommendation-heading" className="recommendation">
      <h2 id="recommendation-heading">Recommendation</h2>
      <p className="lead">{recommendation.explanation}</p>
      <p>
        Buyer{recommendation.buyer.name === null ? '' : ` ${recommendation.buyer.name}`}:{' '}
        <RiskBadge tier={recommendation.buyer.risk.tier} score={recommendation.buyer.risk.score} /> · policy{' '}
        <code>{recommendation.policy.id}</code>
        {recommendation.policy.requiresUpfrontOrAutopay === null
          ? ''
          : ` · upfront or autopay required: ${recommendation.policy.requiresUpfrontOrAutopay}`}
      </p>
      {recommendation.notes.length > 0 ? (
        <ul className="notes">
          {recommendation.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}

      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (chosen !== null) void accept.run(chosen);
        }}
      >
        <fieldset className="options">
          <legend>Payment terms, best first</legend>
          <ol className="option-list">
            {options.map((option) => (
              <OptionItem
                key={option.id}
                option={option}
                name={groupName}
                checked={chosen === option.id}
                onChoose={() => {
                  setChosen(option.id);
                  accept.reset();
                }}
              />
            ))}
          </ol>
        </fieldset>
        {chosenOption !== undefined && !chosenOption.recommended && recommendation.recommended !== null ? (
          <p className="muted">
            This option differs from the recommendation; accepting it records an override.
          </p>
        ) : null}
        <button
          type="submit"
          className="button"
          disabled={chosen === null || accept.state.status === 'running' || accept.state.status === 'done'}
        >
          {chosenOption === undefined ? 'Accept' : `Accept “${chosenOption.label}”`}
        </button>
      </form>
      {accept.state.status === 'done' ? (
        <Notice>{describeAcceptance(accept.state.value, options, requested.dealId)}</Notice>
      ) : null}
      {acceptFailure !== null ? (
        <ErrorAlert title="The terms could not be accepted" failure={acceptFailure} />
      ) : null}
    </section>
  );
}

function OptionItem({
  option,
  name,
  checked,
  onChoose,
}: {
  option: TermOptionView;
  name: string;
  checked: boolean;
  onChoose: () => void;
}) {
  const id = `${name}-${option.id}`;
  return (
    <li
      className={`option${option.recommended ? ' option-recommended' : ''}${option.allowed ? '' : ' option-blocked'}`}
      data-testid={`option-${option.id}`}
    >
      <div className="option-head">
        <input
          id={id}
          type="radio"
          name={name}
          value={option.id}
          checked={checked}
          disabled={!option.allowed}
          aria-describedby={`${id}-details`}
          onChange={onChoose}
        />
        <label htmlFor={id}>
          <span className="option-rank">#{option.rank}</span> {option.label}
        </label>
        {option.recommended ? <StatusBadge variant="success">Recommended</StatusBadge> : null}
        {option.allowed ? null : <StatusBadge variant="warning">Not allowed</StatusBadge>}
      </div>
      <div id={`${id}-details`} className="option-details">
        <dl className="facts">
          <dt>Expected days to cash</dt>
          <dd>{formatDays(option.estimate.expectedDaysToCash)}</dd>
          <dt>Chance of paying late</dt>
          <dd>{formatShare(option.estimate.probabilityLate)}</dd>
          <dt>Billing</dt>
          <dd>
            {humanize(option.billing)}, net {option.netDays}
            {option.autopay ? ', card autopay' : ''}
          </dd>
        </dl>
        <p>{option.summary}</p>
        {option.blockedBy.length > 0 ? <p className="muted">Blocked: {option.blockedBy.join('; ')}</p> : null}
      </div>
    </li>
  );
}
