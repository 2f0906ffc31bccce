import type { TenantId } from '../domain/model';

/** A customer as the deal view offers it: enough to recognise it and to fill in the deal. */
export type CustomerMatch = {
  customerId: string;
  name: string | null;
  segment: string | null;
  country: string | null;
  employees: number | null;
  fundingStage: string | null;
  crmCompanyId: string | null;
  /** The currency of its latest invoice; null without invoices. */
  currency: string | null;
};

/** Finding a billing customer by what an AE types, whatever the size of the book. */
export interface CustomerDirectory {
  /**
   * Customers whose name starts with `text` (case-insensitive), whose id starts with it, or whose CRM
   * record id is it: name matches first by name, then id and CRM matches; at most `limit`, with `more`
   * when further customers match (a longer text narrows them). Reads only through indexes.
   */
  searchCustomers(
    tenant: TenantId,
    text: string,
    limit: number,
  ): Promise<{ customers: CustomerMatch[]; more: boolean }>;
}
