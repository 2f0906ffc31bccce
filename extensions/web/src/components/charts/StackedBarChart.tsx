import { ChartFrame, ChartSvg, fitText } from './ChartFrame';

export type StackSeries = { key: string; label: string; color: string };
export type StackRow = { label: string; values: number[] };

const ROW_HEIGHT = 46;
const BAR_HEIGHT = 16;

/**
 * Horizontal stacked bars, one per row, each row's label above its bar so the chart reads the same
 * at 320 px. Segments are separated by a white gap so neighbours stay distinguishable.
 */
export function StackedBarChart({
  title,
  label,
  series,
  rows,
  formatValue,
  formatAxis = formatValue,
  rowHeader,
  testId,
}: {
  title: string;
  /** The header of the table's first column (what a row is). */
  rowHeader: string;
  label: string;
  series: StackSeries[];
  rows: StackRow[];
  formatValue: (value: number) => string;
  formatAxis?: (value: number) => string;
  testId?: string;
}) {
  const totals = rows.map((row) => row.values.reduce((sum, value) => sum + Math.max(0, value), 0));
  const max = Math.max(1, ...totals);
  const table = (
    <table className="data-table">
      <thead>
        <tr>
          <th scope="col">{rowHeader}</th>
          {series.map((entry) => (
            <th scope="col" key={entry.key}>
              {entry.label}
            </th>
          ))}
          <th scope="col">Total</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            {series.map((entry, seriesIndex) => (
              <td key={entry.key} className="number">
                {formatValue(row.values[seriesIndex] ?? 0)}
              </td>
            ))}
            <td className="number">{formatValue(totals[index] ?? 0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartFrame
      title={title}
      legend={series.map((entry) => ({ label: entry.label, color: entry.color }))}
      table={table}
      testId={testId}
    >
      {(width) => {
        const height = rows.length * ROW_HEIGHT + 4;
        return (
          <ChartSvg width={width} height={height} label={label}>
            {rows.map((row, index) => {
              const top = index * ROW_HEIGHT;
              const totalText = formatAxis(totals[index] ?? 0);
              let x = 0;
              return (
                <g key={row.label}>
                  <text x={0} y={top + 14} className="chart-label">
                    {fitText(row.label, width - totalText.length * 7.5 - 12)}
                  </text>
                  <text x={width} y={top + 14} textAnchor="end" className="chart-value">
                    {totalText}
                  </text>
                  {row.values.map((value, seriesIndex) => {
                    const entry = series[seriesIndex];
                    const segment = (Math.max(0, value) / max) * width;
                    const start = x;
                    x += segment;
                    if (entry === undefined || segment <= 0) return null;
                    return (
                      <rect
                        key={entry.key}
                        x={start}
                        y={top + 21}
                        width={segment}
                        height={BAR_HEIGHT}
                        fill={entry.color}
                        stroke="#ffffff"
                        strokeWidth={1}
                      >
                        <title>{`${row.label}, ${entry.label}: ${formatValue(value)}`}</title>
                      </rect>
                    );
                  })}
                </g>
              );
            })}
          </ChartSvg>
        );
      }}
    </ChartFrame>
  );
}
