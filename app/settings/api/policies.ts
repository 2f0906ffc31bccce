/**
 * The settings page's routes. Rule sets and payment-term guardrails are both versioned documents
 * that RevOps edits as text, validates, activates and rolls back. The documents are opaque here:
 * the backend validates them and answers with the path of each problem.
 */
export type VersionSummary = {
  version: number;
  createdAt: string;
  createdBy: string;
  note: string | null;
  active: boolean;
  /** The document as its author wrote it (rule sets; version 0 is the default playbook). */
  source?: string;
};

/** One rule as one plain-English sentence. */
export type DescribedRule = { id: string; text: string };

/** `GET /rules` names the document `ruleSet`, `GET /terms/guardrails` names it `guardrails`. */
export type PolicyListResponse = {
  ok: true;
  active: {
    version: number;
    createdBy: string;
    ruleSet?: unknown;
    guardrails?: unknown;
    source?: string;
  } | null;
  default: unknown;
  versions: VersionSummary[];
  /** The active rule set in words. */
  described?: DescribedRule[];
};

/** `POST .../validate`: the ids the document defines (`rules` or `policies`). */
export type ValidateResponse = {
  ok: true;
  rules?: string[];
  policies?: string[];
  described?: DescribedRule[];
};
export type VersionResponse = { ok: true; version: number };

/** One simulated rule set (server/http/simulations-api.ts). */
export type SimulationSummary = {
  from: string;
  to: string;
  days?: number;
  accounts?: number;
  tasks?: number;
  /** Every rule of the simulated set, 0 for one that never fired. */
  tasksByRule?: Record<string, number>;
  accountsContacted?: number;
  contacts?: number;
  contactsInRenewalWindow?: number;
  accountsHeldForDisputes?: number;
  accountsSkippedByRails?: number;
  skippedByRail?: Record<string, number>;
  contactsPerAccountWeek?: { max: number; cap: number };
  peakTasksPerAssigneePerWeek?: Record<string, { week: string; tasks: number }>;
};
/** What each column is: the proposal and what it is compared with (null: nothing). */
export type SimulationLabels = { baseline: string | null; proposed: string };
export type SimulateResponse = { ok: true; summaries: SimulationSummary[]; labels?: SimulationLabels };

/** The simulated impact of one rule set over the preview's window. */
export type Impact = {
  tasks: number;
  accountsContacted: number;
  contactsInRenewalWindow: number;
  peakTasksPerAssignee: { assignee: string; tasks: number } | null;
  maxContactsPerAccountWeek: number;
  contactCapPerWeek: number;
};

/** `POST /rules/activation-preview`: the draft against the active version over the last 90 days. */
export type ActivationPreview = {
  token: string;
  identicalToActive: boolean;
  against: { version: number; label: string };
  proposed: { label: string };
  from: string;
  to: string;
  windowDays: number;
  impact: { active: Impact; proposed: Impact };
  rules: { id: string; label: string; active: { tasks: number }; proposed: { tasks: number } }[];
};
export type PreviewResponse = { ok: true; preview: ActivationPreview };

export type RuleSetChange =
  | { kind: 'added' | 'removed'; path: string; ruleId: string }
  | { kind: 'moved'; ruleId: string; from: number; to: number }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };
export type DiffResponse = { ok: true; from: number; to: number; changes: RuleSetChange[] };

export type PolicyKind = {
  title: string;
  /** The field the routes carry the document in. */
  field: 'ruleSet' | 'guardrails';
  basePath: string;
  /** The field of a successful validation listing what the document defines, and its noun. */
  defines: { field: 'rules' | 'policies'; one: string; many: string };
  /**
   * Rule sets travel as their text (`source`, kept as written), are read back in words and are
   * activated only after a preview of their impact; guardrails go parsed and straight to activation.
   */
  changeControl: boolean;
};

export const RULE_SETS: PolicyKind = {
  title: 'Collections rules',
  field: 'ruleSet',
  basePath: '/api/v1/rules',
  defines: { field: 'rules', one: 'rule', many: 'rules' },
  changeControl: true,
};

export const GUARDRAILS: PolicyKind = {
  title: 'Payment-term guardrails',
  field: 'guardrails',
  basePath: '/api/v1/terms/guardrails',
  defines: { field: 'policies', one: 'policy', many: 'policies' },
  changeControl: false,
};

export type PolicyDocuments = {
  active: { version: number; document: unknown; createdBy: string; source?: string } | null;
  defaultDocument: unknown;
  versions: VersionSummary[];
  described: DescribedRule[];
};

export function toPolicyDocuments(kind: PolicyKind, response: PolicyListResponse): PolicyDocuments {
  const { active } = response;
  return {
    active:
      active === null
        ? null
        : {
            version: active.version,
            document: active[kind.field],
            createdBy: active.createdBy,
            ...(active.source === undefined ? {} : { source: active.source }),
          },
    defaultDocument: response.default,
    versions: [...response.versions].sort((a, b) => b.version - a.version),
    described: response.described ?? [],
  };
}

/** "v3 (in force)", or "v0 (in force, default playbook)". */
export function inForceLabel(documents: PolicyDocuments): string {
  if (documents.active === null) return 'Default (in force)';
  return documents.active.version === 0
    ? 'v0 (in force, default playbook)'
    : `v${documents.active.version} (in force)`;
}

/** The ids of a parsed rule set's rules, in order. */
export function ruleIdsOf(document: unknown): string[] {
  if (typeof document !== 'object' || document === null || !('rules' in document)) return [];
  const { rules } = document;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule: unknown) =>
    typeof rule === 'object' && rule !== null && 'id' in rule && typeof rule.id === 'string' ? [rule.id] : [],
  );
}

export function describeValid(kind: PolicyKind, response: ValidateResponse): string {
  const ids = response[kind.defines.field] ?? [];
  const noun = ids.length === 1 ? kind.defines.one : kind.defines.many;
  return `Valid: ${ids.length} ${noun}${ids.length === 0 ? '' : ` (${ids.join(', ')})`}.`;
}
