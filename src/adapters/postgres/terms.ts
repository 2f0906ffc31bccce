import type { TermEvidence } from '../../domain/terms/evidence';
import type { StoredTermAcceptance, TermsStore } from '../../ports/terms';
import { TERM_GUARDRAILS, versionedPolicy } from './policy-versions';
import type { SqlClient } from './sql-client';

type AcceptanceRow = {
  recommendation_id: string;
  deal_id: string | null;
  customer_id: string | null;
  option_id: string;
  recommended_option_id: string;
  guardrail_version: number | null;
  body: string;
  accepted_by: string;
  accepted_at: string;
  synced_at: string | null;
};

export function termsStore(client: SqlClient): TermsStore {
  const guardrails = versionedPolicy(client, TERM_GUARDRAILS);
  return {
    async activateNewTermGuardrails(tenant, body, actor, note) {
      const stored = await guardrails.activateNew(tenant, body, actor, note);
      if (stored === undefined) throw new Error('term guardrails were activated on a condition');
      return stored;
    },
    reactivateTermGuardrails: guardrails.reactivate,
    listTermGuardrailVersions: guardrails.list,
    getTermGuardrailVersion: guardrails.get,
    getActiveTermGuardrails: guardrails.getActive,

    async saveTermEvidence(tenant, evidence) {
      await client.query(
        `INSERT INTO term_evidence (tenant_id, body) VALUES ($1, $2::jsonb)
         ON CONFLICT (tenant_id) DO UPDATE SET body = EXCLUDED.body, computed_at = now()`,
        [tenant, JSON.stringify(evidence)],
      );
    },

    async loadTermEvidence(tenant) {
      const [row] = await client.query<{ body: string }>(
        'SELECT body::text AS body FROM term_evidence WHERE tenant_id = $1',
        [tenant],
      );
      return row === undefined ? undefined : (JSON.parse(row.body) as TermEvidence);
    },

    async acceptTermRecommendation(tenant, acceptance) {
      return client.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO term_recommendations (tenant_id, recommendation_id, deal_id, customer_id, option_id,
             recommended_option_id, guardrail_version, body, accepted_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
           ON CONFLICT (tenant_id, recommendation_id) DO NOTHING RETURNING recommendation_id`,
          [
            tenant,
            acceptance.recommendationId,
            acceptance.dealId,
            acceptance.customerId,
            acceptance.optionId,
            acceptance.recommendedOptionId ?? '',
            acceptance.guardrailVersion,
            JSON.stringify(acceptance.body),
            acceptance.actor,
          ],
        );
        if (inserted.length === 0) return 'already_accepted';
        await tx.query(
          `INSERT INTO collection_events (tenant_id, kind, subject, actor, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`,
          [
            tenant,
            'payment_terms_accepted',
            acceptance.dealId === null
              ? `customer:${acceptance.customerId ?? ''}`
              : `deal:${acceptance.dealId}`,
            acceptance.actor,
            JSON.stringify({
              recommendationId: acceptance.recommendationId,
              optionId: acceptance.optionId,
              recommendedOptionId: acceptance.recommendedOptionId,
              overridden: acceptance.optionId !== acceptance.recommendedOptionId,
              guardrailVersion: acceptance.guardrailVersion,
              customerId: acceptance.customerId,
            }),
          ],
        );
        return 'accepted';
      });
    },

    async markTermAcceptancesSynced(tenant, recommendationIds) {
      if (recommendationIds.length === 0) return;
      await client.query(
        `UPDATE term_recommendations SET synced_at = now() WHERE tenant_id = $1 AND recommendation_id = ANY($2::text[])`,
        [tenant, [...recommendationIds]],
      );
    },

    async listTermAcceptances(tenant, filter = {}) {
      const rows = await client.query<AcceptanceRow>(
        `SELECT recommendation_id, deal_id, customer_id, option_id, recommended_option_id, guardrail_version,
                body::text AS body, accepted_by,
                to_char(accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS accepted_at,
                to_char(synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS synced_at
           FROM term_recommendations
          WHERE tenant_id = $1 AND ($2::text IS NULL OR deal_id = $2) AND (NOT $3::boolean OR synced_at IS NULL)
          ORDER BY accepted_at, recommendation_id`,
        [tenant, filter.dealId ?? null, filter.unsynced === true],
      );
      return rows.map((row): StoredTermAcceptance => ({
        recommendationId: row.recommendation_id,
        dealId: row.deal_id,
        customerId: row.customer_id,
        optionId: row.option_id,
        recommendedOptionId: row.recommended_option_id === '' ? null : row.recommended_option_id,
        guardrailVersion: row.guardrail_version,
        body: JSON.parse(row.body) as unknown,
        actor: row.accepted_by,
        acceptedAt: row.accepted_at,
        syncedAt: row.synced_at,
      }));
    },
  };
}
