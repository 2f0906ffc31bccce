import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@hubspot/ui-extensions';
import type { SimulationSummary } from '../api/policies';

/** Nested counts become dotted keys ("tasksByRule.first-reminder"), so any summary shape shows. */
function flatten(value: unknown, prefix: string, into: Map<string, string>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix === '' ? key : `${prefix}.${key}`, into);
    return;
  }
  into.set(prefix, Array.isArray(value) ? value.map(String).join(', ') : String(value));
}

function flattened(summary: SimulationSummary): Map<string, string> {
  const into = new Map<string, string>();
  flatten(summary, '', into);
  return into;
}

export function SummaryTable({ summaries, labels }: { summaries: SimulationSummary[]; labels: string[] }) {
  const columns = summaries.map(flattened);
  const keys = [...new Set(columns.flatMap((column) => [...column.keys()]))];
  return (
    <Table bordered density="condensed">
      <TableHead>
        <TableRow>
          <TableHeader>Measure</TableHeader>
          {columns.map((_, index) => (
            <TableHeader key={labels[index] ?? index} align="right">
              {labels[index] ?? `Rule set ${index + 1}`}
            </TableHeader>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {keys.map((key) => (
          <TableRow key={key}>
            <TableCell>{key}</TableCell>
            {columns.map((column, index) => (
              <TableCell key={labels[index] ?? index} align="right">
                {column.get(key) ?? '—'}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
