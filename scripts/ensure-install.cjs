#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench` so that a fresh clone needs only Node and npm:
// installs the locked dependencies (including the pinned Node 24) when they are missing or stale.
'use strict';
const { execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'node_modules', '.collections-install');

function manifestHash() {
  const hash = crypto.createHash('sha256');
  for (const file of ['package.json', 'package-lock.json'])
    hash.update(fs.readFileSync(path.join(root, file)));
  return hash.digest('hex');
}

const wanted = manifestHash();
const installed = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';

// `npm install` rather than `npm ci`: with this lockfile npm ci rejects the other platforms' optional
// binaries (swc, resolver) as missing, while npm install honours the locked versions all the same.
if (installed !== wanted) {
  process.stderr.write('Installing dependencies…\n');
  execSync('npm install --no-fund --no-audit', { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, `${manifestHash()}\n`);
}
