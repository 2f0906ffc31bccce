import { useEffect, useId, useState, type FormEvent } from 'react';
import { callApi, type ApiFailure } from '../api/client';
import type {
  AcceptAnswer,
  CustomerMatch,
  DealTermsInput,
  RecommendationAnswer,
  TermOptionView,
} from '../api/types';
import { useApiAction } from '../api/useApi';
import { ErrorAlert, Loading, Notice } from '../components/Feedback';
import { RiskBadge, StatusBadge } from '../components/StatusBadge';
import { formatDays, formatShare, humanize } from '../format';
import { CustomerPicker } from './deal/CustomerPicker';
import { BuyerModeSwitch, DealAmountFields, TextField } from './deal/DealFields';
import {
  EMPTY_PROSPECT,
  ProspectFields,
  prospectInput,
  validateProspect,
  type ProspectErrors,
  type ProspectField,
  type ProspectForm,
} from './deal/ProspectFields';

const COMMON_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'KWD'];
const AMOUNT = /^\d+(\.\d+)?$/;

type Field = 'dealId' | 'customerId' | 'amount' | 'currency' | 'months';
type FieldErrors = Partial<Record<Field, string>> & { prospect?: ProspectErrors };
type BuyerMode = 'customer' | 'prospect';

function newDealId(): string {
  return `deal-${Date.now().toString(36)}`;
}

function validate(form: Record<Field, string>, mode: BuyerMode, prospect: ProspectForm): FieldErrors {
  const errors: FieldErrors = {};
  if (form.dealId.trim() === '') errors.dealId = 'Give the deal or opportunity id.';
  if (mode === 'customer' && form.customerId.trim() === '') errors.customerId = 'Choose the customer.';
  if (mode === 'prospect') {
    const found = validateProspect(prospect);
    if (Object.keys(found).length > 0) errors.prospect = found;
  }
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

function prospectFieldOf(path: string | null): ProspectField | undefined {
  const [head, field] = path?.split('.') ?? [];
  return head === 'prospect' &&
    (field === 'name' ||
      field === 'segment' ||
      field === 'employees' ||
      field === 'fundingStage' ||
      field === 'country')
    ? field
    : undefined;
}

type Requested = { dealId: string; input: DealTermsInput };

function buildRequest(form: Record<Field, string>, mode: BuyerMode, prospect: ProspectForm): Requested {
  const deal = { amount: form.amount.trim(), currency: form.currency, months: Number(form.months) };
  return {
    dealId: form.dealId.trim(),
    input:
      mode === 'customer'
        ? { customerId: form.customerId.trim(), ...deal }
        : { prospect: prospectInput(prospect), ...deal },
  };
}

/** A 422 naming a field goes next to it; anything else is shown as an alert. */
function errorsFromServer(failure: ApiFailure): FieldErrors {
  const field = fieldOf(failure.path);
  if (field !== undefined) return { [field]: failure.message };
  const prospectField = prospectFieldOf(failure.path);
  if (prospectField !== undefined) return { prospect: { [prospectField]: failure.message } };
  return {};
}

/** The deal form's state: the deal, the buyer (a chosen customer or a prospect) and the errors. */
function useDealForm(dealId: string | null, customerId: string | null) {
  const [form, setForm] = useState<Record<Field, string>>(() => ({
    dealId: dealId ?? newDealId(),
    customerId: customerId ?? '',
    amount: '',
    currency: 'USD',
    months: '12',
  }));
  const [mode, setMode] = useState<BuyerMode>('customer');
  const [chosen, setChosen] = useState<CustomerMatch | null>(null);
  const [prospect, setProspect] = useState<ProspectForm>(EMPTY_PROSPECT);
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = (field: Field, value: string) => setForm((previous) => ({ ...previous, [field]: value }));
  const chooseCustomer = (customer: CustomerMatch) => {
    setChosen(customer);
    setForm((previous) => ({
      ...previous,
      customerId: customer.customerId,
      ...(customer.currency === null ? {} : { currency: customer.currency }),
    }));
  };
  return { form, set, mode, setMode, chosen, chooseCustomer, prospect, setProspect, errors, setErrors };
}

/**
 * The AE's view: payment-term options for a deal, ranked, with the recommended one; accept one. The
 * buyer is a customer found by a server-side search, or a prospect described by the AE (no billing
 * history: the recommendation is that of similar companies).
 */
export function DealView({
  embedded = false,
  dealId = null,
  customerId = null,
}: {
  /** Opened from a CRM opportunity: its deal only, and no customer search (the server allows neither). */
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
    prospect: useId(),
  };
  const { form, set, mode, setMode, chosen, chooseCustomer, prospect, setProspect, errors, setErrors } =
    useDealForm(dealId, customerId);
  const [requested, setRequested] = useState<Requested | null>(null);
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

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const found = validate(form, mode, prospect);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = Object.keys(found)[0] as Field | 'prospect';
      const target =
        first === 'prospect'
          ? `${ids.prospect}-${Object.keys(found.prospect ?? {})[0] ?? 'segment'}`
          : ids[first];
      document.getElementById(target)?.focus();
      return;
    }
    const request = buildRequest(form, mode, prospect);
    setRequested(request);
    const result = await recommend.run(request);
    if (!result.ok) setErrors(errorsFromServer(result.failure));
  };

  const currencies = [...new Set([...COMMON_CURRENCIES, form.currency])];
  const recommendFailure = recommend.state.status === 'failed' ? recommend.state.failure : null;
  const shownFailure =
    recommendFailure !== null &&
    fieldOf(recommendFailure.path) === undefined &&
    prospectFieldOf(recommendFailure.path) === undefined
      ? recommendFailure
      : null;
  const fixedCustomer = embedded && customerId !== null;

  return (
    <>
      <h1 tabIndex={-1}>Payment terms for a deal</h1>
      <p className="muted">
        The options the guardrails allow, ranked by how soon cash arrives and how likely the buyer is to pay
        late, with the recommended one first.
      </p>
      <form className="card deal-form" onSubmit={(event) => void submit(event)} noValidate>
        {fixedCustomer ? null : (
          <BuyerModeSwitch name={`${ids.prospect}-mode`} mode={mode} onChange={setMode} />
        )}
        <div className="form-grid">
          <TextField
            id={ids.dealId}
            label="Deal or opportunity id"
            value={form.dealId}
            error={errors.dealId}
            readOnly={embedded && dealId !== null}
            onChange={(value) => set('dealId', value)}
          />
          {mode === 'prospect' ? (
            <ProspectFields
              idPrefix={ids.prospect}
              form={prospect}
              errors={errors.prospect ?? {}}
              onChange={(field, value) => setProspect((previous) => ({ ...previous, [field]: value }))}
            />
          ) : (
            <CustomerField
              id={ids.customerId}
              searchable={!embedded}
              readOnly={fixedCustomer}
              value={form.customerId}
              chosen={chosen}
              error={errors.customerId}
              onChoose={chooseCustomer}
              onTypeId={(value) => set('customerId', value)}
            />
          )}
          <DealAmountFields ids={ids} form={form} errors={errors} currencies={currencies} onChange={set} />
        </div>
        <button type="submit" className="button" disabled={recommend.state.status === 'running'}>
          {recommend.state.status === 'running' ? 'Recommending…' : 'Recommend terms'}
        </button>
      </form>

      {recommend.state.status === 'running' ? <Loading>Weighing the options…</Loading> : null}
      {shownFailure !== null ? <ErrorAlert title="No recommendation" failure={shownFailure} /> : null}
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

/** The customer: searched on the server, or typed when opened from a CRM record (no search there). */
function CustomerField({
  searchable,
  readOnly,
  value,
  ...picker
}: Parameters<typeof CustomerPicker>[0] & { searchable: boolean; readOnly: boolean; value: string }) {
  if (searchable) return <CustomerPicker {...picker} />;
  return (
    <TextField
      id={picker.id}
      label="Customer"
      value={value}
      error={picker.error}
      readOnly={readOnly}
      onChange={picker.onTypeId}
    />
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
  const ranked = [...recommendation.options].sort((a, b) => a.rank - b.rank);
  // Options with exactly the figures of one ranked above them are shown as one.
  const options = ranked.filter((option) => option.sameFiguresAs === null);
  const sameAs = (option: TermOptionView) => ranked.filter((other) => other.sameFiguresAs === option.id);
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
      {recommendation.buyer.kind === 'prospect' ? (
        <Notice tone="info">
          Prospect: no billing history. These terms and estimates are those of similar companies (segment,
          size, country), not of this buyer&apos;s own record.
        </Notice>
      ) : null}
      <p className="lead">{recommendation.explanation}</p>
      <p>
        {recommendation.buyer.kind === 'prospect' ? 'Prospect' : 'Buyer'}
        {recommendation.buyer.name === null ? '' : ` ${recommendation.buyer.name}`}
        {recommendation.buyer.kind === 'prospect' ? (
          ' · cohort-based'
        ) : (
          <>
            : <RiskBadge tier={recommendation.buyer.risk.tier} score={recommendation.buyer.risk.score} />
          </>
        )}{' '}
        · policy <code>{recommendation.policy.id}</code>
        {requirementText(recommendation.policy)}
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
                same={sameAs(option)}
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

function requirementText(policy: RecommendationAnswer['recommendation']['policy']): string {
  if (policy.cardAutopayUnavailable !== null)
    return ` · card autopay unavailable (${policy.cardAutopayUnavailable})${policy.requiresUpfrontOrAutopay === null ? '' : ': upfront required'}`;
  return policy.requiresUpfrontOrAutopay === null
    ? ''
    : ` · upfront or autopay required: ${policy.requiresUpfrontOrAutopay}`;
}

/** Days from signing to cash: one figure for one invoice, the first and the last for several. */
function cashFromSigning(estimate: TermOptionView['estimate']): string {
  if (estimate.invoices === 1) return formatDays(estimate.daysFromSigningToFirstCash);
  return `${formatDays(estimate.daysFromSigningToFirstCash)} (first) to ${formatDays(estimate.daysFromSigningToLastCash)} (last of ${estimate.invoices} invoices)`;
}

function OptionItem({
  option,
  same,
  name,
  checked,
  onChoose,
}: {
  option: TermOptionView;
  same: TermOptionView[];
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
          <dt>Cash from signing</dt>
          <dd>{cashFromSigning(option.estimate)}</dd>
          <dt>Days to cash per invoice</dt>
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
        {same.length > 0 ? (
          <p className="muted">
            Same invoices and cash timing for this deal: {same.map((other) => other.label).join(', ')}.
          </p>
        ) : null}
        {option.blockedBy.length > 0 ? <p className="muted">Blocked: {option.blockedBy.join('; ')}</p> : null}
      </div>
    </li>
  );
}
