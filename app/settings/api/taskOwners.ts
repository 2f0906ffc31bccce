/** A company property whose values are HubSpot users: one of them may name each company's CSM. */
export type OwnerProperty = { name: string; label: string };

/**
 * `GET /api/v1/settings/task-owners`: the CSM property in force (null: none), who chose it (null: the
 * deployment's default applies), and the company's user properties to choose from (null when HubSpot
 * could not be read, `unavailable` says why).
 */
export type TaskOwnerSettingsResponse = {
  ok: true;
  crm: 'hubspot';
  csmProperty: string | null;
  chosen: { by: string; at: string } | null;
  defaultCsmProperty: string | null;
  properties: OwnerProperty[] | null;
  unavailable: string | null;
};

/** `POST /api/v1/settings/task-owners` with `{csmProperty}` (null: no CSM property). */
export type ChooseCsmPropertyResponse = { ok: true; csmProperty: string | null };

/** The select's value for "no CSM property" (a property name never starts with an underscore). */
export const NO_CSM_PROPERTY = '_none';
