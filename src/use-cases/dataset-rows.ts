import { isCalendarDate, type CalendarDate } from '../domain/dates';
import {
  DISPUTE_OUTCOMES,
  parseWord,
  PAYMENT_STATUSES,
  SUBSCRIPTION_INTERVALS,
  SUBSCRIPTION_STATUSES,
  type Customer,
  type Dispute,
  type Invoice,
  type PaymentAttempt,
  type Subscription,
} from '../domain/model';
import { isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../domain/money';
import { quoteValue } from '../domain/text';
import { MAX_TAGS_PER_CUSTOMER, parseTagList } from '../domain/tags';
import type { DatasetFile } from '../ports/store';

/** Columns of each dataset file; `required` ones must be in the header and non-empty in every row. */
export const DATASET_COLUMNS: Readonly<Record<DatasetFile, { required: string[]; optional: string[] }>> = {
  'customers.csv': {
    required: ['customer_id'],
    optional: [
      'name',
      'segment',
      'owner',
      'payment_terms',
      'country',
      'crm_company_id',
      'created_on',
      'employees',
      'funding_stage',
      'tags',
    ],
  },
  'subscriptions.csv': {
    required: ['subscription_id', 'customer_id', 'currency', 'amount', 'interval', 'started_on'],
    optional: ['plan', 'renews_on', 'status', 'canceled_on'],
  },
  'invoices.csv': {
    required: ['invoice_id', 'customer_id', 'currency', 'amount', 'issued_on', 'due_on'],
    optional: ['paid_on', 'voided_on', 'subscription_id', 'uncollectible_on'],
  },
  'payments.csv': {
    required: ['payment_id', 'invoice_id', 'amount', 'attempted_on', 'status'],
    optional: ['currency', 'decline_code', 'method'],
  },
  'disputes.csv': {
    required: ['dispute_id', 'invoice_id', 'opened_on'],
    optional: ['resolved_on', 'reason', 'amount', 'outcome'],
  },
};

export type FieldProblem = { column: string; message: string };

export type ParsedRow<T> = { ok: true; row: T } | { ok: false; problems: FieldProblem[] };

type Values = Readonly<Record<string, string>>;

const MAX_ID_LENGTH = 255;
const MAX_TEXT_LENGTH = 1000;

/** Collects per-column problems while a row is read; every reader returns a value so all problems surface. */
class RowReader {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly values: Values) {}

  private fail(column: string, message: string): void {
    this.problems.push({ column, message });
  }

  raw(column: string): string {
    return this.values[column] ?? '';
  }

  id(column: string): string {
    const value = this.raw(column);
    if (value === '') this.fail(column, 'is required');
    else if (value.length > MAX_ID_LENGTH) this.fail(column, `is longer than ${MAX_ID_LENGTH} characters`);
    return value;
  }

  optionalId(column: string): string | null {
    const value = this.raw(column);
    if (value.length > MAX_ID_LENGTH) this.fail(column, `is longer than ${MAX_ID_LENGTH} characters`);
    return value === '' ? null : value;
  }

  text(column: string): string | null {
    const value = this.raw(column);
    if (value.length > MAX_TEXT_LENGTH) this.fail(column, `is longer than ${MAX_TEXT_LENGTH} characters`);
    return value === '' ? null : value;
  }

  /** A whole number ≥ 0 (thousands separators are not accepted), or null when empty. */
  optionalCount(column: string): number | null {
    const value = this.raw(column);
    if (value === '') return null;
    if (!/^\d{1,9}$/.test(value)) {
      this.fail(column, `expected a whole number, got ${quoteValue(value)}`);
      return null;
    }
    return Number(value);
  }

  /** Tags separated by `;` ("Strategic; public sector"), normalised to lower case; every part must be one. */
  tags(column: string): string[] {
    const { tags, rejected } = parseTagList(this.raw(column));
    if (rejected.length > 0)
      this.fail(
        column,
        `expected at most ${MAX_TAGS_PER_CUSTOMER} tags of letters and digits (words joined by a space, _ or -, at most 40 characters) separated by ;, got ${quoteValue(rejected[0] ?? '')}`,
      );
    return tags;
  }

  /** A lower-case word such as series_a; case and spaces are normalised. */
  optionalWord(column: string): string | null {
    if (this.raw(column).trim() === '') return null;
    const word = parseWord(this.raw(column));
    if (word === undefined) {
      this.fail(column, `expected a word of letters, digits and _, got ${quoteValue(this.raw(column))}`);
      return null;
    }
    return word;
  }

  date(column: string): CalendarDate {
    const value = this.raw(column);
    if (value === '') this.fail(column, 'is required (YYYY-MM-DD)');
    else if (!isCalendarDate(value))
      this.fail(column, `expected a date YYYY-MM-DD, got ${quoteValue(value)}`);
    return value as CalendarDate;
  }

  optionalDate(column: string): CalendarDate | null {
    const value = this.raw(column);
    if (value === '') return null;
    if (!isCalendarDate(value)) this.fail(column, `expected a date YYYY-MM-DD, got ${quoteValue(value)}`);
    return value as CalendarDate;
  }

  currency(column: string): CurrencyCode {
    const value = this.raw(column).toUpperCase();
    if (value === '') this.fail(column, 'is required (ISO 4217 code such as USD)');
    else if (!isCurrencyCode(value)) this.fail(column, `unknown currency ${quoteValue(this.raw(column))}`);
    return value as CurrencyCode;
  }

  /** Only meaningful when the currency was valid; an invalid currency is reported once, on its own column. */
  amount(column: string, currency: CurrencyCode): number {
    const value = this.raw(column);
    if (value === '') {
      this.fail(column, 'is required');
      return 0;
    }
    if (!isCurrencyCode(currency)) return 0;
    const parsed = parseMajorAmount(value, currency);
    if (!parsed.ok) {
      this.fail(column, parsed.message);
      return 0;
    }
    return parsed.minor;
  }

  optionalAmount(column: string, currency: CurrencyCode): number | null {
    return this.raw(column) === '' ? null : this.amount(column, currency);
  }

  oneOf<T extends string>(column: string, allowed: readonly T[], fallback?: T): T {
    const value = this.raw(column).toLowerCase();
    if (value === '' && fallback !== undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(
        column,
        value === ''
          ? `is required (one of ${allowed.join(', ')})`
          : `expected one of ${allowed.join(', ')}, got ${quoteValue(this.raw(column))}`,
      );
    }
    return value as T;
  }

  optionalOneOf<T extends string>(column: string, allowed: readonly T[]): T | null {
    return this.raw(column) === '' ? null : this.oneOf(column, allowed);
  }

  notBefore(
    column: string,
    later: CalendarDate | null,
    earlierColumn: string,
    earlier: CalendarDate | null,
  ): void {
    if (
      later !== null &&
      earlier !== null &&
      isCalendarDate(later) &&
      isCalendarDate(earlier) &&
      later < earlier
    ) {
      this.fail(column, `${later} is before ${earlierColumn} ${earlier}`);
    }
  }

  result<T>(row: T): ParsedRow<T> {
    return this.problems.length === 0 ? { ok: true, row } : { ok: false, problems: this.problems };
  }
}

export function parseCustomerRow(values: Values): ParsedRow<Customer> {
  const r = new RowReader(values);
  const country = r.text('country');
  if (country !== null && !/^[A-Za-z]{2}$/.test(country)) {
    r.problems.push({
      column: 'country',
      message: `expected a two-letter ISO 3166 code, got ${quoteValue(country)}`,
    });
  }
  return r.result({
    customerId: r.id('customer_id'),
    name: r.text('name'),
    segment: r.text('segment'),
    owner: r.text('owner'),
    paymentTerms: r.text('payment_terms'),
    country: country === null ? null : country.toUpperCase(),
    crmCompanyId: r.optionalId('crm_company_id'),
    createdOn: r.optionalDate('created_on'),
    employees: r.optionalCount('employees'),
    fundingStage: r.optionalWord('funding_stage'),
    tags: r.tags('tags'),
  });
}

/**
 * `canceled_on` is the day the cancellation takes effect (the subscription has ended from that day on:
 * Stripe's `ended_at`, or `cancel_at` while the cancellation is only scheduled), not the day it was
 * requested (Stripe's `canceled_at`). A future `canceled_on` is a scheduled cancellation: the
 * subscription is live until then, and a `renews_on` on or after it is no renewal.
 */
export function parseSubscriptionRow(values: Values): ParsedRow<Subscription> {
  const r = new RowReader(values);
  const currency = r.currency('currency');
  const startedOn = r.date('started_on');
  const renewsOn = r.optionalDate('renews_on');
  const canceledOn = r.optionalDate('canceled_on');
  const status = r.oneOf('status', SUBSCRIPTION_STATUSES, 'active');
  r.notBefore('renews_on', renewsOn, 'started_on', startedOn);
  r.notBefore('canceled_on', canceledOn, 'started_on', startedOn);
  if (status === 'canceled' && canceledOn === null) {
    r.problems.push({ column: 'canceled_on', message: 'is required when status is canceled' });
  }
  return r.result({
    subscriptionId: r.id('subscription_id'),
    customerId: r.id('customer_id'),
    plan: r.text('plan'),
    currency,
    amountMinor: r.amount('amount', currency),
    interval: r.oneOf('interval', SUBSCRIPTION_INTERVALS),
    startedOn,
    renewsOn,
    status,
    canceledOn,
  });
}

export function parseInvoiceRow(values: Values): ParsedRow<Invoice> {
  const r = new RowReader(values);
  const currency = r.currency('currency');
  const issuedOn = r.date('issued_on');
  const dueOn = r.date('due_on');
  const voidedOn = r.optionalDate('voided_on');
  const uncollectibleOn = r.optionalDate('uncollectible_on');
  r.notBefore('due_on', dueOn, 'issued_on', issuedOn);
  r.notBefore('voided_on', voidedOn, 'issued_on', issuedOn);
  r.notBefore('uncollectible_on', uncollectibleOn, 'issued_on', issuedOn);
  return r.result({
    invoiceId: r.id('invoice_id'),
    customerId: r.id('customer_id'),
    currency,
    amountMinor: r.amount('amount', currency),
    issuedOn,
    dueOn,
    paidOn: r.optionalDate('paid_on'),
    voidedOn,
    subscriptionId: r.optionalId('subscription_id'),
    // Marked uncollectible (Stripe's `uncollectible`): still owed and payable, only flagged.
    ...(uncollectibleOn === null ? {} : { uncollectibleOn }),
  });
}

/**
 * `invoiceCurrency` is the currency of the referenced invoice, when known: it is used when the row
 * leaves `currency` empty. A row whose currency differs from its invoice's is caught by the store.
 */
export function parsePaymentRow(
  values: Values,
  invoiceCurrency: CurrencyCode | undefined,
): ParsedRow<PaymentAttempt> {
  const r = new RowReader(values);
  let currency: CurrencyCode;
  if (r.raw('currency') === '' && invoiceCurrency !== undefined) currency = invoiceCurrency;
  else currency = r.currency('currency');
  const status = r.oneOf('status', PAYMENT_STATUSES);
  const declineCode = r.text('decline_code');
  if (declineCode !== null && status !== 'failed') {
    r.problems.push({
      column: 'decline_code',
      message: `only failed payments carry a decline code (status is ${status})`,
    });
  }
  return r.result({
    paymentId: r.id('payment_id'),
    invoiceId: r.id('invoice_id'),
    currency,
    amountMinor: r.amount('amount', currency),
    attemptedOn: r.date('attempted_on'),
    status,
    declineCode: declineCode === null ? null : declineCode.toLowerCase(),
    method: r.text('method'),
  });
}

/** Dispute amounts are in the invoice's currency; without it (unknown invoice) the amount is not checked here. */
export function parseDisputeRow(
  values: Values,
  invoiceCurrency: CurrencyCode | undefined,
): ParsedRow<Dispute> {
  const r = new RowReader(values);
  const openedOn = r.date('opened_on');
  const resolvedOn = r.optionalDate('resolved_on');
  const outcome = r.optionalOneOf('outcome', DISPUTE_OUTCOMES);
  r.notBefore('resolved_on', resolvedOn, 'opened_on', openedOn);
  if (outcome !== null && resolvedOn === null) {
    r.problems.push({ column: 'resolved_on', message: 'is required when an outcome is given' });
  }
  const amountMinor = invoiceCurrency === undefined ? null : r.optionalAmount('amount', invoiceCurrency);
  return r.result({
    disputeId: r.id('dispute_id'),
    invoiceId: r.id('invoice_id'),
    openedOn,
    resolvedOn,
    reason: r.text('reason'),
    amountMinor,
    outcome,
  });
}
