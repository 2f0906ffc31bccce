/**
 * What the collections server answers under `/api/v1`, copied from its documented schemas in
 * server/http/schemas/ (the workspace is built on its own and imports nothing outside extensions/;
 * test/api-types.test.ts checks each copy against the schemas). Money comes as minor units with its
 * currency and a display text; numbers the server could not compute are null.
 */
export type Money = { minor: number; currency: string; text: string };

export type StatusVariant = 'success' | 'warning' | 'danger' | 'info';
export type RiskTier = 'low' | 'medium' | 'high';

export type EmbeddedView = 'account' | 'opportunity-terms' | 'rules';

export type Session = {
  tenant: string;
  user: string;
  revops: boolean;
  /**
   * Set when a CRM record embeds the workspace: only that view (and record) is shown. `recordId` is
   * the billing customer when known, else the CRM record; `customerId` and `crmRecordId`, when the
   * server sends them, tell the two apart (an opportunity's deal id and its account's customer).
   */
  embedded: {
    view: EmbeddedView;
    recordId: string | null;
    customerId?: string | null;
    crmRecordId?: string | null;
  } | null;
};

export type AgingMinor = { current: number; d1_30: number; d31_60: number; d61_90: number; d90Plus: number };

export type CurrencyMetrics = {
  currency: string;
  accounts: number;
  arMinor: number;
  currentArMinor: number;
  pastDueArMinor: number;
  aging: AgingMinor;
  creditSales90Minor: number;
  beginningAr90Minor: number;
  /** 0..1 */
  delinquencyRate: number | null;
  atRiskRate: number | null;
  /** Simple DSO with its best possible DSO and ADD (ADD = DSO − best possible DSO). */
  simpleDso: number | null;
  bestPossibleDso: number | null;
  averageDaysDelinquent: number | null;
  /** Countback DSO with its best possible DSO and ADD by the same countback. */
  countbackDso: number | null;
  countbackBestPossibleDso: number | null;
  countbackAverageDaysDelinquent: number | null;
  /** 0..100 */
  cei: number | null;
  failedMinor: number;
  recoveredMinor: number;
  /** 0..1 */
  failedPaymentRecoveryRate: number | null;
};

export type SliceDimension = 'owner' | 'segment' | 'payment_terms';

export type Slice = { key: string; accounts: number; currencies: CurrencyMetrics[] };

export type PortfolioReport = {
  asOf: string;
  by: SliceDimension | null;
  windowDays: number;
  total: Slice;
  slices: Slice[];
};

/**
 * Month-end points from stored snapshots. `stale`: billing changes reached the point after it was
 * computed (the server recomputes stale month-ends before answering; today's point may lag until the
 * next pass).
 */
export type PortfolioTrend = {
  points: { asOf: string; currencies: CurrencyMetrics[]; computedAt?: string; stale?: boolean }[];
};

export type AccountSort = 'risk' | 'overdue' | 'renewal';

export type AttentionAccount = {
  customerId: string;
  name: string | null;
  owner: string | null;
  segment: string | null;
  status: string;
  statusLabel: string;
  statusVariant: StatusVariant;
  riskScore: number | null;
  riskTier: RiskTier | null;
  overdue: Money | null;
  outstanding: Money | null;
  oldestDaysPastDue: number;
  daysToRenewal: number | null;
  paused: boolean;
};

export type AgingBucketView = { bucket: 'current' | '1-30' | '31-60' | '61-90' | '90+'; amount: Money };

/** server/http/card-views.ts */
export type AccountCardView = {
  customerId: string;
  name: string | null;
  asOf: string;
  /** current | payment_in_flight | overdue | failed_payment | disputed | paused */
  status: string;
  statusLabel: string;
  statusVariant: StatusVariant;
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
  risk: { score: number; tier: RiskTier; reasons: string[]; mitigating: string[] } | null;
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
  /** Promises to pay open today and the latest outcomes (absent from older servers). */
  promises?: { open: PromiseView[]; lastOutcomes: PromiseView[] };
  /** What the active rule set would do today, or null when nothing is due. */
  nextStep: { title: string; tone: string | null; assignee: string; ruleId: string; dueOn: string } | null;
  tasks: {
    taskId: string;
    /** The rule that made it (`manual` for a person's); absent from older servers. */
    ruleId?: string;
    title: string;
    dueOn: string;
    priority: string;
    state: string;
    assignee: string;
  }[];
};

export type TimelineKind =
  | 'invoice_issued'
  | 'payment'
  | 'payment_failed'
  | 'refund'
  | 'dispute_opened'
  | 'dispute_closed'
  | 'invoice_voided'
  | 'promise_recorded'
  | 'promise_kept'
  | 'promise_partly_kept'
  | 'promise_broken';

export type TimelineEntry = {
  on: string;
  kind: TimelineKind;
  invoiceId: string | null;
  amount: Money | null;
  text: string;
};

export type AccountDetail = { card: AccountCardView; timeline: TimelineEntry[] };

/** server/http/schemas/promises.ts */
export type PromiseState = 'open' | 'kept' | 'partly_kept' | 'broken';

export type PromiseView = {
  promiseId: string;
  amounts: Money[];
  promisedOn: string;
  /** The last day payments count: the promised day plus the grace. */
  deadline: string;
  invoiceIds: string[];
  madeBy: string | null;
  note: string | null;
  recordedBy: string;
  state: PromiseState;
  settledOn: string | null;
  received: Money[];
};

export type PromiseInput = {
  amounts: { currency: string; amount: string }[];
  promisedOn: string;
  invoiceIds: string[];
  madeBy?: string;
  note?: string;
};

export type RecordPromiseAnswer = { ok: true; data: { recorded: boolean; promise: PromiseView } };

export type PauseInput = { reason: string; until: string };
export type PauseAnswer = { ok: true; paused: PauseInput };
export type ResumeAnswer = { ok: true; resumed: boolean };

/** server/http/terms-api.ts: only the fields the workspace shows. */
export type TermOptionView = {
  id: string;
  label: string;
  billing: 'upfront' | 'annual' | 'quarterly' | 'monthly';
  netDays: number;
  autopay: boolean;
  rank: number;
  recommended: boolean;
  allowed: boolean;
  blockedBy: string[];
  /** An allowed option ranked above it with exactly the same figures for this deal. */
  sameFiguresAs: string | null;
  summary: string;
  estimate: {
    invoices: number;
    expectedDaysToCash: number;
    /** Days from signing to cash: amount-weighted, and of the first and the last invoice. */
    expectedDaysFromSigningToCash: number;
    daysFromSigningToFirstCash: number;
    daysFromSigningToLastCash: number;
    probabilityLate: number;
    expectedDaysLate: number;
    discountMinor: number;
  };
};

export type TermsRecommendation = {
  recommended: string | null;
  explanation: string;
  notes: string[];
  policy: {
    id: string;
    riskTier: RiskTier;
    relativeRisk: number;
    requiresUpfrontOrAutopay: string | null;
    cardAutopayUnavailable: string | null;
  };
  buyer: {
    kind: 'customer' | 'prospect';
    name: string | null;
    risk: { score: number; tier: RiskTier; reasons: string[] };
  };
  deal: { amountMinor: number; currency: string; months: number };
  options: TermOptionView[];
  recommendationId: string;
};

/** server/http/terms-api.ts `GET /customers/search`. */
export type CustomerMatch = {
  customerId: string;
  name: string | null;
  segment: string | null;
  country: string | null;
  employees: number | null;
  fundingStage: string | null;
  crmCompanyId: string | null;
  currency: string | null;
};

export type CustomerSearchAnswer = { customers: CustomerMatch[]; more: boolean };

/** A buyer with no billing history, described by the AE. */
export type ProspectInput = {
  name?: string;
  segment?: string;
  employees?: number;
  fundingStage?: string;
  country?: string;
};

/** `amount` in major units as a decimal string ("120000.00"); a customer or a prospect. */
export type DealTermsInput = {
  customerId?: string;
  prospect?: ProspectInput;
  amount: string;
  currency: string;
  months: number;
  optionId?: string;
};

export type RecommendationAnswer = { ok: true; dealId: string; recommendation: TermsRecommendation };

export type AcceptAnswer = {
  ok: true;
  state: 'accepted' | 'already_accepted';
  optionId: string;
  overridden: boolean;
};

/** server/http/rule-sets-api.ts and src/domain/rules/. Version 0 is the default playbook, stored for every tenant. */
export type RuleSetVersionView = {
  version: number;
  createdAt: string;
  createdBy: string;
  note: string | null;
  active: boolean;
  /** The document as its author wrote it (comments and order kept). */
  source?: string;
};

/** One rule as one plain-English sentence (src/domain/rules/describe.ts). */
export type DescribedRule = { id: string; text: string };

export type RulesAnswer = {
  ok: true;
  active: {
    version: number;
    ruleSet: unknown;
    createdBy: string;
    createdAt?: string;
    note?: string | null;
    source?: string;
  } | null;
  default: unknown;
  versions: RuleSetVersionView[];
  /** The active rule set in words. */
  described?: DescribedRule[];
};

export type ValidateAnswer = { ok: true; rules: string[]; described?: DescribedRule[] };

export type SimulationSummary = {
  from: string;
  to: string;
  days: number;
  accounts: number;
  tasks: number;
  /** Every rule of the simulated set, 0 for one that never fired. */
  tasksByRule: Record<string, number>;
  accountsContacted: number;
  contacts: number;
  contactsInRenewalWindow: number;
  accountsHeldForDisputes: number;
  /** The sum of `skippedByRail`. */
  accountsSkippedByRails: number;
  skippedByRail?: Record<string, number>;
  /** The most automated contacts one account had in one week, and the set's cap. */
  contactsPerAccountWeek?: { max: number; cap: number };
  peakTasksPerAssigneePerWeek: Record<string, { week: string; tasks: number }>;
};

/** What each column of a simulation is: the proposal and what it is compared with (null: nothing). */
export type SimulationLabels = { baseline: string | null; proposed: string };

export type SimulateAnswer = { ok: true; summaries: SimulationSummary[]; labels?: SimulationLabels };

/** A simulation the server runs as a job (too long or too large for one request), as polled. */
export type SimulationJob = {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  accounts: { done: number; total: number | null };
  summaries?: SimulationSummary[];
  labels?: SimulationLabels;
  error?: string;
};

export type SimulationJobAnswer = { ok: true; simulation: SimulationJob };

export type RuleSetChange =
  | { kind: 'added'; path: string; ruleId: string }
  | { kind: 'removed'; path: string; ruleId: string }
  | { kind: 'moved'; ruleId: string; from: number; to: number }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

export type DiffAnswer = { ok: true; from: number; to: number; changes: RuleSetChange[] };

export type VersionAnswer = { ok: true; version: number };

/** The simulated impact of one rule set over the preview's window. */
export type Impact = {
  tasks: number;
  accountsContacted: number;
  contactsInRenewalWindow: number;
  peakTasksPerAssignee: { assignee: string; tasks: number } | null;
  maxContactsPerAccountWeek: number;
  contactCapPerWeek: number;
};

/** `POST /rules/activation-preview`: the proposal against the active version over the last 90 days. */
export type ActivationPreview = {
  /** Sent back with the activation: binds it to this proposal and this active version. */
  token: string;
  identicalToActive: boolean;
  against: { version: number; label: string };
  proposed: { label: string };
  from: string;
  to: string;
  windowDays: number;
  impact: { active: Impact; proposed: Impact };
  rules: { id: string; label: string; active: { tasks: number }; proposed: { tasks: number } }[];
};

export type ActivationPreviewAnswer = { ok: true; preview: ActivationPreview };

export type AuditEvent = {
  at: string;
  kind: string;
  subject: string | null;
  actor: string;
  payload: unknown;
};

/** server/http/worklist-api.ts: the CSM worklist. */
export type WorklistSituation =
  'failed_payment' | 'disputed' | 'overdue' | 'uncollectible' | 'renewal_at_risk' | 'churn_risk' | 'paused';

export type WorklistAccount = {
  customerId: string;
  name: string | null;
  owner: string | null;
  segment: string | null;
  status: string;
  statusLabel: string;
  statusVariant: StatusVariant;
  situations: WorklistSituation[];
  riskScore: number | null;
  riskTier: RiskTier | null;
  /** Expected loss in the ranked currency: balance at risk plus renewal at risk. */
  moneyAtRisk: Money;
  balanceAtRisk: Money;
  renewalAtRisk: Money;
  renewalValue: Money;
  /** The highest chance (0..1) that one of its open invoices is never collected. */
  lossProbability: number;
  overdue: Money | null;
  outstanding: Money | null;
  oldestDaysPastDue: number;
  daysToRenewal: number | null;
  paused: { reason: string; until: string } | null;
  openTasks: number;
  nextStep: {
    title: string;
    assignee: string;
    tone: string | null;
    priority: 'low' | 'medium' | 'high';
    dueOn: string;
    ruleId: string;
    /** A task from this rule is already open. */
    taskOpen: boolean;
  } | null;
};

export type Worklist = {
  asOf: string;
  currency: string | null;
  currencies: { currency: string; accounts: number }[];
  owners: string[];
  situations: WorklistSituation[];
  total: number;
  offset: number;
  limit: number;
  accounts: WorklistAccount[];
};

export type ManualTaskInput = {
  title: string;
  dueOn: string;
  priority: 'low' | 'medium' | 'high';
  body?: string;
};
export type ManualTaskAnswer = { ok: true; task: { actionId: string; title: string; dueOn: string } };
