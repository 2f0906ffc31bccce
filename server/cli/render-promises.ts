import { addDays } from '../../src/domain/dates';
import { formatMoney } from '../../src/domain/money';
import type { PromiseMetrics, PromiseTally } from '../../src/domain/promises';

const rate = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);

const COLUMNS: { title: string; value: (tally: PromiseTally) => string }[] = [
  { title: 'decided', value: (tally) => String(tally.decided) },
  { title: 'kept', value: (tally) => String(tally.kept) },
  { title: 'partly', value: (tally) => String(tally.partlyKept) },
  { title: 'broken', value: (tally) => String(tally.broken) },
  { title: 'kept rate', value: (tally) => rate(tally.keptRate) },
];

function table(dimension: string, tallies: readonly PromiseTally[]): string[] {
  const keyWidth = Math.max(12, dimension.length + 2, ...tallies.map((tally) => tally.key.length + 2));
  const width = (title: string) => Math.max(title.length, 7);
  return [
    `  ${dimension.padEnd(keyWidth)}${COLUMNS.map((column) => ` ${column.title.padStart(width(column.title))}`).join('')}`,
    ...tallies.map(
      (tally) =>
        `  ${tally.key.padEnd(keyWidth)}${COLUMNS.map((column) => ` ${column.value(tally).padStart(width(column.title))}`).join('')}`,
    ),
  ];
}

/**
 * The promises to pay of the portfolio report: those decided in its window (kept, partly kept, broken;
 * kept rate = kept / decided) in total, by owner and by segment, and what open promises due in the
 * next days promise, per currency (never added across currencies).
 */
export function renderPromiseMetrics(metrics: PromiseMetrics): string {
  const { total } = metrics;
  const until = addDays(metrics.asOf, metrics.aheadDays);
  const ahead =
    metrics.promisedAhead.length === 0
      ? 'nothing'
      : metrics.promisedAhead.map((amount) => formatMoney(amount.amountMinor, amount.currency)).join('; ');
  const lines = [
    `Promises to pay decided in the ${metrics.windowDays} days to ${metrics.asOf}: ${total.decided} ` +
      `(${total.kept} kept, ${total.partlyKept} partly kept, ${total.broken} broken), kept rate ${rate(total.keptRate)}`,
  ];
  if (total.decided > 0)
    lines.push(...table('owner', metrics.byOwner), ...table('segment', metrics.bySegment));
  lines.push(`Promised for the next ${metrics.aheadDays} days (${metrics.asOf} to ${until}): ${ahead}`);
  return lines.join('\n');
}
