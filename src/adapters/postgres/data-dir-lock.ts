import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * PGlite is PostgreSQL compiled into the process: two processes on one data directory each believe they
 * own it, and one's writes are lost when the other checkpoints (or a third crashes with `Aborted()`).
 * A lock file inside the directory names its one owner; every other opener is refused.
 */
export const LOCK_FILE = 'collections.lock';

/** Who opens a data directory, as another opener is told. */
export type DataDirOwner = {
  /** What the process is: "collections server", "collections CLI", … */
  role: string;
  /**
   * Where the owner takes work that would otherwise need the store. The token authorises it; the lock
   * file is readable by its owner's user only, who can read the data directory anyway.
   */
  endpoint?: { url: string; token: string };
};

const holderSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  startedAt: z.string(),
  role: z.string(),
  command: z.string(),
  nonce: z.string(),
  /** Start time of the process in clock ticks since boot (Linux): tells a reused pid from the holder. */
  processStart: z.string().optional(),
  endpoint: z.object({ url: z.string(), token: z.string() }).optional(),
});

export type DataDirHolder = z.infer<typeof holderSchema>;

export type DataDirLock = {
  readonly holder: DataDirHolder;
  release(): Promise<void>;
};

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    /** Undefined when the lock file cannot be read (being written, or damaged). */
    readonly holder: DataDirHolder | undefined,
  ) {
    super(describeLockedDataDir(dataDir, holder));
    this.name = 'DataDirLockedError';
  }
}

/** The message another opener gets: who holds the directory, and what to do. Never the token. */
export function describeLockedDataDir(dataDir: string, holder: DataDirHolder | undefined): string {
  const lockFile = path.join(dataDir, LOCK_FILE);
  if (holder === undefined)
    return `the store in ${dataDir} is locked, but ${lockFile} cannot be read; if no collections process uses this folder, delete that file`;
  const where = holder.host === os.hostname() ? '' : ` on host ${holder.host}`;
  const serving = holder.endpoint === undefined ? '' : `; serving ${holder.endpoint.url}`;
  return (
    `the store in ${dataDir} is in use by process ${holder.pid}${where} ` +
    `(${holder.role}: ${holder.command}; since ${holder.startedAt}${serving}). ` +
    'An embedded store has one owner: stop that process first' +
    (holder.host === os.hostname() ? '.' : `, or delete ${lockFile} if that host no longer runs it.`)
  );
}

/** Locks this process holds, by nonce: a lock naming our own pid but not held is from a previous life. */
const heldHere = new Set<string>();

function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function isRunning(holder: DataDirHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(holder.nonce);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStartOf(holder.pid);
  return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

/** The holder named by a lock file; 'missing' when there is none, undefined when it cannot be read. */
async function readHolder(file: string): Promise<DataDirHolder | 'missing' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return undefined;
  }
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describeCommand(): string {
  const [, script, ...args] = process.argv;
  const text = [script === undefined ? 'node' : path.basename(script), ...args].join(' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Creates the lock file with its whole content at once (a hard link of a finished file), or fails with EEXIST. */
async function createLockFile(file: string, holder: DataDirHolder): Promise<void> {
  const draft = `${file}.${holder.pid}.${holder.nonce}`;
  await writeFile(draft, `${JSON.stringify(holder, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(draft, file);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/**
 * Moves a dead holder's lock aside. Another opener may have replaced it meanwhile with a live lock;
 * then that lock is put back and the takeover reported as lost.
 */
async function removeStaleLock(file: string, stale: DataDirHolder, nonce: string): Promise<boolean> {
  const aside = `${file}.stale.${nonce}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readHolder(aside);
  if (typeof moved === 'object' && moved.nonce !== stale.nonce) {
    await link(aside, file).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/**
 * Takes the data directory (which must exist) for this process. A lock left by a process that is no
 * longer running is taken over and reported through `onTakeover`; a live holder's is a
 * DataDirLockedError naming it.
 */
export async function lockDataDir(
  dataDir: string,
  owner: DataDirOwner,
  onTakeover: (previous: DataDirHolder) => void = () => undefined,
): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const processStart = processStartOf(process.pid);
  const holder: DataDirHolder = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    role: owner.role,
    command: describeCommand(),
    nonce: randomBytes(12).toString('hex'),
    ...(processStart === undefined ? {} : { processStart }),
    ...(owner.endpoint === undefined ? {} : { endpoint: owner.endpoint }),
  };
  // Each round either takes the lock, meets a live holder, or clears one dead holder's lock.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await createLockFile(file, holder);
      heldHere.add(holder.nonce);
      return { holder, release: () => releaseLock(file, holder) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readHolder(file);
    if (current === 'missing') continue;
    if (current === undefined || isRunning(current)) throw new DataDirLockedError(dataDir, current);
    if (await removeStaleLock(file, current, holder.nonce)) onTakeover(current);
  }
  const last = await readHolder(file);
  throw new DataDirLockedError(dataDir, last === 'missing' ? undefined : last);
}

async function releaseLock(file: string, holder: DataDirHolder): Promise<void> {
  if (!heldHere.delete(holder.nonce)) return;
  // Only our own lock is removed, never one that replaced it.
  const current = await readHolder(file);
  if (typeof current === 'object' && current.nonce === holder.nonce)
    await unlink(file).catch(() => undefined);
}
