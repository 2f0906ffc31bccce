/**
 * The project's decline table (Stripe does not label its codes): what a failed card payment means and
 * what to do about it. A revoked authorisation is a churn signal, not a collections problem.
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

const CODES: Readonly<Record<Exclude<DeclineClass, 'unknown'>, readonly string[]>> = {
  soft_funds: ['insufficient_funds', 'withdrawal_count_limit_exceeded', 'card_velocity_exceeded'],
  soft_technical: [
    'try_again_later',
    'issuer_not_available',
    'processing_error',
    'reenter_transaction',
    'approve_with_id',
  ],
  ambiguous: ['generic_decline', 'do_not_honor', 'call_issuer'],
  action_required: ['authentication_required'],
  hard_new_data: [
    'expired_card',
    'incorrect_cvc',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'incorrect_number',
    'invalid_number',
    'incorrect_zip',
  ],
  hard_risk: [
    'lost_card',
    'stolen_card',
    'pickup_card',
    'fraudulent',
    'merchant_blacklist',
    'highest_risk_level',
  ],
  hard_revoked: ['revocation_of_authorization', 'revocation_of_all_authorizations', 'stop_payment_order'],
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
  ],
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
  const declineClass =
    (code === null ? undefined : CLASS_BY_CODE.get(code.trim().toLowerCase())) ?? 'unknown';
  return { class: declineClass, ...ADVICE[declineClass] };
}

/** The churn signal a revoking code raises, by name. */
export function churnSignalOf(
  code: string | null,
): 'payment_authorization_revoked' | 'stop_payment_order' | null {
  const normalized = code?.trim().toLowerCase() ?? null;
  if (normalized === 'stop_payment_order') return 'stop_payment_order';
  if (normalized === 'revocation_of_authorization' || normalized === 'revocation_of_all_authorizations') {
    return 'payment_authorization_revoked';
  }
  return null;
}
