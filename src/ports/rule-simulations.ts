import type { TenantId } from '../domain/model';

export type RuleSimulationState = 'queued' | 'running' | 'done' | 'failed';

/** A simulation run as a job: what was asked, how far it got, and its result once done. */
export type StoredRuleSimulation = {
  simulationId: string;
  state: RuleSimulationState;
  request: unknown;
  accountsDone: number;
  /** Known once the job started. */
  accountsTotal: number | null;
  /** The summaries, once done. */
  result: unknown;
  error: string | null;
  createdAt: string;
  updatedAt: string;
};

export type RuleSimulationUpdate =
  | { state: 'running'; accountsDone: number; accountsTotal: number }
  | { state: 'done'; accountsDone: number; result: unknown }
  | { state: 'failed'; error: string };

/** Rule-set simulations too long for a request: kept per tenant, so any server process answers a poll. */
export interface RuleSimulations {
  /** Keeps a new simulation as queued; the tenant's simulations created before `forgetBefore` are dropped. */
  createRuleSimulation(
    tenant: TenantId,
    simulationId: string,
    request: unknown,
    forgetBefore: Date,
  ): Promise<void>;
  getRuleSimulation(tenant: TenantId, simulationId: string): Promise<StoredRuleSimulation | undefined>;
  /** A finished simulation (done or failed) is left as it is. */
  updateRuleSimulation(tenant: TenantId, simulationId: string, update: RuleSimulationUpdate): Promise<void>;
}
