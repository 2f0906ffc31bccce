import { toDayNumber, type CalendarDate } from './dates';
import type { Invoice, PaymentAttempt } from './model';
import { addMinor } from './money';

/**
 * One invoice with its payment attempts, read as of any day. Dates are turned into day numbers once,
 * so asking "as of" many days (status, CEI's beginning AR, backtests) stays cheap.
 *
 * Paid semantics: with payment rows, paid = succeeded − refunded (each counted from its day on);
 * without, the whole amount on paidOn. When the billing system states what is still owed
 * (`amountRemainingMinor`), that is the truth: whatever the rows do not explain (paid out of band, a
 * credit note, a partial payment made elsewhere) moved on the day it was settled, or with the last row.
 */
export type LedgerEntry = { day: number; delta: number };

export type InvoiceLedger = {
  invoice: Invoice;
  issuedDay: number;
  dueDay: number;
  /** First day the invoice no longer counts (voided); Infinity when never voided. */
  voidedDay: number;
  /** Movements of the paid amount, in day order. */
  entries: readonly LedgerEntry[];
  /** Day the paid amount first reached the invoice amount; null while it never has. */
  paidInFullDay: number | null;
  /** Failed attempts, in day order. */
  failures: readonly PaymentAttempt[];
  successes: readonly PaymentAttempt[];
  /** Attempts submitted but not settled (bank debits in flight). */
  pending: readonly PaymentAttempt[];
};

/**
 * One shared empty list for every ledger without such attempts (most invoices have no failure and
 * nothing pending): a book of a million invoices then allocates a million fewer arrays per pass.
 */
const NONE: readonly never[] = Object.freeze([]);

function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

export function buildInvoiceLedger(invoice: Invoice, payments: readonly PaymentAttempt[]): InvoiceLedger {
  const entries: LedgerEntry[] = [];
  let failures: readonly PaymentAttempt[] = NONE;
  let successes: readonly PaymentAttempt[] = NONE;
  let pending: readonly PaymentAttempt[] = NONE;
  for (const payment of payments) {
    if (payment.status === 'failed') failures = appended(failures, payment);
    else if (payment.status === 'pending') pending = appended(pending, payment);
    else {
      entries.push({
        day: toDayNumber(payment.attemptedOn),
        delta: payment.status === 'succeeded' ? payment.amountMinor : -payment.amountMinor,
      });
      if (payment.status === 'succeeded') successes = appended(successes, payment);
    }
  }
  if (payments.length === 0 && invoice.paidOn !== null) {
    entries.push({ day: toDayNumber(invoice.paidOn), delta: invoice.amountMinor });
  }
  const settlement = unexplainedSettlement(invoice, entries);
  if (settlement !== null) entries.push(settlement);
  if (entries.length > 1) entries.sort((a, b) => a.day - b.day);
  if (failures.length > 1) (failures as PaymentAttempt[]).sort(byAttemptOrder);
  let paidInFullDay: number | null = null;
  let paid = 0;
  for (const entry of entries) {
    paid = addMinor(paid, entry.delta);
    if (paid >= invoice.amountMinor) {
      paidInFullDay = entry.day;
      break;
    }
  }
  return {
    invoice,
    issuedDay: toDayNumber(invoice.issuedOn),
    dueDay: toDayNumber(invoice.dueOn),
    voidedDay: invoice.voidedOn === null ? Infinity : toDayNumber(invoice.voidedOn),
    entries,
    paidInFullDay: invoice.amountMinor === 0 ? toDayNumber(invoice.issuedOn) : paidInFullDay,
    failures,
    successes,
    pending,
  };
}

/** The movement the source's stated balance implies beyond the rows; null when the rows explain it. */
function unexplainedSettlement(invoice: Invoice, entries: readonly LedgerEntry[]): LedgerEntry | null {
  const remaining = invoice.amountRemainingMinor;
  // A voided invoice is owed nothing whatever its stated remainder.
  if (remaining === null || remaining === undefined || invoice.voidedOn !== null) return null;
  let moved = 0;
  let lastDay = -Infinity;
  for (const entry of entries) {
    moved = addMinor(moved, entry.delta);
    if (entry.day > lastDay) lastDay = entry.day;
  }
  const delta = addMinor(addMinor(invoice.amountMinor, -remaining), -moved);
  if (delta === 0) return null;
  return { day: Math.max(lastDay, toDayNumber(invoice.paidOn ?? invoice.issuedOn)), delta };
}

function byAttemptOrder(a: PaymentAttempt, b: PaymentAttempt): number {
  return a.attemptedOn < b.attemptedOn
    ? -1
    : a.attemptedOn > b.attemptedOn
      ? 1
      : a.paymentId < b.paymentId
        ? -1
        : 1;
}

/** Issued by then and not voided by then. */
export function countsOn(ledger: InvoiceLedger, day: number): boolean {
  return ledger.issuedDay <= day && ledger.voidedDay > day;
}

export function paidOn(ledger: InvoiceLedger, day: number): number {
  let paid = 0;
  for (const entry of ledger.entries) {
    if (entry.day > day) break;
    paid = addMinor(paid, entry.delta);
  }
  return paid;
}

/**
 * The day the invoice became paid in full, if it is paid in full on `day`; null otherwise. Unlike
 * `paidInFullDay`, a refund that takes the paid amount below the invoice amount reopens the invoice:
 * a fully refunded invoice is not paid.
 */
export function settledInFullDay(ledger: InvoiceLedger, day: number): number | null {
  if (ledger.invoice.amountMinor === 0) return ledger.issuedDay <= day ? ledger.issuedDay : null;
  let paid = 0;
  let settledSince: number | null = null;
  const { entries } = ledger;
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] as LedgerEntry;
    if (entry.day > day) break;
    paid = addMinor(paid, entry.delta);
    // Judge the balance once all of a day's movements are in.
    if ((entries[i + 1] as LedgerEntry | undefined)?.day === entry.day) continue;
    if (paid < ledger.invoice.amountMinor) settledSince = null;
    else if (settledSince === null) settledSince = entry.day;
  }
  return settledSince;
}

export type InvoicePosition = {
  /** Never negative: an overpayment is a credit, not negative outstanding. */
  outstanding: number;
  credit: number;
  /** day − due day; positive means past due (only meaningful while outstanding > 0). */
  daysPastDue: number;
};

export function positionOn(ledger: InvoiceLedger, day: number): InvoicePosition {
  const balance = addMinor(ledger.invoice.amountMinor, -paidOn(ledger, day));
  return {
    outstanding: balance > 0 ? balance : 0,
    credit: balance < 0 ? -balance : 0,
    daysPastDue: day - ledger.dueDay,
  };
}

/** Groups payment attempts by invoice id once per account. */
export function paymentsByInvoice(payments: readonly PaymentAttempt[]): Map<string, PaymentAttempt[]> {
  const grouped = new Map<string, PaymentAttempt[]>();
  for (const payment of payments) {
    const list = grouped.get(payment.invoiceId);
    if (list === undefined) grouped.set(payment.invoiceId, [payment]);
    else list.push(payment);
  }
  return grouped;
}

export function buildLedgers(
  invoices: readonly Invoice[],
  payments: readonly PaymentAttempt[],
): InvoiceLedger[] {
  const grouped = paymentsByInvoice(payments);
  return invoices.map((invoice) => buildInvoiceLedger(invoice, grouped.get(invoice.invoiceId) ?? []));
}

export type AgingBuckets = {
  current: number;
  d1_30: number;
  d31_60: number;
  d61_90: number;
  d90Plus: number;
};

export type AgingBucket = keyof AgingBuckets;

export function emptyAging(): AgingBuckets {
  return { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d90Plus: 0 };
}

/** Aging counts from the due date: not yet due (or due today) is current. */
export function agingBucketOf(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'd1_30';
  if (daysPastDue <= 60) return 'd31_60';
  if (daysPastDue <= 90) return 'd61_90';
  return 'd90Plus';
}

export function dayOf(date: CalendarDate): number {
  return toDayNumber(date);
}
