import type { Client } from '@hubspot/api-client';
import type { CrmTaskInput, CrmTaskOwnerFallback, TaskOwnerFallbackReason } from '../../ports/crm-gateway';

/** Who a rule's role means in this portal. Owner ids are HubSpot owner ids (`GET /crm/v3/owners` `id`). */
export type HubspotTaskOwners = {
  /** The company property holding the CSM (an owner id, or the owner's e-mail), e.g. `csm_owner`. */
  csmProperty?: string;
  /** The owner who takes `finance_queue` tasks. */
  financeOwnerId?: string;
  /** The owner of tasks whose role nobody holds; default: the finance owner. */
  fallbackOwnerId?: string;
};

export type TaskOwnerAssignment = { owners: Map<string, string>; fallbacks: CrmTaskOwnerFallback[] };

/** The owners directory is read again after this long (people join and leave). */
export const OWNERS_TTL_MS = 60 * 60000;

const OWNER_ID = /^[0-9]{1,20}$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const ACCOUNT_ROLES = new Set(['account_owner', 'ae']);

type Call = <T>(request: () => Promise<T>) => Promise<T>;

/**
 * Task owners from the rules' roles: `account_owner` (and `ae`) is the company's `hubspot_owner_id`;
 * `csm` the owner in the company property `csmProperty`; `finance_queue` the finance owner;
 * `user:<e-mail or owner id>`, an e-mail or an owner id, that owner (e-mails through the Owners API,
 * active owners only, cached). A role nobody holds goes to the fallback owner, and is reported.
 */
export function createHubspotTaskOwners(
  client: Client,
  call: Call,
  roles: HubspotTaskOwners = {},
  now: () => number = Date.now,
) {
  let directory: { ids: Set<string>; byEmail: Map<string, string>; readAt: number } | undefined;

  const owners = async () => {
    if (directory !== undefined && now() - directory.readAt < OWNERS_TTL_MS) return directory;
    const ids = new Set<string>();
    const byEmail = new Map<string, string>();
    let after: string | undefined;
    // Bounded: a portal has at most a few thousand users, 500 a page.
    for (let page = 0; page < 1000; page += 1) {
      const asked = after;
      const answer = await call(() => client.crm.owners.ownersApi.getPage(undefined, asked, 500, false));
      for (const owner of answer.results) {
        ids.add(owner.id);
        if (owner.email) byEmail.set(owner.email.toLowerCase(), owner.id);
      }
      after = answer.paging?.next?.after;
      if (after === undefined || after === asked) break;
    }
    directory = { ids, byEmail, readAt: now() };
    return directory;
  };

  const companyOwners = async (
    companyIds: readonly string[],
  ): Promise<Map<string, { owner?: string; csm?: string }>> => {
    const found = new Map<string, { owner?: string; csm?: string }>();
    const properties = ['hubspot_owner_id', ...(roles.csmProperty === undefined ? [] : [roles.csmProperty])];
    for (let index = 0; index < companyIds.length; index += 100) {
      const batch = companyIds.slice(index, index + 100);
      const read = await call(() =>
        client.crm.companies.batchApi.read({
          inputs: batch.map((id) => ({ id })),
          properties,
          propertiesWithHistory: [],
        }),
      );
      for (const company of read.results) {
        const owner = company.properties['hubspot_owner_id'];
        const csm = roles.csmProperty === undefined ? null : company.properties[roles.csmProperty];
        found.set(company.id, { ...(owner ? { owner } : {}), ...(csm ? { csm } : {}) });
      }
    }
    return found;
  };

  /** Task key → owner id, and the tasks that fell back. */
  return async (tasks: readonly CrmTaskInput[]): Promise<TaskOwnerAssignment> => {
    const assigned = tasks.filter((task) => task.assignee != null && task.assignee !== '');
    const role = (task: CrmTaskInput) => (task.assignee ?? '').trim();
    const needsCompany = assigned.filter((task) => ACCOUNT_ROLES.has(role(task)) || role(task) === 'csm');
    const people =
      needsCompany.length === 0
        ? new Map<string, { owner?: string; csm?: string }>()
        : await companyOwners([...new Set(needsCompany.map((task) => task.companyId))]);
    const wanted = new Map<string, string | undefined>();
    const unconfigured = (who: string) =>
      (who === 'csm' && roles.csmProperty === undefined) ||
      (who === 'finance_queue' && roles.financeOwnerId === undefined);
    for (const task of assigned) {
      const who = role(task);
      const company = people.get(task.companyId);
      wanted.set(
        task.key,
        ACCOUNT_ROLES.has(who)
          ? company?.owner
          : who === 'csm'
            ? company?.csm
            : who === 'finance_queue'
              ? roles.financeOwnerId
              : who.startsWith('user:')
                ? who.slice(5).trim()
                : who,
      );
    }
    const refs = [...wanted.values()].filter((ref): ref is string => ref !== undefined);
    if (roles.fallbackOwnerId !== undefined) refs.push(roles.fallbackOwnerId);
    if (roles.financeOwnerId !== undefined) refs.push(roles.financeOwnerId);
    const known = refs.length === 0 ? undefined : await owners();
    const resolve = (ref: string | undefined): string | undefined => {
      if (ref === undefined || known === undefined) return undefined;
      if (OWNER_ID.test(ref)) return known.ids.has(ref) ? ref : undefined;
      return EMAIL.test(ref) ? known.byEmail.get(ref.toLowerCase()) : undefined;
    };
    const fallback = resolve(roles.fallbackOwnerId) ?? resolve(roles.financeOwnerId);
    const result: TaskOwnerAssignment = { owners: new Map(), fallbacks: [] };
    for (const task of assigned) {
      const owner = resolve(wanted.get(task.key));
      if (owner !== undefined) {
        result.owners.set(task.key, owner);
        continue;
      }
      if (fallback !== undefined) result.owners.set(task.key, fallback);
      const reason: TaskOwnerFallbackReason = unconfigured(role(task))
        ? 'role_not_configured'
        : wanted.get(task.key) === undefined
          ? 'nobody_in_role'
          : 'user_not_active';
      result.fallbacks.push({
        key: task.key,
        assignee: role(task),
        reason,
        // HubSpot's default for a task created without an owner is none.
        ownedBy: fallback === undefined ? 'integration_user' : 'finance_user',
      });
    }
    return result;
  };
}
