import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { prepareHistory } from '../domain/risk/features';
import { createTermEvidenceAccumulator, type TermEvidence } from '../domain/terms/evidence';
import type { CollectionsStore } from '../ports/store';

export async function computeTermEvidence(
  store: CollectionsStore,
  tenant: TenantId,
  asOf: CalendarDate,
): Promise<TermEvidence> {
  const accumulator = createTermEvidenceAccumulator(asOf);
  for await (const facts of store.streamAccountFacts(tenant)) accumulator.add(prepareHistory(facts));
  return accumulator.result();
}

export async function refreshTermEvidence(
  store: CollectionsStore,
  tenant: TenantId,
  asOf: CalendarDate,
): Promise<TermEvidence> {
  const evidence = await computeTermEvidence(store, tenant, asOf);
  await store.saveTermEvidence(tenant, evidence);
  return evidence;
}
