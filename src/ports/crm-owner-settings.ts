import type { TenantId } from '../domain/model';

/**
 * Who the rules' roles mean in a tenant's CRM, as an admin chose on the settings page. Only the CSM
 * is chosen there today: the company property holding each company's CSM.
 */
export type CrmOwnerSettings = {
  /** The company property holding the CSM; null when the admin chose none. */
  csmProperty: string | null;
  updatedBy: string;
  updatedAt: Date;
};

/** Per tenant and CRM; a tenant without a choice keeps the deployment's default (the environment). */
export interface CrmOwnerSettingsStore {
  getCrmOwnerSettings(tenant: TenantId, crm: string): Promise<CrmOwnerSettings | undefined>;
  saveCrmOwnerSettings(
    tenant: TenantId,
    crm: string,
    settings: { csmProperty: string | null },
    actor: string,
  ): Promise<void>;
}
