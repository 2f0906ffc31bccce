import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { addDays, type CalendarDate } from '../../src/domain/dates';
import { parseWord, type TenantId } from '../../src/domain/model';
import { formatMoney, isCurrencyCode, parseMajorAmount, type CurrencyCode } from '../../src/domain/money';
import { DEFAULT_GUARDRAILS } from '../../src/domain/terms/default-guardrails';
import { validateGuardrails, type Guardrails } from '../../src/domain/terms/guardrails';
import type { TermInsights } from '../../src/domain/terms/insights';
import type { Deal, DealBilling } from '../../src/domain/terms/recommend';
import { backtestPaymentTerms, type TermsBacktestReport } from '../../src/use-cases/payment-terms-backtest';
import {
  acceptPaymentTerms,
  activeGuardrails,
  paymentTermInsights,
  recommendPaymentTerms,
  UnknownCustomerError,
  type BuyerQuery,
  type RecommendationResult,
} from '../../src/use-cases/payment-terms';
import { todayUtc } from '../compose';
import { renderBarChart, stackSvgs } from '../reports/svg-chart';
import {
  dateOption,
  defaultTenant,
  print,
  readValidatedFile,
  tenantOption,
  versionArgument,
  UsageError,
  withScratchDataset,
  withStore,
  type Output,
} from './shared';

const BILLINGS: readonly DealBilling[] = ['upfront', 'annual', 'quarterly', 'monthly'];

type DealFlags = {
  customer?: string;
  name?: string;
  segment?: string;
  employees?: number;
  fundingStage?: string;
  country?: string;
  amount: string;
  currency: string;
  months: number;
  billing?: DealBilling;
};

function countOption(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function monthsOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 120)
    throw new InvalidArgumentError('expected a whole number of months from 1 to 120');
  return Number(value);
}

function billingOption(value: string): DealBilling {
  if (!(BILLINGS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${BILLINGS.join(', ')}`);
  return value as DealBilling;
}

function countryOption(value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new InvalidArgumentError('expected a two-letter country code');
  return value.toUpperCase();
}

function wordOption(value: string): string {
  const word = parseWord(value);
  if (word === undefined) throw new InvalidArgumentError('expected a word such as series_a');
  return word;
}

/** The buyer and deal from the flags; every problem names its flag. */
function buyerAndDeal(flags: DealFlags): { query: BuyerQuery; deal: Deal } {
  const currency = flags.currency.toUpperCase();
  if (!isCurrencyCode(currency)) throw new UsageError(`--currency: unknown currency "${flags.currency}"`);
  const amount = parseMajorAmount(flags.amount, currency as CurrencyCode);
  if (!amount.ok) throw new UsageError(`--amount: ${amount.message}`);
  if (amount.minor <= 0) throw new UsageError('--amount: must be greater than 0');
  const prospect =
    flags.segment !== undefined ||
    flags.employees !== undefined ||
    flags.fundingStage !== undefined ||
    flags.country !== undefined;
  if (flags.customer !== undefined && prospect)
    throw new UsageError(
      '--customer: give either --customer or the prospect flags (--segment, --employees, …), not both',
    );
  if (flags.customer === undefined && !prospect)
    throw new UsageError(
      '--customer: required, or describe a prospect with --segment, --employees, --funding-stage, --country',
    );
  const query: BuyerQuery =
    flags.customer !== undefined
      ? { kind: 'customer', customerId: flags.customer }
      : {
          kind: 'prospect',
          name: flags.name ?? null,
          segment: flags.segment ?? null,
          employees: flags.employees ?? null,
          fundingStage: flags.fundingStage ?? null,
          country: flags.country ?? null,
        };
  return {
    query,
    deal: {
      amountMinor: amount.minor,
      currency: currency as CurrencyCode,
      months: flags.months,
      billing: flags.billing ?? null,
    },
  };
}

function withDealFlags(command: Command): Command {
  return command
    .option('--customer <id>', 'an existing billing customer')
    .option('--segment <segment>', 'prospect: segment (smb, mid_market, enterprise, …)')
    .option('--employees <n>', 'prospect: head count', countOption)
    .option('--funding-stage <stage>', 'prospect: funding stage (seed, series_a, …, public)', wordOption)
    .option('--country <code>', 'prospect: two-letter country code', countryOption)
    .option('--name <name>', 'prospect: company name (for the explanation)')
    .requiredOption('--amount <amount>', 'contract value in major units, e.g. 120000')
    .requiredOption('--currency <code>', 'ISO currency code, e.g. USD')
    .option('--months <n>', 'contract length in months', monthsOption, 12)
    .option(
      '--billing <frequency>',
      `billing frequency the buyer asked for (${BILLINGS.join(', ')})`,
      billingOption,
    )
    .option('--as-of <date>', 'recommend as of this day (default: today)', dateOption)
    .option('--tenant <tenant>', 'tenant', tenantOption);
}

async function recommendOrFail(work: () => Promise<RecommendationResult>): Promise<RecommendationResult> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnknownCustomerError)
      throw new UsageError(`--customer: unknown customer ${error.customerId}`);
    throw error;
  }
}

function riskTiers() {
  return loadConfig().riskTiers;
}

export function renderRecommendation(result: RecommendationResult): string {
  const money = (minor: number) => formatMoney(minor, result.deal.currency);
  const recommended = result.options.find((option) => option.recommended);
  const lines = [
    recommended === undefined
      ? 'No recommendation: no option is allowed.'
      : `Recommended: ${recommended.label} (${recommended.id}) — policy ${result.policy.id}${result.guardrailVersion === null ? ', default guardrails' : `, guardrails v${result.guardrailVersion}`}`,
    '',
    result.explanation,
    ...result.notes.map((note) => `  • ${note}`),
    '',
    ` #  option              net  invoices  cash days  from signing  late   past due 60+`,
  ];
  for (const option of result.options) {
    const e = option.estimate;
    const fromSigning =
      e.invoices === 1
        ? e.daysFromSigningToFirstCash.toFixed(0)
        : `${e.daysFromSigningToFirstCash.toFixed(0)}–${e.daysFromSigningToLastCash.toFixed(0)}`;
    const note = !option.allowed
      ? `blocked: ${option.blockedBy.join('; ')}`
      : option.sameFiguresAs === null
        ? ''
        : `same figures as ${option.sameFiguresAs}`;
    lines.push(
      `${String(option.rank).padStart(2)}${option.recommended ? '*' : ' '} ${option.id.padEnd(19)} ${String(option.netDays).padStart(3)}  ${String(e.invoices).padStart(8)}  ${e.expectedDaysToCash.toFixed(0).padStart(9)}  ${fromSigning.padStart(12)}  ${`${Math.round(e.probabilityLate * 100)}%`.padStart(4)}  ${money(e.expectedOutstandingPast60Minor).padStart(14)}  ${note}`,
    );
  }
  lines.push('', `Estimates: ${result.estimates}`, `Recommendation id: ${result.recommendationId}`);
  return lines.join('\n');
}

function renderTermsBacktest(report: TermsBacktestReport): string {
  const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
  const num = (value: number | null) => (value === null ? 'n/a' : value.toFixed(1));
  const row = (group: TermsBacktestReport['overall']) =>
    `${group.segment.padEnd(12)} ${String(group.invoices).padStart(7)}  ${num(group.actual.meanNetDays).padStart(6)} ${num(group.actual.meanDaysToCash).padStart(7)} ${pct(group.actual.lateShare).padStart(7)}   ${num(group.recommended.meanNetDays).padStart(6)} ${num(group.recommended.meanDaysToCash).padStart(7)} ${pct(group.recommended.lateShare).padStart(7)}  ${pct(group.changedShare).padStart(7)}`;
  return [
    `Payment-term backtest: invoices issued on or after ${report.split}, outcomes as of ${report.outcomesAsOf ?? 'n/a'} (${report.guardrails} guardrails)`,
    '',
    `${''.padEnd(12)} ${''.padStart(7)}  ${'ACTUAL (observed)'.padEnd(23)}   ${'RECOMMENDED (model estimate)'.padEnd(24)}`,
    `${'segment'.padEnd(12)} ${'invoices'.padStart(7)}  ${'net'.padStart(6)} ${'cash'.padStart(7)} ${'late'.padStart(7)}   ${'net'.padStart(6)} ${'cash'.padStart(7)} ${'late'.padStart(7)}  ${'changed'.padStart(7)}`,
    ...report.bySegment.map(row),
    row(report.overall),
    '',
    `Recommended options: ${Object.entries(report.overall.recommendedOptions)
      .map(([id, count]) => `${id} ${count}`)
      .join(', ')}`,
    `Skipped: ${report.skipped.paidByCard} card-paid invoices, ${report.skipped.noRecommendation} without an allowed option.`,
    `Method: ${report.method}`,
  ].join('\n');
}

function renderInsights(insights: TermInsights): string {
  const lines = [
    `Payment-term insights for invoices issued ${insights.from} to ${insights.to} (${insights.days} days)`,
  ];
  for (const [dimension, groups] of Object.entries(insights.groups)) {
    lines.push('', `${dimension.replace('_', ' ')}`.toUpperCase());
    lines.push(
      `  ${'group'.padEnd(24)} ${'invoices'.padStart(8)} ${'late'.padStart(7)} ${'cash days'.padStart(9)} ${'DSO (main currency)'.padStart(24)}`,
    );
    for (const group of groups.slice(0, 15)) {
      const main = group.currencies[0];
      lines.push(
        `  ${group.key.slice(0, 24).padEnd(24)} ${String(group.invoices).padStart(8)} ${(group.lateRate === null ? 'n/a' : `${(group.lateRate * 100).toFixed(1)}%`).padStart(7)} ${(group.meanDaysToCash === null ? 'n/a' : group.meanDaysToCash.toFixed(1)).padStart(9)} ${(main === undefined || main.dso === null ? 'n/a' : `${main.dso.toFixed(1)} (${main.currency})`).padStart(24)}`,
      );
    }
    if (groups.length > 15) lines.push(`  … and ${groups.length - 15} more (--json for all)`);
  }
  return lines.join('\n');
}

export function renderInsightsChart(insights: TermInsights): string {
  const terms = insights.groups.payment_term.filter((group) => group.invoices >= 5);
  const subtitle = `Invoices issued ${insights.from} to ${insights.to}`;
  return stackSvgs([
    renderBarChart({
      title: 'Share of invoices paid late, by payment term',
      subtitle,
      bars: terms.map((group) => ({
        label: group.key,
        value: group.lateRate,
        note: `${group.invoices} invoices`,
      })),
      formatValue: (value) => `${(value * 100).toFixed(1)}%`,
    }),
    renderBarChart({
      title: 'Days from invoice to cash, by payment term',
      subtitle,
      bars: terms.map((group) => ({
        label: group.key,
        value: group.meanDaysToCash,
        note: `${group.paid} paid`,
      })),
      formatValue: (value) => `${value.toFixed(1)} days`,
    }),
    renderBarChart({
      title: 'Share of invoices paid late, by segment',
      subtitle,
      bars: insights.groups.segment.map((group) => ({
        label: group.key,
        value: group.lateRate,
        note: `${group.invoices} invoices`,
      })),
      formatValue: (value) => `${(value * 100).toFixed(1)}%`,
    }),
  ]);
}

function readGuardrails(file: string): Promise<Guardrails> {
  return readValidatedFile(file, (document) => {
    const result = validateGuardrails(document);
    return result.ok ? { ok: true, value: result.guardrails } : result;
  });
}

function registerDealTerms(terms: Command): void {
  withDealFlags(terms.command('recommend'))
    .description('rank the payment-term options for a deal with a customer or a prospect, with the reasons')
    .option('--json', 'print the result as JSON', false)
    .action(async (flags: DealFlags & { asOf?: CalendarDate; tenant?: TenantId; json: boolean }) => {
      const { query, deal } = buyerAndDeal(flags);
      const tenant = flags.tenant ?? defaultTenant();
      const result = await withStore((store) =>
        recommendOrFail(() =>
          recommendPaymentTerms(store, tenant, query, deal, flags.asOf ?? todayUtc(), riskTiers()),
        ),
      );
      print(flags, result, () => renderRecommendation(result));
    });

  withDealFlags(terms.command('accept'))
    .description('record the terms chosen for a deal (audited) so the CRM sync writes them to the deal')
    .requiredOption('--deal <id>', 'CRM deal or opportunity id')
    .option('--option <id>', 'the option chosen (default: the recommended one)')
    .requiredOption('--by <user>', 'who accepts (for the audit log)')
    .option('--json', 'print the result as JSON', false)
    .action(
      async (
        flags: DealFlags & {
          asOf?: CalendarDate;
          tenant?: TenantId;
          deal: string;
          option?: string;
          by: string;
          json: boolean;
        },
      ) => {
        const { query, deal } = buyerAndDeal(flags);
        const tenant = flags.tenant ?? defaultTenant();
        const outcome = await withStore(async (store) => {
          try {
            return await acceptPaymentTerms(store, tenant, {
              dealId: flags.deal,
              query,
              deal,
              ...(flags.option === undefined ? {} : { optionId: flags.option }),
              actor: flags.by,
              asOf: flags.asOf ?? todayUtc(),
              tiers: riskTiers(),
            });
          } catch (error) {
            if (error instanceof UnknownCustomerError)
              throw new UsageError(`--customer: unknown customer ${error.customerId}`);
            throw error;
          }
        });
        if (!outcome.ok)
          throw new UsageError(
            `--${outcome.field === 'optionId' ? 'option' : outcome.field}: ${outcome.message}`,
          );
        print(flags, outcome, () =>
          outcome.state === 'accepted'
            ? `Recorded ${outcome.optionId} for deal ${flags.deal}${outcome.overridden ? ' (not the recommended option)' : ''}.`
            : `${outcome.optionId} was already recorded for deal ${flags.deal}.`,
        );
      },
    );
}

function registerTermsReports(terms: Command): void {
  terms
    .command('backtest')
    .description('terms actually used vs recommended, for invoices issued after a split date, by segment')
    .argument('<dir>', 'dataset folder (imported into a throwaway store)')
    .requiredOption('--split <date>', 'fit on what was known before this day', dateOption)
    .option('--guardrails <file>', 'guardrails file (YAML or JSON; default: the built-in guardrails)')
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string, options: { split: CalendarDate; guardrails?: string; json: boolean }) => {
      const guardrails =
        options.guardrails === undefined ? DEFAULT_GUARDRAILS : await readGuardrails(options.guardrails);
      const report = await withScratchDataset(dir, !options.json, (store, tenant) =>
        backtestPaymentTerms(
          store,
          tenant,
          options.split,
          guardrails,
          options.guardrails === undefined ? 'default' : 'file',
          riskTiers(),
        ),
      );
      print(options, report, () => renderTermsBacktest(report));
    });

  terms
    .command('insights')
    .description('late-payment rate, days to cash and DSO by payment term, segment and owner over a period')
    .option('--from <date>', 'first issue day (default: 365 days before --to)', dateOption)
    .option('--to <date>', 'last issue day and the day AR is measured (default: today)', dateOption)
    .option('--chart <file.svg>', 'also write the charts as SVG')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(
      async (options: {
        from?: CalendarDate;
        to?: CalendarDate;
        chart?: string;
        tenant?: TenantId;
        json: boolean;
      }) => {
        const to = options.to ?? todayUtc();
        const from = options.from ?? addDays(to, -364);
        if (to < from) throw new UsageError('--to: must not be before --from');
        const tenant = options.tenant ?? defaultTenant();
        const insights = await withStore((store) => paymentTermInsights(store, tenant, from, to));
        if (options.chart !== undefined)
          await writeFile(path.resolve(options.chart), renderInsightsChart(insights));
        print(
          options,
          insights,
          () =>
            renderInsights(insights) + (options.chart === undefined ? '' : `\n\nCharts: ${options.chart}`),
        );
      },
    );
}

function registerGuardrailFiles(guardrails: Command): void {
  guardrails
    .command('default')
    .description('print the built-in guardrails (a starting point to edit)')
    .option('--json', 'print them as JSON instead of YAML', false)
    .action((options: Output) => {
      process.stdout.write(
        options.json ? `${JSON.stringify(DEFAULT_GUARDRAILS, null, 2)}\n` : stringifyYaml(DEFAULT_GUARDRAILS),
      );
    });

  guardrails
    .command('show')
    .description('print the active guardrails')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print them as JSON instead of YAML', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const active = await withStore((store) => activeGuardrails(store, tenant));
      process.stdout.write(
        options.json
          ? `${JSON.stringify(active, null, 2)}\n`
          : `# ${active.version === null ? 'built-in default guardrails' : `version ${active.version}`}\n${stringifyYaml(active.guardrails)}`,
      );
    });

  guardrails
    .command('validate')
    .description('check a guardrails file; exit 2 with every problem named by its path')
    .argument('<file>', 'guardrails file (YAML or JSON)')
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: Output) => {
      const parsed = await readGuardrails(file);
      print(
        options,
        {
          ok: true,
          options: parsed.options.map((option) => option.id),
          policies: parsed.policies.map((policy) => policy.id),
        },
        () => `${file}: valid (${parsed.options.length} options, ${parsed.policies.length} policies)`,
      );
    });
}

function registerGuardrailVersions(guardrails: Command): void {
  guardrails
    .command('activate')
    .description('store a guardrails file as the next immutable version and make it active (audited)')
    .argument('<file>', 'guardrails file (YAML or JSON)')
    .requiredOption('--by <user>', 'who activates (for the audit log)')
    .requiredOption('--note <text>', 'why (for the audit log)')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: { by: string; note: string; tenant?: TenantId; json: boolean }) => {
      const parsed = await readGuardrails(file);
      const tenant = options.tenant ?? defaultTenant();
      const stored = await withStore((store) =>
        store.activateNewTermGuardrails(tenant, parsed, options.by, options.note),
      );
      print(
        options,
        { ok: true, tenant, version: stored.version },
        () => `Activated guardrails version ${stored.version}.`,
      );
    });

  guardrails
    .command('list')
    .description('the stored guardrail versions, the active one marked')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const versions = (await withStore((store) => store.listTermGuardrailVersions(tenant))).map(
        ({ body: _body, ...rest }) => rest,
      );
      print(options, { tenant, versions }, () =>
        versions.length === 0
          ? 'No guardrails stored yet: the built-in default applies (`collections terms guardrails default`).'
          : versions
              .map(
                (v) =>
                  `${v.active ? '*' : ' '} v${v.version}  ${v.createdAt}  ${v.createdBy}  ${v.note ?? ''}`,
              )
              .join('\n'),
      );
    });

  guardrails
    .command('rollback')
    .description('make an earlier version active again (audited)')
    .requiredOption('--to <version>', 'version to return to', versionArgument)
    .requiredOption('--by <user>', 'who rolls back (for the audit log)')
    .option('--note <text>', 'why', 'rollback')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: { to: number; by: string; note: string; tenant?: TenantId; json: boolean }) => {
      const tenant = options.tenant ?? defaultTenant();
      const version = await withStore((store) =>
        store.reactivateTermGuardrails(tenant, options.to, options.by, options.note),
      );
      if (version === undefined) throw new UsageError(`--to: no version ${options.to} in tenant ${tenant}`);
      print(
        options,
        { ok: true, tenant, version: version.version },
        () => `Guardrails version ${version.version} is active again.`,
      );
    });
}

/** `terms`: payment terms at the quote, how terms have fared, and the guardrails RevOps sets. */
export function registerTermsCommands(program: Command): void {
  const terms = program
    .command('terms')
    .description('quote-stage payment terms: recommend, accept, backtest, insights, guardrails');
  registerDealTerms(terms);
  registerTermsReports(terms);
  const guardrails = terms
    .command('guardrails')
    .description("RevOps' payment-term guardrails, versioned and audited");
  registerGuardrailFiles(guardrails);
  registerGuardrailVersions(guardrails);
}
