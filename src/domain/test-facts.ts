import type { CalendarDate } from './dates';
import type { AccountFacts, Customer, Dispute, Invoice, PaymentAttempt, Subscription } from './model';
import type { CurrencyCode } from './money';

/** Factories for domain tests: a valid object with overrides. */
export const day = (text: string): CalendarDate => text as CalendarDate;
export const cur = (code: string): CurrencyCode => code as CurrencyCode;

export function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    customerId: 'C-1',
    name: 'Acme',
    segment: 'smb',
    owner: 'dana',
    paymentTerms: 'net_30',
    country: 'US',
    crmCompanyId: null,
    createdOn: null,
    employees: null,
    fundingStage: null,
    ...overrides,
  };
}

export function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId: 'INV-1',
    customerId: 'C-1',
    currency: cur('USD'),
    amountMinor: 100000,
    issuedOn: day('2026-01-01'),
    dueOn: day('2026-01-31'),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
    ...overrides,
  };
}

export function payment(overrides: Partial<PaymentAttempt> = {}): PaymentAttempt {
  return {
    paymentId: 'P-1',
    invoiceId: 'INV-1',
    currency: cur('USD'),
    amountMinor: 100000,
    attemptedOn: day('2026-01-31'),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
    ...overrides,
  };
}

export function dispute(overrides: Partial<Dispute> = {}): Dispute {
  return {
    disputeId: 'D-1',
    invoiceId: 'INV-1',
    openedOn: day('2026-02-10'),
    resolvedOn: null,
    reason: 'product_not_received',
    amountMinor: null,
    outcome: null,
    ...overrides,
  };
}

export function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    subscriptionId: 'S-1',
    customerId: 'C-1',
    plan: 'pro',
    currency: cur('USD'),
    amountMinor: 100000,
    interval: 'year',
    startedOn: day('2025-06-01'),
    renewsOn: day('2026-06-01'),
    status: 'active',
    canceledOn: null,
    ...overrides,
  };
}

export function facts(overrides: Partial<AccountFacts> = {}): AccountFacts {
  return { customer: customer(), invoices: [], payments: [], subscriptions: [], disputes: [], ...overrides };
}
