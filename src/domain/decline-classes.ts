/**
 * The project's decline table (Stripe does not label its codes): what a failed payment (card or bank
 * debit) means and what to do about it. A revoked authorisation is a churn signal, not a collections
 * problem.
 */
export type DeclineClass =
  | 'soft_funds'
  | 'soft_technical'
  | 'ambiguous'
  | 'action_required'
  | 'hard_new_data'
  | 'hard_risk'
  | 'hard_revoked'
  | 'hard_other'
  | 'unknown';

export type RetryPolicy = 'scheduled' | 'quick' | 'limited' | 'never';

export type DeclineAdvice = {
  class: DeclineClass;
  action: string;
  retry: RetryPolicy;
  /** Whether the decline reason may be shown to the customer (never for fraud/risk codes). */
  customerVisibleReason: boolean;
  churnSignal: boolean;
};

const ADVICE: Readonly<Record<DeclineClass, Omit<DeclineAdvice, 'class'>>> = {
  soft_funds: {
    action:
      'Retry on a schedule near a typical payday; nudge the customer to update the card after the 2nd failure.',
    retry: 'scheduled',
    customerVisibleReason: true,
    churnSignal: false,
  },
  soft_technical: {
    action: 'Retry within hours; no customer email at first.',
    retry: 'quick',
    customerVisibleReason: false,
    churnSignal: false,
  },
  ambiguous: {
    action: 'Retry a few times, then ask the customer to contact their bank or use another card.',
    retry: 'limited',
    customerVisibleReason: true,
    churnSignal: false,
  },
  action_required: {
    action: 'Send the customer an authentication link; never retry blindly.',
    retry: 'never',
    customerVisibleReason: true,
    churnSignal: false,
  },
  hard_new_data: {
    action: 'Stop retrying; send a card-update link (the card details are wrong or expired).',
    retry: 'never',
    customerVisibleReason: true,
    churnSignal: false,
  },
  hard_risk: {
    action: 'Stop; ask for a new payment method and flag for review. Never tell the customer the reason.',
    retry: 'never',
    customerVisibleReason: false,
    churnSignal: false,
  },
  hard_revoked: {
    action:
      'Stop; escalate to the account owner as a churn risk (the customer revoked the payment authorisation).',
    retry: 'never',
    customerVisibleReason: true,
    churnSignal: true,
  },
  hard_other: {
    action: 'Stop retrying; send a payment-method update link.',
    retry: 'never',
    customerVisibleReason: true,
    churnSignal: false,
  },
  unknown: {
    action: 'Review the failure; retry at most a few times before asking for another payment method.',
    retry: 'limited',
    customerVisibleReason: false,
    churnSignal: false,
  },
};

/**
 * Every code on Stripe's published decline-code list ("Stripe decline codes"), plus Radar's block reasons
 * (`outcome.reason` of a blocked charge), the advice codes (`outcome.advice_code`), and bank-debit codes
 * (Stripe's "Network decline codes" for ACH returns; SEPA's `debit_not_authorized`).
 */
const CODES: Readonly<Record<Exclude<DeclineClass, 'unknown'>, readonly string[]>> = {
  soft_funds: ['insufficient_funds', 'withdrawal_count_limit_exceeded', 'card_velocity_exceeded'],
  soft_technical: [
    'try_again_later',
    'issuer_not_available',
    'processing_error',
    'reenter_transaction',
    'approve_with_id',
  ],
  ambiguous: ['generic_decline', 'do_not_honor', 'call_issuer', 'no_action_taken'],
  action_required: ['authentication_required', 'offline_pin_required', 'online_or_offline_pin_required'],
  hard_new_data: [
    'expired_card',
    'incorrect_cvc',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'incorrect_number',
    'invalid_number',
    'incorrect_zip',
    'incorrect_pin',
    'invalid_pin',
    'confirm_card_data',
    'bank_account_closed',
    'bank_account_invalid_details',
  ],
  hard_risk: [
    'lost_card',
    'stolen_card',
    'pickup_card',
    'fraudulent',
    'merchant_blacklist',
    'highest_risk_level',
    'elevated_risk_level',
    'low_probability_of_authorization',
    'rule',
  ],
  hard_revoked: [
    'revocation_of_authorization',
    'revocation_of_all_authorizations',
    'stop_payment_order',
    'debit_not_authorized',
  ],
  hard_other: [
    'card_not_supported',
    'currency_not_supported',
    'transaction_not_allowed',
    'restricted_card',
    'security_violation',
    'service_not_allowed',
    'not_permitted',
    'invalid_account',
    'new_account_information_available',
    'do_not_try_again',
    'duplicate_transaction',
    'invalid_amount',
    'pin_try_exceeded',
    'testmode_decline',
  ],
};

/** Codes whose next step differs from their class's. */
const CODE_ACTIONS: Readonly<Record<string, string>> = {
  duplicate_transaction:
    'Never retry: a payment with the same amount and card was just made. Check whether this invoice is already paid.',
  testmode_decline: 'A test card was used in live mode: ask for a real payment method.',
};

const CLASS_BY_CODE: ReadonlyMap<string, DeclineClass> = new Map(
  Object.entries(CODES).flatMap(([declineClass, codes]) =>
    codes.map((code) => [code, declineClass as DeclineClass]),
  ),
);

export const DECLINE_CLASSES: readonly DeclineClass[] = [...Object.keys(CODES), 'unknown'] as DeclineClass[];

export function declineCodesOf(declineClass: DeclineClass): readonly string[] {
  return declineClass === 'unknown' ? [] : CODES[declineClass];
}

export function classifyDecline(code: string | null): DeclineAdvice {
  const normalized = code === null ? null : code.trim().toLowerCase();
  const declineClass = (normalized === null ? undefined : CLASS_BY_CODE.get(normalized)) ?? 'unknown';
  const action = (normalized === null ? undefined : CODE_ACTIONS[normalized]) ?? ADVICE[declineClass].action;
  return { class: declineClass, ...ADVICE[declineClass], action };
}

/** Stripe's advice codes (`outcome.advice_code`, `last_payment_error.advice_code`). */
export const ADVICE_CODES = ['do_not_try_again', 'try_again_later', 'confirm_card_data'] as const;
export type AdviceCode = (typeof ADVICE_CODES)[number];

function adviceAgrees(advice: AdviceCode, declineClass: DeclineClass): boolean {
  if (advice === 'do_not_try_again') return ADVICE[declineClass].retry === 'never';
  if (advice === 'try_again_later') return declineClass === 'soft_funds' || declineClass === 'soft_technical';
  return declineClass === 'hard_new_data';
}

/**
 * The code a failure is classified by: the issuer's advice outranks the decline code (the card networks
 * charge for retries after "do not try again"), so when the advice contradicts the decline code's class
 * the advice code itself is kept; otherwise the more specific decline code is.
 */
export function governingDeclineCode(declineCode: string | null, adviceCode: string | null): string | null {
  const advice = ADVICE_CODES.find((known) => known === adviceCode?.trim().toLowerCase());
  if (advice === undefined) return declineCode;
  return adviceAgrees(advice, classifyDecline(declineCode).class) ? declineCode : advice;
}

/** The churn signal a revoking code raises, by name. */
export function churnSignalOf(
  code: string | null,
): 'payment_authorization_revoked' | 'stop_payment_order' | null {
  const normalized = code?.trim().toLowerCase() ?? null;
  if (normalized === 'stop_payment_order') return 'stop_payment_order';
  if (
    normalized === 'revocation_of_authorization' ||
    normalized === 'revocation_of_all_authorizations' ||
    normalized === 'debit_not_authorized'
  ) {
    return 'payment_authorization_revoked';
  }
  return null;
}
