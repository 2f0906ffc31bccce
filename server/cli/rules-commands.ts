import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../src/config/config';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import { DEFAULT_RULE_SET } from '../../src/domain/rules/default-rule-set';
import { diffRuleSets, type RuleSetChange } from '../../src/domain/rules/diff';
import { validateRuleSet, type RuleSet } from '../../src/domain/rules/rule-set';
import {
  planCollectionsActions,
  runCollectionsRules,
  simulateRuleSets,
} from '../../src/use-cases/collections-rules';
import {
  activateRuleSet,
  loadActiveRuleSet,
  previewRuleSetActivation,
  simulationLabels,
  storedRuleSet,
  type ActivationPreview,
} from '../../src/use-cases/rule-set-activation';
import { todayUtc } from '../compose';
import { locateChanges, sourceText } from '../source-document';
import { createProgress } from './progress';
import { renderActivationPreview, renderSimulation } from './render';
import {
  dateOption,
  defaultTenant,
  print,
  readValidatedSource,
  ruleVersionArgument,
  tenantOption,
  UsageError,
  withStore,
} from './shared';

type TenantOutput = { tenant?: TenantId; json: boolean };

/** Reads a rule set file (YAML or JSON) with its text; every problem is named by path, line and column. */
function readRuleSet(file: string): Promise<{ value: RuleSet; text: string }> {
  return readValidatedSource(file, (document) => {
    const result = validateRuleSet(document);
    return result.ok ? { ok: true, value: result.ruleSet } : result;
  });
}

function describeChange(change: RuleSetChange, lines: { before?: number; after?: number }): string {
  const at = lines.after ?? lines.before;
  const where = at === undefined ? '' : ` (line ${at})`;
  switch (change.kind) {
    case 'changed':
      return `~ ${change.path}${where}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`;
    case 'moved':
      return `↕ ${change.ruleId}: position ${change.from} → ${change.to}`;
    case 'added':
      return `+ ${change.path} ${change.ruleId}${where}`;
    case 'removed':
      return `- ${change.path} ${change.ruleId}${where}`;
  }
}

/** Asks on the terminal; anything but yes is no. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function registerValidate(rules: Command): void {
  rules
    .command('validate')
    .description(
      'check a rule set file (YAML or JSON); exit 2 with every problem as file:line:column: path: message',
    )
    .argument('<file>', 'rule set file')
    .option('--tenant <tenant>', 'tenant (accepted like every command; validation needs none)', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: TenantOutput) => {
      const { value: ruleSet } = await readRuleSet(file);
      print(
        options,
        { ok: true, name: ruleSet.name, rules: ruleSet.rules.map((rule) => rule.id) },
        () =>
          `${file}: valid (${ruleSet.rules.length} rules: ${ruleSet.rules.map((rule) => rule.id).join(', ')})`,
      );
    });

  rules
    .command('default')
    .description('print the default rule set, version 0 of every tenant (a starting point to edit)')
    .option(
      '--tenant <tenant>',
      'tenant (accepted like every command; the default is the same for all)',
      tenantOption,
    )
    .option('--json', 'print it as JSON instead of YAML', false)
    .action(async (options: TenantOutput) => {
      process.stdout.write(
        options.json ? `${JSON.stringify(DEFAULT_RULE_SET, null, 2)}\n` : stringifyYaml(DEFAULT_RULE_SET),
      );
    });
}

type ActivateOptions = TenantOutput & { by: string; note: string; yes: boolean };

function registerActivate(rules: Command): void {
  rules
    .command('activate')
    .description(
      'store a rule set file as the next version and make it active (audited), after showing its simulated impact over the last 90 days against the active version',
    )
    .argument('<file>', 'rule set file (YAML or JSON), stored as written')
    .requiredOption('--by <user>', 'who activates (for the audit log)')
    .requiredOption('--note <text>', 'why (required, for the audit log and the version list)')
    .option('--yes', 'confirm without asking, after reading the impact (scripts, CI)', false)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: ActivateOptions) => {
      const tenant = options.tenant ?? defaultTenant();
      const note = options.note.trim();
      if (note === '') throw new UsageError('--note must not be empty: say why the rules change');
      const { value: ruleSet, text } = await readRuleSet(file);
      const progress = createProgress(!options.json, 'rows');
      const outcome = await withStore(async (store) => {
        const { customers } = await store.counts(tenant);
        const { preview } = await previewRuleSetActivation(store, tenant, ruleSet, todayUtc(), {
          riskTiers: loadConfig().riskTiers,
          onProgress: (accounts) => progress.update(accounts, customers, 'accounts'),
        }).finally(() => progress.stop());
        if (preview.identicalToActive)
          throw new UsageError(
            `${file} is identical to the active version ${preview.against.label}: nothing to activate`,
            { code: 'identical_to_active', preview },
          );
        if (!options.json) process.stdout.write(`${renderActivationPreview(preview, file)}\n`);
        await confirm(options, preview);
        return activateRuleSet(store, tenant, { ruleSet, source: text }, options.by, note, {
          ifActiveVersion: preview.against.version,
        }).then((result) => ({ result, preview }));
      });
      const { result, preview } = outcome;
      if (result.outcome === 'note_required') throw new UsageError('--note must not be empty');
      if (result.outcome === 'identical_to_active')
        throw new UsageError(`${file} is identical to the active version v${result.active}`);
      if (result.outcome === 'active_changed')
        throw new UsageError(
          `version ${result.active} became active while this ran: nothing was stored; run it again to see the impact against it`,
        );
      if (result.outcome === 'not_confirmed') throw new UsageError('not activated: not confirmed');
      print(
        options,
        { ok: true, tenant, version: result.version, preview },
        () => `Activated ${ruleSet.name} as version ${result.version}.`,
      );
    });
}

/** --yes, or a yes on the terminal; refused without either (a script must say it read the impact). */
async function confirm(options: ActivateOptions, preview: ActivationPreview): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY || options.json)
    throw new UsageError(
      'not confirmed: read the simulated impact, then pass --yes to activate without a terminal',
      { code: 'confirmation_required', preview },
    );
  if (!(await confirmOnTerminal(`Activate it in place of ${preview.against.label}? [y/N] `)))
    throw new UsageError('not activated: not confirmed');
}

function registerVersions(rules: Command): void {
  rules
    .command('list')
    .description('the rule set versions (version 0 is the default playbook), the active one marked')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: TenantOutput) => {
      const tenant = options.tenant ?? defaultTenant();
      const versions = await withStore((store) => store.listRuleSetVersions(tenant));
      const listed = versions.map(({ body, source: _source, ...rest }) => ({
        ...rest,
        name: (body as { name?: string }).name ?? null,
      }));
      print(options, { tenant, versions: listed }, () =>
        listed
          .map(
            (v) =>
              `${v.active ? '*' : ' '} v${v.version}  ${v.createdAt}  ${v.createdBy}  ${v.name ?? ''}  ${v.note ?? ''}`,
          )
          .join('\n'),
      );
    });

  rules
    .command('show')
    .description('print a version as it was written (comments and order kept); the active one by default')
    .argument('[version]', 'version number (0 is the default playbook)', ruleVersionArgument)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the version as JSON', false)
    .action(async (number: number | undefined, options: TenantOutput) => {
      const tenant = options.tenant ?? defaultTenant();
      const version = await withStore((store) =>
        number === undefined ? store.getActiveRuleSet(tenant) : store.getRuleSetVersion(tenant, number),
      );
      if (version === undefined) throw new UsageError(`no version ${number ?? ''} in tenant ${tenant}`);
      const source = sourceText(version);
      print(options, { tenant, ...version, source }, () => source.replace(/\n$/, ''));
    });

  rules
    .command('diff')
    .description('what changed between two versions, by path, with the line in the text as written')
    .argument('<v1>', 'earlier version (0 is the default playbook)', ruleVersionArgument)
    .argument('<v2>', 'later version', ruleVersionArgument)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (v1: number, v2: number, options: TenantOutput) => {
      const tenant = options.tenant ?? defaultTenant();
      const [before, after] = await withStore((store) =>
        Promise.all([store.getRuleSetVersion(tenant, v1), store.getRuleSetVersion(tenant, v2)]),
      );
      if (before === undefined || after === undefined)
        throw new UsageError(`no version ${before === undefined ? v1 : v2} in tenant ${tenant}`);
      const changes = diffRuleSets(storedRuleSet(before), storedRuleSet(after));
      const lines = locateChanges(before, after, changes);
      const located = changes.map((change, index) => ({ ...change, lines: lines[index] ?? {} }));
      print(options, { tenant, from: v1, to: v2, changes: located }, () =>
        changes.length === 0
          ? `v${v1} and v${v2} are the same.`
          : located.map((change) => describeChange(change, change.lines)).join('\n'),
      );
    });

  rules
    .command('rollback')
    .description('make an earlier version active again, 0 (the default playbook) included (audited)')
    .requiredOption('--to <version>', 'version to return to', ruleVersionArgument)
    .requiredOption('--by <user>', 'who rolls back (for the audit log)')
    .requiredOption('--note <text>', 'why (required, for the audit log)')
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: TenantOutput & { to: number; by: string; note: string }) => {
      const tenant = options.tenant ?? defaultTenant();
      const note = options.note.trim();
      if (note === '') throw new UsageError('--note must not be empty: say why');
      const version = await withStore((store) =>
        store.reactivateRuleSet(tenant, options.to, options.by, note),
      );
      if (version === undefined) throw new UsageError(`no version ${options.to} in tenant ${tenant}`);
      print(
        options,
        { ok: true, tenant, version: version.version },
        () => `Version ${version.version} is active again.`,
      );
    });
}

type SimulateOptions = TenantOutput & {
  from: CalendarDate;
  to: CalendarDate;
  against?: string;
  details: boolean;
};

function registerSimulate(rules: Command): void {
  rules
    .command('simulate')
    .description(
      'replay the imported history day by day: what the rule set would have done (side by side with --against)',
    )
    .argument('<file>', 'rule set file (YAML or JSON)')
    .requiredOption('--from <date>', 'first day to replay', dateOption)
    .requiredOption('--to <date>', 'last day to replay', dateOption)
    .option('--against <file>', 'a second rule set to compare with (e.g. the active one, exported)')
    .option('--details', 'list every action', false)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (file: string, options: SimulateOptions) => {
      if (options.to < options.from) throw new UsageError('--to must not be before --from');
      const proposed = (await readRuleSet(file)).value;
      const against = options.against === undefined ? undefined : (await readRuleSet(options.against)).value;
      const tenant = options.tenant ?? defaultTenant();
      const progress = createProgress(!options.json, 'rows');
      const { report, labels } = await withStore(async (store) => {
        const { customers } = await store.counts(tenant);
        const named = await simulationLabels(store, tenant, proposed, against, {
          proposed: path.basename(file),
          ...(options.against === undefined ? {} : { baseline: path.basename(options.against) }),
        });
        const replayed = await simulateRuleSets(
          store,
          tenant,
          against === undefined ? [proposed] : [proposed, against],
          options.from,
          options.to,
          {
            details: options.details,
            riskTiers: loadConfig().riskTiers,
            onProgress: (accounts) => progress.update(accounts, customers, 'accounts'),
          },
        );
        return { report: replayed, labels: named };
      }).finally(() => progress.stop());
      const columns = [labels.proposed, ...(labels.baseline === null ? [] : [labels.baseline])];
      const labelled = report.summaries.map((summary, index) => ({
        ruleSet: columns[index],
        ...summary,
      }));
      print(options, { tenant, ...report, labels, summaries: labelled }, () => renderSimulation(labelled));
    });
}

function registerRuns(rules: Command): void {
  rules
    .command('run')
    .description(
      'evaluate the active rule set (version 0, the default, until one is activated) for every account and record the tasks; idempotent per day',
    )
    .option('--as-of <date>', 'the day to evaluate (default: today)', dateOption)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: TenantOutput & { asOf?: CalendarDate }) => {
      const tenant = options.tenant ?? defaultTenant();
      const asOf = options.asOf ?? todayUtc();
      const result = await withStore(async (store) => {
        const active = await loadActiveRuleSet(store, tenant, loadConfig().renewalWindowDays);
        return runCollectionsRules(store, tenant, active.ruleSet, active.version.version, asOf, {
          riskTiers: loadConfig().riskTiers,
        });
      });
      const { evaluation: _evaluation, ...summary } = result;
      print(
        options,
        summary,
        () =>
          `${result.ruleSet} as of ${asOf}: ${result.tasksCreated} new task(s), ${result.holdsSet} hold(s), ${result.skipped} held back by the safety rails.`,
      );
    });

  rules
    .command('plan')
    .description('dry run: the tasks the rule set would create today for every account (nothing is written)')
    .option('--file <file>', 'rule set file (default: the active version)')
    .option('--as-of <date>', 'the day to evaluate (default: today)', dateOption)
    .option('--tenant <tenant>', 'tenant', tenantOption)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: TenantOutput & { file?: string; asOf?: CalendarDate }) => {
      const tenant = options.tenant ?? defaultTenant();
      const asOf = options.asOf ?? todayUtc();
      const fromFile = options.file === undefined ? undefined : (await readRuleSet(options.file)).value;
      const plan = await withStore(async (store) => {
        const ruleSet = fromFile ?? (await loadActiveRuleSet(store, tenant)).ruleSet;
        return planCollectionsActions(store, tenant, ruleSet, asOf, { riskTiers: loadConfig().riskTiers });
      });
      print(options, plan, () =>
        [
          `${plan.ruleSet} on ${plan.accounts} accounts as of ${plan.asOf}: ${plan.evaluation.tasks.length} tasks, ${plan.skipped} held back by the safety rails`,
          ...Object.entries(plan.tasksByRule).map(([rule, n]) => `  ${rule.padEnd(30)} ${n}`),
          'By assignee:',
          ...Object.entries(plan.tasksByAssignee).map(([who, n]) => `  ${who.padEnd(30)} ${n}`),
        ].join('\n'),
      );
    });
}

/** `collections rules …`: every subcommand takes --tenant and --json. */
export function registerRulesCommands(program: Command): void {
  const rules = program
    .command('rules')
    .description('escalation rule sets: validate, simulate, activate with a preview, roll back, plan, run');
  registerValidate(rules);
  registerActivate(rules);
  registerVersions(rules);
  registerSimulate(rules);
  registerRuns(rules);
}
