import type { TenantId } from '../domain/model';
import type { CrmGateway, CrmSchemaResult } from '../ports/crm-gateway';
import type { CrmRecordFailures } from '../ports/crm-record-failures';

/**
 * Properties and groups install could not create (an admin archived them) are kept beside the records
 * a CRM refused, under their own name per CRM, so the doctor lists them until an install creates them.
 */
export const schemaBlocksOf = (crm: string) => `${crm}:schema`;

/** Ensures the CRM's properties and remembers what an admin must restore; idempotent. */
export async function installCrmSchema(
  store: Pick<
    CrmRecordFailures,
    'noteCrmRecordFailures' | 'clearCrmRecordFailures' | 'listCrmRecordFailures'
  >,
  tenant: TenantId,
  gateway: Pick<CrmGateway, 'name' | 'ensureSchema'>,
): Promise<CrmSchemaResult> {
  const result = await gateway.ensureSchema();
  const blocked = result.blocked ?? [];
  const kind = schemaBlocksOf(gateway.name);
  const stillBlocked = new Set(blocked.map((block) => block.name));
  const resolved = (await store.listCrmRecordFailures(tenant, kind))
    .map((entry) => entry.customerId)
    .filter((name) => !stillBlocked.has(name));
  if (resolved.length > 0) await store.clearCrmRecordFailures(tenant, kind, resolved);
  if (blocked.length > 0)
    await store.noteCrmRecordFailures(
      tenant,
      kind,
      blocked.map((block) => ({
        customerId: block.name,
        crmId: block.name,
        hash: block.name,
        code: 'invalid',
        message: `${block.problem}. ${block.fix}.`,
      })),
    );
  return result;
}
