import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCsvDatasetReader } from '../src/adapters/csv/dataset-reader';
import { createCsvDatasetWriter } from '../src/adapters/csv/dataset-writer';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createPgliteStore, createPostgresStore } from '../src/adapters/postgres';
import type { Config } from '../src/config/config';
import type { CalendarDate } from '../src/domain/dates';
import type { JobQueue } from '../src/ports/queue';
import type { CollectionsStore } from '../src/ports/store';
import type { LoadDemoDataEvents } from '../src/jobs/load-demo-data';
import { createStripeSource } from '../src/adapters/stripe/stripe-source';
import type { BillingSource } from '../src/ports/billing-source';
import { createHubspotGateway } from '../src/adapters/hubspot/hubspot-gateway';
import type { CrmGateway } from '../src/ports/crm-gateway';

/** HubSpot with a private-app token (HUBSPOT_ACCESS_TOKEN); undefined without one. */
export function openCrmGateway(config: Config): CrmGateway | undefined {
  const crm = config.crm;
  if (crm.hubspotAccessToken === undefined) return undefined;
  return createHubspotGateway({
    accessToken: crm.hubspotAccessToken,
    ...(crm.hubspotApiBase === undefined ? {} : { basePath: crm.hubspotApiBase.replace(/\/+$/, '') }),
    rateLimit: { requests: crm.hubspotRequestsPer10s, windowMs: 10000 },
  });
}

/** Stripe when STRIPE_SECRET_KEY is set; undefined otherwise. */
export function openBillingSource(
  config: Config,
  hooks: { onThrottled?: (waitMs: number) => void } = {},
): BillingSource | undefined {
  const billing = config.billing;
  if (billing.stripeSecretKey === undefined) return undefined;
  return createStripeSource({
    secretKey: billing.stripeSecretKey,
    ...(billing.stripeWebhookSecret === undefined ? {} : { webhookSecret: billing.stripeWebhookSecret }),
    ...(billing.stripeApiBase === undefined ? {} : { apiBase: billing.stripeApiBase }),
    maxRequestsPerSecond: billing.stripeMaxRequestsPerSecond,
    timeZone: billing.timeZone,
    crm: billing.crm,
    ...(hooks.onThrottled === undefined ? {} : { onThrottled: hooks.onThrottled }),
  });
}

/** Today's calendar date in UTC: the one place the wall clock becomes a domain value. */
export function todayUtc(now: Date = new Date()): CalendarDate {
  return now.toISOString().slice(0, 10) as CalendarDate;
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(config: Config): Promise<CollectionsStore> {
  const store =
    config.store.kind === 'postgres'
      ? await createPostgresStore({ connectionString: config.store.connectionString })
      : await createPgliteStore({ dataDir: path.resolve(config.store.dataDir) });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** A throwaway embedded store in `dir` (backtests), migrated and ready. */
export async function openScratchStore(dir: string): Promise<CollectionsStore> {
  const store = await createPgliteStore({ dataDir: dir });
  await store.migrate();
  return store;
}

export function openQueue(): JobQueue {
  return createInProcessJobQueue();
}

/** A throwaway dataset folder for generated demo data. */
export function demoDatasetFolders(): LoadDemoDataEvents['openFolder'] {
  return async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'collections-demo-'));
    return {
      writer: await createCsvDatasetWriter(dir),
      reader: createCsvDatasetReader(dir),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  };
}
