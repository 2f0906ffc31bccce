import { computeAccountStatus, type AccountStatus } from '../domain/account-status';
import { createPortfolioAccumulator, type PortfolioReport, type SliceDimension } from '../domain/ar-metrics';
import type { CalendarDate } from '../domain/dates';
import { promiseMetrics, type PromiseMetrics } from '../domain/promises';
import type { AccountFacts, TenantId } from '../domain/model';
import { pauseOn } from '../domain/pauses';
import { loadActiveRules } from './renewal-window';
import type { AutomationStore } from '../ports/automation';
import type { LedgerStore } from '../ports/ledger';
import type { PromiseStore } from '../ports/promises';
import type { RiskModelStore } from '../ports/risk-models';
import { prepareHistory } from '../domain/risk/features';
import {
  accountRisk,
  DEFAULT_TIERS,
  fromStoredRiskModel,
  type AccountRisk,
  type RiskTiers,
} from '../domain/risk/risk-model';

/**
 * `renewalWindowDays`: the configured default (RENEWAL_WINDOW_DAYS), in force while the default
 * playbook is; an activated rule set's own window wins (see renewal-window.ts).
 */
export type PictureOptions = { renewalWindowDays?: number; riskTiers?: RiskTiers };

/**
 * One account's collections picture on a day; undefined for an unknown customer. A pause shows only if
 * it was in force that day (started by then, not lifted yet), so a past day reads as it was.
 */
export async function getAccountStatus(
  store: LedgerStore & AutomationStore & RiskModelStore & Pick<PromiseStore, 'listPromises'>,
  tenant: TenantId,
  customerId: string,
  asOf: CalendarDate,
  options: PictureOptions = {},
): Promise<
  | (AccountStatus & {
      name: string | null;
      owner: string | null;
      segment: string | null;
      risk: AccountRisk | null;
    })
  | undefined
> {
  const [facts, pauses, stored, active, promises] = await Promise.all([
    store.getAccountFacts(tenant, customerId),
    store.listPauseHistory(tenant, [customerId]),
    store.loadRiskModel(tenant),
    loadActiveRules(store, tenant, options.renewalWindowDays),
    store.listPromises(tenant, { customerId }),
  ]);
  if (facts === undefined) return undefined;
  const status = computeAccountStatus(facts, asOf, {
    renewalWindowDays: active.renewalWindowDays,
    pause: pauseOn(pauses.get(customerId) ?? [], asOf),
  });
  const risk =
    stored === undefined
      ? null
      : accountRisk(
          fromStoredRiskModel(stored),
          prepareHistory(facts, promises),
          asOf,
          options.riskTiers ?? DEFAULT_TIERS,
        );
  return {
    ...status,
    name: facts.customer.name,
    owner: facts.customer.owner,
    segment: facts.customer.segment,
    risk,
  };
}

/**
 * Every account's status on a day, streamed from the store page by page (memory stays bounded).
 * `onAccount` sees each account's facts with its status, e.g. to sync or to evaluate rules.
 */
export async function forEachAccountStatus(
  store: LedgerStore & AutomationStore,
  tenant: TenantId,
  asOf: CalendarDate,
  onAccount: (status: AccountStatus, facts: AccountFacts) => void | Promise<void>,
  options: PictureOptions & { pageSize?: number } = {},
): Promise<{ accounts: number; invoices: number }> {
  const [pauses, active] = await Promise.all([
    store.listAutomationPauses(tenant),
    loadActiveRules(store, tenant, options.renewalWindowDays),
  ]);
  let accounts = 0;
  let invoices = 0;
  for await (const facts of store.streamAccountFacts(tenant, { pageSize: options.pageSize ?? 1000 })) {
    const status = computeAccountStatus(facts, asOf, {
      renewalWindowDays: active.renewalWindowDays,
      pause: pauses.get(facts.customer.customerId) ?? null,
    });
    accounts += 1;
    invoices += facts.invoices.length;
    await onAccount(status, facts);
  }
  return { accounts, invoices };
}

/**
 * Portfolio metrics (aging, DSO, CEI, delinquency, recovery) per slice and currency, in one streamed
 * pass; with the promises to pay kept by owner and segment over the last 90 days, and the money
 * promised for the next 30.
 */
export async function buildPortfolioReportFromStore(
  store: LedgerStore & PromiseStore,
  tenant: TenantId,
  asOf: CalendarDate,
  options: { by?: SliceDimension; onProgress?: (accounts: number) => void } = {},
): Promise<PortfolioReport & { promises: PromiseMetrics }> {
  const accumulator = createPortfolioAccumulator(asOf, options.by ? { by: options.by } : {});
  // Promises are recorded by people one at a time: the tenant's whole history is small.
  const promises = await store.listPromises(tenant);
  const promised = new Set(promises.map((promise) => promise.customerId));
  const owners = new Map<string, { owner: string | null; segment: string | null }>();
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    accumulator.add(facts);
    const { customerId, owner, segment } = facts.customer;
    if (promised.has(customerId)) owners.set(customerId, { owner, segment });
    accounts += 1;
    if (accounts % 1000 === 0) options.onProgress?.(accounts);
  }
  options.onProgress?.(accounts);
  return { ...accumulator.result(), promises: promiseMetrics(promises, owners, asOf) };
}
