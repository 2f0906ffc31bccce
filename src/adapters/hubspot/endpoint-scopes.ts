/**
 * Every HubSpot endpoint the gateway calls, with the scopes HubSpot accepts for it (any one of them),
 * as HubSpot's public OpenAPI specs list them in each operation's `security` (HubSpot-public-api-spec-
 * collection: CRM/Companies, CRM/Deals, CRM/Tasks, CRM/Associations v4, CRM/Properties v3, CRM/Owners
 * v3, Account/Account Info v3). Where the spec accepts any of a long list (properties, associations), the entries
 * for our object types are kept. The app's scopes must cover each row (a test keeps them in step).
 * Tasks are engagements: the spec asks for the contacts scopes on them.
 */
export type HubspotEndpoint = {
  method: 'GET' | 'POST' | 'PATCH';
  /** As the gateway calls it; `:id` stands for a record id. */
  path: string;
  anyOf: readonly string[];
};

export const HUBSPOT_ENDPOINTS: readonly HubspotEndpoint[] = [
  {
    method: 'POST',
    path: '/crm/v3/objects/companies/batch/update',
    anyOf: ['crm.objects.companies.write'],
  },
  { method: 'PATCH', path: '/crm/v3/objects/companies/:id', anyOf: ['crm.objects.companies.write'] },
  { method: 'POST', path: '/crm/v3/objects/deals/batch/update', anyOf: ['crm.objects.deals.write'] },
  { method: 'PATCH', path: '/crm/v3/objects/deals/:id', anyOf: ['crm.objects.deals.write'] },
  { method: 'POST', path: '/crm/v3/objects/tasks/batch/create', anyOf: ['crm.objects.contacts.write'] },
  { method: 'POST', path: '/crm/v3/objects/tasks/batch/read', anyOf: ['crm.objects.contacts.read'] },
  { method: 'POST', path: '/crm/v3/objects/tasks/batch/update', anyOf: ['crm.objects.contacts.write'] },
  { method: 'PATCH', path: '/crm/v3/objects/tasks/:id', anyOf: ['crm.objects.contacts.write'] },
  {
    method: 'POST',
    path: '/crm/v4/associations/companies/tasks/batch/read',
    anyOf: ['crm.objects.companies.read', 'crm.objects.contacts.read'],
  },
  // A deal workflow action without a company id: the deal's primary company.
  {
    method: 'GET',
    path: '/crm/v4/objects/deals/:id/associations/companies',
    anyOf: ['crm.objects.deals.read', 'crm.objects.companies.read'],
  },
  {
    method: 'GET',
    path: '/crm/v3/properties/companies',
    anyOf: ['crm.schemas.companies.read', 'crm.objects.companies.read'],
  },
  { method: 'POST', path: '/crm/v3/properties/companies', anyOf: ['crm.schemas.companies.write'] },
  // An existing enumeration gets the options a newer version added.
  {
    method: 'PATCH',
    path: '/crm/v3/properties/companies/:name',
    anyOf: ['crm.schemas.companies.write'],
  },
  {
    method: 'GET',
    path: '/crm/v3/properties/companies/groups',
    anyOf: ['crm.schemas.companies.read', 'crm.objects.companies.read'],
  },
  { method: 'POST', path: '/crm/v3/properties/companies/groups', anyOf: ['crm.schemas.companies.write'] },
  {
    method: 'GET',
    path: '/crm/v3/properties/deals',
    anyOf: ['crm.schemas.deals.read', 'crm.objects.deals.read'],
  },
  { method: 'POST', path: '/crm/v3/properties/deals', anyOf: ['crm.schemas.deals.write'] },
  {
    method: 'GET',
    path: '/crm/v3/properties/deals/groups',
    anyOf: ['crm.schemas.deals.read', 'crm.objects.deals.read'],
  },
  { method: 'POST', path: '/crm/v3/properties/deals/groups', anyOf: ['crm.schemas.deals.write'] },
  // Task owners: the companies' owner and CSM properties, and the owners by e-mail.
  {
    method: 'POST',
    path: '/crm/v3/objects/companies/batch/read',
    anyOf: ['crm.objects.companies.read'],
  },
  { method: 'GET', path: '/crm/v3/owners', anyOf: ['crm.objects.owners.read'] },
  // The portal's time zone: the daily limit resets at its midnight.
  { method: 'GET', path: '/account-info/v3/details', anyOf: ['oauth'] },
];

/** The endpoints the granted scopes do not reach. */
export function endpointsNotCovered(granted: readonly string[]): HubspotEndpoint[] {
  const have = new Set(granted);
  return HUBSPOT_ENDPOINTS.filter((endpoint) => !endpoint.anyOf.some((scope) => have.has(scope)));
}
