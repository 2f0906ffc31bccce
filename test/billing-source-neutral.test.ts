import { createPgliteStore } from '../src/adapters/postgres';
import { customer, day, dispute, invoice, payment } from '../src/domain/test-facts';
import type { TenantId } from '../src/domain/model';
import {
  WebhookSignatureError,
  type BillingPage,
  type BillingRecord,
  type BillingSource,
} from '../src/ports/billing-source';
import type { CollectionsStore } from '../src/ports/store';
import { backfillBillingSource } from '../src/use-cases/billing-sync';

const TENANT = 'ledger' as TenantId;

/**
 * A billing source unlike Stripe, as an accounting system would be: its own kinds of object, receipts
 * that name their invoice, one receipt known only by the bank transfer it came in (linked by a record
 * of the source), and a chargeback. The sync takes it through the port alone: nothing about payment
 * intents or charges is needed for the next source.
 */
function ledgerSource(pages: Record<string, BillingRecord[]>, asked: string[]): BillingSource {
  return {
    name: 'ledger',
    backfillOrder: Object.keys(pages),
    listPage: (kind, cursor): Promise<BillingPage> => {
      if (!(kind in pages)) throw new Error(`no ${kind}`);
      return Promise.resolve({ records: cursor === null ? (pages[kind] ?? []) : [], nextCursor: null });
    },
    fetch: () => Promise.resolve([]),
    findInvoiceOfPayment: (paymentRef) => {
      asked.push(paymentRef);
      return Promise.resolve(paymentRef === 'transfer-9' ? 'L-INV-3' : null);
    },
    latestEventMs: () => Promise.resolve(Date.parse('2026-03-01T00:00:00Z')),
    verifyWebhook: () => {
      throw new WebhookSignatureError('this source sends no webhooks');
    },
    mapEvent: () => ({ id: '', type: '', createdMs: 0, records: [], refetch: [] }),
  };
}

describe('a billing source that is not Stripe, through the neutral port', () => {
  let store: CollectionsStore;
  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('backfills its own kinds in its own order and links every receipt and chargeback to its invoice', async () => {
    const asked: string[] = [];
    const bill = (invoiceId: string) => ({
      kind: 'invoice' as const,
      id: invoiceId,
      row: invoice({ invoiceId, customerId: 'L-1', dueOn: day('2026-02-01') }),
    });
    const source = ledgerSource(
      {
        accounts: [
          { kind: 'customer', id: 'L-1', row: customer({ customerId: 'L-1' }), email: null, deleted: false },
        ],
        bills: [bill('L-INV-1'), bill('L-INV-2'), bill('L-INV-3')],
        'bank-matches': [{ kind: 'link', id: 'match-1', paymentRef: 'transfer-7', invoiceId: 'L-INV-2' }],
        receipts: [
          // Names its invoice.
          {
            kind: 'payment',
            id: 'R-1',
            row: { ...payment({ paymentId: 'R-1' }), invoiceId: 'L-INV-1', paymentRefs: [], readAgain: null },
          },
          // Known by its transfer, which the source matched to an invoice.
          {
            kind: 'payment',
            id: 'R-2',
            row: {
              ...payment({ paymentId: 'R-2' }),
              invoiceId: null,
              paymentRefs: ['transfer-7'],
              readAgain: null,
            },
          },
          // Known by a transfer nothing matched yet: the source is asked.
          {
            kind: 'payment',
            id: 'R-3',
            row: {
              ...payment({ paymentId: 'R-3' }),
              invoiceId: null,
              paymentRefs: ['transfer-9'],
              readAgain: null,
            },
          },
          // A transfer nobody can place: not an invoice's payment.
          {
            kind: 'payment',
            id: 'R-4',
            row: {
              ...payment({ paymentId: 'R-4' }),
              invoiceId: null,
              paymentRefs: ['transfer-0'],
              readAgain: null,
            },
          },
        ],
        chargebacks: [
          {
            kind: 'dispute',
            id: 'CB-1',
            row: { ...dispute({ disputeId: 'CB-1' }), invoiceId: null, paymentRefs: ['transfer-7'] },
          },
        ],
      },
      asked,
    );
    const pages: string[] = [];
    const report = await backfillBillingSource(store, source, TENANT, {
      onPage: ({ kind, index, of }) => pages.push(`${index}/${of} ${kind}`),
    });

    expect(pages).toEqual([
      '1/5 accounts',
      '2/5 bills',
      '3/5 bank-matches',
      '4/5 receipts',
      '5/5 chargebacks',
    ]);
    expect(report.kinds.map((kind) => kind.kind)).toEqual(source.backfillOrder);
    expect(report.unlinked).toBe(1);
    // Asked only for the references no record of the source placed.
    expect(asked.sort()).toEqual(['transfer-0', 'transfer-9']);
    const facts = await store.getAccountFacts(TENANT, 'L-1');
    expect(facts?.payments.map((p) => [p.paymentId, p.invoiceId]).sort()).toEqual([
      ['R-1', 'L-INV-1'],
      ['R-2', 'L-INV-2'],
      ['R-3', 'L-INV-3'],
    ]);
    expect(facts?.disputes.map((d) => [d.disputeId, d.invoiceId])).toEqual([['CB-1', 'L-INV-2']]);
  });
});
