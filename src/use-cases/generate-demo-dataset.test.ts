import { computeAccountStatus, type AccountStatus } from '../domain/account-status';
import { buildPortfolioReport, type CurrencyMetrics } from '../domain/ar-metrics';
import { addMonths, daysBetween, isCalendarDate, type CalendarDate } from '../domain/dates';
import type { AccountFacts, Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../domain/model';
import type { DatasetRow } from '../ports/dataset';
import { generateDemoDataset, type DemoDatasetOptions } from './generate-demo-dataset';

const AS_OF = '2026-11-15' as CalendarDate;

type Dataset = {
  order: DatasetRow[];
  customers: Customer[];
  subscriptions: Subscription[];
  invoices: Invoice[];
  payments: PaymentAttempt[];
  disputes: Dispute[];
};

function collect(options: DemoDatasetOptions): Dataset {
  const dataset: Dataset = {
    order: [],
    customers: [],
    subscriptions: [],
    invoices: [],
    payments: [],
    disputes: [],
  };
  for (const entry of generateDemoDataset(options)) {
    dataset.order.push(entry);
    switch (entry.file) {
      case 'customers.csv':
        dataset.customers.push(entry.row);
        break;
      case 'subscriptions.csv':
        dataset.subscriptions.push(entry.row);
        break;
      case 'invoices.csv':
        dataset.invoices.push(entry.row);
        break;
      case 'payments.csv':
        dataset.payments.push(entry.row);
        break;
      case 'disputes.csv':
        dataset.disputes.push(entry.row);
        break;
    }
  }
  return dataset;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The day an invoice became fully paid under the import's rules, or null if it is not (yet). */
function paidInFullOn(invoice: Invoice, payments: readonly PaymentAttempt[]): CalendarDate | null {
  if (payments.length === 0) return invoice.paidOn;
  let paid = 0;
  for (const payment of [...payments].sort((a, b) => a.attemptedOn.localeCompare(b.attemptedOn))) {
    if (payment.status === 'succeeded') paid += payment.amountMinor;
    if (payment.status === 'refunded') paid -= payment.amountMinor;
    if (paid >= invoice.amountMinor) return payment.attemptedOn;
  }
  return null;
}

function netPaid(payments: readonly PaymentAttempt[]): number {
  return payments.reduce(
    (sum, payment) =>
      sum +
      (payment.status === 'succeeded'
        ? payment.amountMinor
        : payment.status === 'refunded'
          ? -payment.amountMinor
          : 0),
    0,
  );
}

/** Each customer's facts, as the import would hand them to the engine. */
function accountsOf(dataset: Dataset): AccountFacts[] {
  const byCustomer = new Map<string, AccountFacts>();
  for (const customer of dataset.customers) {
    byCustomer.set(customer.customerId, {
      customer,
      invoices: [],
      payments: [],
      subscriptions: [],
      disputes: [],
    });
  }
  const invoiceOwner = new Map(dataset.invoices.map((invoice) => [invoice.invoiceId, invoice.customerId]));
  const factsOf = (customerId: string | undefined): AccountFacts => {
    const facts = byCustomer.get(customerId ?? '');
    if (facts === undefined) throw new Error(`no customer ${customerId}`);
    return facts;
  };
  for (const row of dataset.subscriptions) factsOf(row.customerId).subscriptions.push(row);
  for (const row of dataset.invoices) factsOf(row.customerId).invoices.push(row);
  for (const row of dataset.payments) factsOf(invoiceOwner.get(row.invoiceId)).payments.push(row);
  for (const row of dataset.disputes) factsOf(invoiceOwner.get(row.invoiceId)).disputes.push(row);
  return [...byCustomer.values()];
}

function expectUnique(ids: readonly string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
}

describe('generateDemoDataset', () => {
  let dataset: Dataset;
  let paymentsByInvoice: Map<string, PaymentAttempt[]>;
  let customersById: Map<string, Customer>;
  let invoicesById: Map<string, Invoice>;

  beforeAll(() => {
    dataset = collect({ customers: 2000, seed: 2026, asOf: AS_OF });
    paymentsByInvoice = groupBy(dataset.payments, (payment) => payment.invoiceId);
    customersById = new Map(dataset.customers.map((customer) => [customer.customerId, customer]));
    invoicesById = new Map(dataset.invoices.map((invoice) => [invoice.invoiceId, invoice]));
  });

  const paymentsOf = (invoice: Invoice): PaymentAttempt[] => paymentsByInvoice.get(invoice.invoiceId) ?? [];
  const isSelfServe = (customerId: string): boolean =>
    customersById.get(customerId)?.paymentTerms === 'due_on_receipt';

  describe('determinism and streaming', () => {
    it('gives the same rows for the same seed and options, and different rows for another seed', () => {
      const options = { customers: 200, seed: 7, asOf: AS_OF };
      expect(collect(options).order).toEqual(collect(options).order);
      expect(collect({ ...options, seed: 8 }).order).not.toEqual(collect(options).order);
    });

    it('generates lazily, customer by customer', () => {
      const rows = generateDemoDataset({ customers: 1_000_000_000, seed: 1, asOf: AS_OF });
      const first: DatasetRow[] = [];
      for (const row of rows) {
        first.push(row);
        if (first.length === 100) break;
      }
      expect(first[0]?.file).toBe('customers.csv');
      expect(first).toHaveLength(100);
    });

    it('emits nothing for zero customers and rejects invalid options', () => {
      expect(collect({ customers: 0, seed: 1, asOf: AS_OF }).order).toEqual([]);
      expect(() => collect({ customers: -1, seed: 1, asOf: AS_OF })).toThrow(RangeError);
      expect(() => collect({ customers: 1.5, seed: 1, asOf: AS_OF })).toThrow(RangeError);
      expect(() => collect({ customers: 1, seed: 0.5, asOf: AS_OF })).toThrow(RangeError);
      expect(() => collect({ customers: 1, seed: 1, asOf: '2026-02-30' as CalendarDate })).toThrow(
        RangeError,
      );
      expect(() => collect({ customers: 1, seed: 1, asOf: AS_OF, years: 0 })).toThrow(RangeError);
    });

    it('keeps a one-year history ending on a leap day inside its window', () => {
      const asOf = '2028-02-29' as CalendarDate;
      const small = collect({ customers: 300, seed: 3, asOf, years: 1 });
      const dates = [
        ...small.customers.map((row) => row.createdOn),
        ...small.subscriptions.flatMap((row) => [row.startedOn, row.canceledOn]),
        ...small.invoices.flatMap((row) => [row.issuedOn, row.paidOn, row.voidedOn]),
        ...small.payments.map((row) => row.attemptedOn),
        ...small.disputes.flatMap((row) => [row.openedOn, row.resolvedOn]),
      ].filter((date): date is CalendarDate => date !== null);
      const outside = dates.filter((date) => !isCalendarDate(date) || date > asOf || date < '2027-02-28');
      expect(outside).toEqual([]);
      expect(small.invoices.length).toBeGreaterThan(300);
      const live = small.subscriptions.filter((row) => row.status !== 'canceled');
      expect(live.filter((row) => (row.renewsOn ?? '') <= asOf)).toEqual([]);
    });

    it('emits a customer before any of its rows, and each file in id order', () => {
      const seen = new Set<string>();
      for (const entry of dataset.order) {
        if (entry.file === 'customers.csv') seen.add(entry.row.customerId);
        else if (entry.file === 'invoices.csv' || entry.file === 'subscriptions.csv') {
          if (!seen.has(entry.row.customerId)) throw new Error(`${entry.file} row before its customer`);
        }
      }
      for (const ids of [
        dataset.customers.map((row) => row.customerId),
        dataset.invoices.map((row) => row.invoiceId),
        dataset.payments.map((row) => row.paymentId),
        dataset.disputes.map((row) => row.disputeId),
      ]) {
        expect(ids).toEqual([...ids].sort());
      }
    });
  });

  describe('integrity and format', () => {
    // Violations are collected and compared once: an expect() per row would dominate the runtime.
    let problems: string[];
    const check = (ok: boolean, message: string): void => {
      if (!ok && problems.length < 20) problems.push(message);
    };
    beforeEach(() => {
      problems = [];
    });
    afterEach(() => {
      expect(problems).toEqual([]);
    });

    it('has unique ids in every file', () => {
      expectUnique(dataset.customers.map((row) => row.customerId));
      expectUnique(dataset.subscriptions.map((row) => row.subscriptionId));
      expectUnique(dataset.invoices.map((row) => row.invoiceId));
      expectUnique(dataset.payments.map((row) => row.paymentId));
      expectUnique(dataset.disputes.map((row) => row.disputeId));
      const crmIds = dataset.customers.flatMap((row) =>
        row.crmCompanyId === null ? [] : [row.crmCompanyId],
      );
      expectUnique(crmIds);
      for (const id of crmIds) check(/^[1-9]\d{9,11}$/.test(id), `crm id ${id}`);
    });

    it('references only rows that exist, in the same currency and for the same customer', () => {
      const subscriptions = new Map(dataset.subscriptions.map((row) => [row.subscriptionId, row]));
      for (const subscription of dataset.subscriptions) {
        check(customersById.has(subscription.customerId), `${subscription.subscriptionId}: unknown customer`);
      }
      for (const invoice of dataset.invoices) {
        check(customersById.has(invoice.customerId), `${invoice.invoiceId}: unknown customer`);
        if (invoice.subscriptionId === null) continue;
        const subscription = subscriptions.get(invoice.subscriptionId);
        check(
          subscription?.customerId === invoice.customerId,
          `${invoice.invoiceId}: subscription of another customer`,
        );
        check(
          subscription?.currency === invoice.currency,
          `${invoice.invoiceId}: subscription in another currency`,
        );
      }
      for (const payment of dataset.payments) {
        check(
          invoicesById.get(payment.invoiceId)?.currency === payment.currency,
          `${payment.paymentId}: currency`,
        );
      }
      for (const dispute of dataset.disputes) {
        const invoice = invoicesById.get(dispute.invoiceId);
        const amount = dispute.amountMinor ?? 0;
        check(invoice !== undefined, `${dispute.disputeId}: unknown invoice`);
        check(amount > 0 && amount <= (invoice?.amountMinor ?? 0), `${dispute.disputeId}: amount ${amount}`);
      }
    });

    it('has valid dates, in order, with nothing after asOf and nothing before the history', () => {
      const historyStart = addMonths(AS_OF, -36);
      const past = (date: CalendarDate | null, what: string): void => {
        if (date === null) return;
        check(isCalendarDate(date) && date <= AS_OF && date >= historyStart, `${what}: ${date}`);
      };
      for (const customer of dataset.customers) past(customer.createdOn, customer.customerId);
      const invoicesBySubscription = groupBy(dataset.invoices, (invoice) => invoice.subscriptionId ?? '');
      for (const subscription of dataset.subscriptions) {
        const id = subscription.subscriptionId;
        past(subscription.startedOn, id);
        past(subscription.canceledOn, id);
        if (subscription.status === 'canceled') {
          check(subscription.canceledOn !== null && subscription.renewsOn === null, `${id}: canceled`);
          // canceled_on is when the cancellation took effect: nothing is billed for a period from then on.
          const billedAfter = (invoicesBySubscription.get(id) ?? []).filter(
            (invoice) => invoice.issuedOn >= (subscription.canceledOn ?? AS_OF),
          );
          check(billedAfter.length === 0, `${id}: billed on or after canceled_on`);
        } else {
          check(subscription.canceledOn === null, `${id}: canceled_on on a live subscription`);
          const renewsOn = subscription.renewsOn ?? '';
          check(isCalendarDate(renewsOn) && renewsOn > AS_OF, `${id}: renews_on ${renewsOn}`);
        }
      }
      for (const invoice of dataset.invoices) {
        const id = invoice.invoiceId;
        past(invoice.issuedOn, id);
        past(invoice.paidOn, id);
        past(invoice.voidedOn, id);
        past(invoice.uncollectibleOn ?? null, id);
        check(
          (invoice.uncollectibleOn ?? invoice.issuedOn) >= invoice.issuedOn,
          `${id}: uncollectible early`,
        );
        check(isCalendarDate(invoice.dueOn) && invoice.dueOn >= invoice.issuedOn, `${id}: due_on`);
        check((invoice.voidedOn ?? invoice.issuedOn) >= invoice.issuedOn, `${id}: voided before issued`);
        check((invoice.paidOn ?? invoice.issuedOn) >= invoice.issuedOn, `${id}: paid before issued`);
      }
      for (const payment of dataset.payments) {
        past(payment.attemptedOn, payment.paymentId);
        const issuedOn = invoicesById.get(payment.invoiceId)?.issuedOn ?? '';
        check(payment.attemptedOn >= issuedOn, `${payment.paymentId}: attempted before issue`);
      }
      for (const dispute of dataset.disputes) {
        past(dispute.openedOn, dispute.disputeId);
        past(dispute.resolvedOn, dispute.disputeId);
        check((dispute.resolvedOn === null) === (dispute.outcome === null), `${dispute.disputeId}: outcome`);
        check(
          (dispute.resolvedOn ?? dispute.openedOn) >= dispute.openedOn,
          `${dispute.disputeId}: resolved early`,
        );
      }
    });

    it('has positive whole minor-unit amounts and decline codes exactly on failed payments', () => {
      for (const row of [...dataset.invoices, ...dataset.payments, ...dataset.subscriptions]) {
        check(Number.isSafeInteger(row.amountMinor) && row.amountMinor > 0, `amount ${row.amountMinor}`);
      }
      for (const payment of dataset.payments) {
        check(
          (payment.declineCode === null) === (payment.status !== 'failed'),
          `${payment.paymentId}: decline`,
        );
        check(
          /^[a-z_]+$/.test(payment.declineCode ?? 'none'),
          `${payment.paymentId}: ${payment.declineCode}`,
        );
      }
    });

    it('pays an invoice at most once in full: paid_on agrees with its payment rows', () => {
      for (const invoice of dataset.invoices) {
        const payments = paymentsOf(invoice);
        if (payments.length === 0) continue;
        const net = netPaid(payments);
        const id = invoice.invoiceId;
        check(net >= 0 && net <= invoice.amountMinor, `${id}: net paid ${net}`);
        check((invoice.paidOn !== null) === (net === invoice.amountMinor), `${id}: paid_on vs payments`);
        if (invoice.paidOn !== null)
          check(paidInFullOn(invoice, payments) === invoice.paidOn, `${id}: paid_on day`);
        if (invoice.voidedOn !== null) check(net < invoice.amountMinor, `${id}: voided although paid`);
      }
    });
  });

  describe('realism', () => {
    it('has both self-serve card customers and sales-led invoiced customers on net terms', () => {
      const terms = groupBy(dataset.customers, (customer) => customer.paymentTerms ?? '');
      expect((terms.get('due_on_receipt')?.length ?? 0) / dataset.customers.length).toBeGreaterThan(0.5);
      for (const net of ['net_30', 'net_45', 'net_60'])
        expect(terms.get(net)?.length ?? 0).toBeGreaterThan(10);
      const segments = new Set(dataset.customers.map((customer) => customer.segment));
      expect(segments).toEqual(new Set(['smb', 'mid_market', 'enterprise']));
      expect(new Set(dataset.customers.map((customer) => customer.owner)).size).toBeGreaterThanOrEqual(6);
      const withCrmId = dataset.customers.filter((customer) => customer.crmCompanyId !== null).length;
      expect(withCrmId / dataset.customers.length).toBeGreaterThan(0.75);

      const unexpectedTerms = dataset.invoices.filter((invoice) => {
        const days = daysBetween(invoice.issuedOn, invoice.dueOn);
        return isSelfServe(invoice.customerId) ? days !== 0 : ![30, 45, 60].includes(days);
      });
      expect(unexpectedTerms).toEqual([]);
      const cardPaid = dataset.payments.filter((payment) => payment.method === 'card').length;
      const transfers = dataset.payments.filter(
        (payment) => payment.method === 'ach' || payment.method === 'bank_transfer',
      );
      expect(cardPaid).toBeGreaterThan(dataset.invoices.length / 2);
      expect(transfers.length).toBeGreaterThan(0);
      // Most invoiced customers pay by transfer recorded only as paid_on.
      const salesLedPaid = dataset.invoices.filter(
        (invoice) => !isSelfServe(invoice.customerId) && invoice.paidOn,
      );
      const withRows = salesLedPaid.filter((invoice) => paymentsOf(invoice).length > 0);
      expect(withRows.length).toBeGreaterThan(0);
      expect(withRows.length / salesLedPaid.length).toBeLessThan(0.2);
    });

    it('averages about ten invoices per customer', () => {
      const perCustomer = dataset.invoices.length / dataset.customers.length;
      expect(perCustomer).toBeGreaterThan(7);
      expect(perCustomer).toBeLessThan(14);
    });

    it('bills mostly in USD, with some EUR, GBP, JPY and KWD customers', () => {
      const byCurrency = groupBy(dataset.subscriptions, (subscription) => subscription.currency);
      expect((byCurrency.get('USD')?.length ?? 0) / dataset.subscriptions.length).toBeGreaterThan(0.6);
      for (const currency of ['EUR', 'GBP', 'JPY', 'KWD'])
        expect(byCurrency.get(currency)?.length ?? 0).toBeGreaterThan(5);
    });

    it('has decline codes dominated by insufficient_funds and expired_card, with a few revocations', () => {
      const failed = dataset.payments.filter((payment) => payment.status === 'failed');
      const byCode = groupBy(failed, (payment) => payment.declineCode ?? '');
      const share = (code: string): number => (byCode.get(code)?.length ?? 0) / failed.length;
      expect(failed.length).toBeGreaterThan(100);
      expect(share('insufficient_funds') + share('expired_card')).toBeGreaterThan(0.6);
      expect(share('expired_card')).toBeGreaterThan(0.04);
      expect(byCode.get('revocation_of_authorization')?.length ?? 0).toBeGreaterThanOrEqual(1);
      for (const rare of ['revocation_of_authorization', 'stop_payment_order', 'lost_card', 'stolen_card']) {
        expect(share(rare)).toBeLessThan(0.05);
      }
      for (const code of ['generic_decline', 'do_not_honor', 'processing_error', 'authentication_required']) {
        expect(byCode.has(code)).toBe(true);
      }
    });

    it('recovers most soft declines by a later retry, and never blindly retries a hard one', () => {
      const failedFirst = dataset.invoices.filter((invoice) => paymentsOf(invoice)[0]?.status === 'failed');
      const recovered = failedFirst.filter((invoice) => invoice.paidOn !== null);
      expect(recovered.length / failedFirst.length).toBeGreaterThan(0.5);
      for (const invoice of failedFirst) {
        const payments = paymentsOf(invoice);
        const code = payments[0]?.declineCode;
        if (code === 'expired_card' || code === 'lost_card' || code === 'stolen_card') {
          expect(payments.filter((payment) => payment.status === 'failed')).toHaveLength(1);
        }
        const retry = payments[1];
        if (code === 'insufficient_funds' && retry !== undefined) {
          expect(
            daysBetween(payments[0]?.attemptedOn ?? retry.attemptedOn, retry.attemptedOn),
          ).toBeGreaterThanOrEqual(2);
        }
      }
    });

    it('has a few chargebacks on card invoices and contested invoices on net terms, some resolved and some open', () => {
      const onCard = dataset.disputes.filter((dispute) =>
        isSelfServe(invoicesById.get(dispute.invoiceId)?.customerId ?? ''),
      );
      const onTerms = dataset.disputes.filter((dispute) => !onCard.includes(dispute));
      expect(onCard.length).toBeGreaterThanOrEqual(5);
      expect(onTerms.length).toBeGreaterThanOrEqual(5);
      for (const disputes of [onCard, onTerms]) {
        expect(disputes.some((dispute) => dispute.outcome === null)).toBe(true);
        expect(new Set(disputes.map((dispute) => dispute.outcome))).toEqual(
          new Set(['won', 'lost', 'withdrawn', null]),
        );
      }
      expect(new Set(onCard.map((dispute) => dispute.reason)).size).toBe(5);
      // Nobody contests an invoice as card fraud.
      expect(onTerms.map((dispute) => dispute.reason)).not.toContain('fraudulent');
    });

    it('has voided invoices, refunds and partial payments', () => {
      expect(dataset.invoices.filter((invoice) => invoice.voidedOn !== null).length).toBeGreaterThan(5);
      expect(dataset.payments.filter((payment) => payment.status === 'refunded').length).toBeGreaterThan(0);
      const partiallyPaid = dataset.invoices.filter((invoice) => {
        const net = netPaid(paymentsOf(invoice));
        return net > 0 && net < invoice.amountMinor;
      });
      expect(partiallyPaid.length).toBeGreaterThan(0);
    });

    it('has invoices overdue as of asOf in every aging bucket', () => {
      const buckets = new Map<string, number>();
      for (const invoice of dataset.invoices) {
        if (invoice.voidedOn !== null || invoice.dueOn >= AS_OF) continue;
        if (paidInFullOn(invoice, paymentsOf(invoice)) !== null) continue;
        const days = daysBetween(invoice.dueOn, AS_OF);
        const bucket = days <= 30 ? '1-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : '90+';
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
      }
      for (const bucket of ['1-30', '31-60', '61-90', '90+'])
        expect(buckets.get(bucket) ?? 0).toBeGreaterThan(0);
      const notYetDue = dataset.invoices.filter(
        (invoice) => invoice.dueOn > AS_OF && invoice.paidOn === null,
      );
      expect(notYetDue.length).toBeGreaterThan(0);
    });

    it('has about half of invoiced (net terms) payments arrive late', () => {
      const paid = dataset.invoices.flatMap((invoice) => {
        if (isSelfServe(invoice.customerId) || invoice.voidedOn !== null) return [];
        const on = paidInFullOn(invoice, paymentsOf(invoice));
        return on === null ? [] : [daysBetween(invoice.dueOn, on)];
      });
      const lateShare = paid.filter((days) => days > 0).length / paid.length;
      expect(lateShare).toBeGreaterThan(0.35);
      expect(lateShare).toBeLessThan(0.7);
    });

    it('spreads renewals over the year, with active, past-due, trialing and canceled subscriptions', () => {
      const live = dataset.subscriptions.filter((subscription) => subscription.status !== 'canceled');
      const annualMonths = new Set(
        live.filter((row) => row.interval === 'year').map((row) => (row.renewsOn ?? '').slice(5, 7)),
      );
      expect(annualMonths.size).toBeGreaterThanOrEqual(10);
      expect(new Set(dataset.subscriptions.map((row) => row.interval))).toEqual(
        new Set(['month', 'quarter', 'year']),
      );
      expect(new Set(dataset.subscriptions.map((row) => row.status))).toEqual(
        new Set(['active', 'past_due', 'trialing', 'canceled']),
      );
      const canceled = dataset.subscriptions.length - live.length;
      expect(canceled / dataset.subscriptions.length).toBeGreaterThan(0.1);
      expect(canceled / dataset.subscriptions.length).toBeLessThan(0.5);
    });

    it('shows lateness getting worse over the last invoices before most churners cancel', () => {
      const subscriptionsByCustomer = groupBy(dataset.subscriptions, (row) => row.customerId);
      const invoicesByCustomer = groupBy(
        dataset.invoices.filter((invoice) => invoice.voidedOn === null),
        (invoice) => invoice.customerId,
      );
      let churners = 0;
      let worsening = 0;
      for (const [customerId, subscriptions] of subscriptionsByCustomer) {
        if (!subscriptions.every((subscription) => subscription.status === 'canceled')) continue;
        const invoices = (invoicesByCustomer.get(customerId) ?? []).sort((a, b) =>
          a.issuedOn.localeCompare(b.issuedOn),
        );
        if (invoices.length < 6) continue;
        const daysLate = invoices.map((invoice) =>
          Math.max(0, daysBetween(invoice.dueOn, paidInFullOn(invoice, paymentsOf(invoice)) ?? AS_OF)),
        );
        churners += 1;
        if (mean(daysLate.slice(-3)) > mean(daysLate.slice(0, -3))) worsening += 1;
      }
      expect(churners).toBeGreaterThan(50);
      expect(worsening / churners).toBeGreaterThan(0.55);
    });
  });
});

/**
 * The ranges the README states for a generated book, checked on the demo book `npm start` loads
 * (DEMO_CUSTOMERS 400, DEMO_SEED 42) and on a larger one. Figures are in the main currency (USD).
 */
describe.each([
  { customers: 400, seed: 42 },
  { customers: 2000, seed: 2026 },
])('a book a SaaS company would recognise ($customers customers, seed $seed)', ({ customers, seed }) => {
  let dataset: Dataset;
  let statuses: { facts: AccountFacts; status: AccountStatus }[];
  let usd: CurrencyMetrics;

  beforeAll(() => {
    dataset = collect({ customers, seed, asOf: AS_OF });
    const accounts = accountsOf(dataset);
    statuses = accounts.map((facts) => ({ facts, status: computeAccountStatus(facts, AS_OF) }));
    const total = buildPortfolioReport(accounts, AS_OF).total.currencies.find((c) => c.currency === 'USD');
    if (total === undefined) throw new Error('no USD receivables');
    usd = total;
  });

  it('has a delinquency rate of 10–45 %, under 10 % of AR 90+ days past due, and countback DSO of 35–70 days', () => {
    const pastDue = usd.aging.d1_30 + usd.aging.d31_60 + usd.aging.d61_90 + usd.aging.d90Plus;
    expect(pastDue / usd.arMinor).toBeGreaterThanOrEqual(0.1);
    expect(pastDue / usd.arMinor).toBeLessThanOrEqual(0.45);
    expect(usd.aging.d90Plus / usd.arMinor).toBeLessThan(0.1);
    expect(usd.countbackDso).toBeGreaterThanOrEqual(35);
    expect(usd.countbackDso).toBeLessThanOrEqual(70);
  });

  it('fails 5–15 % of first card charges, and disputes 0.1–0.6 % of paid card invoices and 2–6 % of invoices on terms', () => {
    const byInvoice = groupBy(dataset.payments, (payment) => payment.invoiceId);
    const selfServe = new Set(
      dataset.customers.filter((c) => c.paymentTerms === 'due_on_receipt').map((c) => c.customerId),
    );
    const cardInvoices = dataset.invoices.filter((invoice) => selfServe.has(invoice.customerId));
    const charged = cardInvoices.filter((invoice) => (byInvoice.get(invoice.invoiceId) ?? []).length > 0);
    const firstFailed = charged.filter(
      (invoice) => byInvoice.get(invoice.invoiceId)?.[0]?.status === 'failed',
    );
    expect(firstFailed.length / charged.length).toBeGreaterThanOrEqual(0.05);
    expect(firstFailed.length / charged.length).toBeLessThanOrEqual(0.15);

    const disputed = new Set(dataset.disputes.map((dispute) => dispute.invoiceId));
    const paidCard = cardInvoices.filter((invoice) => invoice.paidOn !== null);
    const cardShare = paidCard.filter((invoice) => disputed.has(invoice.invoiceId)).length / paidCard.length;
    expect(cardShare).toBeGreaterThanOrEqual(0.001);
    expect(cardShare).toBeLessThanOrEqual(0.006);
    const onTerms = dataset.invoices.filter((invoice) => !selfServe.has(invoice.customerId));
    const termsShare = onTerms.filter((invoice) => disputed.has(invoice.invoiceId)).length / onTerms.length;
    expect(termsShare).toBeGreaterThanOrEqual(0.02);
    expect(termsShare).toBeLessThanOrEqual(0.06);
  });

  it('leaves no invoice open past the retry schedule (card) or 180 days (terms) unless uncollectible or disputed', () => {
    const unexplained: string[] = [];
    for (const { facts, status } of statuses) {
      const card = facts.customer.paymentTerms === 'due_on_receipt';
      for (const open of status.openInvoices) {
        // Card: the last retry is 20 days after the due day, and the dunning ends the next day.
        const limit = card ? 21 : 180;
        if (open.daysPastDue > limit && !open.uncollectible && !open.disputed) {
          unexplained.push(`${open.invoiceId} ${open.daysPastDue} days`);
        }
      }
    }
    expect(unexplained).toEqual([]);
  });

  it('has every situation the product handles', () => {
    const seen = new Set<string>();
    for (const { facts, status } of statuses) {
      for (const situation of status.situations) seen.add(situation);
      if (status.lastFailure !== null) seen.add(`failure:${status.lastFailure.class}`);
      for (const signal of status.churnSignals) seen.add(`churn:${signal}`);
      if (status.openInvoices.some((open) => open.uncollectible)) seen.add('uncollectible');
      if (
        status.openInvoices.some((open) => open.daysPastDue > 0 && !open.disputed) &&
        status.inRenewalWindow
      ) {
        seen.add('overdue near renewal');
      }
      if (status.openDisputes.length > 0) {
        seen.add(facts.customer.paymentTerms === 'due_on_receipt' ? 'open chargeback' : 'contested invoice');
      }
      for (const subscription of facts.subscriptions) seen.add(`subscription:${subscription.status}`);
      if (status.balances.some((balance) => balance.creditMinor > 0)) seen.add('credit');
    }
    const required = [
      'churn:all_subscriptions_canceled',
      'churn:payment_authorization_revoked',
      'contested invoice',
      'current',
      'disputed',
      'failed_payment',
      'failure:action_required',
      'failure:ambiguous',
      'failure:hard_new_data',
      'failure:hard_revoked',
      'failure:hard_risk',
      'failure:soft_funds',
      'overdue',
      'overdue near renewal',
      'payment_in_flight',
      'subscription:active',
      'subscription:canceled',
      'subscription:past_due',
      'subscription:trialing',
      'uncollectible',
    ];
    expect(required.filter((situation) => !seen.has(situation))).toEqual([]);
  });
});
