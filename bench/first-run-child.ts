/**
 * The first run, as a new user meets it: `git clone` of a commit of this repository into an empty
 * folder, `npm start` with an empty npm cache and the machine's own Node on PATH, until `/` answers 200
 * and until the ready line; then every CLI command's `--help`, timed one process each.
 * Prints one JSON line per ref (usage: first-run-child <ref> [<ref> ...]).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const TIMEOUT_MS = 10 * 60000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The environment of a fresh shell: no npm run-script variables, no project binaries, no services. */
function freshEnvironment(cache: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(npm_|INIT_CWD$|DATABASE_URL$|REDIS_URL$|STRIPE_|HUBSPOT_|SALESFORCE_|LOG_LEVEL$|CI$)/.test(key))
      env[key] = value;
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(path.delimiter);
  env.npm_config_cache = cache;
  env.PORT = String(port);
  env.HOST = '127.0.0.1';
  return env;
}

async function firstOk(url: string, started: number, child: ChildProcess): Promise<number> {
  while (Date.now() - started < TIMEOUT_MS) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no 200 from ${url} within ${TIMEOUT_MS / 1000} s`);
}

function countPackages(modules: string): number {
  if (!existsSync(modules)) return 0;
  let count = 0;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    count += entry.startsWith('@') ? readdirSync(path.join(modules, entry)).length : 1;
  }
  return count;
}

function helpTimes(repo: string): { command: string; seconds: number }[] {
  const node = path.join(repo, 'node_modules', '.bin', 'node');
  const bin = path.join(repo, 'bin', 'collections.mjs');
  const usage = execFileSync(node, [bin, '--help'], { cwd: repo, encoding: 'utf8' });
  const names = [...usage.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1] ?? '');
  const commands = ['', ...names.filter((name) => name !== 'help')];
  return commands.map((command) => {
    const started = process.hrtime.bigint();
    execFileSync(node, [bin, ...(command === '' ? [] : [command]), '--help'], { cwd: repo, stdio: 'ignore' });
    return { command, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  });
}

/** Signals npm and everything it started; resolves once npm has exited. */
async function stopGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-(child.pid ?? 0), signal);
  } catch {
    return;
  }
  await exited;
}

async function measure(ref: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'first-run-'));
  const repo = path.join(dir, 'repo');
  const port = await freePort();
  const started = Date.now();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', root, repo]);
  execFileSync('git', ['-C', repo, 'checkout', '--quiet', ref]);
  const child = spawn('npm', ['start'], {
    cwd: repo,
    env: freshEnvironment(path.join(dir, 'npm-cache'), port),
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let readyAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (readyAt === undefined && /^ready: /m.test(stdout)) readyAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const secondsTo200 = await firstOk(`http://127.0.0.1:${port}/`, started, child);
    // A version without a ready line is given a few seconds to show one.
    for (let waited = 0; readyAt === undefined && waited < 120000 && child.exitCode === null; waited += 250)
      await new Promise((resolve) => setTimeout(resolve, 250));
    await stopGroup(child, 'SIGINT');
    const output = `${stdout}\n${stderr}`;
    const help = helpTimes(repo);
    const slowest = help.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    return {
      ref,
      commit: execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
      secondsTo200: Number(secondsTo200.toFixed(1)),
      secondsToReady: readyAt === undefined ? null : Number(((readyAt - started) / 1000).toFixed(1)),
      readyLine: stdout.split('\n').find((line) => line.startsWith('ready: ')) ?? null,
      packages: countPackages(path.join(repo, 'node_modules')),
      extensionPackages: ['hubspot', 'salesforce', 'web']
        .map((name) => countPackages(path.join(repo, 'extensions', name, 'node_modules')))
        .reduce((a, b) => a + b, 0),
      warningLines: output.split('\n').filter((line) => /\bwarn(ing)?\b/i.test(line)).length,
      helpCommands: help.length,
      helpMaxSeconds: Number(slowest.seconds.toFixed(2)),
      helpSlowest: slowest.command === '' ? '(collections)' : slowest.command,
      helpMedianSeconds: Number(
        (help.map((entry) => entry.seconds).sort((a, b) => a - b)[Math.floor(help.length / 2)] ?? 0).toFixed(
          2,
        ),
      ),
    };
  } catch (error) {
    process.stderr.write(`npm start printed:\n${stdout}\n${stderr}\n`);
    throw error;
  } finally {
    await stopGroup(child, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const refs = process.argv.slice(2);
  if (refs.length === 0) throw new Error('usage: first-run-child <ref> [<ref> ...]');
  for (const ref of refs) {
    process.stderr.write(`First run of ${ref}: clone, npm start with an empty npm cache\n`);
    process.stdout.write(`${JSON.stringify(await measure(ref))}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
