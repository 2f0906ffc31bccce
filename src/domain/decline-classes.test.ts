import {
  churnSignalOf,
  classifyDecline,
  DECLINE_CLASSES,
  declineCodesOf,
  governingDeclineCode,
} from './decline-classes';

describe('classifyDecline', () => {
  it.each([
    ['insufficient_funds', 'soft_funds', 'scheduled'],
    ['card_velocity_exceeded', 'soft_funds', 'scheduled'],
    ['processing_error', 'soft_technical', 'quick'],
    ['approve_with_id', 'soft_technical', 'quick'],
    ['generic_decline', 'ambiguous', 'limited'],
    ['do_not_honor', 'ambiguous', 'limited'],
    ['authentication_required', 'action_required', 'never'],
    ['expired_card', 'hard_new_data', 'never'],
    ['incorrect_zip', 'hard_new_data', 'never'],
    ['stolen_card', 'hard_risk', 'never'],
    ['highest_risk_level', 'hard_risk', 'never'],
    ['revocation_of_authorization', 'hard_revoked', 'never'],
    ['stop_payment_order', 'hard_revoked', 'never'],
    ['do_not_try_again', 'hard_other', 'never'],
    ['new_account_information_available', 'hard_other', 'never'],
    ['something_new', 'unknown', 'limited'],
  ])('%s → %s (%s)', (code, declineClass, retry) => {
    const advice = classifyDecline(code);
    expect(advice.class).toBe(declineClass);
    expect(advice.retry).toBe(retry);
    expect(advice.action.length).toBeGreaterThan(20);
  });

  it('is case- and space-insensitive and handles a missing code', () => {
    expect(classifyDecline(' Expired_Card ').class).toBe('hard_new_data');
    expect(classifyDecline(null).class).toBe('unknown');
  });

  it('never lets the customer see a risk reason, and marks only revocations as churn', () => {
    expect(classifyDecline('fraudulent').customerVisibleReason).toBe(false);
    for (const declineClass of DECLINE_CLASSES) {
      for (const code of declineCodesOf(declineClass)) {
        expect(classifyDecline(code).churnSignal).toBe(declineClass === 'hard_revoked');
      }
    }
    expect(churnSignalOf('revocation_of_all_authorizations')).toBe('payment_authorization_revoked');
    expect(churnSignalOf('stop_payment_order')).toBe('stop_payment_order');
    expect(churnSignalOf('insufficient_funds')).toBeNull();
  });

  it('assigns every listed code to exactly one class', () => {
    const all = DECLINE_CLASSES.flatMap((declineClass) => declineCodesOf(declineClass));
    expect(new Set(all).size).toBe(all.length);
  });

  // Stripe's published list ("Stripe decline codes", card decline codes), typed from the page.
  const STRIPE_DECLINE_CODES = [
    'authentication_required',
    'approve_with_id',
    'call_issuer',
    'card_not_supported',
    'card_velocity_exceeded',
    'currency_not_supported',
    'do_not_honor',
    'do_not_try_again',
    'duplicate_transaction',
    'expired_card',
    'fraudulent',
    'generic_decline',
    'incorrect_number',
    'incorrect_cvc',
    'incorrect_pin',
    'incorrect_zip',
    'insufficient_funds',
    'invalid_account',
    'invalid_amount',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'invalid_number',
    'invalid_pin',
    'issuer_not_available',
    'lost_card',
    'merchant_blacklist',
    'new_account_information_available',
    'no_action_taken',
    'not_permitted',
    'offline_pin_required',
    'online_or_offline_pin_required',
    'pickup_card',
    'pin_try_exceeded',
    'processing_error',
    'reenter_transaction',
    'restricted_card',
    'revocation_of_all_authorizations',
    'revocation_of_authorization',
    'security_violation',
    'service_not_allowed',
    'stolen_card',
    'stop_payment_order',
    'testmode_decline',
    'transaction_not_allowed',
    'try_again_later',
    'withdrawal_count_limit_exceeded',
  ];

  it("classifies every code on Stripe's published decline-code list", () => {
    expect(STRIPE_DECLINE_CODES).toHaveLength(47);
    expect(STRIPE_DECLINE_CODES.filter((code) => classifyDecline(code).class === 'unknown')).toEqual([]);
  });

  it.each([
    ['duplicate_transaction', 'hard_other'],
    ['invalid_amount', 'hard_other'],
    ['no_action_taken', 'ambiguous'],
    ['incorrect_pin', 'hard_new_data'],
    ['offline_pin_required', 'action_required'],
    ['pin_try_exceeded', 'hard_other'],
  ])('%s, missing from the table before, is %s', (code, declineClass) => {
    expect(classifyDecline(code).class).toBe(declineClass);
  });

  it('never retries a duplicate transaction and says to look for the payment that went through', () => {
    const advice = classifyDecline('duplicate_transaction');
    expect(advice.retry).toBe('never');
    expect(advice.action).toMatch(/already paid/);
  });

  it.each(['rule', 'highest_risk_level', 'elevated_risk_level', 'low_probability_of_authorization'])(
    'a Radar block for %s is a fraud/risk block whose reason the customer never sees',
    (reason) => {
      const advice = classifyDecline(reason);
      expect(advice.class).toBe('hard_risk');
      expect(advice.retry).toBe('never');
      expect(advice.customerVisibleReason).toBe(false);
    },
  );

  it('a bank debit whose mandate was not authorised is a revoked authorisation and a churn signal', () => {
    expect(classifyDecline('debit_not_authorized').class).toBe('hard_revoked');
    expect(churnSignalOf('debit_not_authorized')).toBe('payment_authorization_revoked');
  });
});

describe('governingDeclineCode: the advice code outranks the decline code', () => {
  it.each([
    // advice contradicts the decline code's class: the advice governs
    ['insufficient_funds', 'do_not_try_again', 'do_not_try_again', 'never'],
    ['generic_decline', 'do_not_try_again', 'do_not_try_again', 'never'],
    ['generic_decline', 'confirm_card_data', 'confirm_card_data', 'never'],
    ['expired_card', 'try_again_later', 'try_again_later', 'quick'],
    [null, 'do_not_try_again', 'do_not_try_again', 'never'],
    // advice agrees: the more specific decline code stays
    ['insufficient_funds', 'try_again_later', 'insufficient_funds', 'scheduled'],
    ['expired_card', 'confirm_card_data', 'expired_card', 'never'],
    ['stolen_card', 'do_not_try_again', 'stolen_card', 'never'],
    ['revocation_of_authorization', 'do_not_try_again', 'revocation_of_authorization', 'never'],
    // no advice, or one Stripe does not document
    ['do_not_honor', null, 'do_not_honor', 'limited'],
    ['do_not_honor', 'something_new', 'do_not_honor', 'limited'],
  ])('%s with advice %s → %s (retry %s)', (declineCode, adviceCode, governing, retry) => {
    const code = governingDeclineCode(declineCode, adviceCode);
    expect(code).toBe(governing);
    expect(classifyDecline(code).retry).toBe(retry);
  });

  it('keeps a revocation a churn signal whatever the advice', () => {
    expect(churnSignalOf(governingDeclineCode('stop_payment_order', 'do_not_try_again'))).toBe(
      'stop_payment_order',
    );
  });
});
