import type { ProspectInput } from '../../api/types';

export const SEGMENTS = ['smb', 'mid_market', 'enterprise'] as const;
export const FUNDING_STAGES = [
  'bootstrapped',
  'seed',
  'series_a',
  'series_b',
  'series_c',
  'growth',
  'private_equity',
  'public',
] as const;

export type ProspectForm = {
  name: string;
  segment: string;
  employees: string;
  fundingStage: string;
  country: string;
};

export type ProspectField = keyof ProspectForm;
export type ProspectErrors = Partial<Record<ProspectField, string>>;

export const EMPTY_PROSPECT: ProspectForm = {
  name: '',
  segment: '',
  employees: '',
  fundingStage: '',
  country: '',
};

const LABELS: Record<string, string> = {
  smb: 'SMB',
  mid_market: 'Mid-market',
  enterprise: 'Enterprise',
  series_a: 'Series A',
  series_b: 'Series B',
  series_c: 'Series C',
  private_equity: 'Private equity',
};

/** A segment or funding stage as people write it: SMB, Mid-market, Series A. */
export const optionLabel = (value: string) => LABELS[value] ?? value.charAt(0).toUpperCase() + value.slice(1);

export function validateProspect(form: ProspectForm): ProspectErrors {
  const errors: ProspectErrors = {};
  if (form.segment === '') errors.segment = 'Choose the segment: similar companies are found by it.';
  const employees = form.employees.trim();
  if (employees !== '' && (!/^\d+$/.test(employees) || Number(employees) < 1))
    errors.employees = 'A whole number of employees, 1 or more (or leave it empty).';
  const country = form.country.trim();
  if (country !== '' && !/^[A-Za-z]{2}$/.test(country))
    errors.country = 'A two-letter country code, like US or DE (or leave it empty).';
  return errors;
}

export function prospectInput(form: ProspectForm): ProspectInput {
  return {
    ...(form.name.trim() === '' ? {} : { name: form.name.trim() }),
    segment: form.segment,
    ...(form.employees.trim() === '' ? {} : { employees: Number(form.employees.trim()) }),
    ...(form.fundingStage === '' ? {} : { fundingStage: form.fundingStage }),
    ...(form.country.trim() === '' ? {} : { country: form.country.trim().toUpperCase() }),
  };
}

/** A buyer with no billing history, described by the AE: its terms come from similar companies. */
export function ProspectFields({
  idPrefix,
  form,
  errors,
  onChange,
}: {
  idPrefix: string;
  form: ProspectForm;
  errors: ProspectErrors;
  onChange: (field: ProspectField, value: string) => void;
}) {
  const id = (field: ProspectField) => `${idPrefix}-${field}`;
  const aria = (field: ProspectField) => ({
    'aria-invalid': errors[field] !== undefined,
    'aria-describedby': errors[field] === undefined ? undefined : `${id(field)}-error`,
  });
  const error = (field: ProspectField) =>
    errors[field] === undefined ? null : (
      <p id={`${id(field)}-error`} className="field-error">
        {errors[field]}
      </p>
    );
  return (
    <>
      <div className="field">
        <label htmlFor={id('name')}>Company name</label>
        <input
          id={id('name')}
          type="text"
          value={form.name}
          onChange={(event) => onChange('name', event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={id('segment')}>Segment</label>
        <select
          id={id('segment')}
          value={form.segment}
          {...aria('segment')}
          onChange={(event) => onChange('segment', event.target.value)}
        >
          <option value="">Choose a segment</option>
          {SEGMENTS.map((segment) => (
            <option key={segment} value={segment}>
              {optionLabel(segment)}
            </option>
          ))}
        </select>
        {error('segment')}
      </div>
      <div className="field">
        <label htmlFor={id('employees')}>Employees</label>
        <input
          id={id('employees')}
          type="text"
          inputMode="numeric"
          value={form.employees}
          {...aria('employees')}
          onChange={(event) => onChange('employees', event.target.value)}
        />
        {error('employees')}
      </div>
      <div className="field">
        <label htmlFor={id('fundingStage')}>Funding stage</label>
        <select
          id={id('fundingStage')}
          value={form.fundingStage}
          onChange={(event) => onChange('fundingStage', event.target.value)}
        >
          <option value="">Unknown</option>
          {FUNDING_STAGES.map((stage) => (
            <option key={stage} value={stage}>
              {optionLabel(stage)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={id('country')}>Country</label>
        <input
          id={id('country')}
          type="text"
          maxLength={2}
          placeholder="US"
          value={form.country}
          {...aria('country')}
          onChange={(event) => onChange('country', event.target.value)}
        />
        {error('country')}
      </div>
    </>
  );
}
