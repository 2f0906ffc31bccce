#!/usr/bin/env node
// Runs before `npm start` (production dependencies only) and before `npm test`, `npm run bench` and the
// end-to-end runs (`--all`: the test toolchains too), so that a fresh clone needs only Node and npm.
// Installs the locked dependencies, including the pinned Node 24 runtime, when they are missing or stale.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { isWorkspaceBuildCurrent, recordWorkspaceBuild } = require('./web-build.cjs');

const root = path.resolve(__dirname, '..');
const wantsAll = process.argv.includes('--all');

function manifestHash(dir) {
  const hash = crypto.createHash('sha256');
  for (const file of ['package.json', 'package-lock.json'])
    hash.update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

/**
 * Runs npm quietly: its warnings are about the Node that runs npm (the system's, perhaps 20), not the
 * pinned Node 24 the project runs on, so they would only alarm. Its whole output is shown if it fails.
 */
function npm(args, dir, label) {
  const started = Date.now();
  process.stderr.write(`${label}…`);
  const result = spawnSync('npm', [...args, '--no-fund', '--no-audit', '--loglevel=error', '--no-progress'], {
    cwd: dir,
    encoding: 'utf8',
    shell: process.platform === 'win32',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    process.stderr.write(' failed\n');
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    if (result.error) process.stderr.write(`${result.error.message}\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(` done in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

/**
 * `npm install` rather than `npm ci`: with this lockfile npm ci rejects the other platforms' optional
 * binaries (swc, resolver) as missing, while npm install honours the locked versions all the same.
 * The marker records what was installed: production only, or everything. An install of everything is
 * never narrowed again (that would remove a developer's toolchains).
 */
function ensure(dir, label, all) {
  const marker = path.join(dir, 'node_modules', '.collections-install');
  const wanted = manifestHash(dir);
  const [installedHash, installedMode] = fs.existsSync(marker)
    ? fs.readFileSync(marker, 'utf8').trim().split(' ')
    : [];
  const mode = all || installedMode === 'all' ? 'all' : 'production';
  if (installedHash === wanted && (mode === 'production' || installedMode === 'all')) return;
  npm(mode === 'all' ? ['install'] : ['install', '--omit=dev'], dir, `Installing ${label}`);
  fs.writeFileSync(marker, `${manifestHash(dir)} ${mode}\n`);
}

ensure(root, wantsAll ? 'dependencies' : 'dependencies (first run: about 20 s)', wantsAll);
if (wantsAll) {
  // The HubSpot cards are their own package (React 18 and TypeScript 5, as HubSpot's build wants).
  ensure(path.join(root, 'extensions', 'hubspot'), 'the HubSpot cards’ test toolchain', true);
  // The Salesforce package's tests (sfdx-lwc-jest, the metadata checks) have their own dependencies.
  ensure(path.join(root, 'extensions', 'salesforce'), 'the Salesforce package’s test toolchain', true);
  ensure(path.join(root, 'extensions', 'web'), 'the workspace’s toolchain', true);
}

// The workspace served at / is committed built (extensions/web/dist): a clone runs it without its
// toolchain. Its build is redone here only when its sources changed since; CI instead fails the
// check (`npm run check:web-build`), so a stale build is never what a clone gets.
const web = path.join(root, 'extensions', 'web');
if (!isWorkspaceBuildCurrent(web) && process.env.CI === undefined) {
  ensure(web, 'the workspace’s toolchain', true);
  npm(['run', 'build'], web, 'Building the workspace (its sources changed)');
  recordWorkspaceBuild(web);
}
