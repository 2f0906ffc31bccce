import type { TenantId } from '../domain/model';
import type { CrmTaskOwnerFallback, IntegrationErrorCode } from '../ports/crm-gateway';
import type { CrmRecordFailures } from '../ports/crm-record-failures';

/**
 * Tasks that went to a fallback owner are kept beside the records a CRM refused, under their own name
 * per CRM (keyed by task id), so the doctor can say which tasks did not reach their assignee.
 */
export const taskOwnerFallbacksOf = (crm: string) => `${crm}:task-owners`;

/** What a deployment configures to say who each role is, per CRM. */
const SETTINGS: Readonly<Record<string, { csm: string; finance: string; fallback: string }>> = {
  salesforce: {
    csm: 'SALESFORCE_CSM_ROLE (an Account Team role) or SALESFORCE_CSM_FIELD (an Account lookup to User)',
    finance: 'SALESFORCE_FINANCE_USER',
    fallback: 'SALESFORCE_FINANCE_USER',
  },
  hubspot: {
    csm: 'HUBSPOT_CSM_PROPERTY',
    finance: 'HUBSPOT_FINANCE_OWNER_ID',
    fallback: 'HUBSPOT_FALLBACK_OWNER_ID or HUBSPOT_FINANCE_OWNER_ID',
  },
};

/** Why the task did not reach its assignee and what to configure or fix, in one sentence. */
export function describeOwnerFallback(crm: string, fallback: CrmTaskOwnerFallback): string {
  const settings = SETTINGS[crm] ?? {
    csm: 'who the CSM is',
    finance: 'the finance user',
    fallback: 'a fallback owner',
  };
  const who = `\`${fallback.assignee}\``;
  const took =
    fallback.ownedBy === 'finance_user'
      ? 'it went to the finance user'
      : `it went to the integration user (set ${settings.fallback} to give such tasks to a person)`;
  switch (fallback.reason) {
    case 'role_not_configured':
      return `${who} is not configured, ${took}: set ${fallback.assignee === 'csm' ? settings.csm : settings.finance}`;
    case 'nobody_in_role':
      return `nobody holds ${who} on the account, ${took}: ${
        fallback.assignee === 'csm'
          ? 'name its CSM (team role or lookup) in the CRM'
          : 'give the account an owner'
      }`;
    case 'user_not_active':
      return `${who} is not an active user of the CRM, ${took}: activate the user, correct the e-mail, or change the rule's assignee`;
    case 'not_readable':
      return `the integration user may not read who ${who} is, ${took}: give it read access to users${
        crm === 'salesforce' ? ' and Account Team members' : ''
      }`;
  }
}

const codeOf = (fallback: CrmTaskOwnerFallback): IntegrationErrorCode =>
  fallback.reason === 'not_readable' ? 'missing_permission' : 'not_found';

/** Keeps the tasks that fell back, each under its task id, with the account it was created on. */
export async function noteTaskOwnerFallbacks(
  store: Pick<CrmRecordFailures, 'noteCrmRecordFailures'>,
  tenant: TenantId,
  crm: string,
  companyOf: ReadonlyMap<string, string>,
  fallbacks: readonly CrmTaskOwnerFallback[],
): Promise<void> {
  await store.noteCrmRecordFailures(
    tenant,
    taskOwnerFallbacksOf(crm),
    fallbacks.map((fallback) => ({
      customerId: fallback.key,
      crmId: companyOf.get(fallback.key) ?? '',
      hash: `${fallback.assignee}|${fallback.reason}|${fallback.ownedBy}`,
      code: codeOf(fallback),
      message: describeOwnerFallback(crm, fallback),
    })),
  );
}
