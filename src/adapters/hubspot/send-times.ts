import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { RateGrant } from '../../ports/rate-limiter';

/**
 * When a request really leaves: the SDK sends through Node's `fetch` (undici), which publishes each
 * request it creates (`undici:request:create`, in the caller's async context) and the moment its
 * headers are written to the socket (`undici:client:sendHeaders`). A grant held while the SDK builds
 * a request is moved to that moment, so a busy event loop between the grant and the socket costs
 * nothing against the portal's window. Requests made outside `whileSending` are left alone.
 */
const current = new AsyncLocalStorage<RateGrant>();
const pending = new WeakMap<object, RateGrant>();
let listening = false;

type RequestMessage = { request?: unknown };

function listen(): void {
  if (listening) return;
  listening = true;
  diagnostics.subscribe('undici:request:create', (message) => {
    const grant = current.getStore();
    const request = (message as RequestMessage).request;
    if (grant !== undefined && typeof request === 'object' && request !== null) pending.set(request, grant);
  });
  diagnostics.subscribe('undici:client:sendHeaders', (message) => {
    const request = (message as RequestMessage).request;
    if (typeof request !== 'object' || request === null) return;
    const grant = pending.get(request);
    if (grant === undefined) return;
    pending.delete(request);
    void grant.sent();
  });
}

/** Runs `request` so that the HTTP request it makes moves `grant` to when it leaves. */
export function whileSending<T>(grant: RateGrant, request: () => Promise<T>): Promise<T> {
  listen();
  return current.run(grant, request);
}
