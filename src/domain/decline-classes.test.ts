import { churnSignalOf, classifyDecline, DECLINE_CLASSES, declineCodesOf } from './decline-classes';

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
    expect(all.length).toBe(39);
  });
});
