import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import { createInProcessRateLimiter } from '../src/adapters/inprocess/rate-limiter';
import { createSalesforceGateway } from '../src/adapters/salesforce/salesforce-gateway';
import { computeAccountStatus } from '../src/domain/account-status';
import { day, facts, invoice, payment } from '../src/domain/test-facts';
import { companyFields } from '../src/use-cases/crm-sync';
import { startHubspotEmulator, type HubspotEmulator } from './emulators/hubspot/emulator';
import { startSalesforceEmulator } from './emulators/salesforce/emulator';

// An open invoice past due whose SEPA debit is still `processing` at the bank: the customer is paying.
const inFlight = computeAccountStatus(
  facts({
    invoices: [invoice({ amountMinor: 50_000, dueOn: day('2026-02-01') })],
    payments: [payment({ status: 'pending', amountMinor: 50_000, attemptedOn: day('2026-02-03') })],
  }),
  day('2026-02-05'),
);
const fields = companyFields('C-1', inFlight, null);

/** The five values an install made before the in-flight status existed. */
const OLD_OPTIONS = ['current', 'overdue', 'failed_payment', 'disputed', 'paused'].map((value, index) => ({
  label: value.replace(/_/g, ' '),
  value,
  displayOrder: index,
  hidden: false,
}));

describe('the status of an account whose payment is in flight reaches the CRM as such', () => {
  it('is written as payment_in_flight', () => {
    expect(fields['collections_status']).toBe('payment_in_flight');
  });

  describe('a HubSpot portal installed with the old status options', () => {
    let hs: HubspotEmulator;
    beforeAll(async () => {
      hs = await startHubspotEmulator({ rateLimit: false });
    });
    afterAll(() => hs.close());

    const gateway = () =>
      createHubspotGateway({
        accessToken: hs.accessToken as string,
        limiter: createInProcessRateLimiter(),
        limiterKey: 'hubspot:4242',
        basePath: hs.url,
        timeZones: new Map([['hubspot:4242', { timeZone: 'UTC', fetchedAt: Date.now() }]]),
      });
    const statusOptions = () =>
      hs.properties('companies').find((property) => property.name === 'collections_status')?.options ?? [];

    it('gets the new option on install, keeps its own, and takes the status', async () => {
      hs.defineProperty('companies', {
        name: 'collections_status',
        label: 'Collections status',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'companyinformation',
        options: OLD_OPTIONS,
      });
      const company = hs.createCompany({ name: 'Acme' });
      const sync = gateway();
      const refused = await sync.updateRecords('companies', [{ crmId: company, properties: fields }]);
      expect(refused.written).toEqual([]);

      const installed = await sync.ensureSchema();

      expect(installed.created).toContain('companies.collections_status=payment_in_flight');
      expect(statusOptions()).toEqual([
        ...OLD_OPTIONS.map((option) => expect.objectContaining(option)),
        expect.objectContaining({
          label: 'Payment in flight',
          value: 'payment_in_flight',
          displayOrder: 5,
          hidden: false,
        }),
      ]);
      const written = await sync.updateRecords('companies', [{ crmId: company, properties: fields }]);
      expect(written).toEqual({ written: [company], failed: [] });
      expect(hs.object('companies', company)?.properties['collections_status']).toBe('payment_in_flight');
    });

    it('changes nothing when installed again', async () => {
      const again = await gateway().ensureSchema();

      expect(again.created).toEqual([]);
      expect(statusOptions().map((option) => option.value)).toEqual([
        ...OLD_OPTIONS.map((option) => option.value),
        'payment_in_flight',
      ]);
    });
  });

  it('a Salesforce org with the package takes it in its restricted picklist', async () => {
    const sf = await startSalesforceEmulator();
    try {
      const account = sf.createAccount({ Name: 'Acme' });
      const sync = createSalesforceGateway({ ...sf.connectionConfig(), sleep: () => Promise.resolve() });

      const result = await sync.updateRecords('companies', [{ crmId: account, properties: fields }]);

      expect(result).toEqual({ written: [account], failed: [] });
      expect(sf.record(account)?.fields['Collections_Status__c']).toBe('payment_in_flight');
    } finally {
      await sf.close();
    }
  });
});
