import { DEFAULT_RENEWAL_WINDOW_DAYS } from '../domain/account-status';
import type { TenantId } from '../domain/model';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set';
import { validateRuleSet, type RuleSet } from '../domain/rules/rule-set';
import type { AutomationStore, RuleSetVersion } from '../ports/automation';

/**
 * The one place a tenant's renewal window comes from: the active rule set's `renewalWindowDays`
 * (RevOps sets it with the rules); while the default playbook (version 0) is active, the configured
 * default (`RENEWAL_WINDOW_DAYS`, 90 unless set). Cards, the CRM fields, statuses, reports and the
 * day's rules all read it from here, so an account is in its renewal window everywhere or nowhere.
 */
export function renewalWindowOf(
  active: Pick<RuleSetVersion, 'version'>,
  ruleSet: RuleSet | undefined,
  configured: number | undefined,
): number {
  if (active.version === 0 || ruleSet === undefined) return configured ?? DEFAULT_RENEWAL_WINDOW_DAYS;
  return ruleSet.renewalWindowDays;
}

export type ActiveRules = {
  version: number;
  /** Undefined when the stored body no longer validates (the caller decides what that means). */
  ruleSet: RuleSet | undefined;
  renewalWindowDays: number;
};

/** The tenant's active rule set, parsed, with its renewal window applied. */
export async function loadActiveRules(
  store: Pick<AutomationStore, 'getActiveRuleSet'>,
  tenant: TenantId,
  configuredWindowDays: number | undefined,
): Promise<ActiveRules> {
  const active = await store.getActiveRuleSet(tenant);
  const parsed = validateRuleSet(active.body ?? DEFAULT_RULE_SET);
  const ruleSet = parsed.ok ? parsed.ruleSet : undefined;
  const renewalWindowDays = renewalWindowOf(active, ruleSet, configuredWindowDays);
  return {
    version: active.version,
    ruleSet: ruleSet === undefined ? undefined : { ...ruleSet, renewalWindowDays },
    renewalWindowDays,
  };
}
