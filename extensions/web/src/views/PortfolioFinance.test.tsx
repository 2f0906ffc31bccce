import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  createMetrics,
  createReport,
  createTrend,
  createWorklist,
  mockFetch,
  ok,
  renderView,
} from '../test/mocks';
import { PortfolioView } from './PortfolioView';

function showReport(metrics: Parameters<typeof createMetrics>[0]) {
  mockFetch({
    'GET /portfolio?by=owner': ok(
      createReport({ total: { key: 'all', accounts: 40, currencies: [createMetrics(metrics)] }, slices: [] }),
    ),
    'GET /portfolio/trend?months=12': ok(createTrend()),
    'GET /worklist?offset=0&limit=25': ok(createWorklist()),
  });
  renderView(<PortfolioView />);
}

async function usdCard(): Promise<HTMLElement> {
  const card = (await screen.findByRole('heading', { level: 3, name: 'USD' })).closest('section');
  if (card === null) throw new Error('no USD card');
  return card;
}

/** The KPI list of the USD card as term → shown values. */
async function kpis(): Promise<Map<string, string[]>> {
  const entries = new Map<string, string[]>();
  for (const kpi of (await usdCard()).querySelectorAll('.kpi')) {
    const term = kpi.querySelector('dt')?.textContent ?? '';
    entries.set(
      term,
      [...kpi.querySelectorAll('dd')].map((dd) => dd.textContent ?? ''),
    );
  }
  return entries;
}

describe('PortfolioView finance figures', () => {
  it('shows average days delinquent as the difference of the DSO and best possible DSO shown beside it', async () => {
    // 44.74 and 8.46 show as 44.7 and 8.5; their difference on screen is 36.2 (the unrounded 36.28
    // would show as 36.3 and not add up). The simple-method figures must not be mixed in.
    showReport({
      countbackDso: 44.74,
      countbackBestPossibleDso: 8.46,
      countbackAverageDaysDelinquent: 36.28,
      simpleDso: 50.9,
      bestPossibleDso: 8.5,
      averageDaysDelinquent: 42.4,
    });
    const shown = await kpis();
    expect(shown.get('Countback DSO')).toEqual(['44.7 days']);
    expect(shown.get('Best possible DSO')?.[0]).toBe('8.5 days');
    expect(shown.get('Average days delinquent')).toEqual(['36.2 days', '44.7 − 8.5 (DSO − best possible)']);
    expect(within(await usdCard()).queryByRole('note')).toBeNull();
  });

  it('never shows a best possible DSO above DSO without saying so, and then shows no ADD', async () => {
    showReport({ countbackDso: 20, countbackBestPossibleDso: 25, countbackAverageDaysDelinquent: -5 });
    const shown = await kpis();
    expect(shown.get('Average days delinquent')?.[0]).toBe('—');
    const note = within(await usdCard()).getByRole('note');
    expect(note).toHaveTextContent(/Best possible DSO \(25 days\) is above DSO \(20 days\)/);
  });

  it('draws the trend with days and percent on their own labelled axes', async () => {
    showReport({});
    const chart = await screen.findByTestId('trend-chart');
    const svg = within(chart).getByRole('img');
    expect(svg.querySelector('[data-axis="left"]')?.textContent).toMatch(/Days/);
    expect(svg.querySelector('[data-axis="right"]')?.textContent).toMatch(/Percent/);
    const legend = [...chart.querySelectorAll('.legend li')].map((item) => item.textContent);
    expect(legend).toEqual([
      'Countback DSO (days) (left axis)',
      'Average days delinquent (days) (left axis)',
      'CEI (%) (right axis)',
    ]);
  });
});
