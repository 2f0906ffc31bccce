import type { TenantId } from '../domain/model';

/**
 * Customers' tags, by source: the billing side's arrive with the customer rows of an import or a sync
 * (dataset column, Stripe metadata); the CRM's are set here from a CRM property. Rules see them merged.
 */
export interface CustomerTags {
  /** Tagged customers (of these, when given) with their tags from every source: sorted, no repeats. */
  listCustomerTags(tenant: TenantId, customerIds?: readonly string[]): Promise<Map<string, string[]>>;
  /** Replaces the tags a CRM property gives a customer; false for an unknown customer. */
  setCrmTags(tenant: TenantId, customerId: string, tags: readonly string[]): Promise<boolean>;
}
