import { useCallback } from 'react';
import { apiFailure, callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import {
  NO_BILLING_DATA,
  type AccountCardView,
  type AccountResponse,
  type PauseInput,
  type PauseResponse,
  type PromiseInput,
  type RecordPromiseResponse,
  type ResumeResponse,
  type TaskInput,
  type TaskResponse,
} from '../api/accountView';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';

/** A company either has a billing account behind it or no billing data yet (the empty state). */
export type AccountCollections =
  { kind: 'account'; view: AccountCardView } | { kind: 'no_billing_data'; message: string };

export type AccountCollectionsApi = {
  state: ResourceState<AccountCollections>;
  reload: () => void;
  pause: (input: PauseInput) => Promise<ApiResult<PauseResponse>>;
  resume: () => Promise<ApiResult<ResumeResponse>>;
  createTask: (input: TaskInput) => Promise<ApiResult<TaskResponse>>;
  recordPromise: (input: PromiseInput) => Promise<ApiResult<RecordPromiseResponse>>;
};

function pausePath(customerId: string): string {
  return `/api/v1/accounts/${encodeURIComponent(customerId)}/pause`;
}

/** The company tab's and sidebar's data; every action reloads the account when it succeeds. */
export function useAccountCollections(companyId: string): AccountCollectionsApi {
  const baseUrl = useCollectionsApiUrl();
  const { state, reload } = useApiResource<AccountCollections>(`${baseUrl ?? ''} ${companyId}`, async () => {
    const result = await callCollectionsApi<AccountResponse>(baseUrl, {
      method: 'GET',
      path: `/api/v1/companies/${encodeURIComponent(companyId)}/collections`,
    });
    if (result.ok) return { ok: true, value: { kind: 'account', view: result.value.data } };
    if (result.failure.code === NO_BILLING_DATA)
      return { ok: true, value: { kind: 'no_billing_data', message: result.failure.message } };
    return result;
  });

  const reloadingOnSuccess = useCallback(
    async <T>(call: Promise<ApiResult<T>>): Promise<ApiResult<T>> => {
      const result = await call;
      if (result.ok) reload();
      return result;
    },
    [reload],
  );

  const customerId =
    state.status === 'success' && state.data.kind === 'account' ? state.data.view.customerId : null;

  const pause = useCallback(
    (input: PauseInput) =>
      customerId === null
        ? Promise.resolve(notLoaded<PauseResponse>())
        : reloadingOnSuccess(
            callCollectionsApi<PauseResponse>(baseUrl, {
              method: 'POST',
              path: pausePath(customerId),
              body: input,
            }),
          ),
    [baseUrl, customerId, reloadingOnSuccess],
  );
  const resume = useCallback(
    () =>
      customerId === null
        ? Promise.resolve(notLoaded<ResumeResponse>())
        : reloadingOnSuccess(
            callCollectionsApi<ResumeResponse>(baseUrl, { method: 'DELETE', path: pausePath(customerId) }),
          ),
    [baseUrl, customerId, reloadingOnSuccess],
  );
  const createTask = useCallback(
    (input: TaskInput) =>
      reloadingOnSuccess(
        callCollectionsApi<TaskResponse>(baseUrl, {
          method: 'POST',
          path: `/api/v1/companies/${encodeURIComponent(companyId)}/tasks`,
          body: input,
        }),
      ),
    [baseUrl, companyId, reloadingOnSuccess],
  );

  const recordPromise = useCallback(
    (input: PromiseInput) =>
      customerId === null
        ? Promise.resolve(notLoaded<RecordPromiseResponse>())
        : reloadingOnSuccess(
            callCollectionsApi<RecordPromiseResponse>(baseUrl, {
              method: 'POST',
              path: `/api/v1/accounts/${encodeURIComponent(customerId)}/promises`,
              body: input,
            }),
          ),
    [baseUrl, customerId, reloadingOnSuccess],
  );

  return { state, reload, pause, resume, createTask, recordPromise };
}

function notLoaded<T>(): ApiResult<T> {
  return { ok: false, failure: apiFailure('The account is not loaded yet.') };
}
