import type { SimulationSummary } from '../../api/types';
import { formatDate, formatNumber } from '../../format';

type Metric = { label: string; value: (summary: SimulationSummary) => number | null };

const METRICS: Metric[] = [
  { label: 'Accounts replayed', value: (summary) => summary.accounts },
  { label: 'Tasks created', value: (summary) => summary.tasks },
  { label: 'Accounts contacted', value: (summary) => summary.accountsContacted },
  { label: 'Contacts', value: (summary) => summary.contacts },
  { label: 'Contacts in the renewal window', value: (summary) => summary.contactsInRenewalWindow },
  { label: 'Accounts held for disputes', value: (summary) => summary.accountsHeldForDisputes },
  {
    label: 'Accounts held back by a rail (hold, cap, open task)',
    value: (summary) => summary.accountsSkippedByRails,
  },
];

function change(edited: number | null, against: number | null): string {
  if (edited === null || against === null) return '—';
  const difference = edited - against;
  if (difference === 0) return 'same';
  return `${difference > 0 ? '+' : '−'}${formatNumber(Math.abs(difference))}`;
}

/** The edited rule set beside the one it is compared with, metric by metric. */
export function SimulationTable({
  edited,
  against,
  againstLabel,
}: {
  edited: SimulationSummary;
  against: SimulationSummary | undefined;
  againstLabel: string;
}) {
  const ruleIds = [
    ...new Set([...Object.keys(edited.tasksByRule), ...Object.keys(against?.tasksByRule ?? {})]),
  ].sort();
  const assignees = [
    ...new Set([
      ...Object.keys(edited.peakTasksPerAssigneePerWeek),
      ...Object.keys(against?.peakTasksPerAssigneePerWeek ?? {}),
    ]),
  ].sort();
  const rows: Metric[] = [
    ...METRICS,
    ...ruleIds.map((ruleId) => ({
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
            <th scope="col">Edited rule set</th>
            {against === undefined ? null : (
              <>
                <th scope="col">{againstLabel}</th>
                <th scope="col">Change</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td className="number">{formatNumber(row.value(edited))}</td>
              {against === undefined ? null : (
                <>
                  <td className="number">{formatNumber(row.value(against))}</td>
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
