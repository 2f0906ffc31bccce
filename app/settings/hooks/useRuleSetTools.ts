import { useCallback } from 'react';
import { callCollectionsApi, type ApiResult } from '../shared/collectionsApi';
import { useCollectionsApiUrl } from '../shared/useCollectionsApi';
import { parseDocumentText } from '../api/documentText';
import type { DiffResponse, SimulateResponse } from '../api/policies';

export type SimulationRequest = { text: string; from: string; to: string; against: unknown };

/** The rule-set-only tools: replaying history under a draft, and comparing stored versions. */
export function useRuleSetTools(): {
  simulate: (request: SimulationRequest) => Promise<ApiResult<SimulateResponse>>;
  diff: (from: number, to: number) => Promise<ApiResult<DiffResponse>>;
} {
  const baseUrl = useCollectionsApiUrl();

  const simulate = useCallback(
    async ({ text, from, to, against }: SimulationRequest): Promise<ApiResult<SimulateResponse>> => {
      const parsed = parseDocumentText(text);
      if (!parsed.ok) return parsed;
      return callCollectionsApi<SimulateResponse>(baseUrl, {
        method: 'POST',
        path: '/api/v1/rules/simulate',
        body: { source: text, from, to, ...(against === undefined ? {} : { against }) },
      });
    },
    [baseUrl],
  );

  const diff = useCallback(
    (from: number, to: number) =>
      callCollectionsApi<DiffResponse>(baseUrl, {
        method: 'GET',
        path: `/api/v1/rules/diff?from=${from}&to=${to}`,
      }),
    [baseUrl],
  );

  return { simulate, diff };
}
