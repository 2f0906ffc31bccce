import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import { prepareHistory } from '../domain/risk/features';
import { createTermEvidenceAccumulator, type TermEvidence } from '../domain/terms/evidence';
import type { LedgerStore } from '../ports/ledger';
import type { TermsStore } from '../ports/terms';

export async function computeTermEvidence(
  store: LedgerStore,
  tenant: TenantId,
  asOf: CalendarDate,
): Promise<TermEvidence> {
  const accumulator = createTermEvidenceAccumulator(asOf);
  for await (const facts of store.streamAccountFacts(tenant)) accumulator.add(prepareHistory(facts));
  return accumulator.result();
}

export async function refreshTermEvidence(
  store: LedgerStore & TermsStore,
  tenant: TenantId,
  asOf: CalendarDate,
): Promise<TermEvidence> {
  const evidence = await computeTermEvidence(store, tenant, asOf);
  await store.saveTermEvidence(tenant, evidence);
  return evidence;
}
