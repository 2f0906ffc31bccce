import type { TenantId } from '../domain/model';

/** The answer a CRM's call of one of our actions got: its HTTP status and JSON body. */
export type CrmActionAnswer = { status: number; body: unknown };

/**
 * What a claim on a call found: the call is ours to run now, was answered before (the same answer is
 * given again), or is being run by another request right now.
 */
export type CrmActionClaim =
  { state: 'claimed' } | { state: 'answered'; answer: CrmActionAnswer } | { state: 'running' };

/**
 * Calls of our actions from CRM automation (a HubSpot workflow's callback id), kept so a retried call
 * gets the first answer and never acts twice.
 */
export interface CrmActionCalls {
  /**
   * Claims a call before it acts. A claim left unanswered since before `staleBefore` (its process died)
   * is taken over.
   */
  claimCrmActionCall(
    tenant: TenantId,
    call: { source: string; callId: string; action: string; at: Date; staleBefore: Date },
  ): Promise<CrmActionClaim>;
  /** Keeps the answer of a claimed call. */
  answerCrmActionCall(
    tenant: TenantId,
    call: { source: string; callId: string; answer: CrmActionAnswer; at: Date },
  ): Promise<void>;
  /** Drops an unanswered claim (the action failed on our side), so the CRM's retry may run it. */
  releaseCrmActionCall(tenant: TenantId, call: { source: string; callId: string }): Promise<void>;
}
