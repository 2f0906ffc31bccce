import type { PromiseToPay } from '../../src/domain/promises';
import type { AuditLog } from '../../src/ports/audit-log';
import type { LedgerStore } from '../../src/ports/ledger';
import type { PromiseStore } from '../../src/ports/promises';
import { currency, date, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

function promise(promiseId: string, overrides: Partial<PromiseToPay> = {}): PromiseToPay {
  return {
    promiseId,
    customerId: 'C-1',
    amounts: [
      { currency: currency('EUR'), amountMinor: 50_000 },
      { currency: currency('USD'), amountMinor: 1_200_000 },
    ],
    promisedOn: date('2026-12-15'),
    graceDays: 3,
    invoiceIds: ['INV-1'],
    madeBy: 'Jane Doe, AP',
    note: 'after the board meeting',
    recordedBy: 'csm@example.com',
    recordedOn: date('2026-12-01'),
    ...overrides,
  };
}

describe.each(storeEngines)('PromiseStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: PromiseStore;
  let setup: LedgerStore;
  let audit: AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
    audit = opened();
  });

  it('records a promise once, audited on the account, and lists it as recorded, open', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    expect(await store.recordPromise(tenant, promise('PR-1'))).toBe('recorded');
    expect(await store.recordPromise(tenant, promise('PR-1', { note: 'again' }))).toBe('exists');
    expect(await store.recordPromise(tenant, promise('PR-2', { customerId: 'C-404' }))).toBe(
      'unknown_customer',
    );
    expect(await store.listPromises(tenant)).toEqual([
      { ...promise('PR-1'), state: 'open', settledOn: null, received: [] },
    ]);
    const events = await audit.listEvents(tenant, { subject: 'C-1' });
    expect(events.filter((event) => event.kind === 'promise_recorded')).toEqual([
      expect.objectContaining({
        actor: 'csm@example.com',
        payload: expect.objectContaining({
          promiseId: 'PR-1',
          amounts: [
            { currency: 'EUR', minor: 50_000 },
            { currency: 'USD', minor: 1_200_000 },
          ],
          promisedOn: '2026-12-15',
        }),
      }),
    ]);
    expect(await store.listPromises(newTenant())).toEqual([]);
  });

  it('filters by customer, state and promised day, the latest promised day first', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    await store.recordPromise(tenant, promise('PR-A', { promisedOn: date('2026-12-10') }));
    await store.recordPromise(tenant, promise('PR-B', { promisedOn: date('2026-12-20'), invoiceIds: [] }));
    await store.recordPromise(
      tenant,
      promise('PR-C', { customerId: 'C-2', invoiceIds: [], madeBy: null, note: null }),
    );
    const ids = async (filter: Parameters<PromiseStore['listPromises']>[1]) =>
      (await store.listPromises(tenant, filter)).map((p) => p.promiseId);
    expect(await ids({})).toEqual(['PR-B', 'PR-C', 'PR-A']);
    expect(await ids({ customerId: 'C-1' })).toEqual(['PR-B', 'PR-A']);
    expect(await ids({ customerIds: ['C-2'] })).toEqual(['PR-C']);
    expect(await ids({ promisedFrom: date('2026-12-15') })).toEqual(['PR-B', 'PR-C']);
    expect(await ids({ state: 'broken' })).toEqual([]);
  });

  it('settles an open promise once with what was received, audited by its outcome', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    await store.recordPromise(tenant, promise('PR-1'));
    const received = [
      { currency: currency('EUR'), amountMinor: 0 },
      { currency: currency('USD'), amountMinor: 400_000 },
    ];
    const settlement = { state: 'partly_kept' as const, settledOn: date('2026-12-19'), received };
    expect(await store.settlePromise(tenant, 'PR-1', settlement, 'promises')).toBe(true);
    expect(await store.settlePromise(tenant, 'PR-1', { ...settlement, state: 'broken' }, 'promises')).toBe(
      false,
    );
    expect(await store.settlePromise(tenant, 'PR-404', settlement, 'promises')).toBe(false);
    expect(await store.listPromises(tenant, { state: 'partly_kept' })).toEqual([
      { ...promise('PR-1'), state: 'partly_kept', settledOn: '2026-12-19', received },
    ]);
    const kinds = (await audit.listEvents(tenant, { subject: 'C-1' })).map((event) => event.kind);
    expect(kinds.filter((kind) => kind.startsWith('promise_'))).toEqual([
      'promise_partly_kept',
      'promise_recorded',
    ]);
  });

  it('refuses amounts that are not positive and currency codes that are not codes', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    await expect(
      store.recordPromise(
        tenant,
        promise('PR-0', { amounts: [{ currency: currency('USD'), amountMinor: 0 }] }),
      ),
    ).rejects.toThrow(/check/i);
    await expect(
      store.recordPromise(
        tenant,
        promise('PR-X', { amounts: [{ currency: currency('usd'), amountMinor: 1 }] }),
      ),
    ).rejects.toThrow(/check/i);
    // Nothing half-written: the promise row went with its refused amounts.
    expect(await store.listPromises(tenant)).toEqual([]);
  });
});
