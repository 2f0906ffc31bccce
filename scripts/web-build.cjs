#!/usr/bin/env node
// The workspace's committed build (extensions/web/dist) and the sources it was built from. Run as a
// script (`npm run check:web-build`) it fails when the build is older than its sources.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const MARKER = '.collections-build';

/** Every file the workspace build reads, hashed in a fixed order. */
function workspaceSourceHash(web) {
  const hash = crypto.createHash('sha256');
  const walk = (folder) => {
    for (const entry of fs
      .readdirSync(folder, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(path.relative(web, full).split(path.sep).join('/')).update(fs.readFileSync(full));
    }
  };
  for (const name of ['src', 'public']) if (fs.existsSync(path.join(web, name))) walk(path.join(web, name));
  for (const file of ['index.html', 'vite.config.ts', 'package.json', 'package-lock.json'])
    if (fs.existsSync(path.join(web, file))) hash.update(file).update(fs.readFileSync(path.join(web, file)));
  return hash.digest('hex');
}

/** The build's marker names the sources' hash, and every asset index.html loads is there. */
function isWorkspaceBuildCurrent(web) {
  const dist = path.join(web, 'dist');
  const marker = path.join(dist, MARKER);
  if (!fs.existsSync(marker) || !fs.existsSync(path.join(dist, 'index.html'))) return false;
  if (fs.readFileSync(marker, 'utf8').trim() !== workspaceSourceHash(web)) return false;
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]);
  return assets.length > 0 && assets.every((asset) => fs.existsSync(path.join(dist, asset)));
}

function recordWorkspaceBuild(web) {
  fs.writeFileSync(path.join(web, 'dist', MARKER), `${workspaceSourceHash(web)}\n`);
}

module.exports = { isWorkspaceBuildCurrent, recordWorkspaceBuild, workspaceSourceHash };

if (require.main === module) {
  const web = path.resolve(__dirname, '..', 'extensions', 'web');
  if (process.argv.includes('--record')) {
    recordWorkspaceBuild(web);
  } else if (!isWorkspaceBuildCurrent(web)) {
    process.stderr.write(
      'extensions/web/dist is not the build of the workspace’s current sources: run `npm run build:web` and commit extensions/web/dist\n',
    );
    process.exit(1);
  }
}
