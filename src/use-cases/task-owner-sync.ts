import type { TenantId } from '../domain/model';
import type { CrmGateway, CrmTaskReassignment, CrmWriteResult } from '../ports/crm-gateway';
import type { CrmSyncStore } from '../ports/crm-sync';

/** The roles whose holder is read from the task's company, and so may change after the task was created. */
export const COMPANY_ROLES: ReadonlySet<string> = new Set(['csm', 'account_owner', 'ae']);

/** The owner last written to each task, kept beside the records' hashes under its own key. */
export const taskOwnersStateOf = (crm: string) => `${crm}:task-owners`;

export type TaskOwnerSyncReport = { checked: number; moved: number; failed: CrmWriteResult['failed'] };

/**
 * Open tasks follow their company's people: each task's owner is worked out again, as at creation (the
 * companies read in batches), and only the tasks whose owner differs from the one last written are
 * written. This also catches a company owner change whose webhook was lost, and the CSM property, whose
 * changes no webhook subscription can name (the admin chooses the property).
 */
export async function syncTaskOwners(
  store: CrmSyncStore,
  gateway: Pick<CrmGateway, 'name' | 'taskOwners' | 'setTaskOwners'>,
  tenant: TenantId,
  tasks: readonly CrmTaskReassignment[],
  /**
   * A task whose owner was never written here (made before owners were kept): `write` gives it its
   * owner (a company owner change says it moved); `remember` keeps what it has, which a person may
   * have chosen in the CRM, and follows changes from now on (the sync's check).
   */
  unknown: 'write' | 'remember' = 'write',
): Promise<TaskOwnerSyncReport> {
  const report: TaskOwnerSyncReport = { checked: 0, moved: 0, failed: [] };
  const onCompany = tasks.filter((task) => COMPANY_ROLES.has(task.assignee));
  if (onCompany.length === 0 || gateway.taskOwners === undefined || gateway.setTaskOwners === undefined)
    return report;
  const key = taskOwnersStateOf(gateway.name);
  const [wanted, written] = await Promise.all([
    gateway.taskOwners(onCompany),
    store.getCrmSyncState(
      tenant,
      key,
      onCompany.map((task) => task.crmTaskId),
    ),
  ]);
  report.checked = onCompany.length;
  const entries = [...wanted].map(([crmTaskId, ownerId]) => ({ crmTaskId, ownerId }));
  const known = (entry: { crmTaskId: string }) => written.has(entry.crmTaskId);
  if (unknown === 'remember')
    await rememberTaskOwners(
      store,
      gateway.name,
      tenant,
      entries.filter((entry) => !known(entry)),
    );
  const changed = entries.filter((entry) =>
    known(entry) ? written.get(entry.crmTaskId)?.hash !== entry.ownerId : unknown === 'write',
  );
  if (changed.length === 0) return report;
  const result = await gateway.setTaskOwners(changed);
  const done = new Set(result.written);
  report.moved = done.size;
  report.failed = result.failed;
  await rememberTaskOwners(
    store,
    gateway.name,
    tenant,
    changed.filter((entry) => done.has(entry.crmTaskId)),
  );
  return report;
}

/** The owners just written to tasks (by a create or a move): the next check compares with them. */
export async function rememberTaskOwners(
  store: CrmSyncStore,
  crm: string,
  tenant: TenantId,
  owners: readonly { crmTaskId: string; ownerId: string }[],
): Promise<void> {
  if (owners.length === 0) return;
  await store.saveCrmSyncState(
    tenant,
    taskOwnersStateOf(crm),
    owners.map((entry) => ({ customerId: entry.crmTaskId, crmId: entry.crmTaskId, hash: entry.ownerId })),
  );
}
