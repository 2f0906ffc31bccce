import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  DateInput,
  Flex,
  Form,
  Heading,
  Input,
  Select,
  Text,
  TextArea,
  type BaseDate,
} from '@hubspot/ui-extensions';
import type { ApiResult } from '../shared/collectionsApi';
import type { AccountCardView, PromiseInput, RecordPromiseResponse } from '../api/accountView';
import { useApiAction } from '../shared/useCollectionsApi';
import { dateOnly, toCalendarDate, todayAsBaseDate } from '../shared/dates';
import { FailureAlert } from '../shared/FailureAlert';

/** A positive amount in major units as the backend reads it: digits with an optional decimal part. */
const AMOUNT = /^\d+(\.\d+)?$/;

function amountProblem(amount: string): string | null {
  const trimmed = amount.trim();
  if (!AMOUNT.test(trimmed)) return 'Enter the amount in digits, e.g. 12000.00';
  return /[1-9]/.test(trimmed) ? null : 'The amount must be more than 0';
}

/**
 * The account's currencies, the main one first: the one with the most open invoices (counted, never
 * summed across currencies), then the order of the balances; USD for an account with none.
 */
export function accountCurrencies(view: AccountCardView): string[] {
  const invoicesIn = (currency: string) =>
    view.openInvoices.filter((invoice) => invoice.amount.currency === currency).length;
  const currencies = [
    ...new Set([
      ...view.balances.map((balance) => balance.currency),
      ...view.openInvoices.map((invoice) => invoice.amount.currency),
    ]),
  ];
  if (currencies.length === 0) return ['USD'];
  return currencies
    .map((currency, index) => ({ currency, index, count: invoicesIn(currency) }))
    .sort((a, b) => b.count - a.count || a.index - b.index)
    .map((entry) => entry.currency);
}

type Props = {
  view: AccountCardView;
  onRecord: (input: PromiseInput) => Promise<ApiResult<RecordPromiseResponse>>;
};

/** "We will pay USD 12,000 by the 15th": the amount, the day, the invoices it covers, who said it. */
export function PromiseToPayForm({ view, onRecord }: Props) {
  const currencies = accountCurrencies(view);
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(currencies[0] ?? 'USD');
  const [promisedOn, setPromisedOn] = useState<BaseDate | null>(null);
  const [invoiceIds, setInvoiceIds] = useState<string[]>([]);
  const [madeBy, setMadeBy] = useState('');
  const [note, setNote] = useState('');
  const [showErrors, setShowErrors] = useState(false);
  const record = useApiAction(onRecord);
  const invoices = view.openInvoices.filter((invoice) => invoice.amount.currency === currency);
  const amountMessage = showErrors ? amountProblem(amount) : null;

  useEffect(() => {
    if (record.state.status !== 'done') return;
    setAmount('');
    setPromisedOn(null);
    setInvoiceIds([]);
    setMadeBy('');
    setNote('');
    setShowErrors(false);
  }, [record.state.status]);

  const submit = () => {
    setShowErrors(true);
    if (amountProblem(amount) !== null || promisedOn === null) return;
    void record.run({
      amounts: [{ currency, amount: amount.trim() }],
      promisedOn: toCalendarDate(promisedOn),
      invoiceIds,
      ...(madeBy.trim() === '' ? {} : { madeBy: madeBy.trim() }),
      ...(note.trim() === '' ? {} : { note: note.trim() }),
    });
  };

  const toggleInvoice = (invoiceId: string, checked: boolean) =>
    setInvoiceIds((previous) =>
      checked
        ? [...previous.filter((id) => id !== invoiceId), invoiceId]
        : previous.filter((id) => id !== invoiceId),
    );

  return (
    <Flex direction="column" gap="sm">
      <Heading>Record a promise to pay</Heading>
      <Form onSubmit={submit} preventDefault testId="promise-form">
        <Flex direction="column" gap="sm">
          <Flex direction="row" gap="sm">
            <Input
              label="Amount"
              name="promiseAmount"
              required
              value={amount}
              onChange={setAmount}
              error={amountMessage !== null}
              validationMessage={amountMessage ?? undefined}
            />
            <Select
              label="Currency"
              name="promiseCurrency"
              value={currency}
              options={currencies.map((code) => ({ label: code, value: code }))}
              onChange={(value) => {
                if (typeof value !== 'string' || !currencies.includes(value)) return;
                setCurrency(value);
                setInvoiceIds([]);
              }}
            />
          </Flex>
          <DateInput
            label="Promised by"
            name="promiseDate"
            required
            value={promisedOn ?? undefined}
            min={todayAsBaseDate()}
            onChange={(value) => setPromisedOn(dateOnly(value))}
            error={showErrors && promisedOn === null}
            validationMessage={
              showErrors && promisedOn === null ? 'Pick the day they promised to pay by' : undefined
            }
          />
          {invoices.length === 0 ? null : (
            <Flex direction="column" gap="xs">
              <Text format={{ fontWeight: 'bold' }}>Invoices it covers (none: the whole account)</Text>
              {invoices.map((invoice) => (
                <Checkbox
                  key={invoice.invoiceId}
                  name="promiseInvoice"
                  value={invoice.invoiceId}
                  checked={invoiceIds.includes(invoice.invoiceId)}
                  onChange={(checked) => toggleInvoice(invoice.invoiceId, checked)}
                >
                  {`${invoice.invoiceId}: ${invoice.outstanding.text} due ${invoice.dueOn}`}
                </Checkbox>
              ))}
            </Flex>
          )}
          <Input label="From whom" name="promiseMadeBy" value={madeBy} onChange={setMadeBy} />
          <TextArea label="Note" name="promiseNote" value={note} onChange={setNote} />
          <Button type="submit" variant="primary" disabled={record.state.status === 'running'}>
            Record promise
          </Button>
        </Flex>
      </Form>
      {record.state.status === 'done' ? (
        <Alert
          title={record.state.value.data.recorded ? 'Promise recorded' : 'This promise was already recorded'}
          variant="success"
        >
          <Text>{`Reminders on it are held until ${record.state.value.data.promise.deadline}.`}</Text>
        </Alert>
      ) : null}
      {record.state.status === 'failed' ? (
        <FailureAlert title="Could not record the promise" failure={record.state.failure} />
      ) : null}
    </Flex>
  );
}
