import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError, LOCK_FILE, lockDataDir, type DataDirHolder } from './data-dir-lock';

/** The pid of a process that has exited (and so names nobody, until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid as number;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

function foreignLock(fields: Partial<DataDirHolder>): string {
  return JSON.stringify({
    pid: 1,
    host: os.hostname(),
    startedAt: '2026-01-01T00:00:00.000Z',
    role: 'collections server',
    command: 'main.ts',
    nonce: 'feedface',
    ...fields,
  });
}

async function refusal(promise: Promise<unknown>): Promise<DataDirLockedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DataDirLockedError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('lockDataDir: one owner per embedded data directory', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'collections-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second opener while held, naming the holder but never its token, and frees on release', async () => {
    const first = await lockDataDir(dir, {
      role: 'collections server',
      endpoint: { url: 'http://127.0.0.1:3999', token: 'tok-that-must-stay-secret' },
    });
    expect((await stat(path.join(dir, LOCK_FILE))).mode & 0o777).toBe(0o600);

    const refused = await refusal(lockDataDir(dir, { role: 'collections CLI' }));
    expect(refused.holder).toMatchObject({ pid: process.pid, role: 'collections server' });
    expect(refused.message).toContain(`in use by process ${process.pid}`);
    expect(refused.message).toContain('serving http://127.0.0.1:3999');
    expect(refused.message).not.toContain('tok-that-must-stay-secret');

    await first.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const second = await lockDataDir(dir, { role: 'collections CLI' });
    await second.release();
  });

  it('takes over the lock of a process that is no longer running, and says whose it was', async () => {
    const pid = await deadPid();
    await writeFile(path.join(dir, LOCK_FILE), foreignLock({ pid, nonce: 'old' }));
    const previous: DataDirHolder[] = [];
    const lock = await lockDataDir(dir, { role: 'collections CLI' }, (holder) => previous.push(holder));
    expect(previous.map((holder) => holder.pid)).toEqual([pid]);
    const written = JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')) as DataDirHolder;
    expect(written).toMatchObject({ pid: process.pid, role: 'collections CLI' });
    await lock.release();
  });

  it('takes over a lock naming its own pid from an earlier life (a restarted container)', async () => {
    await writeFile(path.join(dir, LOCK_FILE), foreignLock({ pid: process.pid, nonce: 'earlier-life' }));
    const previous: number[] = [];
    const lock = await lockDataDir(dir, { role: 'collections server' }, (holder) =>
      previous.push(holder.pid),
    );
    expect(previous).toEqual([process.pid]);
    await lock.release();
  });

  (existsSync('/proc/self/stat') ? it : it.skip)(
    'takes over when the pid is alive but belongs to another process started later (pid reused)',
    async () => {
      await writeFile(
        path.join(dir, LOCK_FILE),
        foreignLock({ pid: process.ppid, processStart: 'not-the-start-of-that-process' }),
      );
      const previous: number[] = [];
      const lock = await lockDataDir(dir, { role: 'collections CLI' }, (holder) => previous.push(holder.pid));
      expect(previous).toEqual([process.ppid]);
      await lock.release();
    },
  );

  it('refuses a live holder elsewhere, and a lock file it cannot read, telling what to delete', async () => {
    await writeFile(path.join(dir, LOCK_FILE), foreignLock({ pid: await deadPid(), host: 'other-host' }));
    const elsewhere = await refusal(lockDataDir(dir, { role: 'collections CLI' }));
    expect(elsewhere.message).toContain('on host other-host');
    expect(elsewhere.message).toContain(`delete ${path.join(dir, LOCK_FILE)}`);

    await writeFile(path.join(dir, LOCK_FILE), 'not json');
    const unreadable = await refusal(lockDataDir(dir, { role: 'collections CLI' }));
    expect(unreadable.holder).toBeUndefined();
    expect(unreadable.message).toContain('cannot be read');
    expect(await readFile(path.join(dir, LOCK_FILE), 'utf8')).toBe('not json');
  });
});
