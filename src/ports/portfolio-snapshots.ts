import type { ReportSlice } from '../domain/ar-metrics';
import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';

/** The portfolio report's totals on one day, as computed from the book at a known state. */
export type PortfolioSnapshot = {
  asOf: CalendarDate;
  /** The report's total slice: accounts, and AR, aging, DSO, CEI and recovery per currency. */
  total: ReportSlice;
  /** When it was computed (an ISO instant). */
  computedAt: string;
  /** The tenant's billing-history version the computing pass started from. */
  bookVersion: number;
  /**
   * Billing history on or before `asOf` (invoices, payments) changed after the pass started: the
   * figures may no longer be the book's.
   */
  stale: boolean;
};

/**
 * Month-end (and daily) portfolio snapshots, per tenant and day. Every change to a tenant's invoices or
 * payments moves its billing-history version and marks stale the snapshots of the days it reaches, so
 * a snapshot is served as current only while the book it was computed from still holds for its day.
 */
export interface PortfolioSnapshotStore {
  /** The tenant's billing-history version now: read it before a pass over the book starts. */
  portfolioBookVersion(tenant: TenantId): Promise<number>;
  /** The tenant's stored snapshots of these days, in day order; days without one are left out. */
  listPortfolioSnapshots(tenant: TenantId, days: readonly CalendarDate[]): Promise<PortfolioSnapshot[]>;
  /**
   * Keeps totals computed by a pass that started at `bookVersion` (replacing earlier snapshots of the
   * same days). A snapshot whose day a history change after `bookVersion` reached is kept stale.
   */
  savePortfolioSnapshots(
    tenant: TenantId,
    bookVersion: number,
    snapshots: readonly { asOf: CalendarDate; total: ReportSlice }[],
  ): Promise<void>;
}
