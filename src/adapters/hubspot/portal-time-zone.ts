/**
 * HubSpot's daily API limit resets at midnight in the portal's time zone (HubSpot's API usage
 * guidelines), and a DAILY 429 carries no Retry-After: the wait is computed from the time zone the
 * account details API (`GET /account-info/v3/details`, `timeZone`) names.
 */

/** Offset of `timeZone` from UTC at `atMs`, in ms (positive east of Greenwich). */
function offsetMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/** True when Intl knows the zone (HubSpot names IANA zones such as `US/Eastern`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The next midnight after `nowMs` on the wall clock of `timeZone`, as epoch ms. */
export function nextMidnightIn(nowMs: number, timeZone: string): number {
  const local = nowMs + offsetMs(nowMs, timeZone);
  const nextLocalMidnight = (Math.floor(local / 86_400_000) + 1) * 86_400_000;
  // The offset at midnight may differ from now's (a daylight-saving change during the day).
  const guess = nextLocalMidnight - offsetMs(nowMs, timeZone);
  return nextLocalMidnight - offsetMs(guess, timeZone);
}

/** Portal time zones, kept a day: they change rarely, and the limit must be known before it is hit. */
export type TimeZoneCache = Map<string, { timeZone: string; fetchedAt: number }>;

export const TIME_ZONE_TTL_MS = 24 * 60 * 60 * 1000;

export const sharedTimeZoneCache: TimeZoneCache = new Map();
