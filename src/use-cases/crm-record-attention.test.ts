import { countsAsRefusal, needsAttention } from './crm-record-attention';

describe('which refused CRM records are left for a person', () => {
  it('an unknown refusal is sent again twice, and left on the third', () => {
    expect([1, 2, 3, 4].map((attempts) => needsAttention({ code: 'unknown', attempts }))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it.each(['invalid', 'not_found', 'missing_permission', 'unauthorized'] as const)(
    'a permanent refusal (%s) at once',
    (code) => {
      expect(needsAttention({ code, attempts: 1 })).toBe(true);
      expect(countsAsRefusal(code)).toBe(true);
    },
  );

  it.each(['temporary', 'rate_limited', 'daily_limit'] as const)(
    'a passing one (%s) never: the next sync sends it again',
    (code) => {
      expect(needsAttention({ code, attempts: 50 })).toBe(false);
      expect(countsAsRefusal(code)).toBe(false);
    },
  );
});
