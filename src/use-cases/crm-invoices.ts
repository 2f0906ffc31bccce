import type { AccountStatus } from '../domain/account-status';
import { addDays, type CalendarDate } from '../domain/dates';
import type { AccountFacts } from '../domain/model';
import type { CrmInvoice } from '../ports/crm-gateway';

/** Paid and voided invoices stay in the CRM's list this long after they closed. */
export const RECENTLY_CLOSED_DAYS = 90;

/**
 * The invoices one account shows in the CRM: every open one (disputed when a dispute is open), and
 * those paid or voided in the last `RECENTLY_CLOSED_DAYS` days, so a record written while open is
 * brought to its final state.
 */
export function crmInvoices(
  facts: AccountFacts,
  status: AccountStatus,
  companyId: string,
  asOf: CalendarDate,
): CrmInvoice[] {
  const since = addDays(asOf, -RECENTLY_CLOSED_DAYS);
  const open = new Map(status.openInvoices.map((invoice) => [invoice.invoiceId, invoice]));
  const out: CrmInvoice[] = [];
  for (const invoice of facts.invoices) {
    const base = {
      invoiceId: invoice.invoiceId,
      companyId,
      currency: invoice.currency,
      amountMinor: invoice.amountMinor,
      issuedOn: invoice.issuedOn,
      dueOn: invoice.dueOn,
    };
    const current = open.get(invoice.invoiceId);
    if (current !== undefined) {
      out.push({
        ...base,
        outstandingMinor: current.outstandingMinor,
        paidOn: null,
        daysPastDue: current.daysPastDue,
        status: current.disputed ? 'disputed' : 'open',
      });
      continue;
    }
    if (invoice.issuedOn > asOf) continue;
    const paidOn =
      invoice.voidedOn === null
        ? (invoice.paidOn ??
          facts.payments
            .filter((payment) => payment.invoiceId === invoice.invoiceId && payment.status === 'succeeded')
            .map((payment) => payment.attemptedOn)
            .filter((on) => on <= asOf)
            .sort()
            .at(-1) ??
          null)
        : null;
    const closedOn = invoice.voidedOn ?? paidOn ?? invoice.dueOn;
    if (closedOn < since || closedOn > asOf) continue;
    out.push({
      ...base,
      outstandingMinor: 0,
      paidOn,
      daysPastDue: 0,
      status: invoice.voidedOn === null ? 'paid' : 'void',
    });
  }
  return out;
}
