/**
 * The scopes HubSpot requires per endpoint (any one of the list), from each operation's `security` in
 * HubSpot's public OpenAPI specs (HubSpot-public-api-spec-collection): CRM objects v3 ask for
 * `crm.objects.<type>.read|write`, tasks for the contacts scopes; properties and groups for
 * `crm.schemas.<type>.write` to change them and the schema or object read scope to read them;
 * v4 associations for a read scope of the objects; the account details for `oauth`; owners (CRM/Owners
 * v3) for `crm.objects.owners.read`.
 */
import { resolveObjectType } from './schema';

const objectScopeName = (type: string): string => (type === 'tasks' ? 'contacts' : type);

/** `null`: the endpoint needs no scope (OAuth endpoints) or is not one the emulator knows. */
export function scopesRequiredFor(method: string, path: string): string[] | null {
  const typeOf = (raw: string | undefined): string | null => resolveObjectType(raw ?? '')?.name ?? null;
  const reads = method === 'GET' || /\/batch\/read$/.test(path) || /\/search$/.test(path);

  const objects = /^\/crm\/v3\/objects\/([^/]+)/.exec(path);
  if (objects) {
    const type = typeOf(objects[1]);
    if (type === null) return null;
    return [`crm.objects.${objectScopeName(type)}.${reads ? 'read' : 'write'}`];
  }
  const properties = /^\/crm\/v3\/properties\/([^/]+)/.exec(path);
  if (properties) {
    const type = typeOf(properties[1]);
    if (type === null) return null;
    const name = objectScopeName(type);
    return method === 'GET'
      ? [`crm.schemas.${name}.read`, `crm.objects.${name}.read`]
      : [`crm.schemas.${name}.write`];
  }
  const associations =
    /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\//.exec(path) ??
    /^\/crm\/v4\/objects\/([^/]+)\/[^/]+\/associations\/([^/]+)/.exec(path);
  if (associations) {
    const names = [typeOf(associations[1]), typeOf(associations[2])]
      .filter((type): type is string => type !== null)
      .map(objectScopeName);
    return names.flatMap((name) => [`crm.objects.${name}.read`, `crm.objects.${name}.write`]);
  }
  if (path.startsWith('/account-info/')) return ['oauth'];
  if (/^\/crm\/v3\/owners(\/|$)/.test(path)) return ['crm.objects.owners.read'];
  return null;
}

/** HubSpot's 403 for a token without the scopes of the endpoint. */
export function missingScopesBody(required: readonly string[]): Record<string, unknown> {
  return {
    status: 'error',
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    errors: [
      {
        message: 'One or more of the following scopes are required.',
        context: { requiredGranularScopes: [...required] },
      },
    ],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
    category: 'MISSING_SCOPES',
  };
}
