/**
 * The company of a deal from CRM associations v4 (GET /crm/v4/objects/deals/{dealId}/associations/companies,
 * HubSpot's "Associations v4" guide and API reference): each associated company with its association
 * types. HubSpot labels the deal's primary company with the HUBSPOT_DEFINED type 5 ("Primary").
 */
export const DEAL_TO_PRIMARY_COMPANY = 5;
/** The most the endpoint returns per page (its `limit`, default and maximum 500). */
export const ASSOCIATIONS_PAGE_LIMIT = 500;
/** A deal is rarely associated with more companies than this; the first pages decide. */
const MAX_PAGES = 10;

export type DealCompanyPage = {
  results: readonly {
    toObjectId: string | number;
    associationTypes: readonly { category: string; typeId: number }[];
  }[];
  paging?: { next?: { after?: string } | undefined } | undefined;
};

function isPrimary(result: DealCompanyPage['results'][number]): boolean {
  return result.associationTypes.some(
    (type) => type.category === 'HUBSPOT_DEFINED' && type.typeId === DEAL_TO_PRIMARY_COMPANY,
  );
}

/**
 * The deal's primary company when one is labelled so, else the first one listed; null when none.
 * `page(after)` reads one page of the deal's company associations.
 */
export async function dealCompanyFrom(
  page: (after: string | undefined) => Promise<DealCompanyPage>,
): Promise<string | null> {
  let first: string | null = null;
  let after: string | undefined;
  for (let read = 0; read < MAX_PAGES; read += 1) {
    const answer = await page(after);
    const primary = answer.results.find(isPrimary);
    if (primary !== undefined) return String(primary.toObjectId);
    const listed = answer.results[0];
    if (first === null && listed !== undefined) first = String(listed.toObjectId);
    const next = answer.paging?.next?.after;
    if (next === undefined || next === after) break;
    after = next;
  }
  return first;
}
