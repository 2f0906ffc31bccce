import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import {
  ACTIVATION_WINDOW_DAYS,
  activationWindow,
  impactOf,
  ruleImpacts,
  versionLabel,
  type Impact,
  type RuleImpact,
} from '../domain/rules/activation';
import { sameRuleSet } from '../domain/rules/diff';
import { validateRuleSet, type RuleSet } from '../domain/rules/rule-set';
import type { AutomationStore, RuleSetVersion } from '../ports/automation';
import { renewalWindowOf } from './renewal-window';
import { simulateRuleSets, type RulePlanningPorts, type SimulationOptions } from './collections-rules';

export const PROPOSED_LABEL = 'proposed';

/** What RevOps sees before activating: the proposal's simulated impact against the active version. */
export type ActivationPreview = {
  identicalToActive: boolean;
  against: { version: number; label: string };
  proposed: { label: string };
  from: CalendarDate;
  to: CalendarDate;
  windowDays: number;
  impact: { active: Impact; proposed: Impact };
  rules: RuleImpact[];
};

export type ActiveRuleSet = { version: RuleSetVersion; ruleSet: RuleSet };

export function storedRuleSet(version: RuleSetVersion): RuleSet {
  const parsed = validateRuleSet(version.body);
  if (!parsed.ok) throw new Error(`stored rule set version ${version.version} no longer validates`);
  return parsed.ruleSet;
}

/**
 * The active version (version 0, the default playbook, until the tenant changes it) and its rules.
 * With `configuredWindowDays` (RENEWAL_WINDOW_DAYS), the rules carry the tenant's renewal window as
 * everything else reads it (see renewal-window.ts), for running them; without it, as stored.
 */
export async function loadActiveRuleSet(
  store: AutomationStore,
  tenant: TenantId,
  configuredWindowDays?: number,
): Promise<ActiveRuleSet> {
  const version = await store.getActiveRuleSet(tenant);
  const ruleSet = storedRuleSet(version);
  if (configuredWindowDays === undefined) return { version, ruleSet };
  return {
    version,
    ruleSet: { ...ruleSet, renewalWindowDays: renewalWindowOf(version, ruleSet, configuredWindowDays) },
  };
}

/**
 * Replays the last 90 days under the active version and under the proposal. A proposal identical to
 * the active version (same parsed rules) is replayed once and shown on both sides.
 */
export async function previewRuleSetActivation(
  store: RulePlanningPorts,
  tenant: TenantId,
  proposed: RuleSet,
  today: CalendarDate,
  options: SimulationOptions = {},
): Promise<{ preview: ActivationPreview; active: RuleSetVersion }> {
  const active = await loadActiveRuleSet(store, tenant);
  const identical = sameRuleSet(active.ruleSet, proposed);
  const { from, to } = activationWindow(today);
  const report = await simulateRuleSets(
    store,
    tenant,
    identical ? [active.ruleSet] : [active.ruleSet, proposed],
    from,
    to,
    options,
  );
  const activeSummary = report.summaries[0];
  if (activeSummary === undefined) throw new Error('the simulation returned no summary');
  const proposedSummary = report.summaries[1] ?? activeSummary;
  return {
    active: active.version,
    preview: {
      identicalToActive: identical,
      against: { version: active.version.version, label: versionLabel(active.version) },
      proposed: { label: PROPOSED_LABEL },
      from,
      to,
      windowDays: ACTIVATION_WINDOW_DAYS,
      impact: { active: impactOf(activeSummary), proposed: impactOf(proposedSummary) },
      rules: ruleImpacts(active.ruleSet, proposed, activeSummary, proposedSummary),
    },
  };
}

export type ActivationOutcome =
  | { outcome: 'activated'; version: number }
  | { outcome: 'note_required' }
  | { outcome: 'identical_to_active'; active: number }
  /** The active version is no longer the one the caller's preview was made against. */
  | { outcome: 'active_changed'; active: number }
  /** Everything else holds, but the caller has not shown the change was previewed and confirmed. */
  | { outcome: 'not_confirmed' };

/**
 * Stores the proposal (with the text it was written as) as the next version and activates it: only
 * with a note, only when it differs from the active version, only when `confirmed` (not false), and,
 * with `ifActiveVersion`, only while the version the caller previewed against is still the active one.
 */
export async function activateRuleSet(
  store: AutomationStore,
  tenant: TenantId,
  proposal: { ruleSet: RuleSet; source: string | null },
  actor: string,
  note: string,
  options: { ifActiveVersion?: number; confirmed?: boolean } = {},
): Promise<ActivationOutcome> {
  if (note.trim() === '') return { outcome: 'note_required' };
  const active = await loadActiveRuleSet(store, tenant);
  if (options.ifActiveVersion !== undefined && active.version.version !== options.ifActiveVersion)
    return { outcome: 'active_changed', active: active.version.version };
  if (sameRuleSet(active.ruleSet, proposal.ruleSet))
    return { outcome: 'identical_to_active', active: active.version.version };
  if (options.confirmed === false) return { outcome: 'not_confirmed' };
  const stored = await store.activateNewRuleSet(tenant, proposal.ruleSet, actor, note.trim(), {
    source: proposal.source,
    ifActiveVersion: active.version.version,
  });
  return stored.outcome === 'activated'
    ? { outcome: 'activated', version: stored.version.version }
    : { outcome: 'active_changed', active: stored.active };
}

/**
 * Labels for a simulation's columns: the stored version a set equals, else what it is in the comparison
 * (`fallback`, e.g. the file names on the command line).
 */
export async function simulationLabels(
  store: AutomationStore,
  tenant: TenantId,
  proposed: RuleSet,
  baseline: RuleSet | undefined,
  fallback: { proposed?: string; baseline?: string } = {},
): Promise<{ baseline: string | null; proposed: string }> {
  const versions = await store.listRuleSetVersions(tenant);
  const parsed = versions.flatMap((version) => {
    const result = validateRuleSet(version.body);
    return result.ok ? [{ version, ruleSet: result.ruleSet }] : [];
  });
  // The active version first: a set equal to several versions is named after the one in force.
  parsed.sort(
    (a, b) => Number(b.version.active) - Number(a.version.active) || b.version.version - a.version.version,
  );
  const named = (ruleSet: RuleSet) => parsed.find((entry) => sameRuleSet(entry.ruleSet, ruleSet))?.version;
  const label = (ruleSet: RuleSet, otherwise: string) => {
    const version = named(ruleSet);
    return version === undefined ? otherwise : versionLabel(version);
  };
  const proposedLabel = label(proposed, fallback.proposed ?? PROPOSED_LABEL);
  if (baseline === undefined) return { baseline: null, proposed: proposedLabel };
  const baselineLabel = label(baseline, fallback.baseline ?? `compared with "${baseline.name}"`);
  // Two unnamed sets still need two column heads.
  return {
    baseline: baselineLabel === proposedLabel ? `${baselineLabel} (baseline)` : baselineLabel,
    proposed: proposedLabel,
  };
}
