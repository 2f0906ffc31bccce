import { BarChart, Flex, Heading, Statistics, StatisticsItem } from '@hubspot/ui-extensions';
import type { AccountCardView, Money } from '../api/accountView';

/** Chart values in major units; the text of each amount stays the backend's. */
function majorUnits(money: Money): number {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).resolvedOptions()
        .maximumFractionDigits ?? digits;
  } catch {
    // An unknown currency code keeps two decimals: the chart is indicative, the texts are exact.
  }
  return money.minor / 10 ** digits;
}

export function BalancesSection({ view }: { view: AccountCardView }) {
  const agingRows = view.balances.flatMap((balance) =>
    balance.aging.map((bucket) => ({
      bucket: bucket.bucket,
      amount: majorUnits(bucket.amount),
      currency: balance.currency,
    })),
  );
  return (
    <Flex direction="column" gap="sm">
      <Heading>Balances</Heading>
      <Statistics>
        {view.balances.map((balance) => (
          <StatisticsItem
            key={`overdue-${balance.currency}`}
            label={`Overdue (${balance.currency})`}
            number={balance.overdue.text}
          />
        ))}
        {view.balances.map((balance) => (
          <StatisticsItem
            key={`outstanding-${balance.currency}`}
            label={`Outstanding (${balance.currency})`}
            number={balance.outstanding.text}
          />
        ))}
        <StatisticsItem label="Oldest days past due" number={view.oldestDaysPastDue} />
        <StatisticsItem label="Overdue invoices" number={view.overdueInvoiceCount} />
      </Statistics>
      {agingRows.some((row) => row.amount > 0) ? (
        <BarChart
          data={agingRows}
          axes={{
            x: { field: 'bucket', fieldType: 'category', label: 'Days past due' },
            y: { field: 'amount', fieldType: 'linear', label: 'Outstanding' },
            options: { groupFieldByColor: 'currency' },
          }}
          options={{ title: 'Aging', showLegend: view.balances.length > 1, showTooltips: true }}
        />
      ) : null}
    </Flex>
  );
}
