#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench` so that a fresh clone needs only Node and npm:
// installs the locked dependencies (including the pinned Node 24) when they are missing or stale.
'use strict';
const { execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function manifestHash(dir) {
  const hash = crypto.createHash('sha256');
  for (const file of ['package.json', 'package-lock.json'])
    hash.update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

/**
 * `npm install` rather than `npm ci`: with this lockfile npm ci rejects the other platforms' optional
 * binaries (swc, resolver) as missing, while npm install honours the locked versions all the same.
 */
function ensure(dir, label) {
  const marker = path.join(dir, 'node_modules', '.collections-install');
  const wanted = manifestHash(dir);
  const installed = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  if (installed === wanted) return;
  process.stderr.write(`Installing dependencies${label}…\n`);
  execSync('npm install --no-fund --no-audit', { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(marker, `${manifestHash(dir)}\n`);
}

ensure(root, '');
// The HubSpot cards are their own package (React 18 and TypeScript 5, as HubSpot's build wants).
const cards = path.join(root, 'extensions', 'hubspot');
if (fs.existsSync(path.join(cards, 'package.json'))) ensure(cards, ' for the HubSpot cards');
// The Salesforce package's tests (sfdx-lwc-jest, the metadata checks) have their own dependencies.
const salesforce = path.join(root, 'extensions', 'salesforce');
if (fs.existsSync(path.join(salesforce, 'package.json'))) ensure(salesforce, ' for the Salesforce package');
