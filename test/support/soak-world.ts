/**
 * The world a whole-pipeline test or benchmark runs in: a Stripe emulator holding a bulk book whose
 * customers are HubSpot companies in a HubSpot emulator, the environment that points our processes at
 * both, billing changes made through Stripe's scenarios, and the check that HubSpot shows exactly what
 * the engine computes from the store.
 */
import { keyInBody } from '../../src/adapters/hubspot/hubspot-gateway';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import {
  accountFacts,
  buildAccountCard,
  groupTasks,
  loadCardContext,
} from '../../src/use-cases/account-card';
import { companyFields } from '../../src/use-cases/crm-sync';
import { startHubspotEmulator, type FaultConfig, type HubspotEmulator } from '../emulators/hubspot/emulator';
import { startStripeEmulator, type StripeEmulator } from '../emulators/stripe/emulator';
import { generateBulkFixtures } from '../emulators/stripe/fixtures';
import type { WebhookEventLike } from '../emulators/stripe/webhook-sender';

export const STRIPE_KEY = 'sk_test_pipeline';
export const STRIPE_WEBHOOK_SECRET = 'whsec_pipeline';
export const HUBSPOT_TOKEN = 'pat-pipeline';
export const HUBSPOT_PORTAL = 4242;

export type World = {
  tenant: TenantId;
  stripe: StripeEmulator;
  hubspot: HubspotEmulator;
  /** Billing customer → HubSpot company. */
  companyOf: Map<string, string>;
  /** What our processes need to reach both emulators (plus the store and Redis of the run). */
  env: Record<string, string>;
  close(): Promise<void>;
};

/**
 * `accounts` Stripe customers (each a HubSpot company) with about `invoicesPerAccount` invoices over the
 * last year: paid, open, overdue, failed with decline codes, disputed, void, uncollectible.
 */
export async function createWorld(options: {
  tenant: string;
  accounts: number;
  invoicesPerAccount?: number;
  seed?: number;
  hubspotRate?: { requests: number; windowMs: number };
}): Promise<World> {
  const stripe = await startStripeEmulator({ apiKey: STRIPE_KEY, eventRetentionDays: null });
  stripe.clock.set(Math.floor(Date.now() / 1000));
  const hubspot = await startHubspotEmulator({
    portalId: HUBSPOT_PORTAL,
    accessToken: HUBSPOT_TOKEN,
    rateLimit: options.hubspotRate ?? { requests: 110, windowMs: 10000 },
    clock: 'wall',
    requestLogSize: 10,
  });
  const fixtures = generateBulkFixtures(stripe, {
    customers: options.accounts,
    invoices: Math.round(options.accounts * (options.invoicesPerAccount ?? 3)),
    seed: options.seed ?? 7,
  });
  const companyOf = new Map<string, string>();
  for (const customerId of fixtures.customerIds) {
    const record = stripe.store.customers.get(customerId);
    if (record === undefined) continue;
    const companyId = hubspot.createCompany({ name: record.name ?? customerId });
    // Every customer is a HubSpot company, named in its metadata as the Stripe app does.
    (record as { metadata: Record<string, string> }).metadata = { hubspot_company_id: companyId };
    companyOf.set(customerId, companyId);
  }
  return {
    tenant: options.tenant as TenantId,
    stripe,
    hubspot,
    companyOf,
    env: {
      DEFAULT_TENANT: options.tenant,
      DEMO_DATA: 'never',
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      STRIPE_MAX_RPS: '100',
      HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
      HUBSPOT_PORTAL_ID: String(HUBSPOT_PORTAL),
      HUBSPOT_API_BASE: hubspot.url,
      LOG_LEVEL: 'warn',
    },
    async close() {
      await hubspot.close();
      await stripe.close();
    },
  };
}

/** HubSpot failing `share` of its requests: 5xx after applying, 429s, and answers lost after applying. */
export function hubspotFaults(share: number, seed = 11): FaultConfig {
  const third = share / 3;
  return {
    serverError: { trigger: { kind: 'probability', p: third, seed }, status: 503, when: 'after' },
    rateLimit: { trigger: { kind: 'probability', p: third, seed: seed + 1 }, retryAfterSeconds: 1 },
    dropConnection: { trigger: { kind: 'probability', p: third, seed: seed + 2 }, when: 'after' },
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

/** HubSpot against the engine: every mapped company's fields and every task, computed from the store now. */
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
    const engine = companyFields(customerId, card.status, card.risk);
    const crm = world.hubspot.object('companies', crmId)?.properties ?? {};
    for (const [field, value] of Object.entries(engine)) {
      // HubSpot clears a property written as "" (it reads back empty).
      if ((crm[field] ?? '') === value) continue;
      result.fieldMismatches += 1;
      if (result.examples.length < 5)
        result.examples.push({ customerId, field, engine: value, crm: crm[field] });
    }
  }
  const byKey = new Map<string, { id: string; completed: boolean }[]>();
  for (const task of world.hubspot.objects('tasks')) {
    const key = keyInBody(task.properties['hs_task_body'] ?? '');
    if (key === undefined) continue;
    result.tasksInCrm += 1;
    byKey.set(key, [
      ...(byKey.get(key) ?? []),
      { id: task.id, completed: task.properties['hs_task_status'] === 'COMPLETED' },
    ]);
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
    if (openHere === inCrm.completed) result.taskStateMismatches += 1;
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
