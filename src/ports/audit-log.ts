import type { TenantId } from '../domain/model';

export type AuditEvent = {
  id: number;
  occurredAt: string;
  kind: string;
  subject: string | null;
  actor: string;
  payload: unknown;
};

/** Every automated or human action, per tenant; the writes that act record their own events. */
export interface AuditLog {
  /** The append-only audit log, newest first. */
  listEvents(tenant: TenantId, filter?: { subject?: string; limit?: number }): Promise<AuditEvent[]>;
}
