import { useEffect, useState } from 'react';
import { getData } from '../../api/client';
import type { CustomerMatch, CustomerSearchAnswer } from '../../api/types';
import { useApiResource } from '../../api/useApi';
import { optionLabel } from './ProspectFields';

/** Matches shown at once; the server searches the whole book and says when more match. */
export const SEARCH_LIMIT = 20;
const DEBOUNCE_MS = 250;

export function customerLabel(customer: CustomerMatch): string {
  return customer.name === null ? customer.customerId : `${customer.name} (${customer.customerId})`;
}

function describe(customer: CustomerMatch): string {
  return [
    customer.segment === null ? null : optionLabel(customer.segment),
    customer.employees === null ? null : `${customer.employees.toLocaleString('en-US')} employees`,
    customer.country,
  ]
    .filter((part) => part !== null)
    .join(' · ');
}

/**
 * The customer search of the deal view: what the AE types is searched on the server (name or id
 * prefix), a page at a time, so it works for a book of any size. When the search is refused (an
 * embedded view may not list customers), the id is typed instead.
 */
export function CustomerPicker({
  id,
  chosen,
  error,
  onChoose,
  onTypeId,
}: {
  id: string;
  chosen: CustomerMatch | null;
  error: string | undefined;
  onChoose: (customer: CustomerMatch) => void;
  onTypeId: (customerId: string) => void;
}) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const search = useApiResource(`customer-search ${query}`, () =>
    getData<CustomerSearchAnswer>(`/customers/search?q=${encodeURIComponent(query)}&limit=${SEARCH_LIMIT}`),
  );
  const describedBy = [`${id}-hint`, error === undefined ? null : `${id}-error`]
    .filter((entry) => entry !== null)
    .join(' ');

  if (search.state.status === 'error')
    return (
      <div className="field">
        <label htmlFor={id}>Customer</label>
        <input
          id={id}
          type="text"
          value={text}
          aria-invalid={error !== undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            setText(event.target.value);
            onTypeId(event.target.value.trim());
          }}
        />
        <p id={`${id}-hint`} className="field-hint">
          The customer search is not available here; type the customer id.
        </p>
        {error === undefined ? null : (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
    );

  const answer = search.state.status === 'success' ? search.state.data : null;
  return (
    <div className="field customer-picker">
      <label htmlFor={id}>Customer</label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder="Name or id"
        autoComplete="off"
        aria-invalid={error !== undefined}
        aria-describedby={describedBy}
        onChange={(event) => setText(event.target.value)}
      />
      <p id={`${id}-hint`} className="field-hint">
        {chosen === null
          ? 'Type the start of the name or the id, then choose the customer.'
          : `Chosen: ${customerLabel(chosen)}${describe(chosen) === '' ? '' : ` · ${describe(chosen)}`}`}
      </p>
      {error === undefined ? null : (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      {search.state.status === 'loading' ? <p className="muted">Searching…</p> : null}
      {answer !== null && answer.customers.length === 0 ? (
        <p className="muted">{query === '' ? 'No customers yet.' : `No customer matches “${query}”.`}</p>
      ) : null}
      {answer !== null && answer.customers.length > 0 ? (
        <ul className="search-results" aria-label="Matching customers">
          {answer.customers.map((customer) => (
            <li key={customer.customerId}>
              <button
                type="button"
                className="link-button"
                aria-pressed={chosen?.customerId === customer.customerId}
                onClick={() => onChoose(customer)}
              >
                {customerLabel(customer)}
              </button>
              {describe(customer) === '' ? null : <span className="muted"> {describe(customer)}</span>}
            </li>
          ))}
        </ul>
      ) : null}
      {answer?.more === true ? (
        <p className="field-hint">More customers match: type more of the name to narrow the list.</p>
      ) : null}
    </div>
  );
}
