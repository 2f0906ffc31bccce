import { useEffect, useId, useState } from 'react';
import { getData } from '../api/client';
import type { CurrencyMetrics, PortfolioReport, PortfolioTrend, SliceDimension } from '../api/types';
import { useApiResource, type ResourceState } from '../api/useApi';
import { BarChart, type BarRow } from '../components/charts/BarChart';
import { LineChart } from '../components/charts/LineChart';
import { AGING_SERIES, agingValues, COLORS } from '../components/charts/palette';
import { StackedBarChart } from '../components/charts/StackedBarChart';
import { Empty, ErrorAlert, Loading } from '../components/Feedback';
import {
  DASH,
  formatDate,
  formatDays,
  formatInstant,
  formatMinor,
  formatMinorCompact,
  formatMonth,
  formatNumber,
  formatShare,
} from '../format';
import { WorklistSection } from './AttentionTable';

const GROUPS: Readonly<Record<SliceDimension, { label: string; lower: string }>> = {
  owner: { label: 'Owner', lower: 'owner' },
  segment: { label: 'Segment', lower: 'segment' },
  payment_terms: { label: 'Payment terms', lower: 'payment terms' },
};

/** CEI is a percentage from 0 to 100. */
function formatPercentPoints(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : `${formatNumber(value, 1)}%`;
}

function isSliceDimension(value: string): value is SliceDimension {
  return value in GROUPS;
}

/** Currencies are never added up: every figure and chart is per currency. */
function currenciesOf(report: PortfolioReport): string[] {
  return [...report.total.currencies]
    .sort((a, b) => b.accounts - a.accounts || a.currency.localeCompare(b.currency))
    .map((metrics) => metrics.currency);
}

function metricsIn(currencies: CurrencyMetrics[], currency: string): CurrencyMetrics | undefined {
  return currencies.find((metrics) => metrics.currency === currency);
}

/** The first screen: the CSM worklist, then RevOps' view of the book (AR and aging, DSO, CEI, delinquency, recovery). */
export function PortfolioView() {
  const [by, setBy] = useState<SliceDimension>('owner');
  const [chosenCurrency, setChosenCurrency] = useState<string | null>(null);
  const groupId = useId();
  const currencyId = useId();

  const report = useApiResource(`portfolio ${by}`, () => getData<PortfolioReport>(`/portfolio?by=${by}`));
  const trend = useApiResource('trend', () => getData<PortfolioTrend>('/portfolio/trend?months=12'));

  useEffect(() => {
    document.title = 'Portfolio · Collections';
  }, []);

  const currencies = report.state.status === 'success' ? currenciesOf(report.state.data) : [];
  const currency =
    chosenCurrency !== null && currencies.includes(chosenCurrency) ? chosenCurrency : (currencies[0] ?? null);

  return (
    <>
      <h1 tabIndex={-1}>Portfolio</h1>
      <WorklistSection />
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor={groupId}>Group by</label>
          <select
            id={groupId}
            value={by}
            onChange={(event) => {
              if (isSliceDimension(event.target.value)) setBy(event.target.value);
            }}
          >
            {Object.entries(GROUPS).map(([value, group]) => (
              <option key={value} value={value}>
                {group.label}
              </option>
            ))}
          </select>
        </div>
        {currencies.length > 1 ? (
          <div className="field field-inline">
            <label htmlFor={currencyId}>Currency for trend and comparisons</label>
            <select
              id={currencyId}
              value={currency ?? ''}
              onChange={(event) => setChosenCurrency(event.target.value)}
            >
              {currencies.map((code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>

      {report.state.status === 'loading' ? <Loading>Loading the portfolio…</Loading> : null}
      {report.state.status === 'error' ? (
        <ErrorAlert
          title="The portfolio could not be loaded"
          failure={report.state.failure}
          onRetry={report.reload}
        />
      ) : null}
      {report.state.status === 'success' ? (
        report.state.data.total.currencies.length === 0 ? (
          <section aria-labelledby={`${groupId}-ar`}>
            <h2 id={`${groupId}-ar`}>Receivables and aging</h2>
            <Empty>No receivables yet: once billing data is imported, the portfolio shows here.</Empty>
          </section>
        ) : (
          <ReceivablesSection report={report.state.data} currencies={currencies} />
        )
      ) : null}

      <TrendSection state={trend.state} reload={trend.reload} currency={currency} />

      {report.state.status === 'success' && currency !== null ? (
        <>
          <ComparisonSection report={report.state.data} currency={currency} />
          <RecoverySection report={report.state.data} currency={currency} currencies={currencies} />
        </>
      ) : null}
    </>
  );
}

function ReceivablesSection({ report, currencies }: { report: PortfolioReport; currencies: string[] }) {
  const group = report.by === null ? null : GROUPS[report.by];
  return (
    <section aria-labelledby="receivables-heading">
      <h2 id="receivables-heading">Receivables and aging</h2>
      <p className="muted">
        As of {formatDate(report.asOf)}; rates over the last {report.windowDays} days.
      </p>
      <div className="grid-2">
        {currencies.map((code) => {
          const total = metricsIn(report.total.currencies, code);
          if (total === undefined) return null;
          const rows = [
            { label: 'All accounts', values: agingValues(total.aging) },
            ...report.slices.flatMap((slice) => {
              const metrics = metricsIn(slice.currencies, code);
              return metrics === undefined ? [] : [{ label: slice.key, values: agingValues(metrics.aging) }];
            }),
          ];
          return (
            <section key={code} className="card" aria-labelledby={`receivables-${code}`}>
              <h3 id={`receivables-${code}`}>{code}</h3>
              <dl className="kpis">
                <Kpi term="Accounts receivable" value={formatMinor(total.arMinor, code)} />
                <Kpi term="Past due" value={formatMinor(total.pastDueArMinor, code)} />
                <Kpi term="Delinquency rate" value={formatShare(total.delinquencyRate)} />
                <DelinquencyKpis metrics={total} />
                <Kpi term="CEI" value={formatPercentPoints(total.cei)} />
                <Kpi term="Accounts" value={formatNumber(total.accounts)} />
              </dl>
              <DsoNote metrics={total} />
              <StackedBarChart
                testId="aging-chart"
                title={`AR by age in ${code}${group === null ? '' : `, by ${group.lower}`}`}
                label={`Stacked bars of accounts receivable in ${code} by days past due: all accounts ${formatMinor(
                  total.arMinor,
                  code,
                )}, of which ${formatMinor(total.pastDueArMinor, code)} past due${
                  group === null ? '' : `, then one bar per ${group.lower}`
                }.`}
                rowHeader={group?.label ?? 'Group'}
                series={AGING_SERIES}
                rows={rows}
                formatValue={(value) => formatMinor(value, code)}
                formatAxis={(value) => formatMinorCompact(value, code)}
              />
            </section>
          );
        })}
      </div>
    </section>
  );
}

function Kpi({ term, value, detail }: { term: string; value: string; detail?: string }) {
  return (
    <div className="kpi">
      <dt>{term}</dt>
      <dd>{value}</dd>
      {detail === undefined ? null : <dd className="kpi-detail">{detail}</dd>}
    </div>
  );
}

/** Days as shown on the cards: one decimal, so sums of shown figures are made of shown figures. */
function shownDays(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

/**
 * Countback DSO, its best possible DSO and average days delinquent, all by the same countback: ADD is
 * shown as the difference of the two figures beside it, so what is on screen adds up.
 */
function DelinquencyKpis({ metrics }: { metrics: CurrencyMetrics }) {
  const dso = shownDays(metrics.countbackDso);
  const best = shownDays(metrics.countbackBestPossibleDso);
  const add = dso === null || best === null || best > dso ? null : shownDays(dso - best);
  return (
    <>
      <Kpi term="Countback DSO" value={formatDays(dso)} />
      <Kpi term="Best possible DSO" value={formatDays(best)} detail="countback of AR not yet due" />
      <Kpi
        term="Average days delinquent"
        value={formatDays(add)}
        detail={
          add === null
            ? undefined
            : `${formatNumber(dso, 1)} − ${formatNumber(best, 1)} (DSO − best possible)`
        }
      />
    </>
  );
}

/** Best possible DSO above DSO cannot come from one set of figures: said, never shown silently. */
function DsoNote({ metrics }: { metrics: CurrencyMetrics }) {
  const dso = metrics.countbackDso;
  const best = metrics.countbackBestPossibleDso;
  if (dso === null || best === null || best <= dso) return null;
  return (
    <p className="muted" role="note">
      Best possible DSO ({formatDays(best)}) is above DSO ({formatDays(dso)}): the two figures do not come
      from the same receivables, so average days delinquent is not shown.
    </p>
  );
}

function TrendSection({
  state,
  reload,
  currency,
}: {
  state: ResourceState<PortfolioTrend>;
  reload: () => void;
  currency: string | null;
}) {
  let body;
  if (state.status === 'loading') body = <Loading>Loading the trend…</Loading>;
  else if (state.status === 'error')
    body = <ErrorAlert title="The trend could not be loaded" failure={state.failure} onRetry={reload} />;
  else {
    const code = currency ?? state.data.points.flatMap((point) => point.currencies)[0]?.currency ?? null;
    const points = state.data.points;
    const series = points.map((point) => (code === null ? undefined : metricsIn(point.currencies, code)));
    if (code === null || series.every((metrics) => metrics === undefined))
      body = <Empty>No history yet to draw a trend.</Empty>;
    else {
      const labels = points.map((point) => formatMonth(point.asOf));
      const days = (value: number | null) => formatDays(value);
      const last = series[series.length - 1];
      body = (
        <LineChart
          testId="trend-chart"
          title={`Countback DSO and average days delinquent (days, left axis) and CEI (%, right axis) in ${code}`}
          label={`Line chart over ${points.length} month ends in ${code}, days on the left axis and percent on the right. Latest: countback DSO ${formatDays(
            last?.countbackDso,
          )}, average days delinquent ${formatDays(
            last?.countbackAverageDaysDelinquent,
          )}, CEI ${formatPercentPoints(last?.cei)}.`}
          xHeader="Month end"
          xLabels={labels}
          yAxes={{
            left: { title: 'Days', formatTick: (value) => formatNumber(value) },
            right: { title: 'Percent (CEI)', formatTick: (value) => `${formatNumber(value)}%`, max: 100 },
          }}
          series={[
            {
              key: 'dso',
              label: 'Countback DSO (days)',
              color: COLORS.primary,
              marker: 'circle',
              values: series.map((metrics) => metrics?.countbackDso ?? null),
              formatValue: days,
            },
            {
              key: 'add',
              label: 'Average days delinquent (days)',
              color: COLORS.magenta,
              dash: '2 4',
              marker: 'triangle',
              values: series.map((metrics) => metrics?.countbackAverageDaysDelinquent ?? null),
              formatValue: days,
            },
            {
              key: 'cei',
              label: 'CEI (%)',
              color: COLORS.teal,
              dash: '7 4',
              marker: 'square',
              axis: 'right',
              values: series.map((metrics) => metrics?.cei ?? null),
              formatValue: formatPercentPoints,
            },
          ]}
        />
      );
    }
  }
  const latest = state.status === 'success' ? state.data.points[state.data.points.length - 1] : undefined;
  return (
    <section aria-labelledby="trend-heading">
      <h2 id="trend-heading">Trend over the last 12 months</h2>
      {body}
      {latest?.stale === true && latest.computedAt !== undefined ? (
        <p className="muted" data-testid="trend-latest-stale">
          The latest point ({formatDate(latest.asOf)}) was computed at {formatInstant(latest.computedAt)}:
          billing changes since then are not in it yet. Month-ends are recomputed whenever billing history
          reaching them changes.
        </p>
      ) : null}
    </section>
  );
}

function sliceRows(
  report: PortfolioReport,
  currency: string,
  value: (metrics: CurrencyMetrics) => number | null,
): BarRow[] {
  return report.slices.flatMap((slice) => {
    const metrics = metricsIn(slice.currencies, currency);
    if (metrics === undefined) return [];
    return [
      {
        label: slice.key,
        value: value(metrics),
        detail: `n = ${formatNumber(metrics.accounts)} · AR ${formatMinorCompact(metrics.arMinor, currency)}`,
      },
    ];
  });
}

function ComparisonSection({ report, currency }: { report: PortfolioReport; currency: string }) {
  const group = report.by === null ? { label: 'Group', lower: 'group' } : GROUPS[report.by];
  const dso = sliceRows(report, currency, (metrics) => metrics.countbackDso);
  const delinquency = sliceRows(report, currency, (metrics) => metrics.delinquencyRate);
  return (
    <section aria-labelledby="comparison-heading">
      <h2 id="comparison-heading">
        DSO and delinquency by {group.lower} ({currency})
      </h2>
      {dso.length === 0 ? (
        <Empty>
          No {group.lower} has receivables in {currency}.
        </Empty>
      ) : (
        <div className="grid-2">
          <BarChart
            testId="dso-chart"
            title={`Countback DSO by ${group.lower}`}
            label={`Bar chart of countback DSO in ${currency} for ${dso.length} ${group.lower} groups, with the number of accounts and AR of each.`}
            rowHeader={group.label}
            valueHeader="Countback DSO"
            rows={dso}
            formatValue={(value) => formatDays(value)}
          />
          <BarChart
            testId="delinquency-chart"
            title={`Delinquency rate by ${group.lower}`}
            label={`Bar chart of the share of AR in ${currency} past due for ${delinquency.length} ${group.lower} groups, with the number of accounts and AR of each.`}
            rowHeader={group.label}
            valueHeader="Delinquency rate"
            rows={delinquency}
            formatValue={(value) => formatShare(value)}
            color={COLORS.magenta}
            max={1}
          />
        </div>
      )}
    </section>
  );
}

function RecoverySection({
  report,
  currency,
  currencies,
}: {
  report: PortfolioReport;
  currency: string;
  currencies: string[];
}) {
  const group = report.by === null ? { label: 'Group', lower: 'group' } : GROUPS[report.by];
  const rows = report.slices.flatMap((slice) => {
    const metrics = metricsIn(slice.currencies, currency);
    if (metrics === undefined || metrics.failedMinor === 0) return [];
    return [
      {
        label: slice.key,
        value: metrics.failedPaymentRecoveryRate,
        detail: `failed ${formatMinorCompact(metrics.failedMinor, currency)} · recovered ${formatMinorCompact(
          metrics.recoveredMinor,
          currency,
        )}`,
      },
    ];
  });
  return (
    <section aria-labelledby="recovery-heading">
      <h2 id="recovery-heading">Failed-payment recovery</h2>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Failed and recovered card payments by currency</caption>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col">Failed</th>
              <th scope="col">Recovered</th>
              <th scope="col">Recovery rate</th>
            </tr>
          </thead>
          <tbody>
            {currencies.map((code) => {
              const metrics = metricsIn(report.total.currencies, code);
              return metrics === undefined ? null : (
                <tr key={code}>
                  <th scope="row">{code}</th>
                  <td className="number">{formatMinor(metrics.failedMinor, code)}</td>
                  <td className="number">{formatMinor(metrics.recoveredMinor, code)}</td>
                  <td className="number">{formatShare(metrics.failedPaymentRecoveryRate)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {rows.length === 0 ? (
        <Empty>No failed payments in {currency} in the window.</Empty>
      ) : (
        <BarChart
          testId="recovery-chart"
          title={`Recovery rate of failed payments by ${group.lower} (${currency})`}
          label={`Bar chart of the share of failed payment amounts in ${currency} later recovered, for ${rows.length} ${group.lower} groups.`}
          rowHeader={group.label}
          valueHeader="Recovery rate"
          rows={rows}
          formatValue={(value) => formatShare(value)}
          color={COLORS.green}
          max={1}
        />
      )}
    </section>
  );
}
