import { daysInMonth, type CalendarDate } from './dates';
import type { CardOnFile } from './model';

/**
 * The last day a card is valid: cards expire at the end of their expiry month (11/26 → 2026-11-30).
 * Undefined for a month or year that is no expiry.
 */
export function cardValidThrough(expMonth: number, expYear: number): CalendarDate | undefined {
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12) return undefined;
  if (!Number.isInteger(expYear) || expYear < 1900 || expYear > 2999) return undefined;
  const day = daysInMonth(expYear, expMonth);
  return `${expYear}-${String(expMonth).padStart(2, '0')}-${String(day).padStart(2, '0')}` as CalendarDate;
}

/** A card from its parts; undefined when the expiry is not one. */
export function cardOnFile(input: Omit<CardOnFile, 'expiresOn'>): CardOnFile | undefined {
  const expiresOn = cardValidThrough(input.expMonth, input.expYear);
  return expiresOn === undefined ? undefined : { ...input, expiresOn };
}

/** The expiry as printed on the card: 11/26. */
export function cardExpiryLabel(card: Pick<CardOnFile, 'expMonth' | 'expYear'>): string {
  return `${String(card.expMonth).padStart(2, '0')}/${String(card.expYear % 100).padStart(2, '0')}`;
}

/** The next charge the card on file would have to pay. */
export type NextCharge = { on: CalendarDate; what: 'renewal' | 'invoice' };

export type CardExpiresBeforeNext = {
  expiresOn: CalendarDate;
  nextChargeOn: CalendarDate;
  what: NextCharge['what'];
};

/**
 * Whether the card will have expired by the next charge: its last valid day is before the earliest of
 * the charges given. Null when there is no card, no charge ahead, or the card outlives the charge.
 */
export function cardExpiresBeforeNext(
  card: CardOnFile | null | undefined,
  charges: readonly NextCharge[],
): CardExpiresBeforeNext | null {
  if (card === null || card === undefined) return null;
  let next: NextCharge | undefined;
  for (const charge of charges) {
    if (next === undefined || charge.on < next.on || (charge.on === next.on && charge.what === 'renewal'))
      next = charge;
  }
  if (next === undefined || card.expiresOn >= next.on) return null;
  return { expiresOn: card.expiresOn, nextChargeOn: next.on, what: next.what };
}

/** What a card shows: "Card on file expires 11/26, renewal 2026-12-15". */
export function cardExpiryNotice(
  card: Pick<CardOnFile, 'expMonth' | 'expYear'>,
  next: CardExpiresBeforeNext,
): string {
  const charge = next.what === 'renewal' ? 'renewal' : 'invoice due';
  return `Card on file expires ${cardExpiryLabel(card)}, ${charge} ${next.nextChargeOn}`;
}
