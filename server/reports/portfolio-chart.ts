import type { PortfolioReport, ReportSlice } from '../../src/domain/ar-metrics';
import { formatMoney, type CurrencyCode } from '../../src/domain/money';
import { renderBarChart, renderStackedBarChart, stackSvgs } from './svg-chart';

/** The aging of AR and countback DSO by slice, as one SVG picture (one pair of charts per currency). */
export function renderPortfolioChart(report: PortfolioReport): string {
  const slices: ReportSlice[] = report.slices.length > 0 ? report.slices : [report.total];
  const currencies = [...new Set(report.total.currencies.map((c) => c.currency))];
  const parts: string[] = [];
  for (const currency of currencies) {
    const rows = slices.flatMap((slice) => {
      const metrics = slice.currencies.find((c) => c.currency === currency);
      return metrics === undefined ? [] : [{ slice, metrics }];
    });
    const money = (minor: number) => formatMoney(Math.round(minor), currency as CurrencyCode);
    parts.push(
      renderStackedBarChart({
        title: `Aging of accounts receivable (${currency}) as of ${report.asOf}`,
        subtitle: report.by ? `by ${report.by}; n = accounts` : 'whole portfolio; n = accounts',
        partLabels: ['current', '1–30 days', '31–60', '61–90', '90+'],
        bars: rows.map(({ slice, metrics }) => ({
          label: slice.key,
          note: `n=${metrics.accounts}`,
          parts: [
            metrics.aging.current,
            metrics.aging.d1_30,
            metrics.aging.d31_60,
            metrics.aging.d61_90,
            metrics.aging.d90Plus,
          ],
        })),
        formatValue: money,
      }),
      renderBarChart({
        title: `Countback DSO (${currency}), days`,
        subtitle: `per slice, with its AR and number of accounts`,
        bars: rows.map(({ slice, metrics }) => ({
          label: slice.key,
          value: metrics.countbackDso,
          note: `AR ${money(metrics.arMinor)}, n=${metrics.accounts}`,
        })),
        formatValue: (value) => value.toFixed(1),
      }),
    );
  }
  return stackSvgs(parts);
}
