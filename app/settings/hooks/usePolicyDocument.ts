import { useCallback } from 'react';
import { callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import { useApiResource, useCollectionsApiUrl, type ResourceState } from '../shared/useCollectionsApi';
import { parseDocumentText } from '../api/documentText';
import {
  toPolicyDocuments,
  type PolicyDocuments,
  type PolicyKind,
  type PolicyListResponse,
  type PreviewResponse,
  type ValidateResponse,
  type VersionResponse,
} from '../api/policies';

export type PolicyDocumentApi = {
  state: ResourceState<PolicyDocuments>;
  reload: () => void;
  validate: (text: string) => Promise<ApiResult<ValidateResponse>>;
  /** The simulated impact of the draft against the active version (rule sets only). */
  preview: (text: string) => Promise<ApiResult<PreviewResponse>>;
  /** `previewToken` binds a rule set's activation to the preview the user confirmed. */
  activate: (text: string, note: string, previewToken?: string) => Promise<ApiResult<VersionResponse>>;
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

  /** The document as the route takes it: its text as written, or parsed (a syntax error stays here). */
  const documentBody = useCallback(
    (text: string): ApiResult<Record<string, unknown>> => {
      const parsed = parseDocumentText(text);
      if (!parsed.ok) return parsed;
      return { ok: true, value: kind.changeControl ? { source: text } : { [kind.field]: parsed.value } };
    },
    [kind.changeControl, kind.field],
  );

  const validate = useCallback(
    async (text: string): Promise<ApiResult<ValidateResponse>> => {
      const body = documentBody(text);
      return body.ok ? post<ValidateResponse>('validate', body.value, false) : body;
    },
    [documentBody, post],
  );

  const preview = useCallback(
    async (text: string): Promise<ApiResult<PreviewResponse>> => {
      const body = documentBody(text);
      return body.ok ? post<PreviewResponse>('activation-preview', body.value, false) : body;
    },
    [documentBody, post],
  );

  const activate = useCallback(
    async (text: string, note: string, previewToken?: string): Promise<ApiResult<VersionResponse>> => {
      const body = documentBody(text);
      return body.ok
        ? post<VersionResponse>(
            'activate',
            { ...body.value, note, ...(previewToken === undefined ? {} : { previewToken }) },
            true,
          )
        : body;
    },
    [documentBody, post],
  );

  const rollback = useCallback(
    (version: number, note: string) => post<VersionResponse>('rollback', { version, note }, true),
    [post],
  );

  return { state, reload, validate, preview, activate, rollback };
}
