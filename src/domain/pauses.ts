import type { AutomationPause } from './account-status';
import type { CalendarDate } from './dates';

/**
 * One pause as it was set: from the day it started to its last day (`until`), unless it was lifted
 * earlier (`endedOn`, the day of the resume or of the pause that replaced it: not paused that day).
 */
export type PauseSpan = {
  reason: string;
  startedOn: CalendarDate;
  until: CalendarDate;
  endedOn: CalendarDate | null;
};

/** The pause in force on `day`, as it was then; the latest started wins when several overlap. */
export function pauseOn(spans: readonly PauseSpan[], day: CalendarDate): AutomationPause | null {
  let found: PauseSpan | null = null;
  for (const span of spans) {
    if (span.startedOn > day || span.until < day) continue;
    if (span.endedOn !== null && span.endedOn <= day) continue;
    if (found === null || span.startedOn >= found.startedOn) found = span;
  }
  return found === null ? null : { reason: found.reason, until: found.until };
}
