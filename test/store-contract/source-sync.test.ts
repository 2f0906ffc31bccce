import type { AuditLog } from '../../src/ports/audit-log';
import type { CrmSyncStore } from '../../src/ports/crm-sync';
import type { LedgerStore } from '../../src/ports/ledger';
import type { SourceSyncStore } from '../../src/ports/source-sync';
import { bareCustomer, importData, sampleDataset } from '../support/ledger-rows';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('SourceSyncStore contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: SourceSyncStore;
  let setup: LedgerStore & CrmSyncStore & AuditLog;

  beforeAll(() => {
    store = opened();
    setup = opened();
  });

  it('keeps billing-source versions, links, cursors and webhook events, only newer versions claimed', async () => {
    const tenant = newTenant();
    const session = await setup.beginImport(tenant);
    expect(
      [
        ...(await session.claimVersions('stripe', [
          { objectId: 'in_1', version: 2000 },
          { objectId: 'in_2', version: 2000 },
        ])),
      ].sort(),
    ).toEqual(['in_1', 'in_2']);
    await session.saveLinks('stripe', [{ sourceId: 'pi_1', invoiceId: 'in_1' }]);
    await session.saveSourceCustomers('stripe', [{ customerId: 'C-9', email: 'ap@nine.example' }]);
    await session.stageCustomers([{ line: 1, row: bareCustomer('C-9') }]);
    await session.commit({ audit: false });
    expect(await setup.listEvents(tenant)).toEqual([]);

    const again = await setup.beginImport(tenant);
    const claimed = await again.claimVersions('stripe', [
      { objectId: 'in_1', version: 1000 },
      { objectId: 'in_2', version: 2000 },
      { objectId: 'in_3', version: 1 },
    ]);
    expect([...claimed]).toEqual(['in_3']);
    await again.rollback();
    // A rolled-back claim leaves the stored versions as they were.
    expect(await store.getSourceVersions(tenant, 'stripe', ['in_1', 'in_3'])).toEqual(
      new Map([['in_1', 2000]]),
    );
    expect(await store.resolveSourceLinks(tenant, 'stripe', ['pi_1', 'pi_2'])).toEqual(
      new Map([['pi_1', 'in_1']]),
    );
    expect(await setup.listUnmappedCustomers(tenant)).toEqual([
      { customerId: 'C-9', name: null, email: 'ap@nine.example', country: null, invoices: 0, conflict: null },
    ]);

    await store.saveSyncCursor(tenant, 'stripe', {
      kind: 'invoices',
      cursor: 'in_5',
      done: false,
      version: 9_999_999_999_999,
      records: 100,
    });
    expect(await store.getSyncCursors(tenant, 'stripe')).toEqual([
      { kind: 'invoices', cursor: 'in_5', done: false, version: 9_999_999_999_999, records: 100 },
    ]);
    await store.resetSyncCursors(tenant, 'stripe');
    expect(await store.getSyncCursors(tenant, 'stripe')).toEqual([]);

    const event = {
      eventId: 'evt_1',
      type: 'invoice.paid',
      createdMs: 1_772_000_000_000,
      body: '{"id":"evt_1"}',
    };
    expect(await store.recordWebhookEvent(tenant, 'stripe', event)).toBe('new');
    expect(await store.recordWebhookEvent(tenant, 'stripe', event)).toBe('duplicate');
    expect(await store.listPendingWebhookEvents(tenant, 'stripe', 10)).toEqual(['evt_1']);
    expect(await store.getWebhookEvent(tenant, 'stripe', 'evt_1')).toEqual({
      ...event,
      state: 'received',
      receivedAtMs: expect.any(Number),
      processedAtMs: null,
    });
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_1', 'processed');
    expect(await store.listPendingWebhookEvents(tenant, 'stripe', 10)).toEqual([]);
    expect(await store.countWebhookEvents(tenant, 'stripe')).toEqual({ processed: 1 });
    expect(await store.countWebhookEvents(newTenant(), 'stripe')).toEqual({});
  });

  it('lists failed webhook events by source and reason, with the newest of each, for one tenant only', async () => {
    const tenant = newTenant();
    const record = (source: string, eventId: string, type: string) =>
      store.recordWebhookEvent(tenant, source, { eventId, type, createdMs: 1_772_000_000_000, body: '{}' });
    await record('stripe', 'evt_a', 'customer.subscription.updated');
    await record('stripe', 'evt_b', 'invoice.paid');
    await record('stripe', 'evt_c', 'invoice.paid');
    await record('hubspot', 'hs_1', 'company.propertyChange');
    await record('stripe', 'evt_ok', 'invoice.paid');
    const version = 'unsupported_api_version: Stripe API version 2020-08-27 is not supported';
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_a', 'failed', version);
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_b', 'failed', version);
    await store.finishWebhookEvent(
      tenant,
      'stripe',
      'evt_c',
      'failed',
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
    await store.finishWebhookEvent(tenant, 'hubspot', 'hs_1', 'failed', 'unknown_portal: no installation');
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_ok', 'processed');

    const failures = await store.listWebhookFailures(tenant);
    expect(failures.map(({ source, reason, count }) => ({ source, reason, count }))).toEqual([
      { source: 'hubspot', reason: 'unknown_portal', count: 1 },
      { source: 'stripe', reason: 'processing_error', count: 1 },
      { source: 'stripe', reason: 'unsupported_api_version', count: 2 },
    ]);
    const versions = failures.find((failure) => failure.reason === 'unsupported_api_version');
    expect(versions?.latest).toEqual({
      eventId: 'evt_b',
      type: 'invoice.paid',
      error: version,
      failedAtMs: expect.any(Number),
    });
    expect(await store.listWebhookFailures(newTenant())).toEqual([]);

    // A complete read of the source after them supersedes failed events, and only those created before it.
    await store.recordWebhookEvent(tenant, 'stripe', {
      eventId: 'evt_later',
      type: 'invoice.paid',
      createdMs: 1_772_000_100_000,
      body: '{}',
    });
    await store.finishWebhookEvent(tenant, 'stripe', 'evt_later', 'failed', version);
    expect(await store.supersedeFailedWebhookEvents(tenant, 'stripe', 1_772_000_050_000)).toBe(3);
    expect(await store.supersedeFailedWebhookEvents(newTenant(), 'stripe', 1_772_000_050_000)).toBe(0);
    expect(
      (await store.listWebhookFailures(tenant)).map(({ source, reason, count }) => ({
        source,
        reason,
        count,
      })),
    ).toEqual([
      { source: 'hubspot', reason: 'unknown_portal', count: 1 },
      { source: 'stripe', reason: 'unsupported_api_version', count: 1 },
    ]);
    expect(await store.countWebhookEvents(tenant, 'stripe')).toEqual({
      failed: 1,
      processed: 1,
      superseded: 3,
    });
  });

  it('tells which of some invoices the tenant has already', async () => {
    const tenant = newTenant();
    await importData(setup, tenant, sampleDataset());
    expect(await store.knownInvoiceIds(tenant, ['INV-1', 'INV-3', 'INV-404'])).toEqual(
      new Set(['INV-1', 'INV-3']),
    );
    expect(await store.knownInvoiceIds(tenant, [])).toEqual(new Set());
    expect(await store.knownInvoiceIds(newTenant(), ['INV-1'])).toEqual(new Set());
  });
});
