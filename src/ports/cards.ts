import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';

export type StoredAccountCard = {
  customerId: string;
  version: number;
  cardVersion: number;
  asOf: CalendarDate | null;
  card: unknown;
};

export type WorklistQuery = {
  /** The currency ranked; without one, the currency with the most accounts at risk. */
  currency?: string;
  owner?: string;
  situation?: string;
  offset: number;
  limit: number;
};

export type WorklistPage = {
  currency: string | null;
  total: number;
  rows: { customerId: string; card: unknown }[];
  owners: string[];
  currencies: { currency: string; accounts: number }[];
};

/** What the CRM cards and the worklist show, computed ahead and kept with the version it was computed at. */
export interface CardStore {
  /**
   * Precomputed account cards. Every write that changes what a card shows (billing data, pauses,
   * tasks, the risk model, the rule set) bumps the account's version in the same transaction; a card
   * is fresh when it was computed at the current version for today.
   */
  getAccountCardByCrmId(tenant: TenantId, crmCompanyId: string): Promise<StoredAccountCard | undefined>;
  /** Current versions (read before computing, so a card computed from older facts is never saved). */
  getAccountCardVersions(tenant: TenantId, customerIds?: readonly string[]): Promise<Map<string, number>>;
  /** Saves cards computed at `version`; a card whose account changed meanwhile is skipped. */
  saveAccountCards(
    tenant: TenantId,
    cards: readonly { customerId: string; version: number; asOf: CalendarDate; card: unknown }[],
  ): Promise<number>;
  /** Marks cards stale: some accounts, or every account of the tenant. */
  invalidateAccountCards(tenant: TenantId, customerIds: readonly string[] | 'all'): Promise<void>;
  /** Accounts whose card is missing, stale or not for `asOf`. */
  listStaleAccountCards(tenant: TenantId, asOf: CalendarDate, limit: number): Promise<string[]>;
  /** The fresh cards of a tenant for `asOf`, the first `limit` by a sort key (the attention list). */
  listAccountCards(
    tenant: TenantId,
    asOf: CalendarDate,
    options: { sort: 'risk' | 'overdue' | 'renewal'; limit: number },
  ): Promise<{ customerId: string; card: unknown }[]>;
  /**
   * The worklist: fresh cards for `asOf` with a payment problem and an expected loss in `currency`,
   * ranked by that expected loss (largest first), filtered by owner and situation, one page at a time;
   * with the number of matching accounts, the owners of the book and the currencies at risk.
   */
  listWorklist(tenant: TenantId, asOf: CalendarDate, query: WorklistQuery): Promise<WorklistPage>;
  /** Tenants in which a CRM company is mapped to a billing customer (to refuse another portal's record). */
  findTenantsByCrmCompanyId(crmCompanyId: string): Promise<TenantId[]>;
}
