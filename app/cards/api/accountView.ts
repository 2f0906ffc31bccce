/**
 * What `GET /api/v1/companies/{companyId}/collections` answers, as defined by the backend in
 * server/http/card-views.ts (copied: a card imports nothing outside its folder). Money comes as
 * minor units with its currency and a display text, so the card never formats amounts itself.
 */
export type Money = { minor: number; currency: string; text: string };

export type AgingBucketView = { bucket: 'current' | '1-30' | '31-60' | '61-90' | '90+'; amount: Money };

export type AccountCardView = {
  customerId: string;
  name: string | null;
  asOf: string;
  /** current | payment_in_flight | overdue | failed_payment | disputed | paused */
  status: string;
  statusLabel: string;
  statusVariant: 'success' | 'warning' | 'danger' | 'info';
  situations: string[];
  balances: {
    currency: string;
    outstanding: Money;
    overdue: Money;
    disputed: Money;
    uncollectible: Money;
    inFlight: Money;
    aging: AgingBucketView[];
  }[];
  oldestDaysPastDue: number;
  overdueInvoiceCount: number;
  openInvoices: {
    invoiceId: string;
    amount: Money;
    outstanding: Money;
    issuedOn: string;
    dueOn: string;
    daysPastDue: number;
    disputed: boolean;
    failedAttempts: number;
    uncollectible: boolean;
    paymentInFlight: boolean;
  }[];
  lastFailure: {
    invoiceId: string;
    code: string | null;
    declineClass: string;
    whatToDo: string;
    on: string;
    failuresSinceSuccess: number;
  } | null;
  openDisputes: {
    disputeId: string;
    invoiceId: string;
    amount: Money;
    openedOn: string;
    daysOpen: number;
    reason: string | null;
  }[];
  risk: { score: number; tier: 'low' | 'medium' | 'high'; reasons: string[]; mitigating: string[] } | null;
  renewal: { on: string; daysTo: number; inWindow: boolean } | null;
  /** The card on file expires before the next renewal or invoice (absent from older servers). */
  cardExpiry?: {
    expires: string;
    expiresOn: string;
    nextChargeOn: string;
    what: 'renewal' | 'invoice';
    text: string;
  } | null;
  paused: { reason: string; until: string } | null;
  /** Promises to pay open today (reminders on what they cover are held) and the latest outcomes. */
  promises?: { open: PromiseView[]; lastOutcomes: PromiseView[] };
  /** What the active rule set would do today, or null when nothing is due. */
  nextStep: { title: string; tone: string | null; assignee: string; ruleId: string; dueOn: string } | null;
  tasks: {
    taskId: string;
    title: string;
    dueOn: string;
    priority: string;
    state: string;
    assignee: string;
  }[];
};

export type PromiseState = 'open' | 'kept' | 'partly_kept' | 'broken';

/** A customer's promise to pay by a day; `received` is filled once it is settled. */
export type PromiseView = {
  promiseId: string;
  amounts: Money[];
  promisedOn: string;
  /** The last day payments count: the promised day plus the grace. */
  deadline: string;
  invoiceIds: string[];
  madeBy: string | null;
  note: string | null;
  state: PromiseState;
  settledOn: string | null;
  received: Money[];
};

export type AccountResponse = { ok: true; data: AccountCardView };

/** The business error code for a company with no billing customer behind it. */
export const NO_BILLING_DATA = 'no_billing_data';

export type PauseInput = { reason: string; until: string };
export type PauseResponse = { ok: true; paused: PauseInput };
export type ResumeResponse = { ok: true; resumed: boolean };

export type TaskPriority = 'low' | 'medium' | 'high';
export type TaskInput = { title: string; dueOn: string; priority: TaskPriority };
export type TaskResponse = { ok: true; task: { title: string; dueOn: string } };

/** Amounts in major units as typed ("12000.00"), one per currency. */
export type PromiseInput = {
  amounts: { currency: string; amount: string }[];
  promisedOn: string;
  invoiceIds: string[];
  madeBy?: string;
  note?: string;
};
export type RecordPromiseResponse = { ok: true; data: { recorded: boolean; promise: PromiseView } };
