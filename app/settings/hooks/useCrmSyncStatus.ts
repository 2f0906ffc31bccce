import { useCallback } from 'react';
import { callCollectionsApi } from '../shared/collectionsApi';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';
import type { CrmSyncStatusResponse } from '../api/crmSyncStatus';

/** The CRM connections of this portal's tenant, loaded once with the page. */
export function useCrmSyncStatus(): ResourceState<CrmSyncStatusResponse> {
  const baseUrl = useCollectionsApiUrl();
  const load = useCallback(
    () =>
      callCollectionsApi<CrmSyncStatusResponse>(baseUrl, { method: 'GET', path: '/api/v1/crm-sync-status' }),
    [baseUrl],
  );
  return useApiResource(`crm-sync-status ${baseUrl ?? ''}`, load).state;
}
