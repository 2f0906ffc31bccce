import { createPgliteStore } from '../src/adapters/postgres';
import { FEATURE_NAMES } from '../src/domain/risk/features';
import type { LogisticModel } from '../src/domain/risk/logistic';
import { toStoredRiskModel, type RiskModel } from '../src/domain/risk/risk-model';
import type { CollectionsStore } from '../src/ports/store';
import { getAccountStatus } from '../src/use-cases/collections-picture';
import { fitTenantRiskModel } from '../src/use-cases/payment-risk';
import { recordPromiseToPay } from '../src/use-cases/promises';
import { customer, date, importData, invoice } from './support/ledger-rows';
import { newTenant } from './support/store-engines';

/** Log-odds ln(1/9) + broken_promises: only the promise feature speaks. */
function promiseModel(): RiskModel {
  const logistic: LogisticModel = {
    featureNames: [...FEATURE_NAMES],
    means: FEATURE_NAMES.map(() => 0),
    scales: FEATURE_NAMES.map(() => 1),
    intercept: Math.log(1 / 9),
    weights: FEATURE_NAMES.map((name) => (name === 'broken_promises' ? 1 : 0)),
    lambda: 1,
    iterations: 0,
  };
  return {
    logistic,
    dropped: [],
    priors: { lateRate: 0.2, meanDaysLate: 5, lateRateBySegment: new Map() },
    withDisputes: false,
    fittedBefore: date('2026-12-01'),
    trainingSize: 100,
    trainingLateRate: 0.1,
    seriouslyLate: { logistic, dropped: [], trainingSize: 100, trainingRate: 0.1 },
  };
}

/** C-1 and C-2 alike: USD 12,000.00 due 2026-11-30, unpaid. */
const book = {
  customers: [customer('C-1'), customer('C-2')],
  invoices: ['C-1', 'C-2'].map((customerId) =>
    invoice(`INV-${customerId}`, customerId, {
      amountMinor: 1_200_000,
      issuedOn: date('2026-11-01'),
      dueOn: date('2026-11-30'),
    }),
  ),
};

describe('promises to pay in the risk score, through the promise store (PGlite)', () => {
  let store: CollectionsStore;

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
  });

  it('scores the account whose promise was broken higher, and says so once its deadline has passed', async () => {
    const tenant = newTenant();
    await importData(store, tenant, book);
    // Promised by 12-15 with the default 3 days' grace: deadline 12-18; nothing was paid.
    const recorded = await recordPromiseToPay(
      store,
      tenant,
      'C-1',
      {
        amounts: [{ currency: 'USD', amount: '12000.00' }],
        promisedOn: '2026-12-15',
        invoiceIds: ['INV-C-1'],
      },
      'dana',
      date('2026-12-07'),
    );
    expect(recorded).toMatchObject({ outcome: 'recorded' });
    await store.saveRiskModel(tenant, toStoredRiskModel(promiseModel()));

    const broken = await getAccountStatus(store, tenant, 'C-1', date('2026-12-19'));
    const other = await getAccountStatus(store, tenant, 'C-2', date('2026-12-19'));
    expect(broken?.risk?.reasons.map((reason) => reason.text)).toEqual([
      '1 promise to pay broken in the last 12 months (USD 12,000.00 due Dec 15)',
    ]);
    // Odds 1/9 × 2 against 1/9.
    expect(broken?.risk?.probabilitySeriouslyLate).toBeCloseTo(2 / 11, 12);
    expect(other?.risk?.probabilitySeriouslyLate).toBeCloseTo(0.1, 12);
    // On the deadline itself the promise is not yet decided.
    const onDeadline = await getAccountStatus(store, tenant, 'C-1', date('2026-12-18'));
    expect(onDeadline?.risk?.reasons).toEqual([]);
  });

  it('reads the promises of the tenant once when fitting the model', async () => {
    const tenant = newTenant();
    await importData(store, tenant, book);
    const listPromises = jest.spyOn(store, 'listPromises');
    try {
      const model = await fitTenantRiskModel(store, tenant, date('2026-12-20'));
      expect(model.logistic.featureNames).toContain('broken_promises');
      expect(listPromises.mock.calls).toEqual([[tenant]]);
    } finally {
      listPromises.mockRestore();
    }
  });
});
