import { fromDayNumber, toDayNumber, type CalendarDate } from './dates';
import { buildInvoiceLedger, type InvoiceLedger, type LedgerEntry } from './invoice-ledger';
import type { Invoice, PaymentAttempt } from './model';
import { addMinor } from './money';

/** One invoice with all of its payment attempts, as stored before or after a write. */
export type InvoiceHistory = { invoice: Invoice; payments: readonly PaymentAttempt[] };

/** The first day on which the paid amount differs between two ledgers' movements; Infinity if never. */
function firstDayPaidDiffers(a: readonly LedgerEntry[], b: readonly LedgerEntry[]): number {
  const days = [...new Set([...a, ...b].map((entry) => entry.day))].sort((x, y) => x - y);
  let paidA = 0;
  let paidB = 0;
  let nextA = 0;
  let nextB = 0;
  for (const day of days) {
    for (; nextA < a.length && (a[nextA] as LedgerEntry).day === day; nextA += 1)
      paidA = addMinor(paidA, (a[nextA] as LedgerEntry).delta);
    for (; nextB < b.length && (b[nextB] as LedgerEntry).day === day; nextB += 1)
      paidB = addMinor(paidB, (b[nextB] as LedgerEntry).delta);
    if (paidA !== paidB) return day;
  }
  return Infinity;
}

function firstFailureDay(ledger: InvoiceLedger): number {
  const first = ledger.failures[0];
  return first === undefined ? Infinity : toDayNumber(first.attemptedOn);
}

/**
 * The first day whose portfolio figures (AR, aging, sales, CEI's beginning AR, failed-payment recovery)
 * can read an invoice differently after a write than before it; null when no day does. A report reads
 * an invoice as of a day through: whether it counts (issued, not voided), its amount, currency, issue
 * month and due day, the paid amount up to that day, and its first failed attempt.
 */
export function firstDayFiguresChange(
  before: InvoiceHistory | undefined,
  after: InvoiceHistory | undefined,
): CalendarDate | null {
  if (before === undefined && after === undefined) return null;
  const old = before === undefined ? undefined : buildInvoiceLedger(before.invoice, before.payments);
  const now = after === undefined ? undefined : buildInvoiceLedger(after.invoice, after.payments);
  if (old === undefined || now === undefined) {
    const only = (old ?? now) as InvoiceLedger;
    return fromDayNumber(only.issuedDay);
  }
  const issued = Math.min(old.issuedDay, now.issuedDay);
  if (
    old.issuedDay !== now.issuedDay ||
    old.dueDay !== now.dueDay ||
    old.invoice.amountMinor !== now.invoice.amountMinor ||
    old.invoice.currency !== now.invoice.currency ||
    old.invoice.customerId !== now.invoice.customerId
  )
    return fromDayNumber(issued);
  const first = Math.min(
    old.voidedDay === now.voidedDay ? Infinity : Math.min(old.voidedDay, now.voidedDay),
    firstDayPaidDiffers(old.entries, now.entries),
    firstFailureDay(old) === firstFailureDay(now)
      ? Infinity
      : Math.min(firstFailureDay(old), firstFailureDay(now)),
  );
  // Nothing of an invoice is read before its issue day.
  return first === Infinity ? null : fromDayNumber(Math.max(first, issued));
}
