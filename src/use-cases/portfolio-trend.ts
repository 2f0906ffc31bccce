import { createPortfolioAccumulators, type ReportSlice } from '../domain/ar-metrics';
import { monthEnds, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { LedgerStore } from '../ports/ledger';
import type { PortfolioSnapshot, PortfolioSnapshotStore } from '../ports/portfolio-snapshots';

export type SnapshotPorts = {
  book: Pick<LedgerStore, 'streamAccountFacts'>;
  snapshots: PortfolioSnapshotStore;
};

/** Month-ends kept by the daily run: the workspace's trend. */
export const DAILY_TREND_MONTHS = 12;

/**
 * Computes the portfolio totals of these days in one streamed pass over the book, saves them as
 * snapshots of the book version read before the pass, and returns them as saved (a write during the
 * pass that reaches a day leaves that day's snapshot stale).
 */
export async function computePortfolioSnapshots(
  ports: SnapshotPorts,
  tenant: TenantId,
  days: readonly CalendarDate[],
  options: { onProgress?: (accounts: number) => void } = {},
): Promise<PortfolioSnapshot[]> {
  if (days.length === 0) return [];
  const bookVersion = await ports.snapshots.portfolioBookVersion(tenant);
  const reports = createPortfolioAccumulators(days);
  let accounts = 0;
  for await (const facts of ports.book.streamAccountFacts(tenant)) {
    reports.add(facts);
    accounts += 1;
    if (accounts % 10000 === 0) options.onProgress?.(accounts);
  }
  options.onProgress?.(accounts);
  const totals: { asOf: CalendarDate; total: ReportSlice }[] = reports
    .results()
    .map((report) => ({ asOf: report.asOf, total: report.total }));
  await ports.snapshots.savePortfolioSnapshots(tenant, bookVersion, totals);
  return ports.snapshots.listPortfolioSnapshots(tenant, days);
}

/**
 * Which of these days need a pass: those without a snapshot, and those whose snapshot is stale (a
 * closed month must reconcile with the book). Today's stale snapshot is kept unless a pass runs anyway:
 * the latest point may lag the day's own writes, and says so.
 */
export function daysToCompute(
  days: readonly CalendarDate[],
  stored: readonly PortfolioSnapshot[],
  today: CalendarDate,
): CalendarDate[] {
  const byDay = new Map(stored.map((snapshot) => [snapshot.asOf, snapshot]));
  const needed = days.filter((day) => {
    const snapshot = byDay.get(day);
    return snapshot === undefined || (snapshot.stale && day !== today);
  });
  if (needed.length > 0 && byDay.get(today)?.stale === true) needed.push(today);
  return needed;
}

/**
 * The portfolio trend: the totals at each of the `months - 1` month-ends before today and today, from
 * stored snapshots; missing or stale ones are computed first, all in one pass.
 */
export async function portfolioTrend(
  ports: SnapshotPorts,
  tenant: TenantId,
  today: CalendarDate,
  months: number,
): Promise<{ points: PortfolioSnapshot[]; computed: CalendarDate[] }> {
  const days = monthEnds(today, months);
  const stored = await ports.snapshots.listPortfolioSnapshots(tenant, days);
  const computed = daysToCompute(days, stored, today);
  const byDay = new Map(stored.map((snapshot) => [snapshot.asOf, snapshot]));
  for (const snapshot of await computePortfolioSnapshots(ports, tenant, computed))
    byDay.set(snapshot.asOf, snapshot);
  const points = days.flatMap((day) => {
    const snapshot = byDay.get(day);
    return snapshot === undefined ? [] : [snapshot];
  });
  return { points, computed };
}

/**
 * The daily run's snapshots: today's, and the trend's month-ends that are missing or stale, in one pass;
 * so a reader usually finds them stored.
 */
export async function refreshPortfolioSnapshots(
  ports: SnapshotPorts,
  tenant: TenantId,
  day: CalendarDate,
  months: number = DAILY_TREND_MONTHS,
): Promise<CalendarDate[]> {
  const days = monthEnds(day, months);
  const stored = await ports.snapshots.listPortfolioSnapshots(tenant, days);
  const fresh = new Set(stored.filter((snapshot) => !snapshot.stale).map((snapshot) => snapshot.asOf));
  const needed = days.filter((candidate) => candidate === day || !fresh.has(candidate));
  await computePortfolioSnapshots(ports, tenant, needed);
  return needed;
}
