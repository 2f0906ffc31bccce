import type { Connection } from 'jsforce';
import type { CrmTaskInput, CrmTaskOwnerFallback, TaskOwnerFallbackReason } from '../../ports/crm-gateway';
import type { GovernedCall } from './bulk-writer';
import { toIntegrationError } from './errors';

/** Who a rule's role means in this org. */
export type SalesforceTaskOwners = {
  /** The Account Team role that marks an account's CSM (e.g. `Customer Success Manager`). */
  csmRole?: string;
  /** Or an Account lookup to User holding the CSM (e.g. `CSM__c`); it wins over the role. */
  csmField?: string;
  /** The user (e-mail or id) who takes `finance_queue` tasks, and those whose owner cannot be found. */
  financeUser?: string;
};

/** Reads the integration user may lack: without them, owners cannot be found. */
type Unread = 'User' | 'AccountTeamMember';

const USER_ID = /^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/;
const EMAIL = /^[^@\s']+@[^@\s']+$/;
const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * Task owners from the rules' roles: `account_owner` (and `ae`) is the Account's owner; `csm` the
 * Account's CSM lookup or its Account Team member in the CSM role; `finance_queue` the configured
 * finance user; `user:<e-mail or id>`, an e-mail or a user id, that user. A role nobody holds on the
 * account goes to the finance user when one is configured, else to the integration user (Salesforce's
 * default owner). Inactive users are never chosen.
 */
export function createTaskOwners(conn: Connection, call: GovernedCall, roles: SalesforceTaskOwners = {}) {
  const query = async <T>(soql: string): Promise<T[]> =>
    (await call(async () => (await conn.query(soql)) as unknown as { records: T[] })).records;

  /** Optional reads (users, team members): without access to them, tasks keep the default owner. */
  const tolerant = async <T>(
    unreadable: Set<Unread>,
    object: Unread,
    read: () => Promise<T[]>,
  ): Promise<T[]> => {
    try {
      return await read();
    } catch (raw) {
      const { code } = toIntegrationError(raw);
      if (code !== 'invalid' && code !== 'missing_permission') throw raw;
      unreadable.add(object);
      return [];
    }
  };

  const activeUsers = async (
    refs: readonly string[],
    unreadable: Set<Unread>,
  ): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    const emails = [...new Set(refs.filter((ref) => EMAIL.test(ref)).map((ref) => ref.toLowerCase()))];
    const ids = [...new Set(refs.filter((ref) => USER_ID.test(ref)))];
    for (const batch of chunks(emails, 100))
      for (const user of await tolerant(unreadable, 'User', () =>
        query<{ Id: string; Email: string }>(
          `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${batch.map(quote).join(', ')})`,
        ),
      ))
        found.set(user.Email.toLowerCase(), user.Id);
    for (const batch of chunks(ids, 100))
      for (const user of await tolerant(unreadable, 'User', () =>
        query<{ Id: string }>(
          `SELECT Id FROM User WHERE IsActive = true AND Id IN (${batch.map(quote).join(', ')})`,
        ),
      )) {
        for (const id of batch) if (id.slice(0, 15) === user.Id.slice(0, 15)) found.set(id, user.Id);
      }
    return found;
  };

  /** Per account: its owner and its CSM, as user ids. */
  const accountPeople = async (
    accountIds: readonly string[],
    wantCsm: boolean,
    unreadable: Set<Unread>,
  ): Promise<Map<string, { owner?: string; csm?: string }>> => {
    const people = new Map<string, { owner?: string; csm?: string }>();
    const field = wantCsm ? roles.csmField : undefined;
    for (const batch of chunks(accountIds, 100)) {
      const list = batch.map(quote).join(', ');
      const accounts = await query<Record<string, string | null>>(
        `SELECT Id, OwnerId${field === undefined || field === 'OwnerId' ? '' : `, ${field}`} FROM Account WHERE Id IN (${list})`,
      );
      for (const account of accounts) {
        const csm = field === undefined ? null : (account[field] ?? null);
        people.set(String(account['Id']).slice(0, 15), {
          ...(account['OwnerId'] ? { owner: account['OwnerId'] } : {}),
          ...(csm === null ? {} : { csm }),
        });
      }
      if (!wantCsm || field !== undefined || roles.csmRole === undefined) continue;
      const members = await tolerant(unreadable, 'AccountTeamMember', () =>
        query<{ AccountId: string; UserId: string }>(
          `SELECT AccountId, UserId FROM AccountTeamMember WHERE AccountId IN (${list}) AND TeamMemberRole = ${quote(roles.csmRole ?? '')} ORDER BY CreatedDate`,
        ),
      );
      for (const member of members) {
        const entry = people.get(member.AccountId.slice(0, 15)) ?? {};
        entry.csm ??= member.UserId;
        people.set(member.AccountId.slice(0, 15), entry);
      }
    }
    return people;
  };

  /** Why a task's role found no active user: what someone has to configure or fix. */
  const whyNot = (who: string, ref: string | undefined, unreadable: Set<Unread>): TaskOwnerFallbackReason => {
    if (who === 'finance_queue' && roles.financeUser === undefined) return 'role_not_configured';
    if (who === 'csm' && roles.csmField === undefined && roles.csmRole === undefined)
      return 'role_not_configured';
    const teamUnread = who === 'csm' && roles.csmField === undefined && unreadable.has('AccountTeamMember');
    if (ref === undefined) return teamUnread ? 'not_readable' : 'nobody_in_role';
    return unreadable.has('User') ? 'not_readable' : 'user_not_active';
  };

  /**
   * Task key → the owner's user id (absent: the integration user), and the tasks whose assignee could
   * not be found, with who took them instead.
   */
  return async (
    tasks: readonly CrmTaskInput[],
  ): Promise<{ owners: Map<string, string>; fallbacks: CrmTaskOwnerFallback[] }> => {
    const unreadable = new Set<Unread>();
    const assigned = tasks.filter((task) => task.assignee != null);
    const role = (task: CrmTaskInput) => task.assignee ?? '';
    const needsAccount = assigned.filter((task) => ['account_owner', 'ae', 'csm'].includes(role(task)));
    const people =
      needsAccount.length === 0
        ? new Map<string, { owner?: string; csm?: string }>()
        : await accountPeople(
            [...new Set(needsAccount.map((task) => task.companyId))],
            needsAccount.some((task) => role(task) === 'csm'),
            unreadable,
          );
    const wanted = new Map<string, { who: string; ref: string | undefined }>();
    for (const task of assigned) {
      const who = role(task);
      const account = people.get(task.companyId.slice(0, 15));
      const ref =
        who === 'account_owner' || who === 'ae'
          ? account?.owner
          : who === 'csm'
            ? account?.csm
            : who === 'finance_queue'
              ? roles.financeUser
              : who.startsWith('user:')
                ? who.slice(5)
                : who;
      wanted.set(task.key, { who, ref });
    }
    const refs = [...wanted.values()].flatMap(({ ref }) => (ref === undefined ? [] : [ref]));
    if (roles.financeUser !== undefined) refs.push(roles.financeUser);
    const users = await activeUsers(refs, unreadable);
    const resolve = (ref: string | undefined) =>
      ref === undefined ? undefined : (users.get(ref) ?? users.get(ref.toLowerCase()));
    const fallback = resolve(roles.financeUser);
    const owners = new Map<string, string>();
    const fallbacks: CrmTaskOwnerFallback[] = [];
    for (const [key, { who, ref }] of wanted) {
      const found = resolve(ref);
      const owner = found ?? fallback;
      if (owner !== undefined) owners.set(key, owner);
      if (found === undefined)
        fallbacks.push({
          key,
          assignee: who,
          reason: whyNot(who, ref, unreadable),
          ownedBy: fallback === undefined ? 'integration_user' : 'finance_user',
        });
    }
    return { owners, fallbacks };
  };
}
