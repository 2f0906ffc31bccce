import type { AgingMinor } from '../../api/types';
import type { StackSeries } from './StackedBarChart';

/** Every colour has at least 3:1 contrast with the white background and the gaps between segments. */
export const AGING_SERIES: (StackSeries & { key: keyof AgingMinor })[] = [
  { key: 'current', label: 'Current', color: '#2e7d32' },
  { key: 'd1_30', label: '1–30 days', color: '#b26a00' },
  { key: 'd31_60', label: '31–60 days', color: '#d84315' },
  { key: 'd61_90', label: '61–90 days', color: '#b71c1c' },
  { key: 'd90Plus', label: '90+ days', color: '#4a148c' },
];

export const agingValues = (aging: AgingMinor): number[] => AGING_SERIES.map((entry) => aging[entry.key]);

export const COLORS = {
  primary: '#0b57d0',
  teal: '#00695c',
  magenta: '#ad1457',
  green: '#2e7d32',
} as const;
