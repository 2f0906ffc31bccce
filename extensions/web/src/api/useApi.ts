import { useCallback, useEffect, useRef, useState } from 'react';
import { apiFailure, type ApiFailure, type ApiResult } from './client';

export type ResourceState<T> =
  { status: 'loading' } | { status: 'success'; data: T } | { status: 'error'; failure: ApiFailure };

async function settle<T>(run: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
  try {
    return await run();
  } catch (error) {
    return { ok: false, failure: apiFailure(error instanceof Error ? error.message : 'Unexpected error.') };
  }
}

/**
 * Loads whenever `key` changes and on `reload()`. Only the latest request may update the state, so a
 * slow answer never overwrites a newer one. A new key shows the loading state; a reload (after an
 * action) keeps showing the data it is about to replace.
 */
export function useApiResource<T>(
  key: string,
  load: () => Promise<ApiResult<T>>,
): { state: ResourceState<T>; reload: () => void } {
  const [state, setState] = useState<ResourceState<T>>({ status: 'loading' });
  const latestRequest = useRef(0);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  const start = useCallback((keepData: boolean) => {
    latestRequest.current += 1;
    const requestId = latestRequest.current;
    setState((previous) => (keepData && previous.status === 'success' ? previous : { status: 'loading' }));
    void settle(latestLoad.current).then((result) => {
      if (requestId !== latestRequest.current) return;
      setState(
        result.ok ? { status: 'success', data: result.value } : { status: 'error', failure: result.failure },
      );
    });
  }, []);

  useEffect(() => {
    start(false);
  }, [key, start]);

  useEffect(
    () => () => {
      latestRequest.current += 1;
    },
    [],
  );

  const reload = useCallback(() => start(true), [start]);
  return { state, reload };
}

export type ActionState<T> =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; value: T }
  | { status: 'failed'; failure: ApiFailure };

/** A user-triggered call (pause, accept, activate) with the same latest-request guard. */
export function useApiAction<A extends unknown[], T>(
  perform: (...args: A) => Promise<ApiResult<T>>,
): { state: ActionState<T>; run: (...args: A) => Promise<ApiResult<T>>; reset: () => void } {
  const [state, setState] = useState<ActionState<T>>({ status: 'idle' });
  const latestRequest = useRef(0);
  const latestPerform = useRef(perform);
  latestPerform.current = perform;

  useEffect(
    () => () => {
      latestRequest.current += 1;
    },
    [],
  );

  const run = useCallback(async (...args: A) => {
    latestRequest.current += 1;
    const requestId = latestRequest.current;
    setState({ status: 'running' });
    const result = await settle(() => latestPerform.current(...args));
    if (requestId === latestRequest.current)
      setState(
        result.ok ? { status: 'done', value: result.value } : { status: 'failed', failure: result.failure },
      );
    return result;
  }, []);

  const reset = useCallback(() => {
    latestRequest.current += 1;
    setState({ status: 'idle' });
  }, []);

  return { state, run, reset };
}
