/** One year of daily rule evaluation over an imported store, with the default rule set. */
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import { simulateRuleSets } from '../src/use-cases/collections-rules';
import { openBenchStore } from './open-store';

async function main(): Promise<void> {
  const [dataDir, from, to, tenant = 'bench'] = process.argv.slice(2);
  if (dataDir === undefined || from === undefined || to === undefined) {
    throw new Error('usage: simulate-child <dataDir> <from> <to> [tenant]');
  }
  const parsed = validateRuleSet(DEFAULT_RULE_SET);
  if (!parsed.ok) throw new Error('default rule set does not validate');
  const store = await openBenchStore(dataDir);
  const started = process.hrtime.bigint();
  const report = await simulateRuleSets(
    store,
    tenant as TenantId,
    [parsed.ruleSet],
    from as CalendarDate,
    to as CalendarDate,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  const summary = report.summaries[0];
  process.stdout.write(
    `${JSON.stringify({ store: store.kind, accounts: summary?.accounts, days: summary?.days, tasks: summary?.tasks, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
