import fc from 'fast-check';
import { addDays, toDayNumber } from '../dates';
import { buildInvoiceLedger, settledInFullDay } from '../invoice-ledger';
import type { AccountFacts, Invoice, PaymentAttempt } from '../model';
import type { StoredPromise } from '../promises';
import { cur, customer, day, dispute, facts, invoice, payment } from '../test-facts';
import { areaUnderCurve, evaluate } from './evaluation';
import {
  computeInvoiceFeatures,
  lateOutcome,
  prepareHistory,
  seriouslyLateOutcome,
  type RiskPriors,
} from './features';
import { fitLogistic, scoreLogistic } from './logistic';
import { accountRisk, fitRiskModel, scoreInvoice, toStoredRiskModel } from './risk-model';

const priors: RiskPriors = { lateRate: 0.2, meanDaysLate: 5, lateRateBySegment: new Map([['smb', 0.25]]) };

/** A customer with monthly invoices; `lateness[i]` days late for invoice i (null = never paid). */
function monthlyCustomer(id: string, lateness: (number | null)[], segment = 'smb'): AccountFacts {
  const invoices: Invoice[] = lateness.map((late, i) => {
    const issuedOn = addDays(day('2024-01-01'), i * 30);
    const dueOn = addDays(issuedOn, 30);
    return invoice({
      invoiceId: `${id}-INV-${i}`,
      customerId: id,
      issuedOn,
      dueOn,
      paidOn: late === null ? null : addDays(dueOn, late),
    });
  });
  return facts({ customer: customer({ customerId: id, segment }), invoices });
}

/**
 * A deterministic portfolio: chronic late payers (every 4th invoice 120 days late), punctual
 * ones, and customers who turn late.
 */
function portfolio(): AccountFacts[] {
  const accounts: AccountFacts[] = [];
  for (let c = 0; c < 60; c += 1) {
    const kind = c % 3;
    const lateness = Array.from({ length: 18 }, (_, i) => {
      if (kind === 0) return (c + i) % 4 === 0 ? 120 : 12;
      if (kind === 1) return (c + i) % 9 === 0 ? 3 : 0;
      return i < 9 ? 0 : 20 + ((c + i) % 5);
    });
    accounts.push(
      monthlyCustomer(`C${String(c).padStart(2, '0')}`, lateness, c % 2 === 0 ? 'smb' : 'enterprise'),
    );
  }
  return accounts;
}

describe('features: no leakage', () => {
  const base = monthlyCustomer('C1', [0, 12, null, 40, 3, null]);
  const target = base.invoices[5] as Invoice;
  const predictionDay = toDayNumber(target.issuedOn);
  const features = (account: AccountFacts) =>
    computeInvoiceFeatures(prepareHistory(account), target, predictionDay, { withDisputes: true, priors })
      .values;

  it('ignores every fact dated on or after the prediction day', () => {
    const before = features(base);
    const later = target.issuedOn;
    const changed: AccountFacts = {
      ...base,
      invoices: [
        // An unpaid invoice gets paid on the prediction day, another one later.
        ...base.invoices.map((inv, i) => (i === 2 ? { ...inv, paidOn: later } : inv)),
        invoice({
          invoiceId: 'FUTURE',
          customerId: 'C1',
          issuedOn: later,
          dueOn: addDays(later, 1),
          amountMinor: 9_999_999,
        }),
      ],
      payments: [
        payment({
          paymentId: 'PF',
          invoiceId: 'C1-INV-4',
          status: 'failed',
          declineCode: 'stolen_card',
          attemptedOn: later,
        }),
        payment({
          paymentId: 'PR',
          invoiceId: 'C1-INV-4',
          status: 'failed',
          declineCode: 'revocation_of_authorization',
          attemptedOn: addDays(later, 3),
        }),
      ],
      disputes: [dispute({ disputeId: 'DF', invoiceId: 'C1-INV-3', openedOn: later })],
    };
    expect(features(changed)).toEqual(before);
  });

  it('does see facts from the day before', () => {
    const dayBefore = addDays(target.issuedOn, -1);
    const changed: AccountFacts = {
      ...base,
      payments: [
        payment({
          paymentId: 'PF',
          invoiceId: 'C1-INV-4',
          status: 'failed',
          declineCode: 'expired_card',
          attemptedOn: dayBefore,
        }),
      ],
      disputes: [dispute({ disputeId: 'D', invoiceId: 'C1-INV-3', openedOn: dayBefore })],
    };
    const after = features(changed);
    expect(after.recent_hard_declines).toBeGreaterThan(0);
    expect(after.open_disputes).toBeGreaterThan(0);
  });

  /**
   * Promises to pay, for the target issued 2024-05-30 (known day 2024-05-29). C1-INV-2 (due 2024-03-31)
   * stays unpaid until after the prediction day. P-B: USD 1,000.00 on it by 2024-04-15, deadline 04-18
   * (3 days' grace), recorded 04-01: nothing came in, broken.
   */
  const promised = (overrides: Partial<StoredPromise>): StoredPromise => ({
    promiseId: 'P-B',
    customerId: 'C1',
    amounts: [{ currency: cur('USD'), amountMinor: 100000 }],
    promisedOn: day('2024-04-15'),
    graceDays: 3,
    invoiceIds: ['C1-INV-2'],
    madeBy: null,
    note: null,
    recordedBy: 'dana',
    recordedOn: day('2024-04-01'),
    state: 'open',
    settledOn: null,
    received: [],
    ...overrides,
  });
  const withPromises = (account: AccountFacts, promises: StoredPromise[]) =>
    computeInvoiceFeatures(prepareHistory(account, promises), target, predictionDay, {
      withDisputes: true,
      priors,
    });

  it('counts a broken promise only once its deadline is before the known day', () => {
    const broken = withPromises(base, [promised({})]);
    expect(broken.values.broken_promises).toBeCloseTo(Math.log(2), 12);
    expect(broken.facts.promises.broken.map((promise) => promise.promiseId)).toEqual(['P-B']);
    // Everything else is as without promises.
    expect({ ...broken.values, broken_promises: 0 }).toEqual(features(base));
    expect(features(base).broken_promises).toBe(0);
    // Deadline 2024-05-28, the day before the known day: decided, and seen.
    const dayBefore = promised({ promiseId: 'P-D', promisedOn: day('2024-05-25') });
    expect(withPromises(base, [promised({}), dayBefore]).values.broken_promises).toBeCloseTo(Math.log(3), 12);
  });

  it('ignores promises recorded or falling due on or after the known day, and payments after a deadline', () => {
    const before = withPromises(base, [promised({})]).values;
    const recordedOnKnownDay = promised({
      promiseId: 'P-R',
      recordedOn: day('2024-05-29'),
      promisedOn: day('2024-05-01'),
    });
    const dueOnKnownDay = promised({
      promiseId: 'P-K',
      recordedOn: day('2024-05-01'),
      promisedOn: day('2024-05-26'),
    });
    const dueLater = promised({
      promiseId: 'P-L',
      recordedOn: day('2024-05-01'),
      promisedOn: day('2024-06-10'),
    });
    const recordedLater = promised({
      promiseId: 'P-F',
      recordedOn: target.issuedOn,
      promisedOn: day('2024-04-10'),
    });
    // The stored state says kept (settled later, or edited): the outcome is re-derived from the ledger.
    const storedAsKept = promised({ state: 'kept', settledOn: day('2024-06-01') });
    expect(
      withPromises(base, [storedAsKept, recordedOnKnownDay, dueOnKnownDay, dueLater, recordedLater]).values,
    ).toEqual(before);
    // C1-INV-2 paid on 2024-04-19, the day after P-B's deadline: P-B stays broken.
    const paidLate: AccountFacts = {
      ...base,
      invoices: base.invoices.map((inv, i) => (i === 2 ? { ...inv, paidOn: day('2024-04-19') } : inv)),
    };
    const afterDeadline = withPromises(paidLate, [promised({})]);
    expect(afterDeadline.values.broken_promises).toBe(before.broken_promises);
    expect(afterDeadline.facts.promises).toEqual(withPromises(base, [promised({})]).facts.promises);
    // Paid on the deadline itself: kept, so nothing counts.
    const paidInTime: AccountFacts = {
      ...base,
      invoices: base.invoices.map((inv, i) => (i === 2 ? { ...inv, paidOn: day('2024-04-18') } : inv)),
    };
    expect(withPromises(paidInTime, [promised({})]).values.broken_promises).toBe(0);
  });
});

describe('outcomes', () => {
  // Due 2026-01-31; 30 days past due is 2026-03-02.
  const due = day('2026-01-31');
  const ledgerOf = (overrides: Partial<Invoice>, payments: PaymentAttempt[] = []) =>
    buildInvoiceLedger(invoice({ dueOn: due, ...overrides }), payments);
  const on = (text: string) => toDayNumber(day(text));

  it('is seriously late when still unpaid 30 days after the due date, not one day sooner', () => {
    expect(seriouslyLateOutcome(ledgerOf({ paidOn: day('2026-03-02') }), on('2026-06-01'))).toBe(false);
    expect(seriouslyLateOutcome(ledgerOf({ paidOn: day('2026-03-03') }), on('2026-06-01'))).toBe(true);
    expect(seriouslyLateOutcome(ledgerOf({}), on('2026-03-02'))).toBeUndefined();
    expect(seriouslyLateOutcome(ledgerOf({}), on('2026-03-03'))).toBe(true);
    expect(seriouslyLateOutcome(ledgerOf({ voidedOn: day('2026-02-10') }), on('2026-06-01'))).toBeUndefined();
    expect(seriouslyLateOutcome(ledgerOf({ voidedOn: day('2026-04-10') }), on('2026-06-01'))).toBe(true);
  });

  it('reopens an invoice whose payment was refunded', () => {
    const paid = payment({ paymentId: 'P1', attemptedOn: day('2026-01-20') });
    const refund = payment({ paymentId: 'P2', attemptedOn: day('2026-02-05'), status: 'refunded' });
    const refunded = ledgerOf({}, [paid, refund]);
    expect(settledInFullDay(refunded, on('2026-02-04'))).toBe(on('2026-01-20'));
    expect(settledInFullDay(refunded, on('2026-02-05'))).toBeNull();
    expect(lateOutcome(refunded, on('2026-02-04'))).toBe(false);
    expect(lateOutcome(refunded, on('2026-02-10'))).toBe(true);
    expect(seriouslyLateOutcome(refunded, on('2026-06-01'))).toBe(true);
    // Paid again on 2026-02-20: paid in full from that day, 20 days late.
    const repaid = ledgerOf({}, [paid, refund, payment({ paymentId: 'P3', attemptedOn: day('2026-02-20') })]);
    expect(settledInFullDay(repaid, on('2026-06-01'))).toBe(on('2026-02-20'));
    expect(seriouslyLateOutcome(repaid, on('2026-06-01'))).toBe(false);
  });
});

describe('logistic regression and evaluation', () => {
  it('recovers the direction and size of a known effect, deterministically', () => {
    const samples = Array.from({ length: 4000 }, (_, i) => {
      const x = ((i * 7919) % 1000) / 1000;
      const p = 1 / (1 + Math.exp(-(-2 + 4 * x)));
      const y: 0 | 1 = ((i * 104729) % 1000) / 1000 < p ? 1 : 0;
      return { x: [x, ((i * 31) % 17) / 17], y };
    });
    const model = fitLogistic(samples, ['signal', 'noise'], { lambda: 0.01 });
    const again = fitLogistic(samples, ['signal', 'noise'], { lambda: 0.01 });
    expect(again).toEqual(model);
    const signalPerUnit = (model.weights[0] as number) / (model.scales[0] as number);
    expect(signalPerUnit).toBeGreaterThan(3);
    expect(signalPerUnit).toBeLessThan(5);
    expect(Math.abs(model.weights[1] as number)).toBeLessThan(0.2);
    expect(scoreLogistic(model, [0.9, 0.5]).probability).toBeGreaterThan(
      scoreLogistic(model, [0.1, 0.5]).probability,
    );
  });

  it('stays finite on perfectly separable data', () => {
    const samples = Array.from({ length: 200 }, (_, i) => ({
      x: [i < 100 ? 0 : 1],
      y: (i < 100 ? 0 : 1) as 0 | 1,
    }));
    const model = fitLogistic(samples, ['x'], { lambda: 1 });
    expect(Number.isFinite(model.weights[0] as number)).toBe(true);
    expect(scoreLogistic(model, [1]).probability).toBeGreaterThan(0.9);
  });

  it('computes AUC, Brier, log loss and calibration', () => {
    expect(
      areaUnderCurve([
        { probability: 0.9, late: true },
        { probability: 0.1, late: false },
      ]),
    ).toBe(1);
    expect(
      areaUnderCurve([
        { probability: 0.1, late: true },
        { probability: 0.9, late: false },
      ]),
    ).toBe(0);
    expect(
      areaUnderCurve([
        { probability: 0.5, late: true },
        { probability: 0.5, late: false },
      ]),
    ).toBe(0.5);
    const result = evaluate([
      { probability: 0.8, late: true },
      { probability: 0.2, late: false },
      { probability: 0.6, late: false },
      { probability: 0.4, late: true },
    ]);
    expect(result.n).toBe(4);
    expect(result.lateRate).toBe(0.5);
    expect(result.auc).toBe(0.75);
    expect(result.brier).toBeCloseTo((0.04 + 0.04 + 0.36 + 0.36) / 4, 10);
    expect(result.logLoss).toBeCloseTo(
      -(Math.log(0.8) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4,
      10,
    );
    expect(result.calibration.filter((bin) => bin.n > 0).map((bin) => [bin.n, bin.observedRate])).toEqual([
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('the risk model', () => {
  const accounts = portfolio();
  const histories = accounts.map((account) => prepareHistory(account));
  const model = fitRiskModel(histories, day('2025-06-01'));

  it('is deterministic', () => {
    expect(
      toStoredRiskModel(
        fitRiskModel(
          accounts.map((account) => prepareHistory(account)),
          day('2025-06-01'),
        ),
      ),
    ).toEqual(toStoredRiskModel(model));
  });

  it('ranks chronic late payers above punctual ones, with reasons that match their contributions', () => {
    const asOf = day('2025-06-01');
    // C03 has an invoice unpaid 97 days past due on asOf; C01 pays on time.
    const chronic = accountRisk(model, histories[3]!, asOf);
    const punctual = accountRisk(model, histories[1]!, asOf);
    expect(chronic.probabilityLate).toBeGreaterThan(punctual.probabilityLate);
    expect(chronic.probabilitySeriouslyLate).toBeGreaterThan(punctual.probabilitySeriouslyLate);
    expect(chronic.score).toBe(Math.round(chronic.probabilitySeriouslyLate * 100));
    expect(chronic.tier).not.toBe('low');
    expect(chronic.reasons.length).toBeGreaterThan(0);
    for (const list of [chronic.reasons, chronic.mitigating, punctual.reasons, punctual.mitigating]) {
      const weights = list.map((reason) => Math.abs(reason.weight));
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
    }
    expect(chronic.reasons.every((reason) => reason.weight > 0)).toBe(true);
    expect(chronic.mitigating.every((reason) => reason.weight < 0)).toBe(true);
    expect(chronic.reasons.map((reason) => reason.text).join(' | ')).toMatch(/late/);
  });

  it('never lowers the risk when a past invoice was paid later (monotone)', () => {
    const target = invoice({
      invoiceId: 'NEXT',
      customerId: 'X',
      issuedOn: day('2025-07-01'),
      dueOn: day('2025-07-31'),
    });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.integer({ min: 1, max: 60 }),
        (lateness, pick, extra) => {
          const index = pick % lateness.length;
          const later = lateness.map((days, i) => (i === index ? days + extra : days));
          const score = (values: number[]) =>
            scoreInvoice(
              model,
              prepareHistory(monthlyCustomer('X', values)),
              target,
              toDayNumber(target.issuedOn),
            );
          expect(score(later).probabilityLate).toBeGreaterThanOrEqual(
            score(lateness).probabilityLate - 1e-12,
          );
          expect(score(later).probabilitySeriouslyLate).toBeGreaterThanOrEqual(
            score(lateness).probabilitySeriouslyLate - 1e-12,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('falls back to segment evidence for a customer without history', () => {
    const newcomer = prepareHistory(facts({ customer: customer({ customerId: 'NEW', segment: 'smb' }) }));
    const risk = scoreInvoice(
      model,
      newcomer,
      invoice({ customerId: 'NEW', currency: cur('USD') }),
      toDayNumber(day('2025-07-01')),
    );
    expect(risk.facts.resolved).toBe(0);
    expect(risk.probabilityLate).toBeGreaterThan(0.02);
    expect(risk.probabilityLate).toBeLessThan(0.98);
  });

  it('uses disputes only when asked to', () => {
    expect(model.dropped).toContain('open_disputes');
    expect(model.logistic.featureNames).not.toContain('open_disputes');
    const withDisputes = fitRiskModel(histories, day('2025-06-01'), { withDisputes: true });
    expect(withDisputes.withDisputes).toBe(true);
    expect(withDisputes.dropped).not.toContain('open_disputes');
  });
});
