import { computeAccountStatus } from '../domain/account-status';
import { addDays, toDayNumber, type CalendarDate } from '../domain/dates';
import type { AccountFacts } from '../domain/model';
import type { Prediction } from '../domain/risk/evaluation';
import { lateOutcome, seriouslyLateOutcome, prepareHistory } from '../domain/risk/features';
import { accountRiskDetail, fitRiskModel, scoreInvoice, tierOf } from '../domain/risk/risk-model';
import { generateDemoDataset } from './generate-demo-dataset';

const AS_OF = '2026-11-15' as CalendarDate;

/** A generated book as account facts, grouped by customer. */
function demoBook(customers: number, seed: number): AccountFacts[] {
  const accounts = new Map<string, AccountFacts>();
  const rows = [...generateDemoDataset({ customers, seed, asOf: AS_OF })];
  for (const entry of rows) {
    if (entry.file !== 'customers.csv') continue;
    const id = entry.row.customerId;
    accounts.set(id, { customer: entry.row, invoices: [], payments: [], subscriptions: [], disputes: [] });
  }
  const account = (customerId: string) => accounts.get(customerId) as AccountFacts;
  const invoiceOwner = new Map<string, string>();
  for (const entry of rows) {
    if (entry.file === 'invoices.csv') {
      account(entry.row.customerId).invoices.push(entry.row);
      invoiceOwner.set(entry.row.invoiceId, entry.row.customerId);
    } else if (entry.file === 'subscriptions.csv')
      account(entry.row.customerId).subscriptions.push(entry.row);
  }
  for (const entry of rows) {
    if (entry.file === 'payments.csv')
      account(invoiceOwner.get(entry.row.invoiceId) as string).payments.push(entry.row);
    else if (entry.file === 'disputes.csv')
      account(invoiceOwner.get(entry.row.invoiceId) as string).disputes.push(entry.row);
  }
  return [...accounts.values()];
}

/**
 * Predicted against observed rates in ten equal-count groups by predicted probability. The tolerance
 * is two points plus three standard errors of the group's observed rate under its own prediction.
 */
function decileGaps(predictions: readonly Prediction[]) {
  const sorted = [...predictions].sort((a, b) => a.probability - b.probability);
  return Array.from({ length: 10 }, (_, d) => {
    const group = sorted.slice(
      Math.floor((d * sorted.length) / 10),
      Math.floor(((d + 1) * sorted.length) / 10),
    );
    const predicted = group.reduce((sum, p) => sum + p.probability, 0) / group.length;
    const observed = group.filter((p) => p.late).length / group.length;
    const tolerance = 0.02 + 3 * Math.sqrt((predicted * (1 - predicted)) / group.length);
    return {
      decile: d + 1,
      n: group.length,
      predicted,
      observed,
      within: Math.abs(predicted - observed) <= tolerance,
    };
  });
}

describe('payment risk on a generated book', () => {
  const accounts = demoBook(600, 21);
  const histories = accounts.map((account) => prepareHistory(account));

  describe('scored on the as-of day', () => {
    const model = fitRiskModel(histories, AS_OF);
    const scored = histories.map((history) => accountRiskDetail(model, history, AS_OF));

    it('spreads scores: a score of 95 or more is rare, and every band is used', () => {
      const scores = scored.map(({ risk }) => risk.score);
      const share = (test: (score: number) => boolean) => scores.filter(test).length / scores.length;
      expect(share((score) => score >= 95)).toBeLessThanOrEqual(0.01);
      expect(share((score) => score >= 60)).toBeLessThan(0.1);
      const tiers = scored.map(({ risk }) => risk.tier);
      for (const tier of ['low', 'medium', 'high'] as const) expect(tiers).toContain(tier);
      expect(tiers.filter((tier) => tier === 'high').length).toBeLessThan(tiers.length * 0.2);
      expect(new Set(scores).size).toBeGreaterThanOrEqual(10);
      for (const { risk } of scored) {
        expect(risk.score).toBe(Math.round(risk.probabilitySeriouslyLate * 100));
        expect(risk.tier).toBe(tierOf(risk.probabilitySeriouslyLate));
      }
    });

    it('counts overdue invoices, days past due and days to renewal as the account status does', () => {
      let overdueAccounts = 0;
      for (const [i, { risk, facts }] of scored.entries()) {
        const status = computeAccountStatus(accounts[i] as AccountFacts, AS_OF);
        const id = status.customerId;
        expect([id, facts.openOverdue, facts.oldestDaysPastDue, facts.daysToRenewal]).toEqual([
          id,
          status.overdueInvoiceCount,
          status.oldestDaysPastDue,
          status.daysToRenewal,
        ]);
        if (status.overdueInvoiceCount > 0) overdueAccounts += 1;
        for (const reason of [...risk.reasons, ...risk.mitigating]) {
          if (reason.code !== 'open_overdue_invoices' && reason.code !== 'oldest_days_past_due') continue;
          expect([id, reason.text]).toEqual([
            id,
            status.overdueInvoiceCount === 0
              ? 'nothing is overdue'
              : expect.stringContaining(`overdue, the oldest by ${status.oldestDaysPastDue} day`),
          ]);
        }
      }
      expect(overdueAccounts).toBeGreaterThan(0);
    });
  });

  describe('held out: fitted before a split, judged on the invoices issued after it', () => {
    const split = addDays(AS_OF, -365);
    const model = fitRiskModel(histories, split);
    const splitDay = toDayNumber(split);
    const lastDay = toDayNumber(AS_OF);
    const late: Prediction[] = [];
    const serious: Prediction[] = [];
    for (const history of histories) {
      for (const ledger of history.ledgers) {
        if (ledger.issuedDay < splitDay || ledger.issuedDay > lastDay) continue;
        const risk = scoreInvoice(model, history, ledger.invoice, ledger.issuedDay);
        const wasLate = lateOutcome(ledger, lastDay);
        if (wasLate !== undefined) late.push({ probability: risk.probabilityLate, late: wasLate });
        const wasSeriouslyLate = seriouslyLateOutcome(ledger, lastDay);
        if (wasSeriouslyLate !== undefined)
          serious.push({ probability: risk.probabilitySeriouslyLate, late: wasSeriouslyLate });
      }
    }

    it.each([
      ['late payment', late],
      ['being seriously late (unpaid 30 days past due)', serious],
    ])('is calibrated for %s, decile by decile', (_, predictions) => {
      expect(predictions.length).toBeGreaterThan(1000);
      expect(predictions.some((p) => p.late)).toBe(true);
      const gaps = decileGaps(predictions);
      expect(gaps.filter((gap) => !gap.within)).toEqual([]);
      const meanPredicted = predictions.reduce((sum, p) => sum + p.probability, 0) / predictions.length;
      const observed = predictions.filter((p) => p.late).length / predictions.length;
      expect(Math.abs(meanPredicted - observed)).toBeLessThan(
        0.005 + 3 * Math.sqrt((observed * (1 - observed)) / predictions.length),
      );
    });
  });
});
