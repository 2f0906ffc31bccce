import type { SimulationSummary } from '../../api/types';
import { formatDate, formatNumber, humanize } from '../../format';

type Row = {
  label: string;
  value: (summary: SimulationSummary) => number | null;
  /** The cell's text when it says more than the number (the cap beside the most contacts). */
  show?: (summary: SimulationSummary) => { text: string; over: boolean };
};

const METRICS: Row[] = [
  { label: 'Accounts replayed', value: (summary) => summary.accounts },
  { label: 'Tasks created', value: (summary) => summary.tasks },
  { label: 'Accounts contacted', value: (summary) => summary.accountsContacted },
  { label: 'Contacts', value: (summary) => summary.contacts },
  { label: 'Contacts in the renewal window', value: (summary) => summary.contactsInRenewalWindow },
  {
    label: 'Most contacts to one account in a week, against the cap',
    value: (summary) => summary.contactsPerAccountWeek?.max ?? null,
    show: (summary) => {
      const week = summary.contactsPerAccountWeek;
      if (week === undefined) return { text: '—', over: false };
      return {
        text: `${formatNumber(week.max)} of at most ${formatNumber(week.cap)}`,
        over: week.max > week.cap,
      };
    },
  },
  { label: 'Accounts held for disputes', value: (summary) => summary.accountsHeldForDisputes },
  { label: 'Held back by a rail (all rails)', value: (summary) => summary.accountsSkippedByRails },
];

function change(edited: number | null, against: number | null): string {
  if (edited === null || against === null) return '—';
  const difference = edited - against;
  if (difference === 0) return 'same';
  return `${difference > 0 ? '+' : '−'}${formatNumber(Math.abs(difference))}`;
}

/** `contactCap`, `contact_cap` → "contact cap". */
function railName(rail: string): string {
  return humanize(rail.replace(/([a-z])([A-Z])/g, '$1 $2')).toLowerCase();
}

function unionOfKeys(...records: (Record<string, unknown> | undefined)[]): string[] {
  return [...new Set(records.flatMap((record) => Object.keys(record ?? {})))];
}

function Cell({ row, summary }: { row: Row; summary: SimulationSummary }) {
  const shown = row.show?.(summary);
  if (shown === undefined) return <td className="number">{formatNumber(row.value(summary))}</td>;
  return <td className={shown.over ? 'number over-cap' : 'number'}>{shown.text}</td>;
}

/**
 * The edited rule set beside the one it is compared with, measure by measure, both columns named.
 * Every rule of either set has a row, 0 when it never fired.
 */
export function SimulationTable({
  edited,
  against,
  labels,
  ruleIds = [],
}: {
  edited: SimulationSummary;
  against: SimulationSummary | undefined;
  labels: { baseline: string; proposed: string };
  /** The rules of both sets, so a rule the answer leaves out still shows its 0. */
  ruleIds?: readonly string[];
}) {
  const rules = [...new Set([...ruleIds, ...unionOfKeys(edited.tasksByRule, against?.tasksByRule)])];
  const rails = unionOfKeys(edited.skippedByRail, against?.skippedByRail).sort();
  const assignees = unionOfKeys(
    edited.peakTasksPerAssigneePerWeek,
    against?.peakTasksPerAssigneePerWeek,
  ).sort();
  const rows: Row[] = [
    ...METRICS,
    ...rails.map((rail) => ({
      label: `Held back by the ${railName(rail)} rail`,
      value: (summary: SimulationSummary) => summary.skippedByRail?.[rail] ?? 0,
    })),
    ...rules.map((ruleId) => ({
      label: `Tasks from ${ruleId}`,
      value: (summary: SimulationSummary) => summary.tasksByRule[ruleId] ?? 0,
    })),
    ...assignees.map((assignee) => ({
      label: `Busiest week for ${assignee.replace(/_/g, ' ')} (tasks)`,
      value: (summary: SimulationSummary) => summary.peakTasksPerAssigneePerWeek[assignee]?.tasks ?? 0,
    })),
  ];
  return (
    <div className="table-scroll" role="region" aria-label="Simulation summary" tabIndex={0}>
      <table className="data-table" data-testid="simulation-summary">
        <caption>
          What each rule set would have done from {formatDate(edited.from)} to {formatDate(edited.to)} (
          {formatNumber(edited.days)} days)
        </caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">{labels.proposed}</th>
            {against === undefined ? null : (
              <>
                <th scope="col">{labels.baseline}</th>
                <th scope="col">Change</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <Cell row={row} summary={edited} />
              {against === undefined ? null : (
                <>
                  <Cell row={row} summary={against} />
                  <td className="number">{change(row.value(edited), row.value(against))}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
