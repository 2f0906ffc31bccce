/**
 * What the HubSpot cards receive from `GET /api/v1/companies/:companyId/collections` (company tab and
 * sidebar). Money comes as minor units with its currency and a display text, so a card never formats
 * amounts itself. Business errors answer 200 `{ ok: false, error: { code, message } }`.
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
  /** success | warning | danger | info, for a StatusTag */
  statusVariant: 'success' | 'warning' | 'danger' | 'info';
  situations: string[];
  balances: {
    currency: string;
    outstanding: Money;
    overdue: Money;
    disputed: Money;
    /** Owed on invoices the billing system marked uncollectible (still owed). */
    uncollectible: Money;
    /** Owed on invoices whose payment is on its way (a bank debit not settled yet). */
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
  paused: { reason: string; until: string } | null;
  /** What the active rule set would do today, or null when nothing is due. */
  nextStep: { title: string; tone: string | null; assignee: string; ruleId: string; dueOn: string } | null;
  tasks: {
    taskId: string;
    /** The rule that made it (`manual` for a person's). */
    ruleId: string;
    title: string;
    dueOn: string;
    priority: string;
    state: string;
    assignee: string;
  }[];
};

export type CardResponse<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
