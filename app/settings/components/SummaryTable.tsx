import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@hubspot/ui-extensions';
import type { SimulationSummary } from '../api/policies';
import { againstCap, change } from './ActivationConfirm';

type Row = {
  label: string;
  value: (summary: SimulationSummary) => number | null;
  text?: (summary: SimulationSummary) => string;
};

const MEASURES: Row[] = [
  { label: 'Accounts replayed', value: (summary) => summary.accounts ?? null },
  { label: 'Tasks created', value: (summary) => summary.tasks ?? null },
  { label: 'Accounts contacted', value: (summary) => summary.accountsContacted ?? null },
  { label: 'Contacts', value: (summary) => summary.contacts ?? null },
  { label: 'Contacts in the renewal window', value: (summary) => summary.contactsInRenewalWindow ?? null },
  {
    label: 'Most contacts to one account in a week, against the cap',
    value: (summary) => summary.contactsPerAccountWeek?.max ?? null,
    text: (summary) =>
      summary.contactsPerAccountWeek === undefined
        ? '—'
        : againstCap(summary.contactsPerAccountWeek.max, summary.contactsPerAccountWeek.cap),
  },
  { label: 'Accounts held for disputes', value: (summary) => summary.accountsHeldForDisputes ?? null },
  { label: 'Held back by a rail (all rails)', value: (summary) => summary.accountsSkippedByRails ?? null },
];

function keysOf(summaries: SimulationSummary[], pick: (summary: SimulationSummary) => object | undefined) {
  return [...new Set(summaries.flatMap((summary) => Object.keys(pick(summary) ?? {})))];
}

/** `contactCap`, `contact_cap` → "contact cap". */
function railName(rail: string): string {
  return rail
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

/**
 * The draft beside what it is compared with, measure by measure, both columns named. Every rule of
 * either set has a row, 0 when it never fired.
 */
export function SummaryTable({
  summaries,
  labels,
  ruleIds = [],
}: {
  summaries: SimulationSummary[];
  labels: string[];
  ruleIds?: readonly string[];
}) {
  const rules = [...new Set([...ruleIds, ...keysOf(summaries, (summary) => summary.tasksByRule)])];
  const rails = keysOf(summaries, (summary) => summary.skippedByRail).sort();
  const assignees = keysOf(summaries, (summary) => summary.peakTasksPerAssigneePerWeek).sort();
  const rows: Row[] = [
    ...MEASURES,
    ...rails.map((rail) => ({
      label: `Held back by the ${railName(rail)} rail`,
      value: (summary: SimulationSummary) => summary.skippedByRail?.[rail] ?? 0,
    })),
    ...rules.map((ruleId) => ({
      label: `Tasks from ${ruleId}`,
      value: (summary: SimulationSummary) => summary.tasksByRule?.[ruleId] ?? 0,
    })),
    ...assignees.map((assignee) => ({
      label: `Busiest week for ${assignee.replace(/_/g, ' ')} (tasks)`,
      value: (summary: SimulationSummary) => summary.peakTasksPerAssigneePerWeek?.[assignee]?.tasks ?? 0,
    })),
  ];
  const [first, second] = summaries;
  return (
    <Table bordered density="condensed">
      <TableHead>
        <TableRow>
          <TableHeader>Measure</TableHeader>
          {summaries.map((_, index) => (
            <TableHeader key={labels[index] ?? index} align="right">
              {labels[index] ?? `Rule set ${index + 1}`}
            </TableHeader>
          ))}
          {second === undefined ? null : <TableHeader align="right">Change</TableHeader>}
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.label}>
            <TableCell>{row.label}</TableCell>
            {summaries.map((summary, index) => (
              <TableCell key={labels[index] ?? index} align="right">
                {row.text === undefined ? String(row.value(summary) ?? '—') : row.text(summary)}
              </TableCell>
            ))}
            {first === undefined || second === undefined ? null : (
              <TableCell align="right">{change(row.value(second), row.value(first))}</TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
