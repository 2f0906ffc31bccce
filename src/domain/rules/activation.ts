import { addDays, type CalendarDate } from '../dates';
import type { RuleSet } from './rule-set';
import type { SimulationSummary } from './simulate';

/** Activation first shows what the change would have done over this many days, against the active set. */
export const ACTIVATION_WINDOW_DAYS = 90;

/** The rail's own rule id: it fires for every open dispute whatever the rule set says. */
const DISPUTE_REVIEW = 'dispute-review';

/** What a rule set did over the window, in the figures a RevOps user weighs before activating it. */
export type Impact = {
  tasks: number;
  accountsContacted: number;
  contactsInRenewalWindow: number;
  /** The busiest assignee's busiest week; null when no task was made. */
  peakTasksPerAssignee: { assignee: string; tasks: number } | null;
  /** The most contacts one account got in any 7 days, and the weekly cap it is held to. */
  maxContactsPerAccountWeek: number;
  contactCapPerWeek: number;
};

export type RuleImpact = {
  id: string;
  label: string;
  active: { tasks: number };
  proposed: { tasks: number };
};

/** The last `ACTIVATION_WINDOW_DAYS` days, today included. */
export function activationWindow(today: CalendarDate): { from: CalendarDate; to: CalendarDate } {
  return { from: addDays(today, -(ACTIVATION_WINDOW_DAYS - 1)), to: today };
}

export function impactOf(summary: SimulationSummary): Impact {
  let peak: Impact['peakTasksPerAssignee'] = null;
  for (const assignee of Object.keys(summary.peakTasksPerAssigneePerWeek).sort()) {
    const tasks = summary.peakTasksPerAssigneePerWeek[assignee]?.tasks ?? 0;
    if (peak === null || tasks > peak.tasks) peak = { assignee, tasks };
  }
  return {
    tasks: summary.tasks,
    accountsContacted: summary.accountsContacted,
    contactsInRenewalWindow: summary.contactsInRenewalWindow,
    peakTasksPerAssignee: peak,
    maxContactsPerAccountWeek: summary.contactsPerAccountWeek.max,
    contactCapPerWeek: summary.contactsPerAccountWeek.cap,
  };
}

/**
 * Tasks per rule on both sides: every rule of either set (the proposed set's order first, then rules
 * only the active set has), with 0 where a rule never fired or does not exist; the dispute-review rail
 * when it fired on either side.
 */
export function ruleImpacts(
  active: RuleSet,
  proposed: RuleSet,
  activeSummary: SimulationSummary,
  proposedSummary: SimulationSummary,
): RuleImpact[] {
  const labels = new Map<string, string>();
  for (const rule of [...proposed.rules, ...active.rules])
    if (!labels.has(rule.id)) labels.set(rule.id, rule.description ?? rule.id);
  if (
    (activeSummary.tasksByRule[DISPUTE_REVIEW] ?? 0) + (proposedSummary.tasksByRule[DISPUTE_REVIEW] ?? 0) >
    0
  )
    labels.set(DISPUTE_REVIEW, 'Dispute review (safety rail: every open dispute gets one)');
  return [...labels].map(([id, label]) => ({
    id,
    label,
    active: { tasks: activeSummary.tasksByRule[id] ?? 0 },
    proposed: { tasks: proposedSummary.tasksByRule[id] ?? 0 },
  }));
}

/** `v3 (active, "calmer reminders")`, `v2 ("first draft")`, `v1`: what a column of numbers compares. */
export function versionLabel(version: { version: number; note: string | null; active: boolean }): string {
  const note = version.note === null || version.note.trim() === '' ? null : `"${version.note.trim()}"`;
  const parts = [...(version.active ? ['active'] : []), ...(note === null ? [] : [note])];
  return parts.length === 0 ? `v${version.version}` : `v${version.version} (${parts.join(', ')})`;
}
