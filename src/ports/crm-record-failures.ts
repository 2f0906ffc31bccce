import type { TenantId } from '../domain/model';
import type { IntegrationErrorCode } from './crm-gateway';

/** A CRM record the CRM refused, with the content (hash) it was refused for. */
export type CrmRecordFailureInput = {
  customerId: string;
  crmId: string;
  hash: string;
  code: IntegrationErrorCode;
  message: string;
};

export type CrmRecordFailure = CrmRecordFailureInput & {
  crm: string;
  /** Syncs in a row that sent this content and were refused; a new content starts again at 1. */
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
};

/**
 * Records the CRM keeps refusing, per tenant and CRM: so a refused record is not sent again on every
 * sync, and people are told which ones need them.
 */
export interface CrmRecordFailures {
  /** One more refusal of each record; the count starts again when its content (hash) changed. */
  noteCrmRecordFailures(
    tenant: TenantId,
    crm: string,
    failures: readonly CrmRecordFailureInput[],
  ): Promise<void>;
  /** The records were written: they need nothing any more. */
  clearCrmRecordFailures(tenant: TenantId, crm: string, customerIds: readonly string[]): Promise<void>;
  /** One tenant's refused records (of one CRM, or every CRM), oldest refusal first. */
  listCrmRecordFailures(tenant: TenantId, crm?: string): Promise<CrmRecordFailure[]>;
  /** Every tenant's refused records, counted per tenant, CRM and code (for metrics). */
  countCrmRecordFailures(): Promise<
    { tenant: TenantId; crm: string; code: IntegrationErrorCode; attempts: number; count: number }[]
  >;
}
