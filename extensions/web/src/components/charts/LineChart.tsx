import { ChartFrame, ChartSvg } from './ChartFrame';

export type LineSeries = {
  key: string;
  label: string;
  color: string;
  /** Told apart by more than colour: a dash pattern and a marker shape. */
  dash?: string;
  marker: 'circle' | 'square' | 'triangle';
  values: (number | null)[];
  formatValue: (value: number | null) => string;
};

const HEIGHT = 240;
const MARGIN = { top: 12, right: 14, bottom: 34, left: 40 };

/** 0, step, 2·step … up to at least `max`, with a 1/2/5 step. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = 0; value < max + step; value += step) ticks.push(Number(value.toFixed(10)));
  return ticks;
}

function Marker({
  shape,
  x,
  y,
  color,
}: {
  shape: LineSeries['marker'];
  x: number;
  y: number;
  color: string;
}) {
  if (shape === 'square') return <rect x={x - 3.5} y={y - 3.5} width={7} height={7} fill={color} />;
  if (shape === 'triangle')
    return <polygon points={`${x},${y - 4.5} ${x + 4.5},${y + 3.5} ${x - 4.5},${y + 3.5}`} fill={color} />;
  return <circle cx={x} cy={y} r={3.5} fill={color} />;
}

/** Lines over a shared x axis (the trend's month ends); a null breaks the line. */
export function LineChart({
  title,
  label,
  xLabels,
  xHeader,
  series,
  formatTick,
  testId,
}: {
  title: string;
  label: string;
  xLabels: string[];
  xHeader: string;
  series: LineSeries[];
  formatTick: (value: number) => string;
  testId?: string;
}) {
  const max = Math.max(0, ...series.flatMap((entry) => entry.values.map((value) => value ?? 0)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] ?? 1;
  const table = (
    <table className="data-table">
      <thead>
        <tr>
          <th scope="col">{xHeader}</th>
          {series.map((entry) => (
            <th scope="col" key={entry.key}>
              {entry.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {xLabels.map((xLabel, index) => (
          <tr key={xLabel}>
            <th scope="row">{xLabel}</th>
            {series.map((entry) => (
              <td key={entry.key} className="number">
                {entry.formatValue(entry.values[index] ?? null)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartFrame
      title={title}
      legend={series.map((entry) => ({
        label: entry.label,
        color: entry.color,
        marker: 'line' as const,
        ...(entry.dash === undefined ? {} : { dash: entry.dash }),
      }))}
      table={table}
      testId={testId}
    >
      {(width) => {
        const plotWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
        const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
        const xAt = (index: number) =>
          MARGIN.left + (xLabels.length <= 1 ? plotWidth / 2 : (index / (xLabels.length - 1)) * plotWidth);
        const yAt = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
        const every = Math.max(1, Math.ceil((xLabels.length * 52) / plotWidth));
        return (
          <ChartSvg width={width} height={HEIGHT} label={label}>
            {ticks.map((tick) => (
              <g key={tick}>
                <line
                  x1={MARGIN.left}
                  x2={MARGIN.left + plotWidth}
                  y1={yAt(tick)}
                  y2={yAt(tick)}
                  className="chart-grid"
                />
                <text x={MARGIN.left - 6} y={yAt(tick) + 4} textAnchor="end" className="chart-tick">
                  {formatTick(tick)}
                </text>
              </g>
            ))}
            {/* Every `every`-th label, counted back from the latest, which is always shown. */}
            {xLabels.map((xLabel, index) =>
              (xLabels.length - 1 - index) % every === 0 ? (
                <text
                  key={xLabel}
                  x={xAt(index)}
                  y={HEIGHT - MARGIN.bottom + 18}
                  textAnchor="middle"
                  className="chart-tick"
                >
                  {xLabel}
                </text>
              ) : null,
            )}
            {series.map((entry) => {
              const segments: string[] = [];
              let current = '';
              entry.values.forEach((value, index) => {
                if (value === null) {
                  if (current !== '') segments.push(current);
                  current = '';
                  return;
                }
                current += `${current === '' ? 'M' : 'L'}${xAt(index).toFixed(1)},${yAt(value).toFixed(1)}`;
              });
              if (current !== '') segments.push(current);
              return (
                <g key={entry.key}>
                  {segments.map((path) => (
                    <path
                      key={path}
                      d={path}
                      fill="none"
                      stroke={entry.color}
                      strokeWidth={2.5}
                      strokeDasharray={entry.dash}
                    />
                  ))}
                  {entry.values.map((value, index) =>
                    value === null ? null : (
                      <g key={xLabels[index] ?? index}>
                        <Marker shape={entry.marker} x={xAt(index)} y={yAt(value)} color={entry.color} />
                        <title>{`${entry.label}, ${xLabels[index] ?? ''}: ${entry.formatValue(value)}`}</title>
                      </g>
                    ),
                  )}
                </g>
              );
            })}
          </ChartSvg>
        );
      }}
    </ChartFrame>
  );
}
