import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStripeEmulator, type StripeEmulator } from './emulators/stripe/emulator';
import { runCollections } from './support/processes';

jest.setTimeout(180000);

describe('collections sync stripe and unmapped (CLI against the Stripe emulator)', () => {
  let emu: StripeEmulator;
  let work: string;
  let env: Record<string, string>;
  let mappedId: string;
  let unmappedId: string;
  let byDomainId: string;

  beforeAll(async () => {
    emu = await startStripeEmulator({ apiKey: 'sk_test_cli' });
    emu.clock.set(Date.UTC(2026, 4, 4, 9, 0, 0) / 1000);
    const mapped = emu.scenario.createCustomer({
      name: 'Mapped AG',
      metadata: { hubspot_company_id: '7001', segment: 'Mid Market' },
    });
    const unmapped = emu.scenario.createCustomer({ name: 'Loose Ltd', email: 'billing@loose.example' });
    const byDomain = emu.scenario.createCustomer({ name: 'Domain Inc', email: 'ap@domain-inc.example' });
    mappedId = String(mapped.id);
    unmappedId = String(unmapped.id);
    byDomainId = String(byDomain.id);
    for (const customer of [mappedId, unmappedId, byDomainId]) {
      const subscription = emu.scenario.createSubscription({ customer, unitAmount: 120_00, currency: 'usd' });
      const invoice = emu.scenario.createInvoice({
        customer,
        subscription: String(subscription.id),
        amount: 120_00,
      });
      emu.clock.advance(3600);
      emu.scenario.failPayment(String(invoice.id), { declineCode: 'insufficient_funds' });
    }
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-stripe-cli-'));
    env = {
      COLLECTIONS_DATA_DIR: path.join(work, 'store'),
      LOG_LEVEL: 'warn',
      DEFAULT_TENANT: 'acme',
      STRIPE_SECRET_KEY: 'sk_test_cli',
      STRIPE_API_BASE: emu.url,
      DEMO_DATA: 'never',
    };
  });

  afterAll(async () => {
    await emu.close();
    await rm(work, { recursive: true, force: true });
  });

  it('backfills, matches by e-mail domain, says so when run again, and lists customers without a CRM record', async () => {
    const badCsv = path.join(work, 'bad.csv');
    await writeFile(badCsv, 'crm_company_id,domain\n8003,domain-inc.example\n8004,not a domain\n');
    const bad = await runCollections(['crm-companies', badCsv], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.csv:3: domain: expected a domain, got "not a domain"');
    const csv = path.join(work, 'crm.csv');
    await writeFile(csv, 'crm_company_id,domain,name\n8003,www.Domain-Inc.example,Domain Inc\n');
    expect((await runCollections(['crm-companies', csv], env)).code).toBe(0);

    const first = await runCollections(['sync', 'stripe', '--backfill', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as {
      resumed: boolean;
      kinds: { kind: string; records: number; done: boolean }[];
    };
    expect(report.resumed).toBe(false);
    expect(report.kinds.find((kind) => kind.kind === 'invoices')).toMatchObject({ records: 3, done: true });
    expect(report.kinds.find((kind) => kind.kind === 'charges')).toMatchObject({ records: 3, done: true });

    const second = await runCollections(['sync', 'stripe', '--backfill'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already complete');

    const unmapped = await runCollections(['unmapped', '--json'], env);
    expect(JSON.parse(unmapped.stdout)).toMatchObject({
      count: 1,
      customers: [{ customerId: unmappedId, name: 'Loose Ltd', email: 'billing@loose.example', invoices: 1 }],
    });

    const matched = await runCollections(['status', byDomainId, '--as-of', '2026-05-04', '--json'], env);
    expect(matched.code).toBe(0);
    const status = await runCollections(['status', mappedId, '--as-of', '2026-05-04', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'failed_payment', segment: 'mid_market' });
  });

  it('leaves a second customer on the same CRM record unmapped, says so, and lists it with the reason', async () => {
    const twin = emu.scenario.createCustomer({
      name: 'Mapped Twin',
      metadata: { hubspot_company_id: '7001' },
    });
    const twinId = String(twin.id);
    emu.scenario.createInvoice({ customer: twinId, amount: 80_00 });

    const synced = await runCollections(['sync', 'stripe', '--backfill', '--restart'], env);
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain(
      `warning: ${twinId} left unmapped: CRM record 7001 is customer ${mappedId}'s already`,
    );

    const listed = await runCollections(['unmapped', '--json'], env);
    const body = JSON.parse(listed.stdout) as {
      customers: { customerId: string; reason: string; conflict: unknown }[];
    };
    expect(body.customers.find((c) => c.customerId === twinId)).toMatchObject({
      conflict: { crmCompanyId: '7001', heldBy: mappedId },
      reason: expect.stringContaining(`conflict with customer ${mappedId}`),
    });
    expect(body.customers.find((c) => c.customerId === unmappedId)).toMatchObject({ conflict: null });
    const human = await runCollections(['unmapped'], env);
    expect(human.stdout).toMatch(new RegExp(`${twinId}.*conflict with customer ${mappedId}`));
  });

  it('exits 2 naming what is missing', async () => {
    const noAction = await runCollections(['sync', 'stripe'], env);
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toContain('--backfill');
    const { STRIPE_SECRET_KEY: _key, ...withoutKey } = env;
    const noKey = await runCollections(['sync', 'stripe', '--backfill'], withoutKey);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('STRIPE_SECRET_KEY');
  });
});
