import { useCallback } from 'react';
import { callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';
import { parseDocumentText } from '../api/documentText';
import {
  toPolicyDocuments,
  type PolicyDocuments,
  type PolicyKind,
  type PolicyListResponse,
  type ValidateResponse,
  type VersionResponse,
} from '../api/policies';

export type PolicyDocumentApi = {
  state: ResourceState<PolicyDocuments>;
  reload: () => void;
  validate: (text: string) => Promise<ApiResult<ValidateResponse>>;
  activate: (text: string, note: string) => Promise<ApiResult<VersionResponse>>;
  rollback: (version: number, note: string) => Promise<ApiResult<VersionResponse>>;
};

/** One settings section's data (rule sets or guardrails); activating and rolling back reload it. */
export function usePolicyDocument(kind: PolicyKind): PolicyDocumentApi {
  const baseUrl = useCollectionsApiUrl();
  const { state, reload } = useApiResource<PolicyDocuments>(`${baseUrl ?? ''} ${kind.basePath}`, async () => {
    const result = await callCollectionsApi<PolicyListResponse>(baseUrl, {
      method: 'GET',
      path: kind.basePath,
    });
    return result.ok ? { ok: true, value: toPolicyDocuments(kind, result.value) } : result;
  });

  const post = useCallback(
    async <T extends { ok: true }>(
      route: string,
      body: Record<string, unknown>,
      reloadOnSuccess: boolean,
    ) => {
      const result = await callCollectionsApi<T>(baseUrl, {
        method: 'POST',
        path: `${kind.basePath}/${route}`,
        body,
      });
      if (result.ok && reloadOnSuccess) reload();
      return result;
    },
    [baseUrl, kind.basePath, reload],
  );

  const validate = useCallback(
    async (text: string): Promise<ApiResult<ValidateResponse>> => {
      const parsed = parseDocumentText(text);
      return parsed.ok ? post<ValidateResponse>('validate', { [kind.field]: parsed.value }, false) : parsed;
    },
    [kind.field, post],
  );

  const activate = useCallback(
    async (text: string, note: string): Promise<ApiResult<VersionResponse>> => {
      const parsed = parseDocumentText(text);
      return parsed.ok
        ? post<VersionResponse>('activate', { [kind.field]: parsed.value, note }, true)
        : parsed;
    },
    [kind.field, post],
  );

  const rollback = useCallback(
    (version: number, note: string) => post<VersionResponse>('rollback', { version, note }, true),
    [post],
  );

  return { state, reload, validate, activate, rollback };
}
