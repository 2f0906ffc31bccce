import { fromDayNumber, toDayNumber, type CalendarDate } from '../domain/dates';
import { evaluate, type Evaluation, type Prediction } from '../domain/risk/evaluation';
import {
  SERIOUSLY_LATE_DAYS,
  lateOutcome,
  seriouslyLateOutcome,
  prepareHistory,
  type CustomerHistory,
} from '../domain/risk/features';
import {
  createPriorsAccumulator,
  createTrainingSet,
  scoreInvoice,
  toStoredRiskModel,
  type RiskModel,
  type RiskOptions,
} from '../domain/risk/risk-model';
import type { TenantId } from '../domain/model';
import { promisesByCustomer, type PromiseToPay } from '../domain/promises';
import type { LedgerStore } from '../ports/ledger';
import type { PromiseStore } from '../ports/promises';
import type { RiskModelStore } from '../ports/risk-models';
import type { TermsStore } from '../ports/terms';
import { refreshTermEvidence } from './term-evidence';

export type PromisesOf = ReadonlyMap<string, readonly PromiseToPay[]>;

/** What the risk model reads of the promises to pay. */
export type PromiseReader = Pick<PromiseStore, 'listPromises'>;

/** The tenant's promises to pay by customer, read once (they are few next to the ledger). */
export async function loadPromisesByCustomer(store: PromiseReader, tenant: TenantId): Promise<PromisesOf> {
  return promisesByCustomer(await store.listPromises(tenant));
}

async function* histories(
  store: LedgerStore,
  tenant: TenantId,
  promises: PromisesOf = new Map(),
): AsyncIterable<CustomerHistory> {
  for await (const facts of store.streamAccountFacts(tenant))
    yield prepareHistory(facts, promises.get(facts.customer.customerId) ?? []);
}

/**
 * Fits the tenant's own model on what was known before `before`, streaming the store twice (priors,
 * then training rows), so memory holds the training rows, not the tenant. Promises to pay are read
 * once and joined to their accounts.
 */
export async function fitTenantRiskModel(
  store: LedgerStore & PromiseReader,
  tenant: TenantId,
  before: CalendarDate,
  options: RiskOptions & { promises?: PromisesOf } = {},
): Promise<RiskModel> {
  const { promises = await loadPromisesByCustomer(store, tenant), ...riskOptions } = options;
  // Outcomes are only known up to the last day the data speaks of: an invoice falling due after
  // that day is undecided, not late, however far `before` lies beyond it.
  const lastDay = await lastFactDay(store, tenant);
  const fitBefore = Number.isFinite(lastDay)
    ? Math.min(toDayNumber(before), lastDay + 1)
    : toDayNumber(before);
  const priors = createPriorsAccumulator(fitBefore);
  let eligible = 0;
  for await (const history of histories(store, tenant, promises)) {
    priors.add(history);
    for (const ledger of history.ledgers) {
      if (ledger.issuedDay < fitBefore && lateOutcome(ledger, fitBefore - 1) !== undefined) eligible += 1;
    }
  }
  const training = createTrainingSet(fromDayNumber(fitBefore), priors.result(), {
    ...riskOptions,
    eligibleEstimate: eligible,
  });
  for await (const history of histories(store, tenant, promises)) training.add(history);
  return training.fit();
}

/** The latest day any fact of the tenant is dated (issue, payment, failure, dispute). */
export async function lastFactDay(store: LedgerStore, tenant: TenantId): Promise<number> {
  let lastDay = -Infinity;
  for await (const history of histories(store, tenant)) {
    for (const ledger of history.ledgers) {
      lastDay = Math.max(lastDay, ledger.issuedDay);
      for (const entry of ledger.entries) lastDay = Math.max(lastDay, entry.day);
      for (const failure of ledger.failures) lastDay = Math.max(lastDay, toDayNumber(failure.attemptedOn));
    }
    for (const dispute of history.facts.disputes) lastDay = Math.max(lastDay, toDayNumber(dispute.openedOn));
  }
  return lastDay;
}

export type BacktestReport = {
  split: CalendarDate;
  /** Outcomes of the scored invoices are read as of the last day in the data. */
  outcomesAsOf: CalendarDate | null;
  withDisputes: boolean;
  model: Evaluation;
  baselines: { baseRate: Evaluation; customerHistory: Evaluation };
  training: { n: number; lateRate: number; weights: Record<string, number>; dropped: string[] };
  /** Invoices issued on or after the split whose outcome was still open at the end of the data. */
  skippedUndecided: number;
  /**
   * The risk score's outcome: still unpaid `daysPastDue` days after the due date, judged on the
   * invoices whose outcome was decided by the end of the data.
   */
  seriouslyLate: {
    daysPastDue: number;
    model: Evaluation;
    baseRate: Evaluation;
    training: { n: number; rate: number; weights: Record<string, number>; dropped: string[] };
  };
};

function weightsOf(logistic: RiskModel['logistic']): Record<string, number> {
  return Object.fromEntries(logistic.featureNames.map((name, j) => [name, logistic.weights[j] ?? 0]));
}

/**
 * An honest backtest: the model is fitted on outcomes known before the split; every invoice issued on
 * or after it is scored with what was known on its own issue date, and judged by its outcome at the
 * end of the data. Baselines: the training late rate, and the customer's own past share of late invoices.
 */
export async function backtestPaymentRisk(
  store: LedgerStore & PromiseReader,
  tenant: TenantId,
  split: CalendarDate,
  options: RiskOptions = {},
): Promise<BacktestReport> {
  const lastDay = await lastFactDay(store, tenant);
  const promises = await loadPromisesByCustomer(store, tenant);
  const model = await fitTenantRiskModel(store, tenant, split, { ...options, promises });
  const splitDay = toDayNumber(split);
  const predictions: Prediction[] = [];
  const base: Prediction[] = [];
  const own: Prediction[] = [];
  const seriousPredictions: Prediction[] = [];
  const seriousBase: Prediction[] = [];
  const seriousRate = model.seriouslyLate?.trainingRate ?? model.trainingLateRate;
  let skippedUndecided = 0;
  for await (const history of histories(store, tenant, promises)) {
    for (const ledger of history.ledgers) {
      if (ledger.issuedDay < splitDay) continue;
      const late = lateOutcome(ledger, lastDay);
      if (late === undefined) {
        if (ledger.voidedDay > lastDay) skippedUndecided += 1;
        continue;
      }
      const risk = scoreInvoice(model, history, ledger.invoice, ledger.issuedDay);
      const lost = seriouslyLateOutcome(ledger, lastDay);
      if (lost !== undefined) {
        seriousPredictions.push({ probability: risk.probabilitySeriouslyLate, late: lost });
        seriousBase.push({ probability: seriousRate, late: lost });
      }
      predictions.push({ probability: risk.probabilityLate, late });
      base.push({ probability: model.trainingLateRate, late });
      own.push({
        probability: risk.facts.resolved > 0 ? risk.facts.late / risk.facts.resolved : model.trainingLateRate,
        late,
      });
    }
  }
  return {
    split,
    outcomesAsOf: Number.isFinite(lastDay)
      ? (new Date(lastDay * 86400000).toISOString().slice(0, 10) as CalendarDate)
      : null,
    withDisputes: model.withDisputes,
    model: evaluate(predictions),
    baselines: { baseRate: evaluate(base), customerHistory: evaluate(own) },
    training: {
      n: model.trainingSize,
      lateRate: model.trainingLateRate,
      weights: weightsOf(model.logistic),
      dropped: model.dropped,
    },
    skippedUndecided,
    seriouslyLate: {
      daysPastDue: SERIOUSLY_LATE_DAYS,
      model: evaluate(seriousPredictions),
      baseRate: evaluate(seriousBase),
      training: {
        n: model.seriouslyLate?.trainingSize ?? model.trainingSize,
        rate: seriousRate,
        weights: weightsOf(model.seriouslyLate?.logistic ?? model.logistic),
        dropped: model.seriouslyLate?.dropped ?? model.dropped,
      },
    },
  };
}

/**
 * Refits the tenant's model on everything known before `today` and stores it with fresh payment-term
 * evidence (after imports, daily).
 */
export async function refitTenantRiskModel(
  store: LedgerStore & PromiseReader & RiskModelStore & TermsStore,
  tenant: TenantId,
  today: CalendarDate,
  options: RiskOptions = {},
): Promise<RiskModel> {
  const model = await fitTenantRiskModel(store, tenant, today, options);
  await store.saveRiskModel(tenant, toStoredRiskModel(model));
  await refreshTermEvidence(store, tenant, today);
  return model;
}
