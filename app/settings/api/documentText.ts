import { parse, stringify, YAMLParseError } from 'yaml';
import { apiFailure, type ApiResult } from '../shared/collectionsApi';

/**
 * Rule sets and guardrails are edited as YAML, the format of the CLI's files. JSON is YAML too, so
 * pasting JSON works as well.
 */
export function toDocumentText(document: unknown): string {
  return document === undefined || document === null ? '' : stringify(document);
}

export function parseDocumentText(text: string): ApiResult<unknown> {
  if (text.trim() === '') return { ok: false, failure: apiFailure('The document is empty.') };
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const position = error.linePos?.[0];
      return {
        ok: false,
        failure: apiFailure(error.message.split('\n')[0] ?? error.message, {
          path: position === undefined ? null : `line ${position.line}, column ${position.col}`,
        }),
      };
    }
    throw error;
  }
}
