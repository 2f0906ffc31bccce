import { computeAccountStatus } from './account-status';
import { addDays } from './dates';
import { ageLoss, lossProbability, moneyAtRisk } from './money-at-risk';
import { cur, day, dispute, facts, invoice, payment, subscription } from './test-facts';

const asOf = day('2026-06-15');

function statusOf(overrides: Parameters<typeof facts>[0]) {
  return computeAccountStatus(facts(overrides), asOf, { renewalWindowDays: 90 });
}

/** One unpaid invoice `daysPastDue` days past due. */
function unpaid(amountMinor: number, daysPastDue: number, overrides: Parameters<typeof invoice>[0] = {}) {
  const dueOn = addDays(asOf, -daysPastDue);
  return invoice({ amountMinor, dueOn, issuedOn: addDays(dueOn, -30), ...overrides });
}

describe('the age curve and the account odds', () => {
  it('reads the curve at its points and between them', () => {
    expect(ageLoss(0)).toBeCloseTo(0.02);
    expect(ageLoss(90)).toBeCloseTo(0.3);
    // Half way from 30 days (6 %) to 60 days (15 %).
    expect(ageLoss(45)).toBeCloseTo(0.105);
    expect(ageLoss(1000)).toBeCloseTo(0.9);
  });

  it('keeps the curve for an account at the reference lateness and shifts it in odds otherwise', () => {
    expect(lossProbability(90, 0.5)).toBeCloseTo(0.3);
    // odds 0.3 / 0.7 times 9 (= 0.9 / 0.1): 27 / 7, as a probability 27 / 34.
    expect(lossProbability(90, 0.9)).toBeCloseTo(27 / 34);
    // odds 0.3 / 0.7 divided by 9: 1 / 21, as a probability 1 / 22.
    expect(lossProbability(90, 0.1)).toBeCloseTo(1 / 22);
    expect(lossProbability(90, null)).toBeCloseTo(0.3);
  });

  it("reads the account against the book's own share of the outcome, not against a half", () => {
    // An account as likely to be seriously late as the book (8 %) keeps the curve.
    expect(lossProbability(60, 0.08, 0.08)).toBeCloseTo(0.15);
    // Odds 0.25 (20 %) against the book's 0.125 (1 in 9): twice the odds. 0.15 → odds 3 / 17, doubled
    // 6 / 17, as a probability 6 / 23.
    expect(lossProbability(60, 0.2, 1 / 9)).toBeCloseTo(6 / 23);
    // Read against a half, the same 20 % would have made the debt look safer than the age says.
    expect(lossProbability(60, 0.2)).toBeLessThan(0.15);
  });
});

describe('moneyAtRisk', () => {
  it('adds the open balance times its loss probability to the renewal inside the window at stake', () => {
    const status = statusOf({
      invoices: [unpaid(100000, 90)],
      subscriptions: [
        subscription({ amountMinor: 10000, interval: 'month', renewsOn: addDays(asOf, 30) }),
        subscription({ subscriptionId: 'S-2', amountMinor: 500000, renewsOn: addDays(asOf, 200) }),
      ],
    });
    const withoutRenewal = moneyAtRisk(status, [], 0.5);
    // 100000 × 0.3; the renewal in 30 days is 12 months of 10000, lost with the invoice's 0.3.
    const withSubscriptions = moneyAtRisk(
      status,
      [
        subscription({ amountMinor: 10000, interval: 'month', renewsOn: addDays(asOf, 30) }),
        subscription({ subscriptionId: 'S-2', amountMinor: 500000, renewsOn: addDays(asOf, 200) }),
      ],
      0.5,
    );
    expect(withoutRenewal.byCurrency.USD?.totalMinor).toBe(30000);
    expect(withSubscriptions.byCurrency.USD).toEqual({
      balanceMinor: 30000,
      renewalMinor: 36000,
      totalMinor: 66000,
      outstandingMinor: 100000,
      renewalValueMinor: 120000,
    });
    expect(withSubscriptions.situations).toEqual(['overdue', 'renewal_at_risk']);
  });

  it('puts nothing of a healthy renewal at risk and keeps currencies apart', () => {
    const renewal = [subscription({ amountMinor: 120000, renewsOn: addDays(asOf, 20) })];
    const current = statusOf({ invoices: [unpaid(50000, -10)], subscriptions: renewal });
    const healthy = moneyAtRisk(current, renewal, 0.5);
    expect(healthy.situations).toEqual([]);
    expect(healthy.byCurrency.USD?.renewalMinor).toBe(0);
    expect(healthy.byCurrency.USD?.balanceMinor).toBe(1000);

    const mixed = statusOf({
      invoices: [unpaid(100000, 90), unpaid(100000, 90, { invoiceId: 'INV-2', currency: cur('EUR') })],
    });
    const split = moneyAtRisk(mixed, [], 0.5);
    expect(split.byCurrency.USD?.totalMinor).toBe(30000);
    expect(split.byCurrency.EUR?.totalMinor).toBe(30000);
  });

  it('ranks a large recent overdue balance above a tiny invoice hundreds of days old', () => {
    const tiny = moneyAtRisk(statusOf({ invoices: [unpaid(2900, 880)] }), [], 0.9);
    const large = moneyAtRisk(statusOf({ invoices: [unpaid(1000000, 20)] }), [], 0.2);
    expect(tiny.byCurrency.USD?.totalMinor).toBeLessThan(2900);
    expect(large.byCurrency.USD?.totalMinor).toBeGreaterThan(tiny.byCurrency.USD?.totalMinor ?? Infinity);
  });

  it('names an invoice the billing system marked uncollectible, and only such an invoice', () => {
    const writtenOff = statusOf({
      invoices: [unpaid(19900, 400, { uncollectibleOn: addDays(asOf, -300) })],
    });
    expect(moneyAtRisk(writtenOff, [], 0.5).situations).toEqual(['overdue', 'uncollectible']);
    // Marked after today: not yet.
    const later = statusOf({ invoices: [unpaid(19900, 400, { uncollectibleOn: addDays(asOf, 1) })] });
    expect(moneyAtRisk(later, [], 0.5).situations).toEqual(['overdue']);
  });

  it('names the situations a CSM filters by, and a revoked authorisation puts half the renewal at risk', () => {
    const renewal = [subscription({ amountMinor: 100000, renewsOn: addDays(asOf, 40) })];
    const status = statusOf({
      invoices: [unpaid(100000, 5), unpaid(20000, 3, { invoiceId: 'INV-2' })],
      payments: [
        payment({
          invoiceId: 'INV-1',
          status: 'failed',
          declineCode: 'revocation_of_authorization',
          attemptedOn: addDays(asOf, -5),
        }),
        payment({
          paymentId: 'P-2',
          invoiceId: 'INV-2',
          amountMinor: 20000,
          status: 'failed',
          declineCode: 'expired_card',
          attemptedOn: addDays(asOf, -1),
        }),
      ],
      disputes: [dispute({ invoiceId: 'INV-2', openedOn: addDays(asOf, -2) })],
      subscriptions: renewal,
    });
    const risk = moneyAtRisk(status, renewal, 0.5);
    expect(risk.situations).toEqual([
      'failed_payment',
      'disputed',
      'overdue',
      'renewal_at_risk',
      'churn_risk',
    ]);
    expect(risk.renewalLossProbability).toBe(0.5);
    expect(risk.byCurrency.USD?.renewalMinor).toBe(50000);
  });

  it('puts a chargeback on a paid invoice at risk, and calls a customer that has left no churn risk', () => {
    const paid = invoice({ dueOn: addDays(asOf, -40), issuedOn: addDays(asOf, -70) });
    const status = statusOf({
      invoices: [paid],
      payments: [payment({ attemptedOn: addDays(asOf, -45) })],
      disputes: [dispute({ openedOn: addDays(asOf, -10), amountMinor: 40000 })],
    });
    const risk = moneyAtRisk(status, [], 0.5);
    // Nothing outstanding; 40000 disputed at 60 %.
    expect(risk.byCurrency.USD?.totalMinor).toBe(24000);
    expect(risk.situations).toEqual(['disputed']);

    const left = statusOf({
      invoices: [unpaid(30000, 45)],
      subscriptions: [subscription({ startedOn: day('2025-01-01'), canceledOn: addDays(asOf, -60) })],
    });
    expect(left.churnSignals).toEqual(['all_subscriptions_canceled']);
    expect(moneyAtRisk(left, [], 0.5).situations).toEqual(['overdue']);
  });
});
