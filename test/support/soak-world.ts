/**
 * The world a whole-pipeline test or benchmark runs in: a Stripe emulator holding a bulk book whose
 * customers are companies in a HubSpot (or Salesforce) emulator, the environment that points our processes at
 * both, billing changes made through Stripe's scenarios, the check that HubSpot shows exactly what
 * the engine computes from the store, and the check that its amounts are what Stripe says is owed.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { keyInBody } from '../../src/adapters/hubspot/hubspot-gateway';
import { TASK_KEY_FIELD, toSalesforceRecord } from '../../src/adapters/salesforce/fields';
import type { CalendarDate } from '../../src/domain/dates';
import { parseMajorAmount, type CurrencyCode } from '../../src/domain/money';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import {
  accountFacts,
  buildAccountCard,
  groupTasks,
  loadCardContext,
} from '../../src/use-cases/account-card';
import { companyFields } from '../../src/use-cases/crm-sync';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot/emulator';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce/emulator';
import { startStripeEmulator, type StripeEmulator } from '../emulators/stripe/emulator';
import { amountRemaining as stripeAmountRemaining } from '../emulators/stripe/render';
import { generateBulkFixtures } from '../emulators/stripe/fixtures';
import type { WebhookEventLike } from '../emulators/stripe/webhook-sender';

export const STRIPE_KEY = 'sk_test_pipeline';
export const STRIPE_WEBHOOK_SECRET = 'whsec_pipeline';
export const HUBSPOT_TOKEN = 'pat-pipeline';
export const HUBSPOT_PORTAL = 4242;

export type CrmKind = 'hubspot' | 'salesforce';

/** What the checks read from a CRM emulator: our fields of a record, and the tasks carrying our key. */
type CrmView = {
  fields(crmId: string): Record<string, string>;
  tasks(): { key: string; id: string; completed: boolean }[];
};

export type World = {
  tenant: TenantId;
  crm: CrmKind;
  stripe: StripeEmulator;
  /** The HubSpot emulator (for `crm: 'hubspot'`). */
  hubspot: HubspotEmulator | undefined;
  salesforce: SalesforceEmulator | undefined;
  /** Billing customer → CRM company (HubSpot company or Salesforce Account). */
  companyOf: Map<string, string>;
  /** What our processes need to reach the emulators (plus the store and Redis of the run). */
  env: Record<string, string>;
  /** The `collections` command that connects the CRM (creates the properties, or checks the package). */
  connectArgs: string[];
  /** The CRM failing `share` of its requests (5xx after applying, 429s or row locks, lost answers). */
  setFaults(share: number): void;
  /** Requests the CRM received, and the faults it injected. */
  crmStats(): { requests: number; faults: Record<string, number> };
  view: CrmView;
  close(): Promise<void>;
};

/**
 * `accounts` Stripe customers (each a CRM company) with about `invoicesPerAccount` invoices over the
 * last year: paid, open, overdue, failed with decline codes, disputed, void, uncollectible.
 */
export async function createWorld(options: {
  tenant: string;
  accounts: number;
  crm?: CrmKind;
  invoicesPerAccount?: number;
  seed?: number;
  hubspotRate?: { requests: number; windowMs: number };
}): Promise<World> {
  const crm = options.crm ?? 'hubspot';
  const stripe = await startStripeEmulator({ apiKey: STRIPE_KEY, eventRetentionDays: null });
  stripe.clock.set(Math.floor(Date.now() / 1000));
  const fixtures = generateBulkFixtures(stripe, {
    customers: options.accounts,
    invoices: Math.round(options.accounts * (options.invoicesPerAccount ?? 3)),
    seed: options.seed ?? 7,
  });
  const common = {
    DEFAULT_TENANT: options.tenant,
    DEMO_DATA: 'never',
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    STRIPE_MAX_RPS: '100',
    LOG_LEVEL: 'warn',
  };
  const companyOf = new Map<string, string>();
  /** Every customer is a CRM company, named in its metadata as the Stripe app does. */
  const mapCustomers = (create: (name: string) => string, key: string) => {
    for (const customerId of fixtures.customerIds) {
      const record = stripe.store.customers.get(customerId);
      if (record === undefined) continue;
      const companyId = create(record.name ?? customerId);
      (record as { metadata: Record<string, string> }).metadata = { [key]: companyId };
      companyOf.set(customerId, companyId);
    }
  };

  if (crm === 'hubspot') {
    const hubspot = await startHubspotEmulator({
      portalId: HUBSPOT_PORTAL,
      accessToken: HUBSPOT_TOKEN,
      rateLimit: options.hubspotRate ?? { requests: 110, windowMs: 10000 },
      clock: 'wall',
      requestLogSize: 10,
    });
    mapCustomers((name) => hubspot.createCompany({ name }), 'hubspot_company_id');
    return {
      tenant: options.tenant as TenantId,
      crm,
      stripe,
      hubspot,
      salesforce: undefined,
      companyOf,
      env: {
        ...common,
        HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
        HUBSPOT_PORTAL_ID: String(HUBSPOT_PORTAL),
        HUBSPOT_API_BASE: hubspot.url,
      },
      connectArgs: ['hubspot', 'install', '--json'],
      setFaults(share) {
        const third = share / 3;
        hubspot.setFaults({
          serverError: { trigger: { kind: 'probability', p: third, seed: 11 }, status: 503, when: 'after' },
          rateLimit: { trigger: { kind: 'probability', p: third, seed: 12 }, retryAfterSeconds: 1 },
          dropConnection: { trigger: { kind: 'probability', p: third, seed: 13 }, when: 'after' },
        });
      },
      crmStats() {
        const stats = hubspot.stats();
        return {
          requests: stats.requests,
          faults: {
            '503 after applying': stats.faults.serverErrors,
            '429 (injected)': stats.faults.rateLimited,
            'answer lost after applying': stats.faults.dropped,
          },
        };
      },
      view: {
        fields: (crmId) => {
          const properties = hubspot.object('companies', crmId)?.properties ?? {};
          // HubSpot clears a property written as "" (it reads back empty).
          return Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, value ?? '']));
        },
        tasks: () =>
          hubspot.objects('tasks').flatMap((task) => {
            const key = keyInBody(task.properties['hs_task_body'] ?? '');
            return key === undefined
              ? []
              : [{ key, id: task.id, completed: task.properties['hs_task_status'] === 'COMPLETED' }];
          }),
      },
      async close() {
        await hubspot.close();
        await stripe.close();
      },
    };
  }

  // Salesforce, connected as an integration user through the JWT bearer flow.
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const salesforce = await startSalesforceEmulator({
    accessToken: null,
    jwtPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    dailyApiLimit: 10_000_000,
    clock: 'wall',
    requestLogSize: 10,
  });
  mapCustomers((name) => salesforce.createAccount({ Name: name }), 'salesforce_account_id');
  const keyDir = await mkdtemp(path.join(os.tmpdir(), 'collections-jwt-'));
  const keyFile = path.join(keyDir, 'integration.key');
  await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  const client = salesforce.oauthClient;
  return {
    tenant: options.tenant as TenantId,
    crm,
    stripe,
    hubspot: undefined,
    salesforce,
    companyOf,
    env: {
      ...common,
      CRM: 'salesforce',
      SALESFORCE_CLIENT_ID: client.clientId,
      SALESFORCE_CLIENT_SECRET: client.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_JWT_USERNAME: salesforce.users[0]?.username ?? 'emulator@example.com',
      SALESFORCE_JWT_KEY_FILE: keyFile,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
    connectArgs: ['salesforce', 'connect', '--jwt', '--tenant', options.tenant, '--json'],
    setFaults(share) {
      const third = share / 3;
      salesforce.setFaults({
        serviceUnavailable: {
          trigger: { kind: 'probability', p: third, seed: 11 },
          status: 503,
          when: 'after',
        },
        lockError: { trigger: { kind: 'probability', p: third, seed: 12 } },
        dropConnection: {
          trigger: { kind: 'probability', p: third, seed: 13 },
          when: 'after',
          mode: 'reset',
        },
      });
    },
    crmStats() {
      const stats = salesforce.stats();
      return {
        requests: stats.requests,
        faults: {
          '503 after applying': stats.faults.serviceUnavailable,
          'row lock errors': stats.faults.lockErrors,
          'answer lost after applying': stats.faults.dropped,
        },
      };
    },
    view: {
      fields: (crmId) => {
        const fields = salesforce.record(crmId)?.fields ?? {};
        return Object.fromEntries(
          Object.entries(fields).map(([name, value]) => [
            name,
            value === null || value === undefined ? '' : String(value),
          ]),
        );
      },
      tasks: () =>
        salesforce.records('Task').flatMap((task) => {
          const key = task.fields[TASK_KEY_FIELD];
          return typeof key !== 'string'
            ? []
            : [{ key, id: task.id, completed: task.fields['Status'] === 'Completed' }];
        }),
    },
    async close() {
      await salesforce.close();
      await stripe.close();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}

export type Change = {
  customerId: string;
  kind: 'paid' | 'failed' | 'voided' | 'disputed' | 'dispute_closed';
};

/**
 * `count` billing changes on distinct customers, each through Stripe's own state changes (which emit
 * its events): open invoices paid, failed (with a decline code) or voided; paid charges disputed, and
 * some of those disputes closed. The clock moves a second per change. Returns the changes and events.
 */
export function makeChanges(
  world: World,
  count: number,
  seed = 5,
): { changes: Change[]; events: WebhookEventLike[]; customerOfEvent: Map<string, string> } {
  const stripe = world.stripe;
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  // Events as they are emitted, each with the customer whose change emitted it.
  const events: WebhookEventLike[] = [];
  const customerOfEvent = new Map<string, string>();
  let current = '';
  const stop = stripe.onEvent((event) => {
    events.push(JSON.parse(JSON.stringify(event)) as WebhookEventLike);
    customerOfEvent.set(String(event.id), current);
  });
  const touched = new Set<string>();
  const changes: Change[] = [];
  const open = [...stripe.store.invoices.values()].filter((invoice) => invoice.status === 'open');
  const declines = ['insufficient_funds', 'expired_card', 'do_not_honor', 'generic_decline', 'lost_card'];
  for (const invoice of open) {
    if (changes.length >= count) break;
    if (touched.has(invoice.customer)) continue;
    touched.add(invoice.customer);
    current = invoice.customer;
    // Several changes share a second, as on a busy Stripe account (same-second events are read again).
    if (changes.length % 10 === 0) stripe.clock.advance(1);
    const roll = random();
    if (roll < 0.45) {
      stripe.scenario.payInvoice(invoice.id);
      changes.push({ customerId: invoice.customer, kind: 'paid' });
    } else if (roll < 0.75) {
      stripe.scenario.failPayment(invoice.id, {
        declineCode: declines[Math.floor(random() * declines.length)] as string,
      });
      changes.push({ customerId: invoice.customer, kind: 'failed' });
    } else if (roll < 0.82) {
      stripe.scenario.voidInvoice(invoice.id);
      changes.push({ customerId: invoice.customer, kind: 'voided' });
    } else {
      const paid = stripe.scenario.payInvoice(invoice.id);
      const chargeId = paid.charge?.id;
      if (typeof chargeId !== 'string') {
        changes.push({ customerId: invoice.customer, kind: 'paid' });
        continue;
      }
      const dispute = stripe.scenario.createDispute(chargeId, {});
      if (roll > 0.93 && typeof dispute.dispute?.id === 'string') {
        stripe.scenario.closeDispute(dispute.dispute.id, random() < 0.5 ? 'won' : 'lost');
        changes.push({ customerId: invoice.customer, kind: 'dispute_closed' });
      } else changes.push({ customerId: invoice.customer, kind: 'disputed' });
    }
  }
  stop();
  return { changes, events, customerOfEvent };
}

export type Comparison = {
  accounts: number;
  mapped: number;
  /** Company fields where HubSpot differs from the engine (first few kept as examples). */
  fieldMismatches: number;
  examples: { customerId: string; field: string; engine: string; crm: string | undefined }[];
  tasksInStore: number;
  tasksInCrm: number;
  /** CRM tasks sharing one of our keys beyond the first. */
  duplicateTasks: number;
  /** CRM tasks with our key that the store does not know. */
  orphanTasks: number;
  /** Open tasks of mapped accounts the CRM does not have. */
  missingTasks: number;
  /** Open here but completed there, or the other way round. */
  taskStateMismatches: number;
};

/** The CRM against the engine: every mapped company's fields and every task, computed from the store now. */
export async function compareCrmWithEngine(
  world: World,
  store: CollectionsStore,
  today: CalendarDate,
): Promise<Comparison> {
  const tenant = world.tenant;
  const [context, pauses, openTasks, allTasks] = await Promise.all([
    loadCardContext(store, tenant),
    store.listAutomationPauses(tenant),
    store.listTasks(tenant, { state: 'open' }),
    store.listTasks(tenant),
  ]);
  const tasksByCustomer = groupTasks(openTasks);
  const result: Comparison = {
    accounts: 0,
    mapped: 0,
    fieldMismatches: 0,
    examples: [],
    tasksInStore: allTasks.filter((task) => task.crmTaskId !== null).length,
    tasksInCrm: 0,
    duplicateTasks: 0,
    orphanTasks: 0,
    missingTasks: 0,
    taskStateMismatches: 0,
  };
  for await (const facts of accountFacts(store, tenant, undefined)) {
    result.accounts += 1;
    const customerId = facts.customer.customerId;
    const crmId = facts.customer.crmCompanyId;
    if (crmId === null) continue;
    result.mapped += 1;
    const card = buildAccountCard(
      facts,
      today,
      context,
      pauses.get(customerId) ?? null,
      tasksByCustomer.get(customerId) ?? [],
    );
    const fields = companyFields(customerId, card.status, card.risk);
    // What the CRM should hold, in its own field names and types.
    const engine =
      world.crm === 'hubspot'
        ? fields
        : Object.fromEntries(
            Object.entries(toSalesforceRecord('companies', fields)).map(([name, value]) => [
              name,
              value === null ? '' : String(value),
            ]),
          );
    const crm = world.view.fields(crmId);
    for (const [field, value] of Object.entries(engine)) {
      if ((crm[field] ?? '') === value) continue;
      result.fieldMismatches += 1;
      if (result.examples.length < 5)
        result.examples.push({ customerId, field, engine: value, crm: crm[field] });
    }
  }
  const byKey = new Map<string, { id: string; completed: boolean }[]>();
  for (const task of world.view.tasks()) {
    result.tasksInCrm += 1;
    byKey.set(task.key, [...(byKey.get(task.key) ?? []), { id: task.id, completed: task.completed }]);
  }
  const known = new Map(allTasks.map((task) => [task.actionId, task]));
  for (const [key, copies] of byKey) {
    result.duplicateTasks += copies.length - 1;
    if (!known.has(key)) result.orphanTasks += copies.length;
  }
  const mapped = new Set(world.companyOf.keys());
  for (const task of allTasks) {
    const inCrm = byKey.get(task.actionId)?.[0];
    if (task.state === 'open' && mapped.has(task.customerId) && inCrm === undefined) result.missingTasks += 1;
    if (inCrm === undefined) continue;
    if (task.crmTaskId !== inCrm.id) result.missingTasks += 1;
    const openHere = task.state === 'open';
    if (openHere === inCrm.completed) {
      result.taskStateMismatches += 1;
      if (result.examples.length < 5)
        result.examples.push({
          customerId: task.customerId,
          field: `task ${task.actionId}`,
          engine: task.state,
          crm: inCrm.completed ? 'completed' : 'open',
        });
    }
  }
  return result;
}

export type StripeComparison = {
  accounts: number;
  /** CRM records whose owed or overdue amount (or its currency) differs from what Stripe says. */
  mismatches: number;
  examples: { customerId: string; field: string; stripe: string; crm: string }[];
};

/** The CRM's amount fields, by CRM (names as the HubSpot properties and the Salesforce package define them). */
const AMOUNT_FIELDS: Readonly<Record<CrmKind, { currency: string; outstanding: string; overdue: string }>> = {
  hubspot: {
    currency: 'collections_currency',
    outstanding: 'collections_outstanding_amount',
    overdue: 'collections_overdue_amount',
  },
  salesforce: {
    currency: 'Collections_Currency__c',
    outstanding: 'Collections_Outstanding_Amount__c',
    overdue: 'Collections_Overdue_Amount__c',
  },
};

const utcDay = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/**
 * The CRM against Stripe itself, computed from the emulator's Stripe objects without our code: a
 * customer owes the `amount_remaining` of its `open` and `uncollectible` invoices, overdue once the
 * invoice's `due_date` (or, for invoices charged automatically, its finalization day) is before today
 * (UTC, the default billing time zone). The CRM shows the currency owed most, with both amounts in it.
 */
export function compareCrmWithStripe(world: World, today: CalendarDate): StripeComparison {
  const owed = new Map<string, Map<string, { outstanding: number; overdue: number }>>();
  for (const invoice of world.stripe.store.invoices.values()) {
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') continue;
    const remaining = stripeAmountRemaining(invoice);
    if (remaining === 0) continue;
    const byCurrency =
      owed.get(invoice.customer) ?? new Map<string, { outstanding: number; overdue: number }>();
    owed.set(invoice.customer, byCurrency);
    const currency = invoice.currency.toUpperCase();
    const sums = byCurrency.get(currency) ?? { outstanding: 0, overdue: 0 };
    byCurrency.set(currency, sums);
    sums.outstanding += remaining;
    const due = invoice.dueDate ?? invoice.finalizedAt ?? invoice.created;
    if (utcDay(due) < today) sums.overdue += remaining;
  }
  const names = AMOUNT_FIELDS[world.crm];
  const result: StripeComparison = { accounts: 0, mismatches: 0, examples: [] };
  const differs = (customerId: string, field: string, stripe: string, crm: string) => {
    if (stripe === crm) return;
    result.mismatches += 1;
    if (result.examples.length < 5) result.examples.push({ customerId, field, stripe, crm });
  };
  for (const [customerId, crmId] of world.companyOf) {
    result.accounts += 1;
    const main = [...(owed.get(customerId) ?? new Map()).entries()].sort(
      ([a, x], [b, y]) => y.outstanding - x.outstanding || a.localeCompare(b),
    )[0];
    const fields = world.view.fields(crmId);
    const currency = main?.[0] ?? '';
    differs(customerId, names.currency, currency, fields[names.currency] ?? '');
    const minorOf = (field: string): string => {
      const text = (fields[field] ?? '').trim();
      if (text === '' || currency === '') return text === '' || Number(text) === 0 ? '0' : text;
      const parsed = parseMajorAmount(text, currency as CurrencyCode);
      return parsed.ok ? String(parsed.minor) : text;
    };
    differs(customerId, names.outstanding, String(main?.[1].outstanding ?? 0), minorOf(names.outstanding));
    differs(customerId, names.overdue, String(main?.[1].overdue ?? 0), minorOf(names.overdue));
  }
  return result;
}

export function mismatchesOf(comparison: Comparison): number {
  return (
    comparison.fieldMismatches +
    comparison.duplicateTasks +
    comparison.orphanTasks +
    comparison.missingTasks +
    comparison.taskStateMismatches
  );
}

export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}
