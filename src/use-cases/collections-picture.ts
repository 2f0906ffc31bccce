import {
  computeAccountStatus,
  DEFAULT_RENEWAL_WINDOW_DAYS,
  type AccountStatus,
} from '../domain/account-status';
import { createPortfolioAccumulator, type PortfolioReport, type SliceDimension } from '../domain/ar-metrics';
import type { CalendarDate } from '../domain/dates';
import type { AccountFacts, TenantId } from '../domain/model';
import { pauseOn } from '../domain/pauses';
import type { CollectionsStore } from '../ports/store';
import { prepareHistory } from '../domain/risk/features';
import {
  accountRisk,
  DEFAULT_TIERS,
  fromStoredRiskModel,
  type AccountRisk,
  type RiskTiers,
} from '../domain/risk/risk-model';

export type PictureOptions = { renewalWindowDays?: number; riskTiers?: RiskTiers };

/**
 * One account's collections picture on a day; undefined for an unknown customer. A pause shows only if
 * it was in force that day (started by then, not lifted yet), so a past day reads as it was.
 */
export async function getAccountStatus(
  store: CollectionsStore,
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
  const [facts, pauses, stored] = await Promise.all([
    store.getAccountFacts(tenant, customerId),
    store.listPauseHistory(tenant, [customerId]),
    store.loadRiskModel(tenant),
  ]);
  if (facts === undefined) return undefined;
  const status = computeAccountStatus(facts, asOf, {
    renewalWindowDays: options.renewalWindowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS,
    pause: pauseOn(pauses.get(customerId) ?? [], asOf),
  });
  const risk =
    stored === undefined
      ? null
      : accountRisk(
          fromStoredRiskModel(stored),
          prepareHistory(facts),
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
  store: CollectionsStore,
  tenant: TenantId,
  asOf: CalendarDate,
  onAccount: (status: AccountStatus, facts: AccountFacts) => void | Promise<void>,
  options: PictureOptions & { pageSize?: number } = {},
): Promise<{ accounts: number; invoices: number }> {
  const pauses = await store.listAutomationPauses(tenant);
  let accounts = 0;
  let invoices = 0;
  for await (const facts of store.streamAccountFacts(tenant, { pageSize: options.pageSize ?? 1000 })) {
    const status = computeAccountStatus(facts, asOf, {
      renewalWindowDays: options.renewalWindowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS,
      pause: pauses.get(facts.customer.customerId) ?? null,
    });
    accounts += 1;
    invoices += facts.invoices.length;
    await onAccount(status, facts);
  }
  return { accounts, invoices };
}

/** Portfolio metrics (aging, DSO, CEI, delinquency, recovery) per slice and currency, in one streamed pass. */
export async function buildPortfolioReportFromStore(
  store: CollectionsStore,
  tenant: TenantId,
  asOf: CalendarDate,
  options: { by?: SliceDimension; onProgress?: (accounts: number) => void } = {},
): Promise<PortfolioReport> {
  const accumulator = createPortfolioAccumulator(asOf, options.by ? { by: options.by } : {});
  let accounts = 0;
  for await (const facts of store.streamAccountFacts(tenant)) {
    accumulator.add(facts);
    accounts += 1;
    if (accounts % 1000 === 0) options.onProgress?.(accounts);
  }
  options.onProgress?.(accounts);
  return accumulator.result();
}
