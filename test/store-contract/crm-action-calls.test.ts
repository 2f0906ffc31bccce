import type { CrmActionCalls } from '../../src/ports/crm-action-calls';
import { newTenant, storeEngines, storeFor } from '../support/store-engines';

describe.each(storeEngines)('CrmActionCalls contract on $name', (engine) => {
  const opened = storeFor(engine);
  let store: CrmActionCalls;

  beforeAll(() => {
    store = opened();
  });

  const at = new Date('2026-09-01T09:00:00Z');
  const minutesLater = (minutes: number) => new Date(at.getTime() + minutes * 60_000);
  const claim = (tenant: ReturnType<typeof newTenant>, callId: string, when: Date, staleBefore: Date) =>
    store.claimCrmActionCall(tenant, { source: 'hubspot', callId, action: 'pause', at: when, staleBefore });

  it('lets one request claim a call, gives its answer to every retry, per tenant', async () => {
    const tenant = newTenant();
    expect(await claim(tenant, 'cb-1', at, minutesLater(-2))).toEqual({ state: 'claimed' });
    expect(await claim(tenant, 'cb-1', minutesLater(1), minutesLater(-1))).toEqual({ state: 'running' });
    const answer = { status: 200, body: { outputFields: { paused_until: '2026-09-15' } } };
    await store.answerCrmActionCall(tenant, { source: 'hubspot', callId: 'cb-1', answer, at });
    // Answered calls are never taken over, however old.
    expect(await claim(tenant, 'cb-1', minutesLater(60), minutesLater(58))).toEqual({
      state: 'answered',
      answer,
    });
    await store.releaseCrmActionCall(tenant, { source: 'hubspot', callId: 'cb-1' });
    expect(await claim(tenant, 'cb-1', minutesLater(61), minutesLater(59))).toEqual({
      state: 'answered',
      answer,
    });
    // The same callback id in another tenant or from another source is another call.
    expect(await claim(newTenant(), 'cb-1', at, minutesLater(-2))).toEqual({ state: 'claimed' });
    expect(
      await store.claimCrmActionCall(tenant, {
        source: 'salesforce',
        callId: 'cb-1',
        action: 'pause',
        at,
        staleBefore: minutesLater(-2),
      }),
    ).toEqual({ state: 'claimed' });
  });

  it('frees a released claim and takes over a stale one', async () => {
    const tenant = newTenant();
    expect(await claim(tenant, 'cb-2', at, minutesLater(-2))).toEqual({ state: 'claimed' });
    await store.releaseCrmActionCall(tenant, { source: 'hubspot', callId: 'cb-2' });
    expect(await claim(tenant, 'cb-2', minutesLater(1), minutesLater(-1))).toEqual({ state: 'claimed' });
    // Claimed at minute 1: still running at minute 2, taken over once minute 1 is before staleBefore.
    expect(await claim(tenant, 'cb-2', minutesLater(2), minutesLater(0))).toEqual({ state: 'running' });
    expect(await claim(tenant, 'cb-2', minutesLater(5), minutesLater(3))).toEqual({ state: 'claimed' });
  });
});
