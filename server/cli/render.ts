import type { AccountStatus } from '../../src/domain/account-status';
import type { CurrencyMetrics, PortfolioReport } from '../../src/domain/ar-metrics';
import { formatMoney } from '../../src/domain/money';
import type { BacktestReport } from '../../src/use-cases/payment-risk';
import type { SimulationSummary } from '../../src/domain/rules/simulate';
import type { ActivationPreview } from '../../src/use-cases/rule-set-activation';
import type { AccountRisk } from '../../src/domain/risk/risk-model';

const percent = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const days = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(1));

export function renderAccountStatus(
  status: AccountStatus & { name: string | null; owner: string | null; risk: AccountRisk | null },
): string {
  const lines = [
    `${status.customerId}${status.name ? ` ${status.name}` : ''} as of ${status.asOf}: ${status.status.toUpperCase()}` +
      (status.situations.length > 1 ? ` (${status.situations.join(', ')})` : ''),
  ];
  if (status.owner) lines.push(`  owner: ${status.owner}`);
  if (status.paused) lines.push(`  automation paused until ${status.paused.until}: ${status.paused.reason}`);
  if (status.balances.length === 0) lines.push('  nothing outstanding');
  for (const balance of status.balances) {
    const money = (minor: number) => formatMoney(minor, balance.currency);
    lines.push(
      `  ${money(balance.outstandingMinor)} outstanding, ${money(balance.overdueMinor)} overdue` +
        (balance.disputedMinor > 0 ? `, ${money(balance.disputedMinor)} disputed` : '') +
        (balance.creditMinor > 0 ? `, ${money(balance.creditMinor)} credit` : ''),
      `    aging: current ${money(balance.aging.current)} | 1–30 ${money(balance.aging.d1_30)} | 31–60 ${money(
        balance.aging.d31_60,
      )} | 61–90 ${money(balance.aging.d61_90)} | 90+ ${money(balance.aging.d90Plus)}`,
    );
  }
  if (status.overdueInvoiceCount > 0) {
    lines.push(
      `  ${status.overdueInvoiceCount} overdue invoice(s), oldest ${status.oldestDaysPastDue} days past due`,
    );
  }
  if (status.lastFailure) {
    const failure = status.lastFailure;
    lines.push(
      `  last payment failure ${failure.on} on ${failure.invoiceId}: ${failure.code ?? 'no code'} (${failure.class}, ${failure.failuresSinceSuccess} since last success)`,
      `    → ${failure.action}`,
    );
  }
  for (const dispute of status.openDisputes) {
    lines.push(
      `  open dispute ${dispute.disputeId} on ${dispute.invoiceId}: ${formatMoney(dispute.amountMinor, dispute.currency)}, ${dispute.reason ?? 'no reason'}, open ${dispute.daysOpen} days`,
    );
  }
  if (status.churnSignals.length > 0) lines.push(`  churn signals: ${status.churnSignals.join(', ')}`);
  lines.push(
    status.nextRenewalOn === null
      ? '  no upcoming renewal'
      : `  renews ${status.nextRenewalOn} (in ${status.daysToRenewal} days${status.inRenewalWindow ? ', within the renewal window: human-led, gentle handling' : ''})`,
  );
  lines.push(
    status.averageDaysLate === null
      ? '  no invoices paid in the last 12 months'
      : `  average days late over the last 12 months: ${status.averageDaysLate.toFixed(1)} (${status.paidInvoicesLastYear} invoices)`,
  );
  if (status.risk === null) lines.push('  payment risk: no model yet (run `collections risk-fit`)');
  else {
    lines.push(
      `  payment risk ${status.risk.score}/100 (${status.risk.tier}): ${percent(status.risk.probabilitySeriouslyLate)} chance the next invoice is still unpaid 30 days past due (${percent(status.risk.probabilityLate)} that it is paid late)`,
      ...status.risk.reasons.slice(0, 5).map((reason) => `    + ${reason.text}`),
      ...status.risk.mitigating.slice(0, 2).map((reason) => `    − ${reason.text}`),
    );
  }
  return lines.join('\n');
}

const COLUMNS: { title: string; width: number; value: (m: CurrencyMetrics) => string }[] = [
  { title: 'accts', width: 6, value: (m) => String(m.accounts) },
  { title: 'AR', width: 18, value: (m) => formatMoney(m.arMinor, m.currency) },
  { title: 'current', width: 9, value: (m) => percent(m.arMinor > 0 ? m.currentArMinor / m.arMinor : null) },
  { title: '1–30', width: 7, value: (m) => percent(m.arMinor > 0 ? m.aging.d1_30 / m.arMinor : null) },
  { title: '31–60', width: 7, value: (m) => percent(m.arMinor > 0 ? m.aging.d31_60 / m.arMinor : null) },
  { title: '61–90', width: 7, value: (m) => percent(m.arMinor > 0 ? m.aging.d61_90 / m.arMinor : null) },
  { title: '90+', width: 7, value: (m) => percent(m.atRiskRate) },
  { title: 'delinq', width: 7, value: (m) => percent(m.delinquencyRate) },
  // Each DSO beside its own best possible DSO and ADD (ADD = DSO − BPDSO by the same method).
  { title: 'DSO', width: 7, value: (m) => days(m.simpleDso) },
  { title: 'BPDSO', width: 7, value: (m) => days(m.bestPossibleDso) },
  { title: 'ADD', width: 7, value: (m) => days(m.averageDaysDelinquent) },
  { title: 'cbDSO', width: 7, value: (m) => days(m.countbackDso) },
  { title: 'cbBP', width: 7, value: (m) => days(m.countbackBestPossibleDso) },
  { title: 'cbADD', width: 7, value: (m) => days(m.countbackAverageDaysDelinquent) },
  { title: 'CEI', width: 7, value: (m) => (m.cei === null ? 'n/a' : m.cei.toFixed(1)) },
  { title: 'recov', width: 7, value: (m) => percent(m.failedPaymentRecoveryRate) },
];

export function renderPortfolioReport(report: PortfolioReport): string {
  const sliceWidth = Math.max(12, ...report.slices.map((slice) => slice.key.length + 2));
  const header = ['slice'.padEnd(sliceWidth), 'cur', ...COLUMNS.map((c) => c.title.padStart(c.width))].join(
    ' ',
  );
  const rows: string[] = [];
  for (const slice of [...report.slices, report.total]) {
    if (slice === report.total && report.slices.length > 0) rows.push('-'.repeat(header.length));
    for (const metrics of slice.currencies) {
      rows.push(
        [
          slice.key.padEnd(sliceWidth),
          metrics.currency,
          ...COLUMNS.map((c) => c.value(metrics).padStart(c.width)),
        ].join(' '),
      );
    }
  }
  return [
    `Portfolio as of ${report.asOf}${report.by ? ` by ${report.by}` : ''} (DSO, BPDSO, ADD and CEI over the ${report.windowDays} days ending then; cbDSO = countback DSO; recov = failed-payment recovery)`,
    header,
    ...rows,
  ].join('\n');
}

const fixed = (value: number | null, digits = 3): string => (value === null ? 'n/a' : value.toFixed(digits));

export function renderBacktest(report: BacktestReport): string {
  const rows = [
    ['model', report.model],
    ['baseline: base rate', report.baselines.baseRate],
    ['baseline: customer history', report.baselines.customerHistory],
  ] as const;
  const lines = [
    `Backtest: fitted on outcomes known before ${report.split} (${report.training.n} invoices, ${percent(report.training.lateRate)} late); scored ${report.model.n} invoices issued since, judged as of ${report.outcomesAsOf ?? 'n/a'}${report.withDisputes ? ', with disputes' : ''}`,
    `${'predictor'.padEnd(28)} ${'n'.padStart(8)} ${'late'.padStart(7)} ${'AUC'.padStart(7)} ${'Brier'.padStart(7)} ${'logLoss'.padStart(8)}`,
    ...rows.map(
      ([label, e]) =>
        `${label.padEnd(28)} ${String(e.n).padStart(8)} ${percent(e.lateRate).padStart(7)} ${fixed(e.auc).padStart(7)} ${fixed(e.brier).padStart(7)} ${fixed(e.logLoss).padStart(8)}`,
    ),
    '',
    'Calibration of the model (predicted vs observed late share):',
    ...report.model.calibration
      .filter((bin) => bin.n > 0)
      .map(
        (bin) =>
          `  ${bin.from.toFixed(1)}–${bin.to.toFixed(1)}  n=${String(bin.n).padStart(7)}  predicted ${percent(bin.meanPredicted).padStart(6)}  observed ${percent(bin.observedRate).padStart(6)}`,
      ),
    '',
    `Weights (log-odds per standard deviation): ${Object.entries(report.training.weights)
      .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a))
      .map(([name, weight]) => `${name} ${weight >= 0 ? '+' : ''}${weight.toFixed(2)}`)
      .join(', ')}`,
  ];
  if (report.training.dropped.length > 0) lines.push(`Left out: ${report.training.dropped.join(', ')}`);
  const serious = report.seriouslyLate;
  lines.push(
    '',
    `Risk score outcome (still unpaid ${serious.daysPastDue} days past due): ${serious.training.n} training invoices, ${percent(serious.training.rate)} of them`,
    ...(
      [
        ['model', serious.model],
        ['baseline: base rate', serious.baseRate],
      ] as const
    ).map(
      ([label, e]) =>
        `${label.padEnd(28)} ${String(e.n).padStart(8)} ${percent(e.lateRate).padStart(7)} ${fixed(e.auc).padStart(7)} ${fixed(e.brier).padStart(7)} ${fixed(e.logLoss).padStart(8)}`,
    ),
    ...serious.model.calibration
      .filter((bin) => bin.n > 0)
      .map(
        (bin) =>
          `  ${bin.from.toFixed(1)}–${bin.to.toFixed(1)}  n=${String(bin.n).padStart(7)}  predicted ${percent(bin.meanPredicted).padStart(6)}  observed ${percent(bin.observedRate).padStart(6)}`,
      ),
  );
  if (report.skippedUndecided > 0)
    lines.push(
      `${report.skippedUndecided} invoices were not yet due at the end of the data and are not judged.`,
    );
  return lines.join('\n');
}

export function renderSimulation(
  summaries: readonly (SimulationSummary & { ruleSet?: string | undefined })[],
): string {
  const width = 34;
  const column = (values: (string | number)[]) =>
    values.map((value) => String(value).padStart(width)).join('');
  const first = summaries[0];
  if (first === undefined) return 'Nothing simulated.';
  const rules = [...new Set(summaries.flatMap((summary) => Object.keys(summary.tasksByRule)))];
  const rails = [...new Set(summaries.flatMap((summary) => Object.keys(summary.skippedByRail)))];
  const assignees = [
    ...new Set(summaries.flatMap((summary) => Object.keys(summary.peakTasksPerAssigneePerWeek))),
  ].sort();
  return [
    `Simulated ${first.days} days (${first.from} to ${first.to}) over ${first.accounts} accounts`,
    `${''.padEnd(34)}${column(summaries.map((summary) => summary.ruleSet ?? ''))}`,
    `${'tasks'.padEnd(34)}${column(summaries.map((summary) => summary.tasks))}`,
    `${'accounts contacted'.padEnd(34)}${column(summaries.map((summary) => summary.accountsContacted))}`,
    `${'contacts'.padEnd(34)}${column(summaries.map((summary) => summary.contacts))}`,
    `${'contacts in the renewal window'.padEnd(34)}${column(summaries.map((summary) => summary.contactsInRenewalWindow))}`,
    `${'accounts held for disputes'.padEnd(34)}${column(summaries.map((summary) => summary.accountsHeldForDisputes))}`,
    `${'most contacts, one account, 7 days'.padEnd(34)}${column(
      summaries.map(
        (summary) => `${summary.contactsPerAccountWeek.max} (cap ${summary.contactsPerAccountWeek.cap})`,
      ),
    )}`,
    'Tasks per rule (0: never fired):',
    ...rules.map(
      (rule) => `  ${rule.padEnd(32)}${column(summaries.map((summary) => summary.tasksByRule[rule] ?? 0))}`,
    ),
    'Accounts held back, per rail:',
    ...rails.map(
      (rail) =>
        `  ${rail.replace(/_/g, ' ').padEnd(32)}${column(
          summaries.map(
            (summary) => summary.skippedByRail[rail as keyof SimulationSummary['skippedByRail']] ?? 0,
          ),
        )}`,
    ),
    'Peak tasks per assignee in one week:',
    ...assignees.map(
      (who) =>
        `  ${who.padEnd(32)}${column(
          summaries.map((summary) => {
            const peak = summary.peakTasksPerAssigneePerWeek[who];
            return peak === undefined ? 0 : `${peak.tasks} (week of ${peak.week})`;
          }),
        )}`,
    ),
  ].join('\n');
}

/** What activating would change, against the active version, before anyone confirms it. */
export function renderActivationPreview(preview: ActivationPreview, proposedName: string): string {
  const width = 30;
  const row = (label: string, active: string | number, proposed: string | number) =>
    `${label.padEnd(36)}${String(active).padStart(width)}${String(proposed).padStart(width)}`;
  const { active, proposed } = preview.impact;
  const peak = (impact: typeof active) =>
    impact.peakTasksPerAssignee === null
      ? 0
      : `${impact.peakTasksPerAssignee.tasks} (${impact.peakTasksPerAssignee.assignee})`;
  return [
    `Simulated impact over the last ${preview.windowDays} days (${preview.from} to ${preview.to}):`,
    row('', preview.against.label, `${preview.proposed.label} (${proposedName})`),
    row('tasks', active.tasks, proposed.tasks),
    row('accounts contacted', active.accountsContacted, proposed.accountsContacted),
    row('contacts in the renewal window', active.contactsInRenewalWindow, proposed.contactsInRenewalWindow),
    row('peak tasks per assignee in a week', peak(active), peak(proposed)),
    row(
      'most contacts, one account, 7 days',
      `${active.maxContactsPerAccountWeek} (cap ${active.contactCapPerWeek})`,
      `${proposed.maxContactsPerAccountWeek} (cap ${proposed.contactCapPerWeek})`,
    ),
    'Tasks per rule (0: never fired):',
    ...preview.rules.map((rule) => row(`  ${rule.id}`, rule.active.tasks, rule.proposed.tasks)),
  ].join('\n');
}
