import { ChartFrame, ChartSvg, fitText } from './ChartFrame';

export type BarRow = {
  label: string;
  value: number | null;
  /** Under the bar: what the value rests on ("12 accounts · AR $1.2M"). */
  detail: string;
};

const ROW_HEIGHT = 58;
const BAR_HEIGHT = 14;

/**
 * Horizontal bars with the label and value above each bar and its evidence below, so the chart
 * reads the same at 320 px. A missing value shows a dash and no bar.
 */
export function BarChart({
  title,
  label,
  rows,
  formatValue,
  valueHeader,
  rowHeader,
  color = '#0b57d0',
  max,
  testId,
}: {
  title: string;
  label: string;
  rows: BarRow[];
  formatValue: (value: number | null) => string;
  valueHeader: string;
  rowHeader: string;
  color?: string;
  /** The value of a full-width bar; the largest value when absent. */
  max?: number;
  testId?: string;
}) {
  const top = Math.max(1e-9, max ?? Math.max(0, ...rows.map((row) => row.value ?? 0)));
  const table = (
    <table className="data-table">
      <thead>
        <tr>
          <th scope="col">{rowHeader}</th>
          <th scope="col">{valueHeader}</th>
          <th scope="col">Based on</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td className="number">{formatValue(row.value)}</td>
            <td>{row.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartFrame title={title} table={table} testId={testId}>
      {(width) => (
        <ChartSvg width={width} height={rows.length * ROW_HEIGHT + 4} label={label}>
          {rows.map((row, index) => {
            const y = index * ROW_HEIGHT;
            const valueText = formatValue(row.value);
            const barWidth = row.value === null ? 0 : (Math.max(0, row.value) / top) * width;
            return (
              <g key={row.label}>
                <text x={0} y={y + 14} className="chart-label">
                  {fitText(row.label, width - valueText.length * 7.5 - 12)}
                </text>
                <text x={width} y={y + 14} textAnchor="end" className="chart-value">
                  {valueText}
                </text>
                <rect x={0} y={y + 20} width={width} height={BAR_HEIGHT} className="chart-track" />
                {barWidth > 0 ? (
                  <rect x={0} y={y + 20} width={Math.max(2, barWidth)} height={BAR_HEIGHT} fill={color}>
                    <title>{`${row.label}: ${valueText} (${row.detail})`}</title>
                  </rect>
                ) : null}
                <text x={0} y={y + 48} className="chart-detail">
                  {fitText(row.detail, width)}
                </text>
              </g>
            );
          })}
        </ChartSvg>
      )}
    </ChartFrame>
  );
}
