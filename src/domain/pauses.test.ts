import { pauseOn, type PauseSpan } from './pauses';
import { day } from './test-facts';

const span = (
  startedOn: string,
  until: string,
  endedOn: string | null,
  reason = 'renewal call',
): PauseSpan => ({
  reason,
  startedOn: day(startedOn),
  until: day(until),
  endedOn: endedOn === null ? null : day(endedOn),
});

describe('pauseOn', () => {
  it('counts a pause from its first day to its last, not before it started', () => {
    const spans = [span('2026-02-01', '2026-02-28', null)];
    expect(pauseOn(spans, day('2026-01-31'))).toBeNull();
    expect(pauseOn(spans, day('2026-02-01'))).toEqual({ reason: 'renewal call', until: '2026-02-28' });
    expect(pauseOn(spans, day('2026-02-28'))).not.toBeNull();
    expect(pauseOn(spans, day('2026-03-01'))).toBeNull();
  });

  it('ends a lifted pause on the day it was lifted, and lets a newer pause take over', () => {
    const spans = [
      span('2026-02-01', '2026-02-28', '2026-02-10', 'first'),
      span('2026-02-10', '2026-03-15', '2026-03-01', 'second'),
    ];
    expect(pauseOn(spans, day('2026-02-09'))?.reason).toBe('first');
    expect(pauseOn(spans, day('2026-02-10'))).toEqual({ reason: 'second', until: '2026-03-15' });
    expect(pauseOn(spans, day('2026-02-28'))?.reason).toBe('second');
    expect(pauseOn(spans, day('2026-03-01'))).toBeNull();
  });
});
