import { useCallback } from 'react';
import { callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';
import type { ChooseCsmPropertyResponse, TaskOwnerSettingsResponse } from '../api/taskOwners';

const PATH = '/api/v1/settings/task-owners';

export type TaskOwnerSettingsApi = {
  state: ResourceState<TaskOwnerSettingsResponse>;
  choose: (csmProperty: string | null) => Promise<ApiResult<ChooseCsmPropertyResponse>>;
};

/** Which company property names the CSM; choosing one reloads what is in force. */
export function useTaskOwnerSettings(): TaskOwnerSettingsApi {
  const baseUrl = useCollectionsApiUrl();
  const { state, reload } = useApiResource(`task-owners ${baseUrl ?? ''}`, () =>
    callCollectionsApi<TaskOwnerSettingsResponse>(baseUrl, { method: 'GET', path: PATH }),
  );
  const choose = useCallback(
    async (csmProperty: string | null) => {
      const result = await callCollectionsApi<ChooseCsmPropertyResponse>(baseUrl, {
        method: 'POST',
        path: PATH,
        body: { csmProperty },
      });
      if (result.ok) reload();
      return result;
    },
    [baseUrl, reload],
  );
  return { state, choose };
}
