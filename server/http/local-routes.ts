import type { ImportResult } from '../../src/use-cases/import-dataset';

// The loopback routes the CLI calls on the server that owns the embedded store. Kept apart from their
// handlers so that the CLI does not load the HTTP stack to name them.

export const LOCAL_IMPORT_PATH = '/local/v1/import';
export const LOCAL_DOCTOR_PATH = '/local/v1/doctor';
export const LOCAL_DEAD_LETTERS_PATH = '/local/v1/dead-letters';

/** One line of the import's answer (NDJSON): progress while the import runs, then its result or its failure. */
export type LocalImportLine =
  | { type: 'progress'; file: string; bytesRead: number; bytesTotal: number }
  | { type: 'result'; result: ImportResult }
  | { type: 'error'; message: string };
