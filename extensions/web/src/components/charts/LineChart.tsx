import { ChartFrame, ChartSvg } from './ChartFrame';

export type AxisSide = 'left' | 'right';

export type LineSeries = {
  key: string;
  label: string;
  color: string;
  /** Told apart by more than colour: a dash pattern and a marker shape. */
  dash?: string;
  marker: 'circle' | 'square' | 'triangle';
  values: (number | null)[];
  formatValue: (value: number | null) => string;
  /** The y axis the series is read on; left unless given. */
  axis?: AxisSide;
};

/** A y axis with its unit in its title ("Days", "Percent"), so each line is read against its own scale. */
export type YAxis = {
  title: string;
  formatTick: (value: number) => string;
  /** The scale reaches at least this far (e.g. 100 for a percentage). */
  max?: number;
};

const HEIGHT = 240;
const MARGIN = { top: 12, right: 14, bottom: 34, left: 40 };
/** Room for an axis title written along the axis. */
const AXIS_TITLE_ROOM = 18;
/** Room for the tick labels of a right-hand axis. */
const RIGHT_TICKS_ROOM = 34;

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

/** The path segments of one series; a null breaks the line. */
function segmentsOf(
  values: (number | null)[],
  xAt: (index: number) => number,
  yAt: (value: number) => number,
): string[] {
  const segments: string[] = [];
  let current = '';
  values.forEach((value, index) => {
    if (value === null) {
      if (current !== '') segments.push(current);
      current = '';
      return;
    }
    current += `${current === '' ? 'M' : 'L'}${xAt(index).toFixed(1)},${yAt(value).toFixed(1)}`;
  });
  if (current !== '') segments.push(current);
  return segments;
}

type Scale = { axis: YAxis; side: AxisSide; ticks: number[]; top: number };

function scaleFor(axis: YAxis, side: AxisSide, series: LineSeries[]): Scale {
  const max = Math.max(
    0,
    axis.max ?? 0,
    ...series
      .filter((entry) => (entry.axis ?? 'left') === side)
      .flatMap((entry) => entry.values.map((value) => value ?? 0)),
  );
  const ticks = niceTicks(max);
  return { axis, side, ticks, top: ticks[ticks.length - 1] ?? 1 };
}

function legendLabel(entry: LineSeries, scales: Scale[]): string {
  if (scales.length < 2) return entry.label;
  return `${entry.label} (${entry.axis ?? 'left'} axis)`;
}

/**
 * Lines over a shared x axis (the trend's month ends); a null breaks the line. Series in different
 * units (days, percent) are read on their own y axis, left or right, each titled with its unit.
 */
export function LineChart({
  title,
  label,
  xLabels,
  xHeader,
  series,
  yAxes,
  testId,
}: {
  title: string;
  label: string;
  xLabels: string[];
  xHeader: string;
  series: LineSeries[];
  yAxes: { left: YAxis; right?: YAxis };
  testId?: string;
}) {
  const left = scaleFor(yAxes.left, 'left', series);
  const right = yAxes.right === undefined ? null : scaleFor(yAxes.right, 'right', series);
  const scales = right === null ? [left] : [left, right];
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
        label: legendLabel(entry, scales),
        color: entry.color,
        marker: 'line' as const,
        ...(entry.dash === undefined ? {} : { dash: entry.dash }),
      }))}
      table={table}
      testId={testId}
    >
      {(width) => {
        const marginLeft = MARGIN.left + AXIS_TITLE_ROOM;
        const marginRight = right === null ? MARGIN.right : RIGHT_TICKS_ROOM + AXIS_TITLE_ROOM;
        const plotWidth = Math.max(40, width - marginLeft - marginRight);
        const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
        const xAt = (index: number) =>
          marginLeft + (xLabels.length <= 1 ? plotWidth / 2 : (index / (xLabels.length - 1)) * plotWidth);
        const yOn = (scale: Scale) => (value: number) =>
          MARGIN.top + plotHeight - (value / scale.top) * plotHeight;
        const every = Math.max(1, Math.ceil((xLabels.length * 52) / plotWidth));
        const middle = MARGIN.top + plotHeight / 2;
        return (
          <ChartSvg width={width} height={HEIGHT} label={label}>
            {left.ticks.map((tick) => (
              <line
                key={tick}
                x1={marginLeft}
                x2={marginLeft + plotWidth}
                y1={yOn(left)(tick)}
                y2={yOn(left)(tick)}
                className="chart-grid"
              />
            ))}
            {scales.map((scale) => {
              const onLeft = scale.side === 'left';
              const tickX = onLeft ? marginLeft - 6 : marginLeft + plotWidth + 6;
              const titleX = onLeft ? 12 : width - 8;
              return (
                <g key={scale.side} data-axis={scale.side}>
                  {scale.ticks.map((tick) => (
                    <text
                      key={tick}
                      x={tickX}
                      y={yOn(scale)(tick) + 4}
                      textAnchor={onLeft ? 'end' : 'start'}
                      className="chart-tick"
                    >
                      {scale.axis.formatTick(tick)}
                    </text>
                  ))}
                  <text
                    x={titleX}
                    y={middle}
                    textAnchor="middle"
                    transform={`rotate(${onLeft ? -90 : 90} ${titleX} ${middle})`}
                    className="chart-axis-title"
                  >
                    {scale.axis.title}
                  </text>
                </g>
              );
            })}
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
              const yAt = yOn(entry.axis === 'right' && right !== null ? right : left);
              return (
                <g key={entry.key} data-series={entry.key}>
                  {segmentsOf(entry.values, xAt, yAt).map((path) => (
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
