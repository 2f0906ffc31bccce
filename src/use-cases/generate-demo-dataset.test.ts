import { addMonths, daysBetween, isCalendarDate, type CalendarDate } from '../domain/dates';
import type { Customer, Dispute, Invoice, PaymentAttempt, Subscription } from '../domain/model';
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
      for (const subscription of dataset.subscriptions) {
        const id = subscription.subscriptionId;
        past(subscription.startedOn, id);
        past(subscription.canceledOn, id);
        if (subscription.status === 'canceled') {
          check(subscription.canceledOn !== null && subscription.renewsOn === null, `${id}: canceled`);
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

    it('has a few disputes on card invoices, some resolved and some open', () => {
      expect(dataset.disputes.length).toBeGreaterThanOrEqual(5);
      expect(dataset.disputes.length).toBeLessThan(dataset.invoices.length / 100);
      for (const dispute of dataset.disputes) {
        const invoice = invoicesById.get(dispute.invoiceId);
        expect(isSelfServe(invoice?.customerId ?? '')).toBe(true);
      }
      expect(dataset.disputes.some((dispute) => dispute.outcome === null)).toBe(true);
      expect(new Set(dataset.disputes.map((dispute) => dispute.outcome))).toEqual(
        new Set(['won', 'lost', 'withdrawn', null]),
      );
      expect(new Set(dataset.disputes.map((dispute) => dispute.reason)).size).toBe(5);
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
