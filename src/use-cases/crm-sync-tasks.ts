import type { TenantId } from '../domain/model';
import type { CrmGateway, CrmTaskInput, CrmWriteResult } from '../ports/crm-gateway';
import type { StoredTask } from '../ports/tasks';
import { retryLaterInto } from './crm-company-writes';
import type { CrmSyncOptions, CrmSyncPorts, CrmSyncReport } from './crm-sync-types';
import { noteTaskOwnerFallbacks, taskOwnerFallbacksOf } from './task-owner-fallbacks';
import { rememberTaskOwners } from './task-owner-sync';

export type TaskToCreate = CrmTaskInput & { customerId: string };
export type TaskToComplete = { task: StoredTask; reason: string };

/** Creates in the CRM the open tasks it lacks, and keeps their CRM ids and the owners given. */
export async function createCrmTasks(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  report: CrmSyncReport,
  toCreate: readonly TaskToCreate[],
  options: Pick<CrmSyncOptions, 'beforeCreatingTasks'>,
): Promise<void> {
  if (toCreate.length === 0) return;
  await options.beforeCreatingTasks?.([...new Set(toCreate.map((task) => task.customerId))]);
  const created = await gateway.createTasks(toCreate);
  await store.setCrmTaskIds(
    tenant,
    created.created.map((entry) => ({ taskId: entry.key, crmTaskId: entry.crmTaskId })),
  );
  report.tasksCreated = created.created.length;
  await rememberTaskOwners(
    store,
    gateway.name,
    tenant,
    created.created.flatMap((entry) =>
      entry.ownerId === undefined ? [] : [{ crmTaskId: entry.crmTaskId, ownerId: entry.ownerId }],
    ),
  );
  const failedTasks = created.failed.map((entry) => ({
    crmId: entry.key,
    code: entry.code,
    message: entry.message,
  }));
  report.failed.push(...failedTasks);
  const customerOfTask = new Map(toCreate.map((task) => [task.key, task.customerId]));
  retryLaterInto(report)(failedTasks, (key) => customerOfTask.get(key));
  const landed = new Set(created.created.map((entry) => entry.key));
  await noteTaskOwnerFallbacks(
    store,
    tenant,
    gateway.name,
    new Map(toCreate.map((task) => [task.key, task.companyId])),
    (created.ownerFallbacks ?? []).filter((fallback) => landed.has(fallback.key)),
  );
}

/**
 * Completes in the CRM, then here, the tasks whose cause is resolved. A task the CRM did not complete
 * stays open here, so the next sync completes it there.
 */
export async function completeResolvedTasks(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  report: CrmSyncReport,
  toComplete: readonly TaskToComplete[],
  crmIds: ReadonlyMap<string, string>,
): Promise<void> {
  if (toComplete.length === 0) return;
  // A task with no CRM id may still be there: its create may have landed without an answer, in a
  // sync whose marks are gone since. It is looked for by key, so it is completed there too.
  const unknown = toComplete.filter(
    (entry) => entry.task.crmTaskId === null && crmIds.has(entry.task.customerId),
  );
  const landed =
    unknown.length === 0
      ? new Map<string, string>()
      : await gateway.findTasks(
          unknown.flatMap((entry) => {
            const companyId = crmIds.get(entry.task.customerId);
            return companyId === undefined ? [] : [{ key: entry.task.actionId, companyId }];
          }),
        );
  await store.setCrmTaskIds(
    tenant,
    [...landed].map(([taskId, crmTaskId]) => ({ taskId, crmTaskId })),
  );
  const crmTaskOf = (entry: TaskToComplete) => entry.task.crmTaskId ?? landed.get(entry.task.actionId);
  const inCrm = toComplete.flatMap((entry) => {
    const id = crmTaskOf(entry);
    return id === undefined ? [] : [id];
  });
  const completed: CrmWriteResult =
    inCrm.length > 0 ? await gateway.completeTasks(inCrm) : { written: [], failed: [] };
  report.failed.push(...completed.failed);
  const customerOfCrmTask = new Map(
    toComplete.map((entry) => [crmTaskOf(entry) ?? '', entry.task.customerId]),
  );
  retryLaterInto(report)(completed.failed, (crmTaskId) => customerOfCrmTask.get(crmTaskId));
  const notCompleted = new Set(completed.failed.map((failure) => failure.crmId));
  const done = toComplete.filter((entry) => !notCompleted.has(crmTaskOf(entry) ?? ''));
  report.tasksCompleted = await store.completeTasks(
    tenant,
    done.map((entry) => ({ taskId: entry.task.actionId, reason: entry.reason })),
  );
  await store.clearCrmRecordFailures(
    tenant,
    taskOwnerFallbacksOf(gateway.name),
    done.map((entry) => entry.task.actionId),
  );
}

/** Accepted payment terms go to their deals, the latest acceptance per deal. */
export async function writeAcceptedTerms(
  store: CrmSyncPorts,
  gateway: CrmGateway,
  tenant: TenantId,
  report: CrmSyncReport,
): Promise<void> {
  const accepted = await store.listTermAcceptances(tenant, { unsynced: true });
  const latestByDeal = new Map<string, (typeof accepted)[number]>();
  for (const acceptance of accepted)
    if (acceptance.dealId !== null) latestByDeal.set(acceptance.dealId, acceptance);
  if (latestByDeal.size === 0) return;
  const result = await gateway.updateRecords(
    'deals',
    [...latestByDeal.values()].map((acceptance) => {
      const body = acceptance.body as { option?: { label?: string }; buyerRiskTier?: string };
      return {
        crmId: acceptance.dealId as string,
        properties: {
          collections_recommended_terms: body.option?.label ?? acceptance.optionId,
          collections_buyer_risk: body.buyerRiskTier ?? '',
        },
      };
    }),
  );
  report.dealsWritten = result.written.length;
  report.failed.push(...result.failed);
  const written = new Set(result.written);
  await store.markTermAcceptancesSynced(
    tenant,
    accepted
      .filter((acceptance) => acceptance.dealId === null || written.has(acceptance.dealId))
      .map((acceptance) => acceptance.recommendationId),
  );
}
