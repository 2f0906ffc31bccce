import type { TenantId } from '../domain/model';
import type { TermEvidence } from '../domain/terms/evidence';
import type { RuleSetVersion } from './automation';

export type TermAcceptance = {
  recommendationId: string;
  dealId: string | null;
  customerId: string | null;
  optionId: string;
  recommendedOptionId: string | null;
  guardrailVersion: number | null;
  /** The recommendation as shown to the AE. */
  body: unknown;
  actor: string;
};

export type StoredTermAcceptance = TermAcceptance & { acceptedAt: string; syncedAt: string | null };

/** Payment terms: the guardrails RevOps sets, the portfolio evidence, and what AEs accepted per deal. */
export interface TermsStore {
  /** Payment-term guardrails: versioned and audited exactly like rule sets. */
  activateNewTermGuardrails(
    tenant: TenantId,
    body: unknown,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion>;
  reactivateTermGuardrails(
    tenant: TenantId,
    version: number,
    actor: string,
    note: string,
  ): Promise<RuleSetVersion | undefined>;
  listTermGuardrailVersions(tenant: TenantId): Promise<RuleSetVersion[]>;
  getTermGuardrailVersion(tenant: TenantId, version: number): Promise<RuleSetVersion | undefined>;
  getActiveTermGuardrails(tenant: TenantId): Promise<RuleSetVersion | undefined>;

  /** Portfolio evidence for payment terms, replaced whenever it is recomputed. */
  saveTermEvidence(tenant: TenantId, evidence: TermEvidence): Promise<void>;
  loadTermEvidence(tenant: TenantId): Promise<TermEvidence | undefined>;
  /**
   * Records that an AE accepted a recommendation for a deal, so the CRM sync can write it to the deal.
   * Accepting the same recommendation again changes nothing. Audited.
   */
  acceptTermRecommendation(
    tenant: TenantId,
    acceptance: TermAcceptance,
  ): Promise<'accepted' | 'already_accepted'>;
  markTermAcceptancesSynced(tenant: TenantId, recommendationIds: readonly string[]): Promise<void>;
  listTermAcceptances(
    tenant: TenantId,
    filter?: { dealId?: string; unsynced?: boolean },
  ): Promise<StoredTermAcceptance[]>;
}
