import {
  limitFailure,
  missingScopesFailure,
  reconnectFailure,
  WAITS_FOR_A_PERSON,
  waitsForAPerson,
  type CrmSyncFailure,
} from './crm-sync-pause';

const NOW = Date.parse('2026-09-01T12:00:00Z');

describe('CRM sync failures: typed, counted, bounded', () => {
  it('counts repeats of the same code and starts again at 1 for another', () => {
    const first = limitFailure('daily_limit', 'limit reached', '2026-09-02T00:00:00Z', null);
    const second = limitFailure('daily_limit', 'limit reached', '2026-09-03T00:00:00Z', first);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(limitFailure('rate_limited', '429s', '2026-09-03T00:05:00Z', second).count).toBe(1);
    expect(reconnectFailure('INVALID_SESSION_ID', second)).toMatchObject({ kind: 'reconnect', count: 1 });
  });

  it('tries missing scopes again hourly, then after 24 refusals in a row waits for a reinstall', () => {
    let failure: CrmSyncFailure | null = null;
    const untils: string[] = [];
    for (let attempt = 0; attempt < 25; attempt += 1) {
      failure = missingScopesFailure(
        ['tickets', 'crm.objects.deals.write', 'tickets'],
        'missing',
        NOW,
        failure,
      );
      untils.push(failure.until);
    }
    expect(failure?.scopes).toEqual(['crm.objects.deals.write', 'tickets']);
    // 23 hourly retries (an hour after NOW), then the 24th and later refusals wait for a person.
    expect(untils.slice(0, 23).every((until) => until === '2026-09-01T13:00:00Z')).toBe(true);
    expect(untils.slice(23)).toEqual([WAITS_FOR_A_PERSON, WAITS_FOR_A_PERSON]);
    expect(failure !== null && waitsForAPerson(failure)).toBe(true);
    expect(failure?.count).toBe(25);
  });
});
