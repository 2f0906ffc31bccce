import { addMonths, fromDayNumber, isCalendarDate, toDayNumber, type CalendarDate } from '../domain/dates';
import type {
  Customer,
  Dispute,
  DisputeOutcome,
  Invoice,
  PaymentAttempt,
  PaymentStatus,
  Subscription,
  SubscriptionInterval,
} from '../domain/model';
import { currencyExponent, type CurrencyCode } from '../domain/money';
import { createRandom, weighted, type Random, type Weighted } from '../domain/random';
import type { DatasetRow } from '../ports/dataset';

export type DemoDatasetOptions = {
  customers: number;
  seed: number;
  /** Nothing in the dataset happens after this day; renewals and due dates may lie beyond it. */
  asOf: CalendarDate;
  /** Years of history before `asOf`; 3 unless given. */
  years?: number;
};

type Segment = 'smb' | 'mid_market' | 'enterprise';
type PayerProfile = 'prompt' | 'typical' | 'slow' | 'very_slow';
type DeclineClass =
  'funds' | 'technical' | 'ambiguous' | 'action' | 'new_data' | 'risk' | 'revoked' | 'other';

type CurrencySetup = {
  code: CurrencyCode;
  minorPerMajor: number;
  /** Major units of this currency per US dollar, for contract values. */
  usdRate: number;
  /** Contract values are rounded to this many major units. */
  contractRounding: number;
  countries: Weighted<string>;
  /** Monthly list price in major units of each self-serve plan, in SELF_SERVE_PLANS order. */
  planPrices: readonly number[];
};

function currencySetup(
  code: string,
  usdRate: number,
  contractRounding: number,
  countries: readonly (readonly [string, number])[],
  planPrices: readonly number[],
): CurrencySetup {
  const exponent = currencyExponent(code);
  if (exponent === undefined) throw new Error(`unknown currency ${code}`);
  return {
    code: code as CurrencyCode,
    minorPerMajor: 10 ** exponent,
    usdRate,
    contractRounding,
    countries: weighted(countries),
    planPrices,
  };
}

const SELF_SERVE_PLANS = ['starter', 'team', 'business', 'scale'] as const;

const CURRENCIES: Weighted<CurrencySetup> = weighted([
  [
    currencySetup(
      'USD',
      1,
      100,
      [
        ['US', 80],
        ['CA', 6],
        ['AU', 4],
        ['SG', 3],
        ['IN', 3],
        ['BR', 2],
        ['MX', 2],
      ],
      [29, 79, 199, 349],
    ),
    78,
  ],
  [
    currencySetup(
      'EUR',
      0.92,
      100,
      [
        ['DE', 35],
        ['FR', 25],
        ['NL', 15],
        ['ES', 10],
        ['IE', 8],
        ['IT', 7],
      ],
      [27, 75, 189, 329],
    ),
    11,
  ],
  [currencySetup('GBP', 0.79, 100, [['GB', 1]], [24, 65, 165, 289]), 7],
  [currencySetup('JPY', 150, 10000, [['JP', 1]], [4400, 12000, 30000, 52000]), 2.5],
  [currencySetup('KWD', 0.31, 10, [['KW', 1]], [9, 24, 61, 107]), 1.5],
]);

const PLAN_WEIGHTS = weighted([
  [0, 40],
  [1, 35],
  [2, 20],
  [3, 5],
]);

const OWNERS: Readonly<Record<Segment, readonly string[]>> = {
  smb: ['Jordan Lee', 'Maya Patel'],
  mid_market: ['Chris Romero', 'Aisha Bello', 'Tom Becker'],
  enterprise: ['Elena Rossi', 'David Kim', 'Sophie Martin'],
};

const NAME_STEMS = [
  'Northwind',
  'Blue Harbor',
  'Silverline',
  'Brightpath',
  'Redwood',
  'Summit',
  'Cobalt',
  'Evergreen',
  'Ironclad',
  'Lumen',
  'Maple',
  'Nimbus',
  'Orchard',
  'Pinecrest',
  'Quantum',
  'Riverbend',
  'Sterling',
  'Tidewater',
  'Vantage',
  'Westfield',
  'Zephyr',
  'Granite',
  'Keystone',
  'Lakeshore',
  'Meridian',
  'Oakridge',
  'Polaris',
  'Juniper',
  'Copperleaf',
  'Harborview',
];
const NAME_TRADES = [
  'Analytics',
  'Logistics',
  'Health',
  'Labs',
  'Software',
  'Dental',
  'Robotics',
  'Media',
  'Foods',
  'Energy',
  'Capital',
  'Studios',
  'Systems',
  'Supply',
  'Outfitters',
  'Learning',
  'Builders',
  'Consulting',
  'Networks',
  'Biotech',
];
/** Legal-form endings by country; several contain commas, so names exercise CSV quoting. */
const NAME_ENDINGS: Readonly<Record<string, readonly string[]>> = {
  US: ['', ' Inc.', ', Inc.', ' LLC', ', LLC', ' Co.'],
  CA: [' Inc.', ' Ltd.', ''],
  AU: [' Pty Ltd', ''],
  SG: [' Pte. Ltd.'],
  IN: [' Pvt. Ltd.'],
  BR: [' Ltda.'],
  MX: [' S.A. de C.V.'],
  DE: [' GmbH', ' AG'],
  FR: [' SAS', ' SARL'],
  NL: [' B.V.'],
  ES: [' S.L.'],
  IE: [' Ltd', ' DAC'],
  IT: [' S.r.l.', ' S.p.A.'],
  GB: [' Ltd', ' Limited', ' plc', ''],
  JP: [' K.K.', ' Co., Ltd.'],
  KW: [' W.L.L.', ' K.S.C.'],
};
/** Rare names with quotes, apostrophes and non-ASCII letters, by country (or for anyone). */
const SPECIAL_NAMES: Readonly<Record<string, readonly string[]>> = {
  DE: ['Müller & Söhne Logistik GmbH', 'Bäckerei Groß AG'],
  FR: ['Café Lumière SARL', 'Éditions Côté Jardin SAS'],
  ES: ['Niño & Peña Diseño S.L.'],
  JP: ['株式会社サクラ Software', 'Tōkyō Kōgyō K.K.'],
  any: ["O'Brien & Daughters", 'The "Good" Food Company', 'Smith, Jones & Partners', 'Acme "Rockets", Inc.'],
};

const SEGMENTS_SELF_SERVE = weighted<Segment>([
  ['smb', 85],
  ['mid_market', 15],
]);
const SEGMENTS_SALES_LED = weighted<Segment>([
  ['smb', 15],
  ['mid_market', 55],
  ['enterprise', 30],
]);

const TERMS: Readonly<Record<Segment, Weighted<number>>> = {
  smb: weighted([
    [30, 85],
    [45, 15],
  ]),
  mid_market: weighted([
    [30, 72],
    [45, 20],
    [60, 8],
  ]),
  enterprise: weighted([
    [30, 55],
    [45, 25],
    [60, 20],
  ]),
};

const PAYERS: Readonly<Record<Segment, Weighted<PayerProfile>>> = {
  smb: weighted<PayerProfile>([
    ['prompt', 35],
    ['typical', 35],
    ['slow', 20],
    ['very_slow', 10],
  ]),
  mid_market: weighted<PayerProfile>([
    ['prompt', 35],
    ['typical', 40],
    ['slow', 18],
    ['very_slow', 7],
  ]),
  enterprise: weighted<PayerProfile>([
    ['prompt', 30],
    ['typical', 40],
    ['slow', 24],
    ['very_slow', 6],
  ]),
};
/** Young companies pay less reliably whatever their size. */
const EARLY_STAGE_PAYERS = weighted<PayerProfile>([
  ['prompt', 22],
  ['typical', 33],
  ['slow', 30],
  ['very_slow', 15],
]);

type Firmographics = { employees: number | null; fundingStage: string | null; apCycleDays: number };

const FUNDING_BY_SIZE: readonly (readonly [number, Weighted<string>])[] = [
  [
    200,
    weighted([
      ['bootstrapped', 30],
      ['seed', 28],
      ['series_a', 30],
      ['series_b', 12],
    ]),
  ],
  [
    1000,
    weighted([
      ['bootstrapped', 12],
      ['series_a', 15],
      ['series_b', 30],
      ['series_c', 23],
      ['growth', 12],
      ['private_equity', 8],
    ]),
  ],
  [
    Infinity,
    weighted([
      ['series_c', 10],
      ['growth', 20],
      ['private_equity', 25],
      ['public', 45],
    ]),
  ],
];

/**
 * Head count, funding stage and the payables cycle (days from receiving an invoice until it can be
 * paid: approvals, purchase orders, payment runs), which grows with company size. Drawn from a
 * stream of their own so the rest of a customer's history does not depend on them.
 */
function firmographics(seed: number, index: number, segment: Segment, selfServe: boolean): Firmographics {
  const r = createRandom(seed, 2 ** 32 + index + 1);
  const [low, high] = selfServe
    ? [2, 60]
    : segment === 'smb'
      ? [10, 150]
      : segment === 'mid_market'
        ? [80, 1500]
        : [500, 40000];
  const employees = Math.round(Math.exp(Math.log(low) + r.next() * (Math.log(high) - Math.log(low))));
  const funding = FUNDING_BY_SIZE.find(([below]) => employees < below)?.[1] ?? FUNDING_BY_SIZE[0]![1];
  const fundingStage = r.pick(funding);
  const apCycleDays =
    employees < 200
      ? r.int(5, 25)
      : employees < 1000
        ? r.int(15, 40)
        : employees < 5000
          ? r.int(30, 55)
          : r.int(40, 70);
  return {
    employees: r.chance(0.9) ? employees : null,
    fundingStage: r.chance(0.85) ? fundingStage : null,
    apCycleDays,
  };
}

/** How an invoiced customer pays: its habit, its rail, its payables cycle and how likely it defaults. */
type Buyer = { payer: PayerProfile; method: string; apCycleDays: number; defaultFactor: number };

/**
 * Large companies rarely default on an invoice: one leaving simply does not renew. Scales the chance
 * of an invoice never being paid.
 */
const DEFAULT_FACTOR: Readonly<Record<Segment, number>> = { smb: 1, mid_market: 0.6, enterprise: 0.2 };

const NEVER_PAID: Readonly<Record<PayerProfile, number>> = {
  prompt: 0.002,
  typical: 0.005,
  slow: 0.015,
  very_slow: 0.03,
};

/** Project table of decline classes (REFERENCE.md), for the codes this generator uses. */
const DECLINE_CLASS: Readonly<Record<string, DeclineClass>> = {
  insufficient_funds: 'funds',
  withdrawal_count_limit_exceeded: 'funds',
  card_velocity_exceeded: 'funds',
  processing_error: 'technical',
  try_again_later: 'technical',
  issuer_not_available: 'technical',
  generic_decline: 'ambiguous',
  do_not_honor: 'ambiguous',
  call_issuer: 'ambiguous',
  authentication_required: 'action',
  expired_card: 'new_data',
  incorrect_cvc: 'new_data',
  incorrect_number: 'new_data',
  lost_card: 'risk',
  stolen_card: 'risk',
  pickup_card: 'risk',
  revocation_of_authorization: 'revoked',
  revocation_of_all_authorizations: 'revoked',
  stop_payment_order: 'revoked',
  card_not_supported: 'other',
  transaction_not_allowed: 'other',
  restricted_card: 'other',
};

/** First failures of an ordinary renewal charge. */
const FIRST_DECLINES = weighted([
  ['insufficient_funds', 40],
  ['expired_card', 24],
  ['generic_decline', 8],
  ['do_not_honor', 6],
  ['processing_error', 4],
  ['authentication_required', 4],
  ['card_velocity_exceeded', 2],
  ['try_again_later', 2],
  ['incorrect_cvc', 1.5],
  ['withdrawal_count_limit_exceeded', 1],
  ['issuer_not_available', 1],
  ['call_issuer', 1],
  ['transaction_not_allowed', 1],
  ['card_not_supported', 0.5],
  ['restricted_card', 0.5],
  ['revocation_of_authorization', 1.2],
  ['revocation_of_all_authorizations', 0.3],
  ['stop_payment_order', 0.6],
  ['lost_card', 0.7],
  ['stolen_card', 0.4],
  ['pickup_card', 0.2],
]);
/** Failures of a customer who is running out of money or interest. */
const STRAINED_DECLINES = weighted([
  ['insufficient_funds', 85],
  ['do_not_honor', 8],
  ['generic_decline', 7],
]);
const REVOCATIONS = weighted([
  ['revocation_of_authorization', 70],
  ['stop_payment_order', 30],
]);

/**
 * Smart-retry days after the due day; all fall inside the dunning window. When they run out, the
 * billing system cancels the subscription and marks the invoice uncollectible (Stripe's settings for
 * the end of Smart Retries), or voids it.
 */
const RETRY_DAYS = [3, 5, 8, 12, 16, 20] as const;
const TECHNICAL_RETRY_DAYS = [1, 2, 4, 8] as const;
/** Unpaid card invoices cancel the subscription this many days after they were due. */
const DUNNING_DAYS = 21;

const RETRY_SUCCESS: Readonly<Record<'funds' | 'technical' | 'ambiguous', number>> = {
  funds: 0.42,
  technical: 0.88,
  ambiguous: 0.33,
};

/** [chance the customer fixes it, first day, last day] for declines that are never blindly retried. */
const FIX_AFTER: Readonly<
  Record<'action' | 'new_data' | 'risk' | 'revoked' | 'other', readonly [number, number, number]>
> = {
  action: [0.8, 0, 4],
  new_data: [0.78, 1, 14],
  risk: [0.65, 2, 14],
  revoked: [0.15, 3, 15],
  other: [0.6, 1, 10],
};

/** Reasons of invoiced (net-terms) customers contesting an invoice: seats, a cancelled renewal, a duplicate. */
const INVOICE_DISPUTE_REASONS = weighted([
  ['general', 45],
  ['subscription_canceled', 20],
  ['product_not_received', 20],
  ['duplicate', 15],
]);
/**
 * Share of buyers with a payables cycle longer than the terms offered who negotiate longer terms:
 * procurement at large companies nearly always does.
 */
const TERMS_COVER_AP_CYCLE: Readonly<Record<Segment, number>> = {
  smb: 0.3,
  mid_market: 0.5,
  enterprise: 0.9,
};
/** Share of paid card invoices charged back (card networks start monitoring a merchant at 0.9 %). */
const CARD_DISPUTE_RATE = 0.004;
/** Share of invoiced (net-terms) invoices the customer contests before paying. */
const INVOICE_DISPUTE_RATE = 0.05;
/** Unpaid card invoices voided rather than marked uncollectible when the retries run out. */
const VOID_AFTER_DUNNING = 0.3;
/** An invoiced customer's unpaid invoice is marked uncollectible this many days after it was due. */
const UNCOLLECTIBLE_AFTER_DAYS = [60, 150] as const;

/** Outcomes of a contested invoice from the seller's side: lost means the invoice is credited. */
const INVOICE_DISPUTE_OUTCOMES = weighted<DisputeOutcome>([
  ['won', 55],
  ['lost', 30],
  ['withdrawn', 15],
]);
/** Banking days an ACH debit takes to settle. */
const ACH_SETTLEMENT_DAYS = 3;

const DISPUTE_REASONS = weighted([
  ['fraudulent', 30],
  ['subscription_canceled', 25],
  ['product_not_received', 15],
  ['duplicate', 10],
  ['general', 20],
]);
const DISPUTE_OUTCOMES = weighted<DisputeOutcome>([
  ['won', 40],
  ['lost', 45],
  ['withdrawn', 15],
]);
const PRICE_UPLIFT_PERCENT = weighted([
  [0, 40],
  [3, 30],
  [5, 20],
  [7, 10],
]);

type Settings = { customers: number; seed: number; asOf: number; historyStart: number; years: number };

type Context = Settings & {
  date(day: number): CalendarDate;
  nextId(prefix: 'cus_' | 'sub_' | 'in_' | 'py_' | 'dp_'): string;
};

type Book = {
  customer: Customer;
  subscriptions: Subscription[];
  invoices: Invoice[];
  payments: PaymentAttempt[];
  disputes: Dispute[];
};

type Profile = {
  customerId: string;
  currency: CurrencySetup;
  country: string;
  segment: Segment;
  createdDay: number;
};

/** When a customer leaves on its own: after `periods` invoiced periods, the last `rampLength` of them paid later and later. */
type ChurnPlan = { periods: number; rampLength: number };

type Ramp = { step: number; length: number };

function validate(options: DemoDatasetOptions): Settings {
  const { customers, seed, asOf } = options;
  const years = options.years ?? 3;
  if (!Number.isSafeInteger(customers) || customers < 0) {
    throw new RangeError(`customers must be a whole number ≥ 0, got ${customers}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a whole number, got ${seed}`);
  if (!Number.isInteger(years) || years < 1 || years > 30) {
    throw new RangeError(`years must be a whole number from 1 to 30, got ${years}`);
  }
  if (!isCalendarDate(asOf)) throw new RangeError(`asOf must be a date YYYY-MM-DD, got ${String(asOf)}`);
  const historyStart = toDayNumber(addMonths(asOf, -12 * years));
  return { customers, seed, asOf: toDayNumber(asOf), historyStart, years };
}

function createContext(settings: Settings): Context {
  // Days span the history and a few years beyond it, so the cache stays small whatever the size.
  const dates = new Map<number, CalendarDate>();
  const counters = new Map<string, number>();
  return {
    ...settings,
    date(day) {
      let text = dates.get(day);
      if (text === undefined) {
        text = fromDayNumber(day);
        dates.set(day, text);
      }
      return text;
    },
    nextId(prefix) {
      const next = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, next);
      return `${prefix}${String(next).padStart(8, '0')}`;
    },
  };
}

function companyName(r: Random, country: string): string {
  if (r.chance(0.01)) {
    const local = SPECIAL_NAMES[country];
    return r.choose(local !== undefined && r.chance(0.6) ? local : (SPECIAL_NAMES['any'] ?? ['Acme']));
  }
  return `${r.choose(NAME_STEMS)} ${r.choose(NAME_TRADES)}${r.choose(NAME_ENDINGS[country] ?? [''])}`;
}

/** Voluntary churn with a per-period hazard; most leavers pay later and later before they go. */
function planChurn(
  r: Random,
  hazard: number,
  maxPeriods: number,
  rampRange: readonly [number, number],
  deterioratingShare: number,
): ChurnPlan {
  for (let periods = 1; periods <= maxPeriods; periods += 1) {
    if (r.chance(hazard)) {
      const rampLength = r.chance(deterioratingShare)
        ? Math.min(periods, r.int(rampRange[0], rampRange[1]))
        : 0;
      return { periods, rampLength };
    }
  }
  return { periods: Number.POSITIVE_INFINITY, rampLength: 0 };
}

function rampAt(plan: ChurnPlan, period: number): Ramp | null {
  const first = plan.periods - plan.rampLength;
  return plan.rampLength > 0 && period >= first ? { step: period - first, length: plan.rampLength } : null;
}

function addInvoice(
  ctx: Context,
  book: Book,
  currency: CurrencySetup,
  amountMinor: number,
  issued: number,
  due: number,
  subscriptionId: string | null,
): Invoice {
  const invoice: Invoice = {
    invoiceId: ctx.nextId('in_'),
    customerId: book.customer.customerId,
    currency: currency.code,
    amountMinor,
    issuedOn: ctx.date(issued),
    dueOn: ctx.date(due),
    paidOn: null,
    voidedOn: null,
    subscriptionId,
  };
  book.invoices.push(invoice);
  return invoice;
}

function addPayment(
  ctx: Context,
  book: Book,
  invoice: Invoice,
  day: number,
  status: PaymentStatus,
  amountMinor: number,
  declineCode: string | null,
  method: string,
): void {
  if (day > ctx.asOf) return;
  book.payments.push({
    paymentId: ctx.nextId('py_'),
    invoiceId: invoice.invoiceId,
    currency: invoice.currency,
    amountMinor,
    attemptedOn: ctx.date(day),
    status,
    declineCode,
    method,
  });
}

function cancelSubscription(ctx: Context, subscription: Subscription, day: number): void {
  subscription.status = 'canceled';
  subscription.canceledOn = ctx.date(day);
  subscription.renewsOn = null;
}

type Attempt = { day: number; declineCode: string | null };
/** `paidDay` is null when the dunning ran out without a payment. */
type CardOutcome = { attempts: Attempt[]; paidDay: number | null };

function retriedDecline(r: Random, code: string): string {
  return r.chance(0.92) ? code : r.chance(0.6) ? 'insufficient_funds' : 'do_not_honor';
}

/** Charges an autopay invoice on its due day and plays out retries and card updates, ignoring `asOf`. */
function chargeCard(r: Random, due: number, failureRate: number, ramp: Ramp | null): CardOutcome {
  let code: string;
  if (ramp === null) {
    if (!r.chance(failureRate)) return { attempts: [{ day: due, declineCode: null }], paidDay: due };
    code = r.pick(FIRST_DECLINES);
  } else {
    const progress = ramp.length > 1 ? ramp.step / (ramp.length - 1) : 1;
    if (!r.chance(0.45 + 0.5 * progress))
      return { attempts: [{ day: due, declineCode: null }], paidDay: due };
    code = r.pick(STRAINED_DECLINES);
  }
  const attempts: Attempt[] = [{ day: due, declineCode: code }];
  const declineClass = DECLINE_CLASS[code] ?? 'other';

  if (declineClass === 'funds' || declineClass === 'technical' || declineClass === 'ambiguous') {
    const schedule = declineClass === 'technical' ? TECHNICAL_RETRY_DAYS : RETRY_DAYS;
    // A leaving customer recovers only at a later retry each month, and often not at all at the end.
    const rampRetry =
      ramp === null
        ? -1
        : ramp.step === ramp.length - 1 && r.chance(0.6)
          ? schedule.length
          : Math.min(ramp.step + r.int(0, 1), schedule.length - 1);
    for (let index = 0; index < schedule.length; index += 1) {
      const day = due + (schedule[index] as number);
      const recovered =
        ramp === null
          ? r.chance(RETRY_SUCCESS[declineClass]) || (index >= 1 && r.chance(0.12))
          : index === rampRetry;
      if (recovered) {
        attempts.push({ day, declineCode: null });
        return { attempts, paidDay: day };
      }
      if (ramp !== null && rampRetry === schedule.length && r.chance(0.1)) {
        attempts.push({ day, declineCode: r.pick(REVOCATIONS) });
        return { attempts, paidDay: null };
      }
      attempts.push({ day, declineCode: retriedDecline(r, code) });
    }
    return { attempts, paidDay: null };
  }

  const [fixChance, firstDay, lastDay] = FIX_AFTER[declineClass];
  if (!r.chance(fixChance)) return { attempts, paidDay: null };
  const day = due + r.int(firstDay, lastDay);
  attempts.push({ day, declineCode: null });
  return { attempts, paidDay: day };
}

function maybeDispute(ctx: Context, r: Random, book: Book, invoice: Invoice, paidDay: number): void {
  if (!r.chance(CARD_DISPUTE_RATE)) return;
  const opened = paidDay + r.int(5, 60);
  if (opened > ctx.asOf) return;
  const resolved = opened + r.int(15, 75);
  const isResolved = resolved <= ctx.asOf;
  book.disputes.push({
    disputeId: ctx.nextId('dp_'),
    invoiceId: invoice.invoiceId,
    openedOn: ctx.date(opened),
    resolvedOn: isResolved ? ctx.date(resolved) : null,
    reason: r.pick(DISPUTE_REASONS),
    amountMinor: r.chance(0.85) ? invoice.amountMinor : Math.max(1, Math.floor(invoice.amountMinor / 2)),
    outcome: isResolved ? r.pick(DISPUTE_OUTCOMES) : null,
  });
}

/** A charge taken twice and the duplicate refunded: what is paid stays the invoice amount. */
function maybeDuplicateCharge(
  ctx: Context,
  r: Random,
  book: Book,
  invoice: Invoice,
  paidDay: number,
  method: string,
): void {
  if (!r.chance(0.003)) return;
  const duplicateDay = paidDay + r.int(0, 2);
  const refundDay = duplicateDay + r.int(1, 10);
  if (refundDay > ctx.asOf) return;
  addPayment(ctx, book, invoice, duplicateDay, 'succeeded', invoice.amountMinor, null, method);
  addPayment(ctx, book, invoice, refundDay, 'refunded', invoice.amountMinor, null, method);
}

function billSelfServe(ctx: Context, r: Random, profile: Profile, book: Book): void {
  const { currency } = profile;
  const plan = r.pick(PLAN_WEIGHTS);
  const quantity = r.chance(0.75) ? 1 : r.chance(0.7) ? r.int(2, 3) : r.int(4, 10);
  const amountMinor = (currency.planPrices[plan] ?? 0) * quantity * currency.minorPerMajor;
  const started = profile.createdDay;
  const firstInvoice = started + (r.chance(0.4) ? 14 : 0);
  const subscription: Subscription = {
    subscriptionId: ctx.nextId('sub_'),
    customerId: profile.customerId,
    plan: `${SELF_SERVE_PLANS[plan] ?? 'starter'}_monthly`,
    currency: currency.code,
    amountMinor,
    interval: 'month',
    startedOn: ctx.date(started),
    renewsOn: null,
    status: 'active',
    canceledOn: null,
  };
  book.subscriptions.push(subscription);
  if (firstInvoice > ctx.asOf) {
    subscription.status = 'trialing';
    subscription.renewsOn = ctx.date(firstInvoice);
    return;
  }

  const anchor = ctx.date(firstInvoice);
  const failureRate = r.chance(0.2) ? 0.15 : 0.05;
  const churn = planChurn(r, 0.017, ctx.years * 12 + 1, [3, 5], 0.65);
  for (let period = 0; ; period += 1) {
    const issued = toDayNumber(addMonths(anchor, period));
    if (issued > ctx.asOf) {
      subscription.renewsOn = ctx.date(issued);
      return;
    }
    if (period === churn.periods) {
      cancelSubscription(ctx, subscription, issued);
      return;
    }
    const invoice = addInvoice(ctx, book, currency, amountMinor, issued, issued, subscription.subscriptionId);
    const outcome = chargeCard(r, issued, failureRate, rampAt(churn, period));
    for (const attempt of outcome.attempts) {
      const status = attempt.declineCode === null ? 'succeeded' : 'failed';
      addPayment(ctx, book, invoice, attempt.day, status, amountMinor, attempt.declineCode, 'card');
    }
    if (outcome.paidDay === null) {
      const cancelDay = issued + DUNNING_DAYS;
      if (cancelDay <= ctx.asOf) {
        cancelSubscription(ctx, subscription, cancelDay);
        if (r.chance(VOID_AFTER_DUNNING)) invoice.voidedOn = ctx.date(cancelDay);
        else invoice.uncollectibleOn = ctx.date(cancelDay);
      } else {
        subscription.status = 'past_due';
        subscription.renewsOn = ctx.date(toDayNumber(addMonths(anchor, period + 1)));
      }
      return;
    }
    if (outcome.paidDay > ctx.asOf) {
      subscription.status = 'past_due';
      continue;
    }
    invoice.paidOn = ctx.date(outcome.paidDay);
    maybeDuplicateCharge(ctx, r, book, invoice, outcome.paidDay, 'card');
    maybeDispute(ctx, r, book, invoice, outcome.paidDay);
  }
}

function payerLateness(r: Random, payer: PayerProfile): number {
  switch (payer) {
    case 'prompt':
      return r.chance(0.85) ? -r.int(0, 10) : r.int(1, 5);
    case 'typical':
      return Math.round(r.normal(1, 8));
    case 'slow':
      return Math.round(r.normal(18, 10));
    case 'very_slow':
      return Math.round(r.normal(40, 20));
  }
}

/**
 * Settles an invoice paid by bank transfer. Most carry only paid_on; partial payments and
 * duplicate transfers come as payment rows; an ACH debit still clearing on asOf is a pending row.
 * Nothing is paid before `notBefore` (a contested invoice is paid once the dispute is settled).
 * Returns false when the invoice will never be paid.
 */
function settleTransfer(
  ctx: Context,
  r: Random,
  book: Book,
  invoice: Invoice,
  buyer: Buyer,
  ramp: Ramp | null,
  notBefore = 0,
): boolean {
  const { payer, method, apCycleDays } = buyer;
  const issued = toDayNumber(invoice.issuedOn);
  const due = toDayNumber(invoice.dueOn);
  const isLastOfRamp = ramp !== null && ramp.step === ramp.length - 1;
  const neverPaid =
    r.chance(NEVER_PAID[payer] * buyer.defaultFactor) ||
    (isLastOfRamp && r.chance(0.2 * buyer.defaultFactor));
  const extraDays = ramp === null ? 0 : 10 + 10 * ramp.step + r.int(0, 10);
  // Nothing is paid before the payables cycle is through, however long the terms (±3 days by run).
  const cycleDone = issued + apCycleDays + (issued % 7) - 3;
  const paidDay = Math.max(issued + 1, due + payerLateness(r, payer) + extraDays, cycleDone, notBefore);
  const amount = invoice.amountMinor;
  // An ACH debit takes a few banking days to settle: one settling after asOf is in flight on it.
  if (!neverPaid && method === 'ach' && paidDay > ctx.asOf && paidDay - ACH_SETTLEMENT_DAYS <= ctx.asOf) {
    const initiated = Math.max(issued, paidDay - ACH_SETTLEMENT_DAYS);
    addPayment(ctx, book, invoice, initiated, 'pending', amount, null, method);
    return true;
  }

  if (r.chance(payer === 'prompt' ? 0.02 : 0.08)) {
    const first = Math.floor((amount * r.int(30, 70)) / 100);
    const secondDay = paidDay + r.int(14, 60);
    addPayment(ctx, book, invoice, paidDay, 'succeeded', first, null, method);
    if (neverPaid) return false;
    addPayment(ctx, book, invoice, secondDay, 'succeeded', amount - first, null, method);
    if (secondDay <= ctx.asOf) invoice.paidOn = ctx.date(secondDay);
    return true;
  }
  if (neverPaid) return false;
  if (paidDay > ctx.asOf) return true;
  invoice.paidOn = ctx.date(paidDay);
  if (r.chance(0.004)) {
    const duplicateDay = paidDay + r.int(0, 3);
    const refundDay = duplicateDay + r.int(5, 20);
    if (refundDay <= ctx.asOf) {
      addPayment(ctx, book, invoice, paidDay, 'succeeded', amount, null, method);
      addPayment(ctx, book, invoice, duplicateDay, 'succeeded', amount, null, method);
      addPayment(ctx, book, invoice, refundDay, 'refunded', amount, null, method);
    }
  }
  return true;
}

/**
 * An invoiced customer's invoice that will not be paid: marked uncollectible a few months after it
 * was due, then written off with a credit note (voided) at the next month-end close or two.
 */
function writeOffUnpaid(ctx: Context, r: Random, invoice: Invoice, due: number): void {
  const uncollectible = due + r.int(UNCOLLECTIBLE_AFTER_DAYS[0], UNCOLLECTIBLE_AFTER_DAYS[1]);
  if (uncollectible > ctx.asOf) return;
  invoice.uncollectibleOn = ctx.date(uncollectible);
  const voided = uncollectible + r.int(15, 90);
  if (voided <= ctx.asOf) invoice.voidedOn = ctx.date(voided);
}

/**
 * An invoiced customer contesting an invoice (seats, a renewal it meant to cancel, a duplicate).
 * Returns the day from which it may be paid, or null when the dispute went the customer's way and the
 * invoice was credited (voided) or is still open without a payment.
 */
function maybeContestInvoice(
  ctx: Context,
  r: Random,
  book: Book,
  invoice: Invoice,
  due: number,
): { payableFrom: number } | { credited: true } | null {
  if (!r.chance(INVOICE_DISPUTE_RATE)) return null;
  const issued = toDayNumber(invoice.issuedOn);
  const opened = issued + r.int(3, Math.max(4, due - issued + 10));
  const resolved = opened + r.int(14, 120);
  const outcome = r.pick(INVOICE_DISPUTE_OUTCOMES);
  const whole = r.chance(0.5);
  if (opened > ctx.asOf) return null;
  const isResolved = resolved <= ctx.asOf;
  book.disputes.push({
    disputeId: ctx.nextId('dp_'),
    invoiceId: invoice.invoiceId,
    openedOn: ctx.date(opened),
    resolvedOn: isResolved ? ctx.date(resolved) : null,
    reason: r.pick(INVOICE_DISPUTE_REASONS),
    amountMinor: whole
      ? invoice.amountMinor
      : Math.max(1, Math.floor((invoice.amountMinor * r.int(10, 40)) / 100)),
    outcome: isResolved ? outcome : null,
  });
  if (outcome !== 'lost') return { payableFrom: resolved + r.int(3, 15) };
  if (isResolved) invoice.voidedOn = ctx.date(resolved);
  return { credited: true };
}

/**
 * Net terms: the segment's usual mix, and a buyer whose payables cycle is longer than that often
 * negotiates terms that cover it (large companies ask for net 45 or 60).
 */
function negotiatedTerms(r: Random, segment: Segment, apCycleDays: number): number {
  const offered = r.pick(TERMS[segment]);
  if (apCycleDays <= offered || !r.chance(TERMS_COVER_AP_CYCLE[segment])) return offered;
  return apCycleDays <= 45 ? 45 : 60;
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

function isOpenPastDue(invoice: Invoice, asOf: CalendarDate): boolean {
  return invoice.voidedOn === null && invoice.paidOn === null && invoice.dueOn < asOf;
}

function openContract(
  ctx: Context,
  book: Book,
  profile: Profile,
  interval: SubscriptionInterval,
  started: number,
): Subscription {
  const { segment } = profile;
  const tier =
    segment === 'enterprise' ? 'enterprise' : segment === 'mid_market' ? 'business_plus' : 'professional';
  const subscription: Subscription = {
    subscriptionId: ctx.nextId('sub_'),
    customerId: profile.customerId,
    plan: `${tier}_${interval === 'year' ? 'annual' : 'quarterly'}`,
    currency: profile.currency.code,
    amountMinor: 0,
    interval,
    startedOn: ctx.date(started),
    renewsOn: null,
    status: 'active',
    canceledOn: null,
  };
  book.subscriptions.push(subscription);
  return subscription;
}

/** Annual contract value in US dollars by segment. */
function annualContractUsd(r: Random, segment: Segment): number {
  if (segment === 'smb') return r.int(4, 15) * 1000;
  if (segment === 'mid_market') return r.int(15, 80) * 1000;
  // Log-uniform: many contracts near the low end, a few very large ones.
  return Math.round(Math.exp(Math.log(60) + r.next() * (Math.log(300) - Math.log(60)))) * 1000;
}

function buyerOf(r: Random, profile: Profile, firm: Firmographics): Buyer {
  const earlyStage = firm.fundingStage === 'seed' || firm.fundingStage === 'series_a';
  return {
    payer: r.pick(earlyStage ? EARLY_STAGE_PAYERS : PAYERS[profile.segment]),
    method: profile.country === 'US' ? 'ach' : 'bank_transfer',
    apCycleDays: firm.apCycleDays,
    defaultFactor: DEFAULT_FACTOR[profile.segment],
  };
}

function billSalesLed(
  ctx: Context,
  r: Random,
  profile: Profile,
  book: Book,
  paymentTermsDays: number,
  firm: Firmographics,
): void {
  const { currency, segment } = profile;
  const started = profile.createdDay + r.int(0, 45);
  if (started > ctx.asOf) return;
  const interval: SubscriptionInterval = r.chance(segment === 'enterprise' ? 0.6 : 0.55) ? 'year' : 'quarter';
  const periodsPerYear = interval === 'year' ? 1 : 4;
  const monthsPerPeriod = 12 / periodsPerYear;
  let annualMajor = roundTo(annualContractUsd(r, segment) * currency.usdRate, currency.contractRounding);
  const buyer = buyerOf(r, profile, firm);
  const subscription = openContract(ctx, book, profile, interval, started);
  const asOfDate = ctx.date(ctx.asOf);

  if (segment !== 'smb' && r.chance(0.35)) {
    const fee =
      roundTo((annualMajor * r.int(10, 25)) / 100, currency.contractRounding) * currency.minorPerMajor;
    const invoice = addInvoice(ctx, book, currency, fee, started, started + paymentTermsDays, null);
    const paid = settleTransfer(ctx, r, book, invoice, buyer, null);
    if (!paid) writeOffUnpaid(ctx, r, invoice, started + paymentTermsDays);
  }

  const anchor = ctx.date(started);
  const hazard = segment === 'enterprise' ? 0.08 : segment === 'mid_market' ? 0.12 : 0.18;
  const contractYears = planChurn(r, hazard, ctx.years + 1, [1, 2], 0.7);
  const churn: ChurnPlan =
    interval === 'year'
      ? contractYears
      : {
          periods: contractYears.periods * periodsPerYear,
          rampLength: contractYears.rampLength === 0 ? 0 : r.int(3, 4),
        };
  for (let period = 0; ; period += 1) {
    const issued = toDayNumber(addMonths(anchor, period * monthsPerPeriod));
    if (issued > ctx.asOf) {
      subscription.renewsOn = ctx.date(issued);
      break;
    }
    if (period === churn.periods) {
      cancelSubscription(ctx, subscription, issued);
      break;
    }
    if (period > 0 && period % periodsPerYear === 0) {
      annualMajor = roundTo(
        (annualMajor * (100 + r.pick(PRICE_UPLIFT_PERCENT))) / 100,
        currency.contractRounding,
      );
    }
    const amountMinor = Math.round((annualMajor * currency.minorPerMajor) / periodsPerYear);
    subscription.amountMinor = amountMinor;

    let billed = issued;
    if (r.chance(0.02)) {
      const voided = issued + r.int(1, 7);
      if (voided <= ctx.asOf) {
        const wrongAmount = Math.round((amountMinor * (100 + r.int(5, 20))) / 100);
        const wrong = addInvoice(
          ctx,
          book,
          currency,
          wrongAmount,
          issued,
          issued + paymentTermsDays,
          subscription.subscriptionId,
        );
        wrong.voidedOn = ctx.date(voided);
        billed = voided;
      }
    }
    const due = billed + paymentTermsDays;
    const invoice = addInvoice(ctx, book, currency, amountMinor, billed, due, subscription.subscriptionId);
    const contest = maybeContestInvoice(ctx, r, book, invoice, due);
    if (contest !== null && 'credited' in contest) continue;
    const willBePaid = settleTransfer(
      ctx,
      r,
      book,
      invoice,
      buyer,
      rampAt(churn, period),
      contest?.payableFrom,
    );
    if (!willBePaid) {
      // Collections gave up: the contract is terminated, the balance marked uncollectible and mostly
      // written off.
      writeOffUnpaid(ctx, r, invoice, due);
      const nextIssue = toDayNumber(addMonths(anchor, (period + 1) * monthsPerPeriod));
      const terminated = Math.max(due + 1, Math.min(due + r.int(45, 120), nextIssue));
      if (terminated <= ctx.asOf) {
        cancelSubscription(ctx, subscription, terminated);
      } else {
        subscription.renewsOn = ctx.date(nextIssue);
      }
      break;
    }
  }
  if (
    subscription.status !== 'canceled' &&
    book.invoices.some((invoice) => invoice.subscriptionId !== null && isOpenPastDue(invoice, asOfDate))
  ) {
    subscription.status = 'past_due';
  }
}

function generateCustomer(ctx: Context, index: number): Book {
  const r = createRandom(ctx.seed, index + 1);
  const currency = r.pick(CURRENCIES);
  const country = r.pick(currency.countries);
  const selfServe = r.chance(0.7);
  const segment = r.pick(selfServe ? SEGMENTS_SELF_SERVE : SEGMENTS_SALES_LED);
  const createdDay = r.int(ctx.historyStart, ctx.asOf - 1);
  const firm = firmographics(ctx.seed, index, segment, selfServe);
  const paymentTermsDays = selfServe ? 0 : negotiatedTerms(r, segment, firm.apCycleDays);
  const owners = OWNERS[segment];
  const owner = selfServe && segment === 'smb' && r.chance(0.7) ? null : r.choose(owners);
  const customerId = ctx.nextId('cus_');
  const book: Book = {
    customer: {
      customerId,
      name: companyName(r, country),
      segment,
      owner,
      paymentTerms: selfServe ? 'due_on_receipt' : `net_${paymentTermsDays}`,
      country,
      // HubSpot-like numeric ids, unique because each customer owns a block of ten.
      crmCompanyId: r.chance(0.88) ? String(18_400_000_000 + index * 10 + r.int(0, 9)) : null,
      createdOn: ctx.date(createdDay),
      employees: firm.employees,
      fundingStage: firm.fundingStage,
    },
    subscriptions: [],
    invoices: [],
    payments: [],
    disputes: [],
  };
  const profile: Profile = { customerId, currency, country, segment, createdDay };
  if (selfServe) billSelfServe(ctx, r, profile, book);
  else billSalesLed(ctx, r, profile, book, paymentTermsDays, firm);
  return book;
}

/**
 * A deterministic, realistic SaaS book up to `asOf`: self-serve card customers on monthly plans
 * (failed charges with decline codes, retries, card updates, involuntary churn, disputes) and
 * sales-led invoiced customers on annual or quarterly contracts (net terms, late and partial
 * payments, write-offs), some of whom pay later and later before they leave.
 *
 * Customers are generated one at a time, each from its own random stream, so memory does not grow
 * with `customers`. Within each file, rows come in id order; a customer's rows of all files come
 * together (customer, subscriptions, invoices, payments, disputes).
 */
export function* generateDemoDataset(options: DemoDatasetOptions): Generator<DatasetRow, void, undefined> {
  const ctx = createContext(validate(options));
  for (let index = 0; index < ctx.customers; index += 1) {
    const book = generateCustomer(ctx, index);
    yield { file: 'customers.csv', row: book.customer };
    for (const row of book.subscriptions) yield { file: 'subscriptions.csv', row };
    for (const row of book.invoices) yield { file: 'invoices.csv', row };
    for (const row of book.payments) yield { file: 'payments.csv', row };
    for (const row of book.disputes) yield { file: 'disputes.csv', row };
  }
}
