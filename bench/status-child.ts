/**
 * The status of every account of an imported store, end to end from the store, in its own process.
 * Prints one JSON line: accounts, invoices, seconds, peak RSS, and the status distribution.
 */
import { openBenchStore } from './open-store';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { forEachAccountStatus } from '../src/use-cases/collections-picture';

async function main(): Promise<void> {
  const [dataDir, asOf, tenant = 'bench'] = process.argv.slice(2);
  if (dataDir === undefined || asOf === undefined)
    throw new Error('usage: status-child <dataDir> <asOf> [tenant]');
  const store = await openBenchStore(dataDir);
  const byStatus: Record<string, number> = {};
  let lastReport = Date.now();
  const started = process.hrtime.bigint();
  const totals = await forEachAccountStatus(store, tenant as TenantId, asOf as CalendarDate, (status) => {
    byStatus[status.status] = (byStatus[status.status] ?? 0) + 1;
    const now = Date.now();
    if (now - lastReport > 2000) {
      lastReport = now;
      process.stderr.write(`  status: ${Object.values(byStatus).reduce((a, b) => a + b, 0)} accounts\n`);
    }
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  process.stdout.write(
    `${JSON.stringify({ store: store.kind, ...totals, seconds, byStatus, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
