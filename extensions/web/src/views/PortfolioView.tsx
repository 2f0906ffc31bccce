import { useEffect, useId, useState } from 'react';
import { getData } from '../api/client';
import type {
  AccountSort,
  AttentionAccount,
  CurrencyMetrics,
  PortfolioReport,
  PortfolioTrend,
  SliceDimension,
} from '../api/types';
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
  formatMinor,
  formatMinorCompact,
  formatMonth,
  formatNumber,
  formatShare,
} from '../format';
import { AttentionTable } from './AttentionTable';

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

/** RevOps' view of the book: AR and aging, DSO, CEI, delinquency, recovery, and who needs attention. */
export function PortfolioView() {
  const [by, setBy] = useState<SliceDimension>('owner');
  const [sort, setSort] = useState<AccountSort>('risk');
  const [chosenCurrency, setChosenCurrency] = useState<string | null>(null);
  const groupId = useId();
  const currencyId = useId();

  const report = useApiResource(`portfolio ${by}`, () => getData<PortfolioReport>(`/portfolio?by=${by}`));
  const trend = useApiResource('trend', () => getData<PortfolioTrend>('/portfolio/trend?months=12'));
  const accounts = useApiResource(`accounts ${sort}`, () =>
    getData<{ accounts: AttentionAccount[] }>(`/accounts?sort=${sort}&limit=50`),
  );

  useEffect(() => {
    document.title = 'Portfolio · Collections';
  }, []);

  const currencies = report.state.status === 'success' ? currenciesOf(report.state.data) : [];
  const currency =
    chosenCurrency !== null && currencies.includes(chosenCurrency) ? chosenCurrency : (currencies[0] ?? null);

  return (
    <>
      <h1 tabIndex={-1}>Portfolio</h1>
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

      <section aria-labelledby={`${groupId}-attention`}>
        <h2 id={`${groupId}-attention`}>Accounts needing attention</h2>
        {accounts.state.status === 'loading' ? <Loading>Loading accounts…</Loading> : null}
        {accounts.state.status === 'error' ? (
          <ErrorAlert
            title="The accounts could not be loaded"
            failure={accounts.state.failure}
            onRetry={accounts.reload}
          />
        ) : null}
        {accounts.state.status === 'success' ? (
          accounts.state.data.accounts.length === 0 ? (
            <Empty>No accounts need attention.</Empty>
          ) : (
            <AttentionTable accounts={accounts.state.data.accounts} sort={sort} onSort={setSort} />
          )
        ) : null}
      </section>
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
                <Kpi term="Countback DSO" value={formatDays(total.countbackDso)} />
                <Kpi term="Best possible DSO" value={formatDays(total.bestPossibleDso)} />
                <Kpi term="CEI" value={formatPercentPoints(total.cei)} />
                <Kpi term="Average days delinquent" value={formatDays(total.averageDaysDelinquent)} />
                <Kpi term="Accounts" value={formatNumber(total.accounts)} />
              </dl>
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

function Kpi({ term, value }: { term: string; value: string }) {
  return (
    <div className="kpi">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
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
          title={`Countback DSO, CEI and average days delinquent in ${code}`}
          label={`Line chart over ${points.length} month ends in ${code}. Latest: countback DSO ${formatDays(
            last?.countbackDso,
          )}, CEI ${formatPercentPoints(last?.cei)}, average days delinquent ${formatDays(
            last?.averageDaysDelinquent,
          )}.`}
          xHeader="Month end"
          xLabels={labels}
          formatTick={(value) => formatNumber(value)}
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
              key: 'cei',
              label: 'CEI (%)',
              color: COLORS.teal,
              dash: '7 4',
              marker: 'square',
              values: series.map((metrics) => metrics?.cei ?? null),
              formatValue: formatPercentPoints,
            },
            {
              key: 'add',
              label: 'Average days delinquent',
              color: COLORS.magenta,
              dash: '2 4',
              marker: 'triangle',
              values: series.map((metrics) => metrics?.averageDaysDelinquent ?? null),
              formatValue: days,
            },
          ]}
        />
      );
    }
  }
  return (
    <section aria-labelledby="trend-heading">
      <h2 id="trend-heading">Trend over the last 12 months</h2>
      {body}
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
