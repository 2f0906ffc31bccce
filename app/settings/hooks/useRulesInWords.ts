import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../shared/collectionsApi';
import { parseDocumentText } from '../api/documentText';
import type { DescribedRule, ValidateResponse } from '../api/policies';

/** How long the text must rest before it is checked again. */
export const WORDS_DELAY_MS = 800;

export type RulesInWordsState = {
  described: DescribedRule[];
  /**
   * `current`: the words are of the text in the editor; `checking`: the text changed and is being
   * validated; `stale`: the text does not validate, the words are of the last text that did.
   */
  status: 'current' | 'checking' | 'stale';
};

/**
 * The rules in words, kept up to date with the draft: once the text rests, the backend validates it
 * and answers each rule as a sentence. Only the latest check may update the words.
 */
export function useRulesInWords(
  text: string,
  initial: { text: string; described: DescribedRule[] },
  validate: (text: string) => Promise<ApiResult<ValidateResponse>>,
): RulesInWordsState & { accept: (text: string, described: DescribedRule[]) => void } {
  const [state, setState] = useState<RulesInWordsState & { of: string }>({
    described: initial.described,
    of: initial.text,
    status: initial.described.length > 0 ? 'current' : 'checking',
  });
  const latest = useRef(0);
  const latestValidate = useRef(validate);
  latestValidate.current = validate;

  useEffect(() => {
    if (text === state.of && state.status !== 'checking') return undefined;
    latest.current += 1;
    const request = latest.current;
    if (!parseDocumentText(text).ok) {
      setState((previous) => ({ ...previous, status: 'stale' }));
      return undefined;
    }
    setState((previous) => (previous.status === 'checking' ? previous : { ...previous, status: 'checking' }));
    const timer = setTimeout(() => {
      void latestValidate.current(text).then((result) => {
        if (request !== latest.current) return;
        setState((previous) =>
          result.ok
            ? { described: result.value.described ?? [], of: text, status: 'current' }
            : { ...previous, status: 'stale' },
        );
      });
    }, WORDS_DELAY_MS);
    return () => clearTimeout(timer);
    // Only a new text starts a check; the state it sets must not start another.
  }, [text]);

  useEffect(
    () => () => {
      latest.current += 1;
    },
    [],
  );

  const accept = useCallback((validated: string, described: DescribedRule[]) => {
    latest.current += 1;
    setState({ described, of: validated, status: 'current' });
  }, []);

  return { described: state.described, status: state.status, accept };
}
