import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LineChart, type LineSeries } from './LineChart';

const format = (value: number | null) => (value === null ? '—' : String(value));

const days: LineSeries = {
  key: 'dso',
  label: 'DSO (days)',
  color: '#000',
  marker: 'circle',
  values: [20, 30],
  formatValue: format,
};
const percent: LineSeries = {
  key: 'cei',
  label: 'CEI (%)',
  color: '#111',
  marker: 'square',
  axis: 'right',
  values: [85, 90],
  formatValue: format,
};

function renderChart(series: LineSeries[], withRight: boolean) {
  return render(
    <LineChart
      title="Trend"
      label="Trend chart"
      xHeader="Month"
      xLabels={['Oct', 'Nov']}
      series={series}
      yAxes={{
        left: { title: 'Days', formatTick: (value) => `${value}` },
        ...(withRight ? { right: { title: 'Percent', formatTick: (value) => `${value}%`, max: 100 } } : {}),
      }}
    />,
  );
}

/** The chart is 240 px high with 12 px above and 34 px below the plot: 194 px of plot. */
const yOf = (value: number, top: number) => 12 + 194 - (value / top) * 194;

describe('LineChart', () => {
  it('reads days and percentages on their own labelled axes', () => {
    const { container } = renderChart([days, percent], true);
    const svg = screen.getByRole('img', { name: 'Trend chart' });

    const left = svg.querySelector('[data-axis="left"]');
    const right = svg.querySelector('[data-axis="right"]');
    expect(left?.textContent).toContain('Days');
    expect(right?.textContent).toContain('Percent');
    expect([...(right?.querySelectorAll('text') ?? [])].map((text) => text.textContent)).toContain('100%');

    // Days run to 30 on the left (ticks 0, 10, 20, 30): 30 days sits at the top of the plot. On one
    // shared axis reaching 100 it would sit at 30 % of the height.
    const dsoPoints = [...container.querySelectorAll('[data-series="dso"] circle')];
    expect(Number(dsoPoints[1]?.getAttribute('cy'))).toBeCloseTo(yOf(30, 30), 1);
    expect(Number(dsoPoints[0]?.getAttribute('cy'))).toBeCloseTo(yOf(20, 30), 1);
    // CEI reads on 0–100 %: 90 % at 90 % of the height.
    const ceiPoints = [...container.querySelectorAll('[data-series="cei"] rect')];
    expect(Number(ceiPoints[1]?.getAttribute('y')) + 3.5).toBeCloseTo(yOf(90, 100), 1);

    const legend = [...container.querySelectorAll('.legend li')].map((item) => item.textContent);
    expect(legend).toEqual(['DSO (days) (left axis)', 'CEI (%) (right axis)']);
  });

  it('draws one titled axis when every series has the same unit', () => {
    const { container } = renderChart([days], false);
    expect(container.querySelector('[data-axis="right"]')).toBeNull();
    expect(container.querySelector('[data-axis="left"]')?.textContent).toContain('Days');
    expect([...container.querySelectorAll('.legend li')].map((item) => item.textContent)).toEqual([
      'DSO (days)',
    ]);
  });
});
