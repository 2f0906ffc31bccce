import { computeAccountStatus } from '../domain/account-status';
import type { AccountRisk } from '../domain/risk/risk-model';
import { day, facts, invoice, payment } from '../domain/test-facts';
import { companyFields } from './crm-sync';

describe('companyFields', () => {
  const status = computeAccountStatus(
    facts({
      invoices: [invoice({ amountMinor: 123_456, dueOn: day('2026-01-31') })],
      payments: [
        payment({
          status: 'failed',
          declineCode: '=cmd|calc',
          amountMinor: 123_456,
          attemptedOn: day('2026-02-01'),
        }),
      ],
    }),
    day('2026-03-01'),
  );
  const risk: AccountRisk = {
    score: 71,
    tier: 'high',
    probabilityLate: 0.8,
    probabilitySeriouslyLate: 0.71,
    reasons: [{ code: 'segment_late_rate', text: '-segment pays late', weight: 1 }],
    mitigating: [],
  };

  it('puts an apostrophe before text a spreadsheet would run as a formula', () => {
    const fields = companyFields('=HYPERLINK("http://evil.example")', status, risk);
    expect(fields['collections_billing_customer_id']).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(fields['collections_risk_reasons']).toBe("'-segment pays late");
    // Text that starts otherwise is left alone, whatever it holds further on.
    expect(fields['collections_last_payment_failure']).toMatch(/^2026-02-01: =cmd\|calc /);
  });

  it('writes numbers, dates and flags as they are', () => {
    const fields = companyFields('C-1', status, risk);
    expect(fields).toMatchObject({
      collections_billing_customer_id: 'C-1',
      collections_overdue_amount: '1234.56',
      collections_outstanding_amount: '1234.56',
      collections_oldest_days_past_due: '29',
      collections_risk_score: '71',
      collections_automation_paused: 'false',
    });
  });
});
