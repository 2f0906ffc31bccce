import type { ReactNode } from 'react';

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error === undefined ? null : (
    <p id={id} className="field-error">
      {error}
    </p>
  );
}

export function TextField({
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

/** The two kinds of buyer: a customer in the books, or a prospect described by the AE. */
export function BuyerModeSwitch({
  name,
  mode,
  onChange,
}: {
  name: string;
  mode: 'customer' | 'prospect';
  onChange: (mode: 'customer' | 'prospect') => void;
}) {
  const option = (value: 'customer' | 'prospect', label: ReactNode) => (
    <label>
      <input
        type="radio"
        name={name}
        value={value}
        checked={mode === value}
        onChange={() => onChange(value)}
      />{' '}
      {label}
    </label>
  );
  return (
    <fieldset className="buyer-mode">
      <legend>Buyer</legend>
      {option('customer', 'Existing customer')}
      {option('prospect', 'Prospect (no billing history)')}
    </fieldset>
  );
}

/** Amount, currency and contract length of the deal. */
export function DealAmountFields({
  ids,
  form,
  errors,
  currencies,
  onChange,
}: {
  ids: { amount: string; currency: string; months: string };
  form: { amount: string; currency: string; months: string };
  errors: { amount?: string; currency?: string; months?: string };
  currencies: readonly string[];
  onChange: (field: 'amount' | 'currency' | 'months', value: string) => void;
}) {
  return (
    <>
      <TextField
        id={ids.amount}
        label="Contract amount"
        hint="In major units, like 120000.00"
        inputMode="decimal"
        value={form.amount}
        error={errors.amount}
        onChange={(value) => onChange('amount', value)}
      />
      <div className="field">
        <label htmlFor={ids.currency}>Currency</label>
        <select
          id={ids.currency}
          value={form.currency}
          aria-invalid={errors.currency !== undefined}
          aria-describedby={errors.currency === undefined ? undefined : `${ids.currency}-error`}
          onChange={(event) => onChange('currency', event.target.value)}
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
        onChange={(value) => onChange('months', value)}
      />
    </>
  );
}
