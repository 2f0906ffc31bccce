/**
 * Stripe through the official SDK against the local emulator (in this process, on loopback):
 *  1. backfill of a bulk book (default 100,000 invoices): time, objects per second, peak memory;
 *  2. sustained webhook intake: scenario events signed like Stripe's and posted by a few concurrent
 *     senders to the real HTTP endpoint; events per second end to end and the delay from receipt to
 *     the account's state being updated (p50, p95, max). Bounded in count and time.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { TenantId } from '../src/domain/model';
import { BILLING_EVENT, createBillingEventHandler } from '../src/jobs/billing-events';
import { backfillBillingSource } from '../src/use-cases/billing-sync';
import { createHttpApp } from '../server/http/app';
import { startStripeEmulator } from '../test/emulators/stripe/emulator';
import { generateBulkFixtures } from '../test/emulators/stripe/fixtures';
import { sendWebhooks } from '../test/emulators/stripe/webhook-sender';
import { openBenchStore } from './open-store';

const API_KEY = 'sk_test_bench';
const SECRET = 'whsec_bench';

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

async function main(): Promise<void> {
  const [dataDir, invoicesArg = '100000', eventsArg = '3000'] = process.argv.slice(2);
  if (dataDir === undefined) throw new Error('usage: stripe-child <dataDir> [invoices] [events]');
  const invoices = Number(invoicesArg);
  const maxEvents = Number(eventsArg);
  const emu = await startStripeEmulator({ apiKey: API_KEY, eventRetentionDays: null });
  emu.clock.set(Date.UTC(2026, 10, 1) / 1000);
  const fixtures = generateBulkFixtures(emu, {
    customers: Math.max(1, Math.round(invoices / 20)),
    invoices,
    seed: 11,
  });
  const store = await openBenchStore(dataDir);
  await store.migrate();
  let throttled = 0;
  const source = createStripeSource({
    secretKey: API_KEY,
    webhookSecret: SECRET,
    apiBase: emu.url,
    timeZone: 'UTC',
    crm: 'hubspot',
    maxRequestsPerSecond: Number(process.env.BENCH_STRIPE_RPS ?? 100),
    onThrottled: () => (throttled += 1),
  });
  const tenant = 'bench-stripe' as TenantId;

  // 1. Backfill.
  const started = process.hrtime.bigint();
  let lastReport = 0;
  const backfill = await backfillBillingSource(store, source, tenant, {
    restart: true,
    onPage: ({ kind, records }) => {
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(`  backfill: ${kind} ${records}\n`);
      }
    },
  });
  const backfillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = await store.counts(tenant);
  const objects = backfill.kinds.reduce((sum, kind) => sum + kind.records, 0);

  // 2. Webhook intake: new activity on existing invoices, signed and posted to the endpoint.
  const queue = createInProcessJobQueue();
  await queue.startWorker({
    [BILLING_EVENT]: createBillingEventHandler(store, new Map([[source.name, source]])),
  });
  const app = createHttpApp({
    store,
    state: { startedAt: Date.now(), demo: { state: 'off', tenant }, shuttingDown: false },
    logger: pino({ level: 'silent' }),
    billingWebhooks: [{ source, tenant, queue }],
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  const before = emu.events().length;
  const open = [...emu.store.invoices.values()].filter((invoice) => invoice.status === 'open');
  for (const invoice of open) {
    if (emu.events().length - before >= maxEvents) break;
    emu.clock.advance(60);
    if (
      invoice.collectionMethod === 'charge_automatically' &&
      invoice.id.charCodeAt(invoice.id.length - 1) % 2 === 0
    )
      emu.scenario.failPayment(invoice.id, { declineCode: 'insufficient_funds' });
    else emu.scenario.payInvoice(invoice.id);
  }
  const events = emu.events().slice(before, before + maxEvents);
  // Paced at a steady rate (BENCH_WEBHOOK_RATE events/s), in chunks of 10, as Stripe delivers them.
  const rate = Number(process.env.BENCH_WEBHOOK_RATE ?? 50);
  const chunk = 10;
  const intakeStarted = Date.now();
  const deadline = intakeStarted + 10 * 60000;
  for (let index = 0; index < events.length && Date.now() < deadline; index += chunk) {
    const due = intakeStarted + (index / rate) * 1000;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await sendWebhooks(events.slice(index, index + chunk), {
      url,
      secret: SECRET,
      retry: { maxAttempts: 3, initialDelayMs: 50 },
    });
  }
  for (;;) {
    const pending = (await store.countWebhookEvents(tenant, 'stripe'))['received'] ?? 0;
    if (pending === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const delays: number[] = [];
  let lastProcessed = intakeStarted;
  let firstReceived = Infinity;
  for (const event of events) {
    const stored = await store.getWebhookEvent(tenant, 'stripe', String(event.id));
    if (stored === undefined || stored.processedAtMs === null) continue;
    delays.push(stored.processedAtMs - stored.receivedAtMs);
    lastProcessed = Math.max(lastProcessed, stored.processedAtMs);
    firstReceived = Math.min(firstReceived, stored.receivedAtMs);
  }
  delays.sort((a, b) => a - b);
  const states = await store.countWebhookEvents(tenant, 'stripe');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await queue.close();
  await store.close();
  await emu.close();
  const intakeSeconds = (lastProcessed - firstReceived) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      store: store.kind,
      fixtures: {
        customers: fixtures.customers,
        invoices: fixtures.invoices,
        seconds: fixtures.elapsedMs / 1000,
      },
      backfill: {
        objects,
        invoices: counts.invoices,
        payments: counts.payments,
        disputes: counts.disputes,
        seconds: backfillSeconds,
        objectsPerSecond: objects / backfillSeconds,
        invoicesPerSecond: counts.invoices / backfillSeconds,
        apiRequests: emu.stats().requests,
        throttled,
      },
      webhooks: {
        offeredPerSecond: rate,
        events: events.length,
        processed: delays.length,
        states,
        seconds: intakeSeconds,
        eventsPerSecond: delays.length / Math.max(intakeSeconds, 0.001),
        delayMs: {
          p50: percentile(delays, 0.5),
          p95: percentile(delays, 0.95),
          max: delays[delays.length - 1] ?? 0,
        },
      },
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
