import type { AutomationPause } from '../domain/account-status';
import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { PauseSpan } from '../domain/pauses';

export type RuleSetVersion = {
  version: number;
  body: unknown;
  /** The document as written (YAML or JSON, comments kept); null when only the parsed body was kept. */
  source: string | null;
  createdAt: string;
  createdBy: string;
  note: string | null;
  active: boolean;
  /** When it last became active; null when it never was (version 0 before any change). */
  activatedAt: string | null;
};

export type RuleSetActivation =
  | { outcome: 'activated'; version: RuleSetVersion }
  /** Another version became active after the caller looked: nothing was stored. */
  | { outcome: 'active_changed'; active: number };

/** What steers automated collections: the escalation rule set in force, and the accounts paused from it. */
export interface AutomationStore {
  /**
   * The escape hatch: a CSM stops automated collections for one account until a date. Audited, and kept
   * in the pause history from `startedOn` (default: today in UTC); a pause in force is replaced.
   */
  pauseAutomation(
    tenant: TenantId,
    customerId: string,
    pause: AutomationPause & { actor: string; startedOn?: CalendarDate },
  ): Promise<'paused' | 'unknown_customer'>;
  /** true when a pause was lifted (its history ends on `on`, default today in UTC). Audited. */
  resumeAutomation(tenant: TenantId, customerId: string, actor: string, on?: CalendarDate): Promise<boolean>;
  getAutomationPause(tenant: TenantId, customerId: string): Promise<AutomationPause | null>;
  /**
   * The tenant's pauses (only these accounts' when given), expired ones included (the engine decides
   * what is active on a day).
   */
  listAutomationPauses(
    tenant: TenantId,
    customerIds?: readonly string[],
  ): Promise<Map<string, AutomationPause>>;
  /** Every pause ever set, per customer (of these customers, when given), oldest first. */
  listPauseHistory(tenant: TenantId, customerIds?: readonly string[]): Promise<Map<string, PauseSpan[]>>;

  /**
   * Stores a validated rule set (with the text it was written as) as the next immutable version and
   * makes it active. Audited. With `ifActiveVersion`, only while that version is still the active one.
   * The default playbook is version 0 of every tenant: stored on the first change, active until then.
   */
  activateNewRuleSet(
    tenant: TenantId,
    body: unknown,
    actor: string,
    note: string,
    options?: { source?: string | null; ifActiveVersion?: number },
  ): Promise<RuleSetActivation>;
  /** Makes an earlier version (0 included) active again (a rollback). Audited. undefined for an unknown version. */
  reactivateRuleSet(
    tenant: TenantId,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  /** Every version, version 0 (the default playbook) first. */
  listRuleSetVersions(tenant: TenantId): Promise<RuleSetVersion[]>;
  getRuleSetVersion(tenant: TenantId, version: number): Promise<RuleSetVersion | undefined>;
  /** The active version: version 0 until the tenant activates another. */
  getActiveRuleSet(tenant: TenantId): Promise<RuleSetVersion>;
}
