import { z } from 'zod';
import { addDays, type CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { parseTagList } from '../domain/tags';
import type { CrmGateway } from '../ports/crm-gateway';
import type { AutomationStore } from '../ports/automation';
import type { CrmSyncStore } from '../ports/crm-sync';
import type { CustomerTags } from '../ports/customer-tags';
import type { LedgerStore } from '../ports/ledger';
import type { SourceSyncStore } from '../ports/source-sync';
import type { TaskStore } from '../ports/tasks';
import { syncTaskOwners } from './task-owner-sync';

/** What applying a CRM's change to the collections side reads and writes. */
export type CrmEventPorts = LedgerStore & AutomationStore & TaskStore & CrmSyncStore & CustomerTags;

export const CRM_EVENT_SOURCE = 'hubspot';

/** What HubSpot sends (webhooks v3, generic `object.*` and legacy `company.*` subscription types). */
const event = z.object({
  eventId: z.union([z.number(), z.string()]).transform(String),
  portalId: z.union([z.number(), z.string()]).transform(String),
  occurredAt: z.number(),
  subscriptionType: z.string().min(1),
  objectTypeId: z.string().optional(),
  objectId: z.union([z.number(), z.string()]).transform(String),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().optional(),
  primaryObjectId: z.union([z.number(), z.string()]).transform(String).optional(),
  newObjectId: z.union([z.number(), z.string()]).transform(String).optional(),
  mergedObjectIds: z.array(z.union([z.number(), z.string()]).transform(String)).optional(),
});

export type CrmEvent = z.infer<typeof event>;

export const CRM_EVENTS = z.array(event).max(1000);

/** What events write to the CRM with: tasks that follow their company's owner. */
type EventGateway = Partial<Pick<CrmGateway, 'name' | 'taskOwners' | 'setTaskOwners'>>;

/** Paused from the CRM, automation stays paused this long unless someone resumes it. */
export const CRM_PAUSE_DAYS = 30;
export const PAUSE_PROPERTY = 'collections_automation_paused';
export const OWNER_PROPERTY = 'hubspot_owner_id';
/** People tag companies here for the escalation rules; the sync never writes it. */
export const TAGS_PROPERTY = 'collections_tags';
/** The roles a company's owner holds: their open tasks follow a reassigned company. */
const OWNER_ROLES = new Set(['account_owner', 'ae']);

type Kind =
  | 'company.pause'
  | 'company.owner'
  | 'company.tags'
  | 'company.deletion'
  | 'company.merge'
  | 'task.completed'
  | 'other';

function kindOf(e: CrmEvent): Kind {
  const [object, action] = e.subscriptionType.split('.');
  const type =
    object === 'object'
      ? e.objectTypeId === '0-2'
        ? 'company'
        : e.objectTypeId === '0-27'
          ? 'task'
          : ''
      : object;
  if (type === 'company' && action === 'propertyChange' && e.propertyName === PAUSE_PROPERTY)
    return 'company.pause';
  if (type === 'company' && action === 'propertyChange' && e.propertyName === OWNER_PROPERTY)
    return 'company.owner';
  if (type === 'company' && action === 'propertyChange' && e.propertyName === TAGS_PROPERTY)
    return 'company.tags';
  if (type === 'company' && action === 'deletion') return 'company.deletion';
  if (type === 'company' && action === 'merge') return 'company.merge';
  if (type === 'task' && action === 'propertyChange' && e.propertyName === 'hs_task_status')
    return e.propertyValue === 'COMPLETED' ? 'task.completed' : 'other';
  return 'other';
}

/**
 * Applies one stored CRM event: the escape hatch (a person sets "automation paused" on the company in
 * HubSpot), deleted and merged companies, tasks completed in HubSpot. Property changes apply only when
 * newer than the last one applied (events arrive out of order); our own writes coming back are ignored.
 */
export async function applyCrmEvent(
  store: CrmEventPorts,
  tenant: TenantId,
  stored: CrmEvent,
  options: {
    appId?: string;
    today: CalendarDate;
    /** The tenant's CRM, opened only for events that write to it. */
    gateway?: () => Promise<EventGateway | undefined>;
  },
): Promise<{ outcome: 'applied' | 'ignored'; why: string }> {
  const kind = kindOf(stored);
  const ours =
    stored.changeSource === 'INTEGRATION' && options.appId !== undefined && stored.sourceId === options.appId;
  switch (kind) {
    case 'company.pause': {
      if (ours) return { outcome: 'ignored', why: 'our own write' };
      const newer = await store.claimCrmPropertyChange(tenant, CRM_EVENT_SOURCE, {
        objectId: stored.objectId,
        property: PAUSE_PROPERTY,
        occurredAt: stored.occurredAt,
      });
      if (!newer) return { outcome: 'ignored', why: 'an older change than one already applied' };
      const customerId = await store.findCustomerIdByCrmId(tenant, stored.objectId);
      if (customerId === undefined) return { outcome: 'ignored', why: 'company not mapped' };
      const actor = `hubspot:${stored.sourceId ?? stored.changeSource ?? 'user'}`;
      if (stored.propertyValue === 'true') {
        // The value we write for a paused account comes back too (also without an app id to match):
        // the pause set here keeps its reason and end, and nothing is audited as a person's action.
        if ((await store.getAutomationPause(tenant, customerId)) !== null)
          return { outcome: 'ignored', why: 'already paused' };
        await store.pauseAutomation(tenant, customerId, {
          reason: 'paused in HubSpot',
          until: addDays(options.today, CRM_PAUSE_DAYS),
          actor,
          startedOn: options.today,
        });
        return { outcome: 'applied', why: `paused ${customerId}` };
      }
      const resumed = await store.resumeAutomation(tenant, customerId, actor, options.today);
      return resumed
        ? { outcome: 'applied', why: `resumed ${customerId}` }
        : { outcome: 'ignored', why: 'not paused' };
    }
    case 'company.owner': {
      const customerId = await store.findCustomerIdByCrmId(tenant, stored.objectId);
      if (customerId === undefined) return { outcome: 'ignored', why: 'company not mapped' };
      const open = (await store.listTasks(tenant, { state: 'open', customerId })).flatMap((task) =>
        task.crmTaskId !== null && task.assignee != null && OWNER_ROLES.has(task.assignee)
          ? [{ crmTaskId: task.crmTaskId, companyId: stored.objectId, assignee: task.assignee }]
          : [],
      );
      if (open.length === 0) return { outcome: 'ignored', why: 'no open task of the owner' };
      const gateway = await options.gateway?.();
      // The company's owner is read again, so events out of order still leave the latest owner. The
      // owners written are remembered, so the sync's own check does not write them again.
      if (
        gateway?.name === undefined ||
        gateway.taskOwners === undefined ||
        gateway.setTaskOwners === undefined
      )
        return { outcome: 'ignored', why: 'no CRM connection to move tasks' };
      const moved = await syncTaskOwners(store, { ...gateway, name: gateway.name }, tenant, open);
      return { outcome: 'applied', why: `moved ${moved.moved} tasks of ${customerId}` };
    }
    case 'company.tags': {
      const newer = await store.claimCrmPropertyChange(tenant, CRM_EVENT_SOURCE, {
        objectId: stored.objectId,
        property: TAGS_PROPERTY,
        occurredAt: stored.occurredAt,
      });
      if (!newer) return { outcome: 'ignored', why: 'an older change than one already applied' };
      const customerId = await store.findCustomerIdByCrmId(tenant, stored.objectId);
      if (customerId === undefined) return { outcome: 'ignored', why: 'company not mapped' };
      // Typed by people: parts that are no tag are left out rather than refusing the whole value.
      const { tags } = parseTagList(stored.propertyValue ?? '');
      await store.setCrmTags(tenant, customerId, tags);
      return { outcome: 'applied', why: `tagged ${customerId}: ${tags.join('; ') || 'no tags'}` };
    }
    case 'company.deletion': {
      const unmapped = await store.remapCrmCompany(tenant, [stored.objectId], null);
      return { outcome: unmapped.length > 0 ? 'applied' : 'ignored', why: `unmapped ${unmapped.join(', ')}` };
    }
    case 'company.merge': {
      const kept = stored.newObjectId ?? stored.primaryObjectId ?? stored.objectId;
      const from = [...(stored.mergedObjectIds ?? []), stored.primaryObjectId ?? ''].filter(
        (id) => id !== '' && id !== kept,
      );
      const moved = await store.remapCrmCompany(tenant, from, kept);
      return {
        outcome: moved.length > 0 ? 'applied' : 'ignored',
        why: `moved ${moved.join(', ')} to ${kept}`,
      };
    }
    case 'task.completed': {
      const done = await store.completeTaskByCrmId(tenant, stored.objectId, 'hubspot');
      return done
        ? { outcome: 'applied', why: `task ${stored.objectId} completed` }
        : { outcome: 'ignored', why: 'no open task' };
    }
    case 'other':
      return { outcome: 'ignored', why: `not handled: ${stored.subscriptionType}` };
  }
}

/** A stored event by id, applied once; the event row records the outcome. */
export async function processCrmEvent(
  store: CrmEventPorts & SourceSyncStore,
  tenant: TenantId,
  eventId: string,
  options: {
    appId?: string;
    today: CalendarDate;
    /** The tenant's CRM, opened only for events that write to it. */
    gateway?: () => Promise<EventGateway | undefined>;
  },
): Promise<string> {
  const stored = await store.getWebhookEvent(tenant, CRM_EVENT_SOURCE, eventId);
  if (stored === undefined || stored.state !== 'received') return 'already processed';
  const result = await applyCrmEvent(store, tenant, event.parse(JSON.parse(stored.body)), options);
  await store.finishWebhookEvent(
    tenant,
    CRM_EVENT_SOURCE,
    eventId,
    result.outcome === 'applied' ? 'processed' : 'ignored',
    result.outcome === 'applied' ? undefined : result.why,
  );
  return result.why;
}
