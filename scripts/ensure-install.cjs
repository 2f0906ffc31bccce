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

/** Every file the workspace build reads, hashed: the build runs again only when one changed. */
function sourceHash(dir) {
  const hash = crypto.createHash('sha256');
  const walk = (folder) => {
    for (const entry of fs
      .readdirSync(folder, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(entry.name).update(fs.readFileSync(full));
    }
  };
  for (const name of ['src', 'public']) if (fs.existsSync(path.join(dir, name))) walk(path.join(dir, name));
  for (const file of ['index.html', 'vite.config.ts', 'package.json', 'package-lock.json'])
    if (fs.existsSync(path.join(dir, file))) hash.update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

// The workspace (served at /) is built once per change of its sources.
const web = path.join(root, 'extensions', 'web');
if (fs.existsSync(path.join(web, 'package.json'))) {
  ensure(web, ' for the workspace');
  const marker = path.join(web, 'dist', '.collections-build');
  const wanted = sourceHash(web);
  const built = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  if (built !== wanted) {
    process.stderr.write('Building the workspace…\n');
    execSync('npm run build', { cwd: web, stdio: 'inherit' });
    fs.writeFileSync(marker, `${wanted}\n`);
  }
}
