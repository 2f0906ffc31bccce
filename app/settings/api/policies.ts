/**
 * The settings page's routes. Rule sets and payment-term guardrails are both versioned documents
 * that RevOps edits as text, validates, activates and rolls back. The documents are opaque here:
 * the backend validates them and answers with the path of each problem.
 */
export type VersionSummary = {
  version: number;
  createdAt: string;
  createdBy: string;
  note: string;
  active: boolean;
};

/** `GET /rules` names the document `ruleSet`, `GET /terms/guardrails` names it `guardrails`. */
export type PolicyListResponse = {
  ok: true;
  active: { version: number; createdBy: string; ruleSet?: unknown; guardrails?: unknown } | null;
  default: unknown;
  versions: VersionSummary[];
};

/** `POST .../validate`: the ids the document defines (`rules` or `policies`). */
export type ValidateResponse = { ok: true; rules?: string[]; policies?: string[] };
export type VersionResponse = { ok: true; version: number };

/** One simulated rule set: counts, and counts by rule or assignee. Shown generically. */
export type SimulationSummary = Record<string, unknown>;
export type SimulateResponse = { ok: true; summaries: SimulationSummary[] };

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
};

export const RULE_SETS: PolicyKind = {
  title: 'Collections rules',
  field: 'ruleSet',
  basePath: '/api/v1/rules',
  defines: { field: 'rules', one: 'rule', many: 'rules' },
};

export const GUARDRAILS: PolicyKind = {
  title: 'Payment-term guardrails',
  field: 'guardrails',
  basePath: '/api/v1/terms/guardrails',
  defines: { field: 'policies', one: 'policy', many: 'policies' },
};

export type PolicyDocuments = {
  active: { version: number; document: unknown; createdBy: string } | null;
  defaultDocument: unknown;
  versions: VersionSummary[];
};

export function toPolicyDocuments(kind: PolicyKind, response: PolicyListResponse): PolicyDocuments {
  const { active } = response;
  return {
    active:
      active === null
        ? null
        : { version: active.version, document: active[kind.field], createdBy: active.createdBy },
    defaultDocument: response.default,
    versions: [...response.versions].sort((a, b) => b.version - a.version),
  };
}

export function describeValid(kind: PolicyKind, response: ValidateResponse): string {
  const ids = response[kind.defines.field] ?? [];
  const noun = ids.length === 1 ? kind.defines.one : kind.defines.many;
  return `Valid: ${ids.length} ${noun}${ids.length === 0 ? '' : ` (${ids.join(', ')})`}.`;
}
