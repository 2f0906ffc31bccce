import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';

const FALLBACK_WIDTH = 640;

/**
 * The width the chart's container has, so SVG text keeps its real size from a 320 px sidebar to a
 * wide screen (a scaled viewBox would shrink the labels). Without ResizeObserver (tests) a fixed width.
 */
export function useContainerWidth(): [RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(FALLBACK_WIDTH);
  useEffect(() => {
    const element = ref.current;
    if (element === null || typeof ResizeObserver === 'undefined') return;
    const measure = () => {
      const next = Math.floor(element.getBoundingClientRect().width);
      if (next > 0) setWidth(next);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export type LegendEntry = { label: string; color: string; marker?: 'square' | 'line'; dash?: string };

export function Legend({ entries }: { entries: LegendEntry[] }) {
  return (
    <ul className="legend" aria-hidden="true">
      {entries.map((entry) => (
        <li key={entry.label}>
          <svg width="22" height="12" focusable="false">
            {entry.marker === 'line' ? (
              <line
                x1="1"
                x2="21"
                y1="6"
                y2="6"
                stroke={entry.color}
                strokeWidth="2.5"
                strokeDasharray={entry.dash}
              />
            ) : (
              <rect x="5" y="0" width="12" height="12" fill={entry.color} />
            )}
          </svg>
          {entry.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * A chart with its title, its legend and the same numbers as a table behind a disclosure. The chart
 * itself is an `<svg role="img">` named by `label`, drawn by `children` for the measured width.
 */
export function ChartFrame({
  title,
  legend,
  table,
  children,
  testId,
}: {
  title: string;
  legend?: LegendEntry[];
  table: ReactNode;
  children: (width: number) => ReactNode;
  testId?: string;
}) {
  const [ref, width] = useContainerWidth();
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart-title">{title}</figcaption>
      {legend === undefined ? null : <Legend entries={legend} />}
      <div ref={ref} className="chart-canvas">
        {children(width)}
      </div>
      <details className="chart-data">
        <summary>Data table: {title}</summary>
        <div className="table-scroll">{table}</div>
      </details>
    </figure>
  );
}

/** Shortens text to about `maxWidth` pixels at the chart's font size. */
export function fitText(text: string, maxWidth: number, charWidth = 6.6): string {
  const maxChars = Math.max(3, Math.floor(maxWidth / charWidth));
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** The chart's SVG: an image to assistive technology, named by a sentence saying what it shows. */
export function ChartSvg({
  width,
  height,
  label,
  children,
}: {
  width: number;
  height: number;
  label: string;
  children: ReactNode;
}) {
  return (
    <svg
      role="img"
      aria-label={label}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className="chart-svg"
      focusable="false"
    >
      {children}
    </svg>
  );
}
