import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { createCsvDatasetReader } from '../../src/adapters/csv/dataset-reader';
import { loadConfig } from '../../src/config/config';
import { isCalendarDate, type CalendarDate } from '../../src/domain/dates';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import type { CollectionsStore } from '../../src/ports/store';
import { formatProblem, importDataset } from '../../src/use-cases/import-dataset';
import { openScratchStore, openStore } from '../compose';
import { DataDirLockedError } from '../../src/adapters/postgres';
import { escapeControlCharacters } from '../../src/domain/text';
import { createProgress } from './progress';
import { formatSourceProblem, validateSource } from '../source-document';

/** The running server that owns the embedded store, as its lock file names it. */
export type StoreServer = { pid: number; url: string; token: string };

/**
 * The exit codes of every command. `runCli` answers one of them and the entry point alone hands it to
 * the process: commands throw (`UsageError`, `ExitCode`, any other error) and never set it themselves.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** An unexpected failure; `doctor` also ends with it when something needs attention. */
  failure: 1,
  /** Bad input (arguments, rows, unknown ids, configuration): nothing was written. */
  usage: 2,
  /** Done as far as it could go, and said why it stopped there: paused, blocked or stopped. */
  incomplete: 3,
} as const;

/** Bad input: the message (and its details under `--json`) is printed and the command ends with 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Thrown by a command that printed its whole result and still ends with this exit code (`doctor` finding
 * problems, a sync paused or stopped): `runCli` answers it and prints nothing more.
 */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit code ${code}`);
    this.name = 'ExitCode';
  }
}

export type Output = { json: boolean };

/**
 * Text for a terminal: data (names, ids, reasons) may hold escape sequences that would recolour,
 * retitle or rewrite the screen. JSON escapes C0 controls itself; DEL and C1 (U+009B starts a command
 * too) are escaped here, as JSON allows.
 */
export function terminalSafe(text: string, options: { json?: boolean } = {}): string {
  if (options.json !== true) return escapeControlCharacters(text);
  return text.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function print(output: Output, value: unknown, human: () => string): void {
  process.stdout.write(
    output.json
      ? `${terminalSafe(JSON.stringify(value, null, 2), { json: true })}\n`
      : `${terminalSafe(human())}\n`,
  );
}

export function tenantOption(value: string): TenantId {
  const tenant = parseTenantId(value);
  if (tenant === undefined)
    throw new InvalidArgumentError('letters, digits and _ . : - (at most 64 characters)');
  return tenant;
}

export function dateOption(value: string): CalendarDate {
  if (!isCalendarDate(value)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return value;
}

export function positiveInteger(max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < 1 || number > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    }
    return number;
  };
}

/**
 * Runs `work` on the configured store. An embedded store owned by another process is not opened: the
 * work goes to that process through `viaServer` when it is a server that takes it, otherwise this is
 * a UsageError naming the process (exit 2).
 */
export async function withStore<T>(
  work: (store: CollectionsStore) => Promise<T>,
  options: { viaServer?: (server: StoreServer) => Promise<T> } = {},
): Promise<T> {
  let store: CollectionsStore;
  try {
    store = await openStore(loadConfig(), { role: 'collections CLI' }, (previous) =>
      process.stderr.write(
        `collections: took over the store lock of process ${previous.pid} (${previous.command}), which is no longer running\n`,
      ),
    );
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const holder = error.holder;
    if (holder?.endpoint !== undefined && options.viaServer !== undefined)
      return options.viaServer({ pid: holder.pid, ...holder.endpoint });
    throw new UsageError(error.message, {
      holder:
        holder === undefined
          ? null
          : {
              pid: holder.pid,
              host: holder.host,
              role: holder.role,
              command: holder.command,
              startedAt: holder.startedAt,
              url: holder.endpoint?.url ?? null,
            },
    });
  }
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function defaultTenant(): TenantId {
  return parseTenantId(loadConfig().defaultTenant) as TenantId;
}

/**
 * Imports a dataset folder into a throwaway PGlite store (tenant "backtest") and runs `work` on it;
 * the store is deleted afterwards. Bad rows are a UsageError naming them.
 */
export async function withScratchDataset<T>(
  dir: string,
  showProgress: boolean,
  work: (store: CollectionsStore, tenant: TenantId) => Promise<T>,
): Promise<T> {
  const folder = await stat(path.resolve(dir)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new UsageError(`${dir} is not a folder (expected a folder with invoices.csv)`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'collections-backtest-'));
  const tenant = 'backtest' as TenantId;
  try {
    const store = await openScratchStore(scratch);
    try {
      const progress = createProgress(showProgress, 'bytes');
      const imported = await importDataset(store, createCsvDatasetReader(path.resolve(dir)), {
        tenant,
        onProgress: (event) => progress.update(event.bytesRead, event.bytesTotal, event.file),
      }).finally(() => progress.stop());
      if (!imported.ok) {
        throw new UsageError(
          `the dataset has ${imported.problemCount} problem(s):\n${imported.problems.map(formatProblem).join('\n')}`,
          imported,
        );
      }
      return await work(store, tenant);
    } finally {
      await store.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export function versionArgument(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a version number ≥ 1');
  return Number(value);
}

/** A rule set version, 0 (the default playbook) included. */
export function ruleVersionArgument(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a version number (0 is the default playbook)');
  return Number(value);
}

type Validated<T> = { ok: true; value: T } | { ok: false; problems: { path: string; message: string }[] };

export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(path.resolve(file), 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
}

/**
 * Reads a YAML or JSON file and validates it; every problem is printed as `file:line:column: path:
 * message` (exit 2), and listed with its line and column under `--json`.
 */
export async function readValidatedFile<T>(
  file: string,
  validate: (document: unknown) => Validated<T>,
): Promise<T> {
  return (await readValidatedSource(file, validate)).value;
}

/** `readValidatedFile`, keeping the text as written (comments and order) beside the value. */
export async function readValidatedSource<T>(
  file: string,
  validate: (document: unknown) => Validated<T>,
): Promise<{ value: T; text: string }> {
  const text = await readTextFile(file);
  const result = validateSource(text, validate);
  if (!result.ok) {
    throw new UsageError(
      `${file}: ${result.problems.length} problem(s)\n${result.problems.map((problem) => formatSourceProblem(file, problem)).join('\n')}`,
      { problems: result.problems },
    );
  }
  return { value: result.value, text };
}

/** A request to the server that owns the embedded store (its lock file's URL and token); 404 is an answer. */
export async function askStoreOwner(
  server: StoreServer,
  path: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server.url), {
      method,
      headers: { authorization: `Bearer ${server.token}` },
    });
  } catch (error) {
    throw new Error(
      `the server process ${server.pid} does not answer at ${server.url} (${(error as Error).message})`,
      { cause: error },
    );
  }
  if (response.status !== 200 && response.status !== 404)
    throw new Error(`the server process ${server.pid} answered HTTP ${response.status} to ${path}`);
  return response.json();
}
