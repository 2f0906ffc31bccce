import { toDayNumber } from '../dates';
import { buildLedgers } from '../invoice-ledger';
import { day, invoice, payment } from '../test-facts';
import { ownLateness, ownRecordOf, shrunkMean } from './own-record';

describe("the buyer's own payment record", () => {
  const asOf = toDayNumber(day('2026-06-01'));
  const ledgers = buildLedgers(
    [
      // Net 30 from Jan 1 (due Jan 31), paid by card on Feb 5: 5 days late.
      invoice({ invoiceId: 'CARD', issuedOn: day('2026-01-01'), dueOn: day('2026-01-31') }),
      // Net 45 from Feb 1 (due Mar 18), paid by transfer on Mar 13: 40 days after issue, on time.
      invoice({ invoiceId: 'WIRE', issuedOn: day('2026-02-01'), dueOn: day('2026-03-18') }),
      // Due Apr 30, unpaid: 31 days overdue as known on May 31, the day before asOf.
      invoice({ invoiceId: 'OPEN', issuedOn: day('2026-04-01'), dueOn: day('2026-04-30') }),
      // Not yet due, and voided: no known outcome.
      invoice({ invoiceId: 'NEW', issuedOn: day('2026-05-20'), dueOn: day('2026-06-19') }),
      invoice({
        invoiceId: 'VOID',
        issuedOn: day('2026-03-01'),
        dueOn: day('2026-03-31'),
        voidedOn: day('2026-03-05'),
      }),
    ],
    [
      payment({ paymentId: 'P-1', invoiceId: 'CARD', attemptedOn: day('2026-02-05'), method: 'card' }),
      payment({
        paymentId: 'P-2',
        invoiceId: 'WIRE',
        attemptedOn: day('2026-03-13'),
        method: 'bank_transfer',
      }),
    ],
  );

  it('counts each invoice with a known outcome once, oldest first', () => {
    expect(ownRecordOf(ledgers, asOf)).toEqual([
      { daysLate: 5, transferPayDays: null },
      { daysLate: 0, transferPayDays: 40 },
      { daysLate: 31, transferPayDays: null },
    ]);
  });

  it('replays transfer payments under the net days of an option; card options only see the rest', () => {
    const record = ownRecordOf(ledgers, asOf);
    expect(ownLateness(record, { netDays: 30, autopay: false })).toEqual([5, 10, 31]);
    expect(ownLateness(record, { netDays: 60, autopay: false })).toEqual([5, 0, 31]);
    expect(ownLateness(record, { netDays: 0, autopay: true })).toEqual([5, 31]);
  });

  it('shrinks toward the prior by 5 invoices', () => {
    // (1 + 1 + 5 × 0.5) / (3 + 5) = 4.5 / 8
    expect(shrunkMean([5, 10, 0], (days) => (days > 0 ? 1 : 0), 0.5)).toBe(0.5625);
    expect(shrunkMean([], (days) => days, 12)).toBe(12);
  });

  it('takes a fully refunded invoice as unpaid: overdue since its due date, not paid on time', () => {
    const refunded = buildLedgers(
      // Due Mar 31, paid on time by transfer on Mar 20, refunded in full on Apr 10.
      [invoice({ invoiceId: 'REFUNDED', issuedOn: day('2026-03-01'), dueOn: day('2026-03-31') })],
      [
        payment({
          paymentId: 'P-3',
          invoiceId: 'REFUNDED',
          attemptedOn: day('2026-03-20'),
          method: 'bank_transfer',
        }),
        payment({
          paymentId: 'P-4',
          invoiceId: 'REFUNDED',
          attemptedOn: day('2026-04-10'),
          method: 'bank_transfer',
          status: 'refunded',
        }),
      ],
    );
    // Known on May 31 (the day before asOf): 61 days past its Mar 31 due date, and no transfer payment.
    expect(ownRecordOf(refunded, asOf)).toEqual([{ daysLate: 61, transferPayDays: null }]);
    // Before the refund it was a transfer paid 19 days after issue, on time.
    expect(ownRecordOf(refunded, toDayNumber(day('2026-04-05')))).toEqual([
      { daysLate: 0, transferPayDays: 19 },
    ]);
  });
});
