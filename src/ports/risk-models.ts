import type { TenantId } from '../domain/model';
import type { StoredRiskModel } from '../domain/risk/risk-model';

/** The fitted payment-risk model of each tenant. */
export interface RiskModelStore {
  /** The tenant's current payment-risk model (one per tenant, replaced on every refit). */
  saveRiskModel(tenant: TenantId, model: StoredRiskModel): Promise<void>;
  loadRiskModel(tenant: TenantId): Promise<StoredRiskModel | undefined>;
}
