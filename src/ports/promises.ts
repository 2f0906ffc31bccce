import type { CalendarDate } from '../domain/dates';
import type { TenantId } from '../domain/model';
import type { PromiseAmount, PromiseState, PromiseToPay, StoredPromise } from '../domain/promises';

export type PromiseFilter = {
  customerId?: string;
  /** Only these accounts' promises. */
  customerIds?: readonly string[];
  state?: PromiseState;
  /** Only promises whose promised day is on or after this day. */
  promisedFrom?: CalendarDate;
};

export type PromiseSettlement = {
  state: Exclude<PromiseState, 'open'>;
  settledOn: CalendarDate;
  received: readonly PromiseAmount[];
};

/** Customers' promises to pay, from recording to their settled outcome. */
export interface PromiseStore {
  /**
   * Records a validated promise, open; audited (`promise_recorded`) with the account as subject. A
   * promise id already stored is left alone (`exists`); an unknown customer records nothing.
   */
  recordPromise(tenant: TenantId, promise: PromiseToPay): Promise<'recorded' | 'exists' | 'unknown_customer'>;
  /** The tenant's promises (filtered), the latest promised day first. */
  listPromises(tenant: TenantId, filter?: PromiseFilter): Promise<StoredPromise[]>;
  /**
   * Settles an open promise once (kept, partly kept or broken) with what was received; audited
   * (`promise_kept`, …). false when it is unknown or already settled.
   */
  settlePromise(
    tenant: TenantId,
    promiseId: string,
    settlement: PromiseSettlement,
    actor: string,
  ): Promise<boolean>;
}
