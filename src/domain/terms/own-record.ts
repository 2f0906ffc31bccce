import { settledInFullDay, type InvoiceLedger } from '../invoice-ledger';
import { MAX_PAY_DAYS, transferPayDays } from './evidence';

/**
 * The buyer's own payment record, which leads its estimates. Each invoice whose outcome is known on
 * the day counts once: paid (days late on its own terms, 0 when on time) or unpaid past its due date
 * (days overdue so far). For invoices paid by transfer the days from issue to payment are kept too,
 * so they can be replayed under another term's net days.
 */
export type OwnInvoice = { daysLate: number; transferPayDays: number | null };

/**
 * How much the evidence about similar companies weighs against the buyer's own record, in invoices:
 * every estimate is (the buyer's own total + PRIOR_INVOICES × the similar companies' mean) /
 * (own invoices + PRIOR_INVOICES), the posterior mean of a beta-binomial (for the chance of paying
 * late) with the cohort as the prior. A buyer with 5 known invoices is half its own record; with 35,
 * seven eighths.
 */
export const PRIOR_INVOICES = 5;

/** The buyer's invoices whose outcome is known before `day`, oldest first. */
export function ownRecordOf(ledgers: readonly InvoiceLedger[], day: number): OwnInvoice[] {
  const record: { issuedDay: number; id: string; entry: OwnInvoice }[] = [];
  for (const ledger of ledgers) {
    if (ledger.issuedDay >= day || ledger.voidedDay <= day) continue;
    // Paid in full and not refunded since: a refunded invoice is owed again.
    const paidDay = settledInFullDay(ledger, day - 1);
    let daysLate: number;
    if (paidDay !== null) daysLate = Math.max(0, paidDay - ledger.dueDay);
    else if (ledger.dueDay < day - 1) daysLate = day - 1 - ledger.dueDay;
    else continue;
    record.push({
      issuedDay: ledger.issuedDay,
      id: ledger.invoice.invoiceId,
      entry: {
        daysLate: Math.min(MAX_PAY_DAYS, daysLate),
        transferPayDays: transferPayDays(ledger, day) ?? null,
      },
    });
  }
  return record
    .sort((a, b) => a.issuedDay - b.issuedDay || a.id.localeCompare(b.id))
    .map((item) => item.entry);
}

/** Days late of each own invoice had it been issued on `netDays` (by transfer) or charged by card. */
export function ownLateness(
  record: readonly OwnInvoice[],
  option: { netDays: number; autopay: boolean },
): number[] {
  // A card charge fails or not whatever the buyer's payables cycle: transfer-paid invoices say nothing about it.
  if (option.autopay)
    return record.flatMap((entry) => (entry.transferPayDays === null ? [entry.daysLate] : []));
  return record.map((entry) =>
    entry.transferPayDays === null ? entry.daysLate : Math.max(0, entry.transferPayDays - option.netDays),
  );
}

/** The buyer's own mean of `value` shrunk toward the similar companies' `prior` (see PRIOR_INVOICES). */
export function shrunkMean(own: readonly number[], value: (days: number) => number, prior: number): number {
  const total = own.reduce((sum, days) => sum + value(days), 0);
  return (total + PRIOR_INVOICES * prior) / (own.length + PRIOR_INVOICES);
}
