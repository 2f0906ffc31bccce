import type { CalendarDate } from '../../src/domain/dates';
import type {
  AccountFacts,
  Customer,
  Dispute,
  Invoice,
  PaymentAttempt,
  Subscription,
  TenantId,
} from '../../src/domain/model';
import type { CurrencyCode } from '../../src/domain/money';
import type { EntityCounts, ImportOutcome, LedgerStore, Lined } from '../../src/ports/ledger';

/** Rows of a billing ledger as the store contract suites import them. */
export const date = (text: string): CalendarDate => text as CalendarDate;
export const currency = (code: string): CurrencyCode => code as CurrencyCode;

export function customer(customerId: string, overrides: Partial<Customer> = {}): Customer {
  return {
    customerId,
    name: `Company ${customerId}`,
    segment: 'mid-market',
    owner: 'ana@example.com',
    paymentTerms: 'net_30',
    country: 'DE',
    crmCompanyId: `hs-${customerId}`,
    createdOn: date('2023-01-15'),
    employees: 240,
    fundingStage: 'series_b',
    ...overrides,
  };
}

export function bareCustomer(customerId: string): Customer {
  return {
    customerId,
    name: null,
    segment: null,
    owner: null,
    paymentTerms: null,
    country: null,
    crmCompanyId: null,
    createdOn: null,
    employees: null,
    fundingStage: null,
  };
}

export function invoice(invoiceId: string, customerId: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId,
    customerId,
    currency: currency('USD'),
    amountMinor: 120_000,
    issuedOn: date('2024-01-01'),
    dueOn: date('2024-01-31'),
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
    ...overrides,
  };
}

export function payment(
  paymentId: string,
  invoiceId: string,
  overrides: Partial<PaymentAttempt> = {},
): PaymentAttempt {
  return {
    paymentId,
    invoiceId,
    currency: currency('USD'),
    amountMinor: 120_000,
    attemptedOn: date('2024-01-31'),
    status: 'succeeded',
    declineCode: null,
    method: 'card',
    ...overrides,
  };
}

export function subscription(
  subscriptionId: string,
  customerId: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    subscriptionId,
    customerId,
    plan: 'pro',
    currency: currency('USD'),
    amountMinor: 120_000,
    interval: 'month',
    startedOn: date('2023-02-01'),
    renewsOn: date('2025-02-01'),
    status: 'active',
    canceledOn: null,
    ...overrides,
  };
}

export function dispute(disputeId: string, invoiceId: string, overrides: Partial<Dispute> = {}): Dispute {
  return {
    disputeId,
    invoiceId,
    openedOn: date('2024-02-10'),
    resolvedOn: null,
    reason: 'product_not_received',
    amountMinor: null,
    outcome: null,
    ...overrides,
  };
}

export type Dataset = {
  customers?: Customer[];
  subscriptions?: Subscription[];
  invoices?: Invoice[];
  payments?: PaymentAttempt[];
  disputes?: Dispute[];
};

/** Line numbers as a CSV file would give them: the header is line 1. */
export function lined<T>(rows: readonly T[] = []): Lined<T>[] {
  return rows.map((row, index) => ({ line: index + 2, row }));
}

export async function stageAll(store: LedgerStore, tenant: TenantId, data: Dataset) {
  const session = await store.beginImport(tenant);
  await session.stageCustomers(lined(data.customers));
  await session.stageSubscriptions(lined(data.subscriptions));
  await session.stageInvoices(lined(data.invoices));
  await session.stagePayments(lined(data.payments));
  await session.stageDisputes(lined(data.disputes));
  return session;
}

export async function importData(
  store: LedgerStore,
  tenant: TenantId,
  data: Dataset,
): Promise<ImportOutcome> {
  const session = await stageAll(store, tenant, data);
  expect(await session.findReferenceProblems(100)).toEqual([]);
  return session.commit();
}

export async function collect(iterable: AsyncIterable<AccountFacts>): Promise<AccountFacts[]> {
  const all: AccountFacts[] = [];
  for await (const facts of iterable) all.push(facts);
  return all;
}

export const ZERO: EntityCounts = { customers: 0, invoices: 0, payments: 0, subscriptions: 0, disputes: 0 };

/** Two customers with every kind of row, amounts in currencies with 0, 2 and 3 decimals. */
export function sampleDataset(): Dataset {
  return {
    customers: [customer('C-1'), customer('C-2', { country: 'JP', paymentTerms: null, createdOn: null })],
    subscriptions: [subscription('S-1', 'C-1')],
    invoices: [
      invoice('INV-1', 'C-1', { subscriptionId: 'S-1', paidOn: date('2024-01-31') }),
      invoice('INV-2', 'C-1', {
        currency: currency('KWD'),
        amountMinor: 1_234_567,
        issuedOn: date('2024-02-29'),
        dueOn: date('2024-03-01'),
      }),
      invoice('INV-3', 'C-2', {
        currency: currency('JPY'),
        amountMinor: 9_876_543_210,
        issuedOn: date('1999-12-31'),
        dueOn: date('2000-01-01'),
        voidedOn: date('2000-01-01'),
      }),
    ],
    payments: [
      payment('P-1', 'INV-1'),
      payment('P-2', 'INV-2', {
        currency: currency('KWD'),
        amountMinor: 1_000,
        status: 'failed',
        declineCode: 'insufficient_funds',
        attemptedOn: date('2024-03-01'),
      }),
    ],
    disputes: [
      dispute('D-1', 'INV-3', { amountMinor: 5_000_000_000, outcome: 'won', resolvedOn: date('2000-02-01') }),
    ],
  };
}
