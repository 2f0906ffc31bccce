#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench` so that a fresh clone needs only Node and npm:
// installs the locked dependencies (including the pinned Node 24) when they are missing or stale.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

function stale() {
  if (!fs.existsSync(marker)) return true;
  return fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs;
}

// `npm install` rather than `npm ci`: with this lockfile npm ci rejects the other platforms' optional
// binaries (swc, resolver) as missing, while npm install honours the locked versions all the same.
if (stale()) {
  process.stderr.write('Installing dependencies…\n');
  execSync('npm install --no-fund --no-audit', { cwd: root, stdio: 'inherit' });
}
